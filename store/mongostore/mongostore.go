// Package mongostore implements store.Store on MongoDB (mongo-driver v2). It uses nothing that
// FerretDB 1.x lacks: no multi-document transactions, TTL indexes, $lookup or change streams.
// Every invariant rests on a unique index or a single-document update guarded by its filter,
// so several replicas can share one database.
package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"

	"github.com/ssonet/ssonet/store"
)

// DefaultDatabase is the database used when the URI names none.
const DefaultDatabase = "ssonet"

// Store is the MongoDB implementation of store.Store. It is safe for concurrent use.
type Store struct {
	client *mongo.Client
	db     *mongo.Database
	sealer *store.Sealer
}

var _ store.Store = (*Store)(nil)

// Open connects to uri, checks that the server answers, creates the indexes (see indexes()),
// moves data of earlier versions into the outbox (see migrateToOutbox) and drops their recent
// lines (see dropLegacyRecent).
// The database is the URI's path, else DefaultDatabase. Personal data is sealed with sealer.
func Open(ctx context.Context, uri string, sealer *store.Sealer) (*Store, error) {
	if sealer == nil {
		return nil, errors.New("mongostore: nil sealer")
	}
	cs, err := connstring.ParseAndValidate(uri)
	if err != nil {
		return nil, fmt.Errorf("mongostore: %w", err)
	}
	name := cs.Database
	if name == "" {
		name = DefaultDatabase
	}
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		return nil, fmt.Errorf("mongostore: %w", err)
	}
	s := &Store{client: client, db: client.Database(name), sealer: sealer}
	if err := s.Ping(ctx); err != nil {
		client.Disconnect(ctx)
		return nil, err
	}
	if err := s.createIndexes(ctx); err != nil {
		client.Disconnect(ctx)
		return nil, fmt.Errorf("mongostore: %w", err)
	}
	if err := s.migrateToOutbox(ctx); err != nil {
		client.Disconnect(ctx)
		return nil, fmt.Errorf("mongostore: %w", err)
	}
	if err := s.dropLegacyRecent(ctx); err != nil {
		client.Disconnect(ctx)
		return nil, fmt.Errorf("mongostore: %w", err)
	}
	return s, nil
}

// Ping reports whether the server answers and takes a write: it upserts the one document of
// the probe collection.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx, nil); err != nil {
		return fmt.Errorf("mongostore: %w", err)
	}
	_, err := s.db.Collection(probeColl).UpdateOne(ctx, bson.D{{Key: "_id", Value: "readyz"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "at", Value: time.Now()}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("mongostore: write probe: %w", err)
	}
	return nil
}

// Close disconnects from the server.
func (s *Store) Close(ctx context.Context) error {
	if err := s.client.Disconnect(ctx); err != nil {
		return fmt.Errorf("mongostore: %w", err)
	}
	return nil
}

// wrap maps driver errors to the store's sentinels (no document → store.ErrNotFound, duplicate
// key → store.ErrConflict) and says what was asked.
func wrap(what string, err error) error {
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		err = store.ErrNotFound
	case mongo.IsDuplicateKeyError(err):
		err = store.ErrConflict
	}
	return fmt.Errorf("mongostore: %s: %w", what, err)
}

// deleteChunk deletes up to limit documents of coll that match filter, one chunk of a
// clean-up: it reads their _ids (by the index that serves filter), then deletes those, so no
// delete holds the collection for long. It returns how many it deleted.
func deleteChunk(ctx context.Context, coll *mongo.Collection, filter bson.D, limit int) (int, error) {
	cur, err := coll.Find(ctx, filter, options.Find().SetLimit(int64(limit)).SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return 0, err
	}
	var docs []struct {
		ID bson.RawValue `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return 0, err
	}
	if len(docs) == 0 {
		return 0, nil
	}
	ids := make(bson.A, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	res, err := coll.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return 0, err
	}
	return int(res.DeletedCount), nil
}
