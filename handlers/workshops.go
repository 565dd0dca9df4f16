package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// WorkshopStore is what the workshops API needs from the store; store.Store satisfies it.
type WorkshopStore interface {
	CreateWorkshop(ctx context.Context, w store.Workshop) (store.Workshop, error)
	GetWorkshop(ctx context.Context, id string) (store.Workshop, error)
	UpdateWorkshop(ctx context.Context, w store.Workshop) (store.Workshop, error)
	ListWorkshops(ctx context.Context, f store.WorkshopFilter) ([]store.Workshop, error)
	ListRegistrations(ctx context.Context, workshopID string) ([]store.Registration, error)
	SetAttendance(ctx context.Context, workshopID, userID string, attended bool, now time.Time) (store.Registration, error)
	GetLeader(ctx context.Context, userID string) (store.Leader, error)
	AppendAudit(ctx context.Context, e store.AuditEntry) error
}

// Limits of workshop fields (issue 3, item 6).
const (
	maxTitle       = 200
	maxDescription = 2000
	maxVenueText   = 300
	maxCapacity    = 10000
)

// WorkshopAPI is the officers' workshops resource under /api/v1 (issue 3, item 2):
//
//	POST   /workshops                                  create (201)
//	GET    /workshops?province=&from=&includeCancelled= list by start (default: from now)
//	GET    /workshops/:id                              get
//	PATCH  /workshops/:id                              update some fields ("version" optional guard)
//	POST   /workshops/:id/cancel                       cancel; registrants are told by push
//	GET    /workshops/:id/registrations[?format=csv|xlsx] registrants (JSON, CSV with BOM, XLSX)
//	PUT    /workshops/:id/registrations/:userId/attendance {"attended": true}
//
// Times are accepted as RFC 3339 ("2026-12-14T09:00:00+07:00") or in Thai forms read by
// thai.ParseDateTime in the display zone ("14/12/2569 09:00"); they are answered in RFC 3339 in
// the display zone. Provinces are Thai or English names, short forms or ISO codes ("TH-76").
// Every change is written to the audit log (workshop.create, workshop.update, workshop.cancel,
// workshop.attendance). A change of time or venue, and a cancellation, raise the workshop's Revision and set its
// ReminderDueAt to now, so the scheduler pushes the news to every registrant once.
type WorkshopAPI struct {
	Store    WorkshopStore
	Location *time.Location   // TZ_DISPLAY
	Now      func() time.Time // time.Now when nil
}

// Routes adds the resource to the API group (see API.Routes).
func (a *WorkshopAPI) Routes(g *gin.RouterGroup) {
	g.POST("/workshops", a.create)
	g.GET("/workshops", a.list)
	g.GET("/workshops/:id", a.get)
	g.PATCH("/workshops/:id", a.update)
	g.POST("/workshops/:id/cancel", a.cancel)
	g.GET("/workshops/:id/registrations", a.registrations)
	g.PUT("/workshops/:id/registrations/:userId/attendance", a.attendance)
}

func (a *WorkshopAPI) now() time.Time { return utcNow(a.Now) }

// workshopInput is the body of create and update; absent fields are nil.
type workshopInput struct {
	Title                *string     `json:"title"`
	Description          *string     `json:"description"`
	Province             *string     `json:"province"`
	Venue                *venueInput `json:"venue"`
	StartsAt             *string     `json:"startsAt"`
	EndsAt               *string     `json:"endsAt"`
	Capacity             *int        `json:"capacity"`
	RegistrationDeadline *string     `json:"registrationDeadline"`
	Status               *string     `json:"status"`
	Version              *int64      `json:"version"`
}

type venueInput struct {
	Name    *string `json:"name"`
	Address *string `json:"address"`
	MapURL  *string `json:"mapUrl"`
}

