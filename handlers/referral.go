package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// ReferralStore is what ReferralAPI needs from the store.
type ReferralStore interface {
	GetReferral(ctx context.Context, id string) (store.Referral, error)
	ListReferrals(ctx context.Context, f store.ReferralFilter) ([]store.Referral, error)
	ChangeReferralStatus(ctx context.Context, id string, c store.StatusChange) (store.Referral, error)
	AppendAudit(ctx context.Context, e store.AuditEntry) error
}

// ReferralNotifier tells the referring leader of a status change in the chat, and names
// statuses for exports; *bot.Engine implements it.
type ReferralNotifier interface {
	// NotifyReferralStatus pushes r's last change with r.NoticeKey as the retry key.
	NotifyReferralStatus(ctx context.Context, r store.Referral) (sent bool, err error)
	// ReferralStatusText names a status in Thai.
	ReferralStatusText(s store.ReferralStatus) string
}

// maxNote is the longest status note, in characters.
const maxNote = 500

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
// Filters are optional: province an ISO 3166-2:TH code, status one of store.ReferralStatuses,
// leader a LINE user ID, source leader or self, since (inclusive) and until (exclusive) a date
// (midnight in Location) or an RFC 3339 time on the referral's creation, offset ≥ 0, limit
// 1–500 (default 50). National IDs and phone numbers are masked unless reveal=true, and every
// revealed referral gets a "referral.reveal" audit entry. A status change must follow
// store.ReferralStatus.CanMoveTo (else 409 naming "status"), is audit-logged as
// "referral.status", and is pushed to the referring leader.
type ReferralAPI struct {
	Store    ReferralStore
	Notifier ReferralNotifier
	Now      func() time.Time // the clock
	Location *time.Location   // TZ_DISPLAY: dates in filters and exports
	Logger   *slog.Logger
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
	ID           string     `json:"id"`
	Source       string     `json:"source"`
	LeaderID     string     `json:"leaderId,omitempty"`
	WorkerUserID string     `json:"workerUserId,omitempty"`
	FullName     string     `json:"fullName"`
	NationalID   string     `json:"nationalId,omitempty"`
	Phone        string     `json:"phone"`
	Revealed     bool       `json:"revealed"`
	BirthDate    string     `json:"birthDate,omitempty"` // 2006-01-02
	Age          int        `json:"age,omitempty"`
	AgeUncertain bool       `json:"ageUncertain,omitempty"`
	Occupation   string     `json:"occupation,omitempty"`
	ProvinceCode string     `json:"province"`
	District     string     `json:"district,omitempty"`
	Option       string     `json:"option,omitempty"`
	Status       string     `json:"status"`
	StatusNote   string     `json:"statusNote,omitempty"`
	StatusAt     time.Time  `json:"statusAt"`
	ClosedAt     *time.Time `json:"closedAt,omitempty"`
	NotifiedAt   *time.Time `json:"notifiedAt,omitempty"`
	ConsentAt    time.Time  `json:"consentAt"`
	CreatedAt    time.Time  `json:"createdAt"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
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

func toReferralJSON(r store.Referral, reveal bool) referralJSON {
	j := referralJSON{
		ID: r.ID, Source: string(r.Source), LeaderID: r.LeaderID, WorkerUserID: r.WorkerUserID,
		FullName: r.FullName, Revealed: reveal, Age: r.Age, AgeUncertain: r.AgeUncertain,
		Occupation: r.Occupation, ProvinceCode: r.ProvinceCode, District: r.District, Option: r.Option,
		Status: string(r.Status), StatusNote: r.StatusNote, StatusAt: r.StatusAt,
		ClosedAt: optTime(r.ClosedAt), NotifiedAt: optTime(r.NotifiedAt), ConsentAt: r.ConsentAt, CreatedAt: r.CreatedAt,
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
	if p := c.Query("province"); p != "" {
		if _, ok := thai.ProvinceByCode(p); !ok {
			return f, Invalid("province", "want an ISO 3166-2:TH province code, e.g. TH-76")
		}
		f.ProvinceCode = p
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

// reveal reads the reveal flag: absent or false masks, true reveals.
func reveal(c *gin.Context) (bool, error) {
	switch c.Query("reveal") {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, Invalid("reveal", "want true or false")
}

// auditReveals writes one "referral.reveal" entry per referral shown in plain, before the data
// leaves: a failed audit write means nothing is revealed.
func (a *ReferralAPI) auditReveals(ctx context.Context, rs []store.Referral, how string) error {
	now := a.Now().UTC()
	for _, r := range rs {
		if err := a.Store.AppendAudit(ctx, store.AuditEntry{ID: uuid.NewString(), At: now, Actor: "api",
			Action: "referral.reveal", Subject: r.ID, Province: r.ProvinceCode, Detail: how}); err != nil {
			return err
		}
	}
	return nil
}

func (a *ReferralAPI) list(c *gin.Context) {
	f, err := a.filter(c, 500)
	if err != nil {
		c.Error(err)
		return
	}
	rs, err := a.Store.ListReferrals(c.Request.Context(), f)
	if err != nil {
		c.Error(err)
		return
	}
	out := make([]referralJSON, 0, len(rs))
	for _, r := range rs {
		out = append(out, toReferralJSON(r, false))
	}
	c.JSON(http.StatusOK, gin.H{"referrals": out, "offset": f.Offset, "limit": f.Limit})
}

func (a *ReferralAPI) get(c *gin.Context) {
	rev, err := reveal(c)
	if err != nil {
		c.Error(err)
		return
	}
	r, err := a.Store.GetReferral(c.Request.Context(), c.Param("id"))
	if err != nil {
		c.Error(err)
		return
	}
	if rev {
		if err := a.auditReveals(c.Request.Context(), []store.Referral{r}, "get"); err != nil {
			c.Error(err)
			return
		}
	}
	c.JSON(http.StatusOK, toReferralJSON(r, rev))
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
	to := store.ReferralStatus(req.Status)
	if !to.Valid() {
		c.Error(Invalid("status", "want one of submitted, contacted, enrolled, ineligible, unreachable, withdrawn"))
		return
	}
	note := strings.TrimSpace(req.Note)
	if utf8.RuneCountInString(note) > maxNote || strings.ContainsFunc(note, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) {
		c.Error(Invalid("note", "at most 500 characters, no control characters"))
		return
	}
	if looksPersonal(note) {
		c.Error(Invalid("note", "the note is pushed to the leader and kept unsealed: leave out national ID and phone numbers"))
		return
	}
	ctx := c.Request.Context()
	r, err := a.Store.GetReferral(ctx, c.Param("id"))
	if err != nil {
		c.Error(err)
		return
	}
	if !r.Status.CanMoveTo(to) {
		c.Error(&APIError{Status: http.StatusConflict, Code: "conflict", Field: "status",
			Message: "a referral that is " + string(r.Status) + " cannot become " + string(to)})
		return
	}
	now := a.Now().UTC()
	r, err = a.Store.ChangeReferralStatus(ctx, r.ID, store.StatusChange{From: r.Status, To: to, Note: note, At: now, NoticeKey: uuid.NewString()})
	if err != nil {
		c.Error(err)
		return
	}
	if err := a.Store.AppendAudit(ctx, store.AuditEntry{ID: uuid.NewString(), At: now, Actor: "api",
		Action: "referral.status", Subject: r.ID, Province: r.ProvinceCode, Detail: string(to)}); err != nil {
		c.Error(err)
		return
	}
	// The change is stored with its retry key; a failed push is retried by the scheduler.
	sent, err := a.Notifier.NotifyReferralStatus(ctx, r)
	if err != nil {
		a.Logger.Warn("referral status notice not sent; the scheduler retries", "referral", r.ID, "err", err)
	} else if r, err = a.Store.GetReferral(ctx, r.ID); err != nil {
		c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"referral": toReferralJSON(r, false), "notified": sent})
}

// personalDigits finds a run of 9 or more digits, separators allowed between them: a phone
// number (9–10 digits) or a national ID (13).
var personalDigits = regexp.MustCompile(`\d(?:[^\p{L}\d]{0,3}\d){8,}`) // 9+ digits, whatever separates them

// looksPersonal reports whether a free-text note seems to carry a phone number or national ID
// (Thai digits included), which must not be stored or sent in plain.
func looksPersonal(note string) bool { return personalDigits.MatchString(thai.Normalize(note)) }
