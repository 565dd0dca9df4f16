package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ssonet/ssonet/store"
)

var (
	apiNow = time.Date(2026, 11, 30, 10, 0, 0, 0, bangkok)
)

type apiFixture struct {
	t  *testing.T
	st store.Store
	h  http.Handler
}

func newAPIFixture(t *testing.T) *apiFixture {
	t.Helper()
	st := openSQLite(t)
	clock := func() time.Time { return apiNow }
	eng, _ := newEngine(t, st, clock)
	ws := &WorkshopAPI{Actions: eng.Actions(), Location: bangkok, Now: clock}
	return &apiFixture{t: t, st: st, h: newAPIRouter(t, eng.Actions(), ws.Routes)}
}

// do sends an authorised request and decodes a JSON answer into out (when not nil).
func (f *apiFixture) do(method, path, body string, out any) *httptest.ResponseRecorder {
	f.t.Helper()
	req := httptest.NewRequest(method, "/api/v1"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	if out != nil && strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			f.t.Fatalf("%s %s: %v: %s", method, path, err, rec.Body)
		}
	}
	return rec
}

const validWorkshop = `{"title":"อบรมเสริมศักยภาพแกนนำ","description":"สิทธิ ม.40","province":"เพชรบุรี",
	"venue":{"name":"โรงแรมเพชรบุรี ห้อง 2","address":"ถ.ราชวิถี","mapUrl":"https://maps.example/x"},
	"startsAt":"14/12/2569 09:00","endsAt":"2026-12-14T16:00:00+07:00","capacity":2,
	"registrationDeadline":"13/12/2569 17:00"}`

func (f *apiFixture) create() workshopJSON {
	f.t.Helper()
	var w workshopJSON
	if rec := f.do(http.MethodPost, "/workshops", validWorkshop, &w); rec.Code != http.StatusCreated {
		f.t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	return w
}

func TestWorkshopAPICreateGetList(t *testing.T) {
	f := newAPIFixture(t)
	w := f.create()
	if w.ProvinceCode != "TH-76" || w.StartsAt != "2026-12-14T09:00:00+07:00" || w.EndsAt != "2026-12-14T16:00:00+07:00" ||
		w.Status != "open" || w.SeatsLeft != 2 || w.Version != 1 || w.Venue.MapURL != "https://maps.example/x" {
		t.Errorf("created %+v", w)
	}
	var got workshopJSON
	if rec := f.do(http.MethodGet, "/workshops/"+w.ID, "", &got); rec.Code != http.StatusOK || got != w {
		t.Errorf("get: %d %+v", rec.Code, got)
	}
	var list struct{ Workshops []workshopJSON }
	f.do(http.MethodGet, "/workshops?province=TH-76", "", &list)
	if len(list.Workshops) != 1 || list.Workshops[0].ID != w.ID {
		t.Errorf("list %+v", list)
	}
	f.do(http.MethodGet, "/workshops?province=Bangkok", "", &list)
	if len(list.Workshops) != 0 {
		t.Errorf("list of another province %+v", list)
	}
	var e errorBody
	if rec := f.do(http.MethodGet, "/workshops/nope", "", &e); rec.Code != http.StatusNotFound || e.Error.Code != "not_found" {
		t.Errorf("get missing: %d %+v", rec.Code, e)
	}
	req := httptest.NewRequest(http.MethodGet, "/api/v1/workshops", nil)
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("without a token: %d", rec.Code)
	}
}

// TestWorkshopAPIMapLink: a map link with raw Thai is stored percent-encoded, as the card's
// button sends it; one that cannot fit LINE's 1,000 characters once encoded is a 400 naming
// the field, and nothing is stored (issue 9 item 6).
func TestWorkshopAPIMapLink(t *testing.T) {
	f := newAPIFixture(t)
	body := strings.Replace(validWorkshop, "https://maps.example/x", "https://www.google.com/maps/search/?api=1&query=โรงแรมเพชรบุรี ห้อง 2", 1)
	var w workshopJSON
	if rec := f.do(http.MethodPost, "/workshops", body, &w); rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	want := "https://www.google.com/maps/search/?api=1&query=%E0%B9%82%E0%B8%A3%E0%B8%87%E0%B9%81%E0%B8%A3%E0%B8%A1%E0%B9%80%E0%B8%9E%E0%B8%8A%E0%B8%A3%E0%B8%9A%E0%B8%B8%E0%B8%A3%E0%B8%B5%20%E0%B8%AB%E0%B9%89%E0%B8%AD%E0%B8%87%202"
	if w.Venue.MapURL != want {
		t.Errorf("stored %q, want %q", w.Venue.MapURL, want)
	}
	// 330 raw characters, 1,032 once encoded.
	long := "https://www.google.com/maps/search/?api=1&query=" + strings.Repeat("ก", 109) + "&z=1"
	var e errorBody
	if rec := f.do(http.MethodPatch, "/workshops/"+w.ID, `{"venue":{"mapUrl":"`+long+`"}}`, &e); rec.Code != http.StatusBadRequest ||
		e.Error.Field != "venue.mapUrl" || !strings.Contains(e.Error.Message, "1000") {
		t.Errorf("long link: %d %+v", rec.Code, e)
	}
	var got workshopJSON
	f.do(http.MethodGet, "/workshops/"+w.ID, "", &got)
	if got.Venue.MapURL != want {
		t.Errorf("after the refused update: %q", got.Venue.MapURL)
	}
}

