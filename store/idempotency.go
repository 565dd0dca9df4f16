package store

import (
	"context"
	"time"
)

// IdempotencyTTL is how long the first answer of a POST with an Idempotency-Key is replayed,
// and kept.
const IdempotencyTTL = 24 * time.Hour

// IdempotentAnswer is the first answer to an officers' API POST that carried an
// Idempotency-Key (issue 11, deliverable 5): a repeat gets it again and does nothing.
type IdempotentAnswer struct {
	Key         string // a keyed hash of the caller, the path and the header's value; unique
	BodySum     string // hex SHA-256 of the request body: the same key with another body is refused
	Status      int    // the HTTP status; 0 while the first request is still running
	ContentType string
	Body        []byte // the answer; sealed at rest (it may hold an invite code or personal data)
	CreatedAt   time.Time
}

// IdempotencyStore keeps the first answers of POSTs with an Idempotency-Key.
type IdempotencyStore interface {
	// BeginIdempotent stores a (running, Status 0) unless an answer with a.Key exists; it
	// returns the stored answer and whether this call stored it.
	BeginIdempotent(ctx context.Context, a IdempotentAnswer) (IdempotentAnswer, bool, error)
	// FinishIdempotent records the answer of key. ErrNotFound when there is no such key.
	FinishIdempotent(ctx context.Context, key string, status int, contentType string, body []byte) error
	// ForgetIdempotent removes key (the first request failed, so a retry runs again); removing
	// one that does not exist is not an error.
	ForgetIdempotent(ctx context.Context, key string) error
	// DeleteIdempotentBefore removes the answers created before t and returns how many.
	DeleteIdempotentBefore(ctx context.Context, t time.Time) (int, error)
}
