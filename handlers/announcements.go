package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/ssonet/ssonet/outbox"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// AnnouncementStore is what AnnouncementAPI needs from the store.
type AnnouncementStore interface {
	CreateAnnouncement(ctx context.Context, a store.Announcement) error
	GetAnnouncement(ctx context.Context, id string) (store.Announcement, error)
	ListAnnouncements(ctx context.Context, status store.AnnouncementStatus) ([]store.Announcement, error)
	CancelAnnouncement(ctx context.Context, id string, now time.Time) (store.Announcement, error)
	PushGroupProgress(ctx context.Context, group string) (store.PushProgress, error)
	GetWorkshop(ctx context.Context, id string) (store.Workshop, error)
	AppendAudit(ctx context.Context, e store.AuditEntry) error
}

// AnnouncementAPI serves announcements (issue 5, item 4):
//
//	POST /api/v1/announcements  {"audience": "leaders.approved", "provinces": ["TH-76"],
//	                              "text": "...", "sendAt": "2026-12-14T09:00:00+07:00"}
//	  → 201 the announcement with its cost ("cost": messages, -1 for friends, whose number LINE
//	    counts) and the month's quota ("quota": {"limited", "limit", "used", "queued",
//	    "remaining"}). One that does not fit in what is left of the quota answers 409 with code
//	    "over_quota" unless the request says "confirmOverQuota": true. audience is leaders.approved, leaders.all, leaders.workers
//	    (approved leaders and workers who asked to join), workshop (the registrants of
//	    "workshopId", in its province) or friends (every friend of the account, which takes no
//	    provinces); provinces empty means every province; text
//	    1–2,000 characters; sendAt (RFC 3339) absent means now, else it must not be in the past.
//	GET  /api/v1/announcements?status=scheduled  → 200 {"announcements": [...]} by send time
//	GET  /api/v1/announcements/{id}              → 200 the announcement with counts
//	POST /api/v1/announcements/{id}/cancel       → 200 cancelled; 409 once it is sending or sent
//
// Counts: recipients planned, sent and failed (by LINE's answer per batch), pending.
type AnnouncementAPI struct {
	Store AnnouncementStore
	Now   func() time.Time // time.Now when nil
	// Location reads Thai times in sendAt (TZ_DISPLAY); Asia/Bangkok when nil.
	Location *time.Location
	Kick     func() // delivers due announcements at once (the scheduler's Kick); may be nil
	// Costs tells an announcement's cost against the month's quota (*bot.Engine); nil skips the
	// check.
	Costs AnnouncementCoster
}

// AnnouncementCoster is bot.Engine's AnnouncementCost.
type AnnouncementCoster interface {
	AnnouncementCost(ctx context.Context, a store.Announcement) (cost int, budget outbox.Budget, err error)
}

// Routes installs the routes on the /api/v1 group.
func (a *AnnouncementAPI) Routes(g *gin.RouterGroup) {
	g.POST("/announcements", a.create)
	g.GET("/announcements", a.list)
	g.GET("/announcements/:id", a.get)
	g.POST("/announcements/:id/cancel", a.cancel)
}

func (a *AnnouncementAPI) now() time.Time { return utcNow(a.Now) }

// maxAnnouncementText matches the LINE form's limit, in characters.
const maxAnnouncementText = 2000

type announcementRequest struct {
	Audience   store.Audience `json:"audience"`
	Provinces  []string       `json:"provinces"`
	WorkshopID string         `json:"workshopId"`
	Text       string         `json:"text"`
	SendAt     string         `json:"sendAt"`
	// ConfirmOverQuota sends an announcement although it needs more messages than are left of
	// the month's quota (the rest waits for the next month or a raised quota).
	ConfirmOverQuota bool `json:"confirmOverQuota"`
}

type quotaJSON struct {
	Limited   bool  `json:"limited"`
	Limit     int64 `json:"limit"`
	Used      int64 `json:"used"`
	Queued    int64 `json:"queued"`
	Remaining int64 `json:"remaining"`
}

type announcementJSON struct {
	ID         string     `json:"id"`
	CreatedBy  string     `json:"createdBy"`
	Audience   string     `json:"audience"`
	Provinces  []string   `json:"provinces"`
	WorkshopID string     `json:"workshopId,omitempty"`
	Text       string     `json:"text"`
	SendAt     time.Time  `json:"sendAt"`
	Status     string     `json:"status"`
	CreatedAt  time.Time  `json:"createdAt"`
	Recipients int        `json:"recipients"`
	Batches    int        `json:"batches"`
	Sent       int        `json:"sent"`
	Failed     int        `json:"failed"`
	Pending    int        `json:"pending"`
	Cost       *int       `json:"cost,omitempty"`
	Quota      *quotaJSON `json:"quota,omitempty"`
}

func announcementOut(an store.Announcement) announcementJSON {
	provinces := an.Provinces
	if provinces == nil {
		provinces = []string{}
	}
	return announcementJSON{ID: an.ID, CreatedBy: an.CreatedBy, Audience: string(an.Audience), Provinces: provinces, WorkshopID: an.WorkshopID,
		Text: an.Text, SendAt: an.SendAt, Status: string(an.Status), CreatedAt: an.CreatedAt,
		Recipients: an.Recipients, Batches: an.Batches, Sent: an.Sent, Failed: an.Failed}
}

