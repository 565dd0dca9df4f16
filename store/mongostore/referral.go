package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ssonet/ssonet/store"
)

// referralDoc is a store.Referral as stored: NationalID and Phone sealed, plus the lookup key
// nidKey (unique) and noticeDue (a status-change push waits to be sent).
type referralDoc struct {
	ID           string               `bson:"_id"`
	SubmissionID string               `bson:"submissionId"`
	Source       store.ReferralSource `bson:"source"`
	LeaderID     string               `bson:"leaderId"`
	WorkerUserID string               `bson:"workerUserId"`
	FullName     string               `bson:"fullName"`
	NationalID   string               `bson:"nationalIdSealed"`
	NIDKey       string               `bson:"nidKey"`
	Phone        string               `bson:"phoneSealed"`
	BirthDate    time.Time            `bson:"birthDate,omitempty"`
	Age          int                  `bson:"age"`
	AgeUncertain bool                 `bson:"ageUncertain"`
	Occupation   string               `bson:"occupation"`
	ProvinceCode string               `bson:"provinceCode"`
	District     string               `bson:"district"`
	Option       string               `bson:"option"`
	Status       store.ReferralStatus `bson:"status"`
	StatusNote   string               `bson:"statusNote"`
	StatusAt     time.Time            `bson:"statusAt,omitempty"`
	ClosedAt     time.Time            `bson:"closedAt,omitempty"`
	NoticeKey    string               `bson:"noticeKey"`
	NoticeDue    bool                 `bson:"noticeDue"`
	NotifiedAt   time.Time            `bson:"notifiedAt,omitempty"`
	ConsentAt    time.Time            `bson:"consentAt,omitempty"`
	CreatedAt    time.Time            `bson:"createdAt"`
}

// nidKey is the unique lookup key of a referral: the national ID's keyed hash, or "self:<id>"
// when there is no national ID.
func (s *Store) nidKey(r store.Referral) string {
	if r.NationalID == "" {
		return "self:" + r.ID
	}
	return s.sealer.Hash(r.NationalID)
}

func (s *Store) toReferralDoc(r store.Referral) referralDoc {
	return referralDoc{
		ID: r.ID, SubmissionID: r.SubmissionID, Source: r.Source, LeaderID: r.LeaderID, WorkerUserID: r.WorkerUserID,
		FullName: r.FullName, NationalID: s.sealer.Seal(r.NationalID), NIDKey: s.nidKey(r), Phone: s.sealer.Seal(r.Phone),
		BirthDate: r.BirthDate, Age: r.Age, AgeUncertain: r.AgeUncertain, Occupation: r.Occupation,
		ProvinceCode: r.ProvinceCode, District: r.District, Option: r.Option, Status: r.Status,
		StatusNote: r.StatusNote, StatusAt: r.StatusAt, ClosedAt: r.ClosedAt, NoticeKey: r.NoticeKey,
		NoticeDue: r.NoticeKey != "" && r.NotifiedAt.IsZero(), NotifiedAt: r.NotifiedAt,
		ConsentAt: r.ConsentAt, CreatedAt: r.CreatedAt,
	}
}

func (s *Store) fromReferralDoc(d referralDoc) (store.Referral, error) {
	r := store.Referral{
		ID: d.ID, SubmissionID: d.SubmissionID, Source: d.Source, LeaderID: d.LeaderID, WorkerUserID: d.WorkerUserID,
		FullName: d.FullName, BirthDate: utc(d.BirthDate), Age: d.Age, AgeUncertain: d.AgeUncertain,
		Occupation: d.Occupation, ProvinceCode: d.ProvinceCode, District: d.District, Option: d.Option,
		Status: d.Status, StatusNote: d.StatusNote, StatusAt: utc(d.StatusAt), ClosedAt: utc(d.ClosedAt),
		NoticeKey: d.NoticeKey, NotifiedAt: utc(d.NotifiedAt), ConsentAt: utc(d.ConsentAt), CreatedAt: utc(d.CreatedAt),
	}
	var err error
	if r.NationalID, err = s.sealer.Open(d.NationalID); err != nil {
		return store.Referral{}, err
	}
	if r.Phone, err = s.sealer.Open(d.Phone); err != nil {
		return store.Referral{}, err
	}
	return r, nil
}

