package sqlitestore

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/store/storetest"
)

// benchKeep is how many recent lines the bot keeps of a member (bot/handoff.go).
const benchKeep = 10

// benchMessage is one message's recent lines as the bot adds them: what the member typed and
// the bot's first answer, cut to 300 characters like the bot cuts it.
func benchMessage(at time.Time) []store.CaseEntry {
	return []store.CaseEntry{
		{At: at, From: "member", Text: "ม40 จ่ายเดือนละเท่าไร", Event: fmt.Sprintf("ev-%d", at.UnixNano())},
		{At: at, From: "bot", Text: strings.Repeat("ผู้ประกันตนมาตรา 40 ", 15)},
	}
}

// BenchmarkAddRecent times the bot's per-message write of recent lines (bot/handoff.go
// remember) for members who have benchKeep lines already, so each add also drops the oldest:
// "one-member" one add at a time (each its own commit), "64-members" 64 members at once, as
// the webhook benchmark sends them, so the batcher groups the adds into shared commits. Run
// it the same way before and after a change of the recent lines' storage:
//
//	go test -run '^$' -bench 'BenchmarkAddRecent' ./store/sqlitestore
func BenchmarkAddRecent(b *testing.B) {
	for _, members := range []int{1, 64} {
		name := "one-member"
		if members > 1 {
			name = fmt.Sprintf("%d-members", members)
		}
		b.Run(name, func(b *testing.B) {
			s, err := Open(b.TempDir(), storetest.NewSealer(b))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close(context.Background())
			ctx := context.Background()
			start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for m := range members {
				for i := range benchKeep / 2 {
					at := start.Add(time.Duration(i) * time.Second)
					if err := s.AddRecent(ctx, fmt.Sprintf("U-%02d", m), benchMessage(at), benchKeep, at.Add(-store.RecentRetention)); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ResetTimer()
			var wg sync.WaitGroup
			for m := range members {
				n := b.N / members // member m's share of the b.N adds
				if m < b.N%members {
					n++
				}
				wg.Go(func() {
					at := start.Add(time.Hour)
					for range n {
						at = at.Add(time.Millisecond)
						if err := s.AddRecent(ctx, fmt.Sprintf("U-%02d", m), benchMessage(at), benchKeep, at.Add(-store.RecentRetention)); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
		})
	}
}
