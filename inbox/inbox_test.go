package inbox_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssonet/ssonet/bot"
	"github.com/ssonet/ssonet/inbox"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/store/mongostore"
	"github.com/ssonet/ssonet/store/mongostore/ferrettest"
	"github.com/ssonet/ssonet/store/sqlitestore"
	"github.com/ssonet/ssonet/store/storetest"
)

// stores opens a fresh store of each kind for a test.
var stores = map[string]func(t *testing.T) store.Store{
	"SQLite": func(t *testing.T) store.Store {
		st, err := sqlitestore.Open(t.TempDir(), storetest.NewSealer(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close(context.Background()) })
		return st
	},
	"Mongo": func(t *testing.T) store.Store {
		st, err := mongostore.Open(context.Background(), ferrettest.URI(t), storetest.NewSealer(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close(context.Background()) })
		return st
	},
}

// eachStore runs test against both stores.
func eachStore(t *testing.T, test func(t *testing.T, st store.Store)) {
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, open(t))
		})
	}
}

// clock is the tests' injected clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)} }

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// engine is a fake engine that records the events it is given, and lets a test make Handle
// fail or block for chosen events.
type engine struct {
	mu     sync.Mutex
	events []bot.Event
	fail   func(bot.Event) error // nil: succeed
	block  func(context.Context, bot.Event)
}

func (e *engine) Handle(ctx context.Context, ev bot.Event) error {
	e.mu.Lock()
	e.events = append(e.events, ev)
	fail, block := e.fail, e.block
	e.mu.Unlock()
	if block != nil {
		block(ctx, ev)
	}
	if fail != nil {
		return fail(ev)
	}
	return nil
}

// all are the events handled so far, in order.
func (e *engine) all() []bot.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]bot.Event(nil), e.events...)
}

// ids are the ids of the events handled so far, in order.
func (e *engine) ids() []string {
	var ids []string
	for _, ev := range e.all() {
		ids = append(ids, ev.ID)
	}
	return ids
}

// fixture is an Inbox over a real store with a fake engine, an injected clock, and its log and
// metrics captured.
type fixture struct {
	in    *inbox.Inbox
	st    store.Store
	eng   *engine
	clock *clock
	log   *syncBuffer
	reg   *prometheus.Registry
}

const lease = 15 * time.Second

func newFixture(t *testing.T, st store.Store, clk *clock, eng *engine, tune func(*inbox.Config)) *fixture {
	t.Helper()
	f := &fixture{st: st, eng: eng, clock: clk, log: &syncBuffer{}, reg: prometheus.NewRegistry()}
	cfg := inbox.Config{Store: st, Handler: eng, Now: clk.now, Logger: slog.New(slog.NewJSONHandler(f.log, nil)), Metrics: f.reg,
		Lease: lease, Poll: time.Hour} // the tests poll themselves, after moving the clock
	if tune != nil {
		tune(&cfg)
	}
	in, err := inbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	in.Start()
	t.Cleanup(func() {
		if err := in.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	f.in = in
	return f
}

// accept stores evs and waits until the workers are idle.
func (f *fixture) accept(t *testing.T, evs ...bot.Event) {
	t.Helper()
	if err := f.in.Accept(context.Background(), evs); err != nil {
		t.Fatalf("Accept: %v", err)
	}
	f.settle(t)
}

// poll searches the store at the clock's time and waits until the workers are idle.
func (f *fixture) poll(t *testing.T) {
	t.Helper()
	f.in.Poll(context.Background())
	f.settle(t)
}

func (f *fixture) settle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := f.in.WaitIdle(ctx); err != nil {
		t.Fatalf("WaitIdle: %v", err)
	}
}

func (f *fixture) stats(t *testing.T) store.InboxStats {
	t.Helper()
	s, err := f.st.InboxStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

const (
	userA = "U0000000000000000000000000000000a"
	userB = "U0000000000000000000000000000000b"
)

// text is a text message event of user, happened at the clock's time.
func text(clk *clock, id, user, text string) bot.Event {
	return bot.Event{ID: id, Kind: bot.KindMessage, UserID: user, ReplyToken: "rt-" + id, Text: text, Time: clk.now()}
}

// TestOrderPerUserParallelAcrossUsers accepts A1 B1 A2 B2 at once. A1 waits until B1 has
// started, which only works if users run in parallel; each user's events arrive in order.
func TestOrderPerUserParallelAcrossUsers(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		clk := newClock()
		bStarted := make(chan struct{})
		eng := &engine{block: func(_ context.Context, ev bot.Event) {
			switch ev.ID {
			case "A1":
				<-bStarted
			case "B1":
				close(bStarted)
			}
		}}
		f := newFixture(t, st, clk, eng, nil)
		f.accept(t, text(clk, "A1", userA, "1"), text(clk, "B1", userB, "1"), text(clk, "A2", userA, "2"), text(clk, "B2", userB, "2"))
		perUser := map[string]string{}
		evs := eng.all()
		for _, ev := range evs {
			perUser[ev.UserID] += ev.ID
		}
		if perUser[userA] != "A1A2" || perUser[userB] != "B1B2" {
			t.Errorf("order per user = %v, want A1A2 and B1B2", perUser)
		}
		if s := f.stats(t); s.Pending != 0 {
			t.Errorf("%d events still pending", s.Pending)
		}
		// The handled events arrive as they were accepted, with when the webhook received them.
		if ev := evs[0]; ev.Text == "" || ev.ReplyToken == "" || !ev.ReceivedAt.Equal(clk.now()) {
			t.Errorf("handled event %+v lacks what was accepted", ev)
		}
	})
}

