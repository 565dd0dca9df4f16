package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"text/template"
	"time"

	"github.com/ssonet/ssonet/handlers"
	"github.com/ssonet/ssonet/inbox"
	"github.com/ssonet/ssonet/line/linetest"
	"github.com/ssonet/ssonet/outbox"
	"github.com/ssonet/ssonet/scheduler"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/store/mongostore"
	"github.com/ssonet/ssonet/store/mongostore/ferrettest"
	"github.com/ssonet/ssonet/store/sqlitestore"
)

const (
	testSecret = "e2e-channel-secret"
	testToken  = "e2e-channel-access-token"
)

// testServer is ssonet started by run on a free port, in production mode against a stand-in
// LINE API, with a second handle on its database to check what it stored.
type testServer struct {
	url     string
	standIn *linetest.Server
	inspect store.Store
	inbox   *inbox.Inbox   // the server's workers: post waits until they are idle
	outbox  *outbox.Outbox // the server's pushes: post waits until the due ones are sent
}

// logSink collects a server's log and prints it when the test fails.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String is what was logged so far; safe while the server runs.
func (l *logSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// productionEnv is the configuration of a server with a LINE channel whose API is standIn.
// The store is sqlite in a fresh directory unless extra says otherwise.
func productionEnv(t testing.TB, standIn *linetest.Server, extra map[string]string) map[string]string {
	vars := map[string]string{
		"PORT":                      "0",
		"DATA_DIR":                  t.TempDir(),
		"LINE_CHANNEL_SECRET":       testSecret,
		"LINE_CHANNEL_ACCESS_TOKEN": testToken,
		"LINE_API_BASE_URL":         standIn.URL(),
		"LINE_DATA_API_BASE_URL":    standIn.DataURL(),
		"ENCRYPTION_KEY":            testKey,
	}
	for k, v := range extra {
		vars[k] = v
	}
	return vars
}

// startRun starts run with vars and returns what it started once it listens. The server stops,
// and must stop cleanly, when the test ends.
func startRun(t testing.TB, vars map[string]string, stdout io.Writer) started {
	t.Helper()
	return startWith(t, func(ctx context.Context, ready func(started)) error {
		return run(ctx, env(vars), stdout, ready)
	})
}

// startWith runs start (run or serve) until the test ends and returns what it started, its
// address as a URL.
func startWith(t testing.TB, start func(context.Context, func(started)) error) started {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc, errc := make(chan started, 1), make(chan error, 1)
	go func() { errc <- start(ctx, func(s started) { addrc <- s }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("server stopped with: %v", err)
		}
	})
	select {
	case s := <-addrc:
		s.addr = "http://" + s.addr
		return s
	case err := <-errc:
		errc <- nil // let the clean-up pass; the failure is reported here
		t.Fatalf("server did not start: %v", err)
		return started{}
	}
}

func startServer(t testing.TB, extra map[string]string) *testServer {
	t.Helper()
	standIn := linetest.NewServer(testToken)
	t.Cleanup(standIn.Close)
	vars := productionEnv(t, standIn, extra)
	logs := &logSink{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	})
	srv := startRun(t, vars, logs)
	return &testServer{url: srv.addr, standIn: standIn, inspect: openInspector(t, vars), inbox: srv.inbox, outbox: srv.outbox}
}

// openInspector opens a second handle on the server's database.
func openInspector(t testing.TB, vars map[string]string) store.Store {
	t.Helper()
	key, _ := store.ParseSealerKey(vars["ENCRYPTION_KEY"])
	sealer, err := store.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	var st store.Store
	if uri := vars["MONGODB_URI"]; uri != "" {
		st, err = mongostore.Open(context.Background(), uri, sealer)
	} else {
		st, err = sqlitestore.Open(vars["DATA_DIR"], sealer)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(context.Background()) })
	return st
}

// event fills a fixture of testdata/ (LINE's webhook format) for one event.
type event struct {
	UserID, EventID, ReplyToken, Text string
	Timestamp                         int64
	Redelivery                        bool
}

var fixtures = template.Must(template.New("").Funcs(template.FuncMap{
	"json": func(s string) (string, error) { b, err := json.Marshal(s); return string(b), err },
}).ParseGlob("testdata/*.json"))

