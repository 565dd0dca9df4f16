package line_test

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

	"github.com/google/uuid"
	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rivo/uniseg"

	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
)

const token = "test-channel-token"

// userID returns a valid LINE user ID derived from n.
func userID(n int) string { return fmt.Sprintf("U%032x", n+1) }

type fixture struct {
	srv    *linetest.Server
	client *line.Client
	logs   *syncBuffer
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

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newFixture starts a stand-in and a real Client pointed at it, without client-side limits.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	srv := linetest.NewServer(token)
	t.Cleanup(srv.Close)
	logs := &syncBuffer{}
	c, err := line.New(line.Config{
		BaseURL:     srv.URL(),
		AccessToken: token,
		Logger:      slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		RateLimits:  map[string]line.RateLimit{},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{srv: srv, client: c, logs: logs}
}

func text(s string) []messaging_api.MessageInterface {
	return []messaging_api.MessageInterface{&messaging_api.TextMessage{Text: s}}
}

func apiError(t *testing.T, err error) *line.APIError {
	t.Helper()
	var ae *line.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want *line.APIError, got %T %v", err, err)
	}
	return ae
}

func TestNewNeedsToken(t *testing.T) {
	if _, err := line.New(line.Config{}); err == nil {
		t.Fatal("New without token succeeded")
	}
	if _, err := line.New(line.Config{AccessToken: "x", BaseURL: "not a url"}); err == nil {
		t.Fatal("New with a bad base URL succeeded")
	}
	if _, err := line.New(line.Config{AccessToken: "x"}); err != nil {
		t.Fatal(err)
	}
}

func TestReplyTokenWorksOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := userID(1)
	tok := f.srv.IssueReplyToken(u)

	if err := f.client.Reply(ctx, tok, text("สวัสดีครับ")); err != nil {
		t.Fatalf("first reply: %v", err)
	}
	err := f.client.Reply(ctx, tok, text("again"))
	if !line.IsInvalidReplyToken(err) {
		t.Fatalf("second reply: want invalid reply token, got %v", err)
	}
	if line.IsRetryable(err) {
		t.Fatal("invalid reply token must not be retryable")
	}
	if ae := apiError(t, err); ae.Status != 400 || ae.RequestID == "" || ae.Endpoint != line.EndpointReply {
		t.Fatalf("APIError = %+v", ae)
	}
	if d := f.srv.Deliveries(u); len(d) != 1 || d[0].Endpoint != "reply" {
		t.Fatalf("deliveries = %+v", d)
	}
	for _, c := range f.srv.Calls() {
		if c.RetryKey != "" {
			t.Fatalf("reply carried X-Line-Retry-Key %q", c.RetryKey)
		}
	}
	// A never-issued token is refused the same way.
	if err := f.client.Reply(ctx, "0123456789abcdef0123456789abcdef", text("x")); !line.IsInvalidReplyToken(err) {
		t.Fatalf("unknown token: %v", err)
	}
}

func TestPushRetryKeyConflictIsSuccess(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := userID(2)
	key := uuid.NewString()

	if err := f.client.Push(ctx, u, text("เตือนความจำ"), key); err != nil {
		t.Fatal(err)
	}
	if err := f.client.Push(ctx, u, text("เตือนความจำ"), key); err != nil {
		t.Fatalf("retry with same key: %v", err)
	}
	calls := f.srv.Calls()
	if len(calls) != 2 || calls[0].Status != 200 || calls[1].Status != 409 || calls[1].RetryKey != key {
		t.Fatalf("calls = %+v", calls)
	}
	if d := f.srv.Deliveries(u); len(d) != 1 {
		t.Fatalf("want 1 delivery, got %d", len(d))
	}
	// Neighbour: a different key is a different send and delivers again.
	if err := f.client.Push(ctx, u, text("อีกครั้ง"), uuid.NewString()); err != nil {
		t.Fatal(err)
	}
	if d := f.srv.Deliveries(u); len(d) != 2 {
		t.Fatalf("want 2 deliveries, got %d", len(d))
	}
	if !strings.Contains(f.logs.String(), "accepted_request_id") {
		t.Fatal("409 was not logged with the accepted request id")
	}
}

