package mongostore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ssonet/ssonet/store"
)

// Collections of the outbox (issue 8).
const (
	pushesColl = "pushes"
	quotaColl  = "quota"
)

// pushDoc is one push; n is len(to), kept so that counts of recipients need no array work.
type pushDoc struct {
	RetryKey  string           `bson:"_id"`
	Kind      store.PushKind   `bson:"kind"`
	To        []string         `bson:"to"`
	N         int              `bson:"n"`
	Broadcast bool             `bson:"broadcast"`
	Sealed    string           `bson:"messagesSealed"`
	Group     string           `bson:"group"`
	NotAfter  time.Time        `bson:"notAfter,omitempty"`
	CreatedAt time.Time        `bson:"createdAt,omitempty"`
	Status    store.PushStatus `bson:"status"`
	Attempts  int              `bson:"attempts"`
	NextAt    time.Time        `bson:"nextAt"`
	Token     string           `bson:"token"`
	DoneAt    time.Time        `bson:"doneAt,omitempty"`
	Error     string           `bson:"error"`
}

// push decodes d; withMessages opens the sealed messages. A seal that does not open leaves
// Messages empty and says so in Error, for the outbox to skip the push.
func (s *Store) push(d pushDoc, withMessages bool) store.Push {
	p := store.Push{RetryKey: d.RetryKey, Kind: d.Kind, To: d.To, Broadcast: d.Broadcast, Group: d.Group,
		NotAfter: utc(d.NotAfter), CreatedAt: utc(d.CreatedAt), Status: d.Status, Attempts: d.Attempts,
		NextAt: utc(d.NextAt), Token: d.Token, DoneAt: utc(d.DoneAt), Error: d.Error}
	if withMessages && d.Sealed != "" {
		plain, err := s.sealer.Open(d.Sealed)
		if err != nil {
			p.Error = "messages: " + err.Error()
		} else {
			p.Messages = json.RawMessage(plain)
		}
	}
	return p
}

// EnqueuePush stores p as pending; store.ErrConflict if its retry key exists (_id).
func (s *Store) EnqueuePush(ctx context.Context, p store.Push) error {
	d := pushDoc{RetryKey: p.RetryKey, Kind: p.Kind, To: p.To, N: len(p.To), Broadcast: p.Broadcast,
		Sealed: s.sealer.Seal(string(p.Messages)), Group: p.Group, NotAfter: p.NotAfter, CreatedAt: p.CreatedAt,
		Status: store.PushPending, NextAt: p.CreatedAt}
	if d.To == nil {
		d.To = []string{}
	}
	if _, err := s.db.Collection(pushesColl).InsertOne(ctx, d); err != nil {
		return wrap("enqueue push", err)
	}
	return nil
}

// ClaimPushes claims due pushes one by one, each with a single guarded update, so racing
// replicas never claim the same push. Served by the index status_nextAt.
func (s *Store) ClaimPushes(ctx context.Context, now time.Time, lease time.Duration, token string, limit int) ([]store.Push, error) {
	var out []store.Push
	coll := s.db.Collection(pushesColl)
	for len(out) < limit {
		var d pushDoc
		err := coll.FindOneAndUpdate(ctx,
			bson.D{{Key: "status", Value: store.PushPending}, {Key: "nextAt", Value: bson.D{{Key: "$lte", Value: now}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "token", Value: token}, {Key: "nextAt", Value: now.Add(lease)}}},
				{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}}},
			options.FindOneAndUpdate().SetSort(bson.D{{Key: "nextAt", Value: 1}}).SetReturnDocument(options.After),
		).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			break
		}
		if err != nil {
			return out, wrap("claim pushes", err)
		}
		out = append(out, s.push(d, true))
	}
	return out, nil
}

// RetryPush releases token's claim until next. Served by _id.
func (s *Store) RetryPush(ctx context.Context, retryKey, token string, next time.Time, errText string) error {
	return s.guardedPush(ctx, "retry push", retryKey, token, bson.D{{Key: "$set", Value: bson.D{
		{Key: "token", Value: ""}, {Key: "nextAt", Value: next}, {Key: "error", Value: errText}}}})
}

// FinishPush records a claimed push's outcome and drops its messages. Served by _id.
func (s *Store) FinishPush(ctx context.Context, retryKey, token string, status store.PushStatus, errText string, now time.Time) error {
	return s.guardedPush(ctx, "finish push", retryKey, token, bson.D{{Key: "$set", Value: bson.D{
		{Key: "status", Value: status}, {Key: "doneAt", Value: now}, {Key: "error", Value: errText},
		{Key: "messagesSealed", Value: ""}, {Key: "token", Value: ""}}}})
}

// guardedPush applies update to the push if token still holds its claim: ErrConflict when the
// push exists but the claim is gone, ErrNotFound when it does not exist.
func (s *Store) guardedPush(ctx context.Context, what, retryKey, token string, update bson.D) error {
	coll := s.db.Collection(pushesColl)
	res, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: retryKey}, {Key: "token", Value: token},
		{Key: "status", Value: store.PushPending}}, update)
	if err != nil {
		return wrap(what, err)
	}
	if res.MatchedCount == 1 {
		return nil
	}
	n, err := coll.CountDocuments(ctx, bson.D{{Key: "_id", Value: retryKey}})
	switch {
	case err != nil:
		return wrap(what, err)
	case n == 0:
		return wrap(what, store.ErrNotFound)
	}
	return wrap(what, store.ErrConflict)
}