// utc returns t in UTC, keeping the zero time zero.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// CreateReferral stores r with the national ID and phone sealed. store.ErrConflict when the ID
// (_id), the submission (submissionId_unique) or the national ID (nidKey_unique) is taken.
func (s *Store) CreateReferral(ctx context.Context, r store.Referral) error {
	if _, err := s.db.Collection(referralsColl).InsertOne(ctx, s.toReferralDoc(r)); err != nil {
		return wrap("create referral", err)
	}
	return nil
}

// findReferral returns the one referral matching filter.
func (s *Store) findReferral(ctx context.Context, what string, filter bson.D) (store.Referral, error) {
	var d referralDoc
	err := s.db.Collection(referralsColl).FindOne(ctx, filter).Decode(&d)
	var r store.Referral
	if err == nil {
		r, err = s.fromReferralDoc(d)
	}
	if err != nil {
		return store.Referral{}, wrap(what, err)
	}
	return r, nil
}

// GetReferral returns the referral with that ID. Served by _id.
func (s *Store) GetReferral(ctx context.Context, id string) (store.Referral, error) {
	return s.findReferral(ctx, "get referral", bson.D{{Key: "_id", Value: id}})
}

// GetReferralBySubmission returns the referral a flow run stored. Served by submissionId_unique.
func (s *Store) GetReferralBySubmission(ctx context.Context, submissionID string) (store.Referral, error) {
	return s.findReferral(ctx, "get referral by submission", bson.D{{Key: "submissionId", Value: submissionID}})
}

// FindReferralByNationalID returns the referral of a national ID. Per national ID typed in the
// referral flow; served by nidKey_unique.
func (s *Store) FindReferralByNationalID(ctx context.Context, nationalID string) (store.Referral, error) {
	if nationalID == "" {
		return store.Referral{}, fmt.Errorf("mongostore: find referral: %w", store.ErrNotFound)
	}
	return s.findReferral(ctx, "find referral", bson.D{{Key: "nidKey", Value: s.sealer.Hash(nationalID)}})
}

// findReferrals returns the referrals matching filter in the order and window of opts.
func (s *Store) findReferrals(ctx context.Context, what string, filter bson.D, opts *options.FindOptionsBuilder) ([]store.Referral, error) {
	cur, err := s.db.Collection(referralsColl).Find(ctx, filter, opts)
	if err != nil {
		return nil, wrap(what, err)
	}
	var docs []referralDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(what, err)
	}
	out := make([]store.Referral, 0, len(docs))
	for _, d := range docs {
		r, err := s.fromReferralDoc(d)
		if err != nil {
			return nil, wrap(what, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// ListReferrals returns the referrals f selects, newest first. Served by leaderId_createdAt when
// a leader is given (the leader's list in the chat), workerUserId_createdAt for a worker (their
// "สนใจสมัคร"), provinceCode_createdAt for a province, else createdAt.
func (s *Store) ListReferrals(ctx context.Context, f store.ReferralFilter) ([]store.Referral, error) {
	filter := bson.D{}
	for _, c := range []struct{ key, value string }{
		{"leaderId", f.LeaderID}, {"workerUserId", f.WorkerUserID}, {"provinceCode", f.ProvinceCode},
		{"status", string(f.Status)}, {"source", string(f.Source)},
	} {
		if c.value != "" {
			filter = append(filter, bson.E{Key: c.key, Value: c.value})
		}
	}
	if r := timeRange(f.Since, f.Until); r != nil {
		filter = append(filter, bson.E{Key: "createdAt", Value: r})
	}
	limit := f.Limit
	if limit <= 0 {
		limit = store.DefaultReferralLimit
	}
	opts := options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}, {Key: "_id", Value: -1}}).
		SetSkip(int64(max(f.Offset, 0))).SetLimit(int64(limit))
	return s.findReferrals(ctx, "list referrals", filter, opts)
}

// CountReferralsByStatus counts a leader's referrals by status: one indexed count per status
// (six small queries), so nothing depends on FerretDB's aggregation support. Served by
// leaderId_createdAt.
func (s *Store) CountReferralsByStatus(ctx context.Context, leaderID string) (map[store.ReferralStatus]int, error) {
	return s.countReferrals(ctx, bson.D{{Key: "leaderId", Value: leaderID}})
}

