package linetest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rivo/uniseg"

	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
)

const token = "stand-in-token"

func userID(n int) string { return fmt.Sprintf("U%032x", n+1) }

// req is one raw HTTP request to the stand-in. body is marshalled unless it is a string.
type req struct {
	method, path string
	hdr          map[string]string // a "\x00" value deletes that header

	body any
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func send(t *testing.T, s *linetest.Server, r req) answer {
	t.Helper()
	a, err := sendE(s, r)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// sendE sends r and checks what every answer must have: a JSON object body, an
// X-Line-Request-Id header, and a "message" in error bodies.
func sendE(s *linetest.Server, r req) (answer, error) {
	var body []byte
	switch b := r.body.(type) {
	case nil:
	case string:
		body = []byte(b)
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			return answer{}, err
		}
	}
	method := r.method
	if method == "" {
		method = http.MethodPost
	}
	hr, err := http.NewRequest(method, s.URL()+r.path, bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	hr.Header.Set("Authorization", "Bearer "+token)
	hr.Header.Set("Content-Type", "application/json; charset=UTF-8")
	for k, v := range r.hdr {
		if v == "\x00" {
			hr.Header.Del(k)
			continue
		}
		hr.Header[http.CanonicalHeaderKey(k)] = []string{v}
	}
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		return answer{}, err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	a := answer{status: res.StatusCode, header: res.Header, raw: string(raw)}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		return a, fmt.Errorf("answer is not a JSON object: %q", raw)
	}
	if res.Header.Get("X-Line-Request-Id") == "" {
		return a, fmt.Errorf("answer %d lacks X-Line-Request-Id", res.StatusCode)
	}
	if res.StatusCode >= 400 {
		if _, ok := a.body["message"].(string); !ok {
			return a, fmt.Errorf("error body without message: %s", raw)
		}
	}
	return a, nil
}

type obj = map[string]any

func textMsg(s string) obj { return obj{"type": "text", "text": s} }

func push(to string, msgs ...any) req {
	return req{path: "/v2/bot/message/push", hdr: map[string]string{"X-Line-Retry-Key": uuid.NewString()},
		body: obj{"to": to, "messages": msgs}}
}

func multicast(to []string, msgs ...any) req {
	if to == nil {
		to = []string{}
	}
	return req{path: "/v2/bot/message/multicast", hdr: map[string]string{"X-Line-Retry-Key": uuid.NewString()},
		body: obj{"to": to, "messages": msgs}}
}

func reply(tok string, msgs ...any) req {
	return req{path: "/v2/bot/message/reply", body: obj{"replyToken": tok, "messages": msgs}}
}

func withQR(m obj, actions ...obj) obj {
	items := []any{}
	for _, a := range actions {
		items = append(items, obj{"type": "action", "action": a})
	}
	m["quickReply"] = obj{"items": items}
	return m
}

func postback(label, data string) obj { return obj{"type": "postback", "label": label, "data": data} }

func repeatAction(n int) []obj {
	out := make([]obj, n)
	for i := range out {
		out[i] = postback(fmt.Sprint("ข้อ ", i), "a=x")
	}
	return out
}

func flexMsg(alt string, contents obj) obj {
	return obj{"type": "flex", "altText": alt, "contents": contents}
}

func bubbleWithButton(label string) obj {
	return obj{"type": "bubble", "body": obj{"type": "box", "layout": "vertical", "contents": []any{
		obj{"type": "button", "action": postback(label, "a=1")},
	}}}
}

// bubbleOfSize returns a bubble whose compact JSON is exactly n bytes.
func bubbleOfSize(t *testing.T, n int) obj {
	t.Helper()
	mk := func(k int) obj {
		return obj{"type": "bubble", "body": obj{"type": "box", "layout": "vertical", "contents": []any{
			obj{"type": "text", "text": strings.Repeat("x", k)},
		}}}
	}
	b, _ := json.Marshal(mk(0))
	k := n - len(b)
	if k < 0 {
		t.Fatalf("bubble cannot be %d bytes", n)
	}
	out := mk(k)
	if b, _ := json.Marshal(out); len(b) != n {
		t.Fatalf("bubble is %d bytes, want %d", len(b), n)
	}
	return out
}

func carousel(bubbles ...obj) obj {
	cs := make([]any, len(bubbles))
	for i, b := range bubbles {
		cs[i] = b
	}
	return obj{"type": "carousel", "contents": cs}
}

func nCopies[T any](n int, v T) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func users(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = userID(100 + i)
	}
	return out
}