// workshopJSON is a workshop as answered.
type workshopJSON struct {
	ID                   string    `json:"id"`
	Title                string    `json:"title"`
	Description          string    `json:"description"`
	ProvinceCode         string    `json:"provinceCode"`
	ProvinceName         string    `json:"provinceName"`
	Venue                venueJSON `json:"venue"`
	StartsAt             string    `json:"startsAt"`
	EndsAt               string    `json:"endsAt"`
	RegistrationDeadline string    `json:"registrationDeadline"`
	Capacity             int       `json:"capacity"`
	Registered           int       `json:"registered"`
	Waitlisted           int       `json:"waitlisted"`
	SeatsLeft            int       `json:"seatsLeft"`
	Status               string    `json:"status"` // open, full, closed, cancelled (store.Workshop.StatusAt)
	CreatedBy            string    `json:"createdBy"`
	CreatedAt            string    `json:"createdAt"`
	UpdatedAt            string    `json:"updatedAt"`
	Version              int64     `json:"version"`
}

type venueJSON struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	MapURL  string `json:"mapUrl,omitempty"`
}

func (a *WorkshopAPI) render(w store.Workshop) workshopJSON {
	ts := func(t time.Time) string { return t.In(a.Location).Format(time.RFC3339) }
	p, _ := thai.ProvinceByCode(w.ProvinceCode)
	return workshopJSON{
		ID: w.ID, Title: w.Title, Description: w.Description, ProvinceCode: w.ProvinceCode, ProvinceName: p.NameTH,
		Venue:    venueJSON{Name: w.Venue.Name, Address: w.Venue.Address, MapURL: w.Venue.MapURL},
		StartsAt: ts(w.StartsAt), EndsAt: ts(w.EndsAt), RegistrationDeadline: ts(w.RegistrationDeadline),
		Capacity: w.Capacity, Registered: w.Registered, Waitlisted: w.Waitlisted, SeatsLeft: w.SeatsLeft(),
		Status: string(w.StatusAt(a.now())), CreatedBy: w.CreatedBy, CreatedAt: ts(w.CreatedAt), UpdatedAt: ts(w.UpdatedAt),
		Version: w.Version,
	}
}

// parseTime reads field as RFC 3339 or a Thai date and time.
func (a *WorkshopAPI) parseTime(field, s string) (time.Time, *APIError) {
	return parseAPITime(field, s, a.Location)
}

