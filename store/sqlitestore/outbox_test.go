package sqlitestore

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssonet/ssonet/store"
)

// outboxMigration is the index in migrations of the one that creates the outbox.
func outboxMigration(t *testing.T) int {
	t.Helper()
	ctx := context.Background()
	db, err := openDB(filepath.Join(t.TempDir(), FileName), false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT`); err != nil {
		t.Fatal(err)
	}
	for i := range migrations {
		if done, err := migrateOne(ctx, db); err != nil || done {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'pushes'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			return i
		}
	}
	t.Fatal("no migration creates pushes")
	return 0
}

// TestMigrationMovesAnnouncementBatches opens a database of the schema before the outbox with
// an announcement half sent: its done batches become pushes of its group (so a re-plan leaves
// their recipients out), its pending batch is dropped and the announcement is planned again.
func TestMigrationMovesAnnouncementBatches(t *testing.T) {
	ctx := context.Background()
	before := outboxMigration(t)
	dir := t.TempDir()
	db := openAtVersion(t, dir, before)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO announcements (id, created_by, audience, provinces, workshop_id, text, send_at, status, created_at,
		updated_at, lease_until, planned, recipients, batches, sent, failed)
		VALUES ('a-1', 'api', 'leaders.approved', '[]', '', 'ประชุม', 1, 'sending', 1, 1, 1, 1, 4, 3, 0, 0)`)
	for _, b := range []struct {
		idx            int
		key, ids, stat string
		done           sql.NullInt64
	}{
		{0, "00000000-0000-4000-8000-000000000000", `["U1","U2"]`, "sent", sql.NullInt64{Int64: 5, Valid: true}},
		{1, "00000000-0000-4000-8000-000000000001", `["U3"]`, "failed", sql.NullInt64{Int64: 6, Valid: true}},
		{2, "00000000-0000-4000-8000-000000000002", `["U4"]`, "pending", sql.NullInt64{}},
	} {
		exec(`INSERT INTO announcement_batches (announcement_id, idx, retry_key, user_ids, status, error, done_at)
			VALUES ('a-1', ?, ?, ?, ?, '', ?)`, b.idx, b.key, b.ids, b.stat, b.done)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	st := openTest(t, dir)
	a, err := st.GetAnnouncement(ctx, "a-1")
	if err != nil || a.Planned || a.Status != store.AnnouncementSending {
		t.Fatalf("announcement after the migration: %+v, %v; want sending, to be planned again", a, err)
	}
	ps, err := st.ListPushGroup(ctx, store.AnnouncementGroup("a-1"))
	if err != nil || len(ps) != 2 {
		t.Fatalf("pushes of the group: %+v, %v", ps, err)
	}
	pr, err := st.PushGroupProgress(ctx, store.AnnouncementGroup("a-1"))
	if err != nil || pr != (store.PushProgress{Sent: 1, Failed: 1, SentTo: 2, FailedTo: 1}) {
		t.Errorf("progress %+v, %v", pr, err)
	}
	if p, err := st.GetPush(ctx, "00000000-0000-4000-8000-000000000000"); err != nil || p.Kind != store.PushAnnouncement || p.Broadcast || p.DoneAt.IsZero() {
		t.Errorf("migrated batch: %+v, %v", p, err)
	}
}

// TestOutboxQueriesUseTheirIndexes reads SQLite's plan of every outbox query on a store with
// pushes in it: each uses the index its comment names, none scans the table.
func TestOutboxQueriesUseTheirIndexes(t *testing.T) {
	st := openTest(t, t.TempDir())
	for _, c := range []struct {
		name, q, index string
		args           []any
	}{
		{"due", qDuePushes, "pushes_status_next_at", []any{"pending", 1, 8}},
		{"group progress", qGroupProgress, "COVERING INDEX pushes_grp", []any{"announcement:x"}},
		{"group", qGroup, "pushes_grp", []any{"announcement:x"}},
		{"pending", qPending, "pushes_status_next_at", []any{"pending"}},
		{"done before", qDoneBefore, "pushes_done_at", []any{1, 1000}},
	} {
		joined := queryPlan(t, st, c.q, c.args...)
		if !strings.Contains(joined, c.index) || strings.Contains(joined, "SCAN pushes") {
			t.Errorf("%s: plan %q, want %s and no table scan", c.name, joined, c.index)
		}
	}
}
