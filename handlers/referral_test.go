package handlers

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ssonet/ssonet/bot"
	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
	"github.com/ssonet/ssonet/outbox/outboxtest"
	"github.com/ssonet/ssonet/store"
)

const (
	leaderA  = "U00000000000000000000000000000a01"
	plainNID = "1101700203450"
	plainTel = "0891112222"
)

type referralFixture struct {
	st   store.Store
	lapi *linetest.Server
	r    http.Handler
	now  time.Time
}

// newReferralFixture serves the referral and audit APIs over a fresh SQLite store, with the
// real engine pushing to a stand-in LINE API. One approved leader has referred one worker.
func newReferralFixture(t *testing.T) *referralFixture {
	t.Helper()
	f := &referralFixture{st: openSQLite(t), lapi: linetest.NewServer("token"),
		now: time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)}
	t.Cleanup(f.lapi.Close)
	client, err := line.New(line.Config{BaseURL: f.lapi.URL(), AccessToken: "token"})
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return f.now }
	eng, err := bot.New(bot.Config{Store: f.st, Messenger: client, Outbox: outboxtest.New(t, f.st, client, clock, nil), Now: clock, Location: bangkok})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if err := f.st.UpsertMember(ctx, store.Member{UserID: leaderA, DisplayName: "สมหญิง", Language: store.LangThai, FollowedAt: f.now}); err != nil {
		t.Fatal(err)
	}
	if err := f.st.CreateReferral(ctx, store.Referral{ID: "ref-1", SubmissionID: "sub-1", Source: store.SourceLeader,
		LeaderID: leaderA, FullName: "มานี มีนา", NationalID: plainNID, Phone: plainTel, Age: 45,
		Occupation: "ค้าขาย", ProvinceCode: "TH-76", Option: "2", Status: store.ReferralSubmitted,
		StatusAt: f.now, ConsentAt: f.now, CreatedAt: f.now}); err != nil {
		t.Fatal(err)
	}
	f.r = newAPIRouter(t, eng.Actions(),
		(&ReferralAPI{Actions: eng.Actions(), Notifier: eng, Now: clock, Location: bangkok}).Routes,
		(&AuditAPI{Actions: eng.Actions(), Location: bangkok}).Routes)
	return f
}

