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
	LeaseUntil time.Time // while sending: the planning worker's claim; after it another worker resumes
	Planned    bool      // its pushes are in the outbox (group AnnouncementGroup(ID)); the recipients never change
	Recipients int       // user IDs planned (0 for AudienceFriends: LINE counts them)
	Batches    int       // multicast batches (or the one broadcast) queued
	Sent       int       // recipients in batches LINE accepted; set when sent
	Failed     int       // recipients in batches LINE refused; set when sent
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
	// PlanAnnouncement marks a sending, unplanned announcement planned, once its pushes are in
	// the outbox, with the number of batches and recipients, and returns it. ErrConflict if it
	// is already planned or not sending.
	PlanAnnouncement(ctx context.Context, id string, batches, recipients int) (Announcement, error)
	// FinishAnnouncement marks a sending announcement sent at now with the recipients LINE
	// accepted (sent) and refused (failed), and returns it; ErrConflict if it is not sending
	// (another worker finished it).
	FinishAnnouncement(ctx context.Context, id string, now time.Time, sent, failed int) (Announcement, error)
	// BlockedAmong returns the IDs of userIDs whose member record is blocked (they unfollowed
	// the account), so that nothing is sent to them (line-platform.md row 29).
	BlockedAmong(ctx context.Context, userIDs []string) (map[string]bool, error)
}

// AnnouncementGroup is the Push.Group of an announcement's batches in the outbox.
func AnnouncementGroup(id string) string { return "announcement:" + id }

// AuditProvince is the Province of an audit entry about provinces: the one province, or empty
// when there are none (every province) or several, which the entry's Detail then lists.
func AuditProvince(provinces []string) string {
	if len(provinces) == 1 {
		return provinces[0]
	}
	return ""
}
