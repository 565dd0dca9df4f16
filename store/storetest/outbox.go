package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/ssonet/ssonet/store"
)

// pushOf returns a pending push of kind to the users, created at t0.
func pushOf(kind store.PushKind, group string, to ...string) store.Push {
	return store.Push{RetryKey: uuid.NewString(), Kind: kind, To: to, Group: group,
		Messages: json.RawMessage(`[{"type":"text","text":"สวัสดี ` + fmt.Sprint(len(to)) + `"}]`), CreatedAt: t0}
}

func testOutbox(t *testing.T, open Opener) {
	t.Run("EnqueueClaimFinish", func(t *testing.T) {
		t.Parallel()
		st, ctx := open(t), context.Background()
		p := pushOf(store.PushWorkshop, "", "U1")
		p.NotAfter = t0.Add(time.Hour)
		wantErr(t, "enqueue", st.EnqueuePush(ctx, p), nil)
		wantErr(t, "enqueue again", st.EnqueuePush(ctx, p), store.ErrConflict)

		got, err := st.GetPush(ctx, p.RetryKey)
		wantErr(t, "get", err, nil)
		want := p
		want.Status, want.NextAt = store.PushPending, t0
		diff(t, "stored push", want, got)

		// Not due before CreatedAt.
		early, err := st.ClaimPushes(ctx, t0.Add(-time.Second), time.Minute, "early", 10)
		wantErr(t, "claim early", err, nil)
		if len(early) != 0 {
			t.Fatalf("claimed %d pushes before they were due", len(early))
		}
		claimed, err := st.ClaimPushes(ctx, t0, time.Minute, "tok1", 10)
		wantErr(t, "claim", err, nil)
		if len(claimed) != 1 {
			t.Fatalf("claimed %d pushes, want 1", len(claimed))
		}
		want.Token, want.Attempts, want.NextAt = "tok1", 1, t0.Add(time.Minute)
		diff(t, "claimed push", want, claimed[0])

		// A live claim is not claimed again; after the lease it is taken over with a new token.
		again, err := st.ClaimPushes(ctx, t0.Add(30*time.Second), time.Minute, "tok2", 10)
		wantErr(t, "claim during lease", err, nil)
		if len(again) != 0 {
			t.Fatalf("claimed a push under a live lease")
		}
		taken, err := st.ClaimPushes(ctx, t0.Add(time.Minute), time.Minute, "tok2", 10)
		wantErr(t, "take over", err, nil)
		if len(taken) != 1 || taken[0].Token != "tok2" || taken[0].Attempts != 2 {
			t.Fatalf("take over: got %+v", taken)
		}
		// The first claimer's writes are refused from now on.
		wantErr(t, "retry with lost claim", st.RetryPush(ctx, p.RetryKey, "tok1", t0, "x"), store.ErrConflict)
		wantErr(t, "finish with lost claim", st.FinishPush(ctx, p.RetryKey, "tok1", store.PushSent, "", t0), store.ErrConflict)
		wantErr(t, "finish unknown", st.FinishPush(ctx, uuid.NewString(), "tok2", store.PushSent, "", t0), store.ErrNotFound)

		// Retry: claimable again at next, with the error kept.
		next := t0.Add(90 * time.Second)
		wantErr(t, "retry", st.RetryPush(ctx, p.RetryKey, "tok2", next, "status 429"), nil)
		wantErr(t, "retry twice", st.RetryPush(ctx, p.RetryKey, "tok2", next, "status 429"), store.ErrConflict)
		none, _ := st.ClaimPushes(ctx, next.Add(-time.Millisecond), time.Minute, "tok3", 10)
		if len(none) != 0 {
			t.Fatalf("claimed before its back-off ended")
		}
		third, err := st.ClaimPushes(ctx, next, time.Minute, "tok3", 10)
		wantErr(t, "claim after back-off", err, nil)
		if len(third) != 1 || third[0].Error != "status 429" || string(third[0].Messages) != string(p.Messages) {
			t.Fatalf("after back-off: got %+v", third)
		}
		done := next.Add(time.Second)
		wantErr(t, "finish", st.FinishPush(ctx, p.RetryKey, "tok3", store.PushSent, "", done), nil)
		wantErr(t, "finish twice", st.FinishPush(ctx, p.RetryKey, "tok3", store.PushSent, "", done), store.ErrConflict)
		got, err = st.GetPush(ctx, p.RetryKey)
		wantErr(t, "get done", err, nil)
		want.Status, want.Token, want.Attempts, want.NextAt, want.DoneAt, want.Error, want.Messages =
			store.PushSent, "", 3, next.Add(time.Minute), done, "", nil
		diff(t, "done push (messages dropped)", want, got)
		more, _ := st.ClaimPushes(ctx, done.Add(time.Hour), time.Minute, "tok4", 10)
		if len(more) != 0 {
			t.Fatalf("a done push was claimed again")
		}
	})

	t.Run("ClaimOrderLimitAndRace", func(t *testing.T) {
		t.Parallel()
		st, ctx := open(t), context.Background()
		var keys []string
		for i := range 6 {
			p := pushOf(store.PushAnnouncement, "g", fmt.Sprintf("U%d", i))
			p.CreatedAt = t0.Add(time.Duration(5-i) * time.Second) // the last is due first
			wantErr(t, "enqueue", st.EnqueuePush(ctx, p), nil)
			keys = append(keys, p.RetryKey)
		}
		first, err := st.ClaimPushes(ctx, t0.Add(time.Minute), time.Minute, "a", 2)
		wantErr(t, "claim", err, nil)
		if len(first) != 2 || !(first[0].RetryKey == keys[5] && first[1].RetryKey == keys[4] ||
			first[0].RetryKey == keys[4] && first[1].RetryKey == keys[5]) {
			t.Fatalf("claim order: got %v", first)
		}
		// Four callers race for the remaining four pushes: each push is claimed once.
		claimedBy := map[string]int{}
		results := make([][]store.Push, 4)
		errs := race(4, func(i int) error {
			var err error
			results[i], err = st.ClaimPushes(ctx, t0.Add(time.Minute), time.Minute, fmt.Sprint("r", i), 4)
			return err
		})
		for i, err := range errs {
			wantErr(t, "racing claim", err, nil)
			for _, p := range results[i] {
				claimedBy[p.RetryKey]++
			}
		}
		if len(claimedBy) != 4 {
			t.Errorf("racing claims got %d distinct pushes, want 4", len(claimedBy))
		}
		for k, n := range claimedBy {
			if n != 1 {
				t.Errorf("push %s claimed %d times", k, n)
			}
		}
	})

	t.Run("GroupsCountsAndCleanUp", func(t *testing.T) {
		t.Parallel()
		st, ctx := open(t), context.Background()
		a := pushOf(store.PushAnnouncement, "announcement:1", "U1", "U2", "U3")
		b := pushOf(store.PushAnnouncement, "announcement:1", "U4", "U5")
		c := pushOf(store.PushAnnouncement, "announcement:1", "U6")
		bc := pushOf(store.PushAnnouncement, "announcement:2")
		bc.Broadcast = true
		lone := pushOf(store.PushReferralNotice, "", "U9")
		for _, p := range []store.Push{a, b, c, bc, lone} {
			wantErr(t, "enqueue", st.EnqueuePush(ctx, p), nil)
		}
		byKind, recipients, err := st.PendingPushes(ctx)
		wantErr(t, "pending", err, nil)
		kinds(t, "pending by kind", map[store.PushKind]int{store.PushAnnouncement: 4, store.PushReferralNotice: 1}, byKind)
		if recipients != 7 {
			t.Errorf("pending recipients = %d, want 7", recipients)
		}
		claimed, err := st.ClaimPushes(ctx, t0, time.Minute, "t", 10)
		wantErr(t, "claim", err, nil)
		if len(claimed) != 5 {
			t.Fatalf("claimed %d, want 5", len(claimed))
		}
		for _, p := range claimed {
			if p.Broadcast != (p.RetryKey == bc.RetryKey) {
				t.Errorf("push %s: Broadcast = %v", p.RetryKey, p.Broadcast)
			}
		}
		wantErr(t, "finish a", st.FinishPush(ctx, a.RetryKey, "t", store.PushSent, "", t0.Add(time.Second)), nil)
		wantErr(t, "finish b", st.FinishPush(ctx, b.RetryKey, "t", store.PushFailed, "status 400", t0.Add(2*time.Second)), nil)
		wantErr(t, "finish lone", st.FinishPush(ctx, lone.RetryKey, "t", store.PushSkipped, "corrupt", t0.Add(3*time.Second)), nil)
		pr, err := st.PushGroupProgress(ctx, "announcement:1")
		wantErr(t, "progress", err, nil)
		diff(t, "progress", store.PushProgress{Pending: 1, Sent: 1, Failed: 1, PendingTo: 1, SentTo: 3, FailedTo: 2}, pr)
		group, err := st.ListPushGroup(ctx, "announcement:1")
		wantErr(t, "list group", err, nil)
		if len(group) != 3 {
			t.Fatalf("group has %d pushes, want 3", len(group))
		}
		for _, p := range group {
			if p.Messages != nil {
				t.Errorf("ListPushGroup returned messages for %s", p.RetryKey)
			}
		}
		byKind, _, _ = st.PendingPushes(ctx)
		kinds(t, "pending after finishing", map[store.PushKind]int{store.PushAnnouncement: 2}, byKind)

		n, err := st.DeletePushesDoneBefore(ctx, t0.Add(3*time.Second), 1)
		wantErr(t, "delete done", err, nil)
		if n != 1 {
			t.Errorf("deleted %d with limit 1, want 1", n)
		}
		n, _ = st.DeletePushesDoneBefore(ctx, t0.Add(3*time.Second), 10)
		if n != 1 {
			t.Errorf("second delete removed %d, want 1 (the skipped push is done at the cut-off)", n)
		}
		if _, err := st.GetPush(ctx, lone.RetryKey); err != nil {
			t.Errorf("push done at the cut-off was deleted: %v", err)
		}
		if _, err := st.GetPush(ctx, c.RetryKey); err != nil {
			t.Errorf("pending push was deleted: %v", err)
		}
	})

	t.Run("QuotaState", func(t *testing.T) {
		t.Parallel()
		st, ctx := open(t), context.Background()
		q, err := st.GetQuotaState(ctx)
		wantErr(t, "get empty", err, nil)
		diff(t, "empty quota state", store.QuotaState{}, q)
		want := store.QuotaState{Exhausted: true, Since: t0, ResumeAt: t0.Add(17 * 24 * time.Hour), UpdatedAt: t0}
		wantErr(t, "set", st.SetQuotaState(ctx, want), nil)
		q, _ = st.GetQuotaState(ctx)
		diff(t, "quota state", want, q)
		want = store.QuotaState{ResumedBy: "line:U1", UpdatedAt: t0.Add(time.Hour)}
		wantErr(t, "replace", st.SetQuotaState(ctx, want), nil)
		q, _ = st.GetQuotaState(ctx)
		diff(t, "replaced quota state", want, q)
	})
}

// kinds fails t when the pending counts by kind differ.
func kinds(t *testing.T, what string, want, got map[store.PushKind]int) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}
