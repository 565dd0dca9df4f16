// Package linetest is a stand-in for the LINE Messaging API. It answers as LINE would — status
// codes, JSON error bodies, X-Line-Request-Id, retry-key conflicts — and checks every request
// against LINE's rules (docs/line-platform.md) and LINE's OpenAPI description of the API
// (openapi/messaging-api.yml, validated with kin-openapi). It records every call and every
// message that reached a user.
//
// It serves tests and the simulator mode of the production binary, so it does not import
// package testing. It is safe for concurrent use; it keeps everything in memory without bound.
package linetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/ssonet/ssonet/line"
)

// MaxBodyBytes is the largest request body LINE accepts; larger ones get 413 (row 23).
const MaxBodyBytes = 2 << 20

// RetryKeyTTL is how long LINE remembers an accepted X-Line-Retry-Key (row 26).
const RetryKeyTTL = 24 * time.Hour

// Call is one HTTP request the stand-in received, in arrival order.
type Call struct {
	// Seq numbers calls from 1 in arrival order; deliveries carry the Seq of their call.
	Seq int
	// Endpoint is "reply", "push", "multicast", "broadcast", "profile", "loading", "quota",
	// "quota.consumption" or one of the "richmenu." ones (the line.Endpoint constants); empty
	// for an unknown path or method.
	Endpoint string
	// Method and Path are the HTTP method and URL path, e.g. "POST", "/v2/bot/message/push".
	Method, Path string
	// Status is the HTTP status the stand-in answered.
	Status int
	// RetryKey is the X-Line-Retry-Key header as sent (empty when absent).
	RetryKey string
	// Body is the raw request body (at most MaxBodyBytes+1 bytes).
	Body []byte
}

// Delivery is one message batch that reached one user: through a reply token bound to that
// user, a push, a multicast or a broadcast.
type Delivery struct {
	// Seq is the Seq of the call that delivered it; one multicast or broadcast call yields
	// several deliveries with the same Seq.
	Seq int
	// Endpoint is "reply", "push", "multicast" or "broadcast".
	Endpoint string
	// To is the user ID that received the messages.
	To string
	// Messages are the message objects exactly as sent (1 to 5).
	Messages []json.RawMessage
	// At is the stand-in's clock when the call was accepted.
	At time.Time
}

// Server is the stand-in LINE Messaging API. Create it with NewServer and Close it when done.
type Server struct {
	token string
	ts    *httptest.Server
	data  *httptest.Server // the data API (row 42): rich menu images

	mu         sync.Mutex
	now        func() time.Time
	seq        int
	nextMsgID  int64
	calls      []Call
	deliveries []Delivery
	tokens     map[string]*replyToken
	profiles   map[string]line.Profile
	friends    map[string]bool
	blocked    map[string]bool
	retryKeys  map[string]acceptedKey
	failures   map[string][]injection
	subs       map[*subscriber]struct{}
	quota      int64 // monthly message limit; 0: none (LINE's quota type "none")
	used       int64 // messages counted against it this month (one per recipient)
	rm         richMenuState
}

type replyToken struct {
	userID string
	used   bool
}

type acceptedKey struct {
	at        time.Time
	requestID string
	sent      []sentMessage // push only: repeated in the 409 body (row 27)
}

type injection struct {
	status      int
	afterAccept bool
	retryAfter  string // Retry-After header to send; empty: none
}

type sentMessage struct {
	ID         string `json:"id"`
	QuoteToken string `json:"quoteToken"`
}

// NewServer starts a stand-in on 127.0.0.1 at a free port that accepts accessToken as the
// channel access token ("Authorization: Bearer <accessToken>"). It panics if the embedded
// OpenAPI document cannot be loaded (a build defect, covered by this package's tests) or no
// port is free, like httptest.NewServer.
func NewServer(accessToken string) *Server {
	if _, err := spec(); err != nil {
		panic(err)
	}
	s := &Server{
		token:     accessToken,
		now:       time.Now,
		nextMsgID: 500000000000000000,
		tokens:    map[string]*replyToken{},
		profiles:  map[string]line.Profile{},
		friends:   map[string]bool{},
		blocked:   map[string]bool{},
		retryKeys: map[string]acceptedKey{},
		failures:  map[string][]injection{},
		subs:      map[*subscriber]struct{}{},
		rm:        newRichMenuState(),
	}
	s.ts = httptest.NewServer(s)
	s.data = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, true) }))
	return s
}

