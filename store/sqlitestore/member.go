package sqlitestore

import (
	"context"
	"fmt"
	"time"

	"github.com/ssonet/ssonet/store"
)

// memberColumns are a member's columns but its key, in the order of memberDests.
const memberColumns = `display_name, language, blocked, followed_at, updated_at`

// memberDests are where a row's memberColumns go (orZero: GetMemberRecords reads them through a
// LEFT JOIN).
func memberDests(m *store.Member) []any {
	return []any{orZero(&m.DisplayName), orZero(&m.Language), orZero(&m.Blocked), millis{&m.FollowedAt}, millis{&m.UpdatedAt}}
}

// GetMember returns the member with that LINE user ID, or store.ErrNotFound.
// Served by the primary key members(user_id).
func (s *Store) GetMember(ctx context.Context, userID string) (store.Member, error) {
	m := store.Member{UserID: userID}
	err := s.read.QueryRowContext(ctx, `SELECT `+memberColumns+` FROM members WHERE user_id = ?`, userID).Scan(memberDests(&m)...)
	if err != nil {
		return store.Member{}, notFound("get member", err)
	}
	return m, nil
}

// UpsertMember creates or replaces the member keyed by m.UserID.
// Per follow event; served by the primary key members(user_id).
func (s *Store) UpsertMember(ctx context.Context, m store.Member) error {
	_, err := s.write.ExecContext(ctx, `
		INSERT INTO members (user_id, display_name, language, blocked, followed_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET
			display_name = excluded.display_name, language = excluded.language,
			blocked = excluded.blocked, followed_at = excluded.followed_at,
			updated_at = excluded.updated_at`,
		m.UserID, m.DisplayName, m.Language, m.Blocked, at(m.FollowedAt), at(m.UpdatedAt))
	if err != nil {
		return fmt.Errorf("sqlitestore: upsert member: %w", err)
	}
	return nil
}

// SetMemberBlocked sets Blocked and UpdatedAt; store.ErrNotFound if the member does not exist.
// Per follow/unfollow event; served by the primary key members(user_id).
func (s *Store) SetMemberBlocked(ctx context.Context, userID string, blocked bool, now time.Time) error {
	n, err := affected(s.write.ExecContext(ctx,
		`UPDATE members SET blocked = ?, updated_at = ? WHERE user_id = ?`, blocked, at(now), userID))
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: set member blocked: %w", err)
	}
	return nil
}
