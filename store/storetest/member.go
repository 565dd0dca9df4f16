package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/ssonet/ssonet/store"
)

func testMembers(t *testing.T, open Opener) {
	ctx := context.Background()

	t.Run("NotFound", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		_, err := st.GetMember(ctx, "U-missing")
		wantErr(t, "GetMember", err, store.ErrNotFound)
		wantErr(t, "SetMemberBlocked", st.SetMemberBlocked(ctx, "U-missing", true, t0), store.ErrNotFound)
	})

	t.Run("Upsert", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		m := store.Member{
			UserID:      "U-member",
			DisplayName: "นิด",
			Language:    store.LangThai,
			FollowedAt:  t0.Add(456 * time.Microsecond), // kept to the millisecond
			UpdatedAt:   t0.Add(time.Minute),
		}
		wantErr(t, "UpsertMember", st.UpsertMember(ctx, m), nil)
		got, err := st.GetMember(ctx, m.UserID)
		wantErr(t, "GetMember", err, nil)
		want := m
		want.FollowedAt = t0
		diff(t, "created member", want, got)

		m.DisplayName, m.Language, m.Blocked, m.UpdatedAt = "Nid", store.LangEnglish, true, t0.Add(time.Hour)
		wantErr(t, "UpsertMember again", st.UpsertMember(ctx, m), nil)
		got, err = st.GetMember(ctx, m.UserID)
		wantErr(t, "GetMember", err, nil)
		want.DisplayName, want.Language, want.Blocked, want.UpdatedAt = m.DisplayName, m.Language, m.Blocked, m.UpdatedAt
		diff(t, "replaced member", want, got)
	})

	t.Run("Blocked", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		m := store.Member{UserID: "U-blocked", Language: store.LangThai, FollowedAt: t0, UpdatedAt: t0}
		wantErr(t, "UpsertMember", st.UpsertMember(ctx, m), nil)
		for i, blocked := range []bool{true, false} {
			at := t0.Add(time.Duration(i+1) * time.Hour)
			wantErr(t, "SetMemberBlocked", st.SetMemberBlocked(ctx, m.UserID, blocked, at), nil)
			got, err := st.GetMember(ctx, m.UserID)
			wantErr(t, "GetMember", err, nil)
			m.Blocked, m.UpdatedAt = blocked, at
			diff(t, "member", m, got)
		}
	})
}