// label of exactly n grapheme clusters built from Thai syllables with combining marks.
func thaiLabel(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	for i := range n {
		b.WriteString([]string{"ที่", "ป", "รึ", "ก", "ษ", "า"}[i%6])
	}
	s := b.String()
	if got := uniseg.GraphemeClusterCount(s); got != n {
		t.Fatalf("label has %d graphemes, want %d", got, n)
	}
	if len([]rune(s)) <= n {
		t.Fatalf("label should have more code points than graphemes")
	}
	return s
}

// TestChecksRejectAndNeighbourPasses sends, for every rule, a request that breaks it and a
// neighbour that is just inside it: the first must be refused with the given status and
// mention want; the second must be accepted.
func TestChecksRejectAndNeighbourPasses(t *testing.T) {
	u := userID(1)
	thai := func(n int) string { return strings.Repeat("ก", n) }
	type pair struct {
		name   string
		bad    func(t *testing.T, s *linetest.Server) req
		good   func(t *testing.T, s *linetest.Server) req
		status int
		want   string
	}
	fixed := func(r req) func(*testing.T, *linetest.Server) req {
		return func(*testing.T, *linetest.Server) req { return r }
	}
	pushOf := func(m func(t *testing.T) obj) func(*testing.T, *linetest.Server) req {
		return func(t *testing.T, _ *linetest.Server) req { return push(u, m(t)) }
	}
	noAuth := push(u, textMsg("x"))
	noAuth.hdr["Authorization"] = "\x00"
	wrongAuth := push(u, textMsg("x"))
	wrongAuth.hdr["Authorization"] = "Bearer nope"
	badJSON := push(u, textMsg("x"))
	badJSON.body = `{"to":"` + u + `","messages":[`
	keyOnReply := func(_ *testing.T, s *linetest.Server) req {
		r := reply(s.IssueReplyToken(u), textMsg("x"))
		r.hdr = map[string]string{"X-Line-Retry-Key": uuid.NewString()}
		return r
	}
	badKey := push(u, textMsg("x"))
	badKey.hdr["X-Line-Retry-Key"] = "12345"
	emptyKey := push(u, textMsg("x"))
	emptyKey.hdr["X-Line-Retry-Key"] = ""
	noKey := push(u, textMsg("x"))
	noKey.hdr["X-Line-Retry-Key"] = "\x00"
	huge := push(u, textMsg("x"))
	huge.body = `{"to":"` + u + `","messages":[{"type":"text","text":"x"}],"pad":"` + strings.Repeat("x", linetest.MaxBodyBytes) + `"}`

	pairs := []pair{
		{"no authorization", fixed(noAuth), fixed(push(u, textMsg("x"))), 401, "Authentication"},
		{"wrong token", fixed(wrongAuth), fixed(push(u, textMsg("x"))), 401, "Authentication"},
		{"invalid JSON", fixed(badJSON), fixed(push(u, textMsg("x"))), 400, "JSON"},
		{"0 messages", fixed(push(u)), fixed(push(u, textMsg("x"))), 400, "messages"},
		{"6 messages", fixed(push(u, nCopies[any](6, textMsg("x"))...)), fixed(push(u, nCopies[any](5, textMsg("x"))...)), 400, "Size must be between 1 and 5"},
		{"text 5001 UTF-16 units", fixed(push(u, textMsg(thai(5001)))), fixed(push(u, textMsg(thai(5000)))), 400, "messages[0].text"},
		{"text 2501 emoji (5002 units)", fixed(push(u, textMsg(strings.Repeat("😀", 2501)))), fixed(push(u, textMsg(strings.Repeat("😀", 2500)))), 400, "messages[0].text"},
		{"empty text", fixed(push(u, textMsg(""))), fixed(push(u, textMsg("a"))), 400, "messages[0].text"},
		{"missing text", fixed(push(u, obj{"type": "text"})), fixed(push(u, textMsg("a"))), 400, "text"},
		{"sticker without stickerId (schema)", fixed(push(u, obj{"type": "sticker", "packageId": "446"})),
			fixed(push(u, obj{"type": "sticker", "packageId": "446", "stickerId": "1988"})), 400, "stickerId"},
		{"notificationDisabled not a boolean (schema)", fixed(req{path: "/v2/bot/message/push", body: obj{"to": u, "messages": []any{textMsg("x")}, "notificationDisabled": "yes"}}),
			fixed(req{path: "/v2/bot/message/push", body: obj{"to": u, "messages": []any{textMsg("x")}, "notificationDisabled": true}}), 400, "notificationDisabled"},
		{"unknown message type", fixed(push(u, obj{"type": "bogus", "text": "a"})), fixed(push(u, textMsg("a"))), 400, "messages[0].type"},
		{"14 quick reply items", fixed(push(u, withQR(textMsg("x"), repeatAction(14)...))), fixed(push(u, withQR(textMsg("x"), repeatAction(13)...))), 400, "quickReply.items"},
		{"quick reply label 21 graphemes",
			pushOf(func(t *testing.T) obj { return withQR(textMsg("x"), postback(thaiLabel(t, 21), "a=1")) }),
			pushOf(func(t *testing.T) obj { return withQR(textMsg("x"), postback(thaiLabel(t, 20), "a=1")) }),
			400, "messages[0].quickReply.items[0].action.label"},
		{"quick reply label missing", fixed(push(u, withQR(textMsg("x"), obj{"type": "postback", "data": "a=1"}))), fixed(push(u, withQR(textMsg("x"), postback("ok", "a=1")))), 400, "action.label"},
		{"flex button label 41", fixed(push(u, flexMsg("alt", bubbleWithButton(strings.Repeat("b", 41))))), fixed(push(u, flexMsg("alt", bubbleWithButton(strings.Repeat("b", 40))))), 400, "action.label"},
		{"flex button label 41 Thai graphemes",
			pushOf(func(t *testing.T) obj { return flexMsg("alt", bubbleWithButton(thaiLabel(t, 41))) }),
			pushOf(func(t *testing.T) obj { return flexMsg("alt", bubbleWithButton(thaiLabel(t, 40))) }),
			400, "action.label"},
		{"postback data 301", fixed(push(u, withQR(textMsg("x"), postback("l", strings.Repeat("d", 301))))), fixed(push(u, withQR(textMsg("x"), postback("l", strings.Repeat("d", 300))))), 400, "action.data"},
		{"displayText 301", fixed(push(u, withQR(textMsg("x"), obj{"type": "postback", "label": "l", "data": "a", "displayText": thai(301)}))),
			fixed(push(u, withQR(textMsg("x"), obj{"type": "postback", "label": "l", "data": "a", "displayText": thai(300)}))), 400, "displayText"},
		{"message action text 301", fixed(push(u, withQR(textMsg("x"), obj{"type": "message", "label": "l", "text": thai(301)}))),
			fixed(push(u, withQR(textMsg("x"), obj{"type": "message", "label": "l", "text": thai(300)}))), 400, "action.text"},
		{"uri 1001", fixed(push(u, withQR(textMsg("x"), obj{"type": "uri", "label": "l", "uri": "https://e.th/" + strings.Repeat("a", 1001-13)}))),
			fixed(push(u, withQR(textMsg("x"), obj{"type": "uri", "label": "l", "uri": "https://e.th/" + strings.Repeat("a", 1000-13)}))), 400, "action.uri"},
		{"uri scheme", fixed(push(u, withQR(textMsg("x"), obj{"type": "uri", "label": "l", "uri": "ftp://e.th/"}))),
			fixed(push(u, withQR(textMsg("x"), obj{"type": "uri", "label": "l", "uri": "tel:1506"}))), 400, "action.uri"},
		{"altText 401", fixed(push(u, flexMsg(thai(401), bubbleWithButton("b")))), fixed(push(u, flexMsg(thai(400), bubbleWithButton("b")))), 400, "altText"},
		{"bubble over 30 KB",
			pushOf(func(t *testing.T) obj { return flexMsg("alt", bubbleOfSize(t, 30001)) }),
			pushOf(func(t *testing.T) obj { return flexMsg("alt", bubbleOfSize(t, 30000)) }),
			400, "messages[0].contents"},
		{"carousel of 13 bubbles", fixed(push(u, flexMsg("alt", carousel(nCopies(13, bubbleWithButton("b"))...)))),
			fixed(push(u, flexMsg("alt", carousel(nCopies(12, bubbleWithButton("b"))...)))), 400, "contents"},
		{"carousel over 50 KB",
			pushOf(func(t *testing.T) obj { return flexMsg("alt", carousel(nCopies(12, bubbleOfSize(t, 4300))...)) }),
			pushOf(func(t *testing.T) obj { return flexMsg("alt", carousel(nCopies(12, bubbleOfSize(t, 4000))...)) }),
			400, "Carousel size"},
		{"confirm with 3 actions", fixed(push(u, obj{"type": "template", "altText": "a", "template": obj{"type": "confirm", "text": "ยืนยัน?", "actions": []any{postback("ใช่", "y"), postback("ไม่", "n"), postback("?", "q")}}})),
			fixed(push(u, obj{"type": "template", "altText": "a", "template": obj{"type": "confirm", "text": "ยืนยัน?", "actions": []any{postback("ใช่", "y"), postback("ไม่", "n")}}})), 400, "actions"},
		{"buttons label 21", fixed(push(u, obj{"type": "template", "altText": "a", "template": obj{"type": "buttons", "text": "t", "actions": []any{postback(strings.Repeat("l", 21), "y")}}})),
			fixed(push(u, obj{"type": "template", "altText": "a", "template": obj{"type": "buttons", "text": "t", "actions": []any{postback(strings.Repeat("l", 20), "y")}}})), 400, "label"},
		{"multicast to empty", fixed(multicast(nil, textMsg("x"))), fixed(multicast(users(1), textMsg("x"))), 400, "to"},
		{"multicast to 501", fixed(multicast(users(501), textMsg("x"))), fixed(multicast(users(500), textMsg("x"))), 400, "to"},
		{"multicast to a group", fixed(multicast([]string{"C" + strings.Repeat("0", 32)}, textMsg("x"))), fixed(multicast([]string{userID(7)}, textMsg("x"))), 400, "to[0]"},
		{"push to a group", fixed(push("C"+strings.Repeat("0", 32), textMsg("x"))), fixed(push(u, textMsg("x"))), 400, "'to'"},
		{"push to upper-case hex", fixed(push("U"+strings.Repeat("A", 32), textMsg("x"))), fixed(push("U"+strings.Repeat("a", 32), textMsg("x"))), 400, "'to'"},
		{"unknown reply token", fixed(reply("0123456789abcdef0123456789abcdef", textMsg("x"))),
			func(_ *testing.T, s *linetest.Server) req { return reply(s.IssueReplyToken(u), textMsg("x")) }, 400, "Invalid reply token"},
		{"retry key on reply", keyOnReply, func(_ *testing.T, s *linetest.Server) req { return reply(s.IssueReplyToken(u), textMsg("x")) }, 400, "Retry-Key"},
		{"retry key not a UUID", fixed(badKey), fixed(push(u, textMsg("x"))), 400, "Retry-Key"},
		{"empty retry key", fixed(emptyKey), fixed(noKey), 400, "Retry-Key"},
		{"body over 2 MB", fixed(huge), fixed(push(u, textMsg("x"))), 413, "Too Large"},
		{"loading for a group", fixed(req{path: "/v2/bot/chat/loading/start", body: obj{"chatId": "C" + strings.Repeat("0", 32)}}),
			fixed(req{path: "/v2/bot/chat/loading/start", body: obj{"chatId": u}}), 400, "chatId"},
		{"loading 7 seconds", fixed(req{path: "/v2/bot/chat/loading/start", body: obj{"chatId": u, "loadingSeconds": 7}}),
			fixed(req{path: "/v2/bot/chat/loading/start", body: obj{"chatId": u, "loadingSeconds": 10}}), 400, "loadingSeconds"},
		{"profile with a malformed id", fixed(req{method: "GET", path: "/v2/bot/profile/Uxyz"}),
			func(_ *testing.T, s *linetest.Server) req {
				s.SetProfile(line.Profile{UserID: u, DisplayName: "n"})
				return req{method: "GET", path: "/v2/bot/profile/" + u}
			}, 400, "userId"},
		{"profile of an unknown user", fixed(req{method: "GET", path: "/v2/bot/profile/" + userID(99)}),
			func(_ *testing.T, s *linetest.Server) req {
				s.SetProfile(line.Profile{UserID: u, DisplayName: "n"})
				return req{method: "GET", path: "/v2/bot/profile/" + u}
			}, 404, "Not found"},
		{"unknown path", fixed(req{path: "/v2/bot/message/nope", body: obj{}}), fixed(push(u, textMsg("x"))), 404, "Not found"},
		{"wrong method", fixed(req{method: "GET", path: "/v2/bot/message/push"}), fixed(push(u, textMsg("x"))), 405, "Method"},
	}
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			s := linetest.NewServer(token)
			defer s.Close()
			bad := send(t, s, p.bad(t, s))
			if bad.status != p.status || !strings.Contains(bad.raw, p.want) {
				t.Fatalf("bad request: %d %s; want %d mentioning %q", bad.status, bad.raw, p.status, p.want)
			}
			t.Logf("refused: %d %.300s", bad.status, bad.raw)
			if n := len(s.Deliveries(u)); n != 0 {
				t.Fatalf("a refused request delivered %d batches", n)
			}
			good := send(t, s, p.good(t, s))
			if good.status/100 != 2 {
				t.Fatalf("neighbour refused: %d %s", good.status, good.raw)
			}
		})
	}
}

