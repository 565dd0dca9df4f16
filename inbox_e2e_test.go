package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssonet/ssonet/bot"
	"github.com/ssonet/ssonet/handlers"
	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/store/mongostore/ferrettest"
	"github.com/ssonet/ssonet/store/sqlitestore"
)

// The inbox from outside, as LINE sees it (docs/ARCHITECTURE.md, "Inbox" and "Workers"): signed
// webhook requests over real HTTP, the stand-in LINE API, both stores, faults injected into the
// store, and the clock injected so that leases and back-offs pass without waiting.

// faultyStore is a real store with faults a test switches on.
type faultyStore struct {
	store.Store
	mu       sync.Mutex
	held     chan struct{} // not nil: inbox writes and pings wait for it to close, or give up with their context
	failRead int           // the next GetMemberRecords calls (a turn's first read) that fail (a fault between claim and completion)
	dies     int           // the next claims (ClaimInbox, or AddInbox storing an event claimed) whose worker dies at once
	lostDone int           // the next CompleteInbox calls that fail (the handling is done but not recorded)
}

var errFault = errors.New("injected store fault")

// take decrements *n and reports whether it was positive.
func (f *faultyStore) take(n *int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if *n > 0 {
		*n--
		return true
	}
	return false
}

// wait blocks while the store is held, like a database that does not answer.
func (f *faultyStore) wait(ctx context.Context) error {
	f.mu.Lock()
	held := f.held
	f.mu.Unlock()
	if held == nil {
		return nil
	}
	select {
	case <-held:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *faultyStore) AddInbox(ctx context.Context, evs []store.InboxEvent) (store.InboxAdded, error) {
	if err := f.wait(ctx); err != nil {
		return store.InboxAdded{}, err
	}
	added, err := f.Store.AddInbox(ctx, evs)
	if err == nil && len(added.Claimed) > 0 && f.take(&f.dies) {
		added.Claimed = nil // stored claimed, but the process holding the claim is gone
	}
	return added, err
}

func (f *faultyStore) Ping(ctx context.Context) error {
	if err := f.wait(ctx); err != nil {
		return err
	}
	return f.Store.Ping(ctx)
}

func (f *faultyStore) GetMemberRecords(ctx context.Context, userID string) (store.MemberRecords, error) {
	if f.take(&f.failRead) {
		return store.MemberRecords{}, errFault
	}
	return f.Store.GetMemberRecords(ctx, userID)
}

func (f *faultyStore) ClaimInbox(ctx context.Context, userID, token string, now time.Time, lease time.Duration) (store.InboxEvent, error) {
	e, err := f.Store.ClaimInbox(ctx, userID, token, now, lease)
	if err == nil && f.take(&f.dies) {
		return store.InboxEvent{}, errors.New("the worker died after its claim")
	}
	return e, err
}

func (f *faultyStore) CompleteInbox(ctx context.Context, id, token string, now time.Time) error {
	if f.take(&f.lostDone) {
		return errFault
	}
	return f.Store.CompleteInbox(ctx, id, token, now)
}

// hold makes the store stop answering inbox writes and pings until the returned function is
// called.
func (f *faultyStore) hold() (release func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan struct{})
	f.held = ch
	return func() {
		f.mu.Lock()
		f.held = nil
		f.mu.Unlock()
		close(ch)
	}
}

// faultServer is ssonet served (serve, as run does) over a faultyStore, with its clock at clock.
type faultServer struct {
	*testServer
	store *faultyStore
	clock *testClock
	vars  map[string]string
}

func startFaultServer(t *testing.T, extra map[string]string) *faultServer {
	t.Helper()
	clock := &testClock{t: time.Now().UTC().Truncate(time.Millisecond)}
	standIn := linetest.NewServer(testToken)
	t.Cleanup(standIn.Close)
	standIn.SetNow(clock.now)
	vars := productionEnv(t, standIn, extra)
	cfg, err := loadConfig(env(vars))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Now = clock.now
	fs := &faultyStore{Store: openInspector(t, vars)}
	logs := &logSink{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	})
	srv := startWith(t, func(ctx context.Context, ready func(started)) error {
		return serve(ctx, cfg, slog.New(slog.NewTextHandler(logs, nil)), fs, io.Discard, ready)
	})
	return &faultServer{
		testServer: &testServer{url: srv.addr, standIn: standIn, inspect: openInspector(t, vars), inbox: srv.inbox, outbox: srv.outbox},
		store:      fs, clock: clock, vars: vars,
	}
}

