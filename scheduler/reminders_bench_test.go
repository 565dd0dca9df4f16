package scheduler

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssonet/ssonet/bot"
	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
	"github.com/ssonet/ssonet/outbox"
	"github.com/ssonet/ssonet/store"
)

// countingOutbox counts the pushes the tick queues in the real outbox (the store write is part
// of the tick; sending is the outbox's work, not measured here).
type countingOutbox struct {
	*outbox.Outbox
	n atomic.Int64
}

func (c *countingOutbox) Enqueue(ctx context.Context, p store.Push) error {
	c.n.Add(1)
	return c.Outbox.Enqueue(ctx, p)
}

// seeded is a store with total workshops of perWorkshop registrations each, none due.
type seeded struct {
	st  store.Store
	ids []string
}

func seed(b *testing.B, total, perWorkshop int, now time.Time) seeded {
	b.Helper()
	st := openStore(b)
	ctx := context.Background()
	s := seeded{st: st}
	for i := range total {
		id := fmt.Sprintf("w%05d", i)
		start := now.Add(time.Duration(30+i%300) * 24 * time.Hour) // spread over most of a year
		if _, err := st.CreateWorkshop(ctx, store.Workshop{ID: id, Title: "อบรม " + id, ProvinceCode: "TH-76",
			Venue: store.Venue{Name: "ห้องประชุม"}, StartsAt: start, EndsAt: start.Add(6 * time.Hour), Capacity: perWorkshop,
			RegistrationDeadline: start, Status: store.WorkshopOpen, CreatedBy: "bench", CreatedAt: now, UpdatedAt: now,
			ReminderDueAt: start.Add(-48 * time.Hour)}); err != nil {
			b.Fatal(err)
		}
		for j := range perWorkshop {
			if _, err := st.JoinWorkshop(ctx, id, userID(j+1), now); err != nil {
				b.Fatal(err)
			}
		}
		s.ids = append(s.ids, id)
	}
	return s
}

// BenchmarkWorkshopTick measures one run of the workshop job over 10,000 workshops with
// 100,000 registrations, of which due workshops have a change notice to push to their 10
// registrants, against 1,000 workshops (10,000 registrations) with the same number due. If the
// tick follows the due work through the reminderDueAt index, ns/op grows with "due" and stays
// flat with "total".
func BenchmarkWorkshopTick(b *testing.B) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, bangkok)
	lapi := linetest.NewServer("tok")
	b.Cleanup(lapi.Close)
	client, err := line.New(line.Config{BaseURL: lapi.URL(), AccessToken: "tok"})
	if err != nil {
		b.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	stores := map[int]seeded{}
	for _, total := range []int{1000, 10000} {
		stores[total] = seed(b, total, 10, now)
	}
	for _, c := range []struct{ total, due int }{{1000, 10}, {10000, 10}, {10000, 100}, {1000, 100}} {
		b.Run(fmt.Sprintf("total=%d/due=%d", c.total, c.due), func(b *testing.B) {
			sd := stores[c.total]
			ctx := context.Background()
			out := &countingOutbox{Outbox: newOutbox(b, sd.st, client, func() time.Time { return now }, 0, nil)}
			eng, err := bot.New(bot.Config{Store: sd.st, Messenger: client, Outbox: out, Now: func() time.Time { return now }, Location: bangkok, Logger: quiet})
			if err != nil {
				b.Fatal(err)
			}
			s, err := New(Config{Store: sd.st, Location: bangkok, Now: func() time.Time { return now }, Logger: quiet,
				Workshops: sd.st, Notices: eng, Outbox: out})
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				b.StopTimer()
				for _, id := range sd.ids[:c.due] { // a change to tell every registrant about
					w, err := sd.st.GetWorkshop(ctx, id)
					if err != nil {
						b.Fatal(err)
					}
					w.Revision, w.ReminderDueAt = w.Revision+1, now
					if _, err := sd.st.UpdateWorkshop(ctx, w); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				if err := s.Workshops(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(out.n.Load())/float64(b.N), "pushes/op")
		})
	}
}
