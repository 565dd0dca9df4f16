package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ssonet/ssonet/store"
)

const pushColumns = `retry_key, kind, recipients, broadcast, messages_sealed, grp, not_after, created_at, status,
	attempts, next_at, token, done_at, error`

// pushes.n is len(recipients), so that counts of recipients read no JSON.

// The outbox's read queries, each with the index it uses (checked by EXPLAIN QUERY PLAN in
// TestOutboxQueriesUseTheirIndexes).
const (
	// qDuePushes picks the pushes to claim: pushes_status_next_at.
	qDuePushes = `SELECT retry_key FROM pushes WHERE status = ? AND next_at <= ? ORDER BY next_at LIMIT ?`
	// qGroupProgress counts a group by status: the covering pushes_grp.
	qGroupProgress = `SELECT status, COUNT(*), SUM(n) FROM pushes WHERE grp = ? AND grp != '' GROUP BY status`
	// qGroup lists a group: pushes_grp.
	qGroup = `SELECT ` + pushColumns + ` FROM pushes WHERE grp = ? AND grp != '' ORDER BY created_at, retry_key`
	// qPending counts the pending pushes by kind: pushes_status_next_at.
	qPending = `SELECT kind, COUNT(*), SUM(n) FROM pushes WHERE status = ? GROUP BY kind`
	// qDoneBefore picks a chunk of done pushes to delete: pushes_done_at.
	qDoneBefore = `SELECT retry_key FROM pushes WHERE done_at < ? LIMIT ?`
)

// pushRow is one push as stored: recipients as a JSON array, messages sealed.
type pushRow struct {
	p          store.Push
	recipients string
	sealed     string
}

func (r *pushRow) dest() []any {
	return []any{&r.p.RetryKey, &r.p.Kind, &r.recipients, &r.p.Broadcast, &r.sealed, &r.p.Group, millis{&r.p.NotAfter},
		millis{&r.p.CreatedAt}, &r.p.Status, &r.p.Attempts, millis{&r.p.NextAt}, &r.p.Token, millis{&r.p.DoneAt}, &r.p.Error}
}

// push decodes the row; withMessages opens the sealed messages.
func (s *Store) push(r *pushRow, withMessages bool) (store.Push, error) {
	if err := json.Unmarshal([]byte(r.recipients), &r.p.To); err != nil {
		return store.Push{}, fmt.Errorf("push %s: recipients: %w", r.p.RetryKey, err)
	}
	if withMessages && r.sealed != "" {
		plain, err := s.sealer.Open(r.sealed)
		if err != nil {
			return store.Push{}, fmt.Errorf("push %s: messages: %w", r.p.RetryKey, err)
		}
		r.p.Messages = json.RawMessage(plain)
	}
	return r.p, nil
}

// EnqueuePush stores p as pending; store.ErrConflict if its retry key exists.
// Per push; served by the primary key pushes(retry_key).
func (s *Store) EnqueuePush(ctx context.Context, p store.Push) error {
	to := p.To
	if to == nil {
		to = []string{}
	}
	recipients, err := json.Marshal(to)
	if err != nil {
		return fmt.Errorf("sqlitestore: enqueue push: %w", err)
	}
	n, err := affected(s.write.ExecContext(ctx, `
		INSERT INTO pushes (`+pushColumns+`, n)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, '', NULL, '', ?) ON CONFLICT DO NOTHING`,
		p.RetryKey, p.Kind, string(recipients), p.Broadcast, s.sealer.Seal(string(p.Messages)), p.Group, at(p.NotAfter),
		at(p.CreatedAt), store.PushPending, at(p.CreatedAt), len(to)))
	if err == nil && n == 0 {
		err = store.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: enqueue push: %w", err)
	}
	return nil
}

// ClaimPushes claims up to limit due pending pushes with token in one statement.
// Per outbox poll; served by the index pushes_status_next_at.
func (s *Store) ClaimPushes(ctx context.Context, now time.Time, lease time.Duration, token string, limit int) ([]store.Push, error) {
	rows, err := s.write.QueryContext(ctx, `
		UPDATE pushes SET token = ?, next_at = ?, attempts = attempts + 1
		WHERE retry_key IN (`+qDuePushes+`)
		RETURNING `+pushColumns,
		token, at(now.Add(lease)), store.PushPending, at(now), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: claim pushes: %w", err)
	}
	var raw []pushRow
	for rows.Next() {
		var r pushRow
		if err := rows.Scan(r.dest()...); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlitestore: claim pushes: %w", err)
		}
		raw = append(raw, r)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("sqlitestore: claim pushes: %w", err)
	}
	out := make([]store.Push, 0, len(raw))
	for i := range raw {
		p, err := s.push(&raw[i], true)
		if err != nil {
			// A row that cannot be opened is still returned, without messages: the outbox
			// validates it, logs it and skips it instead of retrying it forever.
			p = raw[i].p
			p.Error = err.Error()
		}
		out = append(out, p)
	}
	return out, nil
}

// RetryPush releases token's claim until next.
// Per failed attempt; served by the primary key pushes(retry_key).
func (s *Store) RetryPush(ctx context.Context, retryKey, token string, next time.Time, errText string) error {
	return s.guardedPush(ctx, "retry push", retryKey, token, `UPDATE pushes SET token = '', next_at = ?, error = ?
		WHERE retry_key = ? AND token = ? AND status = ?`, at(next), errText, retryKey, token, store.PushPending)
}

// FinishPush records a claimed push's outcome and drops its messages.
// Per push; served by the primary key pushes(retry_key).
func (s *Store) FinishPush(ctx context.Context, retryKey, token string, status store.PushStatus, errText string, now time.Time) error {
	return s.guardedPush(ctx, "finish push", retryKey, token, `UPDATE pushes SET status = ?, done_at = ?, error = ?, messages_sealed = '', token = ''
		WHERE retry_key = ? AND token = ? AND status = ?`, status, at(now), errText, retryKey, token, store.PushPending)
}

