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

// inboxDoc is one inbox event: _id is the webhookEventId, body the sealed event ("" once
// done); leaseUntil is the zero time when unclaimed.
type inboxDoc struct {
	ID         string    `bson:"_id"`
	UserID     string    `bson:"userId"`
	Body       string    `bson:"body"`
	EventAt    time.Time `bson:"eventAt"`
	Seq        int       `bson:"seq"`
	ReceivedAt time.Time `bson:"receivedAt"`
	State      string    `bson:"state"`
	Attempts   int       `bson:"attempts"`
	NextAt     time.Time `bson:"nextAt"`
	Token      string    `bson:"token"`
	LeaseUntil time.Time `bson:"leaseUntil"`
}

// AddInbox inserts evs with one unordered insertMany: duplicate ids fail on their own and are
// ignored, the rest are stored. Served by _id. It never stores an event claimed: without a
// transaction, two replicas could each find a user with nothing pending and both claim, so
// every event is claimed by ClaimInbox, which takes the user's first one atomically.
func (s *Store) AddInbox(ctx context.Context, evs []store.InboxEvent) (store.InboxAdded, error) {
	if len(evs) == 0 {
		return store.InboxAdded{}, nil
	}
	docs := make([]any, len(evs))
	for i, e := range evs {
		docs[i] = inboxDoc{ID: e.ID, UserID: e.UserID, Body: s.sealer.Seal(string(e.Body)), EventAt: e.EventAt.UTC(), Seq: e.Seq,
			ReceivedAt: e.ReceivedAt.UTC(), State: string(store.InboxPending), NextAt: time.UnixMilli(0).UTC(), LeaseUntil: time.UnixMilli(0).UTC()}
	}
	res, err := s.db.Collection(inboxColl).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	var bulk mongo.BulkWriteException
	if errors.As(err, &bulk) && bulk.WriteConcernError == nil && allDuplicates(bulk.WriteErrors) {
		return store.InboxAdded{New: len(evs) - len(bulk.WriteErrors)}, nil
	}
	if err != nil {
		return store.InboxAdded{}, wrap("add inbox", err)
	}
	return store.InboxAdded{New: len(res.InsertedIDs)}, nil
}

// allDuplicates reports whether every write error is a duplicate key.
func allDuplicates(errs []mongo.BulkWriteError) bool {
	for _, e := range errs {
		if e.Code != 11000 {
			return false
		}
	}
	return true
}

// pendingDue matches pending events due at now and not under a live claim.
func pendingDue(now time.Time) bson.D {
	return bson.D{
		{Key: "state", Value: string(store.InboxPending)},
		{Key: "nextAt", Value: bson.D{{Key: "$lte", Value: now}}},
		{Key: "leaseUntil", Value: bson.D{{Key: "$lte", Value: now}}},
	}
}

