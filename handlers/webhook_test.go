package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/go-cmp/cmp"
	"github.com/line/line-bot-sdk-go/v8/linebot/webhook"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/ssonet/ssonet/bot"
)

// sdkSecret is the channel secret the SDK's own tests sign their samples with; the signatures in
// testdata/line-sdk/SOURCE.txt were computed with it.
const sdkSecret = "testsecret"

// recorder is a fake inbox: it records the events it is given, and lets a test make Accept
// fail.
type recorder struct {
	mu     sync.Mutex
	events []bot.Event
	fail   error // nil: succeed
}

func (r *recorder) Accept(_ context.Context, evs []bot.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, evs...)
	return r.fail
}

func (r *recorder) got() []bot.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Event(nil), r.events...)
}

// webhookFixture is a Webhook over a recorder, with its log and metrics captured.
type webhookFixture struct {
	w      *Webhook
	engine *recorder
	log    *bytes.Buffer
	router *gin.Engine
}

func newWebhookFixture(t *testing.T) *webhookFixture {
	t.Helper()
	f := &webhookFixture{engine: &recorder{}, log: &bytes.Buffer{}}
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: f.log}, nil))
	w, err := NewWebhook(WebhookConfig{ChannelSecret: sdkSecret, Inbox: f.engine, Logger: logger, Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	f.w = w
	f.router = gin.New()
	f.router.POST("/webhook", w.Serve)
	return f
}

// post sends body to /webhook with the given signature header ("" leaves it out).
func (f *webhookFixture) post(body []byte, signature string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
	if signature != "" {
		req.Header.Set("X-Line-Signature", signature)
	}
	rec := httptest.NewRecorder()
	f.router.ServeHTTP(rec, req)
	return rec
}

// postSigned signs body as LINE does and sends it.
func (f *webhookFixture) postSigned(body []byte) *httptest.ResponseRecorder {
	return f.post(body, Sign(sdkSecret, body))
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func readSample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/line-sdk/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// body builds a webhook body with the given events (LINE's webhook.yml format).
func body(events ...string) []byte {
	return []byte(`{"destination":"U5150000000000000000000000000b07e","events":[` + strings.Join(events, ",") + `]}`)
}

// textEvent is a one-to-one text message event of user with webhookEventId id.
func textEvent(id, user, text string) string {
	return fmt.Sprintf(`{"type":"message","mode":"active","timestamp":1767225600000,`+
		`"source":{"type":"user","userId":%q},"webhookEventId":%q,"deliveryContext":{"isRedelivery":false},`+
		`"replyToken":"rt-%s","message":{"id":"1","type":"text","text":%q,"quoteToken":"q"}}`, user, id, id, text)
}

const (
	userA = "U0000000000000000000000000000000a"
	userB = "U0000000000000000000000000000000b"
)

func TestWebhookSignature(t *testing.T) {
	b := body(textEvent("E1", userA, "hello"))
	for _, tc := range []struct {
		name, signature string
	}{
		{"missing", ""},
		{"wrong", Sign("another secret", b)},
		{"not base64", "%%%"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newWebhookFixture(t)
			if rec := f.post(b, tc.signature); rec.Code != http.StatusBadRequest {
				t.Errorf("status %d, want 400", rec.Code)
			}
			if got := f.engine.got(); len(got) != 0 {
				t.Errorf("engine got %d events, want none", len(got))
			}
		})
	}
}

// TestWebhookSignsLikeLINE checks Sign against the signature published with the SDK's sample and
// that the console's Verify request (empty events) gets 200 (line-platform.md row 6).
func TestWebhookSignsLikeLINE(t *testing.T) {
	b := readSample(t, "empty-events-verify.json")
	const published = "f4qCQb0997IeyjEdDMRCwI7c0yEZP8C1b89jUQflX0s="
	if got := Sign(sdkSecret, b); got != published {
		t.Fatalf("Sign = %s, want %s", got, published)
	}
	f := newWebhookFixture(t)
	if rec := f.post(b, published); rec.Code != http.StatusOK {
		t.Errorf("status %d, want 200", rec.Code)
	}
}

// TestWebhookBodyTooLarge goes through a real HTTP server: besides the 413, the server must close
// the connection, or it would read the rest of the body as the next request.
func TestWebhookBodyTooLarge(t *testing.T) {
	f := newWebhookFixture(t)
	srv := httptest.NewServer(f.router)
	defer srv.Close()
	b := body(textEvent("E1", userA, strings.Repeat("x", 6<<20)))
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhook", bytes.NewReader(b))
	req.Header.Set("X-Line-Signature", Sign(sdkSecret, b))
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge || !res.Close {
		t.Errorf("status %d, connection close %v; want 413 and close", res.StatusCode, res.Close)
	}
	if got := f.engine.got(); len(got) != 0 {
		t.Errorf("engine got %d events, want none", len(got))
	}
}

func TestWebhookMalformedJSONIsNotLogged(t *testing.T) {
	f := newWebhookFixture(t)
	const secretish = "0812345678 สมหญิง"
	b := []byte(`{"destination":"U1","events":[{"type":"message","message":{"type":"text","text":"` + secretish + `"}`)
	if rec := f.postSigned(b); rec.Code != http.StatusBadRequest {
		t.Errorf("status %d, want 400", rec.Code)
	}
	if strings.Contains(f.log.String(), "0812345678") {
		t.Errorf("log contains the body:\n%s", f.log.String())
	}
}

// TestWebhookConvertsSDKSamples feeds the SDK's 32-event sample through the webhook and checks
// exactly which events reach the engine, converted how (line-platform.md rows 12, 29, 32, 33).
func TestWebhookConvertsSDKSamples(t *testing.T) {
	f := newWebhookFixture(t)
	if rec := f.post(readSample(t, "events-all-types.json"), "ydu2Qp4GnZhUh4kmFadnGbnfb97VMyMMCk4b7kO7Ep8="); rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", rec.Code)
	}
	const (
		u  = "u206d25c2ea6bd87c17655609a1c37cb8"
		id = "01FZ74ASS536FW97EX38NKCZQK"
		rt = "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA"
	)
	at := time.UnixMilli(1462629479859).UTC()
	msg := func(text string) bot.Event {
		return bot.Event{ID: id, Kind: bot.KindMessage, UserID: u, ReplyToken: rt, Text: text, Time: at}
	}
	pb := func(data string, params map[string]string) bot.Event {
		return bot.Event{ID: id, Kind: bot.KindPostback, UserID: u, ReplyToken: rt, Postback: data, Params: params, Time: at}
	}
	imageSet := msg("")
	imageSet.ReplyToken = rt + "A"
	want := []bot.Event{
		msg("Hello, world"),
		msg(""), imageSet, msg(""), msg(""), msg(""), msg(""), // image, image set, video, audio, file, location
		msg(""), msg(""), msg(""), // stickers
		{ID: id, Kind: bot.KindFollow, UserID: u, ReplyToken: rt, Time: at},
		{ID: id, Kind: bot.KindUnfollow, UserID: u, Time: at},
		pb("action=buyItem&itemId=123123&color=red", nil),
		pb("action=sel&only=date", map[string]string{"date": "2017-09-03"}),
		pb("action=sel&only=time", map[string]string{"time": "15:38"}),
		pb("action=sel", map[string]string{"datetime": "2017-09-03T15:38"}),
		pb("action=richmenu-changed-to-a", map[string]string{"newRichMenuAliasId": "richmenu-alias-a", "status": "SUCCESS"}),
		msg("Hello, world! (love)"),
	}
	if diff := cmp.Diff(want, f.engine.got()); diff != "" {
		t.Errorf("events reaching the engine (-want +got):\n%s", diff)
	}
	for _, c := range []struct {
		kind, outcome string
		n             float64
	}{
		{"message", "accepted", 11}, {"postback", "accepted", 5}, {"follow", "accepted", 1}, {"unfollow", "accepted", 1},
		{"message", "ignored", 4}, // two from a group, one standby, one group with @All
		{"other", "ignored", 10},  // join, leave, beacon ×3, accountLink, memberJoined, memberLeft, unsend, videoPlayComplete
	} {
		if got := counterValue(t, f.w.count, c.kind, c.outcome); got != c.n {
			t.Errorf("ssonet_webhook_events_total{kind=%q,outcome=%q} = %v, want %v", c.kind, c.outcome, got, c.n)
		}
	}
}

