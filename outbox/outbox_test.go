package outbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
	"github.com/ssonet/ssonet/outbox"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/store/mongostore"
	"github.com/ssonet/ssonet/store/mongostore/ferrettest"
	"github.com/ssonet/ssonet/store/sqlitestore"
	"github.com/ssonet/ssonet/store/storetest"
)

var bangkok = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Bangkok")
	if err != nil {
		panic(err)
	}
	return loc
}()

// t0 is the tests' start: 20 Dec 2026, 10:00 in Bangkok.
var t0 = time.Date(2026, 12, 20, 10, 0, 0, 0, bangkok)

const lease = 15 * time.Second

// stores runs f once on SQLite and once on MongoDB (the in-process FerretDB).
func stores(t *testing.T, f func(t *testing.T, st store.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		st, err := sqlitestore.Open(t.TempDir(), storetest.NewSealer(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close(context.Background()) })
		f(t, st)
	})
	t.Run("mongo", func(t *testing.T) {
		t.Parallel()
		st, err := mongostore.Open(context.Background(), ferrettest.URI(t), storetest.NewSealer(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close(context.Background()) })
		f(t, st)
	})
}

// fixture is one store, one stand-in LINE API and an injected clock shared by outboxes (a
// process and its restart, or replicas).
type fixture struct {
	t    *testing.T
	st   store.Store
	lapi *linetest.Server
	line *line.Client

	mu  sync.Mutex
	now time.Time

	logMu sync.Mutex
	logs  bytes.Buffer
}

