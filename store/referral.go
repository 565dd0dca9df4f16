package store

import (
	"context"
	"time"
)

// ReferralStatus is where a referral stands with the SSO.
type ReferralStatus string

// Referral statuses (issue 4, item 5): submitted → contacted → enrolled, or from submitted or
// contacted to ineligible, unreachable or withdrawn. Enrolled, ineligible, unreachable and
// withdrawn are closed: final, and deleted after the retention period.
const (
	ReferralSubmitted   ReferralStatus = "submitted"
	ReferralContacted   ReferralStatus = "contacted"
	ReferralEnrolled    ReferralStatus = "enrolled"
	ReferralIneligible  ReferralStatus = "ineligible"
	ReferralUnreachable ReferralStatus = "unreachable"
	ReferralWithdrawn   ReferralStatus = "withdrawn"
)

// ReferralStatuses lists every status in workflow order.
var ReferralStatuses = []ReferralStatus{ReferralSubmitted, ReferralContacted, ReferralEnrolled,
	ReferralIneligible, ReferralUnreachable, ReferralWithdrawn}

// Closed reports whether s is final (no further change; subject to retention).
func (s ReferralStatus) Closed() bool {
	switch s {
	case ReferralEnrolled, ReferralIneligible, ReferralUnreachable, ReferralWithdrawn:
		return true
	}
	return false
}

// Valid reports whether s is one of ReferralStatuses.
func (s ReferralStatus) Valid() bool {
	return s == ReferralSubmitted || s == ReferralContacted || s.Closed()
}

// CanMoveTo reports whether an officer may change a referral from s to next: submitted →
// contacted → enrolled, and any open status to ineligible, unreachable or withdrawn.
func (s ReferralStatus) CanMoveTo(next ReferralStatus) bool {
	switch next {
	case ReferralContacted:
		return s == ReferralSubmitted
	case ReferralEnrolled:
		return s == ReferralContacted
	case ReferralIneligible, ReferralUnreachable, ReferralWithdrawn:
		return s == ReferralSubmitted || s == ReferralContacted
	}
	return false
}

// ReferralSource says who submitted a referral.
type ReferralSource string

// Referral sources.
const (
	SourceLeader ReferralSource = "leader" // a network leader referred the worker
	SourceSelf   ReferralSource = "self"   // the worker said "สนใจสมัคร" themselves
)

// Referral is an informal worker put forward for Section 40, by a leader or by themselves.
type Referral struct {
	ID           string         // UUID; unique
	SubmissionID string         // the flow's submission id (UUID); unique, makes submit idempotent
	Source       ReferralSource //
	LeaderID     string         // LINE user ID of the referring leader; empty for SourceSelf
	WorkerUserID string         // LINE user ID of the worker; set for SourceSelf only
	FullName     string         //
	NationalID   string         // 13 ASCII digits, check digit valid; sealed at rest, unique when set (by its keyed hash); empty for SourceSelf
	Phone        string         // 10 ASCII digits, e.g. "0812345678"; sealed at rest
	BirthDate    time.Time      // midnight UTC of the birth day; zero when only the age was given
	Age          int            // completed years at CreatedAt; 0 when not asked (SourceSelf)
	AgeUncertain bool           // above the confirmed maximum age but within the highest accepted (61–65 in the embedded knowledge data): to be confirmed
	Occupation   string         // free text, e.g. "ค้าขาย"
	ProvinceCode string         // ISO 3166-2:TH code, e.g. "TH-76"
	District     string         // optional
	Option       string         // preferred Section 40 option: "1", "2", "3" or "unsure"; empty when not asked (SourceSelf)
	Status       ReferralStatus //
	StatusNote   string         // the officer's note with the last change; never personal data
	StatusAt     time.Time      // time of the last status change; CreatedAt at first
	ClosedAt     time.Time      // when a closed status was set; zero while open (retention counts from it)
	NoticeKey    string         // X-Line-Retry-Key (UUID) of the push telling the leader of the last change
	NotifiedAt   time.Time      // when that push was accepted, or skipped (the member blocked the account); zero while it is due
	ConsentAt    time.Time      // when the worker's consent was confirmed
	CreatedAt    time.Time      //
}

