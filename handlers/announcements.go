package handlers

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/outbox"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// AnnouncementAPI serves announcements (issue 5, item 4; issue 11):
//
//	POST /api/v1/announcements  {"audience": "leaders.approved", "provinces": ["TH-76"],
//	                              "text": "...", "sendAt": "2026-12-14T09:00:00+07:00"}
//	  → 201 the announcement with its cost ("cost": messages, -1 for friends, whose number LINE
//	    counts) and the month's quota ("quota": {"limited", "limit", "used", "queued",
//	    "remaining"}). One that does not fit in what is left of the quota answers 409 with code
//	    "over_quota" unless the request says "confirmOverQuota": true. audience is leaders.approved, leaders.all, leaders.workers
//	    (approved leaders and workers who asked to join), workshop (the registrants of
//	    "workshopId", in its province) or friends (every friend of the account: admins only, no
//	    provinces); provinces (names, short forms or codes) empty means every province of the
//	    caller; text 1–2,000 characters; sendAt (RFC 3339 or Thai, "14/12/2569 09:00") absent
//	    means now, else it must not be in the past — the same rules as the LINE form
//	    (actions.Service.CreateAnnouncement).
//	GET  /api/v1/announcements?status=scheduled  → 200 {"announcements": [...]} by send time
//	GET  /api/v1/announcements/{id}              → 200 the announcement with counts
//	POST /api/v1/announcements/{id}/cancel       → 200 cancelled; 409 once it is sending or sent
//
// Only announcements of the caller's provinces are seen. Counts: recipients planned, sent and
// failed (by LINE's answer per batch), pending. Times are RFC 3339 in TZ_DISPLAY.
type AnnouncementAPI struct {
	Actions  *actions.Service
	Store    AnnouncementProgress
	Location *time.Location // TZ_DISPLAY
	// Costs tells an announcement's cost against the month's quota (*bot.Engine), shown in the
	// answer; nil leaves it out. The quota rule itself is the action's.
	Costs AnnouncementCoster
}

// AnnouncementProgress is what AnnouncementAPI reads for live progress.
type AnnouncementProgress interface {
	PushGroupProgress(ctx context.Context, group string) (store.PushProgress, error)
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

// quotaJSON is this month's LINE message quota. "limited": false means LINE sets no monthly
// limit on the account — any number of messages may be sent — and the counts are left out
// ("unknown": true instead when LINE could not be asked); with a limit, "limit", "used",
// "queued" (recipients still in the outbox) and "remaining" are messages.
type quotaJSON struct {
	Limited   bool   `json:"limited"`
	Unknown   bool   `json:"unknown,omitempty"`
	Limit     *int64 `json:"limit,omitempty"`
	Used      *int64 `json:"used,omitempty"`
	Queued    *int64 `json:"queued,omitempty"`
	Remaining *int64 `json:"remaining,omitempty"`
}

// quotaOut is b as the API tells it.
func quotaOut(b outbox.Budget) quotaJSON {
	if !b.Limited {
		return quotaJSON{Unknown: b.Unknown}
	}
	return quotaJSON{Limited: true, Limit: &b.Limit, Used: &b.Used, Queued: &b.Queued, Remaining: &b.Remaining}
}

type announcementJSON struct {
	ID         string     `json:"id"`
	CreatedBy  string     `json:"createdBy"`
	Audience   string     `json:"audience"`
	Provinces  []string   `json:"provinces"`
	WorkshopID string     `json:"workshopId,omitempty"`
	Text       string     `json:"text"`
	SendAt     string     `json:"sendAt"`
	Status     string     `json:"status"`
	CreatedAt  string     `json:"createdAt"`
	Recipients int        `json:"recipients"`
	Batches    int        `json:"batches"`
	Sent       int        `json:"sent"`
	Failed     int        `json:"failed"`
	Pending    int        `json:"pending"`
	Cost       *int       `json:"cost,omitempty"`
	Quota      *quotaJSON `json:"quota,omitempty"`
}

func (a *AnnouncementAPI) announcementOut(an store.Announcement) announcementJSON {
	provinces := an.Provinces
	if provinces == nil {
		provinces = []string{}
	}
	return announcementJSON{ID: an.ID, CreatedBy: an.CreatedBy, Audience: string(an.Audience), Provinces: provinces, WorkshopID: an.WorkshopID,
		Text: an.Text, SendAt: thai.FormatInstant(an.SendAt, a.Location), Status: string(an.Status), CreatedAt: thai.FormatInstant(an.CreatedAt, a.Location),
		Recipients: an.Recipients, Batches: an.Batches, Sent: an.Sent, Failed: an.Failed}
}

func (a *AnnouncementAPI) create(c *gin.Context) {
	var req announcementRequest
	if err := decodeJSON(c, &req); err != nil {
		c.Error(err)
		return
	}
	in := actions.AnnouncementInput{Audience: req.Audience, Provinces: req.Provinces, WorkshopID: req.WorkshopID, Text: req.Text}
	if req.SendAt != "" {
		t, err := a.Actions.ParseTime("sendAt", req.SendAt)
		if err != nil {
			c.Error(err)
			return
		}
		in.SendAt = t
	}
	in.ConfirmOverQuota = req.ConfirmOverQuota
	ctx := c.Request.Context()
	an, err := a.Actions.CreateAnnouncement(ctx, actor(c), in)
	if r, ok := actions.AsError(err); ok && r.Key == "act.ann.over_quota" {
		c.Error(&APIError{Status: http.StatusConflict, Code: "over_quota", Field: r.Field,
			Message: fmt.Sprintf("needs %v messages but %v are left of this month's %v; send again with confirmOverQuota: true to queue it anyway",
				r.Data["Cost"], r.Data["Remaining"], r.Data["Limit"])})
		return
	}
	if err != nil {
		c.Error(err)
		return
	}
	out := a.announcementOut(an)
	if a.Costs != nil { // what it uses of the month's quota, for the caller to see
		n, b, err := a.Costs.AnnouncementCost(ctx, an)
		if err != nil {
			c.Error(err)
			return
		}
		q := quotaOut(b)
		out.Cost, out.Quota = &n, &q
	}
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
	as, err := a.Actions.Announcements(c.Request.Context(), actor(c), status)
	if err != nil {
		c.Error(err)
		return
	}
	out := make([]announcementJSON, 0, len(as))
	for _, an := range as {
		out = append(out, a.announcementOut(an))
	}
	c.JSON(http.StatusOK, gin.H{"announcements": out})
}

func (a *AnnouncementAPI) get(c *gin.Context) {
	ctx := c.Request.Context()
	an, err := a.Actions.Announcement(ctx, actor(c), c.Param("id"))
	if err != nil {
		c.Error(err)
		return
	}
	out := a.announcementOut(an)
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
	an, err := a.Actions.CancelAnnouncement(c.Request.Context(), actor(c), c.Param("id"))
	if err != nil {
		c.Error(err)
		return
	}
	c.JSON(http.StatusOK, a.announcementOut(an))
}
