package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ssonet/ssonet/store"
)

// The inbox is on the path of every webhook event. Each statement below names the index that
// serves it, checked with EXPLAIN QUERY PLAN in TestInboxQueryPlans; "the primary key" is the
// index SQLite keeps for the TEXT primary key, sqlite_autoindex_inbox_1. Like every statement
// of the store they are prepared once (see pool); the two reads (due, stats) run on the read
// pool, so the poller and the metrics never wait behind a write.

// inboxSQL is the text of every inbox statement, by name.
var inboxSQL = map[string]string{
	// Primary key: a known id is left as it is.
	"add": `INSERT INTO inbox (id, user_id, event_at, seq, received_at, body_sealed, state, attempts, next_at, token, lease_until)
		VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, 0, '', 0) ON CONFLICT (id) DO NOTHING`,
	// inbox_user_order answers "no other pending event of the user"; the primary key leaves a
	// known id as it is. Stores the event claimed (attempt 1) or nothing: when the user has a
	// pending event the lease is NULL, which its NOT NULL column refuses and OR IGNORE turns
	// into no row. One row of VALUES rather than INSERT ... SELECT ... WHERE NOT EXISTS: SQLite
	// copies the rows of an INSERT's SELECT that reads the table it inserts into to a temporary
	// table first, which made that form cost twice as much (BenchmarkEventWrites).
	"addClaimed": `INSERT OR IGNORE INTO inbox (id, user_id, event_at, seq, received_at, body_sealed, state, attempts, next_at, token, lease_until)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 1, 0, ?7,
			CASE WHEN EXISTS (SELECT 1 FROM inbox WHERE user_id = ?2 AND state = 'pending') THEN NULL ELSE ?8 END)`,
	// inbox_pending: the pending events due by now, oldest received first, so that a backlog
	// larger than limit is drained in the order it came. Named, because the planner would take
	// inbox_user_order, which gives the users in the order of their IDs.
	"due": `SELECT DISTINCT user_id FROM inbox INDEXED BY inbox_pending
		WHERE state = 'pending' AND next_at <= ?1 AND lease_until <= ?1 LIMIT ?2`,
	// inbox_user_order finds the user's first pending event; the primary key updates it. The
	// claimed row is read by "claimed" (inbox_user_order) only when a row changed: every
	// wake-up of a worker ends with a claim that finds nothing, and a RETURNING clause (which
	// collects its rows in a temporary table) made each of those cost twice as much.
	"claim": `UPDATE inbox SET token = ?2, lease_until = ?3, attempts = attempts + 1
		WHERE id = (SELECT id FROM inbox WHERE user_id = ?1 AND state = 'pending' ORDER BY event_at, seq, id LIMIT 1)
		  AND next_at <= ?4 AND lease_until <= ?4`,
	"claimed": `SELECT id, user_id, body_sealed, event_at, seq, received_at, attempts, next_at FROM inbox
		WHERE user_id = ?1 AND state = 'pending' ORDER BY event_at, seq, id LIMIT 1`,
	// Primary key, guarded by the claim's token.
	"extend":   `UPDATE inbox SET lease_until = ?3 WHERE id = ?1 AND token = ?2 AND state = 'pending'`,
	"complete": `UPDATE inbox SET state = 'done', body_sealed = '', token = '', lease_until = 0 WHERE id = ?1 AND token = ?2 AND state = 'pending'`,
	"retry":    `UPDATE inbox SET next_at = ?3, token = '', lease_until = 0 WHERE id = ?1 AND token = ?2 AND state = 'pending'`,
	"park":     `UPDATE inbox SET state = 'parked', token = '', lease_until = 0 WHERE id = ?1 AND token = ?2 AND state = 'pending'`,
	// inbox_pending and inbox_parked: counts and the oldest pending event, from the indexes alone.
	"stats": `SELECT
		(SELECT count(*) FROM inbox WHERE state = 'pending'),
		(SELECT min(received_at) FROM inbox WHERE state = 'pending'),
		(SELECT count(*) FROM inbox WHERE state = 'parked')`,
	// inbox_done and inbox_parked: one bounded chunk of the clean-up, so no write waits long
	// behind it.
	"deleteBatch": `DELETE FROM inbox WHERE rowid IN (
		SELECT rowid FROM inbox WHERE state = 'done' AND received_at < ?1
		UNION ALL SELECT rowid FROM inbox WHERE state = 'parked' AND received_at < ?2
		LIMIT ?3)`,
}

// ms is t in Unix milliseconds, 0 for the zero time (the inbox's NOT NULL times).
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS reverses ms.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// batched are the statements the batcher runs (prepared at Open): the inbox's and the recent
// lines' (handoff.go).
var batched = []string{inboxSQL["add"], inboxSQL["addClaimed"], inboxSQL["claim"], inboxSQL["claimed"], inboxSQL["extend"], inboxSQL["complete"], inboxSQL["retry"], inboxSQL["park"], qRecentAdd, qRecentTrim}

