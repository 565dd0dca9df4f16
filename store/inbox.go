package store

import (
	"context"
	"time"
)

// InboxState is where an inbox event stands (docs/ARCHITECTURE.md, "Inbox").
type InboxState string

// Inbox states. A pending event waits for a worker (or is being handled under a claim); a done
// event keeps only its id, for deduplication; a parked event failed too often and waits, body
// kept, for someone to look at it until the clean-up deletes it.
const (
	InboxPending InboxState = "pending"
	InboxDone    InboxState = "done"
	InboxParked  InboxState = "parked"
)

// InboxEvent is one webhook event kept in the inbox between the webhook's answer and its
// handling.
type InboxEvent struct {
	ID         string    // webhookEventId (a ULID): unique, the deduplication key
	UserID     string    // LINE user ID of the source: one user's events are handled in order
	Body       []byte    // the event as the worker reads it (JSON); sealed at rest, nil once done
	EventAt    time.Time // the webhook timestamp: when the event happened; first ordering key
	Seq        int       // position in its webhook request; second ordering key (then ID)
	ReceivedAt time.Time // when the webhook stored it: reply tokens and age count from here
	State      InboxState
	Attempts   int       // claims so far, counting the current one
	NextAt     time.Time // not claimed before this time (back-off after a failure)
	Token      string    // the current claim's token; "" when unclaimed
	LeaseUntil time.Time // the current claim holds until then; a later claim takes it over
}

// InboxAdded is what AddInbox stored: New events, of which Claimed (by ID) were stored already
// claimed with the Token the caller gave.
type InboxAdded struct {
	New     int
	Claimed []string
}

// InboxStats is a snapshot of the inbox for metrics.
type InboxStats struct {
	Pending        int       // events not yet handled, claimed or not
	OldestReceived time.Time // ReceivedAt of the oldest pending event; zero when none
	Parked         int       // parked events still kept
}

// InboxStore is the durable inbox between the webhook and the workers (docs/ARCHITECTURE.md,
// "Inbox"). Claims carry a token: every write after ClaimInbox names it and fails with
// ErrConflict once the claim was taken over, so a worker whose lease ran out changes nothing.
type InboxStore interface {
	// AddInbox stores events (ID, UserID, Body, EventAt, Seq, ReceivedAt, and optionally Token
	// and LeaseUntil; the rest is ignored) in one write. An ID already stored, in any state, is
	// left as it is, so a redelivered request changes nothing. A new event starts pending and
	// due at once; it is stored already claimed by its Token until its LeaseUntil (attempt 1)
	// when it has a Token, the store can check atomically with the insert that its user has no
	// other pending event, and none is pending: the caller then handles it without a ClaimInbox
	// (docs/ARCHITECTURE.md, "Workers"). Otherwise it is stored unclaimed. It returns how many
	// were new and the IDs stored claimed.
	AddInbox(ctx context.Context, evs []InboxEvent) (InboxAdded, error)
	// DueInboxUsers returns up to limit distinct users with a pending event that is due at now
	// (NextAt ≤ now) and not under a live claim (LeaseUntil ≤ now).
	DueInboxUsers(ctx context.Context, now time.Time, limit int) ([]string, error)
	// ClaimInbox claims the user's first pending event (by EventAt, Seq, ID) with token until
	// now+lease, counting the attempt, and returns it with its body opened. It returns
	// ErrNotFound when the user has no pending event, or the first one is not due yet or is
	// under another live claim: one user's events are never handled side by side.
	ClaimInbox(ctx context.Context, userID, token string, now time.Time, lease time.Duration) (InboxEvent, error)
	// ExtendInbox is the claim's heartbeat: the lease runs until now+lease. ErrConflict when
	// the claim with token is gone.
	ExtendInbox(ctx context.Context, id, token string, now time.Time, lease time.Duration) error
	// CompleteInbox marks the claimed event done and deletes its body; only the id stays, for
	// deduplication. ErrConflict when the claim with token is gone.
	CompleteInbox(ctx context.Context, id, token string, now time.Time) error
	// RetryInbox drops the claim; the event is due again at next. ErrConflict when the claim
	// with token is gone.
	RetryInbox(ctx context.Context, id, token string, next time.Time) error
	// ParkInbox drops the claim and parks the event: it is kept, body sealed, but never
	// claimed again. ErrConflict when the claim with token is gone.
	ParkInbox(ctx context.Context, id, token string, now time.Time) error
	// InboxStats counts pending and parked events.
	InboxStats(ctx context.Context) (InboxStats, error)
	// DeleteInboxBefore deletes done events received before done and parked events received
	// before parked, at most batch rows per statement until none is left, and returns how many
	// it deleted. Pending events stay.
	DeleteInboxBefore(ctx context.Context, done, parked time.Time, batch int) (int, error)
}