func TestRetryKeyConflict(t *testing.T) {
	s := linetest.NewServer(token)
	defer s.Close()
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	s.SetNow(func() time.Time { return now })
	u := userID(1)
	r := push(u, textMsg("x"))

	first := send(t, s, r)
	if first.status != 200 {
		t.Fatalf("first: %d %s", first.status, first.raw)
	}
	sent, _ := first.body["sentMessages"].([]any)
	if len(sent) != 1 {
		t.Fatalf("sentMessages = %v", first.body)
	}
	second := send(t, s, r)
	if second.status != 409 || second.body["message"] != "The retry key is already accepted" {
		t.Fatalf("second: %d %s", second.status, second.raw)
	}
	if got, want := second.header.Get("X-Line-Accepted-Request-Id"), first.header.Get("X-Line-Request-Id"); got != want {
		t.Fatalf("accepted request id %q, want %q", got, want)
	}
	if _, ok := second.body["sentMessages"]; !ok {
		t.Fatal("409 on push should repeat sentMessages")
	}
	if n := len(s.Deliveries(u)); n != 1 {
		t.Fatalf("deliveries %d", n)
	}
	// Reusing a key on another endpoint is a conflict too.
	m := multicast([]string{u}, textMsg("x"))
	m.hdr = r.hdr
	if a := send(t, s, m); a.status != 409 {
		t.Fatalf("multicast with a used key: %d", a.status)
	}
	// After 24 hours the key is forgotten and the same request delivers again (row 26).
	now = now.Add(linetest.RetryKeyTTL + time.Second)
	if a := send(t, s, r); a.status != 200 {
		t.Fatalf("after 24 h: %d", a.status)
	}
	if n := len(s.Deliveries(u)); n != 2 {
		t.Fatalf("deliveries %d", n)
	}
	if d := s.Deliveries(u)[1]; !d.At.Equal(now) {
		t.Fatalf("delivery time %v, want %v", d.At, now)
	}
}

