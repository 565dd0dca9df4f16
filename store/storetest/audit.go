package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ssonet/ssonet/store"
)

func testAudit(t *testing.T, open Opener) {
	ctx := context.Background()

	entry := func(i int, action, subject string) store.AuditEntry {
		return store.AuditEntry{
			ID:       fmt.Sprintf("00000000-0000-0000-0000-%012d", i),
			At:       t0.Add(time.Duration(i) * time.Minute),
			Actor:    "api",
			Action:   action,
			Subject:  subject,
			Province: "TH-76",
			Detail:   fmt.Sprintf("entry %d", i),
		}
	}
	ids := func(es []store.AuditEntry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}

	t.Run("Empty", func(t *testing.T) {
		t.Parallel()
		got, err := open(t).ListAudit(ctx, store.AuditFilter{})
		wantErr(t, "ListAudit", err, nil)
		if len(got) != 0 {
			t.Errorf("ListAudit on an empty store = %v", got)
		}
	})

	t.Run("RoundTripNewestFirst", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		a, b := entry(1, "referral.reveal", "r1"), entry(2, "referral.status", "r1")
		b.Province, b.Detail = "", "" // optional fields stay empty
		for _, e := range []store.AuditEntry{a, b} {
			wantErr(t, "AppendAudit", st.AppendAudit(ctx, e), nil)
		}
		got, err := st.ListAudit(ctx, store.AuditFilter{})
		wantErr(t, "ListAudit", err, nil)
		if len(got) != 2 {
			t.Fatalf("ListAudit = %d entries, want 2", len(got))
		}
		diff(t, "newest", b, got[0])
		diff(t, "oldest", a, got[1])
	})

	t.Run("DuplicateID", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		e := entry(1, "referral.delete", "r1")
		wantErr(t, "AppendAudit", st.AppendAudit(ctx, e), nil)
		again := e
		again.Detail = "changed"
		wantErr(t, "AppendAudit same ID", st.AppendAudit(ctx, again), store.ErrConflict)
		got, _ := st.ListAudit(ctx, store.AuditFilter{})
		if len(got) != 1 || got[0].Detail != e.Detail {
			t.Errorf("after a conflicting append: %+v", got)
		}
	})

	t.Run("Filters", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		all := []store.AuditEntry{
			entry(1, "referral.reveal", "r1"),
			entry(2, "referral.status", "r2"),
			entry(3, "leader.approve", "U1"),
			entry(4, "referral.delete", "r1"),
			entry(5, "referralx.other", "r3"), // "referral." must not match it
			entry(6, "announcement.send", "a1"),
		}
		for _, e := range all {
			wantErr(t, "AppendAudit", st.AppendAudit(ctx, e), nil)
		}
		for _, c := range []struct {
			name string
			f    store.AuditFilter
			want []int
		}{
			{"all", store.AuditFilter{}, []int{6, 5, 4, 3, 2, 1}},
			{"action prefix", store.AuditFilter{Action: "referral."}, []int{4, 2, 1}},
			{"exact action", store.AuditFilter{Action: "leader.approve"}, []int{3}},
			{"subject", store.AuditFilter{Subject: "r1"}, []int{4, 1}},
			{"since", store.AuditFilter{Since: all[3].At}, []int{6, 5, 4}},
			{"until", store.AuditFilter{Until: all[1].At}, []int{1}},
			{"window", store.AuditFilter{Since: all[1].At, Until: all[4].At}, []int{4, 3, 2}},
			{"limit", store.AuditFilter{Limit: 2}, []int{6, 5}},
			{"combined", store.AuditFilter{Action: "referral.", Subject: "r1", Since: all[1].At}, []int{4}},
			{"nothing", store.AuditFilter{Subject: "none"}, nil},
		} {
			got, err := st.ListAudit(ctx, c.f)
			wantErr(t, c.name, err, nil)
			var want []string
			for _, i := range c.want {
				want = append(want, all[i-1].ID)
			}
			diff(t, c.name, struct{ IDs []string }{want}, struct{ IDs []string }{ids(got)})
		}
	})

	t.Run("DefaultLimit", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		for i := range store.DefaultAuditLimit + 5 {
			wantErr(t, "AppendAudit", st.AppendAudit(ctx, entry(i, "referral.reveal", "r")), nil)
		}
		got, err := st.ListAudit(ctx, store.AuditFilter{})
		wantErr(t, "ListAudit", err, nil)
		if len(got) != store.DefaultAuditLimit {
			t.Errorf("ListAudit with Limit 0 = %d entries, want %d", len(got), store.DefaultAuditLimit)
		}
	})
}
