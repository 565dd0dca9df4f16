package actions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// MaxAnnouncementText is the longest announcement, in characters; with the header it stays far
// below LINE's 5,000 (line-platform.md row 15).
const MaxAnnouncementText = 2000

// AnnouncementInput is an announcement as an officer composed it.
type AnnouncementInput struct {
	// ID makes the create idempotent: the LINE form's SubmissionID, the console form's key.
	// Empty: a new UUID.
	ID         string
	Audience   store.Audience
	Provinces  []string // names, short forms or ISO codes; empty: every province of the actor
	WorkshopID string   // store.AudienceWorkshop only: its registrants, in its province
	Text       string
	SendAt     time.Time // zero: now
	// ConfirmOverQuota sends it although it needs more messages than are left of the month's
	// quota (the rest waits in the outbox for the next month or a raised quota).
	ConfirmOverQuota bool
}

// CheckSendAt is the one rule for an announcement's time: zero means now; otherwise it must
// not be in the past. It returns the time to store (UTC). LINE's form checks a typed time with
// it at once, and CreateAnnouncement again at the confirm.
func (s *Service) CheckSendAt(at time.Time) (time.Time, error) {
	now := s.now()
	if at.IsZero() {
		return now, nil
	}
	if at.Before(now) {
		return time.Time{}, invalid("sendAt", "act.ann.past")
	}
	return at.UTC().Truncate(time.Millisecond), nil
}

// Audiences are the audiences a may choose, in the order offered: every friend of the account
// (a broadcast, which cannot be limited to a province) is for admins only.
func Audiences(a Actor) []store.Audience {
	as := []store.Audience{store.AudienceApprovedLeaders, store.AudienceAllLeaders, store.AudienceLeadersAndWorkers}
	if a.Admin {
		as = append(as, store.AudienceFriends)
	}
	return as
}

// DraftAnnouncement checks in and returns the announcement it describes, as it would be
// stored now, without storing it (the preview of LINE's form and the console). Provinces not
// given are a's provinces (every province for an admin); a workshop's registrants are limited
// to its province.
//
// Refusals: Invalid on "audience", "provinces", "workshopId", "text" or "sendAt"; Forbidden
// "act.not_your_province" for a province (or a workshop of one) a does not act on.
func (s *Service) DraftAnnouncement(ctx context.Context, a Actor, in AnnouncementInput) (store.Announcement, error) {
	if in.Audience != store.AudienceWorkshop && in.WorkshopID != "" {
		return store.Announcement{}, invalid("workshopId", "act.ann.workshop_only")
	}
	var provinces []string
	switch in.Audience {
	case store.AudienceApprovedLeaders, store.AudienceAllLeaders, store.AudienceLeadersAndWorkers:
		ps, err := ParseProvinces("provinces", in.Provinces)
		if err != nil {
			return store.Announcement{}, err
		}
		if len(ps) == 0 {
			ps = a.Scope()
		}
		if err := scoped(a, "provinces", ps); err != nil {
			return store.Announcement{}, err
		}
		provinces = ps
	case store.AudienceWorkshop:
		if in.WorkshopID == "" || len(in.Provinces) > 0 {
			return store.Announcement{}, invalid("workshopId", "act.ann.workshop_needed")
		}
		ws, err := s.cfg.Store.GetWorkshop(ctx, in.WorkshopID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !a.ActsOn(ws.ProvinceCode)) {
			return store.Announcement{}, invalid("workshopId", "act.ws.missing")
		}
		if err != nil {
			return store.Announcement{}, fmt.Errorf("actions: announcement workshop: %w", err)
		}
		provinces = []string{ws.ProvinceCode}
	case store.AudienceFriends:
		if !a.Admin {
			return store.Announcement{}, refuse(Forbidden, "audience", "act.ann.friends_admins")
		}
		if len(in.Provinces) > 0 {
			return store.Announcement{}, invalid("provinces", "act.ann.friends_no_provinces")
		}
	default:
		return store.Announcement{}, invalid("audience", "act.ann.audience")
	}
	text, err := thai.ParseMessageText(in.Text, MaxAnnouncementText)
	if err != nil {
		return store.Announcement{}, invalid("text", "act.text_invalid", "Max", MaxAnnouncementText)
	}
	sendAt, err := s.CheckSendAt(in.SendAt)
	if err != nil {
		return store.Announcement{}, err
	}
	now := s.now()
	id := in.ID
	if id == "" {
		id = uuid.NewString()
	}
	return store.Announcement{ID: id, CreatedBy: a.AuditName(), Audience: in.Audience, Provinces: provinces, WorkshopID: in.WorkshopID,
		Text: text, SendAt: sendAt, Status: store.AnnouncementScheduled, CreatedAt: now, UpdatedAt: now}, nil
}

