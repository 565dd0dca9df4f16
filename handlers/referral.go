package handlers

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// ReferralNotifier names statuses for exports; *bot.Engine implements it.
type ReferralNotifier interface {
	// ReferralStatusText names a status in Thai.
	ReferralStatusText(s store.ReferralStatus) string
}

// maxExport is the most rows one export returns; narrow the filters for more.
const maxExport = 10000

// ReferralAPI is the officers' work on referrals (issue 4, item 5):
//
//	GET  /api/v1/referrals?province=TH-76&status=submitted&leader=U…&source=self&since=2025-03-01&until=2025-04-01&offset=0&limit=50
//	GET  /api/v1/referrals/:id[?reveal=true]
//	POST /api/v1/referrals/:id/status   {"status": "contacted", "note": "โทรแล้ว นัดสมัคร 5 มี.ค."}
//	GET  /api/v1/referrals.csv[?…filters…&reveal=true]
//	GET  /api/v1/referrals.xlsx[?…filters…&reveal=true]
//
// Filters are optional: province a name, short form or ISO 3166-2:TH code (one of the caller's
// provinces; without it, all of them), status one of store.ReferralStatuses,
// leader a LINE user ID, source leader or self, since (inclusive) and until (exclusive) a date
// (midnight in Location) or an RFC 3339 time on the referral's creation, offset ≥ 0, limit
// 1–500 (default 50). National IDs and phone numbers are masked unless reveal=true, and every
// revealed referral gets a "referral.reveal" audit entry. A status change must follow
// store.ReferralStatus.CanMoveTo (else 409 naming "status"), is audit-logged as
// "referral.status" naming the caller, and is pushed to the referring leader — the same action
// as the console's (actions.Service.ChangeReferralStatus). Times are RFC 3339 in TZ_DISPLAY.
type ReferralAPI struct {
	Actions  *actions.Service
	Notifier ReferralNotifier
	Now      func() time.Time // the clock
	Location *time.Location   // TZ_DISPLAY: dates in filters and exports
}

// Routes installs the referral routes on the /api/v1 group.
func (a *ReferralAPI) Routes(g *gin.RouterGroup) {
	g.GET("/referrals", a.list)
	g.GET("/referrals.csv", a.exportCSV)
	g.GET("/referrals.xlsx", a.exportXLSX)
	g.GET("/referrals/:id", a.get)
	g.POST("/referrals/:id/status", a.changeStatus)
}

// referralJSON is a referral as the API shows it. NationalID and Phone are masked unless
// Revealed.
type referralJSON struct {
	ID           string `json:"id"`
	Source       string `json:"source"`
	LeaderID     string `json:"leaderId,omitempty"`
	WorkerUserID string `json:"workerUserId,omitempty"`
	FullName     string `json:"fullName"`
	NationalID   string `json:"nationalId,omitempty"`
	Phone        string `json:"phone"`
	Revealed     bool   `json:"revealed"`
	BirthDate    string `json:"birthDate,omitempty"` // 2006-01-02
	Age          int    `json:"age,omitempty"`
	AgeUncertain bool   `json:"ageUncertain,omitempty"`
	Occupation   string `json:"occupation,omitempty"`
	ProvinceCode string `json:"province"`
	District     string `json:"district,omitempty"`
	Option       string `json:"option,omitempty"`
	Status       string `json:"status"`
	StatusNote   string `json:"statusNote,omitempty"`
	StatusAt     string `json:"statusAt"`
	ClosedAt     string `json:"closedAt,omitempty"`
	NotifiedAt   string `json:"notifiedAt,omitempty"`
	ConsentAt    string `json:"consentAt"`
	CreatedAt    string `json:"createdAt"`
}

// personal returns the national ID and phone as shown: plain when reveal, else masked.
func personal(r store.Referral, reveal bool) (nid, phone string) {
	if reveal {
		return r.NationalID, r.Phone
	}
	if r.NationalID != "" {
		nid = thai.MaskNationalID(r.NationalID)
	}
	return nid, thai.MaskPhone(r.Phone)
}

