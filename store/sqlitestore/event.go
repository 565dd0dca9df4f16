package sqlitestore

import (
	"context"
	"fmt"
	"time"

	"github.com/ssonet/ssonet/store"
)

// ClaimEvent claims webhook event id at now: a new event is inserted; a known one is taken over
// only if it is not completed and its claim is at least lease old. Otherwise store.ErrConflict.
// Per webhook event; served by the primary key events(id).
func (s *Store) ClaimEvent(ctx context.Context, id string, now time.Time, lease time.Duration) error {
	n, err := affected(s.write.ExecContext(ctx, `
		INSERT INTO events (id, claimed_at) VALUES (?, ?)
		ON CONFLICT (id) DO UPDATE SET claimed_at = excluded.claimed_at
		WHERE events.completed_at IS NULL AND events.claimed_at <= ?`,
		id, at(now), at(now.Add(-lease))))
	if err == nil && n == 0 {
		err = store.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: claim event: %w", err)
	}
	return nil
}

// CompleteEvent marks a claimed event as handled for good; store.ErrNotFound if there is no
// record of it.
// Per webhook event; served by the primary key events(id).
func (s *Store) CompleteEvent(ctx context.Context, id string, now time.Time) error {
	n, err := affected(s.write.ExecContext(ctx,
		`UPDATE events SET completed_at = ? WHERE id = ?`, at(now), id))
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: complete event: %w", err)
	}
	return nil
}

// ReleaseEvent drops an unfinished claim; a completed event stays.
// Per failed webhook event; served by the primary key events(id).
func (s *Store) ReleaseEvent(ctx context.Context, id string, claimedAt time.Time) error {
	if _, err := s.write.ExecContext(ctx,
		`DELETE FROM events WHERE id = ? AND claimed_at = ? AND completed_at IS NULL`, id, at(claimedAt)); err != nil {
		return fmt.Errorf("sqlitestore: release event: %w", err)
	}
	return nil
}

// DeleteEventsBefore forgets events claimed before t.
// Per clean-up tick; served by the index events_claimed_at.
func (s *Store) DeleteEventsBefore(ctx context.Context, t time.Time) (int, error) {
	n, err := affected(s.write.ExecContext(ctx, `DELETE FROM events WHERE claimed_at < ?`, at(t)))
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: delete events: %w", err)
	}
	return n, nil
}
