package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssonet/ssonet/store"
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
		"addClaimed":  {"inbox_user_order"},
		"due":         {"inbox_pending"},
		"claim":       {"inbox_user_order", "sqlite_autoindex_inbox_1"},
		"claimed":     {"inbox_user_order"},
		"extend":      {"sqlite_autoindex_inbox_1"},
		"complete":    {"sqlite_autoindex_inbox_1"},
		"retry":       {"sqlite_autoindex_inbox_1"},
		"park":        {"sqlite_autoindex_inbox_1"},
		"stats":       {"inbox_pending", "inbox_parked"},
		"deleteBatch": {"inbox_done", "inbox_parked"},
	}
	args := map[string][]any{
		"add": {"id", "u", 0, 0, 0, ""}, "addClaimed": {"id", "u", 0, 0, 0, "", "tok", 0}, "due": {0, 1}, "claim": {"u", "tok", 0, 0}, "claimed": {"u"}, "extend": {"id", "tok", 0},
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

// TestInboxWritesFromManyGoroutines sends concurrent inbox writes through the batcher: each is
// stored once and each caller learns its own outcome.
func TestInboxWritesFromManyGoroutines(t *testing.T) {
	st, err := Open(t.TempDir(), storetest.NewSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(context.Background()) })
	ctx := context.Background()
	now := time.Now()
	var wg sync.WaitGroup
	added := make([]int, 50)
	for i := range added {
		wg.Go(func() {
			ev := store.InboxEvent{ID: fmt.Sprintf("e%d", i%25), UserID: fmt.Sprintf("U%d", i%25), Body: []byte("{}"), EventAt: now, ReceivedAt: now}
			a, err := st.AddInbox(ctx, []store.InboxEvent{ev})
			if err != nil {
				t.Error(err)
			}
			added[i] = a.New
		})
	}
	wg.Wait()
	total := 0
	for _, n := range added {
		total += n
	}
	if s, err := st.InboxStats(ctx); err != nil || s.Pending != 25 || total != 25 {
		t.Errorf("stats %+v (%v), %d reported new; want 25 of 50 writes new (each id twice)", s, err, total)
	}
	claims := make([]error, 25)
	for i := range claims {
		wg.Go(func() {
			_, claims[i] = st.ClaimInbox(ctx, fmt.Sprintf("U%d", i), "tok", now, time.Minute)
		})
	}
	wg.Wait()
	for i, err := range claims {
		if err != nil {
			t.Errorf("claim %d: %v", i, err)
		}
	}
	if _, err := st.AddInbox(ctx, nil); err != nil {
		t.Error(err)
	}
	st.Close(ctx)
	if _, err := st.AddInbox(ctx, []store.InboxEvent{{ID: "late", UserID: "U", Body: []byte("{}")}}); err == nil {
		t.Error("AddInbox after Close: no error")
	}
}

// TestInboxIndexesMigration opens a database of the schema before the inbox's partial indexes
// (19 migrations) holding a pending, a done and a parked event: Open replaces the indexes by
// state with inbox_pending, inbox_done and inbox_parked, and the due users, the counts and the
// clean-up find the same events through them.
func TestInboxIndexesMigration(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db := openAtVersion(t, dir, 19)
	if _, err := db.ExecContext(ctx, `INSERT INTO inbox (id, user_id, event_at, seq, received_at, body_sealed, state, attempts, next_at, token, lease_until)
		VALUES ('e1', 'U1', 1, 0, 1000, 'sealed', 'pending', 0, 0, '', 0), ('e2', 'U2', 1, 0, 2000, '', 'done', 1, 0, '', 0),
		('e3', 'U3', 1, 0, 3000, 'sealed', 'parked', 5, 0, '', 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	st := openTest(t, dir)
	var names []string
	rows, err := st.read.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'inbox' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	if got, want := strings.Join(names, " "), "inbox_done inbox_parked inbox_pending inbox_user_order sqlite_autoindex_inbox_1"; got != want {
		t.Errorf("inbox indexes %q, want %q", got, want)
	}
	if users, err := st.DueInboxUsers(ctx, time.UnixMilli(5000), 10); err != nil || len(users) != 1 || users[0] != "U1" {
		t.Errorf("DueInboxUsers = %v, %v; want [U1]", users, err)
	}
	want := store.InboxStats{Pending: 1, Parked: 1, OldestReceived: time.UnixMilli(1000).UTC()}
	if s, err := st.InboxStats(ctx); err != nil || s != want {
		t.Errorf("InboxStats = %+v, %v; want %+v", s, err, want)
	}
	if n, err := st.DeleteInboxBefore(ctx, time.UnixMilli(5000), time.UnixMilli(5000), 10); err != nil || n != 2 {
		t.Errorf("DeleteInboxBefore removed %d, %v; want the done and the parked event", n, err)
	}
}

// TestBatchedWritesUseNoTemporaryTable reads SQLite's program of every statement the batcher
// runs (EXPLAIN) and checks that none opens a temporary table: an INSERT ... SELECT that reads
// the table it inserts into copies the SELECT's rows to one first, and RETURNING collects its
// rows in one, which made those statements the costliest of an event (docs/ARCHITECTURE.md,
// "The store").
func TestBatchedWritesUseNoTemporaryTable(t *testing.T) {
	st := openTest(t, t.TempDir())
	numbered := regexp.MustCompile(`\?(\d+)`)
	for _, q := range batched {
		n := strings.Count(q, "?") // the parameters: ? each, or ?1 … ?n
		if m := numbered.FindAllStringSubmatch(q, -1); m != nil {
			n = 0
			for _, k := range m {
				i, _ := strconv.Atoi(k[1])
				n = max(n, i)
			}
		}
		args := make([]any, n)
		for i := range args {
			args[i] = 0
		}
		rows, err := st.write.Query("EXPLAIN "+q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		var ops []string
		for rows.Next() {
			var addr, p1, p2, p3 int
			var op, p5, comment sql.NullString
			var p4 any
			if err := rows.Scan(&addr, &op, &p1, &p2, &p3, &p4, &p5, &comment); err != nil {
				t.Fatal(err)
			}
			ops = append(ops, op.String)
		}
		rows.Close()
		if slices.Contains(ops, "OpenEphemeral") {
			t.Errorf("%s opens a temporary table: %v", q, ops)
		}
	}
}
