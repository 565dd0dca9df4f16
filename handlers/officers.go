package handlers

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// OfficerAPI serves officers, invites and leader approval (issue 5, items 1–2; issue 11):
//
//	POST   /api/v1/officers/invites  {"provinces": ["TH-76"], "expiresInHours": 72}
//	  → 201 {"code": "SSO-ABCD-EFGH", "provinces": [...], "expiresAt": "..."}; the code is shown
//	    only here (only its hash is stored), works once, and makes whoever types it in LINE an
//	    officer of those provinces. expiresInHours is 1–720, default 72. Admins only.
//	GET    /api/v1/officers                              → 200 {"officers": [...]} (admins)
//	PUT    /api/v1/officers/{userId}/provinces {"provinces": [...]} → 200 the officer (admins)
//	DELETE /api/v1/officers/{userId}  → 204; their sessions and tokens end at once (admins)
//	GET    /api/v1/leaders?province=TH-76&status=pending&reveal=true
//	  → 200 {"leaders": [...]} oldest first, of the caller's provinces; phones masked unless
//	    reveal=true (one "leader.reveal" audit entry per leader shown).
//	POST   /api/v1/leaders/{userId}/decision
//	       {"status": "approved" | "rejected", "submissionId": "…", "reason": "…"}
//	  → 200 the leader; the leader gets a push with the reason. submissionId is the application
//	    decided on (from the list); 409 when the leader applied again since or someone decided
//	    first (the answer's "leader" is the current record), 404 when there is no such leader.
//
// Provinces are names, short forms or ISO 3166-2:TH codes; times RFC 3339 in TZ_DISPLAY.
type OfficerAPI struct {
	Actions  *actions.Service
	Location *time.Location // TZ_DISPLAY
}

// Routes installs the routes on the /api/v1 group.
func (a *OfficerAPI) Routes(g *gin.RouterGroup) {
	g.POST("/officers/invites", a.createInvite)
	g.GET("/officers", a.listOfficers)
	g.PUT("/officers/:userId/provinces", a.setProvinces)
	g.DELETE("/officers/:userId", a.revoke)
	g.GET("/leaders", a.listLeaders)
	g.POST("/leaders/:userId/decision", a.decide)
}

type inviteRequest struct {
	Provinces      []string `json:"provinces"`
	ExpiresInHours *int     `json:"expiresInHours"`
}

func (a *OfficerAPI) createInvite(c *gin.Context) {
	var req inviteRequest
	if err := decodeJSON(c, &req); err != nil {
		c.Error(err)
		return
	}
	ttl := actions.DefaultInviteTTL
	if req.ExpiresInHours != nil {
		ttl = time.Duration(*req.ExpiresInHours) * time.Hour
	}
	code, inv, err := a.Actions.CreateInvite(c.Request.Context(), actor(c), req.Provinces, ttl)
	if err != nil {
		c.Error(err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"code": code, "provinces": inv.Provinces, "expiresAt": thai.FormatInstant(inv.ExpiresAt, a.Location)})
}

type officerJSON struct {
	UserID    string   `json:"userId"`
	Provinces []string `json:"provinces"`
	CreatedAt string   `json:"createdAt"`
	UpdatedAt string   `json:"updatedAt"`
}

func (a *OfficerAPI) officerOut(o store.Officer) officerJSON {
	return officerJSON{UserID: o.UserID, Provinces: o.Provinces, CreatedAt: thai.FormatInstant(o.CreatedAt, a.Location),
		UpdatedAt: thai.FormatInstant(o.UpdatedAt, a.Location)}
}

func (a *OfficerAPI) listOfficers(c *gin.Context) {
	os, err := a.Actions.Officers(c.Request.Context(), actor(c))
	if err != nil {
		c.Error(err)
		return
	}
	out := make([]officerJSON, len(os))
	for i, o := range os {
		out[i] = a.officerOut(o)
	}
	c.JSON(http.StatusOK, gin.H{"officers": out})
}

