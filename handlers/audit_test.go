package handlers

import (
	"net/http"
	"testing"
	"time"

	"github.com/ssonet/ssonet/store"
)

func TestAuditAPI(t *testing.T) {
	st := openSQLite(t)
	ctx := t.Context()
	base := time.Date(2025, 3, 14, 2, 0, 0, 0, time.UTC) // 09:00 in Bangkok
	for i, a := range []string{"referral.reveal", "leader.approve", "referral.delete"} {
		e := store.AuditEntry{ID: "id-" + a, At: base.Add(time.Duration(i) * 24 * time.Hour), Actor: "api", Action: a, Subject: "s" + a[:3]}
		if err := st.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	eng, _ := newEngine(t, st, time.Now)
	r := newAPIRouter(t, eng.Actions(), (&AuditAPI{Actions: eng.Actions(), Location: bangkok}).Routes)

	list := func(query string) []string {
		t.Helper()
		rec := apiDo(r, http.MethodGet, "/api/v1/audit"+query, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET audit%s = %d %s", query, rec.Code, rec.Body)
		}
		var body struct{ Entries []auditJSON }
		decode(t, rec, &body)
		var actions []string
		for _, e := range body.Entries {
			actions = append(actions, e.Action)
		}
		return actions
	}
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"", []string{"referral.delete", "leader.approve", "referral.reveal"}},
		{"?action=referral.", []string{"referral.delete", "referral.reveal"}},
		{"?subject=slea", []string{"leader.approve"}},
		{"?since=2025-03-15", []string{"referral.delete", "leader.approve"}}, // midnight in Bangkok
		{"?until=2025-03-15T09:00:00%2B07:00", []string{"referral.reveal"}},  // exclusive
		{"?since=2025-03-15&until=2025-03-16", []string{"leader.approve"}},   // one day
		{"?limit=1", []string{"referral.delete"}},
	} {
		got := list(c.query)
		if len(got) != len(c.want) {
			t.Errorf("audit%s = %v, want %v", c.query, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("audit%s = %v, want %v", c.query, got, c.want)
				break
			}
		}
	}

	for _, c := range []struct{ query, field string }{
		{"?since=yesterday", "since"},
		{"?until=๒๕๖๘-๐๓-๑๔", "until"},
		{"?limit=0", "limit"},
		{"?limit=abc", "limit"},
	} {
		wantAPIError(t, apiDo(r, http.MethodGet, "/api/v1/audit"+c.query, nil), http.StatusBadRequest, c.field)
	}
	if rec := get(r, "/api/v1/audit"); rec.Code != http.StatusUnauthorized {
		t.Errorf("GET audit without a token = %d, want 401", rec.Code)
	}
}
