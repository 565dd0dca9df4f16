package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ssonet/ssonet/store"
)

// idempotencyColl keeps the first answers of API POSTs with an Idempotency-Key, keyed by key.
const idempotencyColl = "idempotency"

type idempotencyDoc struct {
	Key         string    `bson:"_id"`
	BodySum     string    `bson:"bodySum"`
	Status      int       `bson:"status"`
	ContentType string    `bson:"contentType"`
	Body        string    `bson:"bodySealed"`
	CreatedAt   time.Time `bson:"createdAt"`
}

// BeginIdempotent inserts a running answer unless the key exists ($setOnInsert upsert), and
// returns the stored one. Served by _id.
func (s *Store) BeginIdempotent(ctx context.Context, a store.IdempotentAnswer) (store.IdempotentAnswer, bool, error) {
	res, err := s.db.Collection(idempotencyColl).UpdateOne(ctx, bson.D{{Key: "_id", Value: a.Key}},
		bson.D{{Key: "$setOnInsert", Value: bson.D{{Key: "bodySum", Value: a.BodySum}, {Key: "status", Value: 0},
			{Key: "contentType", Value: ""}, {Key: "bodySealed", Value: s.sealer.Seal("")}, {Key: "createdAt", Value: a.CreatedAt}}}},
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		return store.IdempotentAnswer{}, false, wrap("begin idempotent", err)
	}
	var d idempotencyDoc
	if err := s.db.Collection(idempotencyColl).FindOne(ctx, bson.D{{Key: "_id", Value: a.Key}}).Decode(&d); err != nil {
		return store.IdempotentAnswer{}, false, wrap("begin idempotent", err)
	}
	body, err := s.sealer.Open(d.Body)
	if err != nil {
		return store.IdempotentAnswer{}, false, wrap("begin idempotent", err)
	}
	return store.IdempotentAnswer{Key: d.Key, BodySum: d.BodySum, Status: d.Status, ContentType: d.ContentType, Body: []byte(body),
		CreatedAt: d.CreatedAt}, res.UpsertedCount == 1, nil
}

// FinishIdempotent records an answer. Served by _id.
func (s *Store) FinishIdempotent(ctx context.Context, key string, status int, contentType string, body []byte) error {
	res, err := s.db.Collection(idempotencyColl).UpdateOne(ctx, bson.D{{Key: "_id", Value: key}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: status}, {Key: "contentType", Value: contentType},
			{Key: "bodySealed", Value: s.sealer.Seal(string(body))}}}})
	if err == nil && res.MatchedCount == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return wrap("finish idempotent", err)
	}
	return nil
}

// ForgetIdempotent removes a key. Served by _id.
func (s *Store) ForgetIdempotent(ctx context.Context, key string) error {
	if _, err := s.db.Collection(idempotencyColl).DeleteOne(ctx, bson.D{{Key: "_id", Value: key}}); err != nil {
		return wrap("forget idempotent", err)
	}
	return nil
}

// DeleteIdempotentBefore removes old answers. Served by createdAt.
func (s *Store) DeleteIdempotentBefore(ctx context.Context, t time.Time) (int, error) {
	res, err := s.db.Collection(idempotencyColl).DeleteMany(ctx, bson.D{{Key: "createdAt", Value: bson.D{{Key: "$lt", Value: t}}}})
	if err != nil {
		return 0, wrap("delete idempotent", err)
	}
	return int(res.DeletedCount), nil
}
