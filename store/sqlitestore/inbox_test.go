package sqlitestore

import (
	"context"
	"strings"
	"testing"

	"github.com/ssonet/ssonet/store/storetest"
)

// TestInboxQueryPlans reads SQLite's plan of every inbox statement (EXPLAIN QUERY PLAN) and
// checks that it uses the index its comment in inbox.go names, and scans no table.
func TestInboxQueryPlans(t *testing.T) {
	st, err := Open(t.TempDir(), storetest.NewSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(context.Background()) })
	want := map[string][]string{
		"add":         {},
		"due":         {"inbox_state_next"},
		"claim":       {"inbox_user_order", "sqlite_autoindex_inbox_1"},
		"extend":      {"sqlite_autoindex_inbox_1"},
		"complete":    {"sqlite_autoindex_inbox_1"},
		"retry":       {"sqlite_autoindex_inbox_1"},
		"park":        {"sqlite_autoindex_inbox_1"},
		"stats":       {"inbox_state_received"},
		"deleteBatch": {"inbox_state_received"},
	}
	args := map[string][]any{
		"add": {"id", "u", 0, 0, 0, ""}, "due": {0, 1}, "claim": {"u", "tok", 0, 0}, "extend": {"id", "tok", 0},
		"complete": {"id", "tok"}, "retry": {"id", "tok", 0}, "park": {"id", "tok"}, "stats": nil, "deleteBatch": {0, 0, 1},
	}
	if len(want) != len(inboxSQL) {
		t.Fatalf("%d statements checked, %d in inboxSQL", len(want), len(inboxSQL))
	}
	for name, indexes := range want {
		rows, err := st.write.Query("EXPLAIN QUERY PLAN "+inboxSQL[name], args[name]...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		all := strings.Join(plan, "; ")
		for _, ix := range indexes {
			if !strings.Contains(all, ix) {
				t.Errorf("%s does not use %s: %s", name, ix, all)
			}
		}
		for _, step := range plan {
			if strings.HasPrefix(step, "SCAN inbox") && !strings.Contains(step, "USING") {
				t.Errorf("%s scans the table: %s", name, all)
			}
		}
		t.Logf("%s: %s", name, all)
	}
}
