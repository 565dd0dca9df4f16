package actions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// Limits of workshop fields (issue 3, item 6).
const (
	maxTitle       = 200
	maxDescription = 2000
	maxVenueText   = 300
	maxCapacity    = 10000
)

// WorkshopInput is a workshop as an officer typed it, for create (every required field) or
// change (absent fields, nil, stay as they are). Times are read by ParseTime; the province by
// ParseProvince. The JSON spelling is the API's.
type WorkshopInput struct {
	// ID makes a create idempotent (the console form's key: a double click creates one
	// workshop); empty: a new UUID. Not read from JSON (the API uses Idempotency-Key).
	ID                   string      `json:"-"`
	Title                *string     `json:"title"`
	Description          *string     `json:"description"`
	Province             *string     `json:"province"`
	Venue                *VenueInput `json:"venue"`
	StartsAt             *string     `json:"startsAt"`
	EndsAt               *string     `json:"endsAt"`
	Capacity             *int        `json:"capacity"`
	RegistrationDeadline *string     `json:"registrationDeadline"`
	Status               *string     `json:"status"`  // "open" or "closed"
	Version              *int64      `json:"version"` // change only: the version the officer saw
}

// VenueInput is the venue part of WorkshopInput.
type VenueInput struct {
	Name    *string `json:"name"`
	Address *string `json:"address"`
	MapURL  *string `json:"mapUrl"`
}

// CreateWorkshop checks in (every field but description, address, map link and deadline is
// required; the deadline defaults to the start), stores the workshop in a province a acts on
// and writes "workshop.create". Refusals: Invalid naming the field; Forbidden.
func (s *Service) CreateWorkshop(ctx context.Context, a Actor, in WorkshopInput) (store.Workshop, error) {
	if in.Version != nil {
		return store.Workshop{}, invalid("version", "act.ws.version_server")
	}
	now := s.now()
	id := in.ID
	if id == "" {
		id = uuid.NewString()
	}
	w := store.Workshop{ID: id, Status: store.WorkshopOpen, CreatedBy: a.by(), CreatedAt: now, UpdatedAt: now, ReminderDueAt: now}
	if _, err := s.applyWorkshop(a, in, &w, true); err != nil {
		return store.Workshop{}, err
	}
	created, err := s.cfg.Store.CreateWorkshop(ctx, w)
	if errors.Is(err, store.ErrConflict) && in.ID != "" { // the same form sent twice: the first one stands
		if stored, gerr := s.cfg.Store.GetWorkshop(ctx, id); gerr == nil && stored.CreatedBy == w.CreatedBy {
			return stored, nil
		}
	}
	w = created
	if err != nil {
		return store.Workshop{}, fmt.Errorf("actions: create workshop: %w", err)
	}
	return w, s.audit(ctx, a, "workshop.create", w.ID, w.ProvinceCode, w.Title)
}

// Workshop returns a workshop of a's provinces; NotFound otherwise.
func (s *Service) Workshop(ctx context.Context, a Actor, id string) (store.Workshop, error) {
	w, err := s.cfg.Store.GetWorkshop(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !a.ActsOn(w.ProvinceCode)) {
		return store.Workshop{}, refuse(NotFound, "", "act.ws.missing")
	}
	if err != nil {
		return store.Workshop{}, fmt.Errorf("actions: get workshop: %w", err)
	}
	return w, nil
}

// Workshops lists the workshops f selects within a's provinces (f.ProvinceCode, when set, must
// be one of them), by start.
func (s *Service) Workshops(ctx context.Context, a Actor, f store.WorkshopFilter) ([]store.Workshop, error) {
	provinces, err := s.within(a, f.ProvinceCode)
	if err != nil {
		return nil, err
	}
	var out []store.Workshop
	for _, p := range provinces {
		f.ProvinceCode = p
		ws, err := s.cfg.Store.ListWorkshops(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("actions: list workshops: %w", err)
		}
		out = append(out, ws...)
	}
	if len(provinces) > 1 {
		sortWorkshops(out)
	}
	return out, nil
}

// UpdateWorkshop applies the fields of in to a workshop of a's provinces and writes
// "workshop.update". A change of time or venue raises the Revision, so the scheduler tells
// every registrant once. Refusals: Invalid naming the field ("capacity" below the leaders
// registered); NotFound; Forbidden (moving it to a province a does not act on); Conflict
// "act.ws.changed" on a stale version, "act.ws.cancelled" for a cancelled workshop.
func (s *Service) UpdateWorkshop(ctx context.Context, a Actor, id string, in WorkshopInput) (store.Workshop, error) {
	w, err := s.Workshop(ctx, a, id)
	if err != nil {
		return w, err
	}
	if in.Version != nil && *in.Version != w.Version {
		return w, refuse(Conflict, "version", "act.ws.changed")
	}
	if w.Status == store.WorkshopCancelled {
		return w, refuse(Conflict, "", "act.ws.cancelled")
	}
	changed, err := s.applyWorkshop(a, in, &w, false)
	if err != nil {
		return w, err
	}
	now := s.now()
	w.UpdatedAt, w.ReminderDueAt = now, now // the scheduler plans the reminders again
	if changed {
		w.Revision++
	}
	return s.saveWorkshop(ctx, a, "workshop.update", w)
}