func TestPushDeliveredButAnswerLostThenRetried(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := userID(3)
	key := uuid.NewString()
	f.srv.FailNextAfterAccept(line.EndpointPush, 500, 1)

	err := f.client.Push(ctx, u, text("x"), key)
	if !line.IsRetryable(err) {
		t.Fatalf("want retryable, got %v", err)
	}
	if err := f.client.Push(ctx, u, text("x"), key); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if d := f.srv.Deliveries(u); len(d) != 1 {
		t.Fatalf("want exactly 1 delivery, got %d", len(d))
	}
}

func TestPushRetryKeyForms(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := userID(4)
	if err := f.client.Push(ctx, u, text("x"), "not-a-uuid"); !errors.Is(err, line.ErrInvalidRetryKey) {
		t.Fatalf("bad key: %v", err)
	}
	if n := len(f.srv.Calls()); n != 0 {
		t.Fatalf("bad key reached the server (%d calls)", n)
	}
	if err := f.client.Push(ctx, u, text("x"), ""); err != nil {
		t.Fatalf("empty key: %v", err)
	}
	calls := f.srv.Calls()
	if len(calls) != 1 || !line.IsRetryKey(calls[0].RetryKey) {
		t.Fatalf("empty key should be replaced by a fresh UUID: %+v", calls)
	}
}