// TestOneUserAtATimeAcrossRequests holds the first request's event in the engine while a second
// request for the same user arrives: the second waits for the first.
func TestOneUserAtATimeAcrossRequests(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		clk := newClock()
		entered, release := make(chan string, 2), make(chan struct{})
		var mu sync.Mutex
		inFlight, overlap := 0, 0
		eng := &engine{block: func(_ context.Context, ev bot.Event) {
			mu.Lock()
			inFlight++
			overlap = max(overlap, inFlight)
			mu.Unlock()
			entered <- ev.ID
			if ev.ID == "first" {
				<-release
			}
			mu.Lock()
			inFlight--
			mu.Unlock()
		}}
		f := newFixture(t, st, clk, eng, nil)
		if err := f.in.Accept(context.Background(), []bot.Event{text(clk, "first", userA, "1")}); err != nil {
			t.Fatal(err)
		}
		<-entered
		clk.add(time.Second)
		if err := f.in.Accept(context.Background(), []bot.Event{text(clk, "second", userA, "2")}); err != nil {
			t.Fatal(err)
		}
		close(release)
		f.settle(t)
		if second := <-entered; second != "second" || overlap != 1 {
			t.Errorf("second entered as %q with up to %d at once, want in turn", second, overlap)
		}
	})
}

// TestRedeliveryIsHandledOnce accepts the same event again after it was handled.
func TestRedeliveryIsHandledOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		clk := newClock()
		eng := &engine{}
		f := newFixture(t, st, clk, eng, nil)
		ev := text(clk, "E1", userA, "hi")
		f.accept(t, ev)
		ev.Redelivery = true
		f.accept(t, ev, ev)
		if ids := eng.ids(); len(ids) != 1 {
			t.Errorf("handled %v, want E1 once", ids)
		}
		if n := count(t, f.reg, "duplicate"); n != 2 {
			t.Errorf("duplicates counted %v, want 2", n)
		}
	})
}

// count reads ssonet_inbox_events_total{outcome} as /metrics would show it.
func count(t *testing.T, reg *prometheus.Registry, outcome string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "ssonet_inbox_events_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// gauge reads one of the inbox's gauges as /metrics would show it.
func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no %s gathered", name)
	return 0
}

