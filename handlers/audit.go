package handlers

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// AuditAPI serves the audit log to officers:
//
//	GET /api/v1/audit?action=referral.&subject=<id>&since=2025-03-01&until=2025-04-01&limit=50
//
// All parameters are optional: action is a prefix of the dotted action, subject a record ID,
// since (inclusive) and until (exclusive) a date (midnight in Location) or an RFC 3339 time,
// limit 1–1000 (default 100). The answer is {"entries": [...]}, newest first; an officer's
// token sees the entries of their provinces and their own. Times are RFC 3339 in TZ_DISPLAY.
type AuditAPI struct {
	Actions  *actions.Service
	Location *time.Location // TZ_DISPLAY: how a plain date in since/until is read
}

// Routes installs the audit log's routes on the /api/v1 group.
func (a *AuditAPI) Routes(g *gin.RouterGroup) {
	g.GET("/audit", a.list)
}

// auditJSON is one entry as the API shows it.
type auditJSON struct {
	ID       string `json:"id"`
	At       string `json:"at"`
	Actor    string `json:"actor"`
	Action   string `json:"action"`
	Subject  string `json:"subject"`
	Province string `json:"province,omitempty"`
	Detail   string `json:"detail,omitempty"`
}

func (a *AuditAPI) list(c *gin.Context) {
	since, err1 := queryTime(c, "since", a.Location)
	until, err2 := queryTime(c, "until", a.Location)
	limit, err3 := queryInt(c, "limit", store.DefaultAuditLimit, 1, 1000)
	if err := firstAPIError(err1, err2, err3); err != nil {
		c.Error(err)
		return
	}
	entries, err := a.Actions.Audit(c.Request.Context(), actor(c), store.AuditFilter{
		Action: c.Query("action"), Subject: c.Query("subject"), Since: since, Until: until, Limit: limit,
	})
	if err != nil {
		c.Error(err)
		return
	}
	out := make([]auditJSON, 0, len(entries))
	for _, e := range entries {
		out = append(out, auditJSON{ID: e.ID, At: thai.FormatInstant(e.At, a.Location), Actor: e.Actor, Action: e.Action,
			Subject: e.Subject, Province: e.Province, Detail: e.Detail})
	}
	c.JSON(http.StatusOK, gin.H{"entries": out})
}

// firstAPIError returns the first non-nil error: a request names one bad field at a time.
func firstAPIError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
