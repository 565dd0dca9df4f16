package store

import (
	"context"
	"time"
)

// CaseStatus is where a hand-off case stands.
type CaseStatus string

// Case statuses: open until an officer (or the member, going back to the bot) closes it.
const (
	CaseOpen   CaseStatus = "open"
	CaseClosed CaseStatus = "closed"
)

// CaseEntry is one line of a case's transcript.
type CaseEntry struct {
	At    time.Time
	From  string // "member", "bot", or "officer:<LINE user ID>"
	Text  string
	Event string // the webhook event of a member's entry, so a retried event adds it once; may be empty
	// Request marks the member's words that asked for a person (the hand-off word or button):
	// in the transcript, but not the question to quote.
	Request bool
	// Command marks a member's line the bot took as a command (a menu word, a button's label,
	// the way back): in the transcript, but not the question to quote.
	Command bool
}

// Case is a member's hand-off to a person (issue 11, deliverable 3): while it is open the bot
// is quiet for that member and an officer of ProvinceCode answers from the console. Entries
// are personal data: sealed at rest, deleted with the case after the retention period.
type Case struct {
	ID              string // UUID; unique
	UserID          string // the member's LINE user ID
	ProvinceCode    string // the member's province, ISO 3166-2:TH; empty when unknown (admins answer)
	Status          CaseStatus
	Entries         []CaseEntry // the transcript, oldest first; sealed at rest
	CreatedAt       time.Time
	FirstResponseAt time.Time // an officer's first reply; zero until then
	HotlineAt       time.Time // when the member was told the hotline for want of an answer; zero until then
	ClosedAt        time.Time
	ClosedBy        string // "member" or "officer:<LINE user ID>"; empty while open
	Version         int64  // 0 before create; incremented by every UpdateCase
}

// CaseStore keeps hand-off cases. The engine handles one member's events one at a time, so
// one member has at most one open case without a unique index.
type CaseStore interface {
	// CreateCase stores c (Version becomes 1) and returns it. ErrConflict if the ID exists.
	CreateCase(ctx context.Context, c Case) (Case, error)
	// GetCase returns the case with that ID, or ErrNotFound.
	GetCase(ctx context.Context, id string) (Case, error)
	// OpenCaseOf returns the member's open case, or ErrNotFound.
	OpenCaseOf(ctx context.Context, userID string) (Case, error)
	// ListCases returns the cases of province (every province when empty) with status (every
	// status when empty), newest first, at most limit (0: 100).
	ListCases(ctx context.Context, province string, status CaseStatus, limit int) ([]Case, error)
	// UpdateCase replaces the case if its stored Version equals c.Version and returns it with
	// the next Version; ErrConflict when it changed meanwhile, ErrNotFound.
	UpdateCase(ctx context.Context, c Case) (Case, error)
	// CasesUnanswered returns the open cases created before t that no officer answered and
	// whose member was not yet told the hotline, oldest first.
	CasesUnanswered(ctx context.Context, t time.Time) ([]Case, error)
	// DeleteCasesOf removes every case of a member (they asked for their data to be erased)
	// and returns how many.
	DeleteCasesOf(ctx context.Context, userID string) (int, error)
	// DeleteCasesClosedBefore removes the cases closed before t and returns how many.
	DeleteCasesClosedBefore(ctx context.Context, t time.Time) (int, error)
}

// RecentRetention is how long a member's recent lines with the bot are kept.
const RecentRetention = 24 * time.Hour

// RecentStore keeps each member's last few lines with the bot outside forms (what they typed,
// what the bot answered), so a hand-off case starts with the recent transcript. Each line is
// stored on its own with its text sealed, so adding one never opens or rewrites the others; a
// member never has more lines than the keep of their last AddRecent, and the clean-up job
// deletes lines older than RecentRetention (docs/ARCHITECTURE.md, "Hand-off to a person").
type RecentStore interface {
	// AddRecent adds entries (one or more, oldest first) after the member's recent lines and
	// keeps the last keep of those at or after since, deleting the others. Request is not kept:
	// the request for a person is never a recent line.
	AddRecent(ctx context.Context, userID string, entries []CaseEntry, keep int, since time.Time) error
	// Recent returns the member's recent lines, oldest first; none when there are none.
	Recent(ctx context.Context, userID string) ([]CaseEntry, error)
	// DeleteRecent removes the member's recent lines; removing none is not an error.
	DeleteRecent(ctx context.Context, userID string) error
	// DeleteRecentBefore removes up to limit lines (of any members) whose At is before t, and
	// returns how many it removed; the clean-up calls it again while it removes limit.
	DeleteRecentBefore(ctx context.Context, t time.Time, limit int) (int, error)
}