// TestFailureIsRetriedWithBackoff: a store fault while handling leaves the event in the inbox;
// it is tried again after the back-off, not before, and then handled once, with the user's
// later event after it.
func TestFailureIsRetriedWithBackoff(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		clk := newClock()
		failures := 2
		eng := &engine{}
		eng.fail = func(ev bot.Event) error {
			if ev.ID == "E1" && failures > 0 {
				failures--
				return errors.New("database is locked")
			}
			return nil
		}
		f := newFixture(t, st, clk, eng, func(c *inbox.Config) {
			c.Backoff = func(attempt int) time.Duration { return time.Duration(attempt) * time.Minute }
		})
		f.accept(t, text(clk, "E1", userA, "1"), text(clk, "E2", userA, "2"))
		if got := strings.Join(eng.ids(), ","); got != "E1" {
			t.Fatalf("handled %s, want E1 (failed) and E2 waiting behind it", got)
		}
		clk.add(time.Minute - time.Millisecond)
		f.poll(t)
		if got := len(eng.ids()); got != 1 {
			t.Fatalf("retried before the back-off: %v", eng.ids())
		}
		clk.add(time.Millisecond)
		f.poll(t) // second attempt fails too: back-off of 2 minutes
		clk.add(2 * time.Minute)
		f.poll(t)
		if got := strings.Join(eng.ids(), ","); got != "E1,E1,E1,E2" {
			t.Errorf("handled %s, want E1 three times (two failures), then E2", got)
		}
		if s := f.stats(t); s.Pending != 0 || s.Parked != 0 {
			t.Errorf("stats %+v, want nothing pending or parked", s)
		}
		if n := count(t, f.reg, "retried"); n != 2 {
			t.Errorf("retries counted %v, want 2", n)
		}
	})
}

// TestPoisonEventIsParked: an event that always fails is parked after MaxAttempts, counted and
// logged without what was typed, and the user's next event is handled.
func TestPoisonEventIsParked(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		clk := newClock()
		eng := &engine{fail: func(ev bot.Event) error {
			if ev.ID == "BAD" {
				return errors.New("engine: cannot")
			}
			return nil
		}}
		f := newFixture(t, st, clk, eng, func(c *inbox.Config) {
			c.MaxAttempts = 3
			c.Backoff = func(int) time.Duration { return time.Second }
		})
		f.accept(t, text(clk, "BAD", userA, "เลขบัตร 3101700203451"), text(clk, "NEXT", userA, "เมนู"))
		for range 3 {
			clk.add(time.Second)
			f.poll(t)
		}
		if got := strings.Join(eng.ids(), ","); got != "BAD,BAD,BAD,NEXT" {
			t.Errorf("handled %s, want BAD three times, then NEXT", got)
		}
		if s := f.stats(t); s.Parked != 1 || s.Pending != 0 {
			t.Errorf("stats %+v, want one parked", s)
		}
		if g := gauge(t, f.reg, "ssonet_inbox_parked"); g != 1 {
			t.Errorf("ssonet_inbox_parked = %v, want 1", g)
		}
		log := f.log.String()
		if !strings.Contains(log, `"outcome":"parked"`) || strings.Contains(log, "3101700203451") || strings.Contains(log, userA) {
			t.Errorf("log should say parked, without text or user:\n%s", log)
		}
	})
}

// TestCrashedWorkerIsTakenOver: a worker that claimed an event and died holds it only until
// its lease runs out; then another replica handles it.
func TestCrashedWorkerIsTakenOver(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		clk := newClock()
		ctx := context.Background()
		// The crashed replica stored the event and claimed it, then nothing.
		if _, err := st.AddInbox(ctx, []store.InboxEvent{{ID: "E1", UserID: userA, Body: []byte(`{"ID":"E1","Kind":"message","UserID":"` + userA + `"}`), EventAt: clk.now(), ReceivedAt: clk.now()}}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.ClaimInbox(ctx, userA, "dead-worker", clk.now(), lease); err != nil {
			t.Fatal(err)
		}
		eng := &engine{}
		f := newFixture(t, st, clk, eng, nil) // Start drains: nothing claimable yet
		clk.add(lease - time.Millisecond)
		f.poll(t)
		if len(eng.ids()) != 0 {
			t.Fatalf("handled %v during the dead worker's lease", eng.ids())
		}
		clk.add(time.Millisecond)
		f.poll(t)
		if got := eng.ids(); len(got) != 1 {
			t.Errorf("handled %v after the lease, want E1 once", got)
		}
		if err := st.CompleteInbox(ctx, "E1", "dead-worker", clk.now()); !errors.Is(err, store.ErrConflict) {
			t.Errorf("the dead worker's late completion: %v, want ErrConflict", err)
		}
	})
}

// recordingStore signals every heartbeat.
type recordingStore struct {
	store.Store
	beats chan struct{}
}

