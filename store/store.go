// Package store defines ssonet's entities, the repository interfaces both storage back ends
// implement (MongoDB in mongostore, embedded SQLite in sqlitestore), and the sentinel errors they
// return. Conformance of every implementation is checked by one suite in storetest.
//
// Rules every implementation follows (docs/ARCHITECTURE.md, "The store"):
//   - times are stored in UTC and returned in UTC, to the millisecond (MongoDB's precision);
//     the zero time stays zero;
//   - not found is ErrNotFound, never a zero value with a nil error;
//   - uniqueness and compare-and-set conflicts are ErrConflict;
//   - personal data (phone numbers, national IDs, session fields) is sealed with a Sealer before
//     it is written, so no plain value appears in the database files or collections;
//   - no multi-document transactions on MongoDB: single-document guarded updates and unique
//     indexes carry every invariant.
package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors. Implementations wrap them with %w; callers test with errors.Is.
var (
	// ErrNotFound means the requested record does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict means a unique key already exists or a guarded update lost its race
	// (for example a session saved with a stale Version).
	ErrConflict = errors.New("store: conflict")
)

// Language is the catalog a member is spoken to in, from their LINE profile.
type Language string

// Languages the bot speaks. Thai is the default for anything that is not English.
const (
	LangThai    Language = "th"
	LangEnglish Language = "en"
)

// Member is one LINE user who has added the account as a friend (or messaged it).
type Member struct {
	UserID      string   // LINE user ID, U + 32 hex digits (line-platform.md row 31)
	DisplayName string   // from the LINE profile; may be empty
	Language    Language // from the LINE profile's language; LangThai when unknown
	Blocked     bool     // true after an unfollow event; blocked members are never targeted
	FollowedAt  time.Time
	UpdatedAt   time.Time
}

// LeaderStatus is where a leader's application stands.
type LeaderStatus string

// Leader statuses. A new leader is pending until an officer of the province decides.
const (
	LeaderPending  LeaderStatus = "pending"
	LeaderApproved LeaderStatus = "approved"
	LeaderRejected LeaderStatus = "rejected"
)

// Leader is a network leader (แกนนำเครือข่ายประกันสังคม): at most one per LINE user.
type Leader struct {
	UserID       string // LINE user ID; unique
	SubmissionID string // the registration flow's submission id (UUID); unique, makes submit idempotent
	FullName     string
	Phone        string // 10 ASCII digits, e.g. "0812345678"; sealed at rest
	ProvinceCode string // ISO 3166-2:TH code, e.g. "TH-76"
	District     string // optional
	Organisation string // optional
	Status       LeaderStatus
	ConsentAt    time.Time // when the leader consented to the data being kept
	CreatedAt    time.Time
	DecidedAt    time.Time // zero while pending
	DecidedBy    string    // user ID of the deciding officer; empty while pending
	DecisionNote string    // the officer's reason, told to the leader; empty when none given
}

// LeaderDecision is an officer's approval or rejection of one application.
type LeaderDecision struct {
	// SubmissionID names the application decided on (Leader.SubmissionID as the officer saw
	// it): a leader who applied again since has a new one, and the decision does not apply.
	SubmissionID string
	Status       LeaderStatus // LeaderApproved or LeaderRejected
	By           string       // the deciding officer's LINE user ID, or "api"
	Note         string       // reason told to the leader; at most 500 characters; may be empty
	At           time.Time
}

// Session is one member's conversation state: the flow they are in, where, and what they have
// typed so far. It is replaced as a whole on every step (optimistic concurrency on Version).
type Session struct {
	UserID       string            // LINE user ID; one session per user
	ID           string            // UUID, new for every flow run; buttons carry it to detect stale taps
	Flow         string            // flow name, e.g. "leader.register"; empty when idle
	Step         int               // index into the flow's steps
	Fields       map[string]string // collected answers by field key; sealed at rest
	History      []int             // steps visited, for "back"
	Tries        int               // failed attempts at the current step
	Editing      bool              // true when the step was opened from the summary's edit button
	SubmissionID string            // UUID created when the flow starts; the stored record is keyed by it
	ExpiresAt    time.Time         // idle timeout; after it the next message is told the form expired
	UpdatedAt    time.Time
	Version      int64 // 0 for a session not yet stored; incremented by every save
}