// AddInbox stores evs in one transaction, shared with the inbox writes that arrive at the same
// time; ids already stored are left as they are. An event with a Token is first offered to
// addClaimed, which stores it claimed when its user has nothing pending; the transaction makes
// the check and the insert one step.
func (s *Store) AddInbox(ctx context.Context, evs []store.InboxEvent) (store.InboxAdded, error) {
	if len(evs) == 0 {
		return store.InboxAdded{}, nil
	}
	sealed := make([]string, len(evs))
	for i, e := range evs {
		sealed[i] = s.sealer.Seal(string(e.Body))
	}
	var added store.InboxAdded
	err := s.batch.do(ctx, func(tx *batchTx) error {
		added = store.InboxAdded{}
		for i, e := range evs {
			if e.Token != "" {
				k, err := affected(tx.stmt(inboxSQL["addClaimed"]).Exec(e.ID, e.UserID, ms(e.EventAt), e.Seq, ms(e.ReceivedAt), sealed[i], e.Token, ms(e.LeaseUntil)))
				if err != nil {
					return err
				}
				if k == 1 {
					added.New++
					added.Claimed = append(added.Claimed, e.ID)
					continue
				}
			}
			k, err := affected(tx.stmt(inboxSQL["add"]).Exec(e.ID, e.UserID, ms(e.EventAt), e.Seq, ms(e.ReceivedAt), sealed[i]))
			if err != nil {
				return err
			}
			added.New += k
		}
		return nil
	})
	if err != nil {
		return store.InboxAdded{}, fmt.Errorf("sqlitestore: add inbox: %w", err)
	}
	return added, nil
}

// DueInboxUsers lists users with a due, unclaimed pending event; served by inbox_pending.
func (s *Store) DueInboxUsers(ctx context.Context, now time.Time, limit int) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, inboxSQL["due"], ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: due inbox users: %w", err)
	}
	defer rows.Close()
	var users []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, fmt.Errorf("sqlitestore: due inbox users: %w", err)
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlitestore: due inbox users: %w", err)
	}
	return users, nil
}

// ClaimInbox claims the user's first pending event with one statement and reads it with a
// second; served by inbox_user_order and the primary key.
func (s *Store) ClaimInbox(ctx context.Context, userID, token string, now time.Time, lease time.Duration) (store.InboxEvent, error) {
	e := store.InboxEvent{State: store.InboxPending, Token: token, LeaseUntil: now.Add(lease).UTC().Truncate(time.Millisecond)}
	var body string
	var eventAt, receivedAt, nextAt int64
	var found error // sql.ErrNoRows: nothing claimable
	err := s.batch.do(ctx, func(tx *batchTx) error {
		n, err := affected(tx.stmt(inboxSQL["claim"]).Exec(userID, token, ms(e.LeaseUntil), ms(now)))
		if err != nil {
			return err
		}
		if n == 0 {
			found = sql.ErrNoRows
			return nil
		}
		found = tx.stmt(inboxSQL["claimed"]).QueryRow(userID).
			Scan(&e.ID, &e.UserID, &body, &eventAt, &e.Seq, &receivedAt, &e.Attempts, &nextAt)
		return found
	})
	if err == nil {
		err = found
	}
	if err != nil {
		return store.InboxEvent{}, notFound("claim inbox", err)
	}
	e.EventAt, e.ReceivedAt, e.NextAt = fromMS(eventAt), fromMS(receivedAt), fromMS(nextAt)
	plain, err := s.sealer.Open(body)
	if err != nil {
		return store.InboxEvent{}, fmt.Errorf("sqlitestore: claim inbox: open body: %w", err)
	}
	e.Body = []byte(plain)
	return e, nil
}

// guarded runs one of the token-guarded updates; no row changed means the claim is gone.
func (s *Store) guarded(ctx context.Context, what, stmt string, args ...any) error {
	n := 0
	err := s.batch.do(ctx, func(tx *batchTx) (err error) {
		n, err = affected(tx.stmt(inboxSQL[stmt]).Exec(args...))
		return err
	})
	if err == nil && n == 0 {
		err = store.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: %s: %w", what, err)
	}
	return nil
}

// ExtendInbox renews a claim; primary key.
func (s *Store) ExtendInbox(ctx context.Context, id, token string, now time.Time, lease time.Duration) error {
	return s.guarded(ctx, "extend inbox", "extend", id, token, ms(now.Add(lease)))
}

// CompleteInbox marks a claimed event done and drops its body; primary key.
func (s *Store) CompleteInbox(ctx context.Context, id, token string, _ time.Time) error {
	return s.guarded(ctx, "complete inbox", "complete", id, token)
}

// RetryInbox releases a claim until next; primary key.
func (s *Store) RetryInbox(ctx context.Context, id, token string, next time.Time) error {
	return s.guarded(ctx, "retry inbox", "retry", id, token, ms(next))
}

// ParkInbox parks a claimed event; primary key.
func (s *Store) ParkInbox(ctx context.Context, id, token string, _ time.Time) error {
	return s.guarded(ctx, "park inbox", "park", id, token)
}

// InboxStats counts pending and parked events; served by inbox_pending and inbox_parked.
func (s *Store) InboxStats(ctx context.Context) (store.InboxStats, error) {
	var st store.InboxStats
	var oldest sql.NullInt64
	if err := s.read.QueryRowContext(ctx, inboxSQL["stats"]).Scan(&st.Pending, &oldest, &st.Parked); err != nil {
		return store.InboxStats{}, fmt.Errorf("sqlitestore: inbox stats: %w", err)
	}
	st.OldestReceived = fromMS(oldest.Int64)
	return st, nil
}

// DeleteInboxBefore deletes old done and parked events in chunks of batch; served by
// inbox_done and inbox_parked.
func (s *Store) DeleteInboxBefore(ctx context.Context, done, parked time.Time, batch int) (int, error) {
	if batch <= 0 {
		return 0, errors.New("sqlitestore: delete inbox: batch must be positive")
	}
	total := 0
	for {
		n, err := affected(s.write.ExecContext(ctx, inboxSQL["deleteBatch"], ms(done), ms(parked), batch))
		total += n
		if err != nil {
			return total, fmt.Errorf("sqlitestore: delete inbox: %w", err)
		}
		if n < batch {
			return total, nil
		}
	}
}