func (r recordingStore) ExtendInbox(ctx context.Context, id, token string, now time.Time, lease time.Duration) error {
	err := r.Store.ExtendInbox(ctx, id, token, now, lease)
	select {
	case r.beats <- struct{}{}:
	default:
	}
	return err
}

// TestHeartbeatKeepsTheClaim: a slow handling outlives its first lease because heartbeats renew
// it; another replica does not take it over meanwhile.
func TestHeartbeatKeepsTheClaim(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		clk := newClock()
		rs := recordingStore{Store: st, beats: make(chan struct{})}
		entered, release := make(chan struct{}), make(chan struct{})
		slow := &engine{block: func(context.Context, bot.Event) { close(entered); <-release }}
		a := newFixture(t, rs, clk, slow, func(c *inbox.Config) { c.Heartbeat = time.Millisecond })
		if err := a.in.Accept(context.Background(), []bot.Event{text(clk, "E1", userA, "1")}); err != nil {
			t.Fatal(err)
		}
		<-entered
		clk.add(lease - time.Second)
		<-rs.beats               // one beat may have read the clock before it moved
		<-rs.beats               // this one renewed the lease from the new time
		clk.add(2 * time.Second) // past the first lease, within the renewed one
		other := &engine{}
		b := newFixture(t, st, clk, other, nil)
		b.poll(t)
		close(release)
		a.settle(t)
		if len(other.ids()) != 0 || len(slow.ids()) != 1 {
			t.Errorf("the other replica handled %v, the slow one %v; want only the slow one, once", other.ids(), slow.ids())
		}
		if s := a.stats(t); s.Pending != 0 {
			t.Errorf("stats %+v after the slow handling finished", s)
		}
	})
}

// TestReplayIsDropped: an event older than the dedupe retention (its id may be forgotten) is
// not stored and not handled, with a log line.
func TestReplayIsDropped(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		clk := newClock()
		eng := &engine{}
		f := newFixture(t, st, clk, eng, nil)
		old := text(clk, "OLD", userA, "hi")
		old.Time = clk.now().Add(-inbox.DefaultMaxAge - time.Minute)
		recent := text(clk, "RECENT", userA, "hi")
		recent.Time = clk.now().Add(-inbox.DefaultMaxAge + time.Minute)
		f.accept(t, old, recent)
		if got := strings.Join(eng.ids(), ","); got != "RECENT" {
			t.Errorf("handled %s, want RECENT only", got)
		}
		if !strings.Contains(f.log.String(), `"event":"OLD"`) {
			t.Errorf("no log line for the dropped event:\n%s", f.log.String())
		}
		if n := count(t, f.reg, "dropped"); n != 1 {
			t.Errorf("dropped counted %v, want 1", n)
		}
	})
}

// TestStopLosesNothing: Stop waits for the running handling and leaves what is queued in the
// store, where the next start finds it.
func TestStopLosesNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		clk := newClock()
		entered, release := make(chan struct{}), make(chan struct{})
		eng := &engine{block: func(_ context.Context, ev bot.Event) {
			if ev.ID == "A1" {
				close(entered)
				<-release
			}
		}}
		in, err := inbox.New(inbox.Config{Store: st, Handler: eng, Now: clk.now, Workers: 1, Poll: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		in.Start()
		if err := in.Accept(context.Background(), []bot.Event{text(clk, "A1", userA, "1"), text(clk, "B1", userB, "1")}); err != nil {
			t.Fatal(err)
		}
		<-entered
		stopped := make(chan error)
		go func() { stopped <- in.Stop(context.Background()) }()
		select {
		case err := <-stopped:
			t.Fatalf("Stop returned (%v) while A1 was being handled", err)
		case <-time.After(0):
		}
		close(release)
		if err := <-stopped; err != nil {
			t.Fatal(err)
		}
		// The next start drains what was left: B1, unless the worker took it from its queue
		// before Stop began. Either way every event is handled exactly once.
		next := &engine{}
		f := newFixture(t, st, clk, next, nil)
		f.settle(t)
		if got := strings.Join(append(eng.ids(), next.ids()...), ","); got != "A1,B1" {
			t.Errorf("handled %s (before stopping %v), want A1 then B1, each once", got, eng.ids())
		}
	})
}

