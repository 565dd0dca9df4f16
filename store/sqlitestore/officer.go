package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ssonet/ssonet/store"
)

// CreateInvite stores a new invite; store.ErrConflict if the hash exists.
func (s *Store) CreateInvite(ctx context.Context, inv store.OfficerInvite) error {
	provinces, err := json.Marshal(sortedSet(inv.Provinces))
	if err != nil {
		return fmt.Errorf("sqlitestore: create invite: %w", err)
	}
	n, err := affected(s.write.ExecContext(ctx, `
		INSERT INTO officer_invites (code_hash, provinces, created_at, expires_at, used_by, used_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		inv.CodeHash, string(provinces), at(inv.CreatedAt), at(inv.ExpiresAt), inv.UsedBy, at(inv.UsedAt)))
	if err == nil && n == 0 {
		err = store.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: create invite: %w", err)
	}
	return nil
}

// UseInvite spends an invite and adds its provinces to the officer, in one transaction, so a
// use is never half applied.
// Per typed invite code; served by the primary keys officer_invites(code_hash),
// officers(user_id) and officer_provinces(province, user_id).
func (s *Store) UseInvite(ctx context.Context, codeHash, userID string, now time.Time) (store.Officer, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return store.Officer{}, fmt.Errorf("sqlitestore: use invite: %w", err)
	}
	defer tx.Rollback()
	var provincesJSON, usedBy string
	var expires time.Time
	err = tx.QueryRowContext(ctx, `SELECT provinces, expires_at, used_by FROM officer_invites WHERE code_hash = ?`, codeHash).
		Scan(&provincesJSON, millis{&expires}, &usedBy)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.Officer{}, fmt.Errorf("sqlitestore: use invite: %w", store.ErrNotFound)
	case err != nil:
		return store.Officer{}, fmt.Errorf("sqlitestore: use invite: %w", err)
	case usedBy != "":
		return store.Officer{}, fmt.Errorf("sqlitestore: use invite: %w", store.ErrConflict)
	case !expires.After(now):
		return store.Officer{}, fmt.Errorf("sqlitestore: use invite: expired: %w", store.ErrNotFound)
	}
	var provinces []string
	if err := json.Unmarshal([]byte(provincesJSON), &provinces); err != nil {
		return store.Officer{}, fmt.Errorf("sqlitestore: use invite: %w", err)
	}
	stmts := []struct {
		q    string
		args []any
	}{
		{`UPDATE officer_invites SET used_by = ?, used_at = ? WHERE code_hash = ?`, []any{userID, at(now), codeHash}},
		{`INSERT INTO officers (user_id, created_at, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET updated_at = excluded.updated_at`, []any{userID, at(now), at(now)}},
	}
	for _, p := range provinces {
		stmts = append(stmts, struct {
			q    string
			args []any
		}{`INSERT INTO officer_provinces (province, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, []any{p, userID}})
	}
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
			return store.Officer{}, fmt.Errorf("sqlitestore: use invite: %w", err)
		}
	}
	o, err := getOfficer(ctx, tx, userID)
	if err != nil {
		return store.Officer{}, err
	}
	if err := tx.Commit(); err != nil {
		return store.Officer{}, fmt.Errorf("sqlitestore: use invite: %w", err)
	}
	return o, nil
}

// GetOfficer returns the stored officer, or store.ErrNotFound.
// Served by the primary key officers(user_id) and the index officer_provinces_user.
func (s *Store) GetOfficer(ctx context.Context, userID string) (store.Officer, error) {
	return getOfficer(ctx, s.read, userID)
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func getOfficer(ctx context.Context, db querier, userID string) (store.Officer, error) {
	o := store.Officer{UserID: userID}
	err := db.QueryRowContext(ctx, `SELECT created_at, updated_at FROM officers WHERE user_id = ?`, userID).
		Scan(millis{&o.CreatedAt}, millis{&o.UpdatedAt})
	if err != nil {
		return store.Officer{}, notFound("get officer", err)
	}
	rows, err := db.QueryContext(ctx, `SELECT province FROM officer_provinces WHERE user_id = ? ORDER BY province`, userID)
	if err != nil {
		return store.Officer{}, fmt.Errorf("sqlitestore: get officer: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return store.Officer{}, fmt.Errorf("sqlitestore: get officer: %w", err)
		}
		o.Provinces = append(o.Provinces, p)
	}
	if err := rows.Err(); err != nil {
		return store.Officer{}, fmt.Errorf("sqlitestore: get officer: %w", err)
	}
	return o, nil
}

// ListOfficers returns the officers of province (every officer when empty), by user ID.
// Per leader registration; served by the primary key officer_provinces(province, user_id), or
// officers(user_id) for every officer.
func (s *Store) ListOfficers(ctx context.Context, province string) ([]store.Officer, error) {
	q, args := `SELECT user_id FROM officer_provinces WHERE province = ? ORDER BY user_id`, []any{province}
	if province == "" {
		q, args = `SELECT user_id FROM officers ORDER BY user_id`, nil
	}
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: list officers: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlitestore: list officers: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlitestore: list officers: %w", err)
	}
	out := make([]store.Officer, 0, len(ids))
	for _, id := range ids {
		o, err := getOfficer(ctx, s.read, id)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// SetOfficerProvinces replaces a stored officer's provinces in one transaction.
// Per admin change; served by the primary keys.
func (s *Store) SetOfficerProvinces(ctx context.Context, userID string, provinces []string, now time.Time) (store.Officer, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return store.Officer{}, fmt.Errorf("sqlitestore: set officer provinces: %w", err)
	}
	defer tx.Rollback()
	n, err := affected(tx.ExecContext(ctx, `UPDATE officers SET updated_at = ? WHERE user_id = ?`, at(now), userID))
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	if err == nil {
		_, err = tx.ExecContext(ctx, `DELETE FROM officer_provinces WHERE user_id = ?`, userID)
	}
	for _, p := range sortedSet(provinces) {
		if err == nil {
			_, err = tx.ExecContext(ctx, `INSERT INTO officer_provinces (province, user_id) VALUES (?, ?)`, p, userID)
		}
	}
	var o store.Officer
	if err == nil {
		o, err = getOfficer(ctx, tx, userID)
	}
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return store.Officer{}, fmt.Errorf("sqlitestore: set officer provinces: %w", err)
	}
	return o, nil
}

// DeleteOfficer removes a stored officer and their provinces. Served by the primary key and
// officer_provinces_user.
func (s *Store) DeleteOfficer(ctx context.Context, userID string) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlitestore: delete officer: %w", err)
	}
	defer tx.Rollback()
	if _, err = tx.ExecContext(ctx, `DELETE FROM officer_provinces WHERE user_id = ?`, userID); err == nil {
		_, err = tx.ExecContext(ctx, `DELETE FROM officers WHERE user_id = ?`, userID)
	}
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: delete officer: %w", err)
	}
	return nil
}

// sortedSet returns a sorted copy of ss without duplicates.
func sortedSet(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	return slices.Compact(out)
}