func newFixture(t *testing.T, st store.Store) *fixture {
	f := &fixture{t: t, st: st, lapi: linetest.NewServer("tok"), now: t0}
	t.Cleanup(f.lapi.Close)
	f.lapi.SetNow(f.clock)
	c, err := line.New(line.Config{BaseURL: f.lapi.URL(), AccessToken: "tok", RateLimits: map[string]line.RateLimit{},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	f.line = c
	return f
}

func (f *fixture) clock() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }
func (f *fixture) set(t time.Time)  { f.mu.Lock(); f.now = t; f.mu.Unlock() }

// Write collects the outboxes' logs (JSON lines).
func (f *fixture) Write(p []byte) (int, error) {
	f.logMu.Lock()
	defer f.logMu.Unlock()
	return f.logs.Write(p)
}

func (f *fixture) logged() string { f.logMu.Lock(); defer f.logMu.Unlock(); return f.logs.String() }

// outbox starts one outbox (a process) on the fixture; reg may be nil.
func (f *fixture) outbox(sender outbox.Sender, reg prometheus.Registerer) *outbox.Outbox {
	f.t.Helper()
	if sender == nil {
		sender = f.line
	}
	o, err := outbox.New(outbox.Config{Store: f.st, LINE: sender, Location: bangkok, Now: f.clock, Lease: lease,
		Logger: slog.New(slog.NewJSONHandler(f, nil)), Registerer: reg})
	if err != nil {
		f.t.Fatal(err)
	}
	return o
}

// pass runs one SendDue of o at the given time.
func (f *fixture) pass(o *outbox.Outbox, at time.Time) int {
	f.t.Helper()
	f.set(at)
	n, err := o.SendDue(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

func userID(n int) string { return fmt.Sprintf("U%032x", n) }

func textPush(t *testing.T, kind store.PushKind, text string, to ...string) store.Push {
	t.Helper()
	raw, err := json.Marshal([]map[string]string{{"type": "text", "text": text}})
	if err != nil {
		t.Fatal(err)
	}
	return store.Push{Kind: kind, To: to, Messages: raw, RetryKey: outbox.Key("test", text, strings.Join(to, ","))}
}

// sendCalls counts the push, multicast and broadcast calls LINE received.
func (f *fixture) sendCalls() (calls []linetest.Call) {
	for _, c := range f.lapi.Calls() {
		switch c.Endpoint {
		case line.EndpointPush, line.EndpointMulticast, line.EndpointBroadcast:
			calls = append(calls, c)
		}
	}
	return calls
}

func (f *fixture) wantDeliveries(user string, n int) {
	f.t.Helper()
	if got := len(f.lapi.Deliveries(user)); got != n {
		f.t.Errorf("%s got %d deliveries, want %d", user, got, n)
	}
}

func (f *fixture) wantStatus(key string, want store.PushStatus) store.Push {
	f.t.Helper()
	p, err := f.st.GetPush(context.Background(), key)
	if err != nil {
		f.t.Fatal(err)
	}
	if p.Status != want {
		f.t.Errorf("push %s is %s (%s), want %s", key, p.Status, p.Error, want)
	}
	return p
}

// TestRetryAfterOneSecond: LINE's 429 with Retry-After: 1 is retried after about a second of
// the clock, not before, and not after a long lease.
func TestRetryAfterOneSecond(t *testing.T) {
	stores(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		o := f.outbox(nil, nil)
		p := textPush(t, store.PushReferralNotice, "สถานะเปลี่ยนแล้ว", userID(1))
		if err := o.Enqueue(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		f.lapi.FailNextRetryAfter(line.EndpointPush, "1", 1)
		f.pass(o, t0)
		if n := len(f.sendCalls()); n != 1 {
			t.Fatalf("%d calls after the first pass, want 1", n)
		}
		f.pass(o, t0.Add(900*time.Millisecond))
		if n := len(f.sendCalls()); n != 1 {
			t.Fatalf("retried %d times before Retry-After passed", n-1)
		}
		f.pass(o, t0.Add(1200*time.Millisecond))
		calls := f.sendCalls()
		if len(calls) != 2 || calls[1].Status != 200 || calls[1].RetryKey != p.RetryKey {
			t.Fatalf("calls after a second: %+v", calls)
		}
		f.wantDeliveries(userID(1), 1)
		f.wantStatus(p.RetryKey, store.PushSent)
		// The messages went out as stored: built once, sent as they are.
		if !bytes.Contains(calls[1].Body, p.Messages) {
			t.Errorf("sent body %s does not carry the stored messages %s", calls[1].Body, p.Messages)
		}
	})
}

// TestAnswerLostThen409CountsAsSent: LINE accepts a push but the answer is a 500; the retry with
// the same key gets 409, which counts as sent; the user has one message.
func TestAnswerLostThen409CountsAsSent(t *testing.T) {
	stores(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		o := f.outbox(nil, nil)
		p := textPush(t, store.PushLeaderDecision, "อนุมัติแล้ว", userID(2))
		if err := o.Enqueue(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		f.lapi.FailNextAfterAccept(line.EndpointPush, 500, 1)
		f.pass(o, t0)
		f.wantStatus(p.RetryKey, store.PushPending)
		f.pass(o, t0.Add(1100*time.Millisecond)) // the first back-off is at most a second
		calls := f.sendCalls()
		if len(calls) != 2 || calls[0].Status != 500 || calls[1].Status != 409 {
			t.Fatalf("calls: %+v", calls)
		}
		f.wantStatus(p.RetryKey, store.PushSent)
		f.wantDeliveries(userID(2), 1)
	})
}

// TestRefusedIsRecordedAndDropped: a 400 is recorded with LINE's answer and never retried; 5xx
// are retried with back-off until accepted.
func TestRefusedIsRecordedAndDropped(t *testing.T) {
	stores(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		reg := prometheus.NewRegistry()
		o := f.outbox(nil, reg)
		ctx := context.Background()
		bad := textPush(t, store.PushOfficerCard, "ใบสมัครใหม่", userID(3))
		flaky := textPush(t, store.PushWorkshop, "แจ้งเตือน", userID(4))
		f.lapi.FailNext(line.EndpointPush, 400, 1)
		if err := o.Enqueue(ctx, bad); err != nil {
			t.Fatal(err)
		}
		f.pass(o, t0)
		got := f.wantStatus(bad.RetryKey, store.PushFailed)
		if !strings.Contains(got.Error, "400") || got.Messages != nil {
			t.Errorf("refused push: error %q, messages kept %s", got.Error, got.Messages)
		}
		f.lapi.FailNext(line.EndpointPush, 503, 2)
		if err := o.Enqueue(ctx, flaky); err != nil {
			t.Fatal(err)
		}
		for i, at := range []time.Duration{0, 1100 * time.Millisecond, 3300 * time.Millisecond, time.Hour} {
			f.pass(o, t0.Add(time.Second+at))
			if i == 1 {
				f.wantStatus(flaky.RetryKey, store.PushPending)
			}
		}
		f.wantStatus(flaky.RetryKey, store.PushSent)
		f.wantDeliveries(userID(3), 0)
		f.wantDeliveries(userID(4), 1)
		if n := len(f.sendCalls()); n != 4 {
			t.Errorf("%d calls, want 4 (the 400 once, the 503 twice, then 200)", n)
		}
		if v := testutil.ToFloat64(mustCounter(t, reg, "failed", store.PushOfficerCard)); v != 1 {
			t.Errorf("failed officer cards counted %v, want 1", v)
		}
	})
}

// mustCounter finds ssonet_deliveries_total{kind,outcome} in reg.
func mustCounter(t *testing.T, reg *prometheus.Registry, outcome string, kind store.PushKind) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "ssonet_deliveries_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["kind"] == string(kind) && labels["outcome"] == outcome {
				return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "x"}, m.GetCounter().GetValue)
			}
		}
	}
	t.Fatalf("no ssonet_deliveries_total{kind=%s,outcome=%s}", kind, outcome)
	return nil
}

