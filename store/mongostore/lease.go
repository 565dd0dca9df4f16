package mongostore

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ssonet/ssonet/store"
)

// leasesColl holds named leases: {_id: name, holder, until}.
const leasesColl = "leases"

// AcquireLease gives lease name to holder until now+ttl when it is free, expired or already
// holder's; store.ErrConflict while another holder's lease runs. One upsert filtered on
// "mine or expired": when a live lease of someone else exists the filter matches nothing and
// the upsert's insert collides with its _id.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) error {
	filter := bson.D{{Key: "_id", Value: name}, {Key: "$or", Value: bson.A{
		bson.D{{Key: "holder", Value: holder}},
		bson.D{{Key: "until", Value: bson.D{{Key: "$lte", Value: now}}}},
	}}}
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "holder", Value: holder}, {Key: "until", Value: now.Add(ttl)}}}}
	_, err := s.db.Collection(leasesColl).UpdateOne(ctx, filter, update, options.UpdateOne().SetUpsert(true))
	if mongo.IsDuplicateKeyError(err) {
		err = store.ErrConflict
	}
	if err != nil {
		return wrap("acquire lease", err)
	}
	return nil
}

// ReleaseLease deletes holder's lease on name, if holder holds it.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	_, err := s.db.Collection(leasesColl).DeleteOne(ctx, bson.D{{Key: "_id", Value: name}, {Key: "holder", Value: holder}})
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return wrap("release lease", err)
	}
	return nil
}