func TestReplyTokenIsOneUse(t *testing.T) {
	s := linetest.NewServer(token)
	defer s.Close()
	u := userID(1)
	tok := s.IssueReplyToken(u)
	// A refused reply does not use the token up.
	if a := send(t, s, reply(tok)); a.status != 400 {
		t.Fatalf("empty reply: %d", a.status)
	}
	if a := send(t, s, reply(tok, textMsg("x"))); a.status != 200 {
		t.Fatalf("first: %d %s", a.status, a.raw)
	}
	if a := send(t, s, reply(tok, textMsg("x"))); a.status != 400 || a.body["message"] != "Invalid reply token" {
		t.Fatalf("second: %d %s", a.status, a.raw)
	}
	tok2 := s.IssueReplyToken(u)
	s.ExpireReplyToken(tok2)
	if a := send(t, s, reply(tok2, textMsg("x"))); a.body["message"] != "Invalid reply token" {
		t.Fatalf("expired: %s", a.raw)
	}
	d := s.Deliveries(u)
	if len(d) != 1 || d[0].Endpoint != "reply" || d[0].To != u || len(d[0].Messages) != 1 {
		t.Fatalf("deliveries = %+v", d)
	}
}

func TestFailNext(t *testing.T) {
	s := linetest.NewServer(token)
	defer s.Close()
	u := userID(1)
	s.FailNext("push", 503, 2)
	for range 2 {
		if a := send(t, s, push(u, textMsg("x"))); a.status != 503 {
			t.Fatalf("status %d", a.status)
		}
	}
	if a := send(t, s, push(u, textMsg("x"))); a.status != 200 {
		t.Fatalf("after the failures: %d", a.status)
	}
	s.FailNext("profile", 429, 1)
	s.SetProfile(line.Profile{UserID: u, DisplayName: "n"})
	if a := send(t, s, req{method: "GET", path: "/v2/bot/profile/" + u}); a.status != 429 {
		t.Fatalf("profile: %d", a.status)
	}
	if a := send(t, s, req{method: "GET", path: "/v2/bot/profile/" + u}); a.status != 200 || a.body["displayName"] != "n" {
		t.Fatalf("profile: %d %s", a.status, a.raw)
	}
	calls := s.Calls()
	if len(calls) != 5 || calls[0].Status != 503 || calls[4].Status != 200 || calls[4].Endpoint != "profile" {
		t.Fatalf("calls = %+v", calls)
	}
	for i, c := range calls {
		if c.Seq != i+1 {
			t.Fatalf("call %d has Seq %d", i, c.Seq)
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("FailNext(409) did not panic")
		}
	}()
	s.FailNext("push", 409, 1)
}

