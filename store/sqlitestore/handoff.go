package sqlitestore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ssonet/ssonet/store"
)

const caseColumns = `id, user_id, province_code, status, entries_sealed, created_at, first_response_at, hotline_at, closed_at, closed_by, version`

// caseDests are where a row's caseColumns go, the sealed transcript into sealed (orZero:
// GetMemberRecords reads them through a LEFT JOIN).
func caseDests(c *store.Case, sealed *string) []any {
	return []any{orZero(&c.ID), orZero(&c.UserID), orZero(&c.ProvinceCode), orZero(&c.Status), orZero(sealed), millis{&c.CreatedAt},
		millis{&c.FirstResponseAt}, millis{&c.HotlineAt}, millis{&c.ClosedAt}, orZero(&c.ClosedBy), orZero(&c.Version)}
}

func (s *Store) scanCase(sc interface{ Scan(...any) error }) (store.Case, error) {
	var c store.Case
	var sealed string
	err := sc.Scan(caseDests(&c, &sealed)...)
	if err == nil {
		err = s.sealer.OpenJSON(sealed, &c.Entries)
	}
	return c, err
}

func (s *Store) caseArgs(c store.Case) ([]any, error) {
	sealed, err := s.sealer.SealJSON(c.Entries)
	if err != nil {
		return nil, err
	}
	return []any{c.ID, c.UserID, c.ProvinceCode, c.Status, sealed, at(c.CreatedAt), at(c.FirstResponseAt), at(c.HotlineAt),
		at(c.ClosedAt), c.ClosedBy, c.Version}, nil
}

// CreateCase stores a new case with its transcript sealed; store.ErrConflict on a used ID.
func (s *Store) CreateCase(ctx context.Context, c store.Case) (store.Case, error) {
	c.Version = 1
	args, err := s.caseArgs(c)
	if err != nil {
		return store.Case{}, fmt.Errorf("sqlitestore: create case: %w", err)
	}
	n, err := affected(s.write.ExecContext(ctx, `INSERT INTO cases (`+caseColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, args...))
	if err == nil && n == 0 {
		err = store.ErrConflict
	}
	if err != nil {
		return store.Case{}, fmt.Errorf("sqlitestore: create case: %w", err)
	}
	return c, nil
}

// GetCase returns a case by ID. Served by the primary key.
func (s *Store) GetCase(ctx context.Context, id string) (store.Case, error) {
	c, err := s.scanCase(s.read.QueryRowContext(ctx, `SELECT `+caseColumns+` FROM cases WHERE id = ?`, id))
	if err != nil {
		return store.Case{}, notFound("get case", err)
	}
	return c, nil
}

// OpenCaseOf returns the member's open case. Per message of a member; served by cases_user.
// The status is a literal, not a bound parameter: the cases table has a partial index on
// status = 'open', and SQLite recompiles a statement on every run when a bound value could
// decide whether a partial index applies (a third of this query's cost when it was bound).
func (s *Store) OpenCaseOf(ctx context.Context, userID string) (store.Case, error) {
	c, err := s.scanCase(s.read.QueryRowContext(ctx, `SELECT `+caseColumns+` FROM cases
		WHERE user_id = ? AND status = '`+string(store.CaseOpen)+`' ORDER BY created_at DESC LIMIT 1`, userID))
	if err != nil {
		return store.Case{}, notFound("open case", err)
	}
	return c, nil
}

func (s *Store) listCases(ctx context.Context, what, q string, args ...any) ([]store.Case, error) {
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: %s: %w", what, err)
	}
	defer rows.Close()
	var out []store.Case
	for rows.Next() {
		c, err := s.scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlitestore: %s: %w", what, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlitestore: %s: %w", what, err)
	}
	return out, nil
}

// ListCases returns cases newest first. Served by cases_province when a province is given.
func (s *Store) ListCases(ctx context.Context, province string, status store.CaseStatus, limit int) ([]store.Case, error) {
	var where []string
	var args []any
	if province != "" {
		where, args = append(where, `province_code = ?`), append(args, province)
	}
	if status != "" {
		where, args = append(where, `status = ?`), append(args, status)
	}
	q := `SELECT ` + caseColumns + ` FROM cases`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	if limit <= 0 {
		limit = 100
	}
	return s.listCases(ctx, "list cases", q+` ORDER BY created_at DESC, id DESC LIMIT ?`, append(args, limit)...)
}

// UpdateCase replaces a case guarded by its version. Served by the primary key.
func (s *Store) UpdateCase(ctx context.Context, c store.Case) (store.Case, error) {
	prev := c.Version
	c.Version++
	args, err := s.caseArgs(c)
	if err != nil {
		return store.Case{}, fmt.Errorf("sqlitestore: update case: %w", err)
	}
	n, err := affected(s.write.ExecContext(ctx, `UPDATE cases SET user_id = ?, province_code = ?, status = ?, entries_sealed = ?,
		created_at = ?, first_response_at = ?, hotline_at = ?, closed_at = ?, closed_by = ?, version = ?
		WHERE id = ? AND version = ?`, append(args[1:], args[0], prev)...))
	if err == nil && n == 0 {
		if _, gerr := s.GetCase(ctx, c.ID); gerr != nil {
			return store.Case{}, gerr
		}
		err = store.ErrConflict
	}
	if err != nil {
		return store.Case{}, fmt.Errorf("sqlitestore: update case: %w", err)
	}
	return c, nil
}

