package line

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Errors returned without calling LINE because the request could never succeed.
var (
	// ErrNoRecipients is returned by Multicast for an empty recipient list (row 14: 1 to 500).
	ErrNoRecipients = errors.New("line: multicast needs at least one recipient")
	// ErrTooManyRecipients is returned by Multicast for more than MaxMulticastRecipients IDs
	// (row 14); split the audience into chunks of 500, one retry key per chunk.
	ErrTooManyRecipients = errors.New("line: multicast accepts at most 500 recipients")
	// ErrInvalidRetryKey is returned when a retry key is not a UUID in hexadecimal form
	// (8-4-4-4-12 hex digits, row 26).
	ErrInvalidRetryKey = errors.New("line: retry key is not a UUID in hexadecimal form")
	// ErrInvalidUserID is returned when a user ID does not match U[0-9a-f]{32} (row 31) where
	// the ID would go into a URL path (Profile) or must be a user (StartLoading).
	ErrInvalidUserID = errors.New("line: invalid user ID")
	// ErrInvalidLoadingSeconds is returned by StartLoading for a duration that is not 0 or a
	// multiple of 5 between 5 and 60 (row 36).
	ErrInvalidLoadingSeconds = errors.New("line: loading seconds must be 5 to 60 in steps of 5")
	// ErrRateLimited is returned (wrapped) when the client-side rate limiter could not grant a
	// slot before the context's deadline (§2). Nothing was sent; IsRetryable reports true.
	ErrRateLimited = errors.New("line: client-side rate limit")
)

// APIError is a non-2xx answer of the Messaging API (row 30, §3). It carries LINE's own
// description of the problem, never the text of the messages that were sent, so it is safe to
// log. A 409 on push/multicast/broadcast is not an APIError: it means the retry key was already
// accepted and the call reports success (row 27).
type APIError struct {
	// Endpoint is the logical endpoint: "reply", "push", "multicast", "broadcast", "profile"
	// or "loading" (see the Endpoint constants).
	Endpoint string
	// Status is the HTTP status code, e.g. 400, 401, 404, 429, 500.
	Status int
	// Message is the "message" field of LINE's JSON error body, e.g. "Invalid reply token";
	// the HTTP status text when the body was not JSON.
	Message string
	// RequestID is the X-Line-Request-Id response header (§4); quote it to LINE support.
	RequestID string
	// Details are the "details" entries of the error body as "property: message", e.g.
	// "messages[0].text: Length must be between 0 and 5000".
	Details []string
	// RetryAfter is the wait the Retry-After header asked for (seconds or an HTTP date); zero
	// when LINE sent none, which is usual (row 28).
	RetryAfter time.Duration
}

// Error describes the failure with endpoint, status, LINE's message, details and request ID.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("line ")
	b.WriteString(e.Endpoint)
	b.WriteString(": status ")
	b.WriteString(strconv.Itoa(e.Status))
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if len(e.Details) > 0 {
		b.WriteString(" [")
		b.WriteString(strings.Join(e.Details, "; "))
		b.WriteString("]")
	}
	if e.RequestID != "" {
		b.WriteString(" (request id ")
		b.WriteString(e.RequestID)
		b.WriteString(")")
	}
	return b.String()
}

// transportError is a failure below HTTP: connection refused or reset, TLS, timeout, or a
// context that ended while the request was in flight. Whether LINE received the request is
// unknown.
type transportError struct {
	endpoint string
	err      error
}

// Error names the endpoint and the underlying failure, leaving out the request URL (a profile
// URL contains a user ID).
func (e *transportError) Error() string {
	var ue *url.Error
	if errors.As(e.err, &ue) {
		return "line " + e.endpoint + ": " + ue.Op + ": " + ue.Err.Error()
	}
	return "line " + e.endpoint + ": " + e.err.Error()
}

// Unwrap exposes the *url.Error (and through it context errors) to errors.Is/As.
func (e *transportError) Unwrap() error { return e.err }

// IsInvalidReplyToken reports whether err is LINE's 400 "Invalid reply token": the token was
// already used, has expired, or never existed (rows 10–11). The caller may fall back to push
// where the message matters.
func IsInvalidReplyToken(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == 400 &&
		strings.Contains(strings.ToLower(ae.Message), "invalid reply token")
}

// IsNotFound reports whether err is a 404, e.g. the profile of a user who is unknown, not a
// friend, did not consent or blocked the account (row 37). Not worth retrying.
func IsNotFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == 404
}

// IsMonthlyLimit reports whether err is the 429 "You have reached your monthly limit." that
// push/multicast/broadcast answer once the plan's message quota is used up (rows 30, 38).
// IsRetryable is also true for it, but a caller should alert rather than retry soon.
func IsMonthlyLimit(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == 429 &&
		strings.Contains(strings.ToLower(ae.Message), "monthly limit")
}

// IsRetryable reports whether the same request may succeed later and is safe to repeat with the
// same retry key (rows 27, 30): a 5xx or 429 answer, a client-side rate-limit refusal, or a
// transport failure (timeout, connection error, context canceled or past its deadline while the
// request was in flight — LINE may or may not have received it). Other 4xx answers and local
// refusals (ErrTooManyRecipients, ...) are not retryable. A caller that is shutting down should
// check its own context before retrying.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status >= 500 || ae.Status == 429
	}
	if errors.Is(err, ErrRateLimited) {
		return true
	}
	var te *transportError
	if errors.As(err, &te) {
		return true
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return true
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}
