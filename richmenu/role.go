package richmenu

import (
	"context"
	"errors"
	"fmt"

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
// It reads the same records as the engine's notion of a member's role; when that notion is
// exported from package bot, this mapping becomes a switch over it.
func (m *Menus) keyOf(ctx context.Context, userID string) (string, error) {
	var status store.LeaderStatus
	l, err := m.st.GetLeader(ctx, userID)
	switch {
	case err == nil:
		status = l.Status
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
	switch {
	case officer && status == store.LeaderApproved:
		return KeyOfficerLeader, nil
	case officer && status == store.LeaderPending:
		return KeyOfficerPending, nil
	case officer:
		return KeyOfficer, nil
	case status == store.LeaderApproved:
		return KeyLeader, nil
	case status == store.LeaderPending:
		return KeyPending, nil
	}
	return KeyNewcomer, nil
}