// apply copies the present fields of in onto w and validates the result; creating requires
// every field a workshop needs. It reports whether time or venue changed.
func (a *WorkshopAPI) apply(in workshopInput, w *store.Workshop, creating bool) (changed bool, _ *APIError) {
	text := func(field string, p *string, limit int, required bool, dst *string) *APIError {
		if p == nil {
			if creating && required {
				return Invalid(field, "is required")
			}
			return nil
		}
		if !required && strings.TrimSpace(*p) == "" {
			*dst = ""
			return nil
		}
		v, err := thai.ParseFreeText(*p, limit)
		if err != nil {
			return Invalid(field, fmt.Sprintf("must be text of 1 to %d characters without control characters", limit))
		}
		*dst = v
		return nil
	}
	venue := in.Venue
	if venue == nil {
		if creating {
			return false, Invalid("venue", "is required")
		}
		venue = &venueInput{}
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
		u, err := url.Parse(strings.TrimSpace(*venue.MapURL))
		switch {
		case *venue.MapURL == "":
			w.Venue.MapURL = ""
		case err != nil || u.Scheme != "https" || u.Host == "" || len(*venue.MapURL) > 1000:
			return false, Invalid("venue.mapUrl", "must be an https:// link of at most 1000 characters")
		default:
			w.Venue.MapURL = u.String()
		}
	}
	if in.Province != nil {
		m := thai.MatchProvince(*in.Province)
		if !m.OK {
			return false, Invalid("province", fmt.Sprintf("%q is not a Thai province: use its name (เพชรบุรี, Phetchaburi) or code (TH-76)", *in.Province))
		}
		w.ProvinceCode = m.Province.Code
	} else if creating {
		return false, Invalid("province", "is required")
	}
	now := a.now()
	for _, f := range []struct {
		field string
		p     *string
		dst   *time.Time
	}{
		{"startsAt", in.StartsAt, &w.StartsAt},
		{"endsAt", in.EndsAt, &w.EndsAt},
		{"registrationDeadline", in.RegistrationDeadline, &w.RegistrationDeadline},
	} {
		if f.p == nil {
			if creating && f.field != "registrationDeadline" {
				return false, Invalid(f.field, "is required")
			}
			continue
		}
		t, err := a.parseTime(f.field, *f.p)
		if err != nil {
			return false, err
		}
		*f.dst = t
	}
	if creating && in.RegistrationDeadline == nil {
		w.RegistrationDeadline = w.StartsAt
	}
	switch {
	case in.StartsAt != nil && !w.StartsAt.After(now):
		return false, Invalid("startsAt", "is in the past")
	case !w.EndsAt.After(w.StartsAt):
		return false, Invalid("endsAt", "must be after startsAt")
	case w.RegistrationDeadline.After(w.StartsAt):
		return false, Invalid("registrationDeadline", "must not be after startsAt")
	}
	if in.Capacity != nil {
		if *in.Capacity < 1 || *in.Capacity > maxCapacity {
			return false, Invalid("capacity", fmt.Sprintf("must be 1 to %d seats", maxCapacity))
		}
		w.Capacity = *in.Capacity
	} else if creating {
		return false, Invalid("capacity", "is required")
	}
	if in.Status != nil {
		switch s := store.WorkshopStatus(*in.Status); s {
		case store.WorkshopOpen, store.WorkshopClosed:
			w.Status = s
		default:
			return false, Invalid("status", `must be "open" or "closed" (cancel with POST /workshops/:id/cancel)`)
		}
	}
	changed = !w.StartsAt.Equal(before.StartsAt) || !w.EndsAt.Equal(before.EndsAt) || w.Venue != before.Venue
	return changed, nil
}

func (a *WorkshopAPI) create(c *gin.Context) {
	var in workshopInput
	if err := decodeJSON(c, &in); err != nil {
		c.Error(err)
		return
	}
	now := a.now()
	w := store.Workshop{ID: uuid.NewString(), Status: store.WorkshopOpen, CreatedBy: "api", CreatedAt: now, UpdatedAt: now, ReminderDueAt: now}
	if in.Version != nil {
		c.Error(Invalid("version", "is set by the server"))
		return
	}
	if _, err := a.apply(in, &w, true); err != nil {
		c.Error(err)
		return
	}
	w, err := a.Store.CreateWorkshop(c.Request.Context(), w)
	if err != nil {
		c.Error(err)
		return
	}
	if a.audit(c, "workshop.create", w, w.Title) {
		c.JSON(http.StatusCreated, a.render(w))
	}
}

func (a *WorkshopAPI) list(c *gin.Context) {
	f := store.WorkshopFilter{StartsAfter: a.now(), Limit: 500}
	if p := c.Query("province"); p != "" {
		m := thai.MatchProvince(p)
		if !m.OK {
			c.Error(Invalid("province", fmt.Sprintf("%q is not a Thai province", p)))
			return
		}
		f.ProvinceCode = m.Province.Code
	}
	if s := c.Query("from"); s != "" {
		t, err := a.parseTime("from", s)
		if err != nil {
			c.Error(err)
			return
		}
		f.StartsAfter = t
	}
	if s := c.Query("includeCancelled"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			c.Error(Invalid("includeCancelled", "must be true or false"))
			return
		}
		f.WithCancelled = b
	}
	ws, err := a.Store.ListWorkshops(c.Request.Context(), f)
	if err != nil {
		c.Error(err)
		return
	}
	out := make([]workshopJSON, len(ws))
	for i, w := range ws {
		out[i] = a.render(w)
	}
	c.JSON(http.StatusOK, gin.H{"workshops": out})
}

