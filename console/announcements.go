package console

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/outbox"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

func (c *Console) announcementRoutes(g *gin.RouterGroup) {
	g.GET("/announcements", c.announcements)
	g.POST("/announcements", c.csrf, c.announce)
	g.POST("/announcements/:id/cancel", c.csrf, c.cancelAnnouncement)
}

// announcementForm is the compose form as typed.
type announcementForm struct {
	Key       string // the create's idempotent ID: a double click sends once
	Audience  store.Audience
	Provinces map[string]bool
	Workshop  string
	Text      string
	SendAt    string // datetime-local in TZ_DISPLAY; empty: now
}

type announcementRow struct {
	store.Announcement
	Sent, Failed, Pending int
}

type announcementsData struct {
	Form       announcementForm
	Audiences  []store.Audience
	Choices    []thai.Province // the picker: the officer's provinces, every one for an admin
	Workshops  []store.Workshop
	Preview    []string // the texts a recipient gets, when previewing
	Recipients int      // when previewing; -1 for a broadcast
	Cost       int      // messages it uses of the monthly quota
	Budget     outbox.Budget
	OverQuota  bool // the cost is more than is left this month: sending needs the confirm box
	Rows       []announcementRow
}

func (c *Console) announcementsData(ctx *gin.Context, p page, f announcementForm) (announcementsData, error) {
	d := announcementsData{Form: f, Audiences: actions.Audiences(p.Officer), Choices: provinceChoices(p.Officer), Recipients: -1}
	var err error
	if d.Workshops, err = c.upcoming(ctx, p, ""); err != nil {
		return d, err
	}
	for _, st := range []store.AnnouncementStatus{store.AnnouncementSending, store.AnnouncementScheduled, store.AnnouncementSent} {
		as, err := c.cfg.Actions.Announcements(ctx.Request.Context(), p.Officer, st)
		if err != nil {
			return d, err
		}
		if st == store.AnnouncementSent && len(as) > 10 {
			as = as[len(as)-10:] // the last ten sent
		}
		for _, an := range as {
			row := announcementRow{Announcement: an, Sent: an.Sent, Failed: an.Failed}
			if an.Planned && an.Status == store.AnnouncementSending {
				pr, err := c.cfg.Store.PushGroupProgress(ctx.Request.Context(), store.AnnouncementGroup(an.ID))
				if err != nil {
					return d, err
				}
				row.Sent, row.Failed, row.Pending = pr.SentTo, pr.FailedTo, pr.PendingTo
			}
			d.Rows = append(d.Rows, row)
		}
	}
	return d, nil
}

func (c *Console) announcements(ctx *gin.Context) {
	p := c.base(ctx, "announcements")
	f := announcementForm{Key: uuid.NewString(), Audience: store.AudienceApprovedLeaders, Provinces: map[string]bool{}}
	d, err := c.announcementsData(ctx, p, f)
	if err != nil {
		c.refused(ctx, p, "announcements", err)
		return
	}
	c.render(ctx, http.StatusOK, "announcements", p, d)
}

// announce previews (button "preview") or sends/schedules the composed announcement.
func (c *Console) announce(ctx *gin.Context) {
	p := c.base(ctx, "announcements")
	f := announcementForm{Key: ctx.PostForm("key"), Audience: store.Audience(ctx.PostForm("audience")), Provinces: map[string]bool{},
		Text: ctx.PostForm("text"), SendAt: ctx.PostForm("sendAt")}
	if _, err := uuid.Parse(f.Key); err != nil {
		f.Key = uuid.NewString()
	}
	in := actions.AnnouncementInput{ID: f.Key, Audience: f.Audience, Text: f.Text}
	if id, ok := strings.CutPrefix(string(f.Audience), "workshop:"); ok {
		in.Audience, in.WorkshopID, f.Workshop = store.AudienceWorkshop, id, id
	} else {
		for _, pr := range ctx.PostFormArray("province") {
			f.Provinces[pr] = true // the picker's codes, ticked again on the page that comes back
			in.Provinces = append(in.Provinces, pr)
		}
	}
	d, err := c.announcementsData(ctx, p, f)
	if err != nil {
		c.fail(ctx, err)
		return
	}
	var perr error
	if strings.TrimSpace(f.SendAt) != "" {
		in.SendAt, perr = c.cfg.Actions.ParseTime("sendAt", f.SendAt)
	}
	var an store.Announcement
	if perr == nil {
		an, perr = c.cfg.Actions.DraftAnnouncement(ctx.Request.Context(), p.Officer, in)
	}
	if perr != nil {
		p.Data = d
		c.refused(ctx, p, "announcements", perr)
		return
	}
	if ctx.PostForm("do") != "send" {
		if err := c.preview(ctx, an, &d); err != nil {
			c.fail(ctx, err)
			return
		}
		c.render(ctx, http.StatusOK, "announcements", p, d)
		return
	}
	in.ConfirmOverQuota = ctx.PostForm("overQuota") == "1" // the second confirmation, as in LINE and the API
	if _, err := c.cfg.Actions.CreateAnnouncement(ctx.Request.Context(), p.Officer, in); err != nil {
		if r, ok := actions.AsError(err); ok && r.Key == "act.ann.over_quota" { // shown again, with the box to tick
			if perr := c.preview(ctx, an, &d); perr != nil {
				c.fail(ctx, perr)
				return
			}
		}
		p.Data = d
		c.refused(ctx, p, "announcements", err)
		return
	}
	c.done(ctx, "/console/announcements", "ann.created")
}

// provinceChoices are the provinces a may pick: their own, or every one for an admin. None
// picked means all of them (actions.DraftAnnouncement).
func provinceChoices(a actions.Actor) []thai.Province {
	if a.Admin {
		return thai.Provinces()
	}
	out := make([]thai.Province, 0, len(a.Provinces))
	for _, code := range a.Provinces {
		if p, ok := thai.ProvinceByCode(code); ok {
			out = append(out, p)
		}
	}
	return out
}

func (c *Console) cancelAnnouncement(ctx *gin.Context) {
	p := c.base(ctx, "announcements")
	if _, err := c.cfg.Actions.CancelAnnouncement(ctx.Request.Context(), p.Officer, ctx.Param("id")); err != nil {
		d, derr := c.announcementsData(ctx, p, announcementForm{Key: uuid.NewString(), Provinces: map[string]bool{}})
		if derr != nil {
			c.fail(ctx, derr)
			return
		}
		p.Data = d
		c.refused(ctx, p, "announcements", err)
		return
	}
	c.done(ctx, "/console/announcements", "ann.cancelled")
}

// preview fills the messages as a recipient gets them, the recipient count and the cost against
// what is left of the month's quota (bot.Engine.AnnouncementCost, as the LINE form and the API
// tell it).
func (c *Console) preview(ctx *gin.Context, an store.Announcement, d *announcementsData) error {
	for _, m := range c.cfg.Announcer.AnnouncementMessages(an) {
		if tm, ok := m.(messaging_api.TextMessage); ok {
			d.Preview = append(d.Preview, tm.Text)
		}
	}
	n, b, err := c.cfg.Announcer.AnnouncementCost(ctx.Request.Context(), an)
	if err != nil {
		return err
	}
	d.Recipients, d.Cost, d.Budget, d.OverQuota = n, n, b, !b.Fits(n)
	return nil
}
