package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ssonet/ssonet/store"
)

func testKnowledgeFeedback(t *testing.T, open Opener) {
	ctx := context.Background()

	t.Run("Empty", func(t *testing.T) {
		t.Parallel()
		got, err := open(t).ListKnowledgeFeedback(ctx)
		wantErr(t, "ListKnowledgeFeedback", err, nil)
		if len(got) != 0 {
			t.Errorf("ListKnowledgeFeedback on an empty store = %v", got)
		}
	})

	t.Run("TalliesByTopic", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for _, tap := range []struct {
			topic   string
			helpful bool
			at      time.Duration
		}{
			{"inpatient", true, time.Minute}, {"inpatient", false, 3 * time.Minute}, {"inpatient", true, 2 * time.Minute},
			{"apply", false, 0},
		} {
			wantErr(t, "AddKnowledgeFeedback", s.AddKnowledgeFeedback(ctx, tap.topic, tap.helpful, t0.Add(tap.at)), nil)
		}
		got, err := s.ListKnowledgeFeedback(ctx)
		wantErr(t, "ListKnowledgeFeedback", err, nil)
		want := []store.KnowledgeFeedback{
			{Topic: "apply", NotHelpful: 1, UpdatedAt: t0.UTC()},
			// The last tap's time, not the latest added: taps may arrive out of order.
			{Topic: "inpatient", Helpful: 2, NotHelpful: 1, UpdatedAt: t0.Add(3 * time.Minute).UTC()},
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("ListKnowledgeFeedback (-want +got):\n%s", d)
		}
	})

	t.Run("ConcurrentTapsAllCount", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		const n = 20
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				if err := s.AddKnowledgeFeedback(ctx, "death", i%2 == 0, t0); err != nil {
					t.Errorf("AddKnowledgeFeedback: %v", err)
				}
			})
		}
		wg.Wait()
		got, err := s.ListKnowledgeFeedback(ctx)
		wantErr(t, "ListKnowledgeFeedback", err, nil)
		if len(got) != 1 || got[0].Helpful != n/2 || got[0].NotHelpful != n/2 {
			t.Errorf("after %d concurrent taps = %+v, want %d and %d", n, got, n/2, n/2)
		}
	})
}
