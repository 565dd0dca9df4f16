package console

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/store"
)

func (c *Console) leaderRoutes(g *gin.RouterGroup) {
	g.GET("/leaders", c.leaders)
	g.POST("/leaders/:id/decide", c.csrf, c.decide)
	g.POST("/leaders/:id/reveal", c.csrf, c.revealLeader)
}

// leaderRow is one leader as the page shows it: the phone masked unless Revealed.
type leaderRow struct {
	store.Leader
	Revealed bool
	Current  bool // shown after a decision on an older application: this is the new one
}

type leadersData struct {
	Status    store.LeaderStatus
	Province  string
	Provinces []string // the officer's, for the filter; nil for an admin
	Leaders   []leaderRow
	Offset    int
	Next      int // offset of the next page; 0 when there is none
	Prev      int // offset of the previous page; -1 on the first
}

// listLeaders reads the filters (status, default pending; province) and the leaders.
func (c *Console) listLeaders(ctx *gin.Context, p page) (leadersData, error) {
	d := leadersData{Status: store.LeaderStatus(ctx.DefaultQuery("status", string(store.LeaderPending))), Provinces: p.Officer.Scope()}
	switch d.Status {
	case store.LeaderPending, store.LeaderApproved, store.LeaderRejected:
	default:
		d.Status = store.LeaderPending
	}
	if q := ctx.Query("province"); q != "" {
		code, err := actions.ParseProvince("province", q)
		if err != nil {
			return d, err
		}
		d.Province = code
	}
	ls, err := c.cfg.Actions.Leaders(ctx.Request.Context(), p.Officer, d.Province, d.Status)
	d.Offset, d.Prev, d.Next = page50(ctx, len(ls))
	for _, l := range ls[d.Offset:min(d.Offset+pageSize, len(ls))] {
		d.Leaders = append(d.Leaders, leaderRow{Leader: l})
	}
	return d, err
}

// page50 reads the offset query parameter for a list of n entries shown pageSize at a time and
// returns it with the previous page's offset (-1 on the first) and the next one's (0: none).
func page50(ctx *gin.Context, n int) (offset, prev, next int) {
	offset, _ = strconv.Atoi(ctx.Query("offset"))
	offset = min(max(offset, 0), max(n-1, 0)/pageSize*pageSize)
	prev = offset - pageSize
	if offset == 0 {
		prev = -1
	}
	if offset+pageSize < n {
		next = offset + pageSize
	}
	return offset, prev, next
}

func (c *Console) leaders(ctx *gin.Context) {
	p := c.base(ctx, "leaders")
	d, err := c.listLeaders(ctx, p)
	if err != nil {
		c.refused(ctx, p, "leaders", err)
		return
	}
	c.render(ctx, http.StatusOK, "leaders", p, d)
}

func (c *Console) decide(ctx *gin.Context) {
	p := c.base(ctx, "leaders")
	l, err := c.cfg.Actions.DecideLeader(ctx.Request.Context(), p.Officer, actions.Decision{UserID: ctx.Param("id"),
		SubmissionID: ctx.PostForm("submission"), Status: store.LeaderStatus(ctx.PostForm("status")), Note: ctx.PostForm("reason")})
	if err == nil {
		c.done(ctx, "/console/leaders", "decided."+string(l.Status))
		return
	}
	d, lerr := c.listLeaders(ctx, p)
	if lerr != nil {
		c.fail(ctx, lerr)
		return
	}
	if r, ok := actions.AsError(err); ok && r.Key == "act.leader.changed" {
		// The application as it is now, first, with its own buttons.
		rows := []leaderRow{{Leader: l, Current: true}}
		for _, row := range d.Leaders {
			if row.UserID != l.UserID {
				rows = append(rows, row)
			}
		}
		d.Leaders = rows
	}
	p.Data = d
	c.refused(ctx, p, "leaders", err)
}

func (c *Console) revealLeader(ctx *gin.Context) {
	p := c.base(ctx, "leaders")
	d, err := c.listLeaders(ctx, p)
	if err != nil {
		c.refused(ctx, p, "leaders", err)
		return
	}
	l, err := c.cfg.Actions.RevealLeader(ctx.Request.Context(), p.Officer, ctx.Param("id"), "console")
	if err != nil {
		p.Data = d
		c.refused(ctx, p, "leaders", err)
		return
	}
	found := false
	for i := range d.Leaders {
		if d.Leaders[i].UserID == l.UserID {
			d.Leaders[i] = leaderRow{Leader: l, Revealed: true}
			found = true
		}
	}
	if !found {
		d.Leaders = append([]leaderRow{{Leader: l, Revealed: true}}, d.Leaders...)
	}
	c.render(ctx, http.StatusOK, "leaders", p, d)
}
