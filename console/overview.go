package console

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ssonet/ssonet/store"
)

// funnelStep is one referral status with this month's count, for the funnel chart.
type funnelStep struct {
	Status store.ReferralStatus
	Count  int
}

type overviewData struct {
	Pending, Approved int
	Funnel            []funnelStep
	FunnelMax         int
	Month             time.Time
	Workshops         []store.Workshop
	Announcements     []store.Announcement
}

// monthReferrals is the most referrals of a month the overview counts.
const monthReferrals = 5000

// overview is the officer's provinces at a glance: leaders, this month's referral funnel,
// upcoming workshops with seats filled, the last announcements with delivered and failed.
func (c *Console) overview(ctx *gin.Context) {
	p := c.base(ctx, "overview")
	rctx := ctx.Request.Context()
	a := p.Officer
	var d overviewData
	pending, err := c.cfg.Actions.Leaders(rctx, a, "", store.LeaderPending)
	if err != nil {
		c.fail(ctx, err)
		return
	}
	approved, err := c.cfg.Actions.Leaders(rctx, a, "", store.LeaderApproved)
	if err != nil {
		c.fail(ctx, err)
		return
	}
	d.Pending, d.Approved = len(pending), len(approved)
	now := c.cfg.Actions.Now()
	loc := c.cfg.Actions.Location()
	y, m, _ := now.In(loc).Date()
	d.Month = time.Date(y, m, 1, 0, 0, 0, 0, loc)
	rs, err := c.cfg.Actions.Referrals(rctx, a, store.ReferralFilter{Since: d.Month.UTC(), Limit: monthReferrals}, false, "")
	if err != nil {
		c.fail(ctx, err)
		return
	}
	counts := map[store.ReferralStatus]int{}
	for _, r := range rs {
		counts[r.Status]++
	}
	for _, s := range store.ReferralStatuses {
		d.Funnel = append(d.Funnel, funnelStep{Status: s, Count: counts[s]})
		d.FunnelMax = max(d.FunnelMax, counts[s])
	}
	if d.Workshops, err = c.cfg.Actions.Workshops(rctx, a, store.WorkshopFilter{StartsAfter: now, Limit: 10}); err != nil {
		c.fail(ctx, err)
		return
	}
	sent, err := c.cfg.Actions.Announcements(rctx, a, store.AnnouncementSent)
	if err != nil {
		c.fail(ctx, err)
		return
	}
	for i := len(sent) - 1; i >= 0 && len(d.Announcements) < 5; i-- {
		d.Announcements = append(d.Announcements, sent[i])
	}
	c.render(ctx, http.StatusOK, "overview", p, d)
}
