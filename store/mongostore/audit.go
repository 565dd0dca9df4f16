package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ssonet/ssonet/store"
)

// auditDoc is a store.AuditEntry as stored; the two convert into each other.
type auditDoc struct {
	ID       string    `bson:"_id"`
	At       time.Time `bson:"at"`
	Actor    string    `bson:"actor"`
	Action   string    `bson:"action"`
	Subject  string    `bson:"subject"`
	Province string    `bson:"province"`
	Detail   string    `bson:"detail"`
}

// AppendAudit adds e; store.ErrConflict if e.ID exists (_id).
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) error {
	if _, err := s.db.Collection(auditColl).InsertOne(ctx, auditDoc(e)); err != nil {
		return wrap("append audit", err)
	}
	return nil
}

// ListAudit returns the entries f selects, newest first. Served by subject_at when a subject is
// given, else by at_id.
func (s *Store) ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error) {
	filter := bson.D{}
	if f.Action != "" {
		// A prefix as a range, so no regular-expression characters in the action need escaping.
		filter = append(filter, bson.E{Key: "action", Value: bson.D{{Key: "$gte", Value: f.Action}, {Key: "$lt", Value: f.Action + "\U0010FFFF"}}})
	}
	if f.Subject != "" {
		filter = append(filter, bson.E{Key: "subject", Value: f.Subject})
	}
	if r := timeRange(f.Since, f.Until); r != nil {
		filter = append(filter, bson.E{Key: "at", Value: r})
	}
	limit := f.Limit
	if limit <= 0 {
		limit = store.DefaultAuditLimit
	}
	opts := options.Find().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(limit))
	cur, err := s.db.Collection(auditColl).Find(ctx, filter, opts)
	if err != nil {
		return nil, wrap("list audit", err)
	}
	var docs []auditDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap("list audit", err)
	}
	out := make([]store.AuditEntry, len(docs))
	for i, d := range docs {
		out[i] = store.AuditEntry(d)
		out[i].At = d.At.UTC()
	}
	return out, nil
}

// timeRange is the condition since <= t < until; nil when both are zero.
func timeRange(since, until time.Time) bson.D {
	var r bson.D
	if !since.IsZero() {
		r = append(r, bson.E{Key: "$gte", Value: since})
	}
	if !until.IsZero() {
		r = append(r, bson.E{Key: "$lt", Value: until})
	}
	return r
}
