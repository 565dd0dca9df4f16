package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ssonet/ssonet/store"
)

// memberDoc is a store.Member as stored; the two convert into each other. Zero times are
// left out.
type memberDoc struct {
	UserID      string         `bson:"_id"`
	DisplayName string         `bson:"displayName"`
	Language    store.Language `bson:"language"`
	Blocked     bool           `bson:"blocked"`
	FollowedAt  time.Time      `bson:"followedAt,omitempty"`
	UpdatedAt   time.Time      `bson:"updatedAt,omitempty"`
}

// GetMember returns the member with that LINE user ID, or store.ErrNotFound.
// Per message; served by _id.
func (s *Store) GetMember(ctx context.Context, userID string) (store.Member, error) {
	var d memberDoc
	if err := s.db.Collection(membersColl).FindOne(ctx, bson.D{{Key: "_id", Value: userID}}).Decode(&d); err != nil {
		return store.Member{}, wrap("get member", err)
	}
	return store.Member(d), nil
}

// UpsertMember creates or replaces the member keyed by m.UserID.
// Per follow event; served by _id.
func (s *Store) UpsertMember(ctx context.Context, m store.Member) error {
	_, err := s.db.Collection(membersColl).ReplaceOne(ctx, bson.D{{Key: "_id", Value: m.UserID}},
		memberDoc(m), options.Replace().SetUpsert(true))
	if err != nil {
		return wrap("upsert member", err)
	}
	return nil
}

// SetMemberBlocked sets Blocked and UpdatedAt; store.ErrNotFound if the member does not exist.
// Per follow/unfollow event; served by _id.
func (s *Store) SetMemberBlocked(ctx context.Context, userID string, blocked bool, at time.Time) error {
	res, err := s.db.Collection(membersColl).UpdateOne(ctx, bson.D{{Key: "_id", Value: userID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "blocked", Value: blocked}, {Key: "updatedAt", Value: at}}}})
	if err == nil && res.MatchedCount == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return wrap("set member blocked", err)
	}
	return nil
}
