package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ssonet/ssonet/outbox"
	"github.com/ssonet/ssonet/store"
)

// Quota is what QuotaAPI needs from the outbox (*outbox.Outbox).
type Quota interface {
	QuotaState() store.QuotaState
	Resume(ctx context.Context, by string) (store.QuotaState, error)
	Budget(ctx context.Context) (outbox.Budget, error)
}

// QuotaAPI serves LINE's monthly message quota (docs/ARCHITECTURE.md, "Monthly quota"):
//
//	GET  /api/v1/quota         → 200 {"stopped": false, "since", "resumeAt", "resumedBy",
//	                              "limited", "limit", "used", "queued", "remaining"}: whether
//	                              pushes are stopped because the quota ran out, and what is left
//	                              of it (from LINE; "lineError" instead when LINE cannot say;
//	                              "limited": false without the counts when LINE sets no monthly
//	                              limit: any number of messages may be sent)
//	POST /api/v1/quota/resume  → 200 the state: pushes go out again (audit-logged as "api");
//	                              nothing changes when they were not stopped
type QuotaAPI struct {
	Quota Quota
}

// Routes installs the routes on the /api/v1 group.
func (a *QuotaAPI) Routes(g *gin.RouterGroup) {
	g.GET("/quota", a.get)
	g.POST("/quota/resume", a.resume)
}

type quotaStateJSON struct {
	Stopped   bool       `json:"stopped"`
	Since     *time.Time `json:"since,omitempty"`
	ResumeAt  *time.Time `json:"resumeAt,omitempty"`
	ResumedBy string     `json:"resumedBy,omitempty"`
	quotaJSON
	LineError string `json:"lineError,omitempty"`
}

func quotaStateOut(q store.QuotaState) quotaStateJSON {
	out := quotaStateJSON{Stopped: q.Exhausted, ResumedBy: q.ResumedBy}
	if q.Exhausted {
		out.Since, out.ResumeAt = &q.Since, &q.ResumeAt
	}
	return out
}

func (a *QuotaAPI) get(c *gin.Context) {
	out := quotaStateOut(a.Quota.QuotaState())
	b, err := a.Quota.Budget(c.Request.Context())
	if err != nil {
		out.LineError = err.Error()
	} else {
		out.quotaJSON = quotaOut(b)
	}
	c.JSON(http.StatusOK, out)
}

func (a *QuotaAPI) resume(c *gin.Context) {
	q, err := a.Quota.Resume(c.Request.Context(), "api")
	if err != nil {
		c.Error(err)
		return
	}
	c.JSON(http.StatusOK, quotaStateOut(q))
}