// advance moves the clock and lets the workers search the store at the new time.
func (s *faultServer) advance(t *testing.T, d time.Duration) {
	t.Helper()
	s.clock.set(s.clock.now().Add(d))
	s.inbox.Poll(context.Background())
	s.settle(t)
}

// answers are the reply and push deliveries to user.
func (s *faultServer) answers(user string) (replies, pushes []linetest.Delivery) {
	for _, d := range s.standIn.Deliveries(user) {
		switch d.Endpoint {
		case line.EndpointReply:
			replies = append(replies, d)
		case line.EndpointPush:
			pushes = append(pushes, d)
		}
	}
	return replies, pushes
}

// eachStoreE2E runs scenario on SQLite and on MongoDB (the in-process FerretDB).
func eachStoreE2E(t *testing.T, scenario func(t *testing.T, extra map[string]string)) {
	t.Run("SQLite", func(t *testing.T) { t.Parallel(); scenario(t, nil) })
	t.Run("Mongo", func(t *testing.T) { t.Parallel(); scenario(t, map[string]string{"MONGODB_URI": ferrettest.URI(t)}) })
}

// holdSQLiteWriteLock takes the write lock of the database file in dir from another connection,
// as another process would, until release is called.
func holdSQLiteWriteLock(t *testing.T, dir string) (release func()) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlitestore.FileName)+"?_pragma=busy_timeout(100)")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	return func() {
		if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
			t.Error(err)
		}
		conn.Close()
		db.Close()
	}
}

// TestStoreHeldAnswers500InTime: while the store cannot take a write (SQLite: another
// connection holds the file's write lock; MongoDB: a server that does not answer), the webhook
// answers 500 within 2 s and /readyz 503; LINE's redelivery after the store is back is handled
// once.
func TestStoreHeldAnswers500InTime(t *testing.T) {
	eachStoreE2E(t, func(t *testing.T, extra map[string]string) {
		s := startFaultServer(t, extra)
		release := func() func() {
			if extra == nil {
				return holdSQLiteWriteLock(t, s.vars["DATA_DIR"])
			}
			return s.store.hold()
		}()
		user := newUser()
		ev := event{UserID: user, EventID: newEventID(), ReplyToken: s.standIn.IssueReplyToken(user), Timestamp: s.clock.now().UnixMilli()}
		start := time.Now()
		body := fixture(t, "follow.json", ev)
		code := s.send(t, body, handlers.Sign(testSecret, body)) // nothing to wait for: the store is held
		if took := time.Since(start); code != http.StatusInternalServerError || took >= 2*time.Second {
			t.Errorf("webhook with the store held: %d after %v, want 500 within 2s", code, took)
		}
		if code := s.get(t, "/readyz"); code != http.StatusServiceUnavailable {
			t.Errorf("readyz with the store held: %d, want 503", code)
		}
		release()

		ev.Redelivery = true
		if code := s.postSigned(t, fixture(t, "follow.json", ev)); code != http.StatusOK {
			t.Fatalf("redelivery: %d, want 200", code)
		}
		if code := s.postSigned(t, fixture(t, "follow.json", ev)); code != http.StatusOK {
			t.Fatalf("second redelivery: %d, want 200", code)
		}
		if replies, pushes := s.answers(user); len(replies) != 1 || len(pushes) != 0 {
			t.Errorf("%d replies and %d pushes, want the welcome once", len(replies), len(pushes))
		}
		if code := s.get(t, "/readyz"); code != http.StatusOK {
			t.Errorf("readyz after the store is back: %d, want 200", code)
		}
	})
}

// TestFaultWhileHandlingIsRetried: a store fault after the worker claimed the event leaves it in
// the inbox; it is handled once, after the back-off, and LINE's redelivery changes nothing.
func TestFaultWhileHandlingIsRetried(t *testing.T) {
	eachStoreE2E(t, func(t *testing.T, extra map[string]string) {
		s := startFaultServer(t, extra)
		s.store.failRead = 1
		user := newUser()
		ev := event{UserID: user, EventID: newEventID(), ReplyToken: s.standIn.IssueReplyToken(user), Text: "เมนู", Timestamp: s.clock.now().UnixMilli()}
		if code := s.postSigned(t, fixture(t, "text.json", ev)); code != http.StatusOK {
			t.Fatalf("webhook: %d, want 200 (the event is stored)", code)
		}
		if replies, pushes := s.answers(user); len(replies)+len(pushes) != 0 {
			t.Fatalf("answered despite the fault")
		}
		s.advance(t, 2*time.Second) // the first back-off
		ev.Redelivery = true
		if code := s.postSigned(t, fixture(t, "text.json", ev)); code != http.StatusOK {
			t.Fatalf("redelivery: %d", code)
		}
		s.advance(t, time.Hour)
		if replies, pushes := s.answers(user); len(replies) != 1 || len(pushes) != 0 {
			t.Errorf("%d replies and %d pushes, want the menu once, replied", len(replies), len(pushes))
		}
		if st, err := s.inspect.InboxStats(context.Background()); err != nil || st.Pending != 0 || st.Parked != 0 {
			t.Errorf("inbox after handling: %+v, %v", st, err)
		}
	})
}

