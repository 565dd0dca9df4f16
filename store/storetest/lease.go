package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ssonet/ssonet/store"
)

// testLeases: one holder at a time, renewal, takeover after expiry, release by the holder only,
// and one winner among concurrent acquirers.
func testLeases(t *testing.T, open Opener) {
	t.Parallel()
	st := open(t)
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	const ttl = 5 * time.Minute
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	conflict := func(err error) {
		t.Helper()
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("got %v, want store.ErrConflict", err)
		}
	}
	must(st.AcquireLease(ctx, "sync", "a", t0, ttl))
	conflict(st.AcquireLease(ctx, "sync", "b", t0.Add(ttl-time.Second), ttl))
	must(st.AcquireLease(ctx, "other", "b", t0, ttl))                 // leases are by name
	must(st.AcquireLease(ctx, "sync", "a", t0.Add(time.Minute), ttl)) // renewal: until t0+6m
	conflict(st.AcquireLease(ctx, "sync", "b", t0.Add(ttl+time.Second), ttl))
	must(st.AcquireLease(ctx, "sync", "b", t0.Add(time.Minute+ttl), ttl)) // a's time ran out
	must(st.ReleaseLease(ctx, "sync", "a"))                               // not a's any more: no effect
	conflict(st.AcquireLease(ctx, "sync", "a", t0.Add(time.Minute+ttl), ttl))
	must(st.ReleaseLease(ctx, "sync", "b"))
	must(st.ReleaseLease(ctx, "sync", "b")) // nobody's: no error
	must(st.AcquireLease(ctx, "sync", "a", t0.Add(time.Minute+ttl), ttl))

	// Concurrent acquirers of a free lease: exactly one wins.
	t1 := t0.Add(time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := st.AcquireLease(ctx, "race", string(rune('a'+i)), t1, ttl)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("acquirer %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d acquirers won the free lease, want 1", won)
	}
}
