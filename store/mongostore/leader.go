package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/ssonet/ssonet/store"
)

// leaderDoc is a store.Leader as stored, with Phone sealed; the two convert into each other.
type leaderDoc struct {
	UserID       string             `bson:"_id"`
	SubmissionID string             `bson:"submissionId"`
	FullName     string             `bson:"fullName"`
	Phone        string             `bson:"phoneSealed"`
	ProvinceCode string             `bson:"provinceCode"`
	District     string             `bson:"district"`
	Organisation string             `bson:"organisation"`
	Status       store.LeaderStatus `bson:"status"`
	ConsentAt    time.Time          `bson:"consentAt,omitempty"`
	CreatedAt    time.Time          `bson:"createdAt,omitempty"`
	DecidedAt    time.Time          `bson:"decidedAt,omitempty"`
	DecidedBy    string             `bson:"decidedBy"`
	DecisionNote string             `bson:"decisionNote,omitempty"`
}

// CreateLeader stores a new leader with the phone number sealed. store.ErrConflict when the
// user already has a leader record (_id) or the SubmissionID was used (submissionId_unique).
func (s *Store) CreateLeader(ctx context.Context, l store.Leader) error {
	d := leaderDoc(l)
	d.Phone = s.sealer.Seal(l.Phone)
	if _, err := s.db.Collection(leadersColl).InsertOne(ctx, d); err != nil {
		return wrap("create leader", err)
	}
	return nil
}

// GetLeader returns the leader record of a LINE user, or store.ErrNotFound.
// Per message in leader flows; served by _id.
func (s *Store) GetLeader(ctx context.Context, userID string) (store.Leader, error) {
	var d leaderDoc
	err := s.db.Collection(leadersColl).FindOne(ctx, bson.D{{Key: "_id", Value: userID}}).Decode(&d)
	if err == nil {
		d.Phone, err = s.sealer.Open(d.Phone)
	}
	if err != nil {
		return store.Leader{}, wrap("get leader", err)
	}
	return store.Leader(d), nil
}

// DeleteLeader removes the user's leader record, if any. Served by _id.
func (s *Store) DeleteLeader(ctx context.Context, userID string) error {
	if _, err := s.db.Collection(leadersColl).DeleteOne(ctx, bson.D{{Key: "_id", Value: userID}}); err != nil {
		return wrap("delete leader", err)
	}
	return nil
}
