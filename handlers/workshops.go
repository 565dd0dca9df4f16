package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// WorkshopAPI is the officers' workshops resource under /api/v1 (issue 3, item 2):
//
//	POST   /workshops                                  create (201)
//	GET    /workshops?province=&from=&includeCancelled= list by start (default: from now)
//	GET    /workshops/:id                              get
//	PATCH  /workshops/:id                              update some fields ("version" optional guard)
//	POST   /workshops/:id/cancel                       cancel; registrants are told by push
//	GET    /workshops/:id/registrations[?format=csv|xlsx][&reveal=true] registrants (JSON, CSV with BOM, XLSX)
//	PUT    /workshops/:id/registrations/:userId/attendance {"attended": true}
//
// Times are accepted as RFC 3339 ("2026-12-14T09:00:00+07:00") or in Thai forms read by
// thai.ParseDateTime in the display zone ("14/12/2569 09:00"); they are answered in RFC 3339 in
// the display zone. Provinces are Thai or English names, short forms or ISO codes ("TH-76").
// Every change is written to the audit log (workshop.create, workshop.update, workshop.cancel,
// workshop.attendance). A change of time or venue, and a cancellation, raise the workshop's Revision and set its
// ReminderDueAt to now, so the scheduler pushes the news to every registrant once. Only the
// caller's provinces are seen and changed; the rules are actions.Service's, shared with the
// console. Phones are masked unless reveal=true ("workshop.reveal" audited).
type WorkshopAPI struct {
	Actions  *actions.Service
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

func (a *WorkshopAPI) create(c *gin.Context) {
	var in actions.WorkshopInput
	if err := decodeJSON(c, &in); err != nil {
		c.Error(err)
		return
	}
	w, err := a.Actions.CreateWorkshop(c.Request.Context(), actor(c), in)
	if err != nil {
		c.Error(err)
		return
	}
	c.JSON(http.StatusCreated, a.render(w))
}

func (a *WorkshopAPI) list(c *gin.Context) {
	f := store.WorkshopFilter{StartsAfter: a.now(), Limit: 500}
	var err error
	if f.ProvinceCode, err = queryProvince(c); err != nil {
		c.Error(err)
		return
	}
	if s := c.Query("from"); s != "" {
		t, err := a.Actions.ParseTime("from", s)
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
	ws, err := a.Actions.Workshops(c.Request.Context(), actor(c), f)
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
	w, err := a.Actions.Workshop(c.Request.Context(), actor(c), c.Param("id"))
	if err != nil {
		c.Error(err)
		return
	}
	c.JSON(http.StatusOK, a.render(w))
}

// answer writes the workshop a change returned, or its error.
func (a *WorkshopAPI) answer(c *gin.Context, w store.Workshop, err error) {
	if err != nil {
		c.Error(err)
		return
	}
	c.JSON(http.StatusOK, a.render(w))
}

func (a *WorkshopAPI) update(c *gin.Context) {
	var in actions.WorkshopInput
	if err := decodeJSON(c, &in); err != nil {
		c.Error(err)
		return
	}
	w, err := a.Actions.UpdateWorkshop(c.Request.Context(), actor(c), c.Param("id"), in)
	a.answer(c, w, err)
}

func (a *WorkshopAPI) cancel(c *gin.Context) {
	w, err := a.Actions.CancelWorkshop(c.Request.Context(), actor(c), c.Param("id"))
	a.answer(c, w, err)
}

// registrationJSON is one registrant as answered; the phone number is masked (PDPA, docs/ARCHITECTURE.md).
type registrationJSON struct {
	UserID     string `json:"userId"`
	Name       string `json:"name"`
	Phone      string `json:"phone"` // masked (08x-xxx-5678) unless revealed
	Province   string `json:"province"`
	Status     string `json:"status"`
	WaitSeq    int64  `json:"waitSeq,omitempty"`
	SignedUpAt string `json:"signedUpAt"`
}

func (a *WorkshopAPI) registrants(c *gin.Context, id string, reveal bool, how string) (store.Workshop, []registrationJSON, error) {
	w, regs, err := a.Actions.Registrants(c.Request.Context(), actor(c), id, reveal, how)
	if err != nil {
		return w, nil, err
	}
	out := make([]registrationJSON, len(regs))
	for i, r := range regs {
		out[i] = registrationJSON{UserID: r.UserID, Status: string(r.Status), WaitSeq: r.WaitSeq,
			SignedUpAt: thai.FormatInstant(r.CreatedAt, a.Location)}
		if l := r.Leader; l.UserID != "" {
			p, _ := thai.ProvinceByCode(l.ProvinceCode)
			out[i].Name, out[i].Phone, out[i].Province = l.FullName, thai.MaskPhone(l.Phone), p.NameTH
			if reveal {
				out[i].Phone = l.Phone
			}
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
	rev, err := reveal(c)
	if err != nil {
		c.Error(err)
		return
	}
	w, regs, err := a.registrants(c, c.Param("id"), rev, "api "+format)
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
	r, err := a.Actions.SetAttendance(c.Request.Context(), actor(c), c.Param("id"), c.Param("userId"), *in.Attended)
	if err != nil {
		c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"userId": r.UserID, "status": r.Status})
}