// CreateAnnouncement checks in (DraftAnnouncement), stores it, writes "announcement.create"
// naming a and, when it is due now, asks for immediate delivery. A repeated create with the
// same ID (a double tap, a redelivered event) returns the stored announcement and does nothing.
// One that needs more messages than are left of the month's quota is refused (Conflict
// "act.ann.over_quota", Data Cost, Remaining, Limit) unless in.ConfirmOverQuota.
func (s *Service) CreateAnnouncement(ctx context.Context, a Actor, in AnnouncementInput) (store.Announcement, error) {
	an, err := s.DraftAnnouncement(ctx, a, in)
	if err != nil {
		return an, err
	}
	if s.cfg.Costs != nil && !in.ConfirmOverQuota {
		cost, b, err := s.cfg.Costs.AnnouncementCost(ctx, an)
		if err != nil {
			return store.Announcement{}, fmt.Errorf("actions: announcement cost: %w", err)
		}
		if !b.Fits(cost) {
			return store.Announcement{}, refuse(Conflict, "confirmOverQuota", "act.ann.over_quota", "Cost", cost, "Remaining", b.Remaining, "Limit", b.Limit)
		}
	}
	err = s.cfg.Store.CreateAnnouncement(ctx, an)
	if errors.Is(err, store.ErrConflict) {
		stored, gerr := s.cfg.Store.GetAnnouncement(ctx, an.ID)
		if gerr == nil && stored.CreatedBy == an.CreatedBy {
			return stored, nil
		}
	}
	if err != nil {
		return store.Announcement{}, fmt.Errorf("actions: create announcement: %w", err)
	}
	if err := s.audit(ctx, a, "announcement.create", an.ID, store.AuditProvince(an.Provinces),
		"audience="+string(an.Audience)+" provinces="+strings.Join(an.Provinces, ",")+" sendAt="+thai.FormatInstant(an.SendAt, s.cfg.Location)); err != nil {
		return an, err
	}
	if !an.SendAt.After(s.now()) && s.cfg.Kick != nil {
		s.cfg.Kick()
	}
	return an, nil
}

// VisibleTo reports whether a may see and cancel announcement an: admins every one, officers
// those whose provinces are all theirs.
func VisibleTo(a Actor, an store.Announcement) bool {
	if a.Admin {
		return true
	}
	if len(an.Provinces) == 0 {
		return false
	}
	for _, p := range an.Provinces {
		if !a.ActsOn(p) {
			return false
		}
	}
	return true
}

// Announcement returns an announcement a may see (VisibleTo); NotFound otherwise.
func (s *Service) Announcement(ctx context.Context, a Actor, id string) (store.Announcement, error) {
	an, err := s.cfg.Store.GetAnnouncement(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !VisibleTo(a, an)) {
		return store.Announcement{}, refuse(NotFound, "", "act.ann.missing")
	}
	if err != nil {
		return store.Announcement{}, fmt.Errorf("actions: get announcement: %w", err)
	}
	return an, nil
}

// Announcements lists the announcements of status a may see, by send time.
func (s *Service) Announcements(ctx context.Context, a Actor, status store.AnnouncementStatus) ([]store.Announcement, error) {
	all, err := s.cfg.Store.ListAnnouncements(ctx, status)
	if err != nil {
		return nil, fmt.Errorf("actions: list announcements: %w", err)
	}
	out := all[:0]
	for _, an := range all {
		if VisibleTo(a, an) {
			out = append(out, an)
		}
	}
	return out, nil
}

// CancelAnnouncement cancels a scheduled announcement a may see and writes
// "announcement.cancel". Refusals: NotFound; Conflict "act.ann.too_late" once it is sending or
// sent (returned with the announcement).
func (s *Service) CancelAnnouncement(ctx context.Context, a Actor, id string) (store.Announcement, error) {
	if _, err := s.Announcement(ctx, a, id); err != nil {
		return store.Announcement{}, err
	}
	an, err := s.cfg.Store.CancelAnnouncement(ctx, id, s.now())
	if errors.Is(err, store.ErrConflict) {
		return an, refuse(Conflict, "", "act.ann.too_late", "Status", textID("status.announcement."+string(an.Status)))
	}
	if err != nil {
		return an, fmt.Errorf("actions: cancel announcement: %w", err)
	}
	return an, s.audit(ctx, a, "announcement.cancel", an.ID, store.AuditProvince(an.Provinces), "provinces="+strings.Join(an.Provinces, ","))
}
