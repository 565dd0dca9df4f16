package mongostore

import (
	"context"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ssonet/ssonet/store"
)

// casesColl keeps hand-off cases (issue 11), keyed by ID, the transcript sealed.
const casesColl = "cases"

type caseDoc struct {
	ID              string           `bson:"_id"`
	UserID          string           `bson:"userId"`
	ProvinceCode    string           `bson:"provinceCode"`
	Status          store.CaseStatus `bson:"status"`
	Entries         string           `bson:"entriesSealed"`
	CreatedAt       time.Time        `bson:"createdAt,omitempty"`
	FirstResponseAt time.Time        `bson:"firstResponseAt,omitempty"`
	HotlineAt       time.Time        `bson:"hotlineAt,omitempty"`
	ClosedAt        time.Time        `bson:"closedAt,omitempty"`
	ClosedBy        string           `bson:"closedBy"`
	Version         int64            `bson:"version"`
}

func (s *Store) caseDoc(c store.Case) (caseDoc, error) {
	sealed, err := s.sealer.SealJSON(c.Entries)
	return caseDoc{ID: c.ID, UserID: c.UserID, ProvinceCode: c.ProvinceCode, Status: c.Status, Entries: sealed, CreatedAt: c.CreatedAt,
		FirstResponseAt: c.FirstResponseAt, HotlineAt: c.HotlineAt, ClosedAt: c.ClosedAt, ClosedBy: c.ClosedBy, Version: c.Version}, err
}

func (s *Store) caseOf(d caseDoc) (store.Case, error) {
	c := store.Case{ID: d.ID, UserID: d.UserID, ProvinceCode: d.ProvinceCode, Status: d.Status, CreatedAt: d.CreatedAt,
		FirstResponseAt: d.FirstResponseAt, HotlineAt: d.HotlineAt, ClosedAt: d.ClosedAt, ClosedBy: d.ClosedBy, Version: d.Version}
	return c, s.sealer.OpenJSON(d.Entries, &c.Entries)
}

// CreateCase stores a new case with its transcript sealed; store.ErrConflict on a used ID.
func (s *Store) CreateCase(ctx context.Context, c store.Case) (store.Case, error) {
	c.Version = 1
	d, err := s.caseDoc(c)
	if err == nil {
		_, err = s.db.Collection(casesColl).InsertOne(ctx, d)
	}
	if err != nil {
		return store.Case{}, wrap("create case", err)
	}
	return c, nil
}

func (s *Store) findCase(ctx context.Context, what string, filter bson.D, opts ...options.Lister[options.FindOneOptions]) (store.Case, error) {
	var d caseDoc
	if err := s.db.Collection(casesColl).FindOne(ctx, filter, opts...).Decode(&d); err != nil {
		return store.Case{}, wrap(what, err)
	}
	c, err := s.caseOf(d)
	if err != nil {
		return store.Case{}, wrap(what, err)
	}
	return c, nil
}

// GetCase returns a case by ID. Served by _id.
func (s *Store) GetCase(ctx context.Context, id string) (store.Case, error) {
	return s.findCase(ctx, "get case", bson.D{{Key: "_id", Value: id}})
}

// OpenCaseOf returns the member's open case. Served by userId_status.
func (s *Store) OpenCaseOf(ctx context.Context, userID string) (store.Case, error) {
	return s.findCase(ctx, "open case", bson.D{{Key: "userId", Value: userID}, {Key: "status", Value: store.CaseOpen}},
		options.FindOne().SetSort(bson.D{{Key: "createdAt", Value: -1}}))
}

func (s *Store) findCases(ctx context.Context, what string, filter bson.D, opts ...options.Lister[options.FindOptions]) ([]store.Case, error) {
	cur, err := s.db.Collection(casesColl).Find(ctx, filter, opts...)
	if err != nil {
		return nil, wrap(what, err)
	}
	var docs []caseDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(what, err)
	}
	out := make([]store.Case, len(docs))
	for i, d := range docs {
		if out[i], err = s.caseOf(d); err != nil {
			return nil, wrap(what, err)
		}
	}
	return out, nil
}

// ListCases returns cases newest first. Served by provinceCode_status_createdAt.
func (s *Store) ListCases(ctx context.Context, province string, status store.CaseStatus, limit int) ([]store.Case, error) {
	filter := bson.D{}
	if province != "" {
		filter = append(filter, bson.E{Key: "provinceCode", Value: province})
	}
	if status != "" {
		filter = append(filter, bson.E{Key: "status", Value: status})
	}
	if limit <= 0 {
		limit = 100
	}
	return s.findCases(ctx, "list cases", filter,
		options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(limit)))
}

// UpdateCase replaces a case guarded by its version. Served by _id.
func (s *Store) UpdateCase(ctx context.Context, c store.Case) (store.Case, error) {
	prev := c.Version
	c.Version++
	d, err := s.caseDoc(c)
	if err != nil {
		return store.Case{}, wrap("update case", err)
	}
	res, err := s.db.Collection(casesColl).ReplaceOne(ctx, bson.D{{Key: "_id", Value: c.ID}, {Key: "version", Value: prev}}, d)
	if err != nil {
		return store.Case{}, wrap("update case", err)
	}
	if res.MatchedCount == 0 {
		if _, err := s.GetCase(ctx, c.ID); err != nil {
			return store.Case{}, err
		}
		return store.Case{}, wrap("update case", store.ErrConflict)
	}
	return c, nil
}