// MemberRecords is what the store holds of one LINE user that handling their webhook event
// needs (docs/ARCHITECTURE.md, "The conversation engine"). Each record is nil when the user
// has none.
type MemberRecords struct {
	Member   *Member  // as GetMember returns it
	Session  *Session // as GetSession returns it
	Leader   *Leader  // as GetLeader returns it
	Officer  *Officer // as GetOfficer returns it (a stored officer; admins are not stored)
	OpenCase *Case    // as OpenCaseOf returns it: the member's open hand-off case
}

// MemberStore keeps LINE members.
type MemberStore interface {
	// GetMember returns the member with that LINE user ID, or ErrNotFound.
	GetMember(ctx context.Context, userID string) (Member, error)
	// GetMemberRecords returns the member record, session, leader record, officer record and
	// open hand-off case of a LINE user in one read (one or two statements on SQLite), each nil when
	// the user has none: a user the store knows nothing of gets a zero MemberRecords and a nil
	// error. It never returns ErrNotFound; any other error is the store's (a sealed field that
	// does not open, a failed read), with a zero MemberRecords.
	GetMemberRecords(ctx context.Context, userID string) (MemberRecords, error)
	// UpsertMember creates or replaces the member keyed by m.UserID.
	UpsertMember(ctx context.Context, m Member) error
	// SetMemberBlocked sets Blocked and UpdatedAt; ErrNotFound if the member does not exist.
	SetMemberBlocked(ctx context.Context, userID string, blocked bool, at time.Time) error
}

// LeaderStore keeps network leaders.
type LeaderStore interface {
	// CreateLeader stores a new leader. It returns ErrConflict if the user already has a leader
	// record or the SubmissionID was already used (a double tap or redelivered submit).
	CreateLeader(ctx context.Context, l Leader) error
	// GetLeader returns the leader record of a LINE user, or ErrNotFound.
	GetLeader(ctx context.Context, userID string) (Leader, error)
	// DecideLeader applies d to the user's leader record (Status, DecidedBy, DecidedAt,
	// DecisionNote) and returns the record. Only a pending application whose SubmissionID is
	// d.SubmissionID changes: when someone decided first, or the leader applied again since,
	// it returns ErrConflict together with the current record. ErrNotFound if the user has no
	// leader record.
	DecideLeader(ctx context.Context, userID string, d LeaderDecision) (Leader, error)
	// ListLeaders returns the leaders of province with status, oldest first; an empty province
	// means every province, an empty status every status.
	ListLeaders(ctx context.Context, province string, status LeaderStatus) ([]Leader, error)
	// DeleteLeader removes the leader record of a LINE user (the leader asked for their data to
	// be erased, PDPA). Deleting a record that does not exist is not an error.
	DeleteLeader(ctx context.Context, userID string) error
}

// SessionStore keeps conversation sessions.
type SessionStore interface {
	// GetSession returns the session of a user, or ErrNotFound.
	GetSession(ctx context.Context, userID string) (Session, error)
	// SaveSession stores s if the stored version still equals s.Version (0: no stored session)
	// and returns it with the new Version. A stale Version gives ErrConflict and changes nothing.
	SaveSession(ctx context.Context, s Session) (Session, error)
	// DeleteSession removes the user's session if its stored version equals version;
	// ErrConflict if it changed meanwhile; nil if there is none.
	DeleteSession(ctx context.Context, userID string, version int64) error
	// DeleteSessionsExpiredBefore removes sessions whose ExpiresAt is before t and returns how
	// many it removed. Served by the index on expiresAt.
	DeleteSessionsExpiredBefore(ctx context.Context, t time.Time) (int, error)
}

// Store is everything the service keeps. Both implementations satisfy it.
type Store interface {
	MemberStore
	LeaderStore
	SessionStore
	InboxStore
	AuditStore
	ReferralStore
	OfficerStore
	AnnouncementStore
	WorkshopStore
	OutboxStore
	KnowledgeFeedbackStore
	CredentialStore
	CaseStore
	RecentStore
	IdempotencyStore
	LeaseStore
	// Ping reports whether the database answers and takes a write (used by GET /readyz).
	Ping(ctx context.Context) error
	// Close releases connections and files.
	Close(ctx context.Context) error
}
