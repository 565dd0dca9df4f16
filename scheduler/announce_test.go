package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/bot"
	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
	"github.com/ssonet/ssonet/outbox"
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
	out     *outbox.Outbox // the process's outbox; every Announcements of the fixture queues into it
	eng     *bot.Engine
	mu      sync.Mutex
	now     time.Time
	officer string
}

func newFanout(t testing.TB, limits map[string]line.RateLimit) *fanout {
	return newFanoutOn(t, openStore(t), limits)
}

func newFanoutOn(t testing.TB, st store.Store, limits map[string]line.RateLimit) *fanout {
	t.Helper()
	f := &fanout{t: t, st: st, lapi: linetest.NewServer(token),
		now: time.Date(2026, 12, 1, 1, 59, 0, 0, time.UTC), officer: userID(999_999)}
	t.Cleanup(f.lapi.Close)
	f.lapi.SetNow(f.clock)
	var err error
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.client, err = line.New(line.Config{BaseURL: f.lapi.URL(), AccessToken: token, RateLimits: limits, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	f.out = f.outbox(f.client, 0)
	f.eng, err = bot.New(bot.Config{Store: f.st, Messenger: f.client, Outbox: f.out, Now: f.clock, Logger: quiet})
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

// outbox is one process's outbox sending through sender; when a batch is done it finishes the
// announcement, as main wires it.
func (f *fanout) outbox(sender outbox.Sender, workers int) *outbox.Outbox {
	return f.outboxOn(f.st, sender, workers)
}

// outboxOn is outbox on st.
func (f *fanout) outboxOn(st outbox.Store, sender outbox.Sender, workers int) *outbox.Outbox {
	return newOutbox(f.t, st, sender, f.clock, workers, func(ctx context.Context, p store.Push) { f.deliverer(f.st).PushDone(ctx, p) })
}

// deliverer is one "process": its own Announcements on the store, queueing into f.out.
func (f *fanout) deliverer(st AnnouncementStore) *Announcements {
	f.t.Helper()
	d, err := NewAnnouncements(AnnouncementsConfig{Store: st, Outbox: f.out, Announcer: f.eng, Now: f.clock,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

// run runs the announcements job once and then the outbox until nothing is pending.
func (f *fanout) run(d *Announcements) {
	f.t.Helper()
	if err := d.Run(context.Background()); err != nil {
		f.t.Fatal(err)
	}
	drain(f.t, f.out, f.st, f.advance)
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

// received counts deliveries per user (a batch of one recipient is a push).
func (f *fanout) received(ids []string) map[string]int {
	n := map[string]int{}
	for _, id := range ids {
		n[id] += len(f.lapi.Deliveries(id))
	}
	for id, c := range n {
		if c == 0 {
			delete(n, id)
		}
	}
	return n
}

// TestKilledMidAnnouncement: 1,234 recipients are queued as exactly 3 multicast batches of at
// most 500 IDs with distinct retry keys; the process is killed (-9) after LINE accepted the 2nd
// batch but before it recorded it; a fresh process, seconds later, resumes: LINE answers 409 to
// the 2nd, accepts the 3rd, and every recipient has the announcement once. Blocked members are
// never in a call; the officer gets one summary. On both stores.
func TestKilledMidAnnouncement(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { killedMidAnnouncement(t, newFanout(t, nil)) }) // LINE's published rate limits, as in production
	t.Run("mongo", func(t *testing.T) { killedMidAnnouncement(t, newFanoutOn(t, openMongo(t), nil)) })
}

func killedMidAnnouncement(t *testing.T, f *fanout) {
	ids := f.leaders(1, 1234, "TH-76")
	blocked := f.leaders(5000, 3, "TH-76")
	for _, id := range blocked {
		f.member(id, true)
	}
	f.leaders(6000, 10, "TH-10") // another province: never reached
	f.announce("a-1234", "TH-76", f.now.Add(time.Minute))

	if err := f.deliverer(f.st).Run(context.Background()); err != nil {
		t.Fatalf("Run before it is due: %v", err)
	}
	if byKind, _, _ := f.st.PendingPushes(context.Background()); len(byKind) != 0 {
		t.Fatalf("queued before the announcement is due: %v", byKind)
	}
	f.advance(time.Minute)
	if err := f.deliverer(f.st).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	dying := newDyingSender(f.client, 1)
	doomed := f.outboxOn(dying.store(f.st), dying, 1) // one batch at a time, so the death falls between batches
	release := killed(t, doomed, dying)
	defer release()
	if n := len(f.multicasts()); n != 2 {
		t.Fatalf("%d multicasts before the death, want 2", n)
	}
	// The restarted process (or another replica) leaves the dead one's claim alone within the
	// lease, and takes it over after it.
	fresh := f.outbox(f.client, 0)
	if _, err := fresh.SendDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(f.multicasts()); n != 3 {
		t.Fatalf("within the lease: %d multicasts, want 3 (the 3rd batch was never claimed)", n)
	}
	f.advance(testLease)
	drain(t, fresh, f.st, f.advance)

	calls := f.multicasts()
	var statuses []int
	keys := map[string]bool{}
	sizes := map[int]int{}
	for _, c := range calls {
		statuses = append(statuses, c.status)
		if len(c.to) > line.MaxMulticastRecipients || !line.IsRetryKey(c.key) {
			t.Errorf("call with %d IDs, key %q", len(c.to), c.key)
		}
		keys[c.key] = true
		sizes[len(c.to)]++
		for _, id := range c.to {
			if id == blocked[0] || id == blocked[1] || id == blocked[2] || !strings.HasPrefix(id, "U") {
				t.Errorf("blocked or bad recipient %s", id)
			}
		}
	}
	slices.Sort(statuses)
	if len(keys) != 3 || sizes[500] < 2 || sizes[234] < 1 || fmt.Sprint(statuses) != "[200 200 200 409]" {
		t.Errorf("retry keys %d distinct, batch sizes %v, statuses %v", len(keys), sizes, statuses)
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
	if err != nil || a.Status != store.AnnouncementSent || a.Sent != 1234 || a.Failed != 0 || a.Recipients != 1234 || a.Batches != 3 {
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

// planDies is the store of a process that dies after queueing an announcement's batches but
// before storing the plan.
type planDies struct{ AnnouncementStore }

func (planDies) PlanAnnouncement(context.Context, string, int, int) (store.Announcement, error) {
	return store.Announcement{}, errKilled
}

// TestReplanKeepsQueuedBatches: a plan interrupted after its batches were queued is redone after
// the lease; a leader approved in between gets a batch of their own, nobody gets two.
func TestReplanKeepsQueuedBatches(t *testing.T) {
	f := newFanout(t, map[string]line.RateLimit{})
	ids := f.leaders(1, 700, "TH-76")
	f.announce("a-replan", "TH-76", f.now)
	if err := f.deliverer(planDies{f.st}).Run(context.Background()); err == nil {
		t.Fatal("the interrupted plan reported success")
	}
	late := f.leaders(800, 1, "TH-76")
	f.advance(DefaultLease)
	f.run(f.deliverer(f.st))
	got := f.received(append(ids, late...))
	for _, id := range append(ids, late...) {
		if got[id] != 1 {
			t.Fatalf("%s received %d times", id, got[id])
		}
	}
	a, _ := f.st.GetAnnouncement(context.Background(), "a-replan")
	if a.Status != store.AnnouncementSent || a.Batches != 3 || a.Recipients != 701 || a.Sent != 701 {
		t.Errorf("announcement %+v", a)
	}
}

// TestFanOutRetriesAndRefusals: a 429 is retried with the same key and succeeds; a 400 is
// recorded, its recipients counted as failed, and the rest goes on.
func TestFanOutRetriesAndRefusals(t *testing.T) {
	f := newFanout(t, map[string]line.RateLimit{})
	ids := f.leaders(1, 1600, "TH-76")
	f.announce("a-retry", "TH-76", f.now)
	f.out = f.outbox(f.client, 1)
	f.lapi.FailNext(line.EndpointMulticast, 429, 1)
	f.run(f.deliverer(f.st))
	f.lapi.FailNext(line.EndpointMulticast, 400, 1)
	f.announce("a-refused", "TH-76", f.now)
	f.run(f.deliverer(f.st))
	calls := f.multicasts()
	byKey := map[string][]int{}
	for _, c := range calls {
		byKey[c.key] = append(byKey[c.key], c.status)
	}
	retried, refused := 0, 0
	for _, st := range byKey {
		switch fmt.Sprint(st) {
		case "[429 200]":
			retried++
		case "[400]":
			refused++
		case "[200]":
		default:
			t.Errorf("a batch was answered %v", st)
		}
	}
	if len(byKey) != 8 || retried != 1 || refused != 1 {
		t.Errorf("%d batches, %d retried, %d refused; want 8, 1, 1", len(byKey), retried, refused)
	}
	a, err := f.st.GetAnnouncement(context.Background(), "a-retry")
	if err != nil || a.Status != store.AnnouncementSent || a.Sent != 1600 || a.Failed != 0 {
		t.Errorf("announcement %+v, %v", a, err)
	}
	b, err := f.st.GetAnnouncement(context.Background(), "a-refused")
	if err != nil || b.Status != store.AnnouncementSent || b.Sent+b.Failed != 1600 || (b.Failed != 500 && b.Failed != 100) {
		t.Errorf("refused announcement %+v, %v", b, err)
	}
	refusedTo := map[string]bool{}
	for _, c := range calls {
		if c.status == 400 {
			for _, id := range c.to {
				refusedTo[id] = true
			}
		}
	}
	got := f.received(ids)
	for _, id := range ids {
		want := 2
		if refusedTo[id] {
			want = 1
		}
		if got[id] != want {
			t.Fatalf("%s received %d times, want %d", id, got[id], want)
		}
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
			Announcements: f.deliverer(f.st)})
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
		if _, err := f.out.SendDue(context.Background()); err != nil {
			t.Fatal(err)
		}
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
// (planning, 200 batches queued, multicast calls, progress per batch) rather than seeding 100,000
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
			d, err := NewAnnouncements(AnnouncementsConfig{Store: f.st, Outbox: f.out, Announcer: fixedAudience{f.eng, ids},
				Now: f.clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				b.Fatal(err)
			}
			f.run(d)
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
	f.run(f.deliverer(f.st))
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