// GetPush returns one push, or store.ErrNotFound. Served by _id.
func (s *Store) GetPush(ctx context.Context, retryKey string) (store.Push, error) {
	var d pushDoc
	if err := s.db.Collection(pushesColl).FindOne(ctx, bson.D{{Key: "_id", Value: retryKey}}).Decode(&d); err != nil {
		return store.Push{}, wrap("get push", err)
	}
	return s.push(d, true), nil
}

// ListPushGroup returns a group's pushes without messages, oldest first (sorted here: a group
// is an announcement's few hundred batches at most). Served by the index group_status_n.
func (s *Store) ListPushGroup(ctx context.Context, group string) ([]store.Push, error) {
	cur, err := s.db.Collection(pushesColl).Find(ctx, bson.D{{Key: "group", Value: group}},
		options.Find().SetProjection(bson.D{{Key: "messagesSealed", Value: 0}}))
	if err != nil {
		return nil, wrap("list push group", err)
	}
	var docs []pushDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap("list push group", err)
	}
	out := make([]store.Push, len(docs))
	for i, d := range docs {
		out[i] = s.push(d, false)
	}
	slices.SortFunc(out, func(a, b store.Push) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.RetryKey, b.RetryKey))
	})
	return out, nil
}

// countRow is the part of a push the counts read.
type countRow struct {
	Kind   store.PushKind   `bson:"kind"`
	Status store.PushStatus `bson:"status"`
	N      int              `bson:"n"`
}

// counted reads the fields of the pushes matching filter (FerretDB's $group cannot sum a field,
// so the sums are made here; a group or the pending set is at most a few thousand).
func (s *Store) counted(ctx context.Context, what string, filter bson.D, fields ...string) ([]countRow, error) {
	projection := bson.D{{Key: "_id", Value: 0}}
	for _, f := range fields {
		projection = append(projection, bson.E{Key: f, Value: 1})
	}
	cur, err := s.db.Collection(pushesColl).Find(ctx, filter, options.Find().SetProjection(projection))
	if err != nil {
		return nil, wrap(what, err)
	}
	var rows []countRow
	if err := cur.All(ctx, &rows); err != nil {
		return nil, wrap(what, err)
	}
	return rows, nil
}

// PushGroupProgress counts a group's pushes by status. Served (covered) by the index
// group_status_n.
func (s *Store) PushGroupProgress(ctx context.Context, group string) (store.PushProgress, error) {
	rows, err := s.counted(ctx, "push group progress", bson.D{{Key: "group", Value: group}}, "status", "n")
	if err != nil {
		return store.PushProgress{}, err
	}
	var pr store.PushProgress
	for _, r := range rows {
		store.AddProgress(&pr, r.Status, 1, r.N)
	}
	return pr, nil
}

// PendingPushes counts pending pushes by kind. Served by the index status_nextAt.
func (s *Store) PendingPushes(ctx context.Context) (map[store.PushKind]int, int, error) {
	rows, err := s.counted(ctx, "pending pushes", bson.D{{Key: "status", Value: store.PushPending}}, "kind", "n")
	if err != nil {
		return nil, 0, err
	}
	out := map[store.PushKind]int{}
	total := 0
	for _, r := range rows {
		out[r.Kind]++
		total += r.N
	}
	return out, total, nil
}

// DeletePushesDoneBefore deletes up to limit pushes done before t (deleteChunk; served by the
// index doneAt).
func (s *Store) DeletePushesDoneBefore(ctx context.Context, t time.Time, limit int) (int, error) {
	n, err := deleteChunk(ctx, s.db.Collection(pushesColl), bson.D{{Key: "doneAt", Value: bson.D{{Key: "$lt", Value: t}}}}, limit)
	if err != nil {
		return 0, wrap("delete pushes", err)
	}
	return n, nil
}

// quotaDoc is the one quota state document.
type quotaDoc struct {
	ID        string    `bson:"_id"`
	Exhausted bool      `bson:"exhausted"`
	Since     time.Time `bson:"since,omitempty"`
	ResumeAt  time.Time `bson:"resumeAt,omitempty"`
	ResumedBy string    `bson:"resumedBy"`
	UpdatedAt time.Time `bson:"updatedAt,omitempty"`
}

const quotaID = "line"

// GetQuotaState returns the quota state, zero when none is stored. Served by _id.
func (s *Store) GetQuotaState(ctx context.Context) (store.QuotaState, error) {
	var d quotaDoc
	err := s.db.Collection(quotaColl).FindOne(ctx, bson.D{{Key: "_id", Value: quotaID}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return store.QuotaState{}, nil
	}
	if err != nil {
		return store.QuotaState{}, wrap("get quota state", err)
	}
	return store.QuotaState{Exhausted: d.Exhausted, Since: utc(d.Since), ResumeAt: utc(d.ResumeAt),
		ResumedBy: d.ResumedBy, UpdatedAt: utc(d.UpdatedAt)}, nil
}

// SetQuotaState replaces the quota state. Served by _id.
func (s *Store) SetQuotaState(ctx context.Context, q store.QuotaState) error {
	d := quotaDoc{ID: quotaID, Exhausted: q.Exhausted, Since: q.Since, ResumeAt: q.ResumeAt, ResumedBy: q.ResumedBy, UpdatedAt: q.UpdatedAt}
	if _, err := s.db.Collection(quotaColl).ReplaceOne(ctx, bson.D{{Key: "_id", Value: quotaID}}, d,
		options.Replace().SetUpsert(true)); err != nil {
		return wrap("set quota state", err)
	}
	return nil
}