// TestCorruptRowSkippedAndLogged: rows that could never be sent (an empty text, a recipient
// that is not a user ID, messages that are not JSON) are skipped, logged with the reason, and
// never reach LINE; Enqueue refuses them in the first place.
func TestCorruptRowSkippedAndLogged(t *testing.T) {
	stores(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		o := f.outbox(nil, nil)
		ctx := context.Background()
		empty := textPush(t, store.PushWorkshop, "", userID(5))
		group := textPush(t, store.PushAnnouncement, "ข่าว", "C0123456789abcdef0123456789abcdef")
		notJSON := textPush(t, store.PushReferralNotice, "x", userID(6))
		notJSON.Messages = json.RawMessage(`{"type":`)
		for _, p := range []store.Push{empty, group, notJSON} {
			if err := o.Enqueue(ctx, p); !errors.Is(err, outbox.ErrInvalidPush) {
				t.Errorf("Enqueue(%s) = %v, want ErrInvalidPush", p.Messages, err)
			}
			// Written past the outbox, as a bad migration or a hand edit would.
			p.CreatedAt = t0
			if err := st.EnqueuePush(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		f.pass(o, t0)
		if calls := f.sendCalls(); len(calls) != 0 {
			t.Fatalf("corrupt rows reached LINE: %+v", calls)
		}
		for key, reason := range map[string]string{empty.RetryKey: "empty text", group.RetryKey: "not a LINE user ID", notJSON.RetryKey: "not a JSON array"} {
			p := f.wantStatus(key, store.PushSkipped)
			if !strings.Contains(p.Error, reason) {
				t.Errorf("skipped %s: recorded reason %q, want %q", key, p.Error, reason)
			}
			if !strings.Contains(f.logged(), `"push":"`+key+`"`) || !strings.Contains(f.logged(), reason) {
				t.Errorf("skip of %s not logged with %q:\n%s", key, reason, f.logged())
			}
		}
		if f.pass(o, t0.Add(time.Hour)) != 0 {
			t.Error("skipped rows were claimed again")
		}
	})
}

// TestExpiredPushSkipped: a push whose NotAfter has passed (a reminder after the workshop
// began, e.g. after weeks without quota) is skipped and logged, not sent.
func TestExpiredPushSkipped(t *testing.T) {
	stores(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		o := f.outbox(nil, nil)
		p := textPush(t, store.PushWorkshop, "พรุ่งนี้อบรม", userID(7))
		p.NotAfter = t0.Add(time.Minute)
		if err := o.Enqueue(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		f.pass(o, t0.Add(2*time.Minute))
		f.wantStatus(p.RetryKey, store.PushSkipped)
		f.wantDeliveries(userID(7), 0)
		if !strings.Contains(f.logged(), "expired") {
			t.Errorf("expiry not logged:\n%s", f.logged())
		}
	})
}

// TestCrashedClaimResumedAfterLease: a worker that claimed pushes and died (kill -9) leaves
// them claimed; a fresh outbox takes them over once the lease has passed, seconds later.
func TestCrashedClaimResumedAfterLease(t *testing.T) {
	stores(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		ctx := context.Background()
		o := f.outbox(nil, nil)
		for i := 1; i <= 3; i++ {
			if err := o.Enqueue(ctx, textPush(t, store.PushReferralNotice, "แจ้ง", userID(i))); err != nil {
				t.Fatal(err)
			}
		}
		if claimed, err := st.ClaimPushes(ctx, t0, lease, "dead-worker", 10); err != nil || len(claimed) != 3 {
			t.Fatalf("claim: %d, %v", len(claimed), err)
		}
		fresh := f.outbox(nil, nil)
		if n := f.pass(fresh, t0.Add(lease-time.Millisecond)); n != 0 {
			t.Fatalf("took over %d live claims", n)
		}
		if n := f.pass(fresh, t0.Add(lease)); n != 3 {
			t.Fatalf("resumed %d pushes after the lease, want 3", n)
		}
		for i := 1; i <= 3; i++ {
			f.wantDeliveries(userID(i), 1)
		}
		if err := st.FinishPush(ctx, textPush(t, store.PushReferralNotice, "แจ้ง", userID(1)).RetryKey, "dead-worker", store.PushFailed, "", t0); !errors.Is(err, store.ErrConflict) {
			t.Errorf("the dead worker's late write: %v, want ErrConflict", err)
		}
	})
}

