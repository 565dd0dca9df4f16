package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ssonet/ssonet/store"
)

// session returns an unsaved session in the middle of a flow, with every field set.
func session(userID string) store.Session {
	return store.Session{
		UserID:       userID,
		ID:           "0b7c6f1e-3c1a-4d55-9a5e-2f0f7f1c9a01",
		Flow:         "leader.register",
		Step:         3,
		Fields:       map[string]string{"name": "สมชาย ใจดี", "province": "TH-76"},
		History:      []int{0, 1, 2},
		Tries:        1,
		Editing:      true,
		SubmissionID: "5d3a7c2e-8f4b-4e1a-b6c9-0a1b2c3d4e5f",
		ExpiresAt:    t0.Add(30 * time.Minute),
		UpdatedAt:    t0,
	}
}

func testSessions(t *testing.T, open Opener) {
	ctx := context.Background()

	t.Run("NotFound", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		_, err := st.GetSession(ctx, "U-missing")
		wantErr(t, "GetSession", err, store.ErrNotFound)
		wantErr(t, "DeleteSession of none", st.DeleteSession(ctx, "U-missing", 1), nil)
	})

	t.Run("CreateAndUpdate", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		s := session("U-sess")
		for version := int64(1); version <= 3; version++ {
			saved, err := st.SaveSession(ctx, s)
			wantErr(t, "SaveSession", err, nil)
			if saved.Version != version {
				t.Errorf("SaveSession returned version %d, want %d", saved.Version, version)
			}
			want := s
			want.Version = version
			got, err := st.GetSession(ctx, s.UserID)
			wantErr(t, "GetSession", err, nil)
			diff(t, "stored session", want, got)

			s = got
			s.Step++
			s.History = append(s.History, s.Step-1)
			s.Fields["step"+fmt.Sprint(s.Step)] = "คำตอบ ๑๒๓"
			s.UpdatedAt = s.UpdatedAt.Add(time.Minute)
		}
	})

	t.Run("Idle", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		idle := store.Session{UserID: "U-idle", ExpiresAt: t0}
		_, err := st.SaveSession(ctx, idle)
		wantErr(t, "SaveSession", err, nil)
		got, err := st.GetSession(ctx, idle.UserID)
		wantErr(t, "GetSession", err, nil)
		idle.Version = 1
		diff(t, "idle session", idle, got)
	})

	t.Run("StaleVersion", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		s := session("U-stale")
		v1, err := st.SaveSession(ctx, s)
		wantErr(t, "SaveSession", err, nil)
		v2, err := st.SaveSession(ctx, v1)
		wantErr(t, "SaveSession", err, nil)

		for _, version := range []int64{0, 1, 5} {
			s := v2
			s.Version, s.Flow, s.Fields = version, "changed", map[string]string{"x": "y"}
			_, err := st.SaveSession(ctx, s)
			wantErr(t, fmt.Sprintf("SaveSession with version %d (stored %d)", version, v2.Version), err, store.ErrConflict)
		}
		_, err = st.SaveSession(ctx, store.Session{UserID: "U-never-saved", Version: 1})
		wantErr(t, "SaveSession of an unsaved session with version 1", err, store.ErrConflict)

		got, err := st.GetSession(ctx, s.UserID)
		wantErr(t, "GetSession", err, nil)
		diff(t, "session after conflicts", v2, got)
	})

	t.Run("Delete", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		saved, err := st.SaveSession(ctx, session("U-del"))
		wantErr(t, "SaveSession", err, nil)
		wantErr(t, "DeleteSession stale", st.DeleteSession(ctx, saved.UserID, saved.Version-1), store.ErrConflict)
		got, err := st.GetSession(ctx, saved.UserID)
		wantErr(t, "GetSession after stale delete", err, nil)
		diff(t, "session", saved, got)

		wantErr(t, "DeleteSession", st.DeleteSession(ctx, saved.UserID, saved.Version), nil)
		_, err = st.GetSession(ctx, saved.UserID)
		wantErr(t, "GetSession after delete", err, store.ErrNotFound)
	})

	t.Run("DeleteExpired", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		expiries := map[string]time.Time{
			"U-long-ago":   t0.Add(-time.Hour),
			"U-just-gone":  t0.Add(-time.Millisecond),
			"U-expires-t0": t0, // not before t0: kept
			"U-later":      t0.Add(time.Hour),
		}
		for user, exp := range expiries {
			s := session(user)
			s.ExpiresAt = exp
			_, err := st.SaveSession(ctx, s)
			wantErr(t, "SaveSession", err, nil)
		}
		n, err := st.DeleteSessionsExpiredBefore(ctx, t0)
		wantErr(t, "DeleteSessionsExpiredBefore", err, nil)
		if n != 2 {
			t.Errorf("DeleteSessionsExpiredBefore removed %d, want 2", n)
		}
		for user, exp := range expiries {
			_, err := st.GetSession(ctx, user)
			want := error(nil)
			if exp.Before(t0) {
				want = store.ErrNotFound
			}
			wantErr(t, "GetSession "+user, err, want)
		}
	})

	t.Run("ConcurrentSave", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		base, err := st.SaveSession(ctx, session("U-race"))
		wantErr(t, "SaveSession", err, nil)
		errs := race(20, func(i int) error {
			s := base
			s.Step = 100 + i
			_, err := st.SaveSession(ctx, s)
			return err
		})
		winner := exactlyOneWins(t, errs)
		got, err := st.GetSession(ctx, base.UserID)
		wantErr(t, "GetSession", err, nil)
		if got.Version != base.Version+1 || got.Step != 100+winner {
			t.Errorf("stored version %d step %d, want %d and %d", got.Version, got.Step, base.Version+1, 100+winner)
		}
	})
}
