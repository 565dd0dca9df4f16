package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/ssonet/ssonet/store"
)

// sessionDoc is a store.Session as stored, with Fields sealed as one JSON value.
type sessionDoc struct {
	UserID       string    `bson:"_id"`
	ID           string    `bson:"sessionId"`
	Flow         string    `bson:"flow"`
	Step         int       `bson:"step"`
	Fields       string    `bson:"fieldsSealed"`
	History      []int     `bson:"history"`
	Tries        int       `bson:"tries"`
	Editing      bool      `bson:"editing"`
	SubmissionID string    `bson:"submissionId"`
	ExpiresAt    time.Time `bson:"expiresAt,omitempty"`
	UpdatedAt    time.Time `bson:"updatedAt,omitempty"`
	Version      int64     `bson:"version"`
}

// GetSession returns the session of a user, or store.ErrNotFound.
// Per message; served by _id.
func (s *Store) GetSession(ctx context.Context, userID string) (store.Session, error) {
	var d sessionDoc
	if err := s.db.Collection(sessionsColl).FindOne(ctx, bson.D{{Key: "_id", Value: userID}}).Decode(&d); err != nil {
		return store.Session{}, wrap("get session", err)
	}
	sess := store.Session{
		UserID: d.UserID, ID: d.ID, Flow: d.Flow, Step: d.Step, History: d.History, Tries: d.Tries,
		Editing: d.Editing, SubmissionID: d.SubmissionID, ExpiresAt: d.ExpiresAt,
		UpdatedAt: d.UpdatedAt, Version: d.Version,
	}
	if err := s.sealer.OpenJSON(d.Fields, &sess.Fields); err != nil {
		return store.Session{}, wrap("get session", err)
	}
	return sess, nil
}

// SaveSession inserts the session when sess.Version is 0 (a duplicate _id is a conflict),
// else replaces the document only if its version is still sess.Version; either way the stored
// version becomes sess.Version+1. A lost race gives store.ErrConflict and changes nothing.
// Per message; served by _id.
func (s *Store) SaveSession(ctx context.Context, sess store.Session) (store.Session, error) {
	fields, err := s.sealer.SealJSON(sess.Fields)
	if err != nil {
		return store.Session{}, wrap("save session", err)
	}
	d := sessionDoc{
		UserID: sess.UserID, ID: sess.ID, Flow: sess.Flow, Step: sess.Step, Fields: fields,
		History: sess.History, Tries: sess.Tries, Editing: sess.Editing,
		SubmissionID: sess.SubmissionID, ExpiresAt: sess.ExpiresAt, UpdatedAt: sess.UpdatedAt,
		Version: sess.Version + 1,
	}
	coll := s.db.Collection(sessionsColl)
	if sess.Version == 0 {
		_, err = coll.InsertOne(ctx, d)
	} else {
		filter := bson.D{{Key: "_id", Value: sess.UserID}, {Key: "version", Value: sess.Version}}
		res, rerr := coll.ReplaceOne(ctx, filter, d)
		if err = rerr; err == nil && res.MatchedCount == 0 {
			err = store.ErrConflict
		}
	}
	if err != nil {
		return store.Session{}, wrap("save session", err)
	}
	sess.Version++
	return sess, nil
}

// DeleteSession removes the user's session if its stored version is version; store.ErrConflict
// if it changed meanwhile; nil if there is none.
// Per flow end; served by _id.
func (s *Store) DeleteSession(ctx context.Context, userID string, version int64) error {
	coll := s.db.Collection(sessionsColl)
	res, err := coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: userID}, {Key: "version", Value: version}})
	if err == nil && res.DeletedCount == 0 {
		var n int64
		if n, err = coll.CountDocuments(ctx, bson.D{{Key: "_id", Value: userID}}); err == nil && n > 0 {
			err = store.ErrConflict
		}
	}
	if err != nil {
		return wrap("delete session", err)
	}
	return nil
}

// DeleteSessionsExpiredBefore removes sessions whose ExpiresAt is before t.
// Per clean-up tick; served by the index expiresAt.
func (s *Store) DeleteSessionsExpiredBefore(ctx context.Context, t time.Time) (int, error) {
	res, err := s.db.Collection(sessionsColl).DeleteMany(ctx,
		bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lt", Value: t}}}})
	if err != nil {
		return 0, wrap("delete expired sessions", err)
	}
	return int(res.DeletedCount), nil
}