// TestMonthlyQuotaStopsEveryPush: LINE's "You have reached your monthly limit." stops every
// push at once, on every replica; the rest stays queued; the metric is 1; sending resumes by
// itself on the first of the next month in Bangkok, or when an admin resumes it.
func TestMonthlyQuotaStopsEveryPush(t *testing.T) {
	stores(t, func(t *testing.T, st store.Store) {
		t.Run("AdminResume", func(t *testing.T) {
			f, a, b, reg := quotaFixture(t, st)
			ctx := context.Background()
			before := len(f.sendCalls())
			for _, at := range []time.Duration{time.Second, time.Minute, 10 * 24 * time.Hour} {
				f.pass(a, t0.Add(at))
				f.pass(b, t0.Add(at))
			}
			if n := len(f.sendCalls()); n != before {
				t.Fatalf("%d push attempts while the quota was used up", n-before)
			}
			f.lapi.SetMonthlyQuota(100, 3) // the admins bought more
			q, err := b.Resume(ctx, "line:"+userID(99))
			if err != nil || q.Exhausted || q.ResumedBy != "line:"+userID(99) {
				t.Fatalf("Resume = %+v, %v", q, err)
			}
			f.pass(a, t0.Add(10*24*time.Hour+time.Second))
			everyoneOnce(t, f)
			if v := testutil.ToFloat64(gauge(t, reg)); v != 0 {
				t.Errorf("ssonet_line_quota_exhausted = %v after resume", v)
			}
			entries, err := st.ListAudit(ctx, store.AuditFilter{Action: "line.quota.resume"})
			if err != nil || len(entries) != 1 || entries[0].Actor != "line:"+userID(99) {
				t.Errorf("resume audit: %+v, %v", entries, err)
			}
		})
		t.Run("NextMonth", func(t *testing.T) {
			f, a, b, _ := quotaFixture(t, st)
			before := len(f.sendCalls())
			lastMinute := time.Date(2026, 12, 31, 23, 59, 59, 0, bangkok)
			f.pass(b, lastMinute)
			if n := len(f.sendCalls()); n != before {
				t.Fatalf("%d push attempts before the month turned", n-before)
			}
			f.lapi.SetMonthlyQuota(3+7, 0) // LINE's new month
			f.pass(a, time.Date(2027, 1, 1, 0, 0, 0, 0, bangkok))
			everyoneOnce(t, f)
			if q := a.QuotaState(); q.Exhausted || q.ResumedBy != "auto" {
				t.Errorf("after the month turned: %+v", q)
			}
		})
	})
}

// quotaFixture queues pushes to ten users on a store whose LINE has 3 messages left, runs one
// pass of replica a until LINE says the quota is used up, and checks the state. b is a second
// replica that did nothing yet.
func quotaFixture(t *testing.T, st store.Store) (*fixture, *outbox.Outbox, *outbox.Outbox, *prometheus.Registry) {
	f := newFixture(t, st)
	reg := prometheus.NewRegistry()
	a, b := f.outbox(nil, reg), f.outbox(nil, nil)
	ctx := context.Background()
	f.lapi.SetMonthlyQuota(3, 0)
	for i := 1; i <= 10; i++ {
		if err := a.Enqueue(ctx, textPush(t, store.PushAnnouncementDone, "ส่งแล้ว "+t.Name(), userID(i))); err != nil {
			t.Fatal(err)
		}
	}
	f.pass(a, t0)
	q, err := st.GetQuotaState(ctx)
	if err != nil || !q.Exhausted || !q.ResumeAt.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, bangkok)) {
		t.Fatalf("quota state = %+v, %v; want exhausted until 1 Jan 2027 00:00 Bangkok", q, err)
	}
	if !a.QuotaState().Exhausted {
		t.Error("the outbox does not know it is stopped")
	}
	if v := testutil.ToFloat64(gauge(t, reg)); v != 1 {
		t.Errorf("ssonet_line_quota_exhausted = %v, want 1", v)
	}
	byKind, _, _ := st.PendingPushes(ctx)
	if byKind[store.PushAnnouncementDone] != 7 {
		t.Errorf("%d pushes still queued, want 7", byKind[store.PushAnnouncementDone])
	}
	if n := testutil.CollectAndCount(reg, "ssonet_outbox_depth"); n == 0 {
		t.Error("no ssonet_outbox_depth series")
	}
	if !strings.Contains(f.logged(), "monthly message quota used up") {
		t.Error("the stop is not logged")
	}
	return f, a, b, reg
}

