package console_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/store"
)

// The door's page marks no one present a week early: the action refuses it with when check-in
// opens (the workshop's day in TZ_DISPLAY), and the page says so before anyone taps. On the day
// a tap marks present and a second tap takes the mark back.
func TestCheckInOpensOnTheDay(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ph, _ := e.act.Officer(ctx, officer)
	s := func(v string) *string { return &v }
	seats := 10
	starts := time.Date(2026, 12, 8, 9, 0, 0, 0, ict) // a week after the env's clock
	w, err := e.act.CreateWorkshop(ctx, ph, actions.WorkshopInput{Title: s("อบรมแกนนำ"), Province: s("TH-76"),
		Venue: &actions.VenueInput{Name: s("ศาลากลาง")}, StartsAt: s(starts.Format(time.RFC3339)),
		EndsAt: s(starts.Add(6 * time.Hour).Format(time.RFC3339)), Capacity: &seats})
	if err != nil {
		t.Fatal(err)
	}
	const leader = "U0000000000000000000000000000l001"
	if err := e.st.CreateLeader(ctx, store.Leader{UserID: leader, SubmissionID: "sub-l", FullName: "สมหญิง ใจดี", Phone: "0812345678",
		ProvinceCode: "TH-76", Status: store.LeaderApproved, CreatedAt: e.now}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.JoinWorkshop(ctx, w.ID, leader, e.now); err != nil {
		t.Fatal(err)
	}
	status := func() store.RegistrationStatus {
		r, err := e.st.GetRegistration(ctx, w.ID, leader)
		if err != nil {
			t.Fatal(err)
		}
		return r.Status
	}
	b := e.signIn(officer)
	path := "/console/workshops/" + w.ID + "/checkin"
	_, page := b.get(path)
	contains(t, "a week early", page, `id="checkin-early"`, "เช็กชื่อได้ตั้งแต่วันอบรม", "disabled")
	_, page = b.post(path, url.Values{"user": {leader}, "attended": {"1"}})
	contains(t, "a tap a week early", page, "ยังเช็กชื่อไม่ได้ค่ะ")
	if st := status(); st != store.RegRegistered {
		t.Fatalf("a week early the registrant became %s", st)
	}
	e.now = time.Date(2026, 12, 8, 7, 30, 0, 0, ict).UTC() // the morning of the day
	b = e.signIn(officer)
	_, page = b.get(path)
	lacks(t, "on the day", page, `id="checkin-early"`, "disabled")
	b.post(path, url.Values{"user": {leader}, "attended": {"1"}})
	if st := status(); st != store.RegAttended {
		t.Fatalf("on the day the tap made %s", st)
	}
	_, page = b.get(path)
	contains(t, "marked present", page, "แตะอีกครั้งถ้าแตะผิด", `name="attended" value="0"`)
	b.post(path, url.Values{"user": {leader}, "attended": {"0"}})
	if st := status(); st != store.RegRegistered {
		t.Errorf("the undo left %s", st)
	}
	if !strings.Contains(page, "สมหญิง ใจดี") {
		t.Error("the door's page lacks the registrant")
	}
}

// The workshops list shows a page at a time, as the leaders list does: with one workshop more
// than a page, the first page links "next" to the rest and the second page shows the last one.
func TestWorkshopsListIsPaged(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ph, _ := e.act.Officer(ctx, officer)
	s := func(v string) *string { return &v }
	seats := 10
	for i := range 51 {
		starts := time.Date(2026, 12, 8, 9, 0, 0, 0, ict).Add(time.Duration(i) * time.Hour)
		if _, err := e.act.CreateWorkshop(ctx, ph, actions.WorkshopInput{Title: s(fmt.Sprintf("อบรมรุ่น %02d", i+1)), Province: s("TH-76"),
			Venue: &actions.VenueInput{Name: s("ศาลากลาง")}, StartsAt: s(starts.Format(time.RFC3339)),
			EndsAt: s(starts.Add(30 * time.Minute).Format(time.RFC3339)), Capacity: &seats}); err != nil {
			t.Fatal(err)
		}
	}
	b := e.signIn(officer)
	_, first := b.get("/console/workshops?province=TH-76")
	contains(t, "the first page", first, "อบรมรุ่น 01", "อบรมรุ่น 50", "offset=50", "ถัดไป →")
	lacks(t, "the first page", first, "อบรมรุ่น 51", "← ก่อนหน้า")
	_, second := b.get("/console/workshops?province=TH-76&offset=50")
	contains(t, "the second page", second, "อบรมรุ่น 51", "← ก่อนหน้า", "offset=0")
	lacks(t, "the second page", second, "อบรมรุ่น 01<", "อบรมรุ่น 50", "ถัดไป →")
}