func TestWrongAccessToken(t *testing.T) {
	f := newFixture(t)
	bad, err := line.New(line.Config{BaseURL: f.srv.URL(), AccessToken: "wrong", RateLimits: map[string]line.RateLimit{},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err = bad.Push(ctx, userID(5), text("x"), uuid.NewString())
	if ae := apiError(t, err); ae.Status != 401 {
		t.Fatalf("status %d", ae.Status)
	}
	if line.IsRetryable(err) {
		t.Fatal("401 must not be retryable")
	}
	// Neighbour: the right token passes.
	if err := f.client.Push(ctx, userID(5), text("x"), uuid.NewString()); err != nil {
		t.Fatal(err)
	}
}

func TestInjectedFailuresAreRetryable(t *testing.T) {
	for _, status := range []int{500, 502, 429} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			u := userID(6)
			key := uuid.NewString()
			f.srv.FailNext(line.EndpointPush, status, 1)
			err := f.client.Push(ctx, u, text("x"), key)
			if ae := apiError(t, err); ae.Status != status || ae.RequestID == "" || ae.Message == "" {
				t.Fatalf("APIError = %+v", ae)
			}
			if !line.IsRetryable(err) {
				t.Fatalf("%d must be retryable", status)
			}
			if d := f.srv.Deliveries(u); len(d) != 0 {
				t.Fatal("an injected failure delivered")
			}
			// The retry with the same key goes through and delivers once.
			if err := f.client.Push(ctx, u, text("x"), key); err != nil {
				t.Fatal(err)
			}
			if d := f.srv.Deliveries(u); len(d) != 1 {
				t.Fatalf("deliveries %d", len(d))
			}
		})
	}
	t.Run("400 is not retryable", func(t *testing.T) {
		f := newFixture(t)
		f.srv.FailNext(line.EndpointBroadcast, 400, 1)
		if err := f.client.Broadcast(context.Background(), text("x"), uuid.NewString()); err == nil || line.IsRetryable(err) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("monthly limit", func(t *testing.T) {
		err := fmt.Errorf("wrapped: %w", &line.APIError{Status: 429, Message: "You have reached your monthly limit."})
		if !line.IsMonthlyLimit(err) || !line.IsRetryable(err) {
			t.Fatal("monthly limit not recognised")
		}
		if line.IsMonthlyLimit(&line.APIError{Status: 429, Message: "The API rate limit has been exceeded. Try again later."}) {
			t.Fatal("plain rate limit taken for the monthly limit")
		}
	})
}

func TestTransportErrorIsRetryable(t *testing.T) {
	srv := linetest.NewServer(token)
	url := srv.URL()
	srv.Close()
	c, err := line.New(line.Config{BaseURL: url, AccessToken: token, RateLimits: map[string]line.RateLimit{},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Push(context.Background(), userID(7), text("x"), uuid.NewString())
	if err == nil || !line.IsRetryable(err) {
		t.Fatalf("want retryable transport error, got %v", err)
	}
	var ae *line.APIError
	if errors.As(err, &ae) {
		t.Fatal("transport error reported as APIError")
	}
	// The error text leaves out the URL, which for a profile holds a user ID.
	u := userID(7)
	if _, err := c.Profile(context.Background(), u); err == nil || !line.IsRetryable(err) || strings.Contains(err.Error(), u) {
		t.Fatalf("profile transport error: %v", err)
	}
}

func TestProfile(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	want := line.Profile{UserID: userID(8), DisplayName: "สมชาย", Language: "th"}
	f.srv.SetProfile(want)

	got, err := f.client.Profile(ctx, want.UserID)
	if err != nil || got != want {
		t.Fatalf("Profile = %+v, %v", got, err)
	}
	_, err = f.client.Profile(ctx, userID(9))
	if !line.IsNotFound(err) || line.IsRetryable(err) {
		t.Fatalf("unknown user: %v", err)
	}
	f.srv.SetBlocked(want.UserID, true)
	if _, err := f.client.Profile(ctx, want.UserID); !line.IsNotFound(err) {
		t.Fatalf("blocked user: %v", err)
	}
	n := len(f.srv.Calls())
	if _, err := f.client.Profile(ctx, "../message/push"); !errors.Is(err, line.ErrInvalidUserID) {
		t.Fatalf("malformed id: %v", err)
	}
	if len(f.srv.Calls()) != n {
		t.Fatal("malformed id reached the server")
	}
}

func TestTextLengthCountsUTF16(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := userID(10)
	secret := "ข้อความลับ"
	cases := []struct {
		name string
		text string
		ok   bool
	}{
		{"5000 Thai code units", strings.Repeat("ก", 5000-len([]rune(secret))) + secret, true},
		{"5001 Thai code units", strings.Repeat("ก", 5001-len([]rune(secret))) + secret, false},
		{"2500 emoji = 5000 units", strings.Repeat("😀", 2500), true},
		{"2501 emoji = 5002 units", strings.Repeat("😀", 2501), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := f.client.Push(ctx, u, text(tc.text), uuid.NewString())
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			ae := apiError(t, err)
			if ae.Status != 400 || line.IsRetryable(err) {
				t.Fatalf("APIError = %+v", ae)
			}
			if !strings.Contains(strings.Join(ae.Details, ";"), "messages[0].text") {
				t.Fatalf("details = %v", ae.Details)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(f.logs.String(), secret) {
				t.Fatal("message text leaked into the error or the log")
			}
			if !strings.Contains(f.logs.String(), ae.RequestID) {
				t.Fatal("failure log lacks the request id")
			}
		})
	}
}

func TestMulticastRecipientLimits(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ids := make([]string, 501)
	for i := range ids {
		ids[i] = userID(1000 + i)
	}
	if err := f.client.Multicast(ctx, ids, text("x"), uuid.NewString()); !errors.Is(err, line.ErrTooManyRecipients) {
		t.Fatalf("501: %v", err)
	}
	if err := f.client.Multicast(ctx, nil, text("x"), uuid.NewString()); !errors.Is(err, line.ErrNoRecipients) {
		t.Fatalf("0: %v", err)
	}
	if n := len(f.srv.Calls()); n != 0 {
		t.Fatalf("refused multicasts reached the server (%d calls)", n)
	}
	if err := f.client.Multicast(ctx, ids[:500], text("x"), uuid.NewString()); err != nil {
		t.Fatalf("500: %v", err)
	}
	if d := f.srv.Deliveries(ids[499]); len(d) != 1 || d[0].Endpoint != "multicast" {
		t.Fatalf("deliveries = %+v", d)
	}
	if d := f.srv.Deliveries(ids[500]); len(d) != 0 {
		t.Fatal("the 501st user got a message")
	}
	// A group ID is refused by LINE (row 14) — and by the stand-in.
	err := f.client.Multicast(ctx, []string{"C" + strings.Repeat("a", 32)}, text("x"), uuid.NewString())
	if ae := apiError(t, err); ae.Status != 400 {
		t.Fatalf("group id: %+v", ae)
	}
}

// quickReply builds a text message with one postback quick-reply button labelled label.
func quickReply(label string) []messaging_api.MessageInterface {
	return []messaging_api.MessageInterface{&messaging_api.TextMessage{
		Text: "เลือกหัวข้อ",
		QuickReply: &messaging_api.QuickReply{Items: []messaging_api.QuickReplyItem{{
			Action: &messaging_api.PostbackAction{Label: label, Data: "a=menu", DisplayText: label},
		}}},
	}}
}

func TestThaiQuickReplyLabelCountsGraphemes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := userID(11)
	// "ที่ปรึกษา" is 6 grapheme clusters (ที่|ป|รึ|ก|ษ|า) but 9 code points.
	label20 := strings.Repeat("ที่ปรึกษา", 3) + "ที่ป"
	label21 := label20 + "ก"
	if n := uniseg.GraphemeClusterCount(label20); n != 20 {
		t.Fatalf("label20 has %d graphemes", n)
	}
	if n := len([]rune(label20)); n <= 20 {
		t.Fatalf("label20 should have more than 20 code points, has %d", n)
	}
	if n := uniseg.GraphemeClusterCount(label21); n != 21 {
		t.Fatalf("label21 has %d graphemes", n)
	}

	tok := f.srv.IssueReplyToken(u)
	if err := f.client.Reply(ctx, tok, quickReply(label20)); err != nil {
		t.Fatalf("20 graphemes refused: %v", err)
	}
	tok = f.srv.IssueReplyToken(u)
	err := f.client.Reply(ctx, tok, quickReply(label21))
	ae := apiError(t, err)
	if ae.Status != 400 || !strings.Contains(strings.Join(ae.Details, ";"), "messages[0].quickReply.items[0].action.label") {
		t.Fatalf("21 graphemes: %+v", ae)
	}
	// The refused reply did not use up the token.
	if err := f.client.Reply(ctx, tok, quickReply(label20)); err != nil {
		t.Fatalf("token after a 400: %v", err)
	}
	if d := f.srv.Deliveries(u); len(d) != 2 {
		t.Fatalf("deliveries %d", len(d))
	}
}

func TestBroadcastAndLoading(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a, b := userID(20), userID(21)
	f.srv.SetProfile(line.Profile{UserID: a, DisplayName: "A"})
	f.srv.IssueReplyToken(b)
	key := uuid.NewString()
	if err := f.client.Broadcast(ctx, text("ประกาศ"), key); err != nil {
		t.Fatal(err)
	}
	if err := f.client.Broadcast(ctx, text("ประกาศ"), key); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if len(f.srv.Deliveries(a)) != 1 || len(f.srv.Deliveries(b)) != 1 {
		t.Fatal("broadcast did not reach each friend exactly once")
	}
	if err := f.client.StartLoading(ctx, a, 20); err != nil {
		t.Fatal(err)
	}
	if err := f.client.StartLoading(ctx, a, 7); !errors.Is(err, line.ErrInvalidLoadingSeconds) {
		t.Fatalf("7 s: %v", err)
	}
	if err := f.client.StartLoading(ctx, "C"+strings.Repeat("0", 32), 5); !errors.Is(err, line.ErrInvalidUserID) {
		t.Fatalf("group: %v", err)
	}
}

// TestPerCallContext runs calls with a cancelled context concurrently with calls with a live
// one on the same Client: each call must see only its own context (run with -race).
func TestPerCallContext(t *testing.T) {
	f := newFixture(t)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	live := context.Background()
	u := userID(30)

	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				if err := f.client.Push(cancelled, u, text("x"), uuid.NewString()); err == nil {
					errs <- errors.New("push with a cancelled context succeeded")
				} else if !errors.Is(err, context.Canceled) {
					errs <- fmt.Errorf("cancelled push: %v", err)
				}
				return
			}
			if err := f.client.Push(live, u, text("x"), uuid.NewString()); err != nil {
				errs <- fmt.Errorf("live push: %w", err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if d := f.srv.Deliveries(u); len(d) != 20 {
		t.Fatalf("deliveries %d, want 20", len(d))
	}
}

func TestClientSideRateLimit(t *testing.T) {
	srv := linetest.NewServer(token)
	t.Cleanup(srv.Close)
	c, err := line.New(line.Config{BaseURL: srv.URL(), AccessToken: token, Logger: slog.New(slog.DiscardHandler),
		RateLimits: map[string]line.RateLimit{line.EndpointPush: {Every: time.Hour, Burst: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Push(context.Background(), userID(40), text("x"), uuid.NewString()); err != nil {
		t.Fatal(err)
	}
	// The next slot is an hour away: with a one-minute deadline the limiter refuses at once.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err = c.Push(ctx, userID(40), text("x"), uuid.NewString())
	if !errors.Is(err, line.ErrRateLimited) || !line.IsRetryable(err) {
		t.Fatalf("want retryable ErrRateLimited, got %v", err)
	}
	if n := len(srv.Calls()); n != 1 {
		t.Fatalf("calls = %d", n)
	}
	// Other endpoints have their own budget (none here).
	if err := c.Multicast(ctx, []string{userID(40)}, text("x"), uuid.NewString()); err != nil {
		t.Fatal(err)
	}
}

func TestDefaultRateLimits(t *testing.T) {
	d := line.DefaultRateLimits()
	perSecond := func(l line.RateLimit) float64 { return float64(time.Second) / float64(l.Every) }
	for ep, max := range map[string]float64{"reply": 2000, "push": 2000, "profile": 2000, "multicast": 200, "loading": 100} {
		l := d[ep]
		if got := perSecond(l) + float64(l.Burst); got > max {
			t.Errorf("%s: %.0f/s + burst %d exceeds %v/s", ep, perSecond(l), l.Burst, max)
		}
	}
	b := d["broadcast"]
	if perHour := float64(time.Hour)/float64(b.Every) + float64(b.Burst); perHour > 61 {
		t.Errorf("broadcast allows %.1f per hour", perHour)
	}
}

func TestMetricsCountCalls(t *testing.T) {
	f := newFixture(t)
	before := counter(t, "push", "409")
	key := uuid.NewString()
	for range 2 {
		if err := f.client.Push(context.Background(), userID(50), text("x"), key); err != nil {
			t.Fatal(err)
		}
	}
	if got := counter(t, "push", "409"); got != before+1 {
		t.Fatalf("push/409 counter went from %v to %v", before, got)
	}
}

func counter(t *testing.T, endpoint, status string) float64 {
	t.Helper()
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "ssonet_line_api_calls_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["endpoint"] == endpoint && labels["status"] == status {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func TestAPIErrorText(t *testing.T) {
	err := &line.APIError{Endpoint: "push", Status: 400, Message: "The request body has 1 error(s)",
		RequestID: "abc", Details: []string{"messages[0].text: Length must be between 0 and 5000"}}
	want := "line push: status 400: The request body has 1 error(s) [messages[0].text: Length must be between 0 and 5000] (request id abc)"
	if err.Error() != want {
		t.Fatalf("got  %s\nwant %s", err.Error(), want)
	}
}

// TestSDKMessagesAccepted sends the kinds of messages the bot builds, made with the SDK's own
// types, so that the stand-in never refuses what LINE accepts (the SDK sends nulls and zero
// values for unset fields).
func TestSDKMessagesAccepted(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := userID(60)
	bubble := func(label string) messaging_api.FlexBubble {
		return messaging_api.FlexBubble{
			Size: messaging_api.FlexBubbleSIZE_KILO,
			Body: &messaging_api.FlexBox{Layout: messaging_api.FlexBoxLAYOUT_VERTICAL, Contents: []messaging_api.FlexComponentInterface{
				&messaging_api.FlexText{Text: "อบรมแกนนำ จ.เชียงใหม่", Wrap: true, Weight: messaging_api.FlexTextWEIGHT_BOLD},
				&messaging_api.FlexText{Text: "15 ธ.ค. 2569", Size: "sm"},
			}},
			Footer: &messaging_api.FlexBox{Layout: messaging_api.FlexBoxLAYOUT_VERTICAL, Contents: []messaging_api.FlexComponentInterface{
				&messaging_api.FlexButton{Style: messaging_api.FlexButtonSTYLE_PRIMARY,
					Action: &messaging_api.PostbackAction{Label: label, Data: "a=ws&id=42", DisplayText: label}},
				&messaging_api.FlexButton{Action: &messaging_api.UriAction{Label: "แผนที่", Uri: "https://maps.example.th/?q=%E0%B8%81"}},
			}},
		}
	}
	msgs := []messaging_api.MessageInterface{
		&messaging_api.FlexMessage{AltText: "เวิร์กช็อป", Contents: &messaging_api.FlexCarousel{
			Contents: []messaging_api.FlexBubble{bubble("สมัครเข้าร่วม"), bubble("ที่ปรึกษา")}}},
		&messaging_api.FlexMessage{AltText: "เวิร์กช็อป", Contents: func() *messaging_api.FlexBubble { b := bubble("สมัคร"); return &b }()},
		&messaging_api.TemplateMessage{AltText: "ยืนยัน", Template: &messaging_api.ConfirmTemplate{
			Text: "ยืนยันการส่งข้อมูล?",
			Actions: []messaging_api.ActionInterface{
				&messaging_api.PostbackAction{Label: "ยืนยัน", Data: "a=ok"},
				&messaging_api.MessageAction{Label: "ยกเลิก", Text: "ยกเลิก"},
			}}},
		&messaging_api.TextMessage{Text: "เลือกวันที่", QuickReply: &messaging_api.QuickReply{Items: []messaging_api.QuickReplyItem{
			{Action: &messaging_api.DatetimePickerAction{Label: "เลือกวัน", Data: "a=date", Mode: messaging_api.DatetimePickerActionMODE_DATE}},
			{Action: &messaging_api.MessageAction{Label: "ย้อนกลับ", Text: "ย้อนกลับ"}},
			{Action: &messaging_api.PostbackAction{Label: "ที่ปรึกษา", Data: "a=help"}},
			{Action: &messaging_api.LocationAction{Label: "ส่งตำแหน่ง"}},
		}}},
	}
	if err := f.client.Push(ctx, u, msgs, uuid.NewString()); err != nil {
		t.Fatal(err)
	}
	d := f.srv.Deliveries(u)
	if len(d) != 1 || len(d[0].Messages) != 4 {
		t.Fatalf("deliveries = %+v", d)
	}
	tok := f.srv.IssueReplyToken(u)
	if err := f.client.Reply(ctx, tok, msgs); err != nil {
		t.Fatal(err)
	}
	if err := f.client.Multicast(ctx, []string{u, userID(61)}, msgs, uuid.NewString()); err != nil {
		t.Fatal(err)
	}
}
