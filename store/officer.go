package store

import (
	"context"
	"time"
)

// Officer is an SSO officer (เจ้าหน้าที่สำนักงานประกันสังคม) who approves leaders and sends
// announcements for the provinces in Provinces. Roles are never self-assigned
// (docs/ARCHITECTURE.md, "Security and personal data"): a stored officer exists only because
// they typed an invite code; admins come from ADMIN_LINE_USER_IDS and are not stored.
type Officer struct {
	UserID    string   // LINE user ID; unique
	Provinces []string // ISO 3166-2:TH codes, e.g. ["TH-76"]; sorted, no duplicates
	CreatedAt time.Time
	UpdatedAt time.Time
}

// OfficerInvite is a one-time code that makes the LINE user who types it an officer of
// Provinces. Only a keyed hash of the code is kept: the plain code is shown once, to the API
// caller that created it.
type OfficerInvite struct {
	CodeHash  string   // Sealer.Hash of the normalised code; unique
	Provinces []string // ISO 3166-2:TH codes, at least one
	CreatedAt time.Time
	ExpiresAt time.Time // the code works before this instant only
	UsedBy    string    // LINE user ID of whoever used it; empty while unused
	UsedAt    time.Time // zero while unused
}

// OfficerStore keeps officers and their invite codes.
type OfficerStore interface {
	// CreateInvite stores a new invite. ErrConflict if the hash is already stored.
	CreateInvite(ctx context.Context, inv OfficerInvite) error
	// UseInvite spends the invite with codeHash for userID at now and adds its provinces to
	// userID's officer record (created if needed), returning that record. ErrNotFound when no
	// invite has that hash or it expired at or before now; ErrConflict when it was already used
	// (by anyone — a code works once). A retry by the user who used it completes an interrupted
	// use before reporting ErrConflict, so no use is half applied.
	UseInvite(ctx context.Context, codeHash, userID string, now time.Time) (Officer, error)
	// GetOfficer returns the stored officer with that user ID, or ErrNotFound.
	GetOfficer(ctx context.Context, userID string) (Officer, error)
	// ListOfficers returns the officers of province, by user ID; an empty province means
	// every stored officer.
	ListOfficers(ctx context.Context, province string) ([]Officer, error)
	// SetOfficerProvinces replaces the provinces of a stored officer (at least one, ISO
	// 3166-2:TH codes) and returns the record. ErrNotFound if the user is no stored officer.
	SetOfficerProvinces(ctx context.Context, userID string, provinces []string, at time.Time) (Officer, error)
	// DeleteOfficer removes a stored officer (revoked by an admin). Deleting one that does not
	// exist is not an error.
	DeleteOfficer(ctx context.Context, userID string) error
}