// CasesUnanswered returns open, unanswered cases created before t. Served by status_createdAt.
func (s *Store) CasesUnanswered(ctx context.Context, t time.Time) ([]store.Case, error) {
	return s.findCases(ctx, "unanswered cases", bson.D{{Key: "status", Value: store.CaseOpen},
		{Key: "firstResponseAt", Value: bson.D{{Key: "$exists", Value: false}}}, {Key: "hotlineAt", Value: bson.D{{Key: "$exists", Value: false}}},
		{Key: "createdAt", Value: bson.D{{Key: "$lt", Value: t}}}}, options.Find().SetSort(bson.D{{Key: "createdAt", Value: 1}}))
}

// DeleteCasesClosedBefore removes cases closed before t. Served by closedAt.
func (s *Store) DeleteCasesClosedBefore(ctx context.Context, t time.Time) (int, error) {
	res, err := s.db.Collection(casesColl).DeleteMany(ctx, bson.D{{Key: "closedAt", Value: bson.D{{Key: "$lt", Value: t}}}})
	if err != nil {
		return 0, wrap("delete closed cases", err)
	}
	return int(res.DeletedCount), nil
}

// DeleteCasesOf removes a member's cases. Served by userId_status.
func (s *Store) DeleteCasesOf(ctx context.Context, userID string) (int, error) {
	res, err := s.db.Collection(casesColl).DeleteMany(ctx, bson.D{{Key: "userId", Value: userID}})
	if err != nil {
		return 0, wrap("delete cases of member", err)
	}
	return int(res.DeletedCount), nil
}

// recentColl keeps the members' recent lines, one document per line with its text sealed.
const recentColl = "recent_lines"

// recentDoc is one recent line. A member's lines are in the order of at, then of _id: the
// driver makes ObjectIDs in increasing order within a process, so a message's two lines, added
// at the same instant, keep theirs.
type recentDoc struct {
	ID     bson.ObjectID `bson:"_id"`
	UserID string        `bson:"userId"`
	At     time.Time     `bson:"at"`
	From   string        `bson:"from"`
	Event  string        `bson:"event,omitempty"`
	Text   string        `bson:"textSealed"`
}

// newestFirst orders a member's lines newest first along the index userId_at_id.
var newestFirst = bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: -1}}

// AddRecent inserts the member's new lines, then reads the at and _id of their newest keep+1
// (covered by userId_at_id) and, when one of those must go (past the keep-th, or before since),
// deletes it and every older line of the member (userId_at_id). The engine handles one member's
// events one at a time, so no other add of theirs runs meanwhile; an add whose delete failed is
// trimmed by the next.
func (s *Store) AddRecent(ctx context.Context, userID string, entries []store.CaseEntry, keep int, since time.Time) error {
	docs := make([]recentDoc, len(entries))
	for i, e := range entries {
		docs[i] = recentDoc{ID: bson.NewObjectID(), UserID: userID, At: e.At, From: e.From, Event: e.Event, Text: s.sealer.Seal(e.Text)}
	}
	coll := s.db.Collection(recentColl)
	if _, err := coll.InsertMany(ctx, docs); err != nil {
		return wrap("add recent", err)
	}
	cur, err := coll.Find(ctx, bson.D{{Key: "userId", Value: userID}}, options.Find().SetSort(newestFirst).
		SetLimit(int64(keep)+1).SetProjection(bson.D{{Key: "at", Value: 1}}))
	if err != nil {
		return wrap("add recent", err)
	}
	var newest []recentDoc
	if err := cur.All(ctx, &newest); err != nil {
		return wrap("add recent", err)
	}
	cut := min(keep, len(newest)) // the newest line that goes: the (keep+1)-th, or the newest before since
	if i := slices.IndexFunc(newest, func(d recentDoc) bool { return d.At.Before(since) }); i >= 0 {
		cut = min(cut, i)
	}
	if cut == len(newest) {
		return nil
	}
	d := newest[cut]
	_, err = coll.DeleteMany(ctx, bson.D{{Key: "userId", Value: userID}, {Key: "$or", Value: bson.A{
		bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: d.At}}}},
		bson.D{{Key: "at", Value: d.At}, {Key: "_id", Value: bson.D{{Key: "$lte", Value: d.ID}}}},
	}}})
	if err != nil {
		return wrap("add recent", err)
	}
	return nil
}

// Recent returns the member's recent lines, at most the keep of their last AddRecent. Served by
// userId_at_id.
func (s *Store) Recent(ctx context.Context, userID string) ([]store.CaseEntry, error) {
	cur, err := s.db.Collection(recentColl).Find(ctx, bson.D{{Key: "userId", Value: userID}},
		options.Find().SetSort(bson.D{{Key: "at", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, wrap("recent", err)
	}
	var docs []recentDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap("recent", err)
	}
	var out []store.CaseEntry
	for _, d := range docs {
		text, err := s.sealer.Open(d.Text)
		if err != nil {
			return nil, wrap("recent", err)
		}
		out = append(out, store.CaseEntry{At: d.At, From: d.From, Text: text, Event: d.Event})
	}
	return out, nil
}

// DeleteRecent removes the member's recent lines. Served by userId_at_id.
func (s *Store) DeleteRecent(ctx context.Context, userID string) error {
	if _, err := s.db.Collection(recentColl).DeleteMany(ctx, bson.D{{Key: "userId", Value: userID}}); err != nil {
		return wrap("delete recent", err)
	}
	return nil
}

// DeleteRecentBefore removes up to limit lines older than t (deleteChunk; served by at).
func (s *Store) DeleteRecentBefore(ctx context.Context, t time.Time, limit int) (int, error) {
	n, err := deleteChunk(ctx, s.db.Collection(recentColl), bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: t}}}}, limit)
	if err != nil {
		return 0, wrap("delete old recent", err)
	}
	return n, nil
}
