package console

import (
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/outbox"
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
	Waiting, Talking  int              // open hand-off cases waiting for an officer, and answered last by one
	QuotaState        store.QuotaState // the outbox's: pushes stopped for want of quota
	Budget            outbox.Budget    // this month's messages: limit, used, queued, remaining
	QuotaError        bool             // LINE could not be asked
	Handoff           []handoffTimes   // this month's cases by province
}

// handoffTimes are one province's hand-off cases of the month: how many, and the median times
// to the first reply and to the close, in minutes (-1 when none yet).
type handoffTimes struct {
	Province               string
	Cases                  int
	FirstReply, Resolution int
}

// medianMinutes is the median of ds in whole minutes; -1 for none.
func medianMinutes(ds []time.Duration) int {
	if len(ds) == 0 {
		return -1
	}
	slices.Sort(ds)
	return int(ds[len(ds)/2].Minutes())
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
	d.QuotaState = c.cfg.Quota.QuotaState()
	if d.Budget, err = c.cfg.Quota.Budget(rctx); err != nil {
		c.cfg.Logger.Warn("console: monthly quota not known", "err", err)
		d.QuotaError = true
	}
	cases, err := c.cfg.Actions.Cases(rctx, a, "")
	if err != nil {
		c.fail(ctx, err)
		return
	}
	first, closed, count := map[string][]time.Duration{}, map[string][]time.Duration{}, map[string]int{}
	for _, cs := range cases {
		switch {
		case actions.AwaitsReply(cs):
			d.Waiting++
		case cs.Status == store.CaseOpen:
			d.Talking++
		}
		if cs.CreatedAt.Before(d.Month) {
			continue
		}
		count[cs.ProvinceCode]++
		if !cs.FirstResponseAt.IsZero() {
			first[cs.ProvinceCode] = append(first[cs.ProvinceCode], cs.FirstResponseAt.Sub(cs.CreatedAt))
		}
		if !cs.ClosedAt.IsZero() {
			closed[cs.ProvinceCode] = append(closed[cs.ProvinceCode], cs.ClosedAt.Sub(cs.CreatedAt))
		}
	}
	for _, p := range slices.Sorted(maps.Keys(count)) {
		d.Handoff = append(d.Handoff, handoffTimes{Province: p, Cases: count[p], FirstReply: medianMinutes(first[p]), Resolution: medianMinutes(closed[p])})
	}
	c.render(ctx, http.StatusOK, "overview", p, d)
}
