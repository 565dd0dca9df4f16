package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// Officers is what OfficerAPI needs from the bot engine (*bot.Engine): invite codes and leader
// decisions that push to the leader and write the audit log.
type Officers interface {
	CreateInvite(ctx context.Context, provinces []string, ttl time.Duration, actor string) (string, store.OfficerInvite, error)
	DecideLeader(ctx context.Context, userID string, status store.LeaderStatus, by string) (store.Leader, error)
}

// LeaderLister is what OfficerAPI needs from the store.
type LeaderLister interface {
	ListLeaders(ctx context.Context, province string, status store.LeaderStatus) ([]store.Leader, error)
}

// OfficerAPI serves officer invites and leader approval (issue 5, items 1–2):
//
//	POST /api/v1/officers/invites  {"provinces": ["TH-76"], "expiresInHours": 72}
//	  → 201 {"code": "SSO-ABCD-EFGH", "provinces": [...], "expiresAt": "..."}; the code is shown
//	    only here (only its hash is stored), works once, and makes whoever types it in LINE an
//	    officer of those provinces. expiresInHours is 1–720, default 72. Provinces are ISO
//	    3166-2:TH codes or names in Thai or English.
//	GET  /api/v1/leaders?province=TH-76&status=pending
//	  → 200 {"leaders": [...]} oldest first, phone numbers masked; both parameters optional.
//	POST /api/v1/leaders/{userId}/decision  {"status": "approved" | "rejected"}
//	  → 200 the leader; the leader gets a push. 409 when someone decided first (the message
//	    says who), 404 when there is no such leader.
type OfficerAPI struct {
	Officers Officers
	Store    LeaderLister
}

// Routes installs the routes on the /api/v1 group.
func (a *OfficerAPI) Routes(g *gin.RouterGroup) {
	g.POST("/officers/invites", a.createInvite)
	g.GET("/leaders", a.listLeaders)
	g.POST("/leaders/:userId/decision", a.decide)
}

// Limits of an invite's life, in hours.
const (
	defaultInviteHours = 72
	maxInviteHours     = 720
)

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
	provinces, err := parseProvinces(req.Provinces, true)
	if err != nil {
		c.Error(err)
		return
	}
	hours := defaultInviteHours
	if req.ExpiresInHours != nil {
		hours = *req.ExpiresInHours
	}
	if hours < 1 || hours > maxInviteHours {
		c.Error(Invalid("expiresInHours", "want a whole number of hours from 1 to 720"))
		return
	}
	code, inv, err := a.Officers.CreateInvite(c.Request.Context(), provinces, time.Duration(hours)*time.Hour, "api")
	if err != nil {
		c.Error(err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"code": code, "provinces": inv.Provinces, "expiresAt": inv.ExpiresAt})
}

// parseProvinces reads province codes or names; required means at least one.
func parseProvinces(in []string, required bool) ([]string, error) {
	if required && len(in) == 0 {
		return nil, Invalid("provinces", "want at least one province, e.g. [\"TH-76\"]")
	}
	var out []string
	for _, p := range in {
		if pr, ok := thai.ProvinceByCode(strings.ToUpper(strings.TrimSpace(p))); ok {
			out = append(out, pr.Code)
			continue
		}
		m := thai.MatchProvince(p)
		if !m.OK {
			return nil, Invalid("provinces", "unknown province; use an ISO 3166-2:TH code such as TH-76 or a full name")
		}
		out = append(out, m.Province.Code)
	}
	return out, nil
}

// leaderJSON is a leader as the API shows it: the phone number masked.
type leaderJSON struct {
	UserID       string    `json:"userId"`
	FullName     string    `json:"fullName"`
	Phone        string    `json:"phone"`
	Province     string    `json:"province"`
	District     string    `json:"district,omitempty"`
	Organisation string    `json:"organisation,omitempty"`
	Status       string    `json:"status"`
	CreatedAt    time.Time `json:"createdAt"`
	DecidedAt    time.Time `json:"decidedAt,omitzero"`
	DecidedBy    string    `json:"decidedBy,omitempty"`
}

func leaderOut(l store.Leader) leaderJSON {
	return leaderJSON{UserID: l.UserID, FullName: l.FullName, Phone: thai.MaskPhone(l.Phone), Province: l.ProvinceCode,
		District: l.District, Organisation: l.Organisation, Status: string(l.Status), CreatedAt: l.CreatedAt,
		DecidedAt: l.DecidedAt, DecidedBy: l.DecidedBy}
}

func (a *OfficerAPI) listLeaders(c *gin.Context) {
	var province string
	if p := c.Query("province"); p != "" {
		ps, err := parseProvinces([]string{p}, true)
		if err != nil {
			c.Error(Invalid("province", "unknown province; use an ISO 3166-2:TH code such as TH-76"))
			return
		}
		province = ps[0]
	}
	status := store.LeaderStatus(c.Query("status"))
	switch status {
	case "", store.LeaderPending, store.LeaderApproved, store.LeaderRejected:
	default:
		c.Error(Invalid("status", "want pending, approved or rejected"))
		return
	}
	ls, err := a.Store.ListLeaders(c.Request.Context(), province, status)
	if err != nil {
		c.Error(err)
		return
	}
	out := make([]leaderJSON, 0, len(ls))
	for _, l := range ls {
		out = append(out, leaderOut(l))
	}
	c.JSON(http.StatusOK, gin.H{"leaders": out})
}

func (a *OfficerAPI) decide(c *gin.Context) {
	var req struct {
		Status store.LeaderStatus `json:"status"`
	}
	if err := decodeJSON(c, &req); err != nil {
		c.Error(err)
		return
	}
	if req.Status != store.LeaderApproved && req.Status != store.LeaderRejected {
		c.Error(Invalid("status", "want approved or rejected"))
		return
	}
	l, err := a.Officers.DecideLeader(c.Request.Context(), c.Param("userId"), req.Status, "api")
	if errors.Is(err, store.ErrConflict) {
		c.Error(&APIError{Status: http.StatusConflict, Code: "conflict", Field: "status",
			Message: "already " + string(l.Status) + " by " + l.DecidedBy + " at " + l.DecidedAt.Format(time.RFC3339)})
		return
	}
	if err != nil {
		c.Error(err)
		return
	}
	c.JSON(http.StatusOK, leaderOut(l))
}
