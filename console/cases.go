package console

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

func (c *Console) caseRoutes(g *gin.RouterGroup) {
	g.GET("/cases", c.cases)
	g.GET("/cases/:id", c.caseView)
	g.POST("/cases/:id/reveal", c.csrf, c.revealCase)
	g.POST("/cases/:id/reply", c.csrf, c.replyCase)
	g.POST("/cases/:id/close", c.csrf, c.closeCase)
}

type caseRow struct {
	store.Case
	Name string // the member's LINE display name
	Ask  string // what the member asked (actions.CaseQuestion), personal numbers masked
}

// casesData is the inbox: open cases waiting for an officer (actions.AwaitsReply), open cases
// an officer answered last, and a page of the closed, newest first.
type casesData struct {
	Waiting, Talking, Closed []caseRow
	Offset                   int // of the closed page shown
	Next                     int // offset of the next closed page; 0 when there is none
	Prev                     int // offset of the previous closed page; -1 on the first
}

// cases is the hand-off inbox: open cases first, oldest waiting on top, every one of them (they
// are the work to do); then the closed, newest first, pageSize at a time (page50).
func (c *Console) cases(ctx *gin.Context) {
	p := c.base(ctx, "cases")
	cs, err := c.cfg.Actions.Cases(ctx.Request.Context(), p.Officer, "")
	if err != nil {
		c.refused(ctx, p, "cases", err)
		return
	}
	row := func(cs store.Case) caseRow {
		return caseRow{Case: cs, Name: c.memberName(ctx, cs.UserID), Ask: actions.CaseQuestion(cs)}
	}
	var d casesData
	var closed []store.Case
	for _, cs := range cs {
		switch { // newest first from the store: oldest on top of the open ones
		case actions.AwaitsReply(cs):
			d.Waiting = append([]caseRow{row(cs)}, d.Waiting...)
		case cs.Status == store.CaseOpen:
			d.Talking = append([]caseRow{row(cs)}, d.Talking...)
		default:
			closed = append(closed, cs)
		}
	}
	d.Offset, d.Prev, d.Next = page50(ctx, len(closed))
	for _, cs := range closed[d.Offset:min(d.Offset+pageSize, len(closed))] {
		d.Closed = append(d.Closed, row(cs))
	}
	c.render(ctx, http.StatusOK, "cases", p, d)
}

type caseEntryRow struct {
	store.CaseEntry
	Officer bool
	Who     string
}

type caseData struct {
	Case     store.Case
	Name     string
	Entries  []caseEntryRow
	Masked   bool // some entry had a phone number or national ID, shown masked
	Revealed bool // shown in plain after an audited reveal (actions.RevealCase)
}

// casePage shows a case; its transcript's phone numbers and national IDs masked unless
// revealed is set (the caller wrote the audit entry).
func (c *Console) casePage(ctx *gin.Context, p page) { c.showCase(ctx, p, false) }

func (c *Console) showCase(ctx *gin.Context, p page, revealed bool) {
	get := c.cfg.Actions.Case
	if revealed {
		get = c.cfg.Actions.RevealCase
	}
	cs, err := get(ctx.Request.Context(), p.Officer, ctx.Param("id"))
	if err != nil {
		c.refused(ctx, p, "cases", err)
		return
	}
	d := caseData{Case: cs, Name: c.memberName(ctx, cs.UserID), Revealed: revealed}
	for _, e := range cs.Entries {
		if !revealed && thai.HasPersonalNumber(e.Text) {
			e.Text, d.Masked = thai.MaskPersonalNumbers(e.Text), true
		}
		row := caseEntryRow{CaseEntry: e, Who: d.Name}
		if id, ok := strings.CutPrefix(e.From, "officer:"); ok {
			row.Officer, row.Who = true, c.memberName(ctx, id)
		} else if e.From == "bot" {
			row.Who = c.text(p.Lang, "case.bot")
		}
		d.Entries = append(d.Entries, row)
	}
	c.render(ctx, http.StatusOK, "case", p, d)
}

func (c *Console) caseView(ctx *gin.Context) { c.casePage(ctx, c.base(ctx, "cases")) }

func (c *Console) revealCase(ctx *gin.Context) { c.showCase(ctx, c.base(ctx, "cases"), true) }

func (c *Console) replyCase(ctx *gin.Context) {
	p := c.base(ctx, "cases")
	if _, err := c.cfg.Actions.ReplyToCase(ctx.Request.Context(), p.Officer, ctx.Param("id"), ctx.PostForm("text")); err != nil {
		if !c.refusal(ctx, &p, err) {
			return
		}
		c.casePage(ctx, p)
		return
	}
	c.done(ctx, "/console/cases/"+ctx.Param("id"), "case.replied")
}

func (c *Console) closeCase(ctx *gin.Context) {
	p := c.base(ctx, "cases")
	if _, err := c.cfg.Actions.CloseCase(ctx.Request.Context(), p.Officer, ctx.Param("id")); err != nil {
		if !c.refusal(ctx, &p, err) {
			return
		}
		c.casePage(ctx, p)
		return
	}
	c.done(ctx, "/console/cases", "case.closed")
}
