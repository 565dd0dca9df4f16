package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ssonet/ssonet/store"
)

// The queue opens on ส่งแล้ว; when that holds nothing the page says which filter is empty and
// offers every referral in one tap, and each status shows how many it holds. The referral
// names the leader who referred, not their phone.
func TestReferralQueueTellsWhatTheFilterHides(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const leader = "U0000000000000000000000000000l001"
	if err := e.st.CreateLeader(ctx, store.Leader{UserID: leader, SubmissionID: "sub-l", FullName: "สมหญิง ใจดี", Phone: "0812345678",
		ProvinceCode: "TH-70", Status: store.LeaderApproved, CreatedAt: e.now}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.CreateReferral(ctx, store.Referral{ID: "ref-1", SubmissionID: "sub-1", Source: store.SourceLeader, LeaderID: leader,
		FullName: "มานี มีนา", NationalID: "1101700203450", Phone: "0891112222", Age: 45, ProvinceCode: "TH-76",
		Option: "2", Status: store.ReferralContacted, StatusAt: e.now, ConsentAt: e.now, CreatedAt: e.now}); err != nil {
		t.Fatal(err)
	}
	b := e.signIn(officer)
	_, page := b.get("/console/referrals")
	contains(t, "queue", page, "ไม่มีรายการที่สถานะ “ส่งแล้ว”", `id="show-all"`, "ดูทั้งหมด (1 รายการ)", "ส่งแล้ว (0)", "ติดต่อแล้ว (1)", "ทั้งหมด (1)")
	lacks(t, "queue", page, "มานี มีนา")
	_, page = b.get("/console/referrals?status=all")
	contains(t, "show all", page, "มานี มีนา")
	_, page = b.get("/console/referrals/ref-1")
	_, referrer, _ := strings.Cut(page, `id="referrer">`)
	referrer, _, _ = strings.Cut(referrer, "</dd>")
	contains(t, "referral's referrer", referrer, "สมหญิง ใจดี", "ราชบุรี")
	lacks(t, "referral", page, "0812345678", "5678")
}
