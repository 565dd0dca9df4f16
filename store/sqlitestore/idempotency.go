package sqlitestore

import (
	"context"
	"fmt"
	"time"

	"github.com/ssonet/ssonet/store"
)

// BeginIdempotent inserts a running answer unless the key exists, then reads the stored one.
// Served by the primary key.
func (s *Store) BeginIdempotent(ctx context.Context, a store.IdempotentAnswer) (store.IdempotentAnswer, bool, error) {
	n, err := affected(s.write.ExecContext(ctx, `INSERT INTO idempotency (key, body_sum, status, content_type, body_sealed, created_at)
		VALUES (?, ?, 0, '', ?, ?) ON CONFLICT DO NOTHING`, a.Key, a.BodySum, s.sealer.Seal(""), at(a.CreatedAt)))
	if err != nil {
		return store.IdempotentAnswer{}, false, fmt.Errorf("sqlitestore: begin idempotent: %w", err)
	}
	got := store.IdempotentAnswer{Key: a.Key}
	var sealed string
	err = s.write.QueryRowContext(ctx, `SELECT body_sum, status, content_type, body_sealed, created_at FROM idempotency WHERE key = ?`, a.Key).
		Scan(&got.BodySum, &got.Status, &got.ContentType, &sealed, millis{&got.CreatedAt})
	var body string
	if err == nil {
		body, err = s.sealer.Open(sealed)
	}
	if err != nil {
		return store.IdempotentAnswer{}, false, notFound("begin idempotent", err)
	}
	got.Body = []byte(body)
	return got, n == 1, nil
}

// FinishIdempotent records an answer. Served by the primary key.
func (s *Store) FinishIdempotent(ctx context.Context, key string, status int, contentType string, body []byte) error {
	n, err := affected(s.write.ExecContext(ctx, `UPDATE idempotency SET status = ?, content_type = ?, body_sealed = ? WHERE key = ?`,
		status, contentType, s.sealer.Seal(string(body)), key))
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: finish idempotent: %w", err)
	}
	return nil
}

// ForgetIdempotent removes a key. Served by the primary key.
func (s *Store) ForgetIdempotent(ctx context.Context, key string) error {
	if _, err := s.write.ExecContext(ctx, `DELETE FROM idempotency WHERE key = ?`, key); err != nil {
		return fmt.Errorf("sqlitestore: forget idempotent: %w", err)
	}
	return nil
}

// DeleteIdempotentBefore removes old answers. Served by idempotency_created.
func (s *Store) DeleteIdempotentBefore(ctx context.Context, t time.Time) (int, error) {
	n, err := affected(s.write.ExecContext(ctx, `DELETE FROM idempotency WHERE created_at < ?`, at(t)))
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: delete idempotent: %w", err)
	}
	return n, nil
}
