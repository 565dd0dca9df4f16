package mongostore

import (
	"context"
	"errors"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ssonet/ssonet/store"
)

// Collections of issue 5.
const (
	officersColl      = "officers"
	invitesColl       = "officer_invites"
	announcementsColl = "announcements"
)

type officerDoc struct {
	UserID    string    `bson:"_id"`
	Provinces []string  `bson:"provinces"`
	CreatedAt time.Time `bson:"createdAt,omitempty"`
	UpdatedAt time.Time `bson:"updatedAt,omitempty"`
}

func (d officerDoc) officer() store.Officer {
	o := store.Officer(d)
	o.Provinces = sortedSet(o.Provinces)
	return o
}

type inviteDoc struct {
	CodeHash  string    `bson:"_id"`
	Provinces []string  `bson:"provinces"`
	CreatedAt time.Time `bson:"createdAt,omitempty"`
	ExpiresAt time.Time `bson:"expiresAt"`
	UsedBy    string    `bson:"usedBy"`
	UsedAt    time.Time `bson:"usedAt,omitempty"`
}

// CreateInvite stores a new invite; store.ErrConflict if the hash exists (_id).
func (s *Store) CreateInvite(ctx context.Context, inv store.OfficerInvite) error {
	d := inviteDoc(inv)
	d.Provinces = sortedSet(d.Provinces)
	if _, err := s.db.Collection(invitesColl).InsertOne(ctx, d); err != nil {
		return wrap("create invite", err)
	}
	return nil
}

// UseInvite spends the invite with one guarded update (unused and unexpired), then adds its
// provinces to the officer with one upsert ($addToSet). Without transactions the two can be
// split by a crash; the user's retry finds the invite used by them and completes the upsert
// before answering store.ErrConflict.
// Per typed invite code; served by _id of both collections.
func (s *Store) UseInvite(ctx context.Context, codeHash, userID string, now time.Time) (store.Officer, error) {
	var inv inviteDoc
	err := s.db.Collection(invitesColl).FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: codeHash}, {Key: "usedBy", Value: ""}, {Key: "expiresAt", Value: bson.D{{Key: "$gt", Value: now}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "usedBy", Value: userID}, {Key: "usedAt", Value: now}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&inv)
	if errors.Is(err, mongo.ErrNoDocuments) {
		if err := s.db.Collection(invitesColl).FindOne(ctx, bson.D{{Key: "_id", Value: codeHash}}).Decode(&inv); err != nil {
			return store.Officer{}, wrap("use invite", err)
		}
		if inv.UsedBy == "" {
			return store.Officer{}, wrap("use invite: expired", store.ErrNotFound)
		}
		if inv.UsedBy == userID {
			if _, err := s.addProvinces(ctx, userID, inv.Provinces, time.Time{}, inv.UsedAt); err != nil {
				return store.Officer{}, err
			}
		}
		return store.Officer{}, wrap("use invite", store.ErrConflict)
	}
	if err != nil {
		return store.Officer{}, wrap("use invite", err)
	}
	return s.addProvinces(ctx, userID, inv.Provinces, now, now)
}

// addProvinces adds provinces to the officer, creating it with createdAt; a zero updatedAt
// leaves UpdatedAt alone.
func (s *Store) addProvinces(ctx context.Context, userID string, provinces []string, updatedAt, createdAt time.Time) (store.Officer, error) {
	update := bson.D{
		{Key: "$addToSet", Value: bson.D{{Key: "provinces", Value: bson.D{{Key: "$each", Value: provinces}}}}},
		{Key: "$setOnInsert", Value: bson.D{{Key: "createdAt", Value: createdAt}}},
	}
	if !updatedAt.IsZero() {
		update = append(update, bson.E{Key: "$set", Value: bson.D{{Key: "updatedAt", Value: updatedAt}}})
	}
	var d officerDoc
	err := s.db.Collection(officersColl).FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: userID}}, update,
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return store.Officer{}, wrap("use invite: officer", err)
	}
	return d.officer(), nil
}