// TestStopDeadlineReleasesTheClaim: when Stop's context ends before a handling does, the
// handling is cancelled and its event stays in the inbox for later.
func TestStopDeadlineReleasesTheClaim(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		clk := newClock()
		entered := make(chan struct{})
		stuck := &engine{block: func(ctx context.Context, _ bot.Event) { close(entered); <-ctx.Done() }}
		stuck.fail = func(bot.Event) error { return context.Canceled }
		in, err := inbox.New(inbox.Config{Store: st, Handler: stuck, Now: clk.now, Poll: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		in.Start()
		if err := in.Accept(context.Background(), []bot.Event{text(clk, "E1", userA, "1")}); err != nil {
			t.Fatal(err)
		}
		<-entered
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := in.Stop(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("Stop = %v, want the context's error", err)
		}
		clk.add(time.Hour)
		next := &engine{}
		f := newFixture(t, st, clk, next, nil)
		f.settle(t)
		if got := strings.Join(next.ids(), ","); got != "E1" {
			t.Errorf("after the restart handled %s, want E1", got)
		}
	})
}

// TestDepthMetrics: pending count and the oldest pending event's age come from the store.
func TestDepthMetrics(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		clk := newClock()
		entered, release := make(chan struct{}), make(chan struct{})
		eng := &engine{block: func(_ context.Context, ev bot.Event) {
			if ev.ID == "E1" {
				close(entered)
				<-release
			}
		}}
		f := newFixture(t, st, clk, eng, nil)
		if err := f.in.Accept(context.Background(), []bot.Event{text(clk, "E1", userA, "1"), text(clk, "E2", userA, "2")}); err != nil {
			t.Fatal(err)
		}
		<-entered
		clk.add(90 * time.Second)
		if p, age := gauge(t, f.reg, "ssonet_inbox_pending"), gauge(t, f.reg, "ssonet_inbox_oldest_age_seconds"); p != 2 || age != 90 {
			t.Errorf("pending %v, oldest age %v s; want 2 and 90", p, age)
		}
		close(release)
		f.settle(t)
		if p, age := gauge(t, f.reg, "ssonet_inbox_pending"), gauge(t, f.reg, "ssonet_inbox_oldest_age_seconds"); p != 0 || age != 0 {
			t.Errorf("after handling: pending %v, oldest age %v; want 0 and 0", p, age)
		}
	})
}

// TestManyUsersWithFewWorkers: users beyond the worker count queue and are all handled.
func TestManyUsersWithFewWorkers(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		clk := newClock()
		eng := &engine{}
		f := newFixture(t, st, clk, eng, func(c *inbox.Config) { c.Workers = 2 })
		var evs []bot.Event
		for i := range 20 {
			evs = append(evs, text(clk, fmt.Sprintf("E%02d", i), fmt.Sprintf("U%032x", i%7), "hi"))
		}
		f.accept(t, evs...)
		if got := len(eng.ids()); got != 20 {
			t.Errorf("handled %d events, want 20", got)
		}
	})
}

// TestPanicIsRetried: a panicking engine fails the event, which is retried, instead of killing
// the process.
func TestPanicIsRetried(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		clk := newClock()
		panics := 1
		eng := &engine{block: func(context.Context, bot.Event) {
			if panics > 0 {
				panics--
				panic("engine bug")
			}
		}}
		f := newFixture(t, st, clk, eng, nil)
		f.accept(t, text(clk, "E1", userA, "1"))
		clk.add(time.Hour)
		f.poll(t)
		if got := strings.Join(eng.ids(), ","); got != "E1,E1" || count(t, f.reg, "handled") != 1 {
			t.Errorf("handled %s (%v completed), want E1 twice, completed once", got, count(t, f.reg, "handled"))
		}
		if !strings.Contains(f.log.String(), "handler panicked") {
			t.Error("the panic was not logged")
		}
	})
}

// claimCounter counts the store's ClaimInbox calls.
type claimCounter struct {
	store.Store
	mu     sync.Mutex
	claims int
}

func (c *claimCounter) ClaimInbox(ctx context.Context, userID, token string, now time.Time, lease time.Duration) (store.InboxEvent, error) {
	c.mu.Lock()
	c.claims++
	c.mu.Unlock()
	return c.Store.ClaimInbox(ctx, userID, token, now, lease)
}

