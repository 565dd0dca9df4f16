package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ssonet/ssonet/store"
)

// Event documents are {_id: webhook event ID, claimedAt, completedAt}; completedAt is absent
// while the event is only claimed.

// ClaimEvent claims webhook event id at now with one upsert: its filter matches the event only
// if it is not completed and its claim is at least lease old, and then takes it over;
// otherwise the upsert inserts, which for a known event is a duplicate _id: store.ErrConflict.
// Per webhook event; served by _id.
func (s *Store) ClaimEvent(ctx context.Context, id string, now time.Time, lease time.Duration) error {
	filter := bson.D{
		{Key: "_id", Value: id},
		{Key: "completedAt", Value: bson.D{{Key: "$exists", Value: false}}},
		{Key: "claimedAt", Value: bson.D{{Key: "$lte", Value: now.Add(-lease)}}},
	}
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "claimedAt", Value: now}}}}
	if _, err := s.db.Collection(eventsColl).UpdateOne(ctx, filter, update, options.UpdateOne().SetUpsert(true)); err != nil {
		return wrap("claim event", err)
	}
	return nil
}

// CompleteEvent marks a claimed event as handled for good; store.ErrNotFound if there is no
// record of it.
// Per webhook event; served by _id.
func (s *Store) CompleteEvent(ctx context.Context, id string, now time.Time) error {
	res, err := s.db.Collection(eventsColl).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "completedAt", Value: now}}}})
	if err == nil && res.MatchedCount == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return wrap("complete event", err)
	}
	return nil
}

// ReleaseEvent drops an unfinished claim; a completed event stays.
// Per failed webhook event; served by _id.
func (s *Store) ReleaseEvent(ctx context.Context, id string, claimedAt time.Time) error {
	_, err := s.db.Collection(eventsColl).DeleteOne(ctx, bson.D{
		{Key: "_id", Value: id},
		{Key: "claimedAt", Value: claimedAt.UTC().Truncate(time.Millisecond)},
		{Key: "completedAt", Value: bson.D{{Key: "$exists", Value: false}}},
	})
	if err != nil {
		return wrap("release event", err)
	}
	return nil
}

// DeleteEventsBefore forgets events claimed before t.
// Per clean-up tick; served by the index claimedAt.
func (s *Store) DeleteEventsBefore(ctx context.Context, t time.Time) (int, error) {
	res, err := s.db.Collection(eventsColl).DeleteMany(ctx,
		bson.D{{Key: "claimedAt", Value: bson.D{{Key: "$lt", Value: t}}}})
	if err != nil {
		return 0, wrap("delete events", err)
	}
	return int(res.DeletedCount), nil
}
