package store

import (
	"context"
	"errors"
	"time"
)

// ErrWorkshopClosed means a join was refused because the workshop is closed, cancelled, past its
// registration deadline or already started (issue 3).
var ErrWorkshopClosed = errors.New("store: workshop not open for registration")

// ErrCapacityBelowRegistered means an update asked for fewer seats than leaders already hold
// (issue 3, item 6); nothing was changed.
var ErrCapacityBelowRegistered = errors.New("store: capacity below current registrations")

// WorkshopStatus is a workshop's state. Officers set open, closed or cancelled (the stored
// Status); full is never stored but shown by StatusAt when every seat is taken.
type WorkshopStatus string

// Workshop statuses.
const (
	WorkshopOpen      WorkshopStatus = "open"
	WorkshopFull      WorkshopStatus = "full"
	WorkshopClosed    WorkshopStatus = "closed"
	WorkshopCancelled WorkshopStatus = "cancelled"
)

// Venue is where a workshop takes place.
type Venue struct {
	Name    string // e.g. "โรงแรมเพชรบุรี ห้องประชุม 2"
	Address string
	MapURL  string // optional https link to a map
}

// Workshop is a training day for network leaders run by a provincial SSO office.
//
// Seat accounting: Registered counts the registrations holding a seat (registered or attended)
// and never exceeds Capacity; implementations change it only together with the registration
// that takes or frees the seat (a transaction on SQLite; on MongoDB see mongostore's comment).
type Workshop struct {
	ID                   string // UUID; unique
	Title                string
	Description          string
	ProvinceCode         string // ISO 3166-2:TH, e.g. "TH-76"
	Venue                Venue
	StartsAt             time.Time
	EndsAt               time.Time // after StartsAt
	Capacity             int       // seats, ≥ 1
	RegistrationDeadline time.Time // joins are refused from this instant; at or before StartsAt
	Status               WorkshopStatus
	Registered           int    // seats taken; maintained by the store, ignored on create and update
	Waitlisted           int    // leaders waiting; maintained by the store like Registered
	CreatedBy            string // who created it: "api" or an officer's LINE user ID
	CreatedAt            time.Time
	UpdatedAt            time.Time
	// Revision counts changes of time or venue and cancellation that registrants must be told
	// about; NotifiedRevision is the last one the scheduler pushed.
	Revision         int
	NotifiedRevision int
	// ReminderDueAt is when the scheduler must next look at this workshop (a reminder, a change
	// notice or a promotion from the waitlist); zero when nothing is pending. Served by an index.
	ReminderDueAt time.Time
	Version       int64 // 0 before create; incremented by every UpdateWorkshop (joins leave it alone)
}

// StatusAt is the status shown at now: cancelled and closed as stored; closed too once the
// registration deadline or the start has passed; full when every seat is taken; else open.
func (w Workshop) StatusAt(now time.Time) WorkshopStatus {
	switch {
	case w.Status == WorkshopCancelled:
		return WorkshopCancelled
	case w.Status == WorkshopClosed, !now.Before(w.RegistrationDeadline), !now.Before(w.StartsAt):
		return WorkshopClosed
	case w.Registered >= w.Capacity:
		return WorkshopFull
	}
	return WorkshopOpen
}

// SeatsLeft is Capacity minus Registered, never below 0.
func (w Workshop) SeatsLeft() int { return max(w.Capacity-w.Registered, 0) }

// RegistrationStatus is where a leader stands for one workshop.
type RegistrationStatus string

// Registration statuses. Registered and attended hold a seat.
const (
	RegRegistered RegistrationStatus = "registered"
	RegWaitlisted RegistrationStatus = "waitlisted"
	RegCancelled  RegistrationStatus = "cancelled"
	RegAttended   RegistrationStatus = "attended"
)

// HoldsSeat reports whether the status takes one of the workshop's seats.
func (s RegistrationStatus) HoldsSeat() bool { return s == RegRegistered || s == RegAttended }