// CancelWorkshop cancels a workshop of a's provinces (registrants are told by the scheduler)
// and writes "workshop.cancel"; cancelling a cancelled one changes nothing more.
func (s *Service) CancelWorkshop(ctx context.Context, a Actor, id string) (store.Workshop, error) {
	w, err := s.Workshop(ctx, a, id)
	if err != nil {
		return w, err
	}
	if w.Status != store.WorkshopCancelled {
		now := s.now()
		w.Status, w.Revision, w.UpdatedAt, w.ReminderDueAt = store.WorkshopCancelled, w.Revision+1, now, now
	}
	return s.saveWorkshop(ctx, a, "workshop.cancel", w)
}

// saveWorkshop stores w under action, mapping a capacity below the registrations to an
// invalid "capacity", and writes the audit entry.
func (s *Service) saveWorkshop(ctx context.Context, a Actor, action string, w store.Workshop) (store.Workshop, error) {
	got, err := s.cfg.Store.UpdateWorkshop(ctx, w)
	switch {
	case errors.Is(err, store.ErrCapacityBelowRegistered):
		cur, _ := s.cfg.Store.GetWorkshop(ctx, w.ID)
		return w, invalid("capacity", "act.ws.capacity_below", "Capacity", w.Capacity, "Registered", cur.Registered)
	case errors.Is(err, store.ErrConflict):
		return w, refuse(Conflict, "version", "act.ws.changed")
	case err != nil:
		return w, fmt.Errorf("actions: save workshop: %w", err)
	}
	detail := fmt.Sprintf("version %d, capacity %d, starts %s", got.Version, got.Capacity, thai.FormatInstant(got.StartsAt, s.cfg.Location))
	return got, s.audit(ctx, a, action, got.ID, got.ProvinceCode, detail)
}

// CheckInOpens is when registrants of w may first be marked present: 00:00 of its day in
// TZ_DISPLAY, so the door's page works from the morning but a mis-tap a week before is refused.
func (s *Service) CheckInOpens(w store.Workshop) time.Time {
	y, m, d := w.StartsAt.In(s.cfg.Location).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, s.cfg.Location).UTC()
}

// SetAttendance marks a registrant of a workshop of a's provinces present or not and writes
// "workshop.attendance". Marking present is allowed from CheckInOpens on and not for a
// cancelled workshop; taking a mark back (a mis-tap) always is. Refusals: NotFound (no such
// workshop or registrant); Conflict "act.ws.checkin_early" (Data Date, Time: when it opens, in
// TZ_DISPLAY), "act.ws.cancelled".
func (s *Service) SetAttendance(ctx context.Context, a Actor, workshopID, userID string, attended bool) (store.Registration, error) {
	w, err := s.Workshop(ctx, a, workshopID)
	if err != nil {
		return store.Registration{}, err
	}
	if attended && w.Status == store.WorkshopCancelled {
		return store.Registration{}, refuse(Conflict, "attended", "act.ws.cancelled")
	}
	if opens := s.CheckInOpens(w); attended && s.now().Before(opens) {
		return store.Registration{}, refuse(Conflict, "attended", "act.ws.checkin_early",
			"Date", thai.FormatDate(opens, s.cfg.Location), "DateEN", thai.FormatDateEN(opens, s.cfg.Location))
	}
	r, err := s.cfg.Store.SetAttendance(ctx, w.ID, userID, attended, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return r, refuse(NotFound, "", "act.ws.no_registrant")
	}
	if err != nil {
		return r, fmt.Errorf("actions: set attendance: %w", err)
	}
	return r, s.audit(ctx, a, "workshop.attendance", w.ID, w.ProvinceCode, r.UserID+": "+string(r.Status))
}

// Registrant is one registration with the leader's name and phone.
type Registrant struct {
	store.Registration
	Leader store.Leader // zero when the leader erased their data
}

// Registrants returns the registrations of a workshop of a's provinces with each leader; with
// reveal, "workshop.reveal" naming a is written first (how: "console", "api csv").
func (s *Service) Registrants(ctx context.Context, a Actor, workshopID string, reveal bool, how string) (store.Workshop, []Registrant, error) {
	w, err := s.Workshop(ctx, a, workshopID)
	if err != nil {
		return w, nil, err
	}
	regs, err := s.cfg.Store.ListRegistrations(ctx, w.ID)
	if err != nil {
		return w, nil, fmt.Errorf("actions: list registrations: %w", err)
	}
	out := make([]Registrant, len(regs))
	for i, r := range regs {
		out[i].Registration = r
		l, err := s.cfg.Store.GetLeader(ctx, r.UserID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return w, nil, fmt.Errorf("actions: registrant: %w", err)
		}
		out[i].Leader = l
	}
	if reveal {
		if err := s.audit(ctx, a, "workshop.reveal", w.ID, w.ProvinceCode, how); err != nil {
			return w, nil, err
		}
	}
	return w, out, nil
}

