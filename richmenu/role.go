package richmenu

import (
	"context"
	"errors"
	"fmt"

	"github.com/ssonet/ssonet/bot"
	"github.com/ssonet/ssonet/store"
)

// keyOf picks the menu of a member's standing. This is the one place that maps standing to a
// menu:
//   - an officer (invited, or in ADMIN_LINE_USER_IDS) gets the officer menu, with a tab to the
//     leader's menu when they are also a pending or approved leader;
//   - an approved leader the leader menu, a pending one the pending menu;
//   - everyone else, a rejected leader included (the menu offers applying again), the
//     newcomer menu, which is the default, so they have no menu of their own.
//
// The roles are the engine's (bot.RoleOf), so the rich menu, the menu message and help agree.
func (m *Menus) keyOf(ctx context.Context, userID string) (string, error) {
	var leader *store.Leader
	l, err := m.st.GetLeader(ctx, userID)
	switch {
	case err == nil:
		leader = &l
	case !errors.Is(err, store.ErrNotFound):
		return "", fmt.Errorf("richmenu: get leader: %w", err)
	}
	officer := m.admins[userID]
	if !officer {
		_, err := m.st.GetOfficer(ctx, userID)
		switch {
		case err == nil:
			officer = true
		case !errors.Is(err, store.ErrNotFound):
			return "", fmt.Errorf("richmenu: get officer: %w", err)
		}
	}
	asLeader := bot.RoleOf(leader, false)
	switch bot.RoleOf(leader, officer) {
	case bot.RoleOfficer:
		switch asLeader {
		case bot.RoleLeader:
			return KeyOfficerLeader, nil
		case bot.RolePending:
			return KeyOfficerPending, nil
		}
		return KeyOfficer, nil
	case bot.RoleLeader:
		return KeyLeader, nil
	case bot.RolePending:
		return KeyPending, nil
	}
	return KeyNewcomer, nil // a newcomer, or rejected: the newcomer menu offers applying again
}
