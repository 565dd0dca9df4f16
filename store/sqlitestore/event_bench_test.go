package sqlitestore

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/store/storetest"
)

// eventBody is an inbox body as the webhook stores a text message (bot.Event as JSON).
var eventBody = []byte(`{"ID":"01JBENCH000000000000000000","Kind":"message","UserID":"U0123456789abcdef0123456789abcdef",` +
	`"ReplyToken":"0123456789abcdef0123456789abcdef","Text":"เมนู","Postback":"","Params":null,"Unblocked":false,` +
	`"Redelivery":false,"Time":"2026-01-01T00:00:00.000Z","ReceivedAt":"2026-01-01T00:00:00.012Z"}`)

// BenchmarkEventWrites times the store's writes of one text message as the webhook, the engine
// and the inbox's workers make them (the root BenchmarkWebhook's "full" path without the rest):
// the event stored claimed and handed over (AddInbox), the member's recent lines (AddRecent:
// what they typed and the answer) and the done mark (CompleteInbox), from 48 workers
// (inbox.DefaultWorkers) for 1,000 members who have talked before, so the batcher groups them
// into shared commits as it does under load. It reports the process's CPU time per event;
// compare it between builds run one after the other:
//
//	go test -run '^$' -bench 'EventWrites' -benchtime 20000x ./store/sqlitestore
func BenchmarkEventWrites(b *testing.B) {
	const members, workers = 1000, 48
	s, err := Open(b.TempDir(), storetest.NewSealer(b))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(context.Background())
	ctx := context.Background()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var seq atomic.Int64
	event := func(m int, at time.Time) error {
		id := fmt.Sprintf("01BENCH%019d", seq.Add(1))
		user := fmt.Sprintf("U%032x", m)
		token := uuid.NewString()
		added, err := s.AddInbox(ctx, []store.InboxEvent{{ID: id, UserID: user, Body: eventBody, EventAt: at, ReceivedAt: at,
			Token: token, LeaseUntil: at.Add(15 * time.Second)}})
		if err != nil || len(added.Claimed) != 1 {
			return fmt.Errorf("add: %+v, %v", added, err)
		}
		if err := s.AddRecent(ctx, user, benchMessage(at), benchKeep, at.Add(-store.RecentRetention)); err != nil {
			return err
		}
		return s.CompleteInbox(ctx, id, token, at)
	}
	run := func(n int, at time.Time) {
		var wg sync.WaitGroup
		var next atomic.Int64
		for range workers {
			wg.Go(func() {
				for i := int(next.Add(1)); i <= n; i = int(next.Add(1)) {
					if err := event(i%members, at.Add(time.Duration(i)*time.Millisecond)); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
	run(benchKeep*members/2, start) // every member has benchKeep lines already
	cpu := processCPU(b)
	b.ResetTimer()
	run(b.N, start.Add(time.Hour))
	b.StopTimer()
	b.ReportMetric(float64(processCPU(b)-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/event")
}

// processCPU is the CPU time (user and system) the test process has used so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
