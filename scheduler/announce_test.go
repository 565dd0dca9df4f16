package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/bot"
	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
	"github.com/ssonet/ssonet/store"
)

const token = "scheduler-token"

// fanout is a store, a stand-in LINE API, a real LINE client and a real bot engine: the pieces
// delivery runs on in production.
type fanout struct {
	t       testing.TB
	st      store.Store
	lapi    *linetest.Server
	client  *line.Client
	eng     *bot.Engine
	mu      sync.Mutex
	now     time.Time
	sleeps  []time.Duration
	officer string
}

func newFanout(t testing.TB, limits map[string]line.RateLimit) *fanout {
	t.Helper()
	f := &fanout{t: t, st: openStore(t), lapi: linetest.NewServer(token),
		now: time.Date(2026, 12, 1, 1, 59, 0, 0, time.UTC), officer: userID(999_999)}
	t.Cleanup(f.lapi.Close)
	var err error
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.client, err = line.New(line.Config{BaseURL: f.lapi.URL(), AccessToken: token, RateLimits: limits, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	f.eng, err = bot.New(bot.Config{Store: f.st, Messenger: f.client, Now: f.clock, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	f.lapi.SetProfile(line.Profile{UserID: f.officer, DisplayName: "วิชัย", Language: "th"})
	f.member(f.officer, false)
	return f
}

func userID(i int) string { return fmt.Sprintf("U%032x", i) }

func (f *fanout) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fanout) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

func (f *fanout) member(id string, blocked bool) {
	f.t.Helper()
	if err := f.st.UpsertMember(context.Background(), store.Member{UserID: id, Language: store.LangThai, Blocked: blocked}); err != nil {
		f.t.Fatal(err)
	}
}

// leaders stores n approved leaders of province with IDs from first on, each a friend of the
// stand-in account.
func (f *fanout) leaders(first, n int, province string) []string {
	f.t.Helper()
	ctx := context.Background()
	var ids []string
	for i := first; i < first+n; i++ {
		id := userID(i)
		l := store.Leader{UserID: id, SubmissionID: "sub-" + id, FullName: "แกนนำ ทดสอบ", Phone: "0812345678",
			ProvinceCode: province, Status: store.LeaderApproved, CreatedAt: f.now}
		if err := f.st.CreateLeader(ctx, l); err != nil {
			f.t.Fatal(err)
		}
		f.lapi.SetProfile(line.Profile{UserID: id, DisplayName: "แกนนำ"})
		ids = append(ids, id)
	}
	return ids
}

// announce stores an announcement to the approved leaders of province, due at sendAt.
func (f *fanout) announce(id string, province string, sendAt time.Time) {
	f.t.Helper()
	a := store.Announcement{ID: id, CreatedBy: "line:" + f.officer, Audience: store.AudienceApprovedLeaders,
		Provinces: []string{province}, Text: "ขอเชิญแกนนำร่วมอบรม " + id, SendAt: sendAt,
		Status: store.AnnouncementScheduled, CreatedAt: f.now, UpdatedAt: f.now}
	if err := f.st.CreateAnnouncement(context.Background(), a); err != nil {
		f.t.Fatal(err)
	}
}

// deliverer is one "process": its own Announcements on the shared store and client.
func (f *fanout) deliverer(st AnnouncementStore, sender Sender) *Announcements {
	f.t.Helper()
	d, err := NewAnnouncements(AnnouncementsConfig{Store: st, LINE: sender, Announcer: f.eng, Now: f.clock,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Sleep: func(_ context.Context, d time.Duration) error {
			f.mu.Lock()
			f.sleeps = append(f.sleeps, d)
			f.mu.Unlock()
			return nil
		}})
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

// multicasts returns the multicast calls the stand-in received: recipients, retry key, status.
type call struct {
	to     []string
	key    string
	status int
}

func (f *fanout) multicasts() []call {
	var out []call
	for _, c := range f.lapi.Calls() {
		if c.Endpoint != line.EndpointMulticast {
			continue
		}
		var body struct{ To []string }
		if err := json.Unmarshal(c.Body, &body); err != nil {
			f.t.Fatal(err)
		}
		out = append(out, call{body.To, c.RetryKey, c.Status})
	}
	return out
}

// received counts multicast deliveries per user.
func (f *fanout) received(ids []string) map[string]int {
	n := map[string]int{}
	for _, id := range ids {
		for _, d := range f.lapi.Deliveries(id) {
			if d.Endpoint == line.EndpointMulticast {
				n[id]++
			}
		}
	}
	return n
}

// stopAfter is the store of a process that dies right after recording batch index: it cancels
// the run's context, so nothing after that (not even the lease extension) happens.
type stopAfter struct {
	AnnouncementStore
	index  int
	cancel context.CancelFunc
}

func (s stopAfter) FinishBatch(ctx context.Context, id string, index int, status store.BatchStatus, errText string, now time.Time) error {
	err := s.AnnouncementStore.FinishBatch(ctx, id, index, status, errText, now)
	if index == s.index {
		s.cancel()
	}
	return err
}

// TestFanOutResumesAfterStop: 1,234 recipients go out in exactly 3 multicast calls of at most
// 500 IDs with distinct retry keys; the process stops after the 2nd batch and a restarted one
// sends only the 3rd; blocked members are never in a call.
func TestFanOutResumesAfterStop(t *testing.T) {
	f := newFanout(t, nil) // LINE's published rate limits, as in production
	ids := f.leaders(1, 1234, "TH-76")
	blocked := f.leaders(5000, 3, "TH-76")
	for _, id := range blocked {
		f.member(id, true)
	}
	f.leaders(6000, 10, "TH-10") // another province: never reached
	f.announce("a-1234", "TH-76", f.now.Add(time.Minute))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := f.deliverer(f.st, f.client).Run(ctx); err != nil {
		t.Fatalf("Run before it is due: %v", err)
	}
	if n := len(f.multicasts()); n != 0 {
		t.Fatalf("%d multicasts before the announcement is due", n)
	}
	f.advance(time.Minute)
	first := f.deliverer(stopAfter{f.st, 1, cancel}, f.client)
	if err := first.Run(ctx); err == nil {
		t.Fatal("the stopped run reported success")
	}
	if n := len(f.multicasts()); n != 2 {
		t.Fatalf("%d multicasts before the stop, want 2", n)
	}
	// A restarted process (another replica, or the same after a deploy) within the lease leaves
	// it alone, and after it resumes with the next unsent batch.
	if err := f.deliverer(f.st, f.client).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(f.multicasts()); n != 2 {
		t.Fatalf("a run within the lease sent: %d multicasts", n)
	}
	f.advance(DefaultLease)
	if err := f.deliverer(f.st, f.client).Run(context.Background()); err != nil {
		t.Fatal(err)
	}

	calls := f.multicasts()
	if len(calls) != 3 {
		t.Fatalf("%d multicast calls, want 3", len(calls))
	}
	keys := map[string]bool{}
	sizes := []int{}
	for _, c := range calls {
		if c.status != 200 || len(c.to) > line.MaxMulticastRecipients || !line.IsRetryKey(c.key) {
			t.Errorf("call status %d, %d IDs, key %q", c.status, len(c.to), c.key)
		}
		keys[c.key] = true
		sizes = append(sizes, len(c.to))
		for _, id := range c.to {
			if id == blocked[0] || id == blocked[1] || id == blocked[2] || !strings.HasPrefix(id, "U") {
				t.Errorf("blocked or bad recipient %s", id)
			}
		}
	}
	if len(keys) != 3 || fmt.Sprint(sizes) != "[500 500 234]" {
		t.Errorf("retry keys %d distinct, batch sizes %v", len(keys), sizes)
	}
	got := f.received(append(ids, blocked...))
	for _, id := range ids {
		if got[id] != 1 {
			t.Fatalf("%s received %d times", id, got[id])
		}
	}
	if len(got) != len(ids) {
		t.Errorf("%d users received it, want %d", len(got), len(ids))
	}
	a, err := f.st.GetAnnouncement(context.Background(), "a-1234")
	if err != nil || a.Status != store.AnnouncementSent || a.Sent != 1234 || a.Failed != 0 || a.Recipients != 1234 {
		t.Errorf("announcement %+v, %v", a, err)
	}
	summary := f.lapi.Deliveries(f.officer)
	if len(summary) != 1 || !strings.Contains(string(summary[0].Messages[0]), "ส่งสำเร็จ 1234 คน ไม่สำเร็จ 0 คน") {
		t.Errorf("officer's summary pushes: %+v", summary)
	}
	audit, err := f.st.ListAudit(context.Background(), store.AuditFilter{Action: "announcement.send", Subject: "a-1234"})
	if err != nil || len(audit) != 1 || audit[0].Detail != "audience=leaders.approved sent=1234 failed=0" {
		t.Errorf("audit %+v, %v", audit, err)
	}
}

// hooked calls before(n) ahead of the n-th multicast (from 1), to arrange the stand-in's answer.
type hooked struct {
	*line.Client
	n      int
	before func(n int)
}

func (h *hooked) Multicast(ctx context.Context, to []string, msgs []messaging_api.MessageInterface, key string) error {
	h.n++
	h.before(h.n)
	return h.Client.Multicast(ctx, to, msgs, key)
}

// TestFanOutRetries: a 429 is retried after a back-off with the same key and succeeds; a 400 is
// recorded and the rest goes on; a 500 after LINE accepted is retried with the same key, and
// LINE's 409 counts as delivered without a second delivery.
func TestFanOutRetries(t *testing.T) {
	f := newFanout(t, map[string]line.RateLimit{})
	ids := f.leaders(1, 1600, "TH-76")
	f.announce("a-retry", "TH-76", f.now)
	sender := &hooked{Client: f.client, before: func(n int) {
		switch n {
		case 1: // batch 0, first attempt
			f.lapi.FailNext(line.EndpointMulticast, 429, 1)
		case 3: // batch 1
			f.lapi.FailNext(line.EndpointMulticast, 400, 1)
		case 4: // batch 2: delivered, but the answer is lost
			f.lapi.FailNextAfterAccept(line.EndpointMulticast, 500, 1)
		}
	}}
	if err := f.deliverer(f.st, sender).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	calls := f.multicasts()
	var statuses []int
	for _, c := range calls {
		statuses = append(statuses, c.status)
	}
	if fmt.Sprint(statuses) != "[429 200 400 500 409 200]" {
		t.Fatalf("call statuses %v", statuses)
	}
	if calls[0].key != calls[1].key || calls[3].key != calls[4].key || calls[1].key == calls[3].key {
		t.Errorf("a retry used another key: %v", calls)
	}
	if len(f.sleeps) != 2 || f.sleeps[0] < backoffBase/2 || f.sleeps[0] > backoffBase || f.sleeps[1] > backoffBase {
		t.Errorf("back-offs %v", f.sleeps)
	}
	got := f.received(ids)
	for i, id := range ids {
		want := 1
		if i >= 500 && i < 1000 { // batch 1, refused with 400
			want = 0
		}
		if got[id] != want {
			t.Fatalf("%s (batch %d) received %d times, want %d", id, i/500, got[id], want)
		}
	}
	a, err := f.st.GetAnnouncement(context.Background(), "a-retry")
	if err != nil || a.Status != store.AnnouncementSent || a.Sent != 1100 || a.Failed != 500 {
		t.Errorf("announcement %+v, %v", a, err)
	}
	bs, err := f.st.ListBatches(context.Background(), "a-retry")
	if err != nil || bs[1].Status != store.BatchFailed || !strings.Contains(bs[1].Error, "status 400") {
		t.Errorf("batch 1 = %+v, %v", bs[1], err)
	}
}

// TestScheduledOnceAtTheBangkokMinute: two scheduler instances on one store, both ticking every
// minute on an injected clock; the announcement due at 09:00 Bangkok goes out at that minute,
// once.
func TestScheduledOnceAtTheBangkokMinute(t *testing.T) {
	f := newFanout(t, map[string]line.RateLimit{})
	ids := f.leaders(1, 30, "TH-76")
	f.mu.Lock()
	f.now = time.Date(2026, 12, 14, 8, 58, 0, 0, bangkok).UTC()
	f.mu.Unlock()
	f.announce("a-0900", "TH-76", time.Date(2026, 12, 14, 9, 0, 0, 0, bangkok))

	var scheds []*Scheduler
	for range 2 {
		s, err := New(Config{Store: f.st, Location: bangkok, Now: f.clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Announcements: f.deliverer(f.st, f.client)})
		if err != nil {
			t.Fatal(err)
		}
		scheds = append(scheds, s)
	}
	// The job is on cron every minute in Bangkok: its next run after 08:59:30 is 09:00 sharp.
	var next time.Time
	for _, e := range scheds[0].cron.Entries() {
		if n := e.Schedule.Next(time.Date(2026, 12, 14, 8, 59, 30, 0, bangkok)); next.IsZero() || n.Before(next) {
			next = n
		}
	}
	if !next.Equal(time.Date(2026, 12, 14, 9, 0, 0, 0, bangkok)) {
		t.Fatalf("next run %v", next)
	}
	for minute := range 4 { // 08:58, 08:59, 09:00, 09:01: both instances tick at once
		var wg sync.WaitGroup
		for _, s := range scheds {
			wg.Go(func() {
				if err := s.ann.Run(context.Background()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		calls := len(f.multicasts())
		want := 0
		if minute >= 2 {
			want = 1
		}
		if calls != want {
			t.Fatalf("at %s: %d multicast calls, want %d", f.clock().In(bangkok).Format("15:04"), calls, want)
		}
		f.advance(time.Minute)
	}
	if got := f.received(ids); len(got) != 30 || got[ids[0]] != 1 {
		t.Errorf("deliveries %v", got)
	}
	if n := len(f.lapi.Deliveries(f.officer)); n != 1 {
		t.Errorf("officer got %d summaries", n)
	}
}

// fixedAudience is the engine with a given recipient list, so the benchmark measures the fan-out
// (planning, 200 batches stored, multicast calls, progress per batch) rather than seeding 100,000
// leaders.
type fixedAudience struct {
	*bot.Engine
	ids []string
}

func (f fixedAudience) Recipients(context.Context, store.Announcement) ([]string, error) {
	return f.ids, nil
}

// peakHeap samples HeapInuse every millisecond until stop is closed and returns the highest
// rise above its value at the call (earlier iterations' stores and stand-ins stay reachable
// until the benchmark's clean-up, so the absolute figure would grow with b.N).
func peakHeap(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	go func() {
		var peak uint64
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				out <- peak - min(base, peak)
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

// BenchmarkFanOut100k delivers one announcement to 100,000 recipients through the stand-in and
// reports multicast calls per announcement (must be 200) and the peak heap in use, next to a
// baseline of 200 bare multicasts of 500 IDs through the same client. The client has no rate
// limit here (LINE's 190/s would make both take about a second); the stand-in's own recording
// of 100,000 deliveries is part of both figures.
func BenchmarkFanOut100k(b *testing.B) {
	const n = 100_000
	ids := make([]string, n)
	for i := range ids {
		ids[i] = userID(i + 1)
	}
	msgs := []messaging_api.MessageInterface{&messaging_api.TextMessage{Text: "ประกาศ"}}
	run := func(b *testing.B, op func(f *fanout, i int)) {
		var calls int
		var peak uint64
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			f := newFanout(b, map[string]line.RateLimit{})
			runtime.GC()
			stop := make(chan struct{})
			peaks := peakHeap(stop)
			b.StartTimer()
			op(f, i)
			b.StopTimer()
			close(stop)
			peak = max(peak, <-peaks)
			calls += len(f.multicasts())
			f.lapi.Close()
		}
		b.ReportMetric(float64(calls)/float64(b.N), "calls/op")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-rise-MiB")
	}
	b.Run("baseline-200x500", func(b *testing.B) {
		run(b, func(f *fanout, _ int) {
			for start := 0; start < n; start += line.MaxMulticastRecipients {
				if err := f.client.Multicast(context.Background(), ids[start:start+line.MaxMulticastRecipients], msgs, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("announcement", func(b *testing.B) {
		run(b, func(f *fanout, i int) {
			f.announce(fmt.Sprintf("a-%d", i), "TH-76", f.now)
			d, err := NewAnnouncements(AnnouncementsConfig{Store: f.st, LINE: f.client, Announcer: fixedAudience{f.eng, ids},
				Now: f.clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				b.Fatal(err)
			}
			if err := d.Run(context.Background()); err != nil {
				b.Fatal(err)
			}
		})
	})
}

// TestBroadcastToEveryFriend: the "every friend" audience is one broadcast call with a stored
// retry key; a 500 on it is retried with that key, and LINE's 409 counts as sent.
func TestBroadcastToEveryFriend(t *testing.T) {
	f := newFanout(t, map[string]line.RateLimit{})
	ids := f.leaders(1, 3, "TH-76")
	a := store.Announcement{ID: "a-friends", CreatedBy: "line:" + f.officer, Audience: store.AudienceFriends,
		Text: "ประกาศถึงทุกคน", SendAt: f.now, Status: store.AnnouncementScheduled, CreatedAt: f.now}
	if err := f.st.CreateAnnouncement(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	f.lapi.FailNextAfterAccept(line.EndpointBroadcast, 500, 1)
	if err := f.deliverer(f.st, f.client).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var statuses []int
	keys := map[string]bool{}
	for _, c := range f.lapi.Calls() {
		if c.Endpoint == line.EndpointBroadcast {
			statuses = append(statuses, c.Status)
			keys[c.RetryKey] = true
		}
	}
	if fmt.Sprint(statuses) != "[500 409]" || len(keys) != 1 || len(f.multicasts()) != 0 {
		t.Fatalf("broadcast calls %v, keys %d, multicasts %d", statuses, len(keys), len(f.multicasts()))
	}
	for _, id := range ids {
		if ds := f.lapi.Deliveries(id); len(ds) != 1 || ds[0].Endpoint != line.EndpointBroadcast {
			t.Errorf("%s got %+v", id, ds)
		}
	}
	got, err := f.st.GetAnnouncement(context.Background(), "a-friends")
	if err != nil || got.Status != store.AnnouncementSent || got.Batches != 1 {
		t.Errorf("announcement %+v, %v", got, err)
	}
	ds := f.lapi.Deliveries(f.officer) // the officer is a friend too: the broadcast, then the summary
	if len(ds) != 2 || ds[1].Endpoint != line.EndpointPush || !strings.Contains(string(ds[1].Messages[0]), "ส่งถึงทุกคนที่เป็นเพื่อน") {
		t.Errorf("officer's deliveries %+v", ds)
	}
}

// A plan redone after a takeover gives every batch the key it had, and keys differ between
// batches and announcements.
func TestBatchRetryKeysAreStable(t *testing.T) {
	k := batchRetryKey("ann-1", 0)
	if !line.IsRetryKey(k) || k != batchRetryKey("ann-1", 0) {
		t.Fatalf("key %q is not a stable UUID", k)
	}
	if k == batchRetryKey("ann-1", 1) || k == batchRetryKey("ann-2", 0) {
		t.Fatal("keys collide across batches or announcements")
	}
}