func TestWebhookIgnoresUnknownTypes(t *testing.T) {
	for _, tc := range []struct{ file, signature, logged string }{
		{"unknown-event-type.json", "yYF+KrYDKZ72G7PgkWB25wkeE2zbpgMYUzwXPl7bSA8=", `"type":"UNKNOWN"`},
		{"message-edited-event.json", "gPL0b0LDBQEUNmC3Cnd1p9+/EvHyT0krP/kRAVpHYw4=", `"id":"01H810E2VKWTRCJER1MMDP2BA5"`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f := newWebhookFixture(t)
			if rec := f.post(readSample(t, tc.file), tc.signature); rec.Code != http.StatusOK {
				t.Errorf("status %d, want 200", rec.Code)
			}
			if got := f.engine.got(); len(got) != 0 {
				t.Errorf("engine got %v, want nothing", got)
			}
			if !strings.Contains(f.log.String(), `"outcome":"ignored"`) || !strings.Contains(f.log.String(), tc.logged) {
				t.Errorf("no ignored line in log:\n%s", f.log.String())
			}
		})
	}
}

// TestWebhookEventShapes: an event of a type we handle must decode, or the request is refused
// (as the SDK refuses it); one of another type is ignored whatever its properties hold, so that
// a new type reusing one of our property names is no reason for LINE to redeliver (row 33).
func TestWebhookEventShapes(t *testing.T) {
	for _, tc := range []struct {
		name, event string
		status      int
	}{
		{"message with a string source", `{"type":"message","mode":"active","timestamp":1,"webhookEventId":"E1","source":"U1","message":{"type":"text","text":"x"}}`, http.StatusBadRequest},
		{"postback with numeric params", `{"type":"postback","mode":"active","timestamp":1,"webhookEventId":"E1","source":{"type":"user","userId":"` + userA + `"},"postback":{"data":"a","params":{"date":1}}}`, http.StatusBadRequest},
		{"no type", `{"mode":"active","timestamp":1,"webhookEventId":"E1","source":{"type":"user","userId":"` + userA + `"}}`, http.StatusBadRequest},
		{"not an object", `1`, http.StatusBadRequest},
		{"new type with a string message", `{"type":"somethingNew","mode":"active","timestamp":1,"webhookEventId":"E1","source":{"type":"user","userId":"` + userA + `"},"message":"edited"}`, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newWebhookFixture(t)
			if rec := f.postSigned(body(textEvent("E0", userA, "hi"), tc.event)); rec.Code != tc.status {
				t.Errorf("status %d, want %d", rec.Code, tc.status)
			}
			if n := len(f.engine.got()); (tc.status == http.StatusOK) != (n == 1) {
				t.Errorf("engine got %d events with status %d", n, tc.status)
			}
			if tc.status == http.StatusOK && counterValue(t, f.w.count, "other", "ignored") != 1 {
				t.Errorf("the new type is not counted as ignored")
			}
		})
	}
}