// ReferralFilter selects referrals; zero values match everything.
type ReferralFilter struct {
	ProvinceCode string         // exact ISO code
	Status       ReferralStatus // exact status
	LeaderID     string         // the referring leader's LINE user ID
	Source       ReferralSource // exact source
	WorkerUserID string         // the worker's LINE user ID (self-referrals)
	Since, Until time.Time      // CreatedAt >= Since and < Until
	Offset       int            // entries to skip, for paging
	Limit        int            // at most this many; 0 means DefaultReferralLimit
}

// DefaultReferralLimit is the page size when ReferralFilter.Limit is 0.
const DefaultReferralLimit = 50

// StatusChange is an officer's change of a referral's status.
type StatusChange struct {
	From      ReferralStatus // the status the change was decided on; a different stored one is ErrConflict
	To        ReferralStatus //
	Note      string         //
	At        time.Time      //
	NoticeKey string         // UUID: the retry key of the push that tells the leader
}

// ReferralStore keeps referrals. NationalID and Phone are sealed; the national ID's keyed hash
// (Sealer.Hash) backs the uniqueness and FindReferralByNationalID.
type ReferralStore interface {
	// CreateReferral stores r. It returns ErrConflict when r.SubmissionID was used (a repeated
	// submit) or another referral has the same NationalID.
	CreateReferral(ctx context.Context, r Referral) error
	// GetReferral returns the referral with that ID, or ErrNotFound.
	GetReferral(ctx context.Context, id string) (Referral, error)
	// GetReferralBySubmission returns the referral a flow run stored, or ErrNotFound.
	GetReferralBySubmission(ctx context.Context, submissionID string) (Referral, error)
	// FindReferralByNationalID returns the referral of that 13-digit national ID, or ErrNotFound.
	FindReferralByNationalID(ctx context.Context, nationalID string) (Referral, error)
	// ListReferrals returns the referrals f selects, newest first (CreatedAt, then ID, descending).
	ListReferrals(ctx context.Context, f ReferralFilter) ([]Referral, error)
	// CountReferralsByStatus counts a leader's referrals by status; statuses with none are absent.
	CountReferralsByStatus(ctx context.Context, leaderID string) (map[ReferralStatus]int, error)
	// CountProvinceReferrals counts a province's referrals (every province's when empty) by
	// status; statuses with none are absent.
	CountProvinceReferrals(ctx context.Context, province string) (map[ReferralStatus]int, error)
	// ChangeReferralStatus applies c if the stored status is still c.From: it sets Status,
	// StatusNote, StatusAt, ClosedAt (when c.To is closed), NoticeKey, and clears NotifiedAt.
	// It returns the updated referral; ErrNotFound, or ErrConflict when the status moved on.
	ChangeReferralStatus(ctx context.Context, id string, c StatusChange) (Referral, error)
	// MarkReferralNotified records that the push with noticeKey was accepted (or skipped) at t;
	// a key that is no longer the referral's (a later change) is ErrConflict.
	MarkReferralNotified(ctx context.Context, id, noticeKey string, t time.Time) error
	// ListReferralNoticesDue returns up to limit referrals whose last status change (StatusAt
	// before t) has a NoticeKey and no NotifiedAt yet, oldest first: pushes to retry.
	ListReferralNoticesDue(ctx context.Context, t time.Time, limit int) ([]Referral, error)
	// ListReferralsClosedBefore returns up to limit referrals whose ClosedAt is before t,
	// oldest first: the retention job's work.
	ListReferralsClosedBefore(ctx context.Context, t time.Time, limit int) ([]Referral, error)
	// DeleteReferral removes a referral; ErrNotFound if there is none.
	DeleteReferral(ctx context.Context, id string) error
}