// URL is the base URL to give line.Config.BaseURL, e.g. "http://127.0.0.1:41234".
func (s *Server) URL() string { return s.ts.URL }

// DataURL is the base URL of the stand-in's data API, to give line.Config.DataBaseURL. Only
// rich menu image calls are served there, and they are served nowhere else (row 42).
func (s *Server) DataURL() string { return s.data.URL }

// Close stops the server and ends every subscription.
func (s *Server) Close() {
	s.ts.Close()
	s.data.Close()
	s.mu.Lock()
	subs := s.subs
	s.subs = map[*subscriber]struct{}{}
	s.mu.Unlock()
	for sb := range subs {
		sb.stop()
	}
}

// SetNow replaces the clock used for Delivery.At and the 24-hour retry-key memory (row 26);
// nil restores time.Now.
func (s *Server) SetNow(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	s.mu.Lock()
	s.now = now
	s.mu.Unlock()
}

// IssueReplyToken returns a new reply token bound to userID, as if that user had just sent an
// event. The token works for one reply (row 10); a second use, or a token never issued, gets
// 400 "Invalid reply token". The user becomes a friend (broadcast reaches them).
func (s *Server) IssueReplyToken(userID string) string {
	tok := strings.ReplaceAll(uuid.NewString(), "-", "")
	s.mu.Lock()
	s.tokens[tok] = &replyToken{userID: userID}
	s.friends[userID] = true
	s.mu.Unlock()
	return tok
}

// ExpireReplyToken makes token unusable, as if its minute had passed (row 11).
func (s *Server) ExpireReplyToken(token string) {
	s.mu.Lock()
	if t, ok := s.tokens[token]; ok {
		t.used = true
	}
	s.mu.Unlock()
}

// SetProfile makes GET /v2/bot/profile/{p.UserID} answer p (row 37) and makes the user a
// friend. Profiles of other IDs answer 404.
func (s *Server) SetProfile(p line.Profile) {
	s.mu.Lock()
	s.profiles[p.UserID] = p
	s.friends[p.UserID] = true
	s.mu.Unlock()
}

// SetBlocked marks userID as having blocked the account (or unblocks it). As on LINE, push
// and multicast still answer 200 but deliver nothing to a blocked user, broadcast skips them,
// and their profile answers 404 (rows 29, 37).
func (s *Server) SetBlocked(userID string, blocked bool) {
	s.mu.Lock()
	s.blocked[userID] = blocked
	s.mu.Unlock()
}

// FailNext makes the next n calls to endpoint ("reply", "push", "multicast", "broadcast",
// "profile", "loading", "richmenu.create", ...: the line.Endpoint constants) answer status with a LINE-shaped error body, before any other check
// except authentication; nothing is delivered, no reply token is used and no retry key is
// remembered. Use it for 429 and 5xx. It panics for 409, which comes from retry keys only, and
// for a status below 400.
func (s *Server) FailNext(endpoint string, status, n int) {
	s.inject(endpoint, status, n, false)
}

// FailNextAfterAccept makes the next n accepted calls to endpoint deliver as usual (using the
// reply token and remembering the retry key) but answer status, like a LINE that delivered and
// then failed or timed out on the way back (row 27). A retry with the same key then gets 409.
// It panics like FailNext.
func (s *Server) FailNextAfterAccept(endpoint string, status, n int) {
	s.inject(endpoint, status, n, true)
}

// FailNextRetryAfter makes the next n calls to endpoint answer 429 with the header
// Retry-After: retryAfter (seconds or an HTTP date), like FailNext. LINE documents no
// Retry-After (row 28); this tests that a client honours one if LINE ever sends it.
func (s *Server) FailNextRetryAfter(endpoint, retryAfter string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures[endpoint] = append(s.failures[endpoint], injection{status: http.StatusTooManyRequests, retryAfter: retryAfter})
	}
}