func TestWebhookRedeliveryAndUnblock(t *testing.T) {
	f := newWebhookFixture(t)
	b := body(
		`{"type":"follow","mode":"active","timestamp":1,"source":{"type":"user","userId":"`+userA+`"},"webhookEventId":"E1","deliveryContext":{"isRedelivery":true},"replyToken":"r","follow":{"isUnblocked":true}}`,
		`{"type":"message","mode":"active","timestamp":2,"source":{"type":"user","userId":"`+userA+`"},"webhookEventId":"E2","replyToken":"r2","message":{"id":"1","type":"text","text":"old-style: no deliveryContext"}}`,
	)
	if rec := f.postSigned(b); rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	got := f.engine.got()
	if len(got) != 2 || !got[0].Redelivery || !got[0].Unblocked || got[1].Redelivery {
		t.Errorf("got %+v, want a redelivered unblock follow then a plain message", got)
	}
}

// TestWebhookInboxErrorIs500 checks that a failed inbox write makes LINE redeliver (500) and is
// counted for each event of the request.
func TestWebhookInboxErrorIs500(t *testing.T) {
	f := newWebhookFixture(t)
	f.engine.fail = errors.New("store down")
	rec := f.postSigned(body(textEvent("A1", userA, "1"), textEvent("A2", userA, "2"), textEvent("B1", userB, "1")))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", rec.Code)
	}
	if got := counterValue(t, f.w.count, "message", "error"); got != 3 {
		t.Errorf("errors counted %v, want 3", got)
	}
	if !strings.Contains(f.log.String(), "store down") {
		t.Errorf("the failure is not logged:\n%s", f.log.String())
	}
}

func TestWebhookLogLinesCarryNoText(t *testing.T) {
	f := newWebhookFixture(t)
	f.postSigned(body(textEvent("E1", userA, "เบอร์ 0812345678")))
	var line struct{ Msg, ID, Kind, Outcome string }
	for _, l := range strings.Split(strings.TrimSpace(f.log.String()), "\n") {
		if err := json.Unmarshal([]byte(l), &line); err != nil {
			t.Fatal(err)
		}
	}
	if line.Msg != "webhook event" || line.ID != "E1" || line.Kind != "message" || line.Outcome != "accepted" {
		t.Errorf("last log line %+v, want the event's id, kind and outcome", line)
	}
	if strings.Contains(f.log.String(), "0812345678") || strings.Contains(f.log.String(), userA) {
		t.Errorf("log carries text or user ID:\n%s", f.log.String())
	}
}