// applyWorkshop copies the present fields of in onto w and validates the result; creating
// requires every field a workshop needs. It reports whether time or venue changed.
func (s *Service) applyWorkshop(a Actor, in WorkshopInput, w *store.Workshop, creating bool) (changed bool, _ error) {
	text := func(field string, p *string, limit int, required bool, dst *string) error {
		if p == nil {
			if creating && required {
				return invalid(field, "act.required")
			}
			return nil
		}
		if !required && strings.TrimSpace(*p) == "" {
			*dst = ""
			return nil
		}
		v, err := freeText(field, *p, limit, false)
		if err != nil {
			return err
		}
		*dst = v
		return nil
	}
	venue := in.Venue
	if venue == nil {
		if creating {
			return false, invalid("venue", "act.required")
		}
		venue = &VenueInput{}
	}
	before := *w
	for _, f := range []struct {
		field    string
		p        *string
		limit    int
		required bool
		dst      *string
	}{
		{"title", in.Title, maxTitle, true, &w.Title},
		{"description", in.Description, maxDescription, false, &w.Description},
		{"venue.name", venue.Name, maxVenueText, true, &w.Venue.Name},
		{"venue.address", venue.Address, maxVenueText, false, &w.Venue.Address},
	} {
		if err := text(f.field, f.p, f.limit, f.required, f.dst); err != nil {
			return false, err
		}
	}
	if venue.MapURL != nil {
		// Stored as the card's map button sends it: percent-encoded, within LINE's limit.
		u, err := line.NormalizeLink(*venue.MapURL)
		switch {
		case strings.TrimSpace(*venue.MapURL) == "":
			w.Venue.MapURL = ""
		case err != nil:
			return false, invalid("venue.mapUrl", "act.ws.map_url", "Max", line.MaxURI)
		default:
			w.Venue.MapURL = u
		}
	}
	if in.Province != nil {
		code, err := ParseProvince("province", *in.Province)
		if err != nil {
			return false, err
		}
		if !a.ActsOn(code) {
			return false, notYours("province", code)
		}
		w.ProvinceCode = code
	} else if creating {
		return false, invalid("province", "act.required")
	}
	for _, f := range []struct {
		field string
		p     *string
		dst   *time.Time
	}{
		{"startsAt", in.StartsAt, &w.StartsAt},
		{"endsAt", in.EndsAt, &w.EndsAt},
		{"registrationDeadline", in.RegistrationDeadline, &w.RegistrationDeadline},
	} {
		if f.p == nil || (f.field == "registrationDeadline" && strings.TrimSpace(*f.p) == "") {
			if creating && f.field != "registrationDeadline" {
				return false, invalid(f.field, "act.required")
			}
			continue
		}
		t, err := s.ParseTime(f.field, *f.p)
		if err != nil {
			return false, err
		}
		*f.dst = t
	}
	if creating && w.RegistrationDeadline.IsZero() {
		w.RegistrationDeadline = w.StartsAt
	}
	switch {
	case in.StartsAt != nil && !w.StartsAt.After(s.now()):
		return false, invalid("startsAt", "act.ws.past")
	case !w.EndsAt.After(w.StartsAt):
		return false, invalid("endsAt", "act.ws.end_before_start")
	case w.RegistrationDeadline.After(w.StartsAt):
		return false, invalid("registrationDeadline", "act.ws.deadline_after_start")
	}
	if in.Capacity != nil {
		if *in.Capacity < 1 || *in.Capacity > maxCapacity {
			return false, invalid("capacity", "act.ws.capacity", "Max", maxCapacity)
		}
		w.Capacity = *in.Capacity
	} else if creating {
		return false, invalid("capacity", "act.required")
	}
	if in.Status != nil {
		switch st := store.WorkshopStatus(*in.Status); st {
		case store.WorkshopOpen, store.WorkshopClosed:
			w.Status = st
		default:
			return false, invalid("status", "act.ws.status")
		}
	}
	changed = !w.StartsAt.Equal(before.StartsAt) || !w.EndsAt.Equal(before.EndsAt) || w.Venue != before.Venue
	return changed, nil
}

func sortWorkshops(ws []store.Workshop) {
	slices.SortStableFunc(ws, func(x, y store.Workshop) int { return x.StartsAt.Compare(y.StartsAt) })
}
