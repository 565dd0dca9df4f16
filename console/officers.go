package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

func (c *Console) officerRoutes(g *gin.RouterGroup) {
	g.GET("/officers", c.officers)
	g.POST("/officers/invite", c.csrf, c.invite)
	g.POST("/officers/:id/provinces", c.csrf, c.setProvinces)
	g.POST("/officers/:id/revoke", c.csrf, c.revoke)
	g.GET("/tokens", c.tokens)
	g.POST("/tokens", c.csrf, c.createToken)
	g.POST("/tokens/revoke", c.csrf, c.revokeToken)
}

type officerRow struct {
	store.Officer
	Name string
}

type officersData struct {
	Officers  []officerRow
	Provinces []thai.Province // every province, for the pickers
	Code      string          // a new invite code, shown once
	CodeUntil time.Time
}

func (c *Console) officersData(ctx *gin.Context, p page) (officersData, error) {
	os, err := c.cfg.Actions.Officers(ctx.Request.Context(), p.Officer)
	d := officersData{Provinces: thai.Provinces()}
	for _, o := range os {
		d.Officers = append(d.Officers, officerRow{Officer: o, Name: c.memberName(ctx, o.UserID)})
	}
	return d, err
}

// memberName is a LINE user's display name, or their ID's last characters when unknown.
func (c *Console) memberName(ctx *gin.Context, userID string) string {
	if m, err := c.cfg.Store.GetMember(ctx.Request.Context(), userID); err == nil && m.DisplayName != "" {
		return m.DisplayName
	}
	if len(userID) > 6 {
		return "…" + userID[len(userID)-6:]
	}
	return userID
}

// officers (admins only) lists invited officers with their provinces: invite, change, revoke.
func (c *Console) officers(ctx *gin.Context) {
	p := c.base(ctx, "officers")
	d, err := c.officersData(ctx, p)
	if err != nil {
		c.refused(ctx, p, "officers", err)
		return
	}
	c.render(ctx, http.StatusOK, "officers", p, d)
}

func (c *Console) invite(ctx *gin.Context) {
	p := c.base(ctx, "officers")
	hours, _ := strconv.Atoi(ctx.PostForm("hours"))
	code, inv, err := c.cfg.Actions.CreateInvite(ctx.Request.Context(), p.Officer, ctx.PostFormArray("province"), time.Duration(hours)*time.Hour)
	d, derr := c.officersData(ctx, p)
	if derr != nil && err == nil {
		err = derr
	}
	p.Data = d
	if err != nil {
		c.refused(ctx, p, "officers", err)
		return
	}
	d.Code, d.CodeUntil = code, inv.ExpiresAt
	c.render(ctx, http.StatusOK, "officers", p, d)
}

func (c *Console) setProvinces(ctx *gin.Context) {
	p := c.base(ctx, "officers")
	if _, err := c.cfg.Actions.SetOfficerProvinces(ctx.Request.Context(), p.Officer, ctx.Param("id"), ctx.PostFormArray("province")); err != nil {
		d, _ := c.officersData(ctx, p)
		p.Data = d
		c.refused(ctx, p, "officers", err)
		return
	}
	c.done(ctx, "/console/officers", "off.changed")
}

func (c *Console) revoke(ctx *gin.Context) {
	p := c.base(ctx, "officers")
	if err := c.cfg.Actions.RevokeOfficer(ctx.Request.Context(), p.Officer, ctx.Param("id")); err != nil {
		d, _ := c.officersData(ctx, p)
		p.Data = d
		c.refused(ctx, p, "officers", err)
		return
	}
	c.done(ctx, "/console/officers", "off.revoked")
}

type tokensData struct {
	Tokens []store.Credential
	Token  string // a new token, shown once
}

func (c *Console) tokens(ctx *gin.Context) {
	p := c.base(ctx, "tokens")
	ts, err := c.cfg.Actions.APITokens(ctx.Request.Context(), p.Officer)
	if err != nil {
		c.fail(ctx, err)
		return
	}
	c.render(ctx, http.StatusOK, "tokens", p, tokensData{Tokens: ts})
}

func (c *Console) createToken(ctx *gin.Context) {
	p := c.base(ctx, "tokens")
	days, _ := strconv.Atoi(strings.TrimSpace(ctx.PostForm("days")))
	token, _, err := c.cfg.Actions.CreateAPIToken(ctx.Request.Context(), p.Officer, ctx.PostForm("label"), time.Duration(days)*24*time.Hour)
	ts, lerr := c.cfg.Actions.APITokens(ctx.Request.Context(), p.Officer)
	if lerr != nil {
		c.fail(ctx, lerr)
		return
	}
	p.Data = tokensData{Tokens: ts}
	if err != nil {
		c.refused(ctx, p, "tokens", err)
		return
	}
	c.render(ctx, http.StatusOK, "tokens", p, tokensData{Tokens: ts, Token: token})
}

func (c *Console) revokeToken(ctx *gin.Context) {
	p := c.base(ctx, "tokens")
	if err := c.cfg.Actions.RevokeAPIToken(ctx.Request.Context(), p.Officer, ctx.PostForm("id")); err != nil {
		c.fail(ctx, err)
		return
	}
	c.done(ctx, "/console/tokens", "token.revoked")
}

type auditRow struct {
	store.AuditEntry
	Who string
}

type auditData struct {
	Action string
	Rows   []auditRow
	Older  string // the "until" of the next, older page; empty on the last
}

// auditPage is how many entries the audit page shows at a time.
const auditPage = 200

// audit is the audit log with the officer's name as actor.
func (c *Console) audit(ctx *gin.Context) {
	p := c.base(ctx, "audit")
	d := auditData{Action: ctx.Query("action")}
	until, _ := time.Parse(time.RFC3339Nano, ctx.Query("until"))
	es, err := c.cfg.Actions.Audit(ctx.Request.Context(), p.Officer, store.AuditFilter{Action: d.Action, Until: until, Limit: auditPage})
	if err != nil {
		c.fail(ctx, err)
		return
	}
	names := map[string]string{}
	for _, e := range es {
		who := e.Actor
		if id, ok := strings.CutPrefix(e.Actor, "line:"); ok {
			if _, seen := names[id]; !seen {
				names[id] = c.memberName(ctx, id)
			}
			who = names[id]
		} else if e.Actor == "api" {
			who = c.text(p.Lang, "audit.api")
		}
		d.Rows = append(d.Rows, auditRow{AuditEntry: e, Who: who})
	}
	if len(es) == auditPage {
		d.Older = es[len(es)-1].At.Format(time.RFC3339Nano)
	}
	c.render(ctx, http.StatusOK, "audit", p, d)
}