func (a *ReferralAPI) toReferralJSON(r store.Referral, reveal bool) referralJSON {
	ts := func(t time.Time) string { return thai.FormatInstant(t, a.Location) }
	j := referralJSON{
		ID: r.ID, Source: string(r.Source), LeaderID: r.LeaderID, WorkerUserID: r.WorkerUserID,
		FullName: r.FullName, Revealed: reveal, Age: r.Age, AgeUncertain: r.AgeUncertain,
		Occupation: r.Occupation, ProvinceCode: r.ProvinceCode, District: r.District, Option: r.Option,
		Status: string(r.Status), StatusNote: r.StatusNote, StatusAt: ts(r.StatusAt),
		ClosedAt: ts(r.ClosedAt), NotifiedAt: ts(r.NotifiedAt), ConsentAt: ts(r.ConsentAt), CreatedAt: ts(r.CreatedAt),
	}
	j.NationalID, j.Phone = personal(r, reveal)
	if !r.BirthDate.IsZero() {
		j.BirthDate = r.BirthDate.Format(time.DateOnly)
	}
	return j
}

// filter reads the list and export filters from the query string.
func (a *ReferralAPI) filter(c *gin.Context, maxLimit int) (store.ReferralFilter, error) {
	f := store.ReferralFilter{LeaderID: c.Query("leader")}
	var err error
	if f.ProvinceCode, err = queryProvince(c); err != nil {
		return f, err
	}
	if s := store.ReferralStatus(c.Query("status")); s != "" {
		if !s.Valid() {
			return f, Invalid("status", "want one of submitted, contacted, enrolled, ineligible, unreachable, withdrawn")
		}
		f.Status = s
	}
	switch src := store.ReferralSource(c.Query("source")); src {
	case "", store.SourceLeader, store.SourceSelf:
		f.Source = src
	default:
		return f, Invalid("source", "want leader or self")
	}
	var errs [4]error
	f.Since, errs[0] = queryTime(c, "since", a.Location)
	f.Until, errs[1] = queryTime(c, "until", a.Location)
	f.Offset, errs[2] = queryInt(c, "offset", 0, 0, 1_000_000)
	f.Limit, errs[3] = queryInt(c, "limit", min(store.DefaultReferralLimit, maxLimit), 1, maxLimit)
	if err := firstAPIError(errs[:]...); err != nil {
		return f, err
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return f, Invalid("until", "until must be after since")
	}
	return f, nil
}

func (a *ReferralAPI) list(c *gin.Context) {
	f, err := a.filter(c, 500)
	if err != nil {
		c.Error(err)
		return
	}
	rs, err := a.Actions.Referrals(c.Request.Context(), actor(c), f, false, "")
	if err != nil {
		c.Error(err)
		return
	}
	out := make([]referralJSON, 0, len(rs))
	for _, r := range rs {
		out = append(out, a.toReferralJSON(r, false))
	}
	c.JSON(http.StatusOK, gin.H{"referrals": out, "offset": f.Offset, "limit": f.Limit})
}

func (a *ReferralAPI) get(c *gin.Context) {
	rev, err := reveal(c)
	if err != nil {
		c.Error(err)
		return
	}
	r, err := a.Actions.Referral(c.Request.Context(), actor(c), c.Param("id"), rev, "api get")
	if err != nil {
		c.Error(err)
		return
	}
	c.JSON(http.StatusOK, a.toReferralJSON(r, rev))
}

// statusRequest is the body of POST /referrals/:id/status.
type statusRequest struct {
	Status string `json:"status"`
	Note   string `json:"note"`
}

func (a *ReferralAPI) changeStatus(c *gin.Context) {
	var req statusRequest
	if err := decodeJSON(c, &req); err != nil {
		c.Error(err)
		return
	}
	r, sent, err := a.Actions.ChangeReferralStatus(c.Request.Context(), actor(c), c.Param("id"), store.ReferralStatus(req.Status), req.Note)
	if err != nil {
		c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"referral": a.toReferralJSON(r, false), "notified": sent})
}