// TestCrashedWorkerClaimIsTakenOver: a worker that died right after its claim holds the event
// only for the lease; then it is handled, once.
func TestCrashedWorkerClaimIsTakenOver(t *testing.T) {
	eachStoreE2E(t, func(t *testing.T, extra map[string]string) {
		s := startFaultServer(t, extra)
		s.store.dies = 1
		user := newUser()
		ev := event{UserID: user, EventID: newEventID(), ReplyToken: s.standIn.IssueReplyToken(user), Text: "เมนู", Timestamp: s.clock.now().UnixMilli()}
		if code := s.postSigned(t, fixture(t, "text.json", ev)); code != http.StatusOK {
			t.Fatalf("webhook: %d", code)
		}
		s.advance(t, 15*time.Second-time.Millisecond) // inbox.DefaultLease
		if replies, pushes := s.answers(user); len(replies)+len(pushes) != 0 {
			t.Fatal("handled during the dead worker's lease")
		}
		s.advance(t, time.Millisecond)
		if replies, pushes := s.answers(user); len(replies) != 1 || len(pushes) != 0 {
			t.Errorf("%d replies and %d pushes after the lease, want the menu once", len(replies), len(pushes))
		}
	})
}

// TestStaleReplyTokenPushesTheList: a leader asks for "อบรมของฉัน". When LINE refuses the reply
// token, or the event is handled too late to use it, the list is pushed instead, once, with the
// retry key derived from the event, even when the event is handled twice.
func TestStaleReplyTokenPushesTheList(t *testing.T) {
	eachStoreE2E(t, func(t *testing.T, extra map[string]string) {
		s := startFaultServer(t, extra)
		ctx := context.Background()
		leader := newUser()
		s.standIn.SetProfile(line.Profile{UserID: leader, DisplayName: "สมหญิง", Language: "th"})
		now := s.clock.now()
		if err := s.inspect.CreateLeader(ctx, store.Leader{UserID: leader, SubmissionID: "e2e-" + leader, FullName: "สมหญิง ใจดี",
			Phone: "0812345678", ProvinceCode: "TH-76", Status: store.LeaderApproved, CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		w, err := s.inspect.CreateWorkshop(ctx, store.Workshop{Title: "อบรมแกนนำเพชรบุรี", ProvinceCode: "TH-76", Venue: store.Venue{Name: "โรงแรมเพชรบุรี"},
			StartsAt: now.Add(72 * time.Hour), EndsAt: now.Add(78 * time.Hour), RegistrationDeadline: now.Add(48 * time.Hour), Capacity: 20,
			Status: store.WorkshopOpen, CreatedBy: "api", CreatedAt: now, UpdatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.inspect.JoinWorkshop(ctx, w.ID, leader, now); err != nil {
			t.Fatal(err)
		}
		ask := func() (event, []linetest.Delivery) {
			t.Helper()
			ev := event{UserID: leader, EventID: newEventID(), ReplyToken: s.standIn.IssueReplyToken(leader), Text: "อบรมของฉัน", Timestamp: s.clock.now().UnixMilli()}
			return ev, s.standIn.Deliveries(leader)
		}
		pushedOnce := func(ev event, before []linetest.Delivery, what string) {
			t.Helper()
			all := s.standIn.Deliveries(leader)
			got := all[len(before):]
			if len(got) != 1 || got[0].Endpoint != line.EndpointPush || !strings.Contains(joined(got[0].Messages), "อบรมแกนนำเพชรบุรี") {
				var kinds []string
				for _, d := range got {
					kinds = append(kinds, d.Endpoint)
				}
				t.Fatalf("%s: deliveries %v, want the list pushed once", what, kinds)
			}
			var keys []string
			for _, c := range s.standIn.Calls() {
				if c.Endpoint == line.EndpointPush && c.RetryKey == bot.FallbackRetryKey(ev.EventID) {
					keys = append(keys, c.RetryKey)
				}
			}
			if len(keys) == 0 {
				t.Errorf("%s: no push carried the retry key of event %s", what, ev.EventID)
			}
		}

		// LINE refuses the token (used or expired).
		ev, before := ask()
		s.standIn.ExpireReplyToken(ev.ReplyToken)
		if code := s.postSigned(t, fixture(t, "text.json", ev)); code != http.StatusOK {
			t.Fatalf("webhook: %d", code)
		}
		pushedOnce(ev, before, "refused token")

		// Handled too late for the token (the first try failed; the retry is two minutes
		// later): pushed without trying the reply; and handled a second time (its completion
		// was lost), LINE's 409 for the repeated key keeps it at one push.
		ev, before = ask()
		s.store.failRead, s.store.lostDone = 1, 1
		if code := s.postSigned(t, fixture(t, "text.json", ev)); code != http.StatusOK {
			t.Fatalf("webhook: %d", code)
		}
		s.advance(t, 2*time.Minute)
		pushedOnce(ev, before, "late handling")
		s.advance(t, time.Minute) // past the lease of the claim whose completion was lost
		pushedOnce(ev, before, "handled again")
		for _, c := range s.standIn.Calls() {
			if c.Endpoint == line.EndpointReply && strings.Contains(string(c.Body), ev.ReplyToken) {
				t.Errorf("a reply was tried with the stale token: %s", c.Body)
			}
		}

		// Small talk is not pushed.
		ev, before = ask()
		ev.Text = "ขอบคุณ"
		s.standIn.ExpireReplyToken(ev.ReplyToken)
		s.postSigned(t, fixture(t, "text.json", ev))
		if got := s.standIn.Deliveries(leader)[len(before):]; len(got) != 0 {
			t.Errorf("small talk was delivered: %+v", got)
		}
	})
}

// joined is the messages' JSON, one after the other.
func joined(msgs []json.RawMessage) string {
	var b strings.Builder
	for _, m := range msgs {
		b.Write(m)
	}
	return b.String()
}

// TestTwoReplicasKeepOneUsersOrder runs two replicas on one MongoDB. One user's events are
// posted to them alternately, all at once, before either handles anything: each is answered
// once, in the order the user sent them, whichever replica handles it.
func TestTwoReplicasKeepOneUsersOrder(t *testing.T) {
	standIn := linetest.NewServer(testToken)
	t.Cleanup(standIn.Close)
	vars := productionEnv(t, standIn, map[string]string{"MONGODB_URI": ferrettest.URI(t)})
	replicas := []started{startRun(t, vars, io.Discard), startRun(t, vars, io.Discard)}
	user := newUser()
	texts := []struct{ send, answer string }{
		{"ช่วยเหลือ", "พิมพ์หรือกดปุ่มได้เลยค่ะ"}, {"เมนู", "เลือกสิ่งที่ต้องการได้เลยค่ะ"}, {"ม.40", "ทางเลือก"},
		{"เมนู", "เลือกสิ่งที่ต้องการได้เลยค่ะ"}, {"ช่วยเหลือ", "พิมพ์หรือกดปุ่มได้เลยค่ะ"}, {"ม.40", "ทางเลือก"},
	}
	start := time.Now()
	for i, tx := range texts {
		ev := event{UserID: user, EventID: newEventID(), ReplyToken: standIn.IssueReplyToken(user), Text: tx.send, Timestamp: start.Add(time.Duration(i) * time.Millisecond).UnixMilli()}
		body := fixture(t, "text.json", ev)
		req, _ := http.NewRequest(http.MethodPost, replicas[i%2].addr+"/webhook", strings.NewReader(string(body)))
		req.Header.Set("X-Line-Signature", handlers.Sign(testSecret, body))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("event %d: status %d", i, res.StatusCode)
		}
	}
	// Each replica's workers are idle only once the other's claim on the user's events has
	// ended, so waiting on both in turn, twice, sees everything handled.
	for range 2 {
		for _, r := range replicas {
			(&testServer{inbox: r.inbox}).settle(t)
			r.inbox.Poll(context.Background())
			(&testServer{inbox: r.inbox}).settle(t)
		}
	}
	got := standIn.Deliveries(user)
	if len(got) != len(texts) {
		t.Fatalf("%d deliveries for %d events", len(got), len(texts))
	}
	for i, d := range got {
		if d.Endpoint != line.EndpointReply || !strings.Contains(joined(d.Messages), texts[i].answer) {
			t.Errorf("delivery %d (%s) does not answer %q", i, d.Endpoint, texts[i].send)
		}
	}
}
