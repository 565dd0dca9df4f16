package sqlitestore

import (
	"context"
	"strings"
	"testing"

	"github.com/ssonet/ssonet/store"
)

// TestReferralQueryPlans reads SQLite's plan of ListReferrals' per-message filters (EXPLAIN
// QUERY PLAN): each uses the index its comment names, none scans the table. The worker's
// "สนใจสมัคร" lookup scanned every referral while its condition did not imply the partial
// index's.
func TestReferralQueryPlans(t *testing.T) {
	st := openTest(t, t.TempDir())
	for _, c := range []struct {
		name  string
		f     store.ReferralFilter
		index string
	}{
		{"worker", store.ReferralFilter{WorkerUserID: "U1"}, "referrals_worker"},
		{"leader", store.ReferralFilter{LeaderID: "U2", Limit: 10}, "referrals_leader"},
		{"province", store.ReferralFilter{ProvinceCode: "TH-10"}, "referrals_province"},
	} {
		q, args := referralQuery(c.f)
		if joined := queryPlan(t, st, q, args...); !strings.Contains(joined, c.index) || strings.Contains(joined, "SCAN referrals") {
			t.Errorf("%s: plan %q, want %s and no table scan", c.name, joined, c.index)
		}
	}
}

// queryPlan is SQLite's plan of q, its steps joined by "; ".
func queryPlan(t *testing.T, st *Store, q string, args ...any) string {
	t.Helper()
	rows, err := st.read.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "; ")
}