// CasesUnanswered returns open, unanswered cases created before t. Served by cases_unanswered.
func (s *Store) CasesUnanswered(ctx context.Context, t time.Time) ([]store.Case, error) {
	return s.listCases(ctx, "unanswered cases", `SELECT `+caseColumns+` FROM cases
		WHERE status = 'open' AND first_response_at IS NULL AND hotline_at IS NULL AND created_at < ? ORDER BY created_at`, at(t))
}

// DeleteCasesClosedBefore removes cases closed before t. Served by cases_closed.
func (s *Store) DeleteCasesClosedBefore(ctx context.Context, t time.Time) (int, error) {
	n, err := affected(s.write.ExecContext(ctx, `DELETE FROM cases WHERE closed_at IS NOT NULL AND closed_at < ?`, at(t)))
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: delete closed cases: %w", err)
	}
	return n, nil
}

// DeleteCasesOf removes a member's cases. Served by cases_user.
func (s *Store) DeleteCasesOf(ctx context.Context, userID string) (int, error) {
	n, err := affected(s.write.ExecContext(ctx, `DELETE FROM cases WHERE user_id = ?`, userID))
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: delete cases of member: %w", err)
	}
	return n, nil
}

// The statements of AddRecent, run by the batcher (prepared at Open). The trim is served by
// recent_lines_user alone: the subquery finds the member's (keep+1)-th newest line in it, and
// the member's entries in it tell which lines go (TestRecentQueryPlans). It runs on every add:
// trimming only every fourth add cost 20% more per event in BenchmarkEventWrites, since as
// many rows go, on as many pages, and the member's entries to read are more.
const (
	qRecentAdd  = `INSERT INTO recent_lines (user_id, at, from_who, event, text_sealed) VALUES (?, ?, ?, ?, ?)`
	qRecentTrim = `DELETE FROM recent_lines WHERE user_id = ?1 AND (at < ?2
		OR seq <= (SELECT seq FROM recent_lines WHERE user_id = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?3))`
)

// AddRecent inserts the member's new lines and deletes those beyond the last keep or before
// since, so a member never has more than keep rows. Per message outside a form, so it goes
// through the batcher with the inbox's writes (batch.go) and shares their commit; the texts are
// sealed before, so the one writer only runs the statements, none of which reads more than the
// member's keep+2 entries of recent_lines_user.
func (s *Store) AddRecent(ctx context.Context, userID string, entries []store.CaseEntry, keep int, since time.Time) error {
	sealed := make([]string, len(entries))
	for i, e := range entries {
		sealed[i] = s.sealer.Seal(e.Text)
	}
	err := s.batch.do(ctx, func(tx *batchTx) error {
		add := tx.stmt(qRecentAdd)
		for i, e := range entries {
			if _, err := add.Exec(userID, ms(e.At), e.From, e.Event, sealed[i]); err != nil {
				return err
			}
		}
		_, err := tx.stmt(qRecentTrim).Exec(userID, ms(since), keep)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlitestore: add recent: %w", err)
	}
	return nil
}

// qRecent reads a member's recent lines in the order they were added; served by
// recent_lines_user (TestRecentQueryPlans).
const qRecent = `SELECT at, from_who, event, text_sealed FROM recent_lines WHERE user_id = ? ORDER BY seq`

// Recent returns the member's recent lines, at most the keep of their last AddRecent.
func (s *Store) Recent(ctx context.Context, userID string) ([]store.CaseEntry, error) {
	rows, err := s.read.QueryContext(ctx, qRecent, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: recent: %w", err)
	}
	defer rows.Close()
	var out []store.CaseEntry
	for rows.Next() {
		var e store.CaseEntry
		var when int64
		var sealed string
		if err := rows.Scan(&when, &e.From, &e.Event, &sealed); err != nil {
			return nil, fmt.Errorf("sqlitestore: recent: %w", err)
		}
		e.At = fromMS(when)
		if e.Text, err = s.sealer.Open(sealed); err != nil {
			return nil, fmt.Errorf("sqlitestore: recent: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlitestore: recent: %w", err)
	}
	return out, nil
}

// qRecentOf deletes a member's recent lines; served by recent_lines_user (TestRecentQueryPlans).
const qRecentOf = `DELETE FROM recent_lines WHERE user_id = ?`

// DeleteRecent removes the member's recent lines.
func (s *Store) DeleteRecent(ctx context.Context, userID string) error {
	if _, err := s.write.ExecContext(ctx, qRecentOf, userID); err != nil {
		return fmt.Errorf("sqlitestore: delete recent: %w", err)
	}
	return nil
}

// qRecentBefore deletes up to limit lines older than a time, the clean-up's chunk; served by
// recent_lines_at (TestRecentQueryPlans).
const qRecentBefore = `DELETE FROM recent_lines WHERE seq IN (SELECT seq FROM recent_lines WHERE at < ? LIMIT ?)`

// DeleteRecentBefore removes up to limit lines older than t.
func (s *Store) DeleteRecentBefore(ctx context.Context, t time.Time, limit int) (int, error) {
	n, err := affected(s.write.ExecContext(ctx, qRecentBefore, ms(t), limit))
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: delete old recent: %w", err)
	}
	return n, nil
}