func (a *AnnouncementAPI) create(c *gin.Context) {
	var req announcementRequest
	if err := decodeJSON(c, &req); err != nil {
		c.Error(err)
		return
	}
	if req.Audience != store.AudienceWorkshop && req.WorkshopID != "" {
		c.Error(Invalid("workshopId", "only the workshop audience takes a workshop"))
		return
	}
	switch req.Audience {
	case store.AudienceApprovedLeaders, store.AudienceAllLeaders, store.AudienceLeadersAndWorkers, store.AudienceWorkshop:
	case store.AudienceFriends:
		if len(req.Provinces) > 0 {
			c.Error(Invalid("provinces", "friends (a broadcast) reaches every friend and takes no provinces"))
			return
		}
	default:
		c.Error(Invalid("audience", "want leaders.approved, leaders.all, leaders.workers, workshop or friends"))
		return
	}
	provinces, err := parseProvinces(req.Provinces, false)
	if err != nil {
		c.Error(err)
		return
	}
	if req.Audience == store.AudienceWorkshop {
		if req.WorkshopID == "" || len(req.Provinces) > 0 {
			c.Error(Invalid("workshopId", "the workshop audience takes a workshopId and no provinces"))
			return
		}
		ws, err := a.Store.GetWorkshop(c.Request.Context(), req.WorkshopID)
		if err != nil {
			c.Error(Invalid("workshopId", "no such workshop"))
			return
		}
		provinces = []string{ws.ProvinceCode}
	}
	text, err := thai.ParseFreeText(req.Text, maxAnnouncementText)
	if err != nil {
		c.Error(Invalid("text", "want 1 to 2000 characters of text without control characters"))
		return
	}
	now := a.now()
	sendAt := now
	if req.SendAt != "" {
		t, perr := parseAPITime("sendAt", req.SendAt, a.Location)
		switch {
		case perr != nil:
			c.Error(perr)
			return
		case t.Before(now):
			c.Error(Invalid("sendAt", "is in the past"))
			return
		}
		sendAt = t.UTC()
	}
	an := store.Announcement{ID: uuid.NewString(), CreatedBy: "api", Audience: req.Audience, Provinces: provinces, WorkshopID: req.WorkshopID,
		Text: text, SendAt: sendAt, Status: store.AnnouncementScheduled, CreatedAt: now, UpdatedAt: now}
	ctx := c.Request.Context()
	var cost *int
	var quota *quotaJSON
	if a.Costs != nil {
		n, b, err := a.Costs.AnnouncementCost(ctx, an)
		if err != nil {
			c.Error(err)
			return
		}
		if !b.Fits(n) && !req.ConfirmOverQuota {
			c.Error(&APIError{Status: http.StatusConflict, Code: "over_quota", Field: "confirmOverQuota",
				Message: fmt.Sprintf("needs %d messages but %d are left of this month's %d; send again with confirmOverQuota: true to queue it anyway", n, b.Remaining, b.Limit)})
			return
		}
		cost, quota = &n, &quotaJSON{Limited: b.Limited, Limit: b.Limit, Used: b.Used, Queued: b.Queued, Remaining: b.Remaining}
	}
	if err := a.Store.CreateAnnouncement(ctx, an); err != nil {
		c.Error(err)
		return
	}
	if err := a.Store.AppendAudit(ctx, store.AuditEntry{ID: uuid.NewString(), At: now, Actor: "api", Action: "announcement.create",
		Subject: an.ID, Province: store.AuditProvince(provinces),
		Detail: "audience=" + string(an.Audience) + " provinces=" + strings.Join(provinces, ",") + " sendAt=" + sendAt.Format(time.RFC3339)}); err != nil {
		c.Error(err)
		return
	}
	if !sendAt.After(now) && a.Kick != nil {
		a.Kick()
	}
	out := announcementOut(an)
	out.Cost, out.Quota = cost, quota
	c.JSON(http.StatusCreated, out)
}

func (a *AnnouncementAPI) list(c *gin.Context) {
	status := store.AnnouncementStatus(c.DefaultQuery("status", string(store.AnnouncementScheduled)))
	switch status {
	case store.AnnouncementScheduled, store.AnnouncementSending, store.AnnouncementSent, store.AnnouncementCancelled:
	default:
		c.Error(Invalid("status", "want scheduled, sending, sent or cancelled"))
		return
	}
	as, err := a.Store.ListAnnouncements(c.Request.Context(), status)
	if err != nil {
		c.Error(err)
		return
	}
	out := make([]announcementJSON, 0, len(as))
	for _, an := range as {
		out = append(out, announcementOut(an))
	}
	c.JSON(http.StatusOK, gin.H{"announcements": out})
}

func (a *AnnouncementAPI) get(c *gin.Context) {
	ctx := c.Request.Context()
	an, err := a.Store.GetAnnouncement(ctx, c.Param("id"))
	if err != nil {
		c.Error(err)
		return
	}
	out := announcementOut(an)
	if an.Planned {
		pr, err := a.Store.PushGroupProgress(ctx, store.AnnouncementGroup(an.ID))
		if err != nil {
			c.Error(err)
			return
		}
		out.Sent, out.Failed, out.Pending = pr.SentTo, pr.FailedTo, pr.PendingTo // live while sending
	}
	c.JSON(http.StatusOK, out)
}

func (a *AnnouncementAPI) cancel(c *gin.Context) {
	ctx := c.Request.Context()
	now := a.now()
	an, err := a.Store.CancelAnnouncement(ctx, c.Param("id"), now)
	if errors.Is(err, store.ErrConflict) {
		c.Error(&APIError{Status: http.StatusConflict, Code: "conflict", Message: "cannot cancel: the announcement is " + string(an.Status)})
		return
	}
	if err != nil {
		c.Error(err)
		return
	}
	if err := a.Store.AppendAudit(ctx, store.AuditEntry{ID: uuid.NewString(), At: now, Actor: "api", Action: "announcement.cancel",
		Subject: an.ID, Province: store.AuditProvince(an.Provinces), Detail: "provinces=" + strings.Join(an.Provinces, ",")}); err != nil {
		c.Error(err)
		return
	}
	c.JSON(http.StatusOK, announcementOut(an))
}