func TestBlockedUsersAndBroadcast(t *testing.T) {
	s := linetest.NewServer(token)
	defer s.Close()
	a, b, c := userID(1), userID(2), userID(3)
	s.SetProfile(line.Profile{UserID: a, DisplayName: "a"})
	s.IssueReplyToken(b)
	s.SetProfile(line.Profile{UserID: c, DisplayName: "c"})
	s.SetBlocked(c, true)

	if r := send(t, s, push(c, textMsg("x"))); r.status != 200 {
		t.Fatalf("push to blocked: %d", r.status)
	}
	if n := len(s.Deliveries(c)); n != 0 {
		t.Fatal("a blocked user received a push")
	}
	seq := s.LastSeq()
	br := req{path: "/v2/bot/message/broadcast", hdr: map[string]string{"X-Line-Retry-Key": uuid.NewString()},
		body: obj{"messages": []any{textMsg("ประกาศ")}}}
	if r := send(t, s, br); r.status != 200 {
		t.Fatalf("broadcast: %d %s", r.status, r.raw)
	}
	for _, id := range []string{a, b} {
		d := s.DeliveriesSince(id, seq)
		if len(d) != 1 || d[0].Endpoint != "broadcast" || d[0].Seq != seq+1 {
			t.Fatalf("%s: %+v", id, d)
		}
	}
	if n := len(s.Deliveries(c)); n != 0 {
		t.Fatal("a blocked user received the broadcast")
	}
	if n := len(s.DeliveriesSince(a, seq+1)); n != 0 {
		t.Fatal("DeliveriesSince includes the given seq")
	}
}