func (f *referralFixture) audit(t *testing.T, action string) []store.AuditEntry {
	t.Helper()
	es, err := f.st.ListAudit(t.Context(), store.AuditFilter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestReferralListAndGetMask(t *testing.T) {
	f := newReferralFixture(t)
	for _, path := range []string{"/api/v1/referrals", "/api/v1/referrals?province=TH-76&status=submitted&leader=" + leaderA + "&since=2026-11-30", "/api/v1/referrals/ref-1"} {
		rec := apiDo(f.r, http.MethodGet, path, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d %s", path, rec.Code, rec.Body)
		}
		body := rec.Body.String()
		if strings.Contains(body, plainNID) || strings.Contains(body, plainTel) || !strings.Contains(body, "1-1017-xxxxx-xx-0") || !strings.Contains(body, "08x-xxx-2222") {
			t.Errorf("GET %s is not masked: %s", path, body)
		}
	}
	var page struct{ Referrals []referralJSON }
	decode(t, apiDo(f.r, http.MethodGet, "/api/v1/referrals?province=TH-10", nil), &page)
	if len(page.Referrals) != 0 {
		t.Errorf("another province's list = %v", page.Referrals)
	}
	if es := f.audit(t, "referral.reveal"); len(es) != 0 {
		t.Errorf("masked reads were audited as reveals: %v", es)
	}

	rec := apiDo(f.r, http.MethodGet, "/api/v1/referrals/ref-1?reveal=true", nil)
	var got referralJSON
	decode(t, rec, &got)
	if got.NationalID != plainNID || got.Phone != plainTel || !got.Revealed {
		t.Errorf("revealed get = %+v", got)
	}
	if es := f.audit(t, "referral.reveal"); len(es) != 1 || es[0].Subject != "ref-1" || es[0].Detail != "api get" {
		t.Errorf("reveal audit = %+v", es)
	}
	wantAPIError(t, apiDo(f.r, http.MethodGet, "/api/v1/referrals/missing", nil), http.StatusNotFound, "")
}

func TestReferralBadQueries(t *testing.T) {
	f := newReferralFixture(t)
	// A province is read as everywhere: name, short form or code (issue 11).
	for _, p := range []string{"เพชรบุรี", "Phetchaburi", "TH-76", "%E0%B8%88.%E0%B9%80%E0%B8%9E%E0%B8%8A%E0%B8%A3%E0%B8%9A%E0%B8%B8%E0%B8%A3%E0%B8%B5"} {
		rec := apiDo(f.r, http.MethodGet, "/api/v1/referrals?province="+p, nil)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"ref-1"`) {
			t.Errorf("province=%s: %d %s", p, rec.Code, rec.Body)
		}
	}
	for _, c := range []struct{ query, field string }{
		{"province=นาร์เนีย", "province"},
		{"province=TH-99", "province"},
		{"status=done", "status"},
		{"source=friend", "source"},
		{"since=30/11/2569", "since"},
		{"since=2026-12-01&until=2026-11-01", "until"},
		{"limit=501", "limit"},
		{"offset=-1", "offset"},
	} {
		wantAPIError(t, apiDo(f.r, http.MethodGet, "/api/v1/referrals?"+c.query, nil), http.StatusBadRequest, c.field)
	}
	wantAPIError(t, apiDo(f.r, http.MethodGet, "/api/v1/referrals.csv?reveal=yes", nil), http.StatusBadRequest, "reveal")
	if es := f.audit(t, ""); len(es) != 0 {
		t.Errorf("bad requests wrote audit entries: %v", es)
	}
}

func TestReferralStatusChangePushesToLeader(t *testing.T) {
	f := newReferralFixture(t)
	post := func(body string) *httptest.ResponseRecorder {
		return apiDo(f.r, http.MethodPost, "/api/v1/referrals/ref-1/status", strings.NewReader(body))
	}
	rec := post(`{"status":"contacted","note":"โทรแล้ว นัดสมัครพรุ่งนี้"}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("change status = %d %s", rec.Code, rec.Body)
	}
	var resp struct {
		Referral referralJSON
		Notified bool
	}
	decode(t, rec, &resp)
	if resp.Referral.Status != "contacted" || !resp.Notified || resp.Referral.NotifiedAt == "" {
		t.Errorf("response = %+v", resp)
	}
	ds := f.lapi.Deliveries(leaderA)
	if len(ds) != 1 || ds[0].Endpoint != "push" {
		t.Fatalf("deliveries to the leader = %+v", ds)
	}
	msg := string(ds[0].Messages[0])
	for _, want := range []string{"มานี มีนา", "1-1017-xxxxx-xx-0", "เจ้าหน้าที่ติดต่อแล้ว", "โทรแล้ว นัดสมัครพรุ่งนี้"} {
		if !strings.Contains(msg, want) {
			t.Errorf("push lacks %q: %s", want, msg)
		}
	}
	if strings.Contains(msg, plainNID) {
		t.Errorf("push reveals the ID: %s", msg)
	}
	calls := f.lapi.Calls()
	stored, _ := f.st.GetReferral(t.Context(), "ref-1")
	if last := calls[len(calls)-1]; last.RetryKey == "" || last.RetryKey != stored.NoticeKey {
		t.Errorf("push retry key %q, stored notice key %q", last.RetryKey, stored.NoticeKey)
	}
	if es := f.audit(t, "referral.status"); len(es) != 1 || es[0].Detail != "contacted" || es[0].Province != "TH-76" {
		t.Errorf("status audit = %+v", es)
	}

	// Transitions that the workflow does not allow, and bad bodies, change nothing.
	for _, c := range []struct {
		body   string
		status int
		field  string
	}{
		{`{"status":"submitted"}`, http.StatusConflict, "status"},
		{`{"status":"finished"}`, http.StatusBadRequest, "status"},
		{`{"status":5}`, http.StatusBadRequest, "status"},
		{`{"status":"enrolled","note":"` + strings.Repeat("ก", 501) + `"}`, http.StatusBadRequest, "note"},
		{`{"status":"enrolled","colour":"red"}`, http.StatusBadRequest, "colour"},
		{`{"status":"enrolled","note":"โทรกลับที่ 089-111-2222"}`, http.StatusBadRequest, "note"},
		{`{"status":"enrolled","note":"เลขบัตร ๑ ๑๐๑๗ ๐๐๒๐๓ ๔๕ ๐"}`, http.StatusBadRequest, "note"},
		{`{"status":`, http.StatusBadRequest, ""},
		{`[]`, http.StatusBadRequest, ""},
	} {
		wantAPIError(t, post(c.body), c.status, c.field)
	}
	if len(f.lapi.Deliveries(leaderA)) != 1 || len(f.audit(t, "referral.status")) != 1 {
		t.Error("a refused change pushed or audited")
	}

	// A blocked leader is never targeted; the change is still stored and audited.
	if err := f.st.SetMemberBlocked(t.Context(), leaderA, true, f.now); err != nil {
		t.Fatal(err)
	}
	rec = post(`{"status":"enrolled"}`)
	decode(t, rec, &resp)
	if rec.Code != http.StatusOK || resp.Notified || resp.Referral.ClosedAt == "" {
		t.Errorf("change for a blocked leader = %d %s", rec.Code, rec.Body)
	}
	if len(f.lapi.Deliveries(leaderA)) != 1 {
		t.Error("pushed to a blocked leader")
	}
	wantAPIError(t, post(`{"status":"withdrawn"}`), http.StatusConflict, "status") // closed is final
}

func TestReferralExport(t *testing.T) {
	f := newReferralFixture(t)
	rec := apiDo(f.r, http.MethodGet, "/api/v1/referrals.csv", nil)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("csv = %d %s", rec.Code, rec.Header())
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0][3] != "ชื่อ-นามสกุล" || rows[1][4] != "1-1017-xxxxx-xx-0" || rows[1][5] != "08x-xxx-2222" || rows[1][13] != "รอเจ้าหน้าที่ติดต่อ" || rows[1][10] != "เพชรบุรี" {
		t.Errorf("csv rows = %q", rows)
	}
	if len(f.audit(t, "referral.reveal")) != 0 {
		t.Error("a masked export was audited as a reveal")
	}

	rec = apiDo(f.r, http.MethodGet, "/api/v1/referrals.xlsx?reveal=true", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("xlsx = %d %s", rec.Code, rec.Body)
	}
	x, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	xrows, err := x.GetRows("ผู้สมัคร")
	if err != nil {
		t.Fatal(err)
	}
	if len(xrows) != 2 || xrows[0][4] != "เลขบัตรประชาชน" || xrows[1][4] != plainNID || xrows[1][5] != plainTel {
		t.Errorf("xlsx rows = %q", xrows)
	}
	if es := f.audit(t, "referral.reveal"); len(es) != 1 || es[0].Subject != "ref-1" || es[0].Detail != "api export xlsx" {
		t.Errorf("reveal audit = %+v", es)
	}
}
