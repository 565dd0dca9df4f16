package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ssonet/ssonet/store"
)

// credentialsColl keeps officers' credentials (issue 11), keyed by hash.
const credentialsColl = "credentials"

type credentialDoc struct {
	Hash      string               `bson:"_id"`
	Kind      store.CredentialKind `bson:"kind"`
	UserID    string               `bson:"userId"`
	Label     string               `bson:"label"`
	CreatedAt time.Time            `bson:"createdAt,omitempty"`
	ExpiresAt time.Time            `bson:"expiresAt"`
}

func liveCredential(hash string, kind store.CredentialKind, now time.Time) bson.D {
	return bson.D{{Key: "_id", Value: hash}, {Key: "kind", Value: kind}, {Key: "expiresAt", Value: bson.D{{Key: "$gt", Value: now}}}}
}

// CreateCredential stores c; store.ErrConflict when the hash exists (_id).
func (s *Store) CreateCredential(ctx context.Context, c store.Credential) error {
	if _, err := s.db.Collection(credentialsColl).InsertOne(ctx, credentialDoc(c)); err != nil {
		return wrap("create credential", err)
	}
	return nil
}

// GetCredential returns an unexpired credential. Per console request; served by _id.
func (s *Store) GetCredential(ctx context.Context, hash string, kind store.CredentialKind, now time.Time) (store.Credential, error) {
	var d credentialDoc
	if err := s.db.Collection(credentialsColl).FindOne(ctx, liveCredential(hash, kind, now)).Decode(&d); err != nil {
		return store.Credential{}, wrap("get credential", err)
	}
	return store.Credential(d), nil
}

// UseCredential deletes and returns an unexpired credential with one FindOneAndDelete, so
// only one of two racing uses gets it. Served by _id.
func (s *Store) UseCredential(ctx context.Context, hash string, kind store.CredentialKind, now time.Time) (store.Credential, error) {
	var d credentialDoc
	if err := s.db.Collection(credentialsColl).FindOneAndDelete(ctx, liveCredential(hash, kind, now)).Decode(&d); err != nil {
		return store.Credential{}, wrap("use credential", err)
	}
	return store.Credential(d), nil
}

// ExtendCredential moves a credential's expiry. Served by _id.
func (s *Store) ExtendCredential(ctx context.Context, hash string, expiresAt time.Time) error {
	res, err := s.db.Collection(credentialsColl).UpdateOne(ctx, bson.D{{Key: "_id", Value: hash}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "expiresAt", Value: expiresAt}}}})
	if err == nil && res.MatchedCount == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return wrap("extend credential", err)
	}
	return nil
}

// ListCredentials returns a user's credentials of kind, oldest first. Served by
// userId_kind_createdAt.
func (s *Store) ListCredentials(ctx context.Context, userID string, kind store.CredentialKind) ([]store.Credential, error) {
	cur, err := s.db.Collection(credentialsColl).Find(ctx, bson.D{{Key: "userId", Value: userID}, {Key: "kind", Value: kind}},
		options.Find().SetSort(bson.D{{Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, wrap("list credentials", err)
	}
	var docs []credentialDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap("list credentials", err)
	}
	out := make([]store.Credential, len(docs))
	for i, d := range docs {
		out[i] = store.Credential(d)
	}
	return out, nil
}

// DeleteCredential removes one of the user's credentials. Served by _id.
func (s *Store) DeleteCredential(ctx context.Context, hash, userID string) error {
	if _, err := s.db.Collection(credentialsColl).DeleteOne(ctx, bson.D{{Key: "_id", Value: hash}, {Key: "userId", Value: userID}}); err != nil {
		return wrap("delete credential", err)
	}
	return nil
}

// DeleteCredentialsOf removes every credential of a user. Served by userId_kind_createdAt.
func (s *Store) DeleteCredentialsOf(ctx context.Context, userID string) (int, error) {
	res, err := s.db.Collection(credentialsColl).DeleteMany(ctx, bson.D{{Key: "userId", Value: userID}})
	if err != nil {
		return 0, wrap("delete credentials", err)
	}
	return int(res.DeletedCount), nil
}

// DeleteCredentialsExpiredBefore removes expired credentials. Served by expiresAt.
func (s *Store) DeleteCredentialsExpiredBefore(ctx context.Context, t time.Time) (int, error) {
	res, err := s.db.Collection(credentialsColl).DeleteMany(ctx, bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lt", Value: t}}}})
	if err != nil {
		return 0, wrap("delete expired credentials", err)
	}
	return int(res.DeletedCount), nil
}
