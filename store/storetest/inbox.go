package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ssonet/ssonet/store"
)

// inboxLease is how long an inbox claim holds in these tests.
const inboxLease = 15 * time.Second

// inboxEvent is a pending event of user, happened at t0+at, at position seq of its request.
func inboxEvent(id, user string, at time.Duration, seq int) store.InboxEvent {
	return store.InboxEvent{ID: id, UserID: user, Body: []byte(`{"text":"` + id + `"}`), EventAt: t0.Add(at), Seq: seq, ReceivedAt: t0}
}

func addInbox(t *testing.T, st store.Store, want int, evs ...store.InboxEvent) {
	t.Helper()
	added, err := st.AddInbox(context.Background(), evs)
	wantErr(t, "AddInbox", err, nil)
	if added.New != want || len(added.Claimed) != 0 {
		t.Errorf("AddInbox stored %d new, %v claimed; want %d new, none claimed", added.New, added.Claimed, want)
	}
}

// claimed is e offered to AddInbox with a claim by token at now.
func claimed(e store.InboxEvent, token string, now time.Time) store.InboxEvent {
	e.Token, e.LeaseUntil = token, now.Add(inboxLease)
	return e
}

// claim claims user's next event at now and checks it is want (with attempts).
func claim(t *testing.T, st store.Store, user, token string, now time.Time, want string, attempts int) store.InboxEvent {
	t.Helper()
	e, err := st.ClaimInbox(context.Background(), user, token, now, inboxLease)
	if err != nil {
		t.Fatalf("ClaimInbox(%s) at %v: %v, want %s", user, now.Sub(t0), err, want)
	}
	if e.ID != want || e.Attempts != attempts || e.Token != token || string(e.Body) != `{"text":"`+want+`"}` {
		t.Fatalf("ClaimInbox(%s) = %s attempts %d token %q body %s, want %s attempts %d token %q", user, e.ID, e.Attempts, e.Token, e.Body, want, attempts, token)
	}
	if e.UserID != user || e.State != store.InboxPending || !e.ReceivedAt.Equal(t0) || e.ReceivedAt.Location() != time.UTC || !e.LeaseUntil.Equal(now.Add(inboxLease).Truncate(time.Millisecond)) {
		t.Errorf("ClaimInbox(%s) = %+v", user, e)
	}
	return e
}

func noClaim(t *testing.T, st store.Store, user string, now time.Time) {
	t.Helper()
	e, err := st.ClaimInbox(context.Background(), user, "tok-none", now, inboxLease)
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ClaimInbox(%s) at %v = %s, %v; want ErrNotFound", user, now.Sub(t0), e.ID, err)
	}
}

func stats(t *testing.T, st store.Store, want store.InboxStats) {
	t.Helper()
	got, err := st.InboxStats(context.Background())
	wantErr(t, "InboxStats", err, nil)
	if got.Pending != want.Pending || got.Parked != want.Parked || !got.OldestReceived.Equal(want.OldestReceived) {
		t.Errorf("InboxStats = %+v, want %+v", got, want)
	}
}

