package console

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/store"
)

func (c *Console) referralRoutes(g *gin.RouterGroup) {
	g.GET("/referrals", c.referrals)
	g.GET("/referrals/:id", c.referral)
	g.POST("/referrals/:id/status", c.csrf, c.referralStatus)
	g.POST("/referrals/:id/reveal", c.csrf, c.revealReferral)
}

// pageSize is the length of a console list page.
const pageSize = 50

type referralsData struct {
	Status    store.ReferralStatus
	Province  string
	Provinces []string
	Statuses  []store.ReferralStatus
	Counts    map[store.ReferralStatus]int // referrals by status in the province filter, for the chips
	Total     int                          // all of them: the empty state's "show all"
	Referrals []store.Referral
	Offset    int
	Next      int // offset of the next page; 0 when there is none
	Prev      int // offset of the previous page; -1 on the first
	Export    string
}

// referrals is the work queue: open referrals, newest first (submitted by default), by
// province, paged, exportable.
func (c *Console) referrals(ctx *gin.Context) {
	p := c.base(ctx, "referrals")
	d := referralsData{Status: store.ReferralStatus(ctx.DefaultQuery("status", string(store.ReferralSubmitted))),
		Provinces: p.Officer.Scope(), Statuses: store.ReferralStatuses}
	if d.Status == "all" {
		d.Status = ""
	} else if !d.Status.Valid() {
		d.Status = store.ReferralSubmitted
	}
	d.Offset, _ = strconv.Atoi(ctx.Query("offset"))
	d.Offset = max(d.Offset, 0)
	if q := ctx.Query("province"); q != "" {
		code, err := actions.ParseProvince("province", q)
		if err != nil {
			c.refused(ctx, p, "referrals", err)
			return
		}
		d.Province = code
	}
	counts, err := c.cfg.Actions.ReferralCounts(ctx.Request.Context(), p.Officer, d.Province)
	if err != nil {
		c.refused(ctx, p, "referrals", err)
		return
	}
	d.Counts = counts
	for _, n := range counts {
		d.Total += n
	}
	rs, err := c.cfg.Actions.Referrals(ctx.Request.Context(), p.Officer, store.ReferralFilter{ProvinceCode: d.Province, Status: d.Status,
		Offset: d.Offset, Limit: pageSize + 1}, false, "")
	if err != nil {
		c.refused(ctx, p, "referrals", err)
		return
	}
	if len(rs) > pageSize {
		rs, d.Next = rs[:pageSize], d.Offset+pageSize
	}
	d.Prev = d.Offset - pageSize
	if d.Offset == 0 {
		d.Prev = -1
	}
	d.Referrals = rs
	q := url.Values{}
	if d.Status != "" {
		q.Set("status", string(d.Status))
	}
	if d.Province != "" {
		q.Set("province", d.Province)
	}
	d.Export = q.Encode()
	c.render(ctx, http.StatusOK, "referrals", p, d)
}

type referralData struct {
	Referral store.Referral
	Leader   store.Leader // who referred: name and province (zero for a self-referral)
	Revealed bool
	Next     []store.ReferralStatus // the statuses it may move to
}

func (c *Console) referralPage(ctx *gin.Context, p page, reveal bool) {
	r, err := c.cfg.Actions.Referral(ctx.Request.Context(), p.Officer, ctx.Param("id"), reveal, "console")
	if err != nil {
		c.refused(ctx, p, "referrals", err)
		return
	}
	d := referralData{Referral: r, Revealed: reveal}
	if d.Leader, err = c.cfg.Actions.ReferralLeader(ctx.Request.Context(), p.Officer, r); err != nil {
		c.refused(ctx, p, "referrals", err)
		return
	}
	for _, s := range store.ReferralStatuses {
		if r.Status.CanMoveTo(s) {
			d.Next = append(d.Next, s)
		}
	}
	c.render(ctx, http.StatusOK, "referral", p, d)
}

func (c *Console) referral(ctx *gin.Context) { c.referralPage(ctx, c.base(ctx, "referrals"), false) }

func (c *Console) revealReferral(ctx *gin.Context) {
	c.referralPage(ctx, c.base(ctx, "referrals"), true)
}

func (c *Console) referralStatus(ctx *gin.Context) {
	p := c.base(ctx, "referrals")
	_, _, err := c.cfg.Actions.ChangeReferralStatus(ctx.Request.Context(), p.Officer, ctx.Param("id"),
		store.ReferralStatus(ctx.PostForm("status")), ctx.PostForm("note"))
	if err != nil {
		if !c.refusal(ctx, &p, err) {
			return
		}
		c.referralPage(ctx, p, false)
		return
	}
	c.done(ctx, "/console/referrals/"+ctx.Param("id"), "ref.changed")
}
