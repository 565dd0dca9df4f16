package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssonet/ssonet/bot"
	"github.com/ssonet/ssonet/inbox"
	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
)

// echo is a fake engine that replies what it got, through the real LINE client.
type echo struct {
	client *line.Client
	seen   chan bot.Event
}

func (e *echo) Handle(ctx context.Context, ev bot.Event) error {
	e.seen <- ev
	if ev.ReplyToken == "" {
		return nil
	}
	text := string(ev.Kind) + ":" + ev.Text + ev.Postback
	return e.client.Reply(ctx, ev.ReplyToken, []messaging_api.MessageInterface{messaging_api.TextMessage{Message: messaging_api.Message{Type: "text"}, Text: text}})
}

// simFixture is the router in simulator mode on a real port, with the stand-in LINE API.
type simFixture struct {
	url     string
	engine  *echo
	standIn *linetest.Server
}

func newSimFixture(t *testing.T) *simFixture { return newSimFixtureWith(t, nil) }

// newSimFixtureWith is newSimFixture keeping the history in h (nil: in memory).
func newSimFixtureWith(t *testing.T, h SimHistory) *simFixture {
	t.Helper()
	standIn := linetest.NewServer("token")
	t.Cleanup(standIn.Close)
	client, err := line.New(line.Config{BaseURL: standIn.URL(), DataBaseURL: standIn.DataURL(), AccessToken: "token", RateLimits: map[string]line.RateLimit{}})
	if err != nil {
		t.Fatal(err)
	}
	engine := &echo{client: client, seen: make(chan bot.Event, 10)}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := prometheus.NewRegistry()
	ib, err := inbox.New(inbox.Config{Store: openSQLite(t), Handler: engine, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	ib.Start()
	t.Cleanup(func() { ib.Stop(context.Background()) })
	w, err := NewWebhook(WebhookConfig{ChannelSecret: "sim-secret", Inbox: ib, Logger: logger, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	url := "http://" + srv.Listener.Addr().String()
	sim, err := NewSimulator(context.Background(), SimulatorConfig{StandIn: standIn, ChannelSecret: "sim-secret", WebhookURL: url + "/webhook", Now: time.Now,
		Settle: ib.WaitIdle, History: h})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = NewRouter(RouterConfig{Logger: logger, Webhook: w, Store: fakePinger{}, Metrics: reg, Simulator: sim})
	srv.Start()
	t.Cleanup(srv.Close)
	return &simFixture{url: url, engine: engine, standIn: standIn}
}

func (f *simFixture) postEvent(t *testing.T, ev SimEvent) (simDeliveries, bot.Event) {
	t.Helper()
	b, _ := json.Marshal(ev)
	res, err := http.Post(f.url+"/simulator/api/events", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(res.Body)
		t.Fatalf("POST events: %d %s", res.StatusCode, msg)
	}
	var out simDeliveries
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out, <-f.engine.seen
}

func texts(d simDeliveries) []string {
	var out []string
	for _, dv := range d.Deliveries {
		for _, m := range dv.Messages {
			var msg struct{ Text string }
			_ = json.Unmarshal(m, &msg)
			out = append(out, dv.Type+" "+msg.Text)
		}
	}
	return out
}

func TestSimulatorRoundTrip(t *testing.T) {
	f := newSimFixture(t)
	user := SimulatorPresets()[0].UserID

	got, ev := f.postEvent(t, SimEvent{UserID: user, Type: "message", Text: "สวัสดี"})
	if got.WebhookStatus != http.StatusOK || got.Since != 0 || got.Next != 1 || strings.Join(texts(got), "|") != "reply message:สวัสดี" {
		t.Errorf("message: got %+v", got)
	}
	if !regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`).MatchString(ev.ID) || ev.ReplyToken == "" || ev.Redelivery {
		t.Errorf("event %+v: want a ULID id, a reply token, not redelivered", ev)
	}

	got, ev = f.postEvent(t, SimEvent{UserID: user, Type: "postback", Data: "a=ws.join&id=7", Params: map[string]string{"date": "2026-03-01"}})
	if got.Since != 1 || strings.Join(texts(got), "|") != "reply postback:a=ws.join&id=7" || ev.Params["date"] != "2026-03-01" {
		t.Errorf("postback: got %+v, event %+v", got, ev)
	}

	_, ev = f.postEvent(t, SimEvent{UserID: user, Type: "unfollow"})
	if ev.Kind != bot.KindUnfollow || ev.ReplyToken != "" {
		t.Errorf("unfollow event %+v: want no reply token (line-platform.md row 12)", ev)
	}
	_, ev = f.postEvent(t, SimEvent{UserID: user, Type: "follow"})
	if ev.Kind != bot.KindFollow || !ev.Unblocked {
		t.Errorf("follow after unfollow %+v: want Unblocked", ev)
	}
	_, ev = f.postEvent(t, SimEvent{UserID: user, Type: "follow"})
	if ev.Unblocked {
		t.Errorf("second follow %+v: want not Unblocked", ev)
	}

	// GET messages returns the same deliveries from any index.
	res, err := http.Get(f.url + "/simulator/api/messages?userId=" + user + "&since=1")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var later simDeliveries
	if err := json.NewDecoder(res.Body).Decode(&later); err != nil {
		t.Fatal(err)
	}
	if later.Since != 1 || later.Next != 4 || len(later.Deliveries) != 3 {
		t.Errorf("messages since 1: %+v, want deliveries 1..3 (postback, follow, follow)", later)
	}
}

func TestSimulatorRejectsBadInput(t *testing.T) {
	f := newSimFixture(t)
	for _, body := range []string{
		`{"userId":"Uxyz","type":"message","text":"hi"}`,
		`{"userId":"U00000000000000000000000000000001","type":"sticker"}`,
		`{"userId":"U00000000000000000000000000000001","type":"message"}`,
		`not json`,
	} {
		res, err := http.Post(f.url+"/simulator/api/events", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", body, res.StatusCode)
		}
	}
}

func TestSimulatorPageAndUsers(t *testing.T) {
	f := newSimFixture(t)
	res, err := http.Get(f.url + "/simulator")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !bytes.Contains(page, []byte("/simulator/api/events")) || bytes.Contains(page, []byte("https://")) {
		t.Errorf("page: status %d, want the self-contained page that uses the API", res.StatusCode)
	}

	res, err = http.Post(f.url+"/simulator/api/users", "application/json", strings.NewReader(`{"displayName":"ทดสอบ","language":"th"}`))
	if err != nil {
		t.Fatal(err)
	}
	var u SimUser
	_ = json.NewDecoder(res.Body).Decode(&u)
	res.Body.Close()
	if !line.IsUserID(u.UserID) || u.Role != "new" {
		t.Fatalf("new user %+v", u)
	}
	if p, err := f.engine.client.Profile(context.Background(), u.UserID); err != nil || p.DisplayName != "ทดสอบ" || p.Language != "th" {
		t.Errorf("stand-in profile of the new user: %+v, %v", p, err)
	}
	var list struct{ Users []SimUser }
	res, err = http.Get(f.url + "/simulator/api/users")
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(res.Body).Decode(&list)
	res.Body.Close()
	if len(list.Users) != len(SimulatorPresets())+1 || list.Users[len(list.Users)-1] != u {
		t.Errorf("users %+v, want the presets and the new user", list.Users)
	}
}

func TestNewEventIDIsAULID(t *testing.T) {
	at := time.Date(2026, 3, 1, 2, 3, 4, 5e6, time.UTC)
	id := newEventID(at)
	// Decode the first 10 characters (50 bits, the top 2 zero) back into milliseconds.
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var ms int64
	for _, c := range id[:10] {
		ms = ms<<5 | int64(strings.IndexRune(alphabet, c))
	}
	if len(id) != 26 || ms != at.UnixMilli() || id == newEventID(at) {
		t.Errorf("id %s: len %d, ms %d (want %d), and two calls must differ", id, len(id), ms, at.UnixMilli())
	}
}