func testInbox(t *testing.T, open Opener) {
	ctx := context.Background()

	t.Run("OrderPerUser", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		// One request with two events of A (same timestamp, seq orders them) and one of B; a
		// later request with an earlier event of A: it comes first (line-platform.md row 8).
		addInbox(t, st, 3, inboxEvent("a2", "U-a", time.Second, 0), inboxEvent("b1", "U-b", time.Second, 1), inboxEvent("a3", "U-a", time.Second, 2))
		addInbox(t, st, 1, inboxEvent("a1", "U-a", 0, 0))
		a1 := claim(t, st, "U-a", "tok-1", t0, "a1", 1)
		// A is busy: nothing else of A is claimable, B is.
		noClaim(t, st, "U-a", t0)
		claim(t, st, "U-b", "tok-b", t0, "b1", 1)
		wantErr(t, "CompleteInbox with another token", st.CompleteInbox(ctx, "a1", "tok-other", t0), store.ErrConflict)
		wantErr(t, "CompleteInbox", st.CompleteInbox(ctx, a1.ID, "tok-1", t0), nil)
		wantErr(t, "CompleteInbox twice", st.CompleteInbox(ctx, a1.ID, "tok-1", t0), store.ErrConflict)
		claim(t, st, "U-a", "tok-2", t0, "a2", 1)
		wantErr(t, "CompleteInbox", st.CompleteInbox(ctx, "a2", "tok-2", t0), nil)
		claim(t, st, "U-a", "tok-3", t0, "a3", 1)
		wantErr(t, "CompleteInbox", st.CompleteInbox(ctx, "a3", "tok-3", t0), nil)
		noClaim(t, st, "U-a", t0)
		noClaim(t, st, "U-unknown", t0)
	})

	t.Run("RedeliveryIsANoOp", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		addInbox(t, st, 1, inboxEvent("e1", "U-a", 0, 0))
		addInbox(t, st, 1, inboxEvent("e1", "U-a", 0, 0), inboxEvent("e2", "U-a", time.Second, 1))
		claim(t, st, "U-a", "tok", t0, "e1", 1)
		wantErr(t, "CompleteInbox", st.CompleteInbox(ctx, "e1", "tok", t0), nil)
		// A redelivery of a handled event stores nothing: it is not handled again.
		addInbox(t, st, 0, inboxEvent("e1", "U-a", 0, 0))
		claim(t, st, "U-a", "tok-2", t0, "e2", 1)
		wantErr(t, "CompleteInbox", st.CompleteInbox(ctx, "e2", "tok-2", t0), nil)
		addInbox(t, st, 0, inboxEvent("e2", "U-a", time.Second, 0))
		noClaim(t, st, "U-a", t0.Add(time.Hour))
		if added, err := st.AddInbox(ctx, nil); added.New != 0 || len(added.Claimed) != 0 || err != nil {
			t.Errorf("AddInbox(nil) = %+v, %v", added, err)
		}
	})

	t.Run("AddClaimed", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		// U-c has an event waiting out a back-off: nothing new of U-c may be claimed.
		addInbox(t, st, 1, inboxEvent("c1", "U-c", 0, 0))
		claim(t, st, "U-c", "tok-c", t0, "c1", 1)
		wantErr(t, "RetryInbox", st.RetryInbox(ctx, "c1", "tok-c", t0.Add(time.Minute)), nil)
		added, err := st.AddInbox(ctx, []store.InboxEvent{claimed(inboxEvent("a1", "U-a", 0, 0), "tok-a1", t0),
			claimed(inboxEvent("a2", "U-a", time.Second, 1), "tok-a2", t0), claimed(inboxEvent("b1", "U-b", 0, 2), "tok-b1", t0),
			claimed(inboxEvent("c2", "U-c", time.Second, 3), "tok-c2", t0)})
		wantErr(t, "AddInbox with claims", err, nil)
		if added.New != 4 {
			t.Fatalf("AddInbox with claims stored %d new, want 4", added.New)
		}
		if len(added.Claimed) == 0 { // a store that cannot check atomically claims none: all are claimable
			for _, c := range [][2]string{{"U-a", "a1"}, {"U-b", "b1"}} {
				e := claim(t, st, c[0], "tok-x", t0, c[1], 1)
				wantErr(t, "CompleteInbox", st.CompleteInbox(ctx, e.ID, "tok-x", t0), nil)
			}
			claim(t, st, "U-a", "tok-x", t0, "a2", 1)
			return
		}
		// The first event of each user with nothing pending is stored claimed by its token.
		if fmt.Sprint(added.Claimed) != "[a1 b1]" {
			t.Fatalf("AddInbox claimed %v, want [a1 b1]", added.Claimed)
		}
		noClaim(t, st, "U-a", t0.Add(inboxLease-time.Millisecond))
		noClaim(t, st, "U-b", t0)
		wantErr(t, "ExtendInbox of a stored claim", st.ExtendInbox(ctx, "a1", "tok-a1", t0, inboxLease), nil)
		// A redelivery, claimed or not, leaves the claim as it is.
		if again, err := st.AddInbox(ctx, []store.InboxEvent{claimed(inboxEvent("a1", "U-a", 0, 0), "tok-again", t0)}); err != nil || again.New != 0 || len(again.Claimed) != 0 {
			t.Errorf("redelivered AddInbox = %+v, %v; want nothing new", again, err)
		}
		wantErr(t, "CompleteInbox by the stored claim", st.CompleteInbox(ctx, "a1", "tok-a1", t0), nil)
		claim(t, st, "U-a", "tok-a", t0, "a2", 1)
		wantErr(t, "CompleteInbox by the stored claim", st.CompleteInbox(ctx, "b1", "tok-b1", t0), nil)
		// Handled: a redelivery is not claimed again.
		if again, err := st.AddInbox(ctx, []store.InboxEvent{claimed(inboxEvent("b1", "U-b", 0, 0), "tok-again", t0)}); err != nil || again.New != 0 || len(again.Claimed) != 0 {
			t.Errorf("AddInbox of a handled event = %+v, %v; want nothing new", again, err)
		}
		noClaim(t, st, "U-b", t0.Add(time.Hour))
		// A claim stored by AddInbox runs out like any other: taken over after the lease.
		added, err = st.AddInbox(ctx, []store.InboxEvent{claimed(inboxEvent("b2", "U-b", time.Minute, 0), "tok-b2", t0)})
		if err != nil || fmt.Sprint(added.Claimed) != "[b2]" {
			t.Fatalf("AddInbox(b2) = %+v, %v", added, err)
		}
		claim(t, st, "U-b", "tok-later", t0.Add(inboxLease), "b2", 2)
		wantErr(t, "CompleteInbox by the lost claim", st.CompleteInbox(ctx, "b2", "tok-b2", t0), store.ErrConflict)
	})

	t.Run("LeaseTakeover", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		addInbox(t, st, 1, inboxEvent("e1", "U-a", 0, 0))
		claim(t, st, "U-a", "tok-a", t0, "e1", 1)
		noClaim(t, st, "U-a", t0.Add(inboxLease-time.Millisecond))
		if users, _ := st.DueInboxUsers(ctx, t0.Add(inboxLease-time.Millisecond), 10); len(users) != 0 {
			t.Errorf("DueInboxUsers during a live claim = %v", users)
		}
		// A's worker crashed: after the lease B takes the claim over.
		claim(t, st, "U-a", "tok-b", t0.Add(inboxLease), "e1", 2)
		wantErr(t, "ExtendInbox by A", st.ExtendInbox(ctx, "e1", "tok-a", t0.Add(inboxLease), inboxLease), store.ErrConflict)
		wantErr(t, "CompleteInbox by A", st.CompleteInbox(ctx, "e1", "tok-a", t0), store.ErrConflict)
		wantErr(t, "RetryInbox by A", st.RetryInbox(ctx, "e1", "tok-a", t0), store.ErrConflict)
		wantErr(t, "ParkInbox by A", st.ParkInbox(ctx, "e1", "tok-a", t0), store.ErrConflict)
		// B's heartbeat keeps the claim past its first lease.
		wantErr(t, "ExtendInbox by B", st.ExtendInbox(ctx, "e1", "tok-b", t0.Add(2*inboxLease-time.Second), inboxLease), nil)
		noClaim(t, st, "U-a", t0.Add(2*inboxLease))
		wantErr(t, "CompleteInbox by B", st.CompleteInbox(ctx, "e1", "tok-b", t0.Add(2*inboxLease)), nil)
		wantErr(t, "ExtendInbox after completion", st.ExtendInbox(ctx, "e1", "tok-b", t0, inboxLease), store.ErrConflict)
	})

	t.Run("RetryBacksOff", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		addInbox(t, st, 2, inboxEvent("e1", "U-a", 0, 0), inboxEvent("e2", "U-a", time.Second, 1))
		claim(t, st, "U-a", "tok-1", t0, "e1", 1)
		wantErr(t, "RetryInbox", st.RetryInbox(ctx, "e1", "tok-1", t0.Add(time.Minute)), nil)
		// The user waits: e2 is not handled before e1.
		noClaim(t, st, "U-a", t0.Add(30*time.Second))
		users, err := st.DueInboxUsers(ctx, t0.Add(time.Minute), 10)
		wantErr(t, "DueInboxUsers", err, nil)
		if len(users) != 1 || users[0] != "U-a" {
			t.Errorf("DueInboxUsers after the back-off = %v, want [U-a]", users)
		}
		claim(t, st, "U-a", "tok-2", t0.Add(time.Minute), "e1", 2)
	})

	t.Run("ParkUnblocksTheUser", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		addInbox(t, st, 2, inboxEvent("e1", "U-a", 0, 0), inboxEvent("e2", "U-a", time.Second, 1))
		stats(t, st, store.InboxStats{Pending: 2, OldestReceived: t0})
		claim(t, st, "U-a", "tok-1", t0, "e1", 1)
		wantErr(t, "ParkInbox", st.ParkInbox(ctx, "e1", "tok-1", t0), nil)
		stats(t, st, store.InboxStats{Pending: 1, OldestReceived: t0, Parked: 1})
		claim(t, st, "U-a", "tok-2", t0, "e2", 1)
		wantErr(t, "CompleteInbox", st.CompleteInbox(ctx, "e2", "tok-2", t0), nil)
		stats(t, st, store.InboxStats{Parked: 1})
		// A parked event is kept: its redelivery is still a duplicate.
		addInbox(t, st, 0, inboxEvent("e1", "U-a", 0, 0))
		noClaim(t, st, "U-a", t0.Add(time.Hour))
	})

	t.Run("DueUsers", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		var evs []store.InboxEvent
		for i := range 6 {
			evs = append(evs, inboxEvent(fmt.Sprintf("e%d", i), fmt.Sprintf("U-%d", i%3), time.Duration(i)*time.Second, i))
		}
		addInbox(t, st, 6, evs...)
		users, err := st.DueInboxUsers(ctx, t0, 100)
		wantErr(t, "DueInboxUsers", err, nil)
		if len(users) != 3 {
			t.Errorf("DueInboxUsers = %v, want the 3 users once each", users)
		}
		if users, _ := st.DueInboxUsers(ctx, t0, 1); len(users) != 1 {
			t.Errorf("DueInboxUsers limit 1 = %v", users)
		}
	})

	t.Run("DeleteBefore", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		// Five done events, one parked, one pending, all received at t0.
		for i := range 5 {
			id := fmt.Sprintf("done-%d", i)
			addInbox(t, st, 1, inboxEvent(id, "U-done", time.Duration(i), 0))
			claim(t, st, "U-done", "tok", t0, id, 1)
			wantErr(t, "CompleteInbox", st.CompleteInbox(ctx, id, "tok", t0), nil)
		}
		addInbox(t, st, 2, inboxEvent("parked", "U-park", 0, 0), inboxEvent("pending", "U-pend", 0, 0))
		claim(t, st, "U-park", "tok", t0, "parked", 1)
		wantErr(t, "ParkInbox", st.ParkInbox(ctx, "parked", "tok", t0), nil)

		// Parked events are kept longer than done ones.
		n, err := st.DeleteInboxBefore(ctx, t0.Add(time.Millisecond), t0, 2)
		wantErr(t, "DeleteInboxBefore", err, nil)
		if n != 5 {
			t.Errorf("DeleteInboxBefore deleted %d, want the 5 done events", n)
		}
		stats(t, st, store.InboxStats{Pending: 1, OldestReceived: t0, Parked: 1})
		// A forgotten id can be stored again.
		addInbox(t, st, 1, inboxEvent("done-0", "U-done", 0, 0))
		n, err = st.DeleteInboxBefore(ctx, t0.Add(time.Millisecond), t0.Add(time.Millisecond), 2)
		wantErr(t, "DeleteInboxBefore", err, nil)
		if n != 1 {
			t.Errorf("DeleteInboxBefore deleted %d, want the parked event", n)
		}
		stats(t, st, store.InboxStats{Pending: 2, OldestReceived: t0})
		if _, err := st.DeleteInboxBefore(ctx, t0, t0, 0); err == nil {
			t.Error("DeleteInboxBefore with batch 0: no error")
		}
	})

	t.Run("ConcurrentClaim", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		addInbox(t, st, 2, inboxEvent("e1", "U-a", 0, 0), inboxEvent("e2", "U-a", time.Second, 1))
		errs := race(20, func(i int) error {
			_, err := st.ClaimInbox(ctx, "U-a", fmt.Sprintf("tok-%d", i), t0, inboxLease)
			return err
		})
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrNotFound):
				t.Errorf("claim %d: %v", i, err)
			}
		}
		if won != 1 {
			t.Errorf("%d claims won, want exactly 1: one user's events are never handled side by side", won)
		}
	})
}