func gauge(t *testing.T, reg *prometheus.Registry) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "ssonet_line_quota_exhausted" {
			return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "x"}, mf.GetMetric()[0].GetGauge().GetValue)
		}
	}
	t.Fatal("no ssonet_line_quota_exhausted")
	return nil
}

// everyoneOnce checks that each of the ten users got the push exactly once.
func everyoneOnce(t *testing.T, f *fixture) {
	t.Helper()
	for i := 1; i <= 10; i++ {
		f.wantDeliveries(userID(i), 1)
	}
}

// TestKeysAreStable: a key derived from the same parts is the same UUID, different parts give
// different keys, and the derivation is the one earlier versions stored with announcement
// batches and approval pushes ("ssonet:" and the parts joined by ":", SHA-1 name-based UUID in
// the URL namespace), so a push queued again after an upgrade keeps its key.
func TestKeysAreStable(t *testing.T) {
	k := outbox.Key("announcement", "ann-1", "0")
	if !line.IsRetryKey(k) || k != outbox.Key("announcement", "ann-1", "0") {
		t.Fatalf("key %q is not a stable UUID", k)
	}
	if k == outbox.Key("announcement", "ann-1", "1") || k == outbox.Key("announcement", "ann-2", "0") || k == outbox.Key("announcement", "ann-10") {
		t.Fatal("keys collide across batches or announcements")
	}
	if want := uuid.NewSHA1(uuid.NameSpaceURL, []byte("ssonet:announcement:ann-1:0")).String(); k != want {
		t.Errorf("key %s, want %s as before", k, want)
	}
}

// slowSender holds the push to one user until release is closed.
type slowSender struct {
	*line.Client
	slow    string
	started chan struct{}
	release chan struct{}
}

func (s *slowSender) Push(ctx context.Context, to string, msgs []messaging_api.MessageInterface, key string) error {
	if to == s.slow {
		close(s.started)
		<-s.release
	}
	return s.Client.Push(ctx, to, msgs, key)
}

// TestSlowPushDoesNotHoldTheOthers: with two workers, one push LINE is slow to answer leaves
// the other worker sending the rest.
func TestSlowPushDoesNotHoldTheOthers(t *testing.T) {
	stores(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		slow := &slowSender{Client: f.line, slow: userID(1), started: make(chan struct{}), release: make(chan struct{})}
		o, err := outbox.New(outbox.Config{Store: st, LINE: slow, Now: f.clock, Lease: lease, Workers: 2, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		for i := 1; i <= 6; i++ {
			p := textPush(t, store.PushWorkshop, "แจ้งเตือน", userID(i))
			p.CreatedAt = t0.Add(time.Duration(i) * time.Millisecond) // the slow one is due first
			if err := o.Enqueue(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		f.set(t0.Add(time.Second))
		sub, unsubscribe := f.lapi.Subscribe()
		defer unsubscribe()
		done := make(chan int)
		go func() {
			n, _ := o.SendDue(ctx)
			done <- n
		}()
		<-slow.started
		for got := 0; got < 5; {
			d := <-sub
			if d.To == userID(1) {
				t.Fatal("the slow push went out before it was released")
			}
			got++
		}
		close(slow.release)
		if n := <-done; n != 6 {
			t.Errorf("SendDue handled %d, want 6", n)
		}
		for i := 1; i <= 6; i++ {
			f.wantDeliveries(userID(i), 1)
		}
	})
}

// TestWaitIdleWaitsForWhatWasQueued: with Run in the background (its poll far away), WaitIdle
// returns once the queued push is sent, and at once when nothing was queued.
func TestWaitIdleWaitsForWhatWasQueued(t *testing.T) {
	stores(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		o, err := outbox.New(outbox.Config{Store: st, LINE: f.line, Now: f.clock, Poll: time.Hour, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); o.Run(ctx) }()
		defer func() { cancel(); <-done }()
		if err := o.WaitIdle(ctx); err != nil {
			t.Fatal(err)
		}
		if err := o.Enqueue(ctx, textPush(t, store.PushReply, "รายการอบรมของคุณ", userID(8))); err != nil {
			t.Fatal(err)
		}
		if err := o.WaitIdle(ctx); err != nil {
			t.Fatal(err)
		}
		f.wantDeliveries(userID(8), 1)
	})
}
