package sqlitestore

import (
	"context"
	"fmt"
	"strings"

	"github.com/ssonet/ssonet/store"
)

// DecideLeader sets a pending leader's decision; store.ErrConflict with the already-decided
// record when someone decided first.
// Per approve/reject tap; served by the primary key leaders(user_id).
func (s *Store) DecideLeader(ctx context.Context, userID string, d store.LeaderDecision) (store.Leader, error) {
	n, err := affected(s.write.ExecContext(ctx, `
		UPDATE leaders SET status = ?, decided_by = ?, decided_at = ?, decision_note = ?
		WHERE user_id = ? AND status = ? AND submission_id = ?`,
		d.Status, d.By, at(d.At), d.Note, userID, store.LeaderPending, d.SubmissionID))
	if err != nil {
		return store.Leader{}, fmt.Errorf("sqlitestore: decide leader: %w", err)
	}
	l, err := s.GetLeader(ctx, userID)
	if err != nil {
		return store.Leader{}, err
	}
	if n == 0 {
		return l, fmt.Errorf("sqlitestore: decide leader: %s, application %s: %w", l.Status, l.SubmissionID, store.ErrConflict)
	}
	return l, nil
}

// ListLeaders returns the leaders of province with status, oldest first.
// Per announcement and officer list; served by the index leaders_province_status when a
// province is given.
func (s *Store) ListLeaders(ctx context.Context, province string, status store.LeaderStatus) ([]store.Leader, error) {
	var where []string
	var args []any
	if province != "" {
		where = append(where, `province_code = ?`)
		args = append(args, province)
	}
	if status != "" {
		where = append(where, `status = ?`)
		args = append(args, status)
	}
	q := `SELECT user_id, ` + leaderColumns + ` FROM leaders`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	rows, err := s.read.QueryContext(ctx, q+` ORDER BY created_at, user_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: list leaders: %w", err)
	}
	defer rows.Close()
	var out []store.Leader
	for rows.Next() {
		var l store.Leader
		var phone string
		err := rows.Scan(append([]any{&l.UserID}, leaderDests(&l, &phone)...)...)
		if err == nil {
			l.Phone, err = s.sealer.Open(phone)
		}
		if err != nil {
			return nil, fmt.Errorf("sqlitestore: list leaders: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlitestore: list leaders: %w", err)
	}
	return out, nil
}