func (a *WorkshopAPI) get(c *gin.Context) {
	w, err := a.Store.GetWorkshop(c.Request.Context(), c.Param("id"))
	if err != nil {
		c.Error(err)
		return
	}
	c.JSON(http.StatusOK, a.render(w))
}

// audit appends one audit entry about w; false (and the error attached) if it failed.
func (a *WorkshopAPI) audit(c *gin.Context, action string, w store.Workshop, detail string) bool {
	err := a.Store.AppendAudit(c.Request.Context(), store.AuditEntry{ID: uuid.NewString(), At: a.now(), Actor: "api",
		Action: action, Subject: w.ID, Province: w.ProvinceCode, Detail: detail})
	if err != nil {
		c.Error(err)
		return false
	}
	return true
}

// save stores w under action, mapping a capacity below the registrations to a 400 on
// "capacity", and writes the audit entry.
func (a *WorkshopAPI) save(c *gin.Context, action string, w store.Workshop) {
	got, err := a.Store.UpdateWorkshop(c.Request.Context(), w)
	if errors.Is(err, store.ErrCapacityBelowRegistered) {
		cur, gerr := a.Store.GetWorkshop(c.Request.Context(), w.ID)
		if gerr == nil {
			c.Error(Invalid("capacity", fmt.Sprintf("%d seats is below the %d leaders already registered", w.Capacity, cur.Registered)))
			return
		}
	}
	if err != nil {
		c.Error(err)
		return
	}
	detail := fmt.Sprintf("version %d, capacity %d, starts %s", got.Version, got.Capacity, got.StartsAt.In(a.Location).Format(time.RFC3339))
	if a.audit(c, action, got, detail) {
		c.JSON(http.StatusOK, a.render(got))
	}
}

func (a *WorkshopAPI) update(c *gin.Context) {
	var in workshopInput
	if err := decodeJSON(c, &in); err != nil {
		c.Error(err)
		return
	}
	w, err := a.Store.GetWorkshop(c.Request.Context(), c.Param("id"))
	if err != nil {
		c.Error(err)
		return
	}
	if in.Version != nil && *in.Version != w.Version {
		c.Error(store.ErrConflict)
		return
	}
	if w.Status == store.WorkshopCancelled {
		c.Error(&APIError{Status: http.StatusConflict, Code: "conflict", Message: "the workshop is cancelled"})
		return
	}
	changed, aerr := a.apply(in, &w, false)
	if aerr != nil {
		c.Error(aerr)
		return
	}
	now := a.now()
	w.UpdatedAt, w.ReminderDueAt = now, now // the scheduler plans the reminders again
	if changed {
		w.Revision++
	}
	a.save(c, "workshop.update", w)
}

func (a *WorkshopAPI) cancel(c *gin.Context) {
	w, err := a.Store.GetWorkshop(c.Request.Context(), c.Param("id"))
	if err != nil {
		c.Error(err)
		return
	}
	if w.Status != store.WorkshopCancelled {
		now := a.now()
		w.Status, w.Revision, w.UpdatedAt, w.ReminderDueAt = store.WorkshopCancelled, w.Revision+1, now, now
	}
	a.save(c, "workshop.cancel", w)
}

// registrationJSON is one registrant as answered; the phone number is masked (PDPA, docs/ARCHITECTURE.md).
type registrationJSON struct {
	UserID     string `json:"userId"`
	Name       string `json:"name"`
	Phone      string `json:"phone"` // masked: 08x-xxx-5678
	Province   string `json:"province"`
	Status     string `json:"status"`
	WaitSeq    int64  `json:"waitSeq,omitempty"`
	SignedUpAt string `json:"signedUpAt"`
}

