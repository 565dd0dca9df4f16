package scheduler

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ssonet/ssonet/bot"
	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
	"github.com/ssonet/ssonet/store"
)

// closedReferral stores a referral closed (withdrawn) at closedAt.
func closedReferral(t *testing.T, st store.Store, i int, closedAt time.Time) string {
	t.Helper()
	ctx := context.Background()
	r := store.Referral{ID: fmt.Sprintf("ref-%d", i), SubmissionID: fmt.Sprintf("sub-%d", i), Source: store.SourceLeader,
		LeaderID: "U-leader", FullName: "มานี มีนา", NationalID: fmt.Sprintf("11017002034%02d", i), Phone: "0891112222",
		ProvinceCode: "TH-76", Status: store.ReferralSubmitted, CreatedAt: closedAt.Add(-time.Hour)}
	if err := st.CreateReferral(ctx, r); err != nil {
		t.Fatal(err)
	}
	if !closedAt.IsZero() {
		if _, err := st.ChangeReferralStatus(ctx, r.ID, store.StatusChange{From: store.ReferralSubmitted, To: store.ReferralWithdrawn, At: closedAt, NoticeKey: "k"}); err != nil {
			t.Fatal(err)
		}
	}
	return r.ID
}

func TestDeleteClosedReferrals(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	s, err := New(Config{Store: st, Now: func() time.Time { return now }, ReferralRetention: 30 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	old := closedReferral(t, st, 1, now.Add(-31*24*time.Hour))    // closed 31 days ago: deleted
	recent := closedReferral(t, st, 2, now.Add(-29*24*time.Hour)) // closed 29 days ago: kept
	open := closedReferral(t, st, 3, time.Time{})                 // still open: kept
	for range 2 {                                                 // a second run (another replica, or after a crash) changes nothing more
		if err := s.DeleteClosedReferrals(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.GetReferral(ctx, old); err == nil {
		t.Errorf("%s closed 31 days ago was kept", old)
	}
	for _, id := range []string{recent, open} {
		if _, err := st.GetReferral(ctx, id); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	es, err := st.ListAudit(ctx, store.AuditFilter{Action: "referral.delete"})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Subject != old || es[0].Actor != "system" || es[0].Province != "TH-76" {
		t.Errorf("audit = %+v, want one system deletion of %s", es, old)
	}
}

// TestRetryReferralNotices: a notice LINE accepted but whose answer was lost, and one LINE
// refused, are retried by the job with the stored retry key; the leader gets each exactly once.
// TestRetryReferralNotices: a status change whose notice was queued goes out once through the
// outbox (an answer lost after LINE accepted it is retried and answered 409); one whose process
// died before queueing it is queued by the job after the grace period; a blocked leader's is
// recorded without a push; running the job again queues nothing twice.
func TestRetryReferralNotices(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	lapi := linetest.NewServer("token")
	t.Cleanup(lapi.Close)
	client, err := line.New(line.Config{BaseURL: lapi.URL(), AccessToken: "token", RateLimits: map[string]line.RateLimit{}})
	if err != nil {
		t.Fatal(err)
	}
	clock := now
	nowFn := func() time.Time { return clock }
	out := newOutbox(t, st, client, nowFn, 0, nil)
	eng, err := bot.New(bot.Config{Store: st, Messenger: client, Outbox: out, Now: nowFn})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Store: st, Now: nowFn, Notifier: eng})
	if err != nil {
		t.Fatal(err)
	}
	const leader, blocked = "U0000000000000000000000000000a001", "U0000000000000000000000000000a002"
	for _, m := range []store.Member{{UserID: leader, Language: store.LangThai}, {UserID: blocked, Language: store.LangThai, Blocked: true}} {
		if err := st.UpsertMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	change := func(i int, leaderID string) store.Referral {
		t.Helper()
		r := store.Referral{ID: fmt.Sprintf("ref-%d", i), SubmissionID: fmt.Sprintf("sub-%d", i), Source: store.SourceLeader,
			LeaderID: leaderID, FullName: fmt.Sprintf("ผู้สมัคร %d", i), NationalID: fmt.Sprintf("11017002034%02d", i),
			Phone: "0891112222", ProvinceCode: "TH-76", Status: store.ReferralSubmitted, CreatedAt: clock}
		if err := st.CreateReferral(ctx, r); err != nil {
			t.Fatal(err)
		}
		r, err := st.ChangeReferralStatus(ctx, r.ID, store.StatusChange{From: store.ReferralSubmitted, To: store.ReferralContacted, At: clock, NoticeKey: uuid.NewString()})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	flush := func() {
		t.Helper()
		drain(t, out, st, func(d time.Duration) { clock = clock.Add(d) })
	}

	queued := change(1, leader)
	if sent, err := eng.NotifyReferralStatus(ctx, queued); err != nil || !sent {
		t.Fatalf("NotifyReferralStatus = %v, %v", sent, err)
	}
	lapi.FailNextAfterAccept("push", 500, 1) // delivered, but the answer says 500
	flush()
	dropped := change(2, leader) // the process died before queueing its notice
	skipped := change(3, blocked)

	if err := s.RetryReferralNotices(ctx); err != nil { // within the grace period: nothing yet
		t.Fatal(err)
	}
	flush()
	if n := len(lapi.Deliveries(leader)); n != 1 {
		t.Fatalf("%d deliveries before the job's turn, want 1", n)
	}
	clock = clock.Add(2 * noticeGrace)
	for range 2 {
		if err := s.RetryReferralNotices(ctx); err != nil {
			t.Fatal(err)
		}
		flush()
	}
	ds := lapi.Deliveries(leader)
	if len(ds) != 2 {
		t.Fatalf("%d deliveries, want one per referral", len(ds))
	}
	for i, name := range []string{queued.FullName, dropped.FullName} {
		if !strings.Contains(string(ds[i].Messages[0]), name) {
			t.Errorf("delivery %d = %s, want %s", i, ds[i].Messages[0], name)
		}
	}
	if len(lapi.Deliveries(blocked)) != 0 {
		t.Error("pushed to a blocked leader")
	}
	for _, r := range []store.Referral{queued, dropped, skipped} {
		got, err := st.GetReferral(ctx, r.ID)
		if err != nil || got.NotifiedAt.IsZero() {
			t.Errorf("%s: notice not recorded (%v)", r.ID, err)
		}
	}
}