// Registration is one leader's sign-up for one workshop; unique per (WorkshopID, UserID).
type Registration struct {
	WorkshopID string
	UserID     string // the leader's LINE user ID
	Status     RegistrationStatus
	WaitSeq    int64     // order on the waitlist (first come, first served); 0 when never waitlisted
	PromotedAt time.Time // when a seat freed up and this leader got it from the waitlist; zero otherwise
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// WorkshopFilter selects workshops for ListWorkshops. Zero fields do not filter.
type WorkshopFilter struct {
	ProvinceCode  string
	StartsAfter   time.Time // StartsAt > StartsAfter
	WithCancelled bool      // include cancelled workshops
	Limit         int       // at most this many; 0 means 100
}

// WorkshopStore keeps workshops and registrations.
type WorkshopStore interface {
	// CreateWorkshop stores w with Version 1 and Registered 0; ErrConflict if the ID exists.
	CreateWorkshop(ctx context.Context, w Workshop) (Workshop, error)
	// GetWorkshop returns a workshop by ID, or ErrNotFound.
	GetWorkshop(ctx context.Context, id string) (Workshop, error)
	// UpdateWorkshop replaces the officer-editable fields of w (all but ID, Registered,
	// Waitlisted, CreatedBy, CreatedAt) if the stored Version is still w.Version, and returns the
	// stored workshop. ErrConflict on a stale Version; ErrCapacityBelowRegistered when w.Capacity
	// is below the seats taken; ErrNotFound. A raised capacity gives the new seats to the
	// waitlist in order (their PromotedAt set, ReminderDueAt set to w.UpdatedAt).
	UpdateWorkshop(ctx context.Context, w Workshop) (Workshop, error)
	// ListWorkshops returns workshops matching f ordered by StartsAt, then ID.
	ListWorkshops(ctx context.Context, f WorkshopFilter) ([]Workshop, error)
	// WorkshopsDue returns up to limit workshops whose ReminderDueAt is set and not after now,
	// earliest first. Per scheduler tick: served by an index on ReminderDueAt.
	WorkshopsDue(ctx context.Context, now time.Time, limit int) ([]Workshop, error)
	// AdvanceReminder sets ReminderDueAt to next (zero: nothing pending) and NotifiedRevision
	// to notified if ReminderDueAt is still from; ErrConflict if it changed meanwhile (an update
	// brought it forward), ErrNotFound.
	AdvanceReminder(ctx context.Context, id string, from, next time.Time, notified int) error

	// JoinWorkshop signs userID up at now: registered while seats are left, else waitlisted at
	// the end of the queue. A leader already registered, waitlisted or attended gets the
	// existing registration back unchanged (a double tap is harmless); a cancelled one joins
	// again. ErrWorkshopClosed when StatusAt(now) is closed or cancelled; ErrNotFound.
	// Never more registered than Capacity, whatever the number of simultaneous joins.
	JoinWorkshop(ctx context.Context, workshopID, userID string, now time.Time) (Registration, error)
	// LeaveWorkshop cancels userID's registration at now. If it held a seat, the first
	// waitlisted leader gets it and is returned as promoted (else promoted is nil); the
	// workshop's ReminderDueAt is set to now so the scheduler tells them.
	// ErrNotFound when there is no active registration.
	LeaveWorkshop(ctx context.Context, workshopID, userID string, now time.Time) (left Registration, promoted *Registration, err error)
	// GetRegistration returns one registration, or ErrNotFound.
	GetRegistration(ctx context.Context, workshopID, userID string) (Registration, error)
	// ListRegistrations returns a workshop's registrations: seat holders by CreatedAt, then
	// the waitlist by WaitSeq, then cancelled ones.
	ListRegistrations(ctx context.Context, workshopID string) ([]Registration, error)
	// ListRegistrationsOf returns a leader's registrations, newest first.
	ListRegistrationsOf(ctx context.Context, userID string) ([]Registration, error)
	// SetAttendance marks a seat holder attended (true) or back to registered (false) at now.
	// ErrNotFound when the leader holds no seat.
	SetAttendance(ctx context.Context, workshopID, userID string, attended bool, now time.Time) (Registration, error)
}
