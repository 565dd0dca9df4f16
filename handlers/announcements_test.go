package handlers

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ssonet/ssonet/bot"
	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
	"github.com/ssonet/ssonet/outbox/outboxtest"
	"github.com/ssonet/ssonet/scheduler"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/store/sqlitestore"
	"github.com/ssonet/ssonet/store/storetest"
)

// officerEnv is the officers' API over a real store, bot engine, LINE client and stand-in.
type officerEnv struct {
	st     *sqlitestore.Store
	lapi   *linetest.Server
	eng    *bot.Engine
	ann    *scheduler.Announcements
	router *gin.Engine
	now    time.Time
	kicks  int
}

func newOfficerEnv(t *testing.T) *officerEnv {
	t.Helper()
	e := &officerEnv{st: openSQLite(t), lapi: linetest.NewServer("tok"), now: time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)}
	t.Cleanup(e.lapi.Close)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	client, err := line.New(line.Config{BaseURL: e.lapi.URL(), AccessToken: "tok", RateLimits: map[string]line.RateLimit{}, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	sealer := storetest.NewSealer(t)
	clock := func() time.Time { return e.now }
	out := outboxtest.New(t, e.st, client, clock, func(ctx context.Context, p store.Push) { e.ann.PushDone(ctx, p) })
	e.eng, err = bot.New(bot.Config{Store: e.st, Messenger: client, Outbox: out, Now: clock, Logger: quiet, Sealer: sealer,
		OnAnnouncement: func() { e.kicks++ }})
	if err != nil {
		t.Fatal(err)
	}
	e.ann, err = scheduler.NewAnnouncements(scheduler.AnnouncementsConfig{Store: e.st, Outbox: out, Announcer: e.eng, Now: clock, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	e.router = newAPIRouter(t, e.eng.Actions(),
		(&OfficerAPI{Actions: e.eng.Actions(), Location: bangkok}).Routes,
		(&AnnouncementAPI{Actions: e.eng.Actions(), Store: e.st, Location: bangkok, Costs: e.eng}).Routes)
	return e
}

func (e *officerEnv) leader(t *testing.T, i int, province string, status store.LeaderStatus) string {
	t.Helper()
	id := fmt.Sprintf("U%032x", i)
	e.lapi.SetProfile(line.Profile{UserID: id, DisplayName: "แกนนำ"})
	if err := e.st.UpsertMember(context.Background(), store.Member{UserID: id, Language: store.LangThai}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.CreateLeader(context.Background(), store.Leader{UserID: id, SubmissionID: "s" + id, FullName: "สมหญิง ใจดี",
		Phone: "0812345678", ProvinceCode: province, Status: status, CreatedAt: e.now}); err != nil {
		t.Fatal(err)
	}
	return id
}

// say sends a text message from userID to the engine.
func (e *officerEnv) say(t *testing.T, userID, text string) {
	t.Helper()
	e.lapi.SetProfile(line.Profile{UserID: userID, DisplayName: "คน"})
	ev := bot.Event{ID: fmt.Sprintf("ev-%s-%d", userID, time.Now().UnixNano()), Kind: bot.KindMessage, UserID: userID,
		ReplyToken: e.lapi.IssueReplyToken(userID), Text: text, Time: e.now}
	if err := e.eng.Handle(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
}

func TestInviteAPI(t *testing.T) {
	e := newOfficerEnv(t)
	for _, c := range []struct{ body, field string }{
		{`{"provinces": ["TH-76"]`, ""},
		{`{"provinces": "TH-76"}`, "provinces"},
		{`{"provinces": []}`, "provinces"},
		{`{"provinces": ["แอตแลนติส"]}`, "provinces"},
		{`{"provinces": ["TH-76"], "expiresInHours": 0}`, "expiresInHours"},
		{`{"provinces": ["TH-76"], "expiresInHours": "72"}`, "expiresInHours"},
		{`{"provinces": ["TH-76"], "role": "admin"}`, "role"},
	} {
		rec := apiDo(e.router, http.MethodPost, "/api/v1/officers/invites", strings.NewReader(c.body))
		wantAPIError(t, rec, http.StatusBadRequest, c.field)
	}
	rec := apiDo(e.router, http.MethodPost, "/api/v1/officers/invites", strings.NewReader(`{"provinces": ["TH-76", "เชียงใหม่"], "expiresInHours": 24}`))
	var inv struct {
		Code      string
		Provinces []string
		ExpiresAt time.Time
	}
	decode(t, rec, &inv)
	if rec.Code != http.StatusCreated || !regexp.MustCompile(`^SSO-[A-Z2-9]{4}-[A-Z2-9]{4}$`).MatchString(inv.Code) ||
		fmt.Sprint(inv.Provinces) != "[TH-50 TH-76]" || !inv.ExpiresAt.Equal(e.now.Add(24*time.Hour)) {
		t.Fatalf("invite: %d %s", rec.Code, rec.Body)
	}
	first, second := fmt.Sprintf("U%032x", 1), fmt.Sprintf("U%032x", 2)
	e.say(t, first, strings.ToLower(inv.Code))
	e.say(t, second, inv.Code)
	if o, err := e.st.GetOfficer(context.Background(), first); err != nil || fmt.Sprint(o.Provinces) != "[TH-50 TH-76]" {
		t.Errorf("first user: %+v, %v", o, err)
	}
	if _, err := e.st.GetOfficer(context.Background(), second); err == nil {
		t.Error("the code worked twice")
	}
	audit, _ := e.st.ListAudit(context.Background(), store.AuditFilter{Action: "officer.invite."})
	got := map[string]string{} // action → actor (both entries have the same time: order is by ID)
	for _, a := range audit {
		got[a.Action] = a.Actor
	}
	if len(audit) != 2 || got["officer.invite.use"] != "line:"+first || got["officer.invite.create"] != "api" {
		t.Errorf("audit %+v", audit)
	}
}

func TestLeaderDecisionAPI(t *testing.T) {
	e := newOfficerEnv(t)
	pending := e.leader(t, 1, "TH-76", store.LeaderPending)
	e.leader(t, 2, "TH-10", store.LeaderPending)
	e.leader(t, 3, "TH-76", store.LeaderApproved)

	rec := apiDo(e.router, http.MethodGet, "/api/v1/leaders?province=TH-76&status=pending", nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), pending) || strings.Count(rec.Body.String(), `"userId"`) != 1 ||
		!strings.Contains(rec.Body.String(), "08x-xxx-5678") || strings.Contains(rec.Body.String(), "0812345678") {
		t.Fatalf("list: %d %s", rec.Code, rec.Body)
	}
	wantAPIError(t, apiDo(e.router, http.MethodGet, "/api/v1/leaders?status=maybe", nil), 400, "status")
	wantAPIError(t, apiDo(e.router, http.MethodGet, "/api/v1/leaders?province=TH-999", nil), 400, "province")

	path := "/api/v1/leaders/" + pending + "/decision"
	wantAPIError(t, apiDo(e.router, http.MethodPost, path, strings.NewReader(`{"status": "pending"}`)), 400, "status")
	wantAPIError(t, apiDo(e.router, http.MethodPost, path, strings.NewReader(`{"status": 1}`)), 400, "status")
	wantAPIError(t, apiDo(e.router, http.MethodPost, "/api/v1/leaders/U-nobody/decision", strings.NewReader(`{"status": "approved", "submissionId": "x"}`)), 404, "")
	wantAPIError(t, apiDo(e.router, http.MethodPost, path, strings.NewReader(`{"status": "approved"}`)), 400, "submissionId")
	// A decision on an application the leader has replaced decides nothing (issue 9, item 11).
	rec = apiDo(e.router, http.MethodPost, path, strings.NewReader(`{"status": "approved", "submissionId": "an-older-one"}`))
	wantAPIError(t, rec, 409, "submissionId")
	if !strings.Contains(rec.Body.String(), `"submissionId":"s`+pending+`"`) {
		t.Errorf("stale decision does not show the current application: %s", rec.Body)
	}
	if l, _ := e.st.GetLeader(context.Background(), pending); l.Status != store.LeaderPending {
		t.Fatalf("a stale decision changed the leader to %s", l.Status)
	}
	rec = apiDo(e.router, http.MethodPost, path, strings.NewReader(`{"status": "approved", "submissionId": "s`+pending+`"}`))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"status":"approved"`) {
		t.Fatalf("decide: %d %s", rec.Code, rec.Body)
	}
	rec = apiDo(e.router, http.MethodPost, path, strings.NewReader(`{"status": "rejected", "submissionId": "s`+pending+`"}`))
	wantAPIError(t, rec, 409, "status")
	if !strings.Contains(rec.Body.String(), "already decided (approved)") {
		t.Errorf("second decision: %s", rec.Body)
	}
	if l, _ := e.st.GetLeader(context.Background(), pending); l.Status != store.LeaderApproved {
		t.Errorf("leader is %s", l.Status)
	}
	pushes := e.lapi.Deliveries(pending)
	if len(pushes) != 1 || !strings.Contains(string(pushes[0].Messages[0]), "อนุมัติให้คุณเป็นแกนนำ") {
		t.Errorf("pushes to the leader: %+v", pushes)
	}
}

func TestAnnouncementAPI(t *testing.T) {
	e := newOfficerEnv(t)
	for i := range 3 {
		e.leader(t, i+1, "TH-76", store.LeaderApproved)
	}
	e.leader(t, 9, "TH-10", store.LeaderApproved)
	post := func(body string) *announcementJSON {
		t.Helper()
		rec := apiDo(e.router, http.MethodPost, "/api/v1/announcements", strings.NewReader(body))
		if rec.Code != http.StatusCreated {
			t.Fatalf("create %s: %d %s", body, rec.Code, rec.Body)
		}
		var out announcementJSON
		decode(t, rec, &out)
		return &out
	}
	for _, c := range []struct{ body, field string }{
		{`not json`, ""},
		{`{"audience": "everyone", "text": "x"}`, "audience"},
		{`{"audience": "friends", "provinces": ["TH-76"], "text": "x"}`, "provinces"},
		{`{"audience": "leaders.all", "text": ""}`, "text"},
		{`{"audience": "leaders.all", "text": "` + strings.Repeat("ก", 2001) + `"}`, "text"},
		{`{"audience": "leaders.all", "text": "x", "sendAt": "พรุ่งนี้"}`, "sendAt"},
		{`{"audience": "leaders.all", "text": "x", "sendAt": "2026-11-30T09:00:00+07:00"}`, "sendAt"},
		{`{"audience": "leaders.all", "text": 5}`, "text"},
		{`{"audience": "workshop", "text": "x"}`, "workshopId"},
		{`{"audience": "workshop", "workshopId": "nope", "text": "x"}`, "workshopId"},
		{`{"audience": "leaders.all", "workshopId": "ws", "text": "x"}`, "workshopId"},
	} {
		wantAPIError(t, apiDo(e.router, http.MethodPost, "/api/v1/announcements", strings.NewReader(c.body)), 400, c.field)
	}
	if as, _ := e.st.ListAnnouncements(context.Background(), store.AnnouncementScheduled); len(as) != 0 {
		t.Fatalf("bad requests stored %d announcements", len(as))
	}

	later := post(`{"audience": "leaders.approved", "provinces": ["TH-76"], "text": "ประชุม", "sendAt": "2026-12-14T09:00:00+07:00"}`)
	if later.Status != "scheduled" || later.SendAt != "2026-12-14T09:00:00+07:00" || e.kicks != 0 {
		t.Errorf("scheduled: %+v, kicks %d", later, e.kicks)
	}
	thaiTime := post(`{"audience": "leaders.approved", "provinces": ["TH-76"], "text": "ประชุม", "sendAt": "14/12/2569 09:30"}`)
	if thaiTime.SendAt != "2026-12-14T09:30:00+07:00" {
		t.Errorf("Thai sendAt read as %v, want 09:30 Bangkok", thaiTime.SendAt)
	}
	rec := apiDo(e.router, http.MethodGet, "/api/v1/announcements?status=scheduled", nil)
	if !strings.Contains(rec.Body.String(), later.ID) {
		t.Errorf("list: %s", rec.Body)
	}
	if rec := apiDo(e.router, http.MethodPost, "/api/v1/announcements/"+later.ID+"/cancel", nil); rec.Code != 200 {
		t.Errorf("cancel: %d %s", rec.Code, rec.Body)
	}
	wantAPIError(t, apiDo(e.router, http.MethodPost, "/api/v1/announcements/"+later.ID+"/cancel", nil), 409, "")
	wantAPIError(t, apiDo(e.router, http.MethodGet, "/api/v1/announcements/nope", nil), 404, "")

	now := post(`{"audience": "leaders.approved", "provinces": ["เพชรบุรี"], "text": "ด่วน"}`)
	if e.kicks != 1 {
		t.Errorf("kicks %d after a send-now announcement", e.kicks)
	}
	if err := e.ann.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got announcementJSON
	decode(t, apiDo(e.router, http.MethodGet, "/api/v1/announcements/"+now.ID, nil), &got)
	if got.Status != "sent" || got.Recipients != 3 || got.Sent != 3 || got.Failed != 0 || got.Pending != 0 || got.Batches != 1 {
		t.Errorf("status: %+v", got)
	}
	wantAPIError(t, apiDo(e.router, http.MethodPost, "/api/v1/announcements/"+now.ID+"/cancel", nil), 409, "")

	// A workshop's registrants: the one registered and the one waitlisted, in its province.
	ws, err := e.st.CreateWorkshop(context.Background(), store.Workshop{ID: "ws-1", Title: "อบรมแกนนำ", ProvinceCode: "TH-10",
		StartsAt: e.now.Add(48 * time.Hour), EndsAt: e.now.Add(50 * time.Hour), Capacity: 1,
		RegistrationDeadline: e.now.Add(24 * time.Hour), Status: store.WorkshopOpen, CreatedBy: "api", CreatedAt: e.now, UpdatedAt: e.now})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{9, 1} {
		if _, err := e.st.JoinWorkshop(context.Background(), ws.ID, fmt.Sprintf("U%032x", i), e.now); err != nil {
			t.Fatal(err)
		}
	}
	wsAnn := post(`{"audience": "workshop", "workshopId": "ws-1", "text": "ย้ายห้อง"}`)
	if err := e.ann.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	decode(t, apiDo(e.router, http.MethodGet, "/api/v1/announcements/"+wsAnn.ID, nil), &got)
	if got.Status != "sent" || got.Recipients != 2 || fmt.Sprint(got.Provinces) != "[TH-10]" || got.WorkshopID != "ws-1" {
		t.Errorf("workshop announcement: %+v", got)
	}
	audit, _ := e.st.ListAudit(context.Background(), store.AuditFilter{Action: "announcement."})
	if len(audit) != 7 { // create, create (Thai sendAt), cancel, create, send, create, send
		t.Errorf("audit entries %+v", audit)
	}
}

// The same POST with the same Idempotency-Key is answered once and done once, also by a
// second router on the same store (another replica, a restart); another body under that key
// is refused; another key is a new request.
func TestIdempotencyKey(t *testing.T) {
	e := newOfficerEnv(t)
	e.leader(t, 1, "TH-76", store.LeaderApproved)
	replica := func() http.Handler {
		return routerWithAPI(t, &API{Token: testAdminToken, Actions: e.eng.Actions(), Logger: discardLogger(),
			Idempotency: &Idempotency{Store: e.st, Now: func() time.Time { return e.now }},
			Routes:      []func(*gin.RouterGroup){(&AnnouncementAPI{Actions: e.eng.Actions(), Store: e.st, Location: bangkok}).Routes}})
	}
	a, b := replica(), replica()
	send := func(h http.Handler, key, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/announcements", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testAdminToken)
		req.Header.Set("Idempotency-Key", key)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	body := `{"audience": "leaders.approved", "provinces": ["TH-76"], "text": "ประชุม", "sendAt": "2026-12-14T09:00:00+07:00"}`
	first := send(a, "k-1", body)
	again := send(b, "k-1", body)
	if first.Code != http.StatusCreated || again.Code != http.StatusCreated || again.Body.String() != first.Body.String() ||
		again.Header().Get("Idempotent-Replayed") != "true" {
		t.Fatalf("first %d %s; repeat %d %s %v", first.Code, first.Body, again.Code, again.Body, again.Header())
	}
	if as, _ := e.st.ListAnnouncements(context.Background(), store.AnnouncementScheduled); len(as) != 1 {
		t.Fatalf("%d announcements stored, want 1", len(as))
	}
	wantAPIError(t, send(a, "k-1", strings.Replace(body, "ประชุม", "อบรม", 1)), http.StatusUnprocessableEntity, "Idempotency-Key")
	if rec := send(a, "k-2", body); rec.Code != http.StatusCreated {
		t.Errorf("another key: %d %s", rec.Code, rec.Body)
	}
	// A refused request is answered the same again, and still changes nothing.
	bad := `{"audience": "friends", "provinces": ["TH-76"], "text": "x"}`
	r1, r2 := send(a, "k-3", bad), send(b, "k-3", bad)
	if r1.Code != http.StatusBadRequest || r2.Body.String() != r1.Body.String() {
		t.Errorf("refused request: %d %s, then %d %s", r1.Code, r1.Body, r2.Code, r2.Body)
	}
	// After a day the key may be used again.
	e.now = e.now.Add(store.IdempotencyTTL + time.Minute)
	if rec := send(a, "k-1", strings.Replace(body, "2026-12-14", "2026-12-15", 1)); rec.Code != http.StatusCreated || rec.Header().Get("Idempotent-Replayed") != "" {
		t.Errorf("a day later: %d %s", rec.Code, rec.Body)
	}
}

// TestAnnouncementOverQuota: the API answers the announcement's cost against the month's quota;
// one that does not fit is refused with 409 over_quota and nothing stored, unless the request
// confirms it.
func TestAnnouncementOverQuota(t *testing.T) {
	e := newOfficerEnv(t)
	for i := range 3 {
		e.leader(t, i+1, "TH-76", store.LeaderApproved)
	}
	e.lapi.SetMonthlyQuota(500, 498)
	const body = `{"audience": "leaders.approved", "provinces": ["TH-76"], "text": "ประชุม"`
	rec := apiDo(e.router, http.MethodPost, "/api/v1/announcements", strings.NewReader(body+`}`))
	wantAPIError(t, rec, http.StatusConflict, "confirmOverQuota")
	if !strings.Contains(rec.Body.String(), `"over_quota"`) || !strings.Contains(rec.Body.String(), "needs 3 messages but 2 are left") {
		t.Errorf("refusal: %s", rec.Body)
	}
	if as, _ := e.st.ListAnnouncements(context.Background(), store.AnnouncementScheduled); len(as) != 0 || e.kicks != 0 {
		t.Fatalf("a refused announcement was stored (%d) or kicked (%d)", len(as), e.kicks)
	}
	rec = apiDo(e.router, http.MethodPost, "/api/v1/announcements", strings.NewReader(body+`, "confirmOverQuota": true}`))
	if rec.Code != http.StatusCreated {
		t.Fatalf("confirmed: %d %s", rec.Code, rec.Body)
	}
	var got announcementJSON
	decode(t, rec, &got)
	if got.Cost == nil || *got.Cost != 3 || got.Quota == nil || !sameQuota(*got.Quota, 500, 498, 0, 2) {
		t.Errorf("cost %v, quota %+v", got.Cost, got.Quota)
	}
	e.lapi.SetMonthlyQuota(0, 0) // no monthly limit
	rec = apiDo(e.router, http.MethodPost, "/api/v1/announcements", strings.NewReader(body+`}`))
	decode(t, rec, &got)
	if rec.Code != http.StatusCreated || got.Quota == nil || got.Quota.Limited || strings.Contains(rec.Body.String(), `"remaining"`) {
		t.Errorf("unlimited plan (no counts, so no \"remaining\": 0 to read as nothing left): %d %s", rec.Code, rec.Body)
	}
}