// SetMonthlyQuota sets the channel's monthly message limit (0: no limit, the default) and
// starts the month's usage at used. GET /v2/bot/message/quota and .../quota/consumption report
// them; a push, multicast or broadcast that would take the usage past the limit answers 429
// "You have reached your monthly limit." and delivers nothing (rows 30, 38). Every recipient of
// an accepted call counts one, blocked or not.
func (s *Server) SetMonthlyQuota(limit, used int64) {
	s.mu.Lock()
	s.quota, s.used = limit, used
	s.mu.Unlock()
}

func (s *Server) inject(endpoint string, status, n int, afterAccept bool) {
	if status == http.StatusConflict || status < 400 || status > 599 {
		panic(fmt.Sprintf("linetest: cannot inject status %d", status))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures[endpoint] = append(s.failures[endpoint], injection{status: status, afterAccept: afterAccept})
	}
}

// popFailure returns the next injected failure for endpoint of the given kind, if any.
func (s *Server) popFailure(endpoint string, afterAccept bool) (injection, bool) {
	q := s.failures[endpoint]
	if len(q) == 0 || q[0].afterAccept != afterAccept {
		return injection{}, false
	}
	s.failures[endpoint] = q[1:]
	return q[0], true
}

// Calls returns every request received so far, in arrival order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		c.Body = slices.Clone(c.Body)
		out[i] = c
	}
	return out
}

// LastSeq is the Seq of the latest call (0 before the first); pass it to DeliveriesSince to see
// only what arrives afterwards.
func (s *Server) LastSeq() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seq
}

// Deliveries returns the message batches that reached userID, oldest first.
func (s *Server) Deliveries(userID string) []Delivery { return s.DeliveriesSince(userID, 0) }

// DeliveriesSince returns the message batches that reached userID from calls with Seq > seq,
// oldest first.
func (s *Server) DeliveriesSince(userID string, seq int) []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Delivery
	for _, d := range s.deliveries {
		if d.To == userID && d.Seq > seq {
			out = append(out, d)
		}
	}
	return out
}

// Subscribe returns a channel that receives every Delivery made after the call, in order, and
// a function that ends the subscription and closes the channel. The channel is fed by its own
// goroutine with an unbounded queue, so a slow reader never blocks the server.
func (s *Server) Subscribe() (<-chan Delivery, func()) {
	sb := &subscriber{
		wake: make(chan struct{}, 1),
		out:  make(chan Delivery),
		done: make(chan struct{}),
	}
	s.mu.Lock()
	s.subs[sb] = struct{}{}
	s.mu.Unlock()
	go sb.run()
	return sb.out, func() {
		s.mu.Lock()
		delete(s.subs, sb)
		s.mu.Unlock()
		sb.stop()
	}
}

type subscriber struct {
	mu    sync.Mutex
	queue []Delivery
	wake  chan struct{}
	out   chan Delivery
	done  chan struct{}
	once  sync.Once
}

func (sb *subscriber) push(d Delivery) {
	sb.mu.Lock()
	sb.queue = append(sb.queue, d)
	sb.mu.Unlock()
	select {
	case sb.wake <- struct{}{}:
	default:
	}
}

func (sb *subscriber) stop() { sb.once.Do(func() { close(sb.done) }) }

func (sb *subscriber) run() {
	defer close(sb.out)
	for {
		sb.mu.Lock()
		q := sb.queue
		sb.queue = nil
		sb.mu.Unlock()
		for _, d := range q {
			select {
			case sb.out <- d:
			case <-sb.done:
				return
			}
		}
		if len(q) > 0 {
			continue
		}
		select {
		case <-sb.wake:
		case <-sb.done:
			return
		}
	}
}

// response is what process decided to answer.
type response struct {
	status int
	header map[string]string
	body   any
	raw    []byte // sent as is instead of body (rich menu image download)
}