// counterValue reads one counter of vec.
func counterValue(t *testing.T, vec *prometheus.CounterVec, labels ...string) float64 {
	t.Helper()
	var m dto.Metric
	if err := vec.WithLabelValues(labels...).Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// TestParseReadsWhatTheSDKReads: on the SDK's own samples (every event type LINE sends, an
// unknown type, the console's Verify), the webhook's decoding and convert make the very
// bot.Events, and ignore the very events, that convert made from the SDK's typed events when the
// webhook used webhook.ParseRequest (sdkConvert, kept here as the oracle).
func TestParseReadsWhatTheSDKReads(t *testing.T) {
	w, err := NewWebhook(WebhookConfig{ChannelSecret: sdkSecret, Inbox: &recorder{}})
	if err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, name := range []string{"events-all-types.json", "message-edited-event.json", "unknown-event-type.json", "empty-events-verify.json"} {
		raw := readSample(t, name)
		req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(raw))
		req.Header.Set("X-Line-Signature", Sign(sdkSecret, raw))
		cb, err := webhook.ParseRequest(sdkSecret, req)
		if err != nil {
			t.Fatalf("%s: the SDK: %v", name, err)
		}
		ours, err := w.parse(bytes.NewReader(raw), Sign(sdkSecret, raw))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(ours) != len(cb.Events) {
			t.Fatalf("%s: %d events, the SDK %d", name, len(ours), len(cb.Events))
		}
		for i, e := range cb.Events {
			want, wantIgnored := sdkConvert(e)
			got, gotIgnored := convert(ours[i])
			if (wantIgnored != "") != (gotIgnored != "") {
				t.Errorf("%s #%d (%s): ignored %q, the SDK's reading %q", name, i, ours[i].Type, gotIgnored, wantIgnored)
				continue
			}
			if wantIgnored != "" {
				continue
			}
			compared++
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s #%d (%s): (-the SDK's +ours):\n%s", name, i, ours[i].Type, diff)
			}
		}
	}
	if compared < 5 {
		t.Errorf("only %d events compared", compared)
	}
}

// sdkConvert is how the webhook turned the SDK's typed events into bot.Events before it decoded
// them itself: the oracle of TestParseReadsWhatTheSDKReads.
func sdkConvert(e webhook.EventInterface) (ev bot.Event, ignored string) {
	var (
		source   webhook.SourceInterface
		mode     webhook.EventMode
		ts       int64
		delivery *webhook.DeliveryContext
	)
	switch e := e.(type) {
	case webhook.FollowEvent:
		source, mode, ts, delivery = e.Source, e.Mode, e.Timestamp, e.DeliveryContext
		ev = bot.Event{Kind: bot.KindFollow, ID: e.WebhookEventId, ReplyToken: e.ReplyToken,
			Unblocked: e.Follow != nil && e.Follow.IsUnblocked}
	case webhook.UnfollowEvent:
		source, mode, ts, delivery = e.Source, e.Mode, e.Timestamp, e.DeliveryContext
		ev = bot.Event{Kind: bot.KindUnfollow, ID: e.WebhookEventId}
	case webhook.MessageEvent:
		source, mode, ts, delivery = e.Source, e.Mode, e.Timestamp, e.DeliveryContext
		ev = bot.Event{Kind: bot.KindMessage, ID: e.WebhookEventId, ReplyToken: e.ReplyToken}
		if text, ok := e.Message.(webhook.TextMessageContent); ok {
			ev.Text = text.Text
		}
	case webhook.PostbackEvent:
		source, mode, ts, delivery = e.Source, e.Mode, e.Timestamp, e.DeliveryContext
		ev = bot.Event{Kind: bot.KindPostback, ID: e.WebhookEventId, ReplyToken: e.ReplyToken}
		if e.Postback != nil {
			ev.Postback, ev.Params = e.Postback.Data, e.Postback.Params
		}
	default:
		return bot.Event{}, "unsupported event type"
	}
	if mode == webhook.EventMode_STANDBY {
		return bot.Event{}, "standby mode"
	}
	user, ok := source.(webhook.UserSource)
	if !ok || user.UserId == "" {
		return bot.Event{}, "not a one-to-one chat"
	}
	if ev.ID == "" {
		return bot.Event{}, "no webhookEventId"
	}
	ev.UserID = user.UserId
	ev.Redelivery = delivery != nil && delivery.IsRedelivery
	ev.Time = time.UnixMilli(ts).UTC()
	return ev, ""
}