func (c *claimCounter) count() int { c.mu.Lock(); defer c.mu.Unlock(); return c.claims }

// TestAcceptHandsOverWithoutAClaim: an event whose user has nothing pending is stored claimed
// and handled without a ClaimInbox, where the store can do that (SQLite); one arriving while
// the user's first is being handled is claimed from the store after it, in order.
func TestAcceptHandsOverWithoutAClaim(t *testing.T) {
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			st := &claimCounter{Store: open(t)}
			clk := newClock()
			entered, release := make(chan string, 2), make(chan struct{})
			eng := &engine{block: func(_ context.Context, ev bot.Event) {
				entered <- ev.ID
				if ev.ID == "E1" {
					<-release
				}
			}}
			f := newFixture(t, st, clk, eng, nil)
			if err := f.in.Accept(context.Background(), []bot.Event{text(clk, "E1", userA, "1")}); err != nil {
				t.Fatal(err)
			}
			<-entered
			if err := f.in.Accept(context.Background(), []bot.Event{text(clk, "E2", userA, "2")}); err != nil {
				t.Fatal(err)
			}
			close(release)
			f.settle(t)
			<-entered
			if got := strings.Join(eng.ids(), ","); got != "E1,E2" {
				t.Fatalf("handled %s, want E1,E2", got)
			}
			if ev := eng.all()[0]; ev.Text != "1" || ev.ReplyToken != "rt-E1" || !ev.ReceivedAt.Equal(clk.now()) {
				t.Errorf("handed-over event %+v lacks what was accepted", ev)
			}
			// SQLite: E1 handed over, and no claim after it until E2's wake-up; E2 claimed; one
			// claim finds nothing after it. Mongo stores none claimed, so E1 takes a claim of its
			// own, and E2's wake-up, which came while E1 ran, makes one more claim find nothing.
			want := map[string]int{"SQLite": 2, "Mongo": 4}[name]
			if got := st.count(); got != want {
				t.Errorf("%d ClaimInbox calls, want %d", got, want)
			}
			if s := f.stats(t); s.Pending != 0 || count(t, f.reg, "handled") != 2 {
				t.Errorf("pending %d, handled %v; want 0 and 2", s.Pending, count(t, f.reg, "handled"))
			}
		})
	}
}

// TestHandedOverEventWaitingForAWorker: with one worker busy, B's event waits in memory. If its
// claim was taken over meanwhile (by another replica, after the lease) the worker leaves it
// alone; if it only waited longer than a heartbeat, the claim is renewed and it is handled.
func TestHandedOverEventWaitingForAWorker(t *testing.T) {
	for _, takenOver := range []bool{true, false} {
		eachStore(t, func(t *testing.T, st store.Store) {
			clk := newClock()
			entered, release := make(chan string, 2), make(chan struct{})
			eng := &engine{block: func(_ context.Context, ev bot.Event) {
				entered <- ev.ID
				if ev.ID == "A1" {
					<-release
				}
			}}
			f := newFixture(t, st, clk, eng, func(c *inbox.Config) { c.Workers = 1 })
			if err := f.in.Accept(context.Background(), []bot.Event{text(clk, "A1", userA, "1")}); err != nil {
				t.Fatal(err)
			}
			<-entered
			if err := f.in.Accept(context.Background(), []bot.Event{text(clk, "B1", userB, "1")}); err != nil {
				t.Fatal(err)
			}
			want := "A1,B1"
			if takenOver {
				clk.add(lease)
				if _, err := st.ClaimInbox(context.Background(), userB, "other-replica", clk.now(), lease); err != nil {
					t.Fatalf("the other replica's claim: %v", err)
				}
				want = "A1"
			} else {
				clk.add(lease / 2) // longer than a heartbeat period, within the lease
			}
			close(release)
			f.settle(t)
			if got := strings.Join(eng.ids(), ","); got != want {
				t.Errorf("taken over %v: handled %s, want %s", takenOver, got, want)
			}
			if s := f.stats(t); takenOver == (s.Pending == 0) {
				t.Errorf("taken over %v: %d pending", takenOver, s.Pending)
			}
		})
	}
}
