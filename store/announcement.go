package store

import (
	"context"
	"time"
)

// Audience names who an announcement goes to.
type Audience string

// Audiences. Every one but AudienceFriends is limited to the announcement's provinces.
const (
	AudienceApprovedLeaders Audience = "leaders.approved" // leaders an officer approved
	AudienceAllLeaders      Audience = "leaders.all"      // leaders pending or approved (not rejected)
	// AudienceLeadersAndWorkers is the approved leaders and the informal workers who asked to
	// join Section 40 themselves (open self-referrals, which carry the worker's LINE user ID).
	AudienceLeadersAndWorkers Audience = "leaders.workers"
	// AudienceWorkshop is the leaders registered or waitlisted for one workshop (WorkshopID).
	AudienceWorkshop Audience = "workshop"
	AudienceFriends  Audience = "friends" // every friend of the account (LINE broadcast)
)

// AnnouncementStatus is where an announcement stands.
type AnnouncementStatus string

// Announcement statuses: scheduled → sending → sent, or scheduled → cancelled.
const (
	AnnouncementScheduled AnnouncementStatus = "scheduled"
	AnnouncementSending   AnnouncementStatus = "sending"
	AnnouncementSent      AnnouncementStatus = "sent"
	AnnouncementCancelled AnnouncementStatus = "cancelled"
)

// Announcement is a text an officer sends to an audience, now or at SendAt.
type Announcement struct {
	ID         string   // UUID; unique. From LINE it is the form's SubmissionID (idempotent submit)
	CreatedBy  string   // audit actor: "api" or "line:<userID>"
	Audience   Audience //
	Provinces  []string // ISO 3166-2:TH codes the audience is limited to; empty means every province
	WorkshopID string   // the workshop of AudienceWorkshop; empty otherwise
	Text       string   // the message, at most 5,000 UTF-16 units (line-platform.md row 15)
	SendAt     time.Time
	Status     AnnouncementStatus
	CreatedAt  time.Time
	UpdatedAt  time.Time
	LeaseUntil time.Time // while sending: the worker's claim; after it another worker resumes
	Planned    bool      // the batches are stored; from then on the recipients never change
	Recipients int       // user IDs planned (0 for AudienceFriends: LINE counts them)
	Batches    int       // batches planned
	Sent       int       // recipients in batches LINE accepted; set when sent (see CountBatches)
	Failed     int       // recipients in batches LINE refused; set when sent
}

// BatchStatus is where one batch of an announcement stands.
type BatchStatus string

// Batch statuses: pending → sent or failed, once.
const (
	BatchPending BatchStatus = "pending"
	BatchSent    BatchStatus = "sent"
	BatchFailed  BatchStatus = "failed"
)

// AnnouncementBatch is one multicast call of an announcement (at most 500 user IDs,
// line-platform.md row 14), or the one broadcast call of AudienceFriends (no user IDs). Its
// RetryKey is stored before the first attempt, so a retry after a crash or a timeout reuses it
// and LINE never delivers it twice (rows 26–27).
type AnnouncementBatch struct {
	AnnouncementID string
	Index          int      // 0, 1, ... in sending order
	RetryKey       string   // UUID for X-Line-Retry-Key
	UserIDs        []string // recipients; empty for a broadcast
	Status         BatchStatus
	Error          string // LINE's answer when Status is BatchFailed
	DoneAt         time.Time
}

// AnnouncementStore keeps announcements and their delivery progress.
type AnnouncementStore interface {
	// CreateAnnouncement stores a new announcement. ErrConflict if the ID exists.
	CreateAnnouncement(ctx context.Context, a Announcement) error
	// GetAnnouncement returns the announcement with that ID, or ErrNotFound.
	GetAnnouncement(ctx context.Context, id string) (Announcement, error)
	// ListAnnouncements returns the announcements with that status, by SendAt then ID.
	ListAnnouncements(ctx context.Context, status AnnouncementStatus) ([]Announcement, error)
	// CancelAnnouncement cancels a scheduled announcement at now and returns it. ErrNotFound if
	// there is none; ErrConflict (with the current record) once it is sending, sent or cancelled.
	CancelAnnouncement(ctx context.Context, id string, now time.Time) (Announcement, error)
	// ClaimAnnouncement claims one announcement that is due at now: scheduled with SendAt at or
	// before now, or sending with an expired lease (its worker stopped). It sets Status to
	// sending and LeaseUntil to now+lease and returns it. ErrNotFound when nothing is due. Of
	// workers racing for one announcement exactly one gets it.
	ClaimAnnouncement(ctx context.Context, now time.Time, lease time.Duration) (Announcement, error)
	// PlanAnnouncement stores the batches of a sending, unplanned announcement (replacing any
	// left by an interrupted attempt), sets Planned, Batches and Recipients, and returns it.
	// ErrConflict if it is already planned or not sending.
	PlanAnnouncement(ctx context.Context, id string, batches []AnnouncementBatch, recipients int) (Announcement, error)
	// ListBatches returns the announcement's batches by Index.
	ListBatches(ctx context.Context, id string) ([]AnnouncementBatch, error)
	// FinishBatch records the outcome of a pending batch (BatchSent or BatchFailed) at now.
	// ErrConflict if the batch is not pending; ErrNotFound if there is no such batch.
	FinishBatch(ctx context.Context, id string, index int, status BatchStatus, errText string, now time.Time) error
	// ExtendLease moves a sending announcement's LeaseUntil to until; ErrConflict if it is not
	// sending.
	ExtendLease(ctx context.Context, id string, until time.Time) error
	// FinishAnnouncement marks a sending announcement sent at now with the Sent and Failed
	// counts CountBatches gives for its batches, and returns it; ErrConflict if it is not
	// sending (another worker finished it).
	FinishAnnouncement(ctx context.Context, id string, now time.Time) (Announcement, error)
	// BlockedAmong returns the IDs of userIDs whose member record is blocked (they unfollowed
	// the account), so that nothing is sent to them (line-platform.md row 29).
	BlockedAmong(ctx context.Context, userIDs []string) (map[string]bool, error)
}

// CountBatches sums the recipients of batches by outcome. A broadcast batch has no user IDs and
// adds nothing: LINE does not say how many friends it reached; its Status tells the outcome.
func CountBatches(batches []AnnouncementBatch) (sent, failed, pending int) {
	for _, b := range batches {
		n := len(b.UserIDs)
		switch b.Status {
		case BatchSent:
			sent += n
		case BatchFailed:
			failed += n
		default:
			pending += n
		}
	}
	return sent, failed, pending
}

// AuditProvince is the Province of an audit entry about provinces: the one province, or empty
// when there are none (every province) or several, which the entry's Detail then lists.
func AuditProvince(provinces []string) string {
	if len(provinces) == 1 {
		return provinces[0]
	}
	return ""
}