func TestSubscribe(t *testing.T) {
	s := linetest.NewServer(token)
	defer s.Close()
	ch, cancel := s.Subscribe()
	defer cancel()
	u := userID(1)
	for i := range 3 {
		if r := send(t, s, push(u, textMsg(fmt.Sprint(i)))); r.status != 200 {
			t.Fatal(r.raw)
		}
	}
	for i := range 3 {
		select {
		case d := <-ch:
			var m map[string]any
			if err := json.Unmarshal(d.Messages[0], &m); err != nil || m["text"] != fmt.Sprint(i) || d.To != u {
				t.Fatalf("delivery %d = %+v", i, d)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no delivery")
		}
	}
	cancel()
	for range ch {
	}
}

func TestConcurrentUse(t *testing.T) {
	s := linetest.NewServer(token)
	defer s.Close()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := userID(i % 4)
			if r, err := sendE(s, push(u, textMsg("x"))); err != nil || r.status != 200 {
				t.Errorf("status %d, %v", r.status, err)
			}
			_ = s.Deliveries(u)
			_ = s.Calls()
		}()
	}
	wg.Wait()
	total := 0
	for i := range 4 {
		total += len(s.Deliveries(userID(i)))
	}
	if total != 20 {
		t.Fatalf("deliveries %d", total)
	}
}