func (a *WorkshopAPI) registrants(c *gin.Context, id string) (store.Workshop, []registrationJSON, error) {
	w, err := a.Store.GetWorkshop(c.Request.Context(), id)
	if err != nil {
		return w, nil, err
	}
	regs, err := a.Store.ListRegistrations(c.Request.Context(), id)
	if err != nil {
		return w, nil, err
	}
	out := make([]registrationJSON, len(regs))
	for i, r := range regs {
		out[i] = registrationJSON{UserID: r.UserID, Status: string(r.Status), WaitSeq: r.WaitSeq,
			SignedUpAt: r.CreatedAt.In(a.Location).Format(time.RFC3339)}
		l, err := a.Store.GetLeader(c.Request.Context(), r.UserID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return w, nil, err
		}
		if err == nil {
			p, _ := thai.ProvinceByCode(l.ProvinceCode)
			out[i].Name, out[i].Phone, out[i].Province = l.FullName, thai.MaskPhone(l.Phone), p.NameTH
		}
	}
	return w, out, nil
}

// Thai column headings and status words of the exports.
var (
	registrantsHeader    = []string{"ลำดับ", "ชื่อ-นามสกุล", "เบอร์โทร", "จังหวัด", "สถานะ", "ลำดับคิวสำรอง", "สมัครเมื่อ", "LINE user ID"}
	registrationStatusTH = map[string]string{"registered": "ลงทะเบียน", "waitlisted": "คิวสำรอง", "cancelled": "ยกเลิก", "attended": "เข้าร่วมแล้ว"}
)

func (a *WorkshopAPI) exportRows(regs []registrationJSON) [][]string {
	rows := [][]string{registrantsHeader}
	for i, r := range regs {
		seq := ""
		if r.Status == string(store.RegWaitlisted) {
			seq = strconv.FormatInt(r.WaitSeq, 10)
		}
		at, _ := time.Parse(time.RFC3339, r.SignedUpAt)
		rows = append(rows, []string{strconv.Itoa(i + 1), r.Name, r.Phone, r.Province, registrationStatusTH[r.Status], seq,
			thai.FormatDateTime(at, a.Location), r.UserID})
	}
	return rows
}

func (a *WorkshopAPI) registrations(c *gin.Context) {
	format := c.DefaultQuery("format", "json")
	if format != "json" && format != "csv" && format != "xlsx" {
		c.Error(Invalid("format", "must be json, csv or xlsx"))
		return
	}
	w, regs, err := a.registrants(c, c.Param("id"))
	if err != nil {
		c.Error(err)
		return
	}
	disposition := `attachment; filename="workshop-` + w.ID + `-registrants.` + format + `"`
	switch format {
	case "json":
		c.JSON(http.StatusOK, gin.H{"workshop": a.render(w), "registrations": regs})
	case "csv":
		sendCSV(c, disposition, a.exportRows(regs))
	case "xlsx":
		sendXLSX(c, disposition, "ผู้ลงทะเบียน", a.exportRows(regs))
	}
}

func (a *WorkshopAPI) attendance(c *gin.Context) {
	var in struct {
		Attended *bool `json:"attended"`
	}
	if err := decodeJSON(c, &in); err != nil {
		c.Error(err)
		return
	}
	if in.Attended == nil {
		c.Error(Invalid("attended", "is required (true or false)"))
		return
	}
	r, err := a.Store.SetAttendance(c.Request.Context(), c.Param("id"), c.Param("userId"), *in.Attended, a.now())
	if err != nil {
		c.Error(err)
		return
	}
	w, err := a.Store.GetWorkshop(c.Request.Context(), r.WorkshopID)
	if err != nil {
		c.Error(err)
		return
	}
	if a.audit(c, "workshop.attendance", w, r.UserID+": "+string(r.Status)) {
		c.JSON(http.StatusOK, gin.H{"userId": r.UserID, "status": r.Status})
	}
}