func (a *OfficerAPI) setProvinces(c *gin.Context) {
	var req struct {
		Provinces []string `json:"provinces"`
	}
	if err := decodeJSON(c, &req); err != nil {
		c.Error(err)
		return
	}
	o, err := a.Actions.SetOfficerProvinces(c.Request.Context(), actor(c), c.Param("userId"), req.Provinces)
	if err != nil {
		c.Error(err)
		return
	}
	c.JSON(http.StatusOK, a.officerOut(o))
}

func (a *OfficerAPI) revoke(c *gin.Context) {
	if err := a.Actions.RevokeOfficer(c.Request.Context(), actor(c), c.Param("userId")); err != nil {
		c.Error(err)
		return
	}
	c.Status(http.StatusNoContent)
}

// leaderJSON is a leader as the API shows it: the phone number masked unless revealed, times
// in TZ_DISPLAY.
type leaderJSON struct {
	UserID       string `json:"userId"`
	SubmissionID string `json:"submissionId"`
	FullName     string `json:"fullName"`
	Phone        string `json:"phone"`
	Revealed     bool   `json:"revealed,omitempty"`
	Province     string `json:"province"`
	District     string `json:"district,omitempty"`
	Organisation string `json:"organisation,omitempty"`
	Status       string `json:"status"`
	CreatedAt    string `json:"createdAt"`
	DecidedAt    string `json:"decidedAt,omitempty"`
	DecidedBy    string `json:"decidedBy,omitempty"`
	Reason       string `json:"reason,omitempty"`
}

func (a *OfficerAPI) leaderOut(l store.Leader, reveal bool) leaderJSON {
	phone := thai.MaskPhone(l.Phone)
	if reveal {
		phone = l.Phone
	}
	return leaderJSON{UserID: l.UserID, SubmissionID: l.SubmissionID, FullName: l.FullName, Phone: phone, Revealed: reveal,
		Province: l.ProvinceCode, District: l.District, Organisation: l.Organisation, Status: string(l.Status),
		CreatedAt: thai.FormatInstant(l.CreatedAt, a.Location), DecidedAt: thai.FormatInstant(l.DecidedAt, a.Location),
		DecidedBy: l.DecidedBy, Reason: l.DecisionNote}
}

func (a *OfficerAPI) listLeaders(c *gin.Context) {
	province, err := queryProvince(c)
	var rev bool
	if err == nil {
		rev, err = reveal(c)
	}
	if err != nil {
		c.Error(err)
		return
	}
	status := store.LeaderStatus(c.Query("status"))
	switch status {
	case "", store.LeaderPending, store.LeaderApproved, store.LeaderRejected:
	default:
		c.Error(Invalid("status", "want pending, approved or rejected"))
		return
	}
	ctx := c.Request.Context()
	ls, err := a.Actions.Leaders(ctx, actor(c), province, status)
	if err != nil {
		c.Error(err)
		return
	}
	out := make([]leaderJSON, 0, len(ls))
	for _, l := range ls {
		if rev {
			if l, err = a.Actions.RevealLeader(ctx, actor(c), l.UserID, "api list"); err != nil {
				c.Error(err)
				return
			}
		}
		out = append(out, a.leaderOut(l, rev))
	}
	c.JSON(http.StatusOK, gin.H{"leaders": out})
}

func (a *OfficerAPI) decide(c *gin.Context) {
	var req struct {
		Status       store.LeaderStatus `json:"status"`
		SubmissionID string             `json:"submissionId"`
		Reason       string             `json:"reason"`
	}
	if err := decodeJSON(c, &req); err != nil {
		c.Error(err)
		return
	}
	l, err := a.Actions.DecideLeader(c.Request.Context(), actor(c), actions.Decision{UserID: c.Param("userId"),
		SubmissionID: req.SubmissionID, Status: req.Status, Note: req.Reason})
	if refusal, ok := actions.AsError(err); ok && refusal.Kind == actions.Conflict {
		c.JSON(http.StatusConflict, gin.H{"error": APIError{Code: "conflict", Field: refusal.Field,
			Message: a.Actions.Message(requestLanguage(c), err)}, "leader": a.leaderOut(l, false)})
		return
	}
	if err != nil {
		c.Error(err)
		return
	}
	c.JSON(http.StatusOK, a.leaderOut(l, false))
}
