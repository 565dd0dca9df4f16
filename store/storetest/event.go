package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/ssonet/ssonet/store"
)

// lease is how long a claim holds off other workers in these tests.
const lease = time.Minute

func testEvents(t *testing.T, open Opener) {
	ctx := context.Background()

	t.Run("ClaimTwice", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		wantErr(t, "ClaimEvent", st.ClaimEvent(ctx, "ev-1", t0, lease), nil)
		wantErr(t, "ClaimEvent again", st.ClaimEvent(ctx, "ev-1", t0.Add(time.Second), lease), store.ErrConflict)
		wantErr(t, "ClaimEvent other", st.ClaimEvent(ctx, "ev-2", t0.Add(time.Second), lease), nil)
	})

	t.Run("LeaseExpires", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		wantErr(t, "ClaimEvent", st.ClaimEvent(ctx, "ev", t0, lease), nil)
		wantErr(t, "ClaimEvent before the lease ends", st.ClaimEvent(ctx, "ev", t0.Add(lease-time.Millisecond), lease), store.ErrConflict)
		wantErr(t, "ClaimEvent when the lease ends", st.ClaimEvent(ctx, "ev", t0.Add(lease), lease), nil)
		// The new claim starts a new lease.
		wantErr(t, "ClaimEvent within the new lease", st.ClaimEvent(ctx, "ev", t0.Add(lease+time.Second), lease), store.ErrConflict)
	})

	t.Run("Completed", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		wantErr(t, "ClaimEvent", st.ClaimEvent(ctx, "ev", t0, lease), nil)
		wantErr(t, "CompleteEvent", st.CompleteEvent(ctx, "ev", t0.Add(time.Second)), nil)
		wantErr(t, "ClaimEvent after completion", st.ClaimEvent(ctx, "ev", t0.Add(10*lease), lease), store.ErrConflict)
		wantErr(t, "ReleaseEvent after completion", st.ReleaseEvent(ctx, "ev", t0), nil)
		wantErr(t, "ClaimEvent after completion and release", st.ClaimEvent(ctx, "ev", t0.Add(20*lease), lease), store.ErrConflict)
	})

	t.Run("Release", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		wantErr(t, "ClaimEvent", st.ClaimEvent(ctx, "ev", t0, lease), nil)
		wantErr(t, "ReleaseEvent", st.ReleaseEvent(ctx, "ev", t0), nil)
		wantErr(t, "ClaimEvent after release", st.ClaimEvent(ctx, "ev", t0.Add(time.Second), lease), nil)
		wantErr(t, "ReleaseEvent of unknown", st.ReleaseEvent(ctx, "ev-unknown", t0), nil)
		wantErr(t, "CompleteEvent of unknown", st.CompleteEvent(ctx, "ev-unknown", t0), store.ErrNotFound)
	})

	t.Run("ReleaseKeepsATakenOverClaim", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		wantErr(t, "ClaimEvent by A", st.ClaimEvent(ctx, "ev", t0, lease), nil)
		wantErr(t, "ClaimEvent by B after A's lease", st.ClaimEvent(ctx, "ev", t0.Add(lease), lease), nil)
		wantErr(t, "late ReleaseEvent by A", st.ReleaseEvent(ctx, "ev", t0), nil)
		wantErr(t, "ClaimEvent while B holds it", st.ClaimEvent(ctx, "ev", t0.Add(lease+time.Second), lease), store.ErrConflict)
		wantErr(t, "ReleaseEvent by B", st.ReleaseEvent(ctx, "ev", t0.Add(lease)), nil)
		wantErr(t, "ClaimEvent after B released", st.ClaimEvent(ctx, "ev", t0.Add(lease+2*time.Second), lease), nil)
	})

	t.Run("DeleteBefore", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		wantErr(t, "ClaimEvent", st.ClaimEvent(ctx, "ev-old", t0.Add(-2*time.Hour), lease), nil)
		wantErr(t, "ClaimEvent", st.ClaimEvent(ctx, "ev-old-done", t0.Add(-time.Hour), lease), nil)
		wantErr(t, "CompleteEvent", st.CompleteEvent(ctx, "ev-old-done", t0.Add(-time.Hour)), nil)
		wantErr(t, "ClaimEvent", st.ClaimEvent(ctx, "ev-new", t0, lease), nil)
		n, err := st.DeleteEventsBefore(ctx, t0.Add(-time.Minute))
		wantErr(t, "DeleteEventsBefore", err, nil)
		if n != 2 {
			t.Errorf("DeleteEventsBefore removed %d, want 2", n)
		}
		// Forgotten events can be claimed again; the kept one is still claimed.
		wantErr(t, "ClaimEvent forgotten", st.ClaimEvent(ctx, "ev-old-done", t0, lease), nil)
		wantErr(t, "ClaimEvent kept", st.ClaimEvent(ctx, "ev-new", t0, lease), store.ErrConflict)
	})

	t.Run("ConcurrentClaim", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		// A new event, and one whose claim has run out: either way one claimer wins.
		wantErr(t, "ClaimEvent", st.ClaimEvent(ctx, "ev-lapsed", t0.Add(-2*lease), lease), nil)
		for _, id := range []string{"ev-new", "ev-lapsed"} {
			exactlyOneWins(t, race(20, func(int) error { return st.ClaimEvent(ctx, id, t0, lease) }))
		}
	})
}
