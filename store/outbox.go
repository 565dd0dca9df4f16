package store

import (
	"context"
	"encoding/json"
	"time"
)

// PushKind names what a push is for. It is the "kind" label of ssonet_outbox_depth and of the
// outbox's log lines, so the set is small and fixed.
type PushKind string

// Push kinds, one per source of pushes (docs/ARCHITECTURE.md, "Outbox").
const (
	PushWorkshop         PushKind = "workshop"          // reminders, change notices, seat promotions
	PushAnnouncement     PushKind = "announcement"      // one multicast batch or the broadcast of an announcement
	PushAnnouncementDone PushKind = "announcement.done" // the summary to the officer who sent it
	PushReferralNotice   PushKind = "referral"          // a referral's status change, to the referring leader
	PushLeaderDecision   PushKind = "leader.decision"   // approval or rejection, to the leader
	PushOfficerCard      PushKind = "officer.card"      // a new application with approve/reject, to officers
	PushReply            PushKind = "reply"             // an answer whose reply token was refused
	PushCase             PushKind = "case"              // a hand-off: the notice to officers, an officer's reply, the close, the hotline
)

// PushStatus is where a push stands: pending until it is sent, refused or skipped, once.
type PushStatus string

// Push statuses.
const (
	PushPending PushStatus = "pending"
	PushSent    PushStatus = "sent"    // LINE accepted it (200, or 409: the key was accepted before)
	PushFailed  PushStatus = "failed"  // LINE refused it for good (a 4xx other than 409 and 429)
	PushSkipped PushStatus = "skipped" // never sent: the row was corrupt, or NotAfter passed
)

// Push is one call to LINE in the outbox: a push to one user, a multicast to 2–500 users or a
// broadcast (line-platform.md rows 13–14). It is stored with its RetryKey before the first
// attempt; every attempt carries that key as X-Line-Retry-Key, so LINE delivers it at most once
// (rows 26–27).
//
// Claims: ClaimPushes gives a push a fresh Token and moves NextAt to the end of the lease.
// Every later write (RetryPush, FinishPush) names the token and fails with ErrConflict once
// another worker has taken the push over after the lease.
type Push struct {
	RetryKey  string   // UUID (8-4-4-4-12 hex); unique; deterministic where a re-plan must find it again
	Kind      PushKind //
	To        []string // one user ID: push; several (at most 500): multicast; none with Broadcast
	Broadcast bool     // every friend of the account; To is empty
	// Messages is the JSON array of the 1–5 message objects, built once when the push is
	// queued. Sealed at rest (it may name people) and dropped when the push is done.
	Messages json.RawMessage
	// Group ties pushes that belong together, e.g. "announcement:<id>" for its batches; empty
	// for a lone push. PushGroupProgress counts by it.
	Group string
	// NotAfter is when the push becomes pointless (a reminder once the workshop has begun);
	// after it the push is skipped. Zero: no limit.
	NotAfter  time.Time
	CreatedAt time.Time
	Status    PushStatus
	Attempts  int       // claims so far
	NextAt    time.Time // not claimed before: the back-off after a failure, or a live claim's lease end
	Token     string    // the current claim; empty when unclaimed
	DoneAt    time.Time // zero while pending
	Error     string    // LINE's last answer (status and message, never the messages sent)
}

// PushProgress counts the pushes of one group by status, and the recipients of the pending,
// sent and failed ones (a broadcast adds no recipients: LINE does not say how many friends it
// reached).
type PushProgress struct {
	Pending, Sent, Failed, Skipped int
	PendingTo, SentTo, FailedTo    int
}

// AddProgress adds n pushes of status with to recipients to pr (for implementations).
func AddProgress(pr *PushProgress, status PushStatus, n, to int) {
	switch status {
	case PushPending:
		pr.Pending += n
		pr.PendingTo += to
	case PushSent:
		pr.Sent += n
		pr.SentTo += to
	case PushFailed:
		pr.Failed += n
		pr.FailedTo += to
	case PushSkipped:
		pr.Skipped += n
	}
}

// QuotaState is whether sending is stopped because LINE's monthly message quota is used up
// (line-platform.md rows 30, 38). It is shared by every replica through the store.
type QuotaState struct {
	Exhausted bool
	Since     time.Time // when LINE first answered "You have reached your monthly limit."
	ResumeAt  time.Time // when sending resumes by itself: the first of the next month in TZ_DISPLAY
	// ResumedBy is who resumed sending last ("auto" at the month's turn, "line:<userID>", "api");
	// empty before the first resume.
	ResumedBy string
	UpdatedAt time.Time
}

// OutboxStore keeps the outbox of pushes and the quota state.
type OutboxStore interface {
	// EnqueuePush stores p as pending with NextAt = p.CreatedAt (Status, Attempts, Token and
	// DoneAt are ignored). ErrConflict when a push with that RetryKey exists: it was queued
	// before, which callers treat as done.
	EnqueuePush(ctx context.Context, p Push) error
	// ClaimPushes claims up to limit pending pushes whose NextAt is not after now, those with
	// the earliest NextAt (returned in no particular order): each gets Token token, NextAt now+lease and one more Attempt, and is
	// returned with its Messages. A push is claimed by exactly one of racing callers.
	ClaimPushes(ctx context.Context, now time.Time, lease time.Duration, token string, limit int) ([]Push, error)
	// RetryPush gives up the claim token holds on a pending push: it becomes claimable at next
	// with Error errText. ErrConflict when the claim is no longer token's or the push is done;
	// ErrNotFound.
	RetryPush(ctx context.Context, retryKey, token string, next time.Time, errText string) error
	// FinishPush records the outcome (PushSent, PushFailed or PushSkipped) of a pending push
	// claimed with token, at at, and drops its Messages. ErrConflict when the claim is no longer
	// token's or the push is done; ErrNotFound.
	FinishPush(ctx context.Context, retryKey, token string, status PushStatus, errText string, at time.Time) error
	// GetPush returns one push (its Messages only while pending), or ErrNotFound.
	GetPush(ctx context.Context, retryKey string) (Push, error)
	// ListPushGroup returns the pushes of a group without their Messages, oldest first.
	ListPushGroup(ctx context.Context, group string) ([]Push, error)
	// PushGroupProgress counts the pushes of a group by status.
	PushGroupProgress(ctx context.Context, group string) (PushProgress, error)
	// PendingPushes returns the number of pending pushes by kind (kinds with none are absent)
	// and the recipients they address (a broadcast counts as none).
	PendingPushes(ctx context.Context) (byKind map[PushKind]int, recipients int, err error)
	// DeletePushesDoneBefore deletes up to limit pushes done before t and returns how many.
	DeletePushesDoneBefore(ctx context.Context, t time.Time, limit int) (int, error)
	// GetQuotaState returns the stored quota state; the zero QuotaState when none was stored.
	GetQuotaState(ctx context.Context) (QuotaState, error)
	// SetQuotaState replaces the quota state.
	SetQuotaState(ctx context.Context, q QuotaState) error
}
