package handlers

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
	"github.com/ssonet/ssonet/outbox"
	"github.com/ssonet/ssonet/store"
)

// TestQuotaAPI: the state and what is left of the quota, read from the real outbox and the
// stand-in; resume through the API lets pushes out again and is audit-logged.
func TestQuotaAPI(t *testing.T) {
	st := openSQLite(t)
	lapi := linetest.NewServer("tok")
	t.Cleanup(lapi.Close)
	client, err := line.New(line.Config{BaseURL: lapi.URL(), AccessToken: "tok", RateLimits: map[string]line.RateLimit{}, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 20, 3, 0, 0, 0, time.UTC)
	out, err := outbox.New(outbox.Config{Store: st, LINE: client, Now: func() time.Time { return now }, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	r := newAPIRouter(t, nil, (&QuotaAPI{Quota: out}).Routes)
	ctx := context.Background()

	lapi.SetMonthlyQuota(1, 1) // used up
	msgs := []byte(`[{"type":"text","text":"แจ้งเตือน"}]`)
	if err := out.Enqueue(ctx, store.Push{Kind: store.PushWorkshop, To: []string{"U0123456789abcdef0123456789abcdef"}, Messages: msgs}); err != nil {
		t.Fatal(err)
	}
	if _, err := out.SendDue(ctx); err != nil {
		t.Fatal(err)
	}
	var got quotaStateJSON
	decode(t, apiDo(r, http.MethodGet, "/api/v1/quota", nil), &got)
	if !got.Stopped || got.ResumeAt == nil || !got.ResumeAt.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) ||
		!sameQuota(got.quotaJSON, 1, 1, 1, 0) {
		t.Errorf("state while stopped: %+v", got)
	}
	lapi.SetMonthlyQuota(100, 1)
	rec := apiDo(r, http.MethodPost, "/api/v1/quota/resume", nil)
	decode(t, rec, &got)
	if rec.Code != http.StatusOK || got.Stopped || got.ResumedBy != "api" {
		t.Errorf("resume: %d %+v", rec.Code, got)
	}
	if _, err := out.SendDue(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(lapi.Deliveries("U0123456789abcdef0123456789abcdef")); n != 1 {
		t.Errorf("%d deliveries after resume, want 1", n)
	}
	if es, _ := st.ListAudit(ctx, store.AuditFilter{Action: "line.quota.resume"}); len(es) != 1 || es[0].Actor != "api" {
		t.Errorf("audit %+v", es)
	}
}

// sameQuota reports whether q is a limited quota with these counts.
func sameQuota(q quotaJSON, limit, used, queued, remaining int64) bool {
	n := func(p *int64) int64 {
		if p == nil {
			return -1
		}
		return *p
	}
	return q.Limited && !q.Unknown && n(q.Limit) == limit && n(q.Used) == used && n(q.Queued) == queued && n(q.Remaining) == remaining
}
