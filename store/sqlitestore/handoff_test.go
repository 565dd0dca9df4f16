package sqlitestore

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ssonet/ssonet/store"
)

// TestRecentQueryPlans reads SQLite's plan of the recent lines' statements (EXPLAIN QUERY
// PLAN): the per-message trim and the hand-off's read use recent_lines_user, the clean-up's
// chunk recent_lines_at, as their comments in handoff.go say, and none scans the table.
func TestRecentQueryPlans(t *testing.T) {
	st := openTest(t, t.TempDir())
	for _, c := range []struct {
		name, q string
		args    []any
		index   string
	}{
		{"trim", qRecentTrim, []any{"U1", 0, 10}, "recent_lines_user"},
		{"recent", qRecent, []any{"U1"}, "recent_lines_user"},
		{"delete of member", qRecentOf, []any{"U1"}, "recent_lines_user"},
		{"clean-up chunk", qRecentBefore, []any{0, 1000}, "recent_lines_at"},
	} {
		plan := queryPlan(t, st, c.q, c.args...)
		if !strings.Contains(plan, c.index) || strings.Contains(plan, "SCAN recent_lines") {
			t.Errorf("%s: plan %q, want %s and no table scan", c.name, plan, c.index)
		}
		t.Logf("%s: %s", c.name, plan)
	}
}

// TestRecentLinesMigration opens a database of the schema before recent lines were one row
// each (18 migrations: a member's lines in one sealed blob in recent): Open migrates it, the old
// table is gone with its lines, and the member's lines start anew.
func TestRecentLinesMigration(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db := openAtVersion(t, dir, 18)
	if _, err := db.ExecContext(ctx, `INSERT INTO recent (user_id, entries_sealed, updated_at) VALUES ('U1', 'sealed', 1)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	st := openTest(t, dir)
	var old int
	if err := st.read.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = 'recent'`).Scan(&old); err != nil || old != 0 {
		t.Errorf("the old table is still there (%d, %v)", old, err)
	}
	if got, err := st.Recent(ctx, "U1"); err != nil || len(got) != 0 {
		t.Errorf("Recent after the migration = %v, %v; want none", got, err)
	}
	e := store.CaseEntry{At: time.UnixMilli(2).UTC(), From: "member", Text: "สวัสดี"}
	if err := st.AddRecent(ctx, "U1", []store.CaseEntry{e}, 10, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got, err := st.Recent(ctx, "U1"); err != nil || len(got) != 1 || got[0] != e {
		t.Errorf("Recent = %v, %v; want %v", got, err, e)
	}
}
