package sqlitestore

import (
	"context"
	"fmt"
	"time"

	"github.com/ssonet/ssonet/store"
)

// AcquireLease gives lease name to holder until now+ttl when it is free, expired or already
// holder's; store.ErrConflict while another holder's lease runs. One statement: the upsert's
// WHERE keeps a live lease of someone else.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) error {
	n, err := affected(s.write.ExecContext(ctx, `
		INSERT INTO leases (name, holder, until) VALUES (?1, ?2, ?3)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
		WHERE leases.holder = excluded.holder OR leases.until <= ?4`,
		name, holder, at(now.Add(ttl)), at(now)))
	if err == nil && n == 0 {
		err = store.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: acquire lease %s: %w", name, err)
	}
	return nil
}

// ReleaseLease deletes holder's lease on name, if holder holds it.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	if _, err := s.write.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder); err != nil {
		return fmt.Errorf("sqlitestore: release lease %s: %w", name, err)
	}
	return nil
}