// CountProvinceReferrals counts a province's referrals (every province's when empty) by
// status, one count per status as above. Served by provinceCode_createdAt.
func (s *Store) CountProvinceReferrals(ctx context.Context, province string) (map[store.ReferralStatus]int, error) {
	if province == "" {
		return s.countReferrals(ctx, bson.D{})
	}
	return s.countReferrals(ctx, bson.D{{Key: "provinceCode", Value: province}})
}

// countReferrals counts the referrals matching filter, status by status.
func (s *Store) countReferrals(ctx context.Context, filter bson.D) (map[store.ReferralStatus]int, error) {
	out := map[store.ReferralStatus]int{}
	for _, st := range store.ReferralStatuses {
		n, err := s.db.Collection(referralsColl).CountDocuments(ctx, append(filter[:len(filter):len(filter)], bson.E{Key: "status", Value: st}))
		if err != nil {
			return nil, wrap("count referrals", err)
		}
		if n > 0 {
			out[st] = int(n)
		}
	}
	return out, nil
}

// ChangeReferralStatus applies c with one update guarded by the stored status. Served by _id.
func (s *Store) ChangeReferralStatus(ctx context.Context, id string, c store.StatusChange) (store.Referral, error) {
	set := bson.D{
		{Key: "status", Value: c.To}, {Key: "statusNote", Value: c.Note}, {Key: "statusAt", Value: c.At},
		{Key: "noticeKey", Value: c.NoticeKey}, {Key: "noticeDue", Value: c.NoticeKey != ""},
	}
	unset := bson.D{{Key: "notifiedAt", Value: ""}}
	if c.To.Closed() {
		set = append(set, bson.E{Key: "closedAt", Value: c.At})
	} else {
		unset = append(unset, bson.E{Key: "closedAt", Value: ""})
	}
	var d referralDoc
	err := s.db.Collection(referralsColl).FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "status", Value: c.From}},
		bson.D{{Key: "$set", Value: set}, {Key: "$unset", Value: unset}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		if _, gerr := s.GetReferral(ctx, id); gerr != nil {
			return store.Referral{}, gerr
		}
		err = store.ErrConflict
	}
	var r store.Referral
	if err == nil {
		r, err = s.fromReferralDoc(d)
	}
	if err != nil {
		return store.Referral{}, wrap("change referral status", err)
	}
	return r, nil
}

// MarkReferralNotified records the accepted push, guarded by its key. Served by _id.
func (s *Store) MarkReferralNotified(ctx context.Context, id, noticeKey string, t time.Time) error {
	res, err := s.db.Collection(referralsColl).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "noticeKey", Value: noticeKey}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "notifiedAt", Value: t}, {Key: "noticeDue", Value: false}}}})
	if err == nil && res.MatchedCount == 0 {
		if _, gerr := s.GetReferral(ctx, id); gerr != nil {
			return gerr
		}
		err = store.ErrConflict
	}
	if err != nil {
		return wrap("mark referral notified", err)
	}
	return nil
}

// ListReferralNoticesDue returns the pushes to retry, oldest first. Per scheduler tick; served
// by noticeDue_statusAt.
func (s *Store) ListReferralNoticesDue(ctx context.Context, t time.Time, limit int) ([]store.Referral, error) {
	return s.findReferrals(ctx, "list referral notices due",
		bson.D{{Key: "noticeDue", Value: true}, {Key: "statusAt", Value: bson.D{{Key: "$lt", Value: t}}}},
		options.Find().SetSort(bson.D{{Key: "statusAt", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
}

// ListReferralsClosedBefore returns the retention job's work, oldest first. Per scheduler tick;
// served by closedAt (open referrals have no closedAt field).
func (s *Store) ListReferralsClosedBefore(ctx context.Context, t time.Time, limit int) ([]store.Referral, error) {
	return s.findReferrals(ctx, "list closed referrals",
		bson.D{{Key: "closedAt", Value: bson.D{{Key: "$lt", Value: t}}}},
		options.Find().SetSort(bson.D{{Key: "closedAt", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
}

// DeleteReferral removes a referral. Served by _id.
func (s *Store) DeleteReferral(ctx context.Context, id string) error {
	res, err := s.db.Collection(referralsColl).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err == nil && res.DeletedCount == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return wrap("delete referral", err)
	}
	return nil
}