// guardedPush runs an update guarded by the claim token: no row changed means ErrConflict if
// the push exists, else ErrNotFound.
func (s *Store) guardedPush(ctx context.Context, what, retryKey, token, q string, args ...any) error {
	n, err := affected(s.write.ExecContext(ctx, q, args...))
	if err == nil && n == 0 {
		var one int
		err = s.write.QueryRowContext(ctx, `SELECT 1 FROM pushes WHERE retry_key = ?`, retryKey).Scan(&one)
		if err == nil {
			err = store.ErrConflict
		}
	}
	if err != nil {
		return notFound(what, err)
	}
	return nil
}

// GetPush returns one push, or store.ErrNotFound.
// Served by the primary key pushes(retry_key).
func (s *Store) GetPush(ctx context.Context, retryKey string) (store.Push, error) {
	var r pushRow
	if err := s.read.QueryRowContext(ctx, `SELECT `+pushColumns+` FROM pushes WHERE retry_key = ?`, retryKey).Scan(r.dest()...); err != nil {
		return store.Push{}, notFound("get push", err)
	}
	p, err := s.push(&r, true)
	if err != nil {
		return store.Push{}, fmt.Errorf("sqlitestore: get push: %w", err)
	}
	return p, nil
}

// ListPushGroup returns a group's pushes without messages, oldest first.
// Per announcement plan; served by the index pushes_grp.
func (s *Store) ListPushGroup(ctx context.Context, group string) ([]store.Push, error) {
	rows, err := s.read.QueryContext(ctx, qGroup, group)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: list push group: %w", err)
	}
	defer rows.Close()
	var out []store.Push
	for rows.Next() {
		var r pushRow
		if err := rows.Scan(r.dest()...); err != nil {
			return nil, fmt.Errorf("sqlitestore: list push group: %w", err)
		}
		p, err := s.push(&r, false)
		if err != nil {
			return nil, fmt.Errorf("sqlitestore: list push group: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PushGroupProgress counts a group's pushes by status.
// Per finished announcement batch; served by the covering index pushes_grp.
func (s *Store) PushGroupProgress(ctx context.Context, group string) (store.PushProgress, error) {
	rows, err := s.read.QueryContext(ctx, qGroupProgress, group)
	if err != nil {
		return store.PushProgress{}, fmt.Errorf("sqlitestore: push group progress: %w", err)
	}
	defer rows.Close()
	var pr store.PushProgress
	for rows.Next() {
		var status store.PushStatus
		var n, to int
		if err := rows.Scan(&status, &n, &to); err != nil {
			return store.PushProgress{}, fmt.Errorf("sqlitestore: push group progress: %w", err)
		}
		store.AddProgress(&pr, status, n, to)
	}
	return pr, rows.Err()
}

// PendingPushes counts pending pushes by kind and their recipients.
// Per metrics scrape and announcement preview; served by the index pushes_status_next_at.
func (s *Store) PendingPushes(ctx context.Context) (map[store.PushKind]int, int, error) {
	rows, err := s.read.QueryContext(ctx, qPending, store.PushPending)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlitestore: pending pushes: %w", err)
	}
	defer rows.Close()
	out := map[store.PushKind]int{}
	total := 0
	for rows.Next() {
		var kind store.PushKind
		var n, to int
		if err := rows.Scan(&kind, &n, &to); err != nil {
			return nil, 0, fmt.Errorf("sqlitestore: pending pushes: %w", err)
		}
		out[kind] = n
		total += to
	}
	return out, total, rows.Err()
}

// DeletePushesDoneBefore deletes up to limit pushes done before t.
// Per clean-up tick; served by the index pushes_done_at.
func (s *Store) DeletePushesDoneBefore(ctx context.Context, t time.Time, limit int) (int, error) {
	n, err := affected(s.write.ExecContext(ctx, `DELETE FROM pushes WHERE retry_key IN (`+qDoneBefore+`)`, at(t), limit))
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: delete pushes: %w", err)
	}
	return n, nil
}

// GetQuotaState returns the quota state, zero when none is stored.
// Served by the primary key quota_state(id).
func (s *Store) GetQuotaState(ctx context.Context) (store.QuotaState, error) {
	var q store.QuotaState
	err := s.read.QueryRowContext(ctx, `SELECT exhausted, since, resume_at, resumed_by, updated_at FROM quota_state WHERE id = 1`).
		Scan(&q.Exhausted, millis{&q.Since}, millis{&q.ResumeAt}, &q.ResumedBy, millis{&q.UpdatedAt})
	if err == sql.ErrNoRows {
		return store.QuotaState{}, nil
	}
	if err != nil {
		return store.QuotaState{}, fmt.Errorf("sqlitestore: get quota state: %w", err)
	}
	return q, nil
}

// SetQuotaState replaces the quota state.
// Served by the primary key quota_state(id).
func (s *Store) SetQuotaState(ctx context.Context, q store.QuotaState) error {
	if _, err := s.write.ExecContext(ctx, `
		INSERT INTO quota_state (id, exhausted, since, resume_at, resumed_by, updated_at) VALUES (1, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET exhausted = excluded.exhausted, since = excluded.since,
			resume_at = excluded.resume_at, resumed_by = excluded.resumed_by, updated_at = excluded.updated_at`,
		q.Exhausted, at(q.Since), at(q.ResumeAt), q.ResumedBy, at(q.UpdatedAt)); err != nil {
		return fmt.Errorf("sqlitestore: set quota state: %w", err)
	}
	return nil
}