func fixture(t testing.TB, name string, ev event) []byte {
	t.Helper()
	if ev.Timestamp == 0 {
		ev.Timestamp = time.Now().UnixMilli()
	}
	var b bytes.Buffer
	if err := fixtures.ExecuteTemplate(&b, name, ev); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// post sends body to /webhook with the signature header ("" leaves it out), waits until the
// inbox's workers have handled what it accepted, and returns the status.
func (s *testServer) post(t testing.TB, body []byte, signature string) int {
	t.Helper()
	code := s.send(t, body, signature)
	s.settle(t)
	return code
}

// send is post without the wait, for a server whose store cannot take writes.
func (s *testServer) send(t testing.TB, body []byte, signature string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.url+"/webhook", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set("X-Line-Signature", signature)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// settle waits until the server's workers are idle and the pushes they queued are sent.
func (s *testServer) settle(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.inbox.WaitIdle(ctx); err != nil {
		t.Fatalf("inbox not idle: %v", err)
	}
	if s.outbox != nil {
		if err := s.outbox.WaitIdle(ctx); err != nil {
			t.Fatalf("outbox not idle: %v", err)
		}
	}
}

// postSigned signs body with the channel secret as LINE does and sends it.
func (s *testServer) postSigned(t testing.TB, body []byte) int {
	return s.post(t, body, handlers.Sign(testSecret, body))
}

func (s *testServer) get(t testing.TB, path string) int {
	t.Helper()
	res, err := http.Get(s.url + path)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// assertUntouched checks that nothing was sent to user and no member record exists for them.
func (s *testServer) assertUntouched(t *testing.T, user string) {
	t.Helper()
	if d := s.standIn.Deliveries(user); len(d) != 0 {
		t.Errorf("%d deliveries to %s, want none", len(d), user)
	}
	if _, err := s.inspect.GetMember(context.Background(), user); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("member %s: err %v, want ErrNotFound", user, err)
	}
}

var userSeq atomic.Int64

// newUser returns a LINE user ID not used before in this test binary.
// awaitDelivery waits until user has a delivery whose first message contains text (the outbox
// sends pushes in the background) and returns the latest such one. The 20-second bound is for a
// hang, not a wait: it returns as soon as the delivery is there.
func awaitDelivery(t testing.TB, standIn *linetest.Server, user, text string) linetest.Delivery {
	t.Helper()
	sub, unsubscribe := standIn.Subscribe()
	defer unsubscribe()
	deadline := time.After(20 * time.Second)
	for {
		ds := standIn.Deliveries(user)
		for i := len(ds) - 1; i >= 0; i-- {
			if strings.Contains(string(ds[i].Messages[0]), text) {
				return ds[i]
			}
		}
		select {
		case <-sub:
		case <-deadline:
			t.Fatalf("%s never got a message with %q", user, text)
		}
	}
}

func newUser() string { return fmt.Sprintf("U%032x", 0xe2e0000+userSeq.Add(1)) }

var eventSeq atomic.Int64

func newEventID() string { return fmt.Sprintf("01E2E%021d", eventSeq.Add(1)) }

// webhookScenario is the end-to-end behaviour of POST /webhook, /healthz and /readyz against
// one store back end.
func webhookScenario(t *testing.T, extra map[string]string) {
	s := startServer(t, extra)

	t.Run("probes", func(t *testing.T) {
		if s.get(t, "/healthz") != http.StatusOK || s.get(t, "/readyz") != http.StatusOK {
			t.Error("healthz/readyz not 200")
		}
	})
	t.Run("inbox metrics", func(t *testing.T) {
		res, err := http.Get(s.url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		for _, m := range []string{"ssonet_inbox_pending 0", "ssonet_inbox_oldest_age_seconds 0", "ssonet_inbox_parked 0"} {
			if !strings.Contains(string(b), m) {
				t.Errorf("/metrics lacks %q", m)
			}
		}
	})
	t.Run("verify request with empty events", func(t *testing.T) {
		if code := s.postSigned(t, fixture(t, "empty-events.json", event{})); code != http.StatusOK {
			t.Errorf("status %d, want 200", code)
		}
	})
	t.Run("bad or missing signature changes nothing", func(t *testing.T) {
		user := newUser()
		b := fixture(t, "follow.json", event{UserID: user, EventID: newEventID(), ReplyToken: s.standIn.IssueReplyToken(user)})
		if code := s.post(t, b, handlers.Sign("not the channel secret", b)); code != http.StatusBadRequest {
			t.Errorf("bad signature: status %d, want 400", code)
		}
		if code := s.post(t, b, ""); code != http.StatusBadRequest {
			t.Errorf("missing signature: status %d, want 400", code)
		}
		s.assertUntouched(t, user)
	})
	t.Run("body over 1 MiB", func(t *testing.T) {
		user := newUser()
		b := fixture(t, "text.json", event{UserID: user, EventID: newEventID(), ReplyToken: "x", Text: strings.Repeat("ก", 2<<20)})
		if code := s.postSigned(t, b); code != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d for %d bytes, want 413", code, len(b))
		}
		s.assertUntouched(t, user)
	})
	t.Run("malformed JSON", func(t *testing.T) {
		user := newUser()
		if code := s.postSigned(t, fixture(t, "malformed.json", event{UserID: user, Text: "hi"})); code != http.StatusBadRequest {
			t.Errorf("status %d, want 400", code)
		}
		s.assertUntouched(t, user)
	})
	t.Run("group source and unknown event type are ignored", func(t *testing.T) {
		for _, name := range []string{"group-text.json", "unknown-type.json"} {
			user := newUser()
			b := fixture(t, name, event{UserID: user, EventID: newEventID(), ReplyToken: s.standIn.IssueReplyToken(user), Text: "สวัสดี"})
			if code := s.postSigned(t, b); code != http.StatusOK {
				t.Errorf("%s: status %d, want 200", name, code)
			}
			s.assertUntouched(t, user)
		}
	})
	t.Run("an event older than the dedupe retention is a replay: 200, dropped", func(t *testing.T) {
		user := newUser()
		old := time.Now().Add(-scheduler.EventRetention - time.Hour).UnixMilli()
		b := fixture(t, "text.json", event{UserID: user, EventID: newEventID(), ReplyToken: s.standIn.IssueReplyToken(user), Text: "เมนู", Timestamp: old})
		if code := s.postSigned(t, b); code != http.StatusOK {
			t.Errorf("status %d, want 200", code)
		}
		s.assertUntouched(t, user)
	})
	t.Run("redelivered event is handled once", func(t *testing.T) {
		user := newUser()
		ev := event{UserID: user, EventID: newEventID(), ReplyToken: s.standIn.IssueReplyToken(user)}
		if code := s.postSigned(t, fixture(t, "follow.json", ev)); code != http.StatusOK {
			t.Fatalf("status %d, want 200", code)
		}
		ev.Redelivery = true // same webhookEventId and reply token (line-platform.md row 8)
		if code := s.postSigned(t, fixture(t, "follow.json", ev)); code != http.StatusOK {
			t.Fatalf("redelivery: status %d, want 200", code)
		}
		if d := s.standIn.Deliveries(user); len(d) != 1 {
			t.Errorf("%d deliveries, want exactly one welcome", len(d))
		}
		if m, err := s.inspect.GetMember(context.Background(), user); err != nil || m.Blocked {
			t.Errorf("member after follow: %+v, %v", m, err)
		}
	})
}

func TestWebhookSQLite(t *testing.T) { webhookScenario(t, nil) }

func TestWebhookMongo(t *testing.T) {
	webhookScenario(t, map[string]string{"MONGODB_URI": ferrettest.URI(t)})
}

// failingStore is a store whose database is down: inbox writes and pings fail.
type failingStore struct{ store.Store }

var errDown = errors.New("database is down")

func (failingStore) AddInbox(context.Context, []store.InboxEvent) (store.InboxAdded, error) {
	return store.InboxAdded{}, errDown
}
func (failingStore) Ping(context.Context) error { return errDown }

// TestStoreFailure serves with a store that fails: the webhook answers 500 so that LINE
// redelivers, readyz answers 503, and nothing is sent.
func TestStoreFailure(t *testing.T) {
	standIn := linetest.NewServer(testToken)
	t.Cleanup(standIn.Close)
	vars := productionEnv(t, standIn, nil)
	cfg, err := loadConfig(env(vars))
	if err != nil {
		t.Fatal(err)
	}
	st := openInspector(t, vars)
	srv := startWith(t, func(ctx context.Context, ready func(started)) error {
		return serve(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), failingStore{st}, io.Discard, ready)
	})
	s := &testServer{url: srv.addr, standIn: standIn, inspect: st, inbox: srv.inbox, outbox: srv.outbox}

	user := newUser()
	b := fixture(t, "follow.json", event{UserID: user, EventID: newEventID(), ReplyToken: standIn.IssueReplyToken(user)})
	if code := s.postSigned(t, b); code != http.StatusInternalServerError {
		t.Errorf("webhook: status %d, want 500", code)
	}
	if code := s.get(t, "/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("readyz: status %d, want 503", code)
	}
	if code := s.get(t, "/healthz"); code != http.StatusOK {
		t.Errorf("healthz: status %d, want 200", code)
	}
	s.assertUntouched(t, user)
}

// TestSimulatorMode runs with no configuration but a data directory: the simulator page is
// served and its API drives the bot through the in-process stand-in.
func TestSimulatorMode(t *testing.T) {
	var out logSink
	url := startRun(t, map[string]string{"PORT": "0", "DATA_DIR": t.TempDir()}, &out).addr
	if log := out.String(); !strings.Contains(log, "SIMULATOR MODE") || !strings.Contains(log, "/simulator") {
		t.Errorf("no simulator banner in:\n%s", log)
	}
	res, err := http.Get(url + "/simulator")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /simulator: %d", res.StatusCode)
	}

	user := handlers.SimulatorPresets()[0].UserID
	res, err = http.Post(url+"/simulator/api/events", "application/json",
		strings.NewReader(`{"userId":"`+user+`","type":"follow"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var got struct {
		WebhookStatus int
		Deliveries    []struct {
			Type     string
			Messages []json.RawMessage
		}
	}
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.WebhookStatus != http.StatusOK || len(got.Deliveries) != 1 || got.Deliveries[0].Type != "reply" {
		t.Errorf("follow through the simulator: %+v, want one reply", got)
	}

	// The officer persona is an officer in simulator mode: "ประกาศ" starts the announcement form.
	for _, u := range handlers.SimulatorPresets() {
		if u.Role != "officer" {
			continue
		}
		res, err := http.Post(url+"/simulator/api/events", "application/json",
			strings.NewReader(`{"userId":"`+u.UserID+`","type":"message","text":"ประกาศ"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if !strings.Contains(string(b), "ขั้นที่ 1/4") { // audience, province (an admin chooses), text, when
			t.Errorf("the officer persona typed ประกาศ: %s", b)
		}
	}
}
