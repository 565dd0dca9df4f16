package mongostore

import (
	"context"
	"os"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/store/mongostore/ferrettest"
)

// TestInboxQueryPlans asks the server to explain each inbox read and checks that the winning
// plan uses the index its comment in inbox.go names. It runs only against a real MongoDB
// (MONGODB_TEST_URI): FerretDB's plans do not reflect MongoDB's.
func TestInboxQueryPlans(t *testing.T) {
	if os.Getenv(ferrettest.EnvURI) == "" {
		t.Skip("needs a real MongoDB in " + ferrettest.EnvURI + ": FerretDB's plans do not reflect MongoDB's")
	}
	st := openTest(t, ferrettest.URI(t))
	ctx := context.Background()
	now := time.Now()
	pending := string(store.InboxPending)
	for _, c := range []struct {
		what, index string
		find        bson.D
	}{
		{"due users", "state_nextAt", bson.D{{Key: "find", Value: inboxColl}, {Key: "filter", Value: pendingDue(now)}, {Key: "limit", Value: 64}}},
		{"claim: first pending of a user", "userId_state_order", bson.D{{Key: "find", Value: inboxColl},
			{Key: "filter", Value: bson.D{{Key: "userId", Value: "U1"}, {Key: "state", Value: pending}}},
			{Key: "sort", Value: bson.D{{Key: "eventAt", Value: 1}, {Key: "seq", Value: 1}, {Key: "_id", Value: 1}}}, {Key: "limit", Value: 1}}},
		{"stats: oldest pending", "state_receivedAt", bson.D{{Key: "find", Value: inboxColl},
			{Key: "filter", Value: bson.D{{Key: "state", Value: pending}}}, {Key: "sort", Value: bson.D{{Key: "receivedAt", Value: 1}}}, {Key: "limit", Value: 1}}},
		{"clean-up", "state_receivedAt", bson.D{{Key: "find", Value: inboxColl},
			{Key: "filter", Value: bson.D{{Key: "state", Value: string(store.InboxDone)}, {Key: "receivedAt", Value: bson.D{{Key: "$lt", Value: now}}}}}, {Key: "limit", Value: 1000}}},
	} {
		var out bson.M
		if err := st.db.RunCommand(ctx, bson.D{{Key: "explain", Value: c.find}, {Key: "verbosity", Value: "queryPlanner"}}).Decode(&out); err != nil {
			t.Fatalf("%s: explain: %v", c.what, err)
		}
		planner, _ := out["queryPlanner"].(bson.M)
		if !usesIndex(planner["winningPlan"], c.index) {
			t.Errorf("%s: winning plan does not use %s: %v", c.what, c.index, planner["winningPlan"])
		}
	}
}

// usesIndex reports whether a plan stage, or any stage below it, scans index name.
func usesIndex(stage any, name string) bool {
	switch s := stage.(type) {
	case bson.M:
		if s["indexName"] == name {
			return true
		}
		for _, v := range s {
			if usesIndex(v, name) {
				return true
			}
		}
	case bson.A:
		for _, v := range s {
			if usesIndex(v, name) {
				return true
			}
		}
	}
	return false
}
