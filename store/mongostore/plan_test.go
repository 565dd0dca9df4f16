package mongostore

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/store/mongostore/ferrettest"
)

// TestOutboxQueriesUseTheirIndexes reads MongoDB's query plan of every outbox query: each uses
// the index its comment names, none scans the collection, and a group's progress is covered by
// its index. FerretDB's plans do not reflect MongoDB's, so it runs only against a real server
// (MONGODB_TEST_URI).
func TestOutboxQueriesUseTheirIndexes(t *testing.T) {
	if os.Getenv(ferrettest.EnvURI) == "" {
		t.Skip("needs a real MongoDB in " + ferrettest.EnvURI + " (FerretDB's plans are not MongoDB's)")
	}
	ctx := context.Background()
	st := openTest(t, ferrettest.URI(t))
	now := time.Now().UTC()
	for i := range 50 { // enough documents that the planner prefers an index to a scan
		p := store.Push{RetryKey: "00000000-0000-4000-8000-" + strings.Repeat("0", 10) + string(rune('a'+i/26)) + string(rune('a'+i%26)),
			Kind: store.PushAnnouncement, To: []string{"U1"}, Messages: []byte(`[]`), Group: "announcement:x", CreatedAt: now}
		if err := st.EnqueuePush(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name, index string
		covered     bool
		cmd         bson.D
	}{
		{"claim", "status_nextAt", false, bson.D{{Key: "findAndModify", Value: pushesColl},
			{Key: "query", Value: bson.D{{Key: "status", Value: store.PushPending}, {Key: "nextAt", Value: bson.D{{Key: "$lte", Value: now}}}}},
			{Key: "sort", Value: bson.D{{Key: "nextAt", Value: 1}}},
			{Key: "update", Value: bson.D{{Key: "$set", Value: bson.D{{Key: "token", Value: "t"}}}}}}},
		{"group", "group_status_n", false, bson.D{{Key: "find", Value: pushesColl},
			{Key: "filter", Value: bson.D{{Key: "group", Value: "announcement:x"}}},
			{Key: "projection", Value: bson.D{{Key: "messagesSealed", Value: 0}}}}},
		{"group progress", "group_status_n", true, bson.D{{Key: "find", Value: pushesColl},
			{Key: "filter", Value: bson.D{{Key: "group", Value: "announcement:x"}}},
			{Key: "projection", Value: bson.D{{Key: "_id", Value: 0}, {Key: "status", Value: 1}, {Key: "n", Value: 1}}}}},
		{"pending", "status_nextAt", false, bson.D{{Key: "find", Value: pushesColl},
			{Key: "filter", Value: bson.D{{Key: "status", Value: store.PushPending}}}}},
		{"done before", "doneAt", false, bson.D{{Key: "find", Value: pushesColl},
			{Key: "filter", Value: bson.D{{Key: "doneAt", Value: bson.D{{Key: "$lt", Value: now}}}}}}},
	} {
		checkPlan(t, st, c.name, c.index, c.covered, c.cmd)
	}
}

// TestRecentQueriesUseTheirIndexes reads MongoDB's query plan of the recent lines' queries
// (handoff.go): each uses the index its comment names, none scans the collection, and the
// per-message read of the newest lines' times is covered. Like the outbox's, it runs only
// against a real server (MONGODB_TEST_URI).
func TestRecentQueriesUseTheirIndexes(t *testing.T) {
	if os.Getenv(ferrettest.EnvURI) == "" {
		t.Skip("needs a real MongoDB in " + ferrettest.EnvURI + " (FerretDB's plans are not MongoDB's)")
	}
	ctx := context.Background()
	st := openTest(t, ferrettest.URI(t))
	now := time.Now().UTC()
	for i := range 50 { // enough documents that the planner prefers an index to a scan
		msg := []store.CaseEntry{{At: now.Add(time.Duration(i) * time.Second), From: "member", Text: "สวัสดี"}}
		if err := st.AddRecent(ctx, "U"+string(rune('a'+i%26)), msg, 10, now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	member := bson.D{{Key: "userId", Value: "Ua"}}
	for _, c := range []struct {
		name, index string
		covered     bool
		cmd         bson.D
	}{
		{"newest of a member", "userId_at_id", true, bson.D{{Key: "find", Value: recentColl}, {Key: "filter", Value: member},
			{Key: "sort", Value: newestFirst}, {Key: "limit", Value: 11}, {Key: "projection", Value: bson.D{{Key: "at", Value: 1}}}}},
		{"trim", "userId_at_id", false, bson.D{{Key: "delete", Value: recentColl}, {Key: "deletes", Value: bson.A{bson.D{{Key: "q", Value: bson.D{
			{Key: "userId", Value: "Ua"}, {Key: "$or", Value: bson.A{bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: now}}}},
				bson.D{{Key: "at", Value: now}, {Key: "_id", Value: bson.D{{Key: "$lte", Value: bson.NewObjectID()}}}}}}}}, {Key: "limit", Value: 0}}}}}},
		{"recent", "userId_at_id", false, bson.D{{Key: "find", Value: recentColl}, {Key: "filter", Value: member},
			{Key: "sort", Value: bson.D{{Key: "at", Value: 1}, {Key: "_id", Value: 1}}}}},
		{"delete of member", "userId_at_id", false, bson.D{{Key: "delete", Value: recentColl},
			{Key: "deletes", Value: bson.A{bson.D{{Key: "q", Value: member}, {Key: "limit", Value: 0}}}}}},
		{"clean-up chunk", "at", false, bson.D{{Key: "find", Value: recentColl}, {Key: "filter", Value: bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: now}}}}},
			{Key: "limit", Value: 1000}, {Key: "projection", Value: bson.D{{Key: "_id", Value: 1}}}}},
	} {
		checkPlan(t, st, c.name, c.index, c.covered, c.cmd)
	}
}

// checkPlan explains cmd and fails t unless the winning plan uses index and scans no
// collection, and, when covered, fetches no document.
func checkPlan(t *testing.T, st *Store, name, index string, covered bool, cmd bson.D) {
	t.Helper()
	var res bson.Raw
	if err := st.db.RunCommand(context.Background(), bson.D{{Key: "explain", Value: cmd}, {Key: "verbosity", Value: "queryPlanner"}}).Decode(&res); err != nil {
		t.Fatalf("%s: explain: %v", name, err)
	}
	plan := res.Lookup("queryPlanner", "winningPlan").String()
	if !strings.Contains(plan, `"`+index+`"`) || strings.Contains(plan, "COLLSCAN") {
		t.Errorf("%s: winning plan %s, want index %s and no collection scan", name, plan, index)
	}
	if covered && strings.Contains(plan, "FETCH") {
		t.Errorf("%s: plan %s fetches documents, want it covered by %s", name, plan, index)
	}
}