// GetOfficer returns the stored officer, or store.ErrNotFound.
// Per message (the bot's "who"); served by _id.
func (s *Store) GetOfficer(ctx context.Context, userID string) (store.Officer, error) {
	var d officerDoc
	if err := s.db.Collection(officersColl).FindOne(ctx, bson.D{{Key: "_id", Value: userID}}).Decode(&d); err != nil {
		return store.Officer{}, wrap("get officer", err)
	}
	return d.officer(), nil
}

// ListOfficers returns the officers of province (every officer when empty), by user ID.
// Per leader registration; served by the multikey index provinces, or _id for every officer.
func (s *Store) ListOfficers(ctx context.Context, province string) ([]store.Officer, error) {
	filter := bson.D{{Key: "provinces", Value: province}}
	if province == "" {
		filter = bson.D{}
	}
	cur, err := s.db.Collection(officersColl).Find(ctx, filter,
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, wrap("list officers", err)
	}
	var docs []officerDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap("list officers", err)
	}
	out := make([]store.Officer, len(docs))
	for i, d := range docs {
		out[i] = d.officer()
	}
	return out, nil
}

// DecideLeader sets a pending leader's decision with one guarded update; store.ErrConflict
// with the already-decided record when someone decided first.
// Per approve/reject tap; served by _id.
func (s *Store) DecideLeader(ctx context.Context, userID string, dec store.LeaderDecision) (store.Leader, error) {
	var d leaderDoc
	err := s.db.Collection(leadersColl).FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: userID}, {Key: "status", Value: store.LeaderPending}, {Key: "submissionId", Value: dec.SubmissionID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: dec.Status}, {Key: "decidedBy", Value: dec.By},
			{Key: "decidedAt", Value: dec.At}, {Key: "decisionNote", Value: dec.Note}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		l, err := s.GetLeader(ctx, userID)
		if err != nil {
			return store.Leader{}, err
		}
		return l, wrap("decide leader: "+string(l.Status)+", application "+l.SubmissionID, store.ErrConflict)
	}
	if err == nil {
		d.Phone, err = s.sealer.Open(d.Phone)
	}
	if err != nil {
		return store.Leader{}, wrap("decide leader", err)
	}
	return store.Leader(d), nil
}

// ListLeaders returns the leaders of province with status, oldest first.
// Per announcement and officer list; served by the index provinceCode_status_createdAt when a
// province is given.
func (s *Store) ListLeaders(ctx context.Context, province string, status store.LeaderStatus) ([]store.Leader, error) {
	filter := bson.D{}
	if province != "" {
		filter = append(filter, bson.E{Key: "provinceCode", Value: province})
	}
	if status != "" {
		filter = append(filter, bson.E{Key: "status", Value: status})
	}
	cur, err := s.db.Collection(leadersColl).Find(ctx, filter,
		options.Find().SetSort(bson.D{{Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, wrap("list leaders", err)
	}
	var docs []leaderDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap("list leaders", err)
	}
	out := make([]store.Leader, len(docs))
	for i, d := range docs {
		if d.Phone, err = s.sealer.Open(d.Phone); err != nil {
			return nil, wrap("list leaders", err)
		}
		out[i] = store.Leader(d)
	}
	return out, nil
}

// SetOfficerProvinces replaces a stored officer's provinces with one update. Served by _id.
func (s *Store) SetOfficerProvinces(ctx context.Context, userID string, provinces []string, now time.Time) (store.Officer, error) {
	var d officerDoc
	err := s.db.Collection(officersColl).FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: userID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "provinces", Value: sortedSet(provinces)}, {Key: "updatedAt", Value: now}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return store.Officer{}, wrap("set officer provinces", err)
	}
	return d.officer(), nil
}

// DeleteOfficer removes a stored officer. Served by _id.
func (s *Store) DeleteOfficer(ctx context.Context, userID string) error {
	if _, err := s.db.Collection(officersColl).DeleteOne(ctx, bson.D{{Key: "_id", Value: userID}}); err != nil {
		return wrap("delete officer", err)
	}
	return nil
}

// sortedSet returns a sorted copy of ss without duplicates.
func sortedSet(ss []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(ss)))
}