// TestWorkshopAPIBadInput: every bad value is a 400 naming the field, and nothing is stored.
func TestWorkshopAPIBadInput(t *testing.T) {
	f := newAPIFixture(t)
	with := func(field, value string) string {
		var m map[string]any
		if err := json.Unmarshal([]byte(validWorkshop), &m); err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal([]byte(value), &v); err != nil {
			t.Fatal(err)
		}
		if v == nil {
			delete(m, field)
		} else {
			m[field] = v
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	for _, c := range []struct{ name, body, field string }{
		{"malformed JSON", `{"title":`, ""},
		{"not an object", `[1,2]`, ""},
		{"start in the past", with("startsAt", `"29/11/2569 09:00"`), "startsAt"},
		{"end before start", with("endsAt", `"14/12/2569 08:00"`), "endsAt"},
		{"unknown province", with("province", `"Atlantis"`), "province"},
		{"non-Thai time format", with("startsAt", `"Dec 14th 9am"`), "startsAt"},
		{"US-style date", with("startsAt", `"12/14/2026 09:00"`), "startsAt"},
		{"capacity as text", with("capacity", `"30"`), "capacity"},
		{"capacity zero", with("capacity", `0`), "capacity"},
		{"capacity fraction", with("capacity", `2.5`), "capacity"},
		{"missing title", with("title", `null`), "title"},
		{"control characters in title", with("title", `"a\u0000b"`), "title"},
		{"deadline after start", with("registrationDeadline", `"15/12/2569 09:00"`), "registrationDeadline"},
		{"unknown field", with("seats", `3`), "seats"},
		{"plain http map link", with("venue", `{"name":"x","mapUrl":"http://maps.example"}`), "venue.mapUrl"},
		{"venue without name", with("venue", `{"address":"x"}`), "venue.name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var e errorBody
			rec := f.do(http.MethodPost, "/workshops", c.body, &e)
			if rec.Code != http.StatusBadRequest || e.Error.Code != "invalid" || e.Error.Field != c.field || e.Error.Message == "" {
				t.Errorf("%d %+v, want 400 naming %q", rec.Code, e, c.field)
			}
		})
	}
	if ws, _ := f.st.ListWorkshops(context.Background(), store.WorkshopFilter{WithCancelled: true}); len(ws) != 0 {
		t.Errorf("bad requests stored %d workshops", len(ws))
	}
}

func TestWorkshopAPIUpdateCancelAttendanceExport(t *testing.T) {
	f := newAPIFixture(t)
	ctx := context.Background()
	w := f.create()
	for _, u := range []string{"U1", "U2", "U3"} {
		if err := f.st.CreateLeader(ctx, store.Leader{UserID: u, SubmissionID: "s" + u, FullName: "สมหญิง " + u, Phone: "0812345678",
			ProvinceCode: "TH-76", Status: store.LeaderApproved}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.st.JoinWorkshop(ctx, w.ID, u, apiNow); err != nil {
			t.Fatal(err)
		}
	}
	// Capacity below the registrations: 400 on capacity, nothing changed.
	var e errorBody
	if rec := f.do(http.MethodPatch, "/workshops/"+w.ID, `{"capacity":1}`, &e); rec.Code != 400 || e.Error.Field != "capacity" {
		t.Errorf("capacity cut: %d %+v", rec.Code, e)
	}
	if rec := f.do(http.MethodPatch, "/workshops/"+w.ID, `{"version":7,"title":"x"}`, &e); rec.Code != 409 {
		t.Errorf("stale version: %d", rec.Code)
	}
	var got workshopJSON
	if rec := f.do(http.MethodPatch, "/workshops/"+w.ID, `{"startsAt":"14/12/2569 10:00","endsAt":"14/12/2569 17:00","capacity":3}`, &got); rec.Code != 200 {
		t.Fatalf("update: %d %s", rec.Code, rec.Body)
	}
	stored, _ := f.st.GetWorkshop(ctx, w.ID)
	if got.Registered != 3 || got.Waitlisted != 0 || stored.Revision != 1 || !stored.ReminderDueAt.Equal(apiNow) {
		t.Errorf("after update: %+v, stored revision %d due %v", got, stored.Revision, stored.ReminderDueAt)
	}
	// Two weeks before the workshop nobody is marked present (actions.CheckInOpens: its day).
	if rec := f.do(http.MethodPut, "/workshops/"+w.ID+"/registrations/U1/attendance", `{"attended":true}`, &e); rec.Code != 409 || e.Error.Field != "attended" {
		t.Errorf("attendance two weeks early: %d %+v", rec.Code, e)
	}
	if r, _ := f.st.GetRegistration(ctx, w.ID, "U1"); r.Status != store.RegRegistered {
		t.Errorf("attendance two weeks early stored %s", r.Status)
	}
	if rec := f.do(http.MethodPatch, "/workshops/"+w.ID, `{"startsAt":"30/11/2569 13:00","endsAt":"30/11/2569 17:00","registrationDeadline":"30/11/2569 12:00"}`, &got); rec.Code != 200 {
		t.Fatalf("move to today: %d %s", rec.Code, rec.Body)
	}
	var att struct{ Status string }
	if rec := f.do(http.MethodPut, "/workshops/"+w.ID+"/registrations/U1/attendance", `{"attended":true}`, &att); rec.Code != 200 || att.Status != "attended" {
		t.Errorf("attendance: %d %+v", rec.Code, att)
	}
	if rec := f.do(http.MethodPut, "/workshops/"+w.ID+"/registrations/U9/attendance", `{"attended":true}`, &e); rec.Code != 404 {
		t.Errorf("attendance of a stranger: %d", rec.Code)
	}
	if rec := f.do(http.MethodPut, "/workshops/"+w.ID+"/registrations/U1/attendance", `{"attended":"yes"}`, &e); rec.Code != 400 || e.Error.Field != "attended" {
		t.Errorf("attendance as text: %d %+v", rec.Code, e)
	}

	var regs struct {
		Registrations []registrationJSON
	}
	f.do(http.MethodGet, "/workshops/"+w.ID+"/registrations", "", &regs)
	if len(regs.Registrations) != 3 || regs.Registrations[0].Phone != "08x-xxx-5678" || regs.Registrations[0].Name == "" {
		t.Errorf("registrations %+v", regs)
	}
	rec := f.do(http.MethodGet, "/workshops/"+w.ID+"/registrations?format=csv", "", nil)
	body := rec.Body.String()
	if rec.Code != 200 || !strings.HasPrefix(body, "\ufeffลำดับ,ชื่อ-นามสกุล") || !strings.Contains(body, "เข้าร่วมแล้ว") ||
		strings.Contains(body, "0812345678") || !strings.Contains(rec.Header().Get("Content-Disposition"), ".csv") {
		t.Errorf("csv: %d %q", rec.Code, body)
	}
	rec = f.do(http.MethodGet, "/workshops/"+w.ID+"/registrations?format=xlsx", "", nil)
	x, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	rows, _ := x.GetRows("ผู้ลงทะเบียน")
	if len(rows) != 4 || rows[0][1] != "ชื่อ-นามสกุล" || rows[1][2] != "08x-xxx-5678" {
		t.Errorf("xlsx rows %v", rows)
	}
	if rec := f.do(http.MethodGet, "/workshops/"+w.ID+"/registrations?format=pdf", "", &e); rec.Code != 400 || e.Error.Field != "format" {
		t.Errorf("pdf: %d", rec.Code)
	}

	if rec := f.do(http.MethodPost, "/workshops/"+w.ID+"/cancel", "", &got); rec.Code != 200 || got.Status != "cancelled" {
		t.Errorf("cancel: %d %+v", rec.Code, got)
	}
	stored, _ = f.st.GetWorkshop(ctx, w.ID)
	if stored.Revision != 3 { // the two time changes and the cancel
		t.Errorf("cancel revision %d", stored.Revision)
	}
	if rec := f.do(http.MethodPatch, "/workshops/"+w.ID, `{"title":"x"}`, &e); rec.Code != 409 {
		t.Errorf("update after cancel: %d", rec.Code)
	}
	audit, err := f.st.ListAudit(ctx, store.AuditFilter{Action: "workshop.", Subject: w.ID})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range audit {
		actions = append(actions, e.Action)
	}
	slices.Sort(actions)
	if got := strings.Join(actions, " "); got != "workshop.attendance workshop.cancel workshop.create workshop.update workshop.update" {
		t.Errorf("audit log: %s", got)
	}
}
