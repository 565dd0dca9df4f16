package sqlitestore

import (
	"context"
	"fmt"
	"time"

	"github.com/ssonet/ssonet/store"
)

// SaveSimUser stores a simulator persona so it survives a restart; saving it again replaces
// it. Only the simulator calls it (simulator mode, no LINE channel).
func (s *Store) SaveSimUser(ctx context.Context, u store.SimUser, at time.Time) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO sim_users (user_id, display_name, language, role, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET display_name = excluded.display_name,
		language = excluded.language, role = excluded.role`, u.UserID, u.DisplayName, u.Language, u.Role, at.UnixMilli())
	if err != nil {
		return fmt.Errorf("sqlitestore: save simulator user: %w", err)
	}
	return nil
}

// ListSimUsers returns the stored simulator personas, oldest first.
func (s *Store) ListSimUsers(ctx context.Context) ([]store.SimUser, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT user_id, display_name, language, role FROM sim_users ORDER BY created_at, user_id`)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: list simulator users: %w", err)
	}
	defer rows.Close()
	var out []store.SimUser
	for rows.Next() {
		var u store.SimUser
		if err := rows.Scan(&u.UserID, &u.DisplayName, &u.Language, &u.Role); err != nil {
			return nil, fmt.Errorf("sqlitestore: list simulator users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// AppendSimEntries appends entries (JSON documents, opaque here) to userID's simulator chat
// history in one transaction; their sequence numbers grow across users.
func (s *Store) AppendSimEntries(ctx context.Context, userID string, entries [][]byte) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlitestore: append simulator history: %w", err)
	}
	defer tx.Rollback()
	for _, e := range entries {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sim_entries (user_id, entry) VALUES (?, ?)`, userID, string(e)); err != nil {
			return fmt.Errorf("sqlitestore: append simulator history: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlitestore: append simulator history: %w", err)
	}
	return nil
}

// SimEntries returns userID's history entries with a sequence number above after, oldest
// first, at most limit of them, with their numbers.
func (s *Store) SimEntries(ctx context.Context, userID string, after int64, limit int) (seqs []int64, entries [][]byte, err error) {
	rows, err := s.read.QueryContext(ctx, `SELECT seq, entry FROM sim_entries WHERE user_id = ? AND seq > ? ORDER BY seq LIMIT ?`, userID, after, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlitestore: simulator history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var e string
		if err := rows.Scan(&seq, &e); err != nil {
			return nil, nil, fmt.Errorf("sqlitestore: simulator history: %w", err)
		}
		seqs, entries = append(seqs, seq), append(entries, []byte(e))
	}
	return seqs, entries, rows.Err()
}