func errorResponse(status int, message string, details ...detail) response {
	body := map[string]any{"message": message}
	if len(details) > 0 {
		body["details"] = details
	}
	return response{status: status, body: body}
}

// injectedResponse is the body LINE sends with status, as far as LINE documents it (row 30).
func injectedResponse(status int) response {
	msg := map[int]string{
		400: "The request body has 1 error(s)",
		401: "Authentication failed. Confirm that the access token in the authorization header is valid.",
		403: "Access to this API is not available for your account",
		404: "Not found",
		410: "Gone",
		413: "Request Entity Too Large",
		429: "The API rate limit has been exceeded. Try again later.",
		500: "An error occurred in the server",
	}[status]
	if msg == "" {
		msg = http.StatusText(status)
	}
	return errorResponse(status, msg)
}

// route maps method and path to an endpoint name and the path parameter (profile's user ID).
// ok is false for an unknown path; endpoint is empty when the path is known but the method is
// not.
func route(method, path string) (endpoint, param string, ok bool) {
	want := http.MethodPost
	switch {
	case path == "/v2/bot/message/reply":
		endpoint = line.EndpointReply
	case path == "/v2/bot/message/push":
		endpoint = line.EndpointPush
	case path == "/v2/bot/message/multicast":
		endpoint = line.EndpointMulticast
	case path == "/v2/bot/message/broadcast":
		endpoint = line.EndpointBroadcast
	case path == "/v2/bot/chat/loading/start":
		endpoint = line.EndpointLoading
	case path == "/v2/bot/message/quota":
		endpoint, want = line.EndpointQuota, http.MethodGet
	case path == "/v2/bot/message/quota/consumption":
		endpoint, want = line.EndpointQuotaConsumption, http.MethodGet
	case strings.HasPrefix(path, "/v2/bot/profile/") && !strings.Contains(path[len("/v2/bot/profile/"):], "/"):
		endpoint, param, want = line.EndpointProfile, path[len("/v2/bot/profile/"):], http.MethodGet
	default:
		return "", "", false
	}
	if method != want {
		return "", param, true
	}
	return endpoint, param, true
}

// ServeHTTP answers one Messaging API request. Server is also an http.Handler so that it can
// be mounted elsewhere; NewServer already serves it on its own port.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.serve(w, r, false) }

// serve answers a request to the Messaging API, or to the data API when data is true.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, data bool) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	endpoint, param, known := "", "", false
	richEndpoint, richParams, rich := richRoute(r.Method, r.URL.Path, data)
	switch {
	case rich:
		endpoint, known = richEndpoint, true
	case !data:
		endpoint, param, known = route(r.Method, r.URL.Path)
	}

	s.mu.Lock()
	s.seq++
	seq := s.seq
	reqID := uuid.NewString()
	var resp response
	switch {
	case !known:
		resp = errorResponse(http.StatusNotFound, "Not found")
	case endpoint == "":
		resp = errorResponse(http.StatusMethodNotAllowed, "Method not allowed")
	case rich:
		resp = s.authorized(endpoint, r.Header)
		if resp.status == 0 {
			resp = s.processRichMenu(endpoint, richParams, r.Header, body)
		}
	default:
		resp = s.process(seq, reqID, endpoint, param, r.Header, body)
	}
	s.calls = append(s.calls, Call{
		Seq: seq, Endpoint: endpoint, Method: r.Method, Path: r.URL.Path,
		Status: resp.status, RetryKey: r.Header.Get("X-Line-Retry-Key"), Body: body,
	})
	s.mu.Unlock()

	out, _ := json.Marshal(resp.body)
	if resp.raw != nil {
		out = resp.raw
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Line-Request-Id", reqID)
	for k, v := range resp.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(resp.status)
	_, _ = w.Write(out)
}

