package sqlitestore

import (
	"strings"
	"testing"
)

// TestMemberRecordsQueryPlan reads SQLite's plan of GetMemberRecords' statements (EXPLAIN QUERY
// PLAN): every table is searched through the index its comment names, none is scanned.
func TestMemberRecordsQueryPlan(t *testing.T) {
	st := openTest(t, t.TempDir())
	plan := queryPlan(t, st, qMemberOnly, "U1") + "; " + queryPlan(t, st, qMemberRest, "U1")
	for _, ix := range []string{
		"SEARCH m USING INDEX sqlite_autoindex_members_1 (user_id=?)",
		"SEARCH s USING INDEX sqlite_autoindex_sessions_1 (user_id=?)",
		"SEARCH l USING INDEX sqlite_autoindex_leaders_1 (user_id=?)",
		"SEARCH o USING INDEX sqlite_autoindex_officers_1 (user_id=?)",
		"SEARCH officer_provinces USING COVERING INDEX officer_provinces_user (user_id=?)",
		"SEARCH c USING INDEX sqlite_autoindex_cases_1 (id=?)",
		"SEARCH cases USING INDEX cases_user (user_id=? AND status=?)",
		"SEARCH leaders USING COVERING INDEX sqlite_autoindex_leaders_1 (user_id=?)",
		"SEARCH officers USING COVERING INDEX sqlite_autoindex_officers_1 (user_id=?)",
		"SEARCH cases USING COVERING INDEX cases_user (user_id=? AND status=?)",
	} {
		if !strings.Contains(plan, ix) {
			t.Errorf("plan %q lacks %q", plan, ix)
		}
	}
	for _, step := range strings.Split(plan, "; ") {
		if strings.HasPrefix(step, "SCAN ") && step != "SCAN CONSTANT ROW" && step != "SCAN u" {
			t.Errorf("plan scans a table: %s", step)
		}
	}
}
