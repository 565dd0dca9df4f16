package sqlitestore

import (
	"context"
	"fmt"
	"time"

	"github.com/ssonet/ssonet/store"
)

const credentialColumns = `hash, kind, user_id, label, created_at, expires_at`

func scanCredential(sc interface{ Scan(...any) error }) (store.Credential, error) {
	var c store.Credential
	err := sc.Scan(&c.Hash, &c.Kind, &c.UserID, &c.Label, millis{&c.CreatedAt}, millis{&c.ExpiresAt})
	return c, err
}

// CreateCredential stores c; store.ErrConflict when the hash exists (primary key).
func (s *Store) CreateCredential(ctx context.Context, c store.Credential) error {
	n, err := affected(s.write.ExecContext(ctx, `INSERT INTO credentials (`+credentialColumns+`)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		c.Hash, c.Kind, c.UserID, c.Label, at(c.CreatedAt), at(c.ExpiresAt)))
	if err == nil && n == 0 {
		err = store.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: create credential: %w", err)
	}
	return nil
}

// GetCredential returns an unexpired credential. Per console request; served by the primary key.
func (s *Store) GetCredential(ctx context.Context, hash string, kind store.CredentialKind, now time.Time) (store.Credential, error) {
	c, err := scanCredential(s.read.QueryRowContext(ctx, `SELECT `+credentialColumns+` FROM credentials
		WHERE hash = ? AND kind = ? AND expires_at > ?`, hash, kind, at(now)))
	if err != nil {
		return store.Credential{}, notFound("get credential", err)
	}
	return c, nil
}

// UseCredential deletes and returns an unexpired credential in one statement (DELETE …
// RETURNING), so only one of two racing uses gets it. Served by the primary key.
func (s *Store) UseCredential(ctx context.Context, hash string, kind store.CredentialKind, now time.Time) (store.Credential, error) {
	c, err := scanCredential(s.write.QueryRowContext(ctx, `DELETE FROM credentials
		WHERE hash = ? AND kind = ? AND expires_at > ? RETURNING `+credentialColumns, hash, kind, at(now)))
	if err != nil {
		return store.Credential{}, notFound("use credential", err)
	}
	return c, nil
}

// ExtendCredential moves a credential's expiry. Served by the primary key.
func (s *Store) ExtendCredential(ctx context.Context, hash string, expiresAt time.Time) error {
	n, err := affected(s.write.ExecContext(ctx, `UPDATE credentials SET expires_at = ? WHERE hash = ?`, at(expiresAt), hash))
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: extend credential: %w", err)
	}
	return nil
}

// ListCredentials returns a user's credentials of kind, oldest first. Served by credentials_user.
func (s *Store) ListCredentials(ctx context.Context, userID string, kind store.CredentialKind) ([]store.Credential, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+credentialColumns+` FROM credentials
		WHERE user_id = ? AND kind = ? ORDER BY created_at, hash`, userID, kind)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: list credentials: %w", err)
	}
	defer rows.Close()
	var out []store.Credential
	for rows.Next() {
		c, err := scanCredential(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlitestore: list credentials: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlitestore: list credentials: %w", err)
	}
	return out, nil
}

// DeleteCredential removes one of the user's credentials. Served by the primary key.
func (s *Store) DeleteCredential(ctx context.Context, hash, userID string) error {
	if _, err := s.write.ExecContext(ctx, `DELETE FROM credentials WHERE hash = ? AND user_id = ?`, hash, userID); err != nil {
		return fmt.Errorf("sqlitestore: delete credential: %w", err)
	}
	return nil
}

// DeleteCredentialsOf removes every credential of a user. Served by credentials_user.
func (s *Store) DeleteCredentialsOf(ctx context.Context, userID string) (int, error) {
	n, err := affected(s.write.ExecContext(ctx, `DELETE FROM credentials WHERE user_id = ?`, userID))
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: delete credentials: %w", err)
	}
	return n, nil
}

// DeleteCredentialsExpiredBefore removes expired credentials. Served by credentials_expires.
func (s *Store) DeleteCredentialsExpiredBefore(ctx context.Context, t time.Time) (int, error) {
	n, err := affected(s.write.ExecContext(ctx, `DELETE FROM credentials WHERE expires_at < ?`, at(t)))
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: delete expired credentials: %w", err)
	}
	return n, nil
}