// authorized answers 401 for a wrong token and the next injected failure of endpoint; a zero
// response when the call may proceed. s.mu is held.
func (s *Server) authorized(endpoint string, h http.Header) response {
	if h.Get("Authorization") != "Bearer "+s.token || s.token == "" {
		return injectedResponse(http.StatusUnauthorized)
	}
	if f, ok := s.popFailure(endpoint, false); ok {
		resp := injectedResponse(f.status)
		if f.retryAfter != "" {
			resp.header = map[string]string{"Retry-After": f.retryAfter}
		}
		return resp
	}
	if h.Get("X-Line-Retry-Key") != "" && strings.HasPrefix(endpoint, "richmenu.") {
		return errorResponse(http.StatusBadRequest, "The X-Line-Retry-Key header is not supported by this API")
	}
	return response{}
}

// sendRequest is the part of reply/push/multicast/broadcast bodies the stand-in acts on.
type sendRequest struct {
	ReplyToken string            `json:"replyToken"`
	To         json.RawMessage   `json:"to"`
	Messages   []json.RawMessage `json:"messages"`
}

// process decides the answer to one request of a known endpoint. s.mu is held.
func (s *Server) process(seq int, reqID, endpoint, param string, h http.Header, body []byte) response {
	if r := s.authorized(endpoint, h); r.status != 0 {
		return r
	}

	// X-Line-Retry-Key: push, multicast, broadcast only; a UUID; remembered 24 h (rows 25–27).
	retryKey, hasKey := "", false
	if v, ok := h[http.CanonicalHeaderKey("X-Line-Retry-Key")]; ok {
		hasKey = true
		if len(v) > 0 {
			retryKey = v[0]
		}
	}
	takesKey := endpoint == line.EndpointPush || endpoint == line.EndpointMulticast || endpoint == line.EndpointBroadcast
	if hasKey {
		if !takesKey {
			return errorResponse(http.StatusBadRequest, "The X-Line-Retry-Key header is not supported by this API")
		}
		if !line.IsRetryKey(retryKey) {
			return errorResponse(http.StatusBadRequest, "The value of the X-Line-Retry-Key header is invalid",
				detail{Message: "Must be a UUID in hexadecimal format", Property: "X-Line-Retry-Key"})
		}
		if ak, ok := s.retryKeys[strings.ToLower(retryKey)]; ok && s.now().Sub(ak.at) < RetryKeyTTL {
			b := map[string]any{"message": "The retry key is already accepted"}
			if ak.sent != nil {
				b["sentMessages"] = ak.sent
			}
			return response{status: http.StatusConflict, body: b,
				header: map[string]string{"X-Line-Accepted-Request-Id": ak.requestID}}
		}
	}

	switch endpoint {
	case line.EndpointQuota:
		if s.quota == 0 {
			return response{status: http.StatusOK, body: map[string]any{"type": "none"}}
		}
		return response{status: http.StatusOK, body: map[string]any{"type": "limited", "value": s.quota}}
	case line.EndpointQuotaConsumption:
		return response{status: http.StatusOK, body: map[string]any{"totalUsage": s.used}}
	}

	if endpoint == line.EndpointProfile {
		if !line.IsUserID(param) {
			return errorResponse(http.StatusBadRequest, "The value for the 'userId' parameter is invalid")
		}
		p, ok := s.profiles[param]
		if !ok || s.blocked[param] {
			return errorResponse(http.StatusNotFound, "Not found")
		}
		return response{status: http.StatusOK, body: p}
	}

	if len(body) > MaxBodyBytes {
		return errorResponse(http.StatusRequestEntityTooLarge, "Request Entity Too Large")
	}
	var generic any
	var req sendRequest
	if err := json.Unmarshal(body, &generic); err != nil {
		return errorResponse(http.StatusBadRequest, "The request body could not be parsed as JSON")
	}
	obj, isObj := generic.(map[string]any)
	if !isObj {
		return errorResponse(http.StatusBadRequest, "The request body has 1 error(s)",
			detail{Message: "Must be a JSON object of the documented shape"})
	}
	dropNulls(generic)

	// LINE's limits first, then the OpenAPI schema; report one problem per property, preferring
	// the LINE-worded one.
	ck, schema := &checker{}, &checker{}
	schema.checkSchema(endpoint, generic)
	if endpoint == line.EndpointLoading {
		if id, _ := obj["chatId"].(string); !line.IsUserID(id) {
			ck.add("chatId", "Must be a user ID")
		}
		if v, ok := obj["loadingSeconds"]; ok {
			n, isNum := v.(float64)
			if !isNum || n < 5 || n > 60 || n != float64(int(n)) || int(n)%5 != 0 {
				ck.add("loadingSeconds", "Must be a multiple of 5 between 5 and 60")
			}
		}
	} else {
		ck.checkMessages(obj["messages"])
	}
	var recipients []string
	switch endpoint {
	case line.EndpointPush:
		to, _ := obj["to"].(string)
		if !line.IsUserID(to) {
			return errorResponse(http.StatusBadRequest, "The property, 'to', in the request body is invalid (line: -, column: -)")
		}
		recipients = []string{to}
	case line.EndpointMulticast:
		list, _ := obj["to"].([]any)
		if len(list) < 1 || len(list) > line.MaxMulticastRecipients {
			ck.add("to", "Size must be between 1 and 500")
		}
		for i, v := range list {
			id, _ := v.(string)
			if !line.IsUserID(id) {
				ck.add(idx("to", i), "Must be a user ID; group and room IDs are not allowed")
				continue
			}
			recipients = append(recipients, id)
		}
	}
	ck.merge(schema)
	if len(ck.details) > 0 {
		return errorResponse(http.StatusBadRequest,
			"The request body has "+strconv.Itoa(len(ck.details))+" error(s)", ck.details...)
	}

	if err := json.Unmarshal(body, &req); err != nil {
		return errorResponse(http.StatusBadRequest, "The request body has 1 error(s)",
			detail{Message: "Must be a JSON object of the documented shape"})
	}
	var tok *replyToken
	switch endpoint {
	case line.EndpointReply:
		tok = s.tokens[req.ReplyToken]
		if tok == nil || tok.used {
			return errorResponse(http.StatusBadRequest, "Invalid reply token")
		}
		recipients = []string{tok.userID}
	case line.EndpointBroadcast:
		for id := range s.friends {
			recipients = append(recipients, id)
		}
		slices.Sort(recipients)
	}

	if takesKey && s.quota > 0 {
		n := int64(len(recipients))
		if s.used+n > s.quota {
			return errorResponse(http.StatusTooManyRequests, "You have reached your monthly limit.")
		}
		s.used += n
	}

	// Accepted.
	if tok != nil {
		tok.used = true
	}
	now := s.now()
	var sent []sentMessage
	if endpoint == line.EndpointReply || endpoint == line.EndpointPush {
		for range req.Messages {
			s.nextMsgID++
			sent = append(sent, sentMessage{ID: strconv.FormatInt(s.nextMsgID, 10),
				QuoteToken: strings.ReplaceAll(uuid.NewString(), "-", "")})
		}
	}
	for _, to := range recipients {
		if s.blocked[to] {
			continue
		}
		d := Delivery{Seq: seq, Endpoint: endpoint, To: to, Messages: cloneRaw(req.Messages), At: now}
		s.deliveries = append(s.deliveries, d)
		for sb := range s.subs {
			sb.push(d)
		}
	}
	if hasKey {
		s.retryKeys[strings.ToLower(retryKey)] = acceptedKey{at: now, requestID: reqID, sent: sent}
	}
	if f, ok := s.popFailure(endpoint, true); ok {
		return injectedResponse(f.status)
	}
	switch endpoint {
	case line.EndpointLoading:
		return response{status: http.StatusAccepted, body: map[string]any{}}
	case line.EndpointReply, line.EndpointPush:
		return response{status: http.StatusOK, body: map[string]any{"sentMessages": sent}}
	default:
		return response{status: http.StatusOK, body: map[string]any{}}
	}
}

func cloneRaw(msgs []json.RawMessage) []json.RawMessage {
	out := make([]json.RawMessage, len(msgs))
	for i, m := range msgs {
		out[i] = slices.Clone(m)
	}
	return out
}