// DueInboxUsers lists users with a due, unclaimed pending event. Served by state_nextAt.
func (s *Store) DueInboxUsers(ctx context.Context, now time.Time, limit int) ([]string, error) {
	cur, err := s.db.Collection(inboxColl).Find(ctx, pendingDue(now),
		options.Find().SetProjection(bson.D{{Key: "userId", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, wrap("due inbox users", err)
	}
	var docs []struct {
		UserID string `bson:"userId"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap("due inbox users", err)
	}
	seen := map[string]bool{}
	var users []string
	for _, d := range docs {
		if !seen[d.UserID] {
			seen[d.UserID] = true
			users = append(users, d.UserID)
		}
	}
	return users, nil
}

// ClaimInbox reads the user's first pending event (served by userId_state_order) and claims it
// with one guarded update on _id: only if it is due and not under a live claim.
func (s *Store) ClaimInbox(ctx context.Context, userID, token string, now time.Time, lease time.Duration) (store.InboxEvent, error) {
	coll := s.db.Collection(inboxColl)
	var head inboxDoc
	err := coll.FindOne(ctx, bson.D{{Key: "userId", Value: userID}, {Key: "state", Value: string(store.InboxPending)}},
		options.FindOne().SetSort(bson.D{{Key: "eventAt", Value: 1}, {Key: "seq", Value: 1}, {Key: "_id", Value: 1}}).
			SetProjection(bson.D{{Key: "_id", Value: 1}})).Decode(&head)
	if err != nil {
		return store.InboxEvent{}, wrap("claim inbox", err)
	}
	filter := append(pendingDue(now), bson.E{Key: "_id", Value: head.ID})
	update := bson.D{
		{Key: "$set", Value: bson.D{{Key: "token", Value: token}, {Key: "leaseUntil", Value: now.Add(lease)}}},
		{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}},
	}
	var d inboxDoc
	err = coll.FindOneAndUpdate(ctx, filter, update, options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return store.InboxEvent{}, wrap("claim inbox", err)
	}
	body, err := s.sealer.Open(d.Body)
	if err != nil {
		return store.InboxEvent{}, wrap("claim inbox: open body", err)
	}
	return store.InboxEvent{ID: d.ID, UserID: d.UserID, Body: []byte(body), EventAt: d.EventAt.UTC(), Seq: d.Seq,
		ReceivedAt: d.ReceivedAt.UTC(), State: store.InboxState(d.State), Attempts: d.Attempts, NextAt: unzero(d.NextAt),
		Token: d.Token, LeaseUntil: d.LeaseUntil.UTC()}, nil
}

// unzero maps the stored "none" (the Unix epoch) back to the zero time.
func unzero(t time.Time) time.Time {
	if t.UnixMilli() == 0 {
		return time.Time{}
	}
	return t.UTC()
}

// guarded applies set to the pending event id if its claim still has token; served by _id.
func (s *Store) guarded(ctx context.Context, what, id, token string, set bson.D) error {
	res, err := s.db.Collection(inboxColl).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "token", Value: token}, {Key: "state", Value: string(store.InboxPending)}},
		bson.D{{Key: "$set", Value: set}})
	if err == nil && res.MatchedCount == 0 {
		err = store.ErrConflict
	}
	if err != nil {
		return wrap(what, err)
	}
	return nil
}

// unclaimed are the fields that drop a claim.
func unclaimed() bson.D {
	return bson.D{{Key: "token", Value: ""}, {Key: "leaseUntil", Value: time.UnixMilli(0).UTC()}}
}

// ExtendInbox renews a claim.
func (s *Store) ExtendInbox(ctx context.Context, id, token string, now time.Time, lease time.Duration) error {
	return s.guarded(ctx, "extend inbox", id, token, bson.D{{Key: "leaseUntil", Value: now.Add(lease)}})
}

// CompleteInbox marks a claimed event done and drops its body.
func (s *Store) CompleteInbox(ctx context.Context, id, token string, _ time.Time) error {
	return s.guarded(ctx, "complete inbox", id, token,
		append(unclaimed(), bson.E{Key: "state", Value: string(store.InboxDone)}, bson.E{Key: "body", Value: ""}))
}

// RetryInbox releases a claim until next.
func (s *Store) RetryInbox(ctx context.Context, id, token string, next time.Time) error {
	return s.guarded(ctx, "retry inbox", id, token, append(unclaimed(), bson.E{Key: "nextAt", Value: next}))
}

// ParkInbox parks a claimed event.
func (s *Store) ParkInbox(ctx context.Context, id, token string, _ time.Time) error {
	return s.guarded(ctx, "park inbox", id, token, append(unclaimed(), bson.E{Key: "state", Value: string(store.InboxParked)}))
}

// InboxStats counts pending and parked events; served by state_receivedAt.
func (s *Store) InboxStats(ctx context.Context) (store.InboxStats, error) {
	coll := s.db.Collection(inboxColl)
	var st store.InboxStats
	pending, err := coll.CountDocuments(ctx, bson.D{{Key: "state", Value: string(store.InboxPending)}})
	if err != nil {
		return st, wrap("inbox stats", err)
	}
	parked, err := coll.CountDocuments(ctx, bson.D{{Key: "state", Value: string(store.InboxParked)}})
	if err != nil {
		return st, wrap("inbox stats", err)
	}
	st.Pending, st.Parked = int(pending), int(parked)
	if pending > 0 {
		var oldest inboxDoc
		err := coll.FindOne(ctx, bson.D{{Key: "state", Value: string(store.InboxPending)}},
			options.FindOne().SetSort(bson.D{{Key: "receivedAt", Value: 1}}).SetProjection(bson.D{{Key: "receivedAt", Value: 1}})).Decode(&oldest)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return st, wrap("inbox stats", err)
		}
		st.OldestReceived = unzero(oldest.ReceivedAt)
	}
	return st, nil
}

// DeleteInboxBefore deletes old done and parked events, batch ids at a time (read by
// state_receivedAt, deleted by _id), so no delete holds the collection for long.
func (s *Store) DeleteInboxBefore(ctx context.Context, done, parked time.Time, batch int) (int, error) {
	if batch <= 0 {
		return 0, errors.New("mongostore: delete inbox: batch must be positive")
	}
	coll := s.db.Collection(inboxColl)
	total := 0
	for state, before := range map[store.InboxState]time.Time{store.InboxDone: done, store.InboxParked: parked} {
		for {
			cur, err := coll.Find(ctx, bson.D{{Key: "state", Value: string(state)}, {Key: "receivedAt", Value: bson.D{{Key: "$lt", Value: before}}}},
				options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(batch)))
			if err != nil {
				return total, wrap("delete inbox", err)
			}
			var ids []struct {
				ID string `bson:"_id"`
			}
			if err := cur.All(ctx, &ids); err != nil {
				return total, wrap("delete inbox", err)
			}
			if len(ids) == 0 {
				break
			}
			in := make(bson.A, len(ids))
			for i, d := range ids {
				in[i] = d.ID
			}
			res, err := coll.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: in}}}})
			if err != nil {
				return total, wrap("delete inbox", err)
			}
			total += int(res.DeletedCount)
			if len(ids) < batch {
				break
			}
		}
	}
	return total, nil
}
