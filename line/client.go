package line

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
	"golang.org/x/time/rate"
)

// DefaultBaseURL is the Messaging API's base URL (LINE_API_BASE_URL's default).
const DefaultBaseURL = "https://api.line.me"

// DefaultTimeout bounds every call when Config.HTTPClient is nil.
const DefaultTimeout = 10 * time.Second

// DefaultConns is how many keep-alive connections to LINE the client keeps when Config.Conns is
// zero: enough for the webhook's reply workers and the outbox's push workers sending at once,
// so that no call waits for a TLS handshake (Go's own default keeps only 2).
const DefaultConns = 64

var retryKeyRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// IsUserID reports whether id has the form of a LINE user ID: "U" and 32 lowercase hex digits
// (row 31). It is checked for every recipient of every push, so it is a plain loop.
func IsUserID(id string) bool {
	if len(id) != 33 || id[0] != 'U' {
		return false
	}
	for i := 1; i < len(id); i++ {
		if c := id[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// IsRetryKey reports whether key is a UUID in the hexadecimal 8-4-4-4-12 form LINE expects in
// X-Line-Retry-Key (row 26).
func IsRetryKey(key string) bool { return retryKeyRe.MatchString(key) }

// Config configures a Client.
type Config struct {
	// BaseURL is the Messaging API base URL (LINE_API_BASE_URL); "/v2/bot/..." is appended and
	// a path prefix is kept. Empty means DefaultBaseURL.
	BaseURL string
	// DataBaseURL is the data API base URL (LINE_DATA_API_BASE_URL) for binary endpoints such as
	// rich menu images (row 42). Empty means DefaultDataBaseURL.
	DataBaseURL string
	// AccessToken is the channel access token (LINE_CHANNEL_ACCESS_TOKEN). Required.
	AccessToken string
	// HTTPClient sends the requests; nil means a client with DefaultTimeout (10 s) and a pool
	// of Conns keep-alive connections. Its Timeout bounds calls whose context has no deadline.
	HTTPClient *http.Client
	// Conns sizes the keep-alive pool when HTTPClient is nil: the most connections kept open to
	// LINE (and opened at once). Zero means DefaultConns.
	Conns int
	// Logger receives one line per failed call (endpoint, status, X-Line-Request-Id); nil means
	// slog.Default().
	Logger *slog.Logger
	// RateLimits overrides the client-side budget per endpoint (keys EndpointReply, ...).
	// nil means DefaultRateLimits(); in a non-nil map an endpoint that is missing or has a zero
	// Every is not limited (tests and the simulator pass an empty map).
	RateLimits map[string]RateLimit
}

// Client sends to the LINE Messaging API through the official SDK. It is safe for concurrent
// use. It does not retry: see IsRetryable.
type Client struct {
	api      *messaging_api.MessagingApiAPI
	blob     *messaging_api.MessagingApiBlobAPI // the data API (richmenu.go)
	log      *slog.Logger
	limiters map[string]*rate.Limiter
}

// New checks cfg and returns a Client. It fails when AccessToken is empty or BaseURL is not an
// absolute URL.
func New(cfg Config) (*Client, error) {
	if cfg.AccessToken == "" {
		return nil, errors.New("line: missing channel access token")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: DefaultTimeout, Transport: pool(cfg.Conns)}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	api, err := messaging_api.NewMessagingApiAPI(cfg.AccessToken,
		messaging_api.WithEndpoint(cfg.BaseURL),
		messaging_api.WithHTTPClient(cfg.HTTPClient))
	if err != nil {
		return nil, fmt.Errorf("line: base URL %q: %w", cfg.BaseURL, err)
	}
	if cfg.DataBaseURL == "" {
		cfg.DataBaseURL = DefaultDataBaseURL
	}
	blob, err := messaging_api.NewMessagingApiBlobAPI(cfg.AccessToken,
		messaging_api.WithBlobEndpoint(cfg.DataBaseURL),
		messaging_api.WithBlobHTTPClient(cfg.HTTPClient))
	if err != nil {
		return nil, fmt.Errorf("line: data base URL %q: %w", cfg.DataBaseURL, err)
	}
	return &Client{api: api, blob: blob, log: cfg.Logger, limiters: newLimiters(cfg.RateLimits)}, nil
}

// sdk returns the SDK client to use for one call, bound to ctx.
//
// The SDK keeps the context in a field of MessagingApiAPI: WithContext stores it on the receiver
// and returns the same pointer, and Do attaches whatever is stored at the moment it runs. Calling
// WithContext on one shared client from concurrent goroutines is therefore a data race, and a
// request could go out with another call's context (line-platform.md §5). Besides the context,
// MessagingApiAPI only holds references that are never written after New (the *http.Client, the
// parsed endpoint URL, the token), so a shallow copy per call is cheap, shares the
// concurrency-safe http.Client and its connection pool, and gives each call its own context: the
// caller's deadline and cancellation apply to exactly its own request. The http.Client's
// Timeout still bounds calls whose context has no deadline.
func (c *Client) sdk(ctx context.Context) *messaging_api.MessagingApiAPI {
	api := *c.api
	return api.WithContext(ctx)
}

// wait takes a slot from endpoint's limiter, if it has one.
func (c *Client) wait(ctx context.Context, endpoint string) error {
	lim := c.limiters[endpoint]
	if lim == nil {
		return nil
	}
	if err := lim.Wait(ctx); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return &transportError{endpoint: endpoint, err: ctxErr}
		}
		return fmt.Errorf("%w on %s: %v", ErrRateLimited, endpoint, err)
	}
	return nil
}

// Reply answers a webhook event with 1 to 5 messages through its one-use reply token (rows 10,
// 11, 13). No X-Line-Retry-Key is sent (row 25). A used or expired token gives an *APIError
// for which IsInvalidReplyToken is true.
func (c *Client) Reply(ctx context.Context, replyToken string, msgs []messaging_api.MessageInterface) error {
	if err := c.wait(ctx, EndpointReply); err != nil {
		return err
	}
	res, err := c.postMessages(ctx, "/v2/bot/message/reply", "", "replyToken", replyToken, msgs)
	return c.outcome(ctx, EndpointReply, false, res, err)
}

// Push sends 1 to 5 messages to one user, group or room (row 13) with X-Line-Retry-Key:
// retryKey (rows 26–27). Store the key with the job before the first attempt and reuse it on
// every retry within 24 h; a 409 "already accepted" is reported as success (nil). An empty
// retryKey makes Push generate a fresh one, which is fine for a single attempt but gives no
// protection against a double send if the caller retries. A key that is not a UUID gives
// ErrInvalidRetryKey without calling LINE. A 200 is not proof of delivery (row 29).
func (c *Client) Push(ctx context.Context, to string, msgs []messaging_api.MessageInterface, retryKey string) error {
	key, err := retryKeyOrNew(retryKey)
	if err != nil {
		return err
	}
	if err := c.wait(ctx, EndpointPush); err != nil {
		return err
	}
	res, err := c.postMessages(ctx, "/v2/bot/message/push", key, "to", to, msgs)
	return c.outcome(ctx, EndpointPush, true, res, err)
}

// Multicast sends 1 to 5 messages to 1 to 500 user IDs (rows 13, 14) with X-Line-Retry-Key:
// retryKey, like Push (one key per chunk of recipients). An empty list gives ErrNoRecipients
// and more than MaxMulticastRecipients gives ErrTooManyRecipients, both without calling LINE.
// Group and room IDs are rejected by LINE with 400.
func (c *Client) Multicast(ctx context.Context, to []string, msgs []messaging_api.MessageInterface, retryKey string) error {
	if len(to) == 0 {
		return ErrNoRecipients
	}
	if len(to) > MaxMulticastRecipients {
		return fmt.Errorf("%w (got %d)", ErrTooManyRecipients, len(to))
	}
	key, err := retryKeyOrNew(retryKey)
	if err != nil {
		return err
	}
	if err := c.wait(ctx, EndpointMulticast); err != nil {
		return err
	}
	res, err := c.postMessages(ctx, "/v2/bot/message/multicast", key, "to", to, msgs)
	return c.outcome(ctx, EndpointMulticast, true, res, err)
}

// Broadcast sends 1 to 5 messages to every friend of the account (row 13) with
// X-Line-Retry-Key: retryKey, like Push. LINE allows only 60 broadcasts per hour (§2); the
// default client-side limit waits up to 61 s between broadcasts (or fails with ErrRateLimited
// when ctx's deadline is nearer).
func (c *Client) Broadcast(ctx context.Context, msgs []messaging_api.MessageInterface, retryKey string) error {
	key, err := retryKeyOrNew(retryKey)
	if err != nil {
		return err
	}
	if err := c.wait(ctx, EndpointBroadcast); err != nil {
		return err
	}
	res, err := c.postMessages(ctx, "/v2/bot/message/broadcast", key, "", nil, msgs)
	return c.outcome(ctx, EndpointBroadcast, true, res, err)
}

// StartLoading shows the loading animation in a one-to-one chat for seconds (5 to 60 in steps
// of 5; 0 means LINE's default of 20) (row 36). LINE answers 202 even for users who cannot see
// it; callers should ignore its errors. An ID that is not a user ID gives ErrInvalidUserID.
func (c *Client) StartLoading(ctx context.Context, userID string, seconds int) error {
	if !IsUserID(userID) {
		return ErrInvalidUserID
	}
	if seconds != 0 && (seconds < 5 || seconds > 60 || seconds%5 != 0) {
		return ErrInvalidLoadingSeconds
	}
	if err := c.wait(ctx, EndpointLoading); err != nil {
		return err
	}
	res, _, err := c.sdk(ctx).ShowLoadingAnimationWithHttpInfo(&messaging_api.ShowLoadingAnimationRequest{
		ChatId:         userID,
		LoadingSeconds: int32(seconds),
	})
	return c.outcome(ctx, EndpointLoading, false, res, err)
}

// Profile reads a user's profile (row 37). A user who is unknown, not a friend, did not consent
// or blocked the account gives an *APIError for which IsNotFound is true. An ID that does not
// match U[0-9a-f]{32} gives ErrInvalidUserID without calling LINE (it would go into the URL
// path).
func (c *Client) Profile(ctx context.Context, userID string) (Profile, error) {
	if !IsUserID(userID) {
		return Profile{}, ErrInvalidUserID
	}
	if err := c.wait(ctx, EndpointProfile); err != nil {
		return Profile{}, err
	}
	res, body, err := c.sdk(ctx).GetProfileWithHttpInfo(userID)
	if err := c.outcome(ctx, EndpointProfile, false, res, err); err != nil {
		return Profile{}, err
	}
	if body == nil {
		// 2xx whose body could not be decoded: the call succeeded but told us nothing.
		return Profile{}, &APIError{Endpoint: EndpointProfile, Status: res.StatusCode,
			Message: "undecodable profile body", RequestID: res.Header.Get("X-Line-Request-Id")}
	}
	return Profile{
		UserID:      body.UserId,
		DisplayName: body.DisplayName,
		PictureURL:  body.PictureUrl,
		Language:    body.Language,
	}, nil
}

// retryKeyOrNew checks a caller's retry key or makes one when it is empty.
func retryKeyOrNew(key string) (string, error) {
	if key == "" {
		return uuid.NewString(), nil
	}
	if !IsRetryKey(key) {
		return "", ErrInvalidRetryKey
	}
	return key, nil
}

// errorBody is LINE's JSON error body (row 30).
type errorBody struct {
	Message string `json:"message"`
	Details []struct {
		Message  string `json:"message"`
		Property string `json:"property"`
	} `json:"details"`
}

// outcome turns what a ...WithHttpInfo call returned into nil or an error, counts the call and
// logs failures. withRetryKey marks calls that carried X-Line-Retry-Key, for which 409 means the
// key was already accepted and counts as success (row 27).
func (c *Client) outcome(ctx context.Context, endpoint string, withRetryKey bool, res *http.Response, err error) error {
	if res == nil {
		var ue *url.Error
		if !errors.As(err, &ue) {
			// Marshalling the messages or building the request failed: nothing was sent.
			return fmt.Errorf("line %s: building request: %w", endpoint, err)
		}
		apiCalls.WithLabelValues(endpoint, "error").Inc()
		c.log.LogAttrs(ctx, slog.LevelWarn, "line api call failed",
			slog.String("endpoint", endpoint), slog.String("status", "error"),
			slog.String("error", ue.Err.Error()))
		return &transportError{endpoint: endpoint, err: err}
	}
	// The SDK has already read a non-2xx body into memory, and closed a 2xx body after
	// decoding it; closing again is harmless and keeps this function independent of that.
	defer res.Body.Close()
	status := res.StatusCode
	reqID := res.Header.Get("X-Line-Request-Id")
	apiCalls.WithLabelValues(endpoint, strconv.Itoa(status)).Inc()

	switch {
	case status/100 == 2:
		// Success even if the SDK could not decode the body: LINE accepted the request.
		return nil
	case status == http.StatusConflict && withRetryKey:
		c.log.LogAttrs(ctx, slog.LevelInfo, "line retry key already accepted",
			slog.String("endpoint", endpoint), slog.Int("status", status),
			slog.String("request_id", reqID),
			slog.String("accepted_request_id", res.Header.Get("X-Line-Accepted-Request-Id")))
		return nil
	}

	ae := &APIError{Endpoint: endpoint, Status: status, RequestID: reqID, RetryAfter: retryAfter(res.Header.Get("Retry-After"), time.Now())}
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	var eb errorBody
	if json.Unmarshal(raw, &eb) == nil && eb.Message != "" {
		ae.Message = eb.Message
		for _, d := range eb.Details {
			if d.Property != "" {
				ae.Details = append(ae.Details, d.Property+": "+d.Message)
			} else {
				ae.Details = append(ae.Details, d.Message)
			}
		}
	} else {
		ae.Message = http.StatusText(status)
	}
	level := slog.LevelWarn
	if status >= 500 {
		level = slog.LevelError
	}
	c.log.LogAttrs(ctx, level, "line api call failed",
		slog.String("endpoint", endpoint), slog.Int("status", status),
		slog.String("request_id", reqID), slog.String("line_message", ae.Message),
		slog.Any("details", ae.Details))
	return ae
}

// retryAfter reads a Retry-After header: a number of seconds or an HTTP date (RFC 9110 §10.2.3),
// relative to now. Zero when absent, unreadable or in the past.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// pool is a transport keeping up to conns idle keep-alive connections to the API host (Go's
// default keeps 2, so concurrent calls beyond that would each open and close a connection).
func pool(conns int) *http.Transport {
	if conns <= 0 {
		conns = DefaultConns
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = conns
	t.MaxIdleConnsPerHost = conns
	t.MaxConnsPerHost = conns
	t.IdleConnTimeout = 90 * time.Second
	return t
}
