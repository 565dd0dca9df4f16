package richmenu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/bot"
	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
	"github.com/ssonet/ssonet/outbox/outboxtest"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/store/sqlitestore"
	"github.com/ssonet/ssonet/store/storetest"
)

const testToken = "richmenu-test-token"

// rig is the real pieces: SQLite store, stand-in LINE API (both hosts), LINE client, engine
// with the menus' relink hook, and Menus.
type rig struct {
	t      *testing.T
	st     store.Store
	lapi   *linetest.Server
	client *line.Client
	eng    *bot.Engine
	menus  *Menus
	now    time.Time
	seq    int
}

const adminID = "U0000000000000000000000000000a001"

func newRig(t *testing.T) *rig {
	t.Helper()
	sealer := storetest.NewSealer(t)
	st, err := sqlitestore.Open(t.TempDir(), sealer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(context.Background()) })
	lapi := linetest.NewServer(testToken)
	t.Cleanup(lapi.Close)
	return newRigOn(t, st, lapi, sealer)
}

// newRigOn is a new process on an existing store and LINE: a restart.
func newRigOn(t *testing.T, st store.Store, lapi *linetest.Server, sealer *store.Sealer) *rig {
	t.Helper()
	r := &rig{t: t, st: st, lapi: lapi, now: time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)}
	var err error
	r.client, err = line.New(line.Config{BaseURL: lapi.URL(), DataBaseURL: lapi.DataURL(), AccessToken: testToken,
		RateLimits: map[string]line.RateLimit{}, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	r.menus, err = New(Config{Store: st, LINE: r.client, Admins: []string{adminID}, Logger: quiet(), Now: r.clock})
	if err != nil {
		t.Fatal(err)
	}
	r.eng, err = bot.New(bot.Config{Store: st, Messenger: r.client, Outbox: outboxtest.New(t, st, r.client, r.clock, nil),
		Now: r.clock, Sealer: sealer, Admins: []string{adminID}, Logger: quiet(),
		RoleChanged: func(ctx context.Context, userID string) {
			if err := r.menus.Relink(ctx, userID); err != nil && !errors.Is(err, ErrNotSynced) {
				t.Errorf("relink: %v", err)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func (r *rig) clock() time.Time { return r.now }

func (r *rig) sync() {
	r.t.Helper()
	if err := r.menus.Sync(context.Background()); err != nil {
		r.t.Fatalf("Sync: %v", err)
	}
}

// calls counts the stand-in's calls per endpoint since seq.
func (r *rig) calls(since int) map[string]int {
	out := map[string]int{}
	for _, c := range r.lapi.Calls() {
		if c.Seq > since {
			out[c.Endpoint+" "+c.Method]++
			if c.Status >= 400 && !(c.Endpoint == line.EndpointRichMenuLink && c.Method == "GET") {
				r.t.Errorf("%s %s answered %d: %s", c.Method, c.Path, c.Status, c.Body)
			}
		}
	}
	return out
}

// menuOf is the key of the menu the stand-in shows userID.
func (r *rig) menuOf(userID string) string {
	m, ok := r.lapi.RichMenuOf(userID)
	if !ok {
		return ""
	}
	key, _, _ := parseName(m.Name)
	return key
}

// text sends a typed message from userID through the engine, as the webhook would.
func (r *rig) text(userID, text string) {
	r.t.Helper()
	r.handle(bot.Event{Kind: bot.KindMessage, UserID: userID, Text: text})
}

// erase asks to erase userID's data and taps the confirmation.
func (r *rig) erase(userID string) {
	r.t.Helper()
	r.text(userID, "ลบข้อมูล")
	r.handle(bot.Event{Kind: bot.KindPostback, UserID: userID, Postback: "a=erase.yes"})
}

func (r *rig) handle(ev bot.Event) {
	r.t.Helper()
	r.seq++
	ev.ID, ev.ReplyToken, ev.Time = fmt.Sprintf("01RICHMENU%016d", r.seq), r.lapi.IssueReplyToken(ev.UserID), r.now
	if err := r.eng.Handle(context.Background(), ev); err != nil {
		r.t.Fatalf("Handle(%+v): %v", ev, err)
	}
}

// decide approves or rejects userID's application as the officers' API would.
func (r *rig) decide(userID string, status store.LeaderStatus) (store.Leader, error) {
	return r.eng.Actions().DecideLeader(context.Background(), actions.Bootstrap,
		actions.Decision{UserID: userID, SubmissionID: "sub-" + userID, Status: status})
}

func user(n int) string { return fmt.Sprintf("U%032x", n) }

func (r *rig) leader(userID string, status store.LeaderStatus) {
	r.t.Helper()
	l := store.Leader{UserID: userID, SubmissionID: "sub-" + userID, FullName: "สมหญิง ใจดี", Phone: "0812345678",
		ProvinceCode: "TH-76", Status: status, ConsentAt: r.now, CreatedAt: r.now}
	if err := r.st.CreateLeader(context.Background(), l); err != nil {
		r.t.Fatal(err)
	}
	if err := r.st.UpsertMember(context.Background(), store.Member{UserID: userID, Language: store.LangThai, FollowedAt: r.now, UpdatedAt: r.now}); err != nil {
		r.t.Fatal(err)
	}
}

func TestFreshStartCreatesOnceAndRestartCreatesNothing(t *testing.T) {
	r := newRig(t)
	r.leader(user(5), store.LeaderApproved) // a leader from before the menus existed
	r.sync()
	got := r.calls(0)
	n := len(menus())
	want := map[string]int{
		"richmenu.list GET": 1, "richmenu.create POST": n, "richmenu.image POST": n,
		"richmenu.alias GET": 1, "richmenu.alias POST": n, "richmenu.link POST": 1,
		"richmenu.bulk POST": 2, // the admin gets the officer menu, the leader the leader's
	}
	if !mapsEqual(got, want) {
		t.Errorf("fresh sync calls %v, want %v", got, want)
	}
	ms := r.lapi.RichMenus()
	if len(ms) != n {
		t.Fatalf("%d menus on LINE, want %d", len(ms), n)
	}
	for _, m := range ms {
		if m.Image == nil || m.ContentType != "image/png" {
			t.Errorf("%s has no PNG", m.Name)
		}
	}
	if k := r.menuOf(user(1)); k != KeyNewcomer {
		t.Errorf("a stranger sees %q, want the newcomer default", k)
	}
	if k := r.menuOf(adminID); k != KeyOfficer {
		t.Errorf("the admin sees %q, want the officer menu", k)
	}
	if k := r.menuOf(user(5)); k != KeyLeader {
		t.Errorf("the leader sees %q, want the leader menu", k)
	}
	for key, id := range r.lapi.RichMenuAliases() {
		m, _ := r.lapi.RichMenuByID(id)
		if k, _, _ := parseName(m.Name); aliasID(k) != key {
			t.Errorf("alias %s points at %s", key, m.Name)
		}
	}

	// A restart (new process, same LINE, and even a fresh database) creates and uploads nothing.
	seq := r.lapi.LastSeq()
	again := newRig(t)
	again.lapi.Close()
	again = newRigOn(t, again.st, r.lapi, mustSealer(t))
	again.sync()
	got = again.calls(seq)
	want = map[string]int{"richmenu.list GET": 1, "richmenu.image GET": n, "richmenu.alias GET": 1, "richmenu.link GET": 1}
	if !mapsEqual(got, want) {
		t.Errorf("second sync calls %v, want only reads %v", got, want)
	}
	if len(r.lapi.RichMenus()) != n {
		t.Errorf("%d menus after the restart", len(r.lapi.RichMenus()))
	}
}

func mustSealer(t *testing.T) *store.Sealer {
	s := storetest.NewSealer(t)
	return s
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestStandingChangesRelink walks one member through the roles: applying links the pending
// menu, approval the leader's, an invite code the officer menu with the leader tab, erasing the
// officer menu without it; a rejected applicant is back on the default.
func TestStandingChangesRelink(t *testing.T) {
	r := newRig(t)
	r.sync()
	ctx := context.Background()
	u := user(7)
	r.leader(u, store.LeaderPending)
	if err := r.menus.Relink(ctx, u); err != nil { // what the registration flow's submit does
		t.Fatal(err)
	}
	if k := r.menuOf(u); k != KeyPending {
		t.Fatalf("pending leader sees %q", k)
	}
	if _, err := r.decide(u, store.LeaderApproved); err != nil {
		t.Fatal(err)
	}
	if k := r.menuOf(u); k != KeyLeader {
		t.Fatalf("approved leader sees %q, want the leader menu", k)
	}
	// Becoming an officer by invite code.
	code, _, err := r.eng.Actions().CreateInvite(ctx, actions.Bootstrap, []string{"TH-76"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	r.text(u, code)
	if k := r.menuOf(u); k != KeyOfficerLeader {
		t.Fatalf("officer who leads sees %q, want %q", k, KeyOfficerLeader)
	}
	// The tab switches to the leader page through its alias.
	m, _ := r.lapi.RichMenuOf(u)
	if !strings.Contains(string(m.Object), `"richMenuAliasId":"`+aliasID(KeyLeaderOfficer)+`"`) {
		t.Errorf("officer-leader menu has no tab to %s: %s", aliasID(KeyLeaderOfficer), m.Object)
	}
	// Tapping the tab (LINE switches the menu itself, then sends the postback) gets no answer.
	before := len(r.lapi.Deliveries(u))
	r.handle(bot.Event{Kind: bot.KindPostback, UserID: u, Postback: "a=rm.tab&to=" + KeyLeaderOfficer,
		Params: map[string]string{"newRichMenuAliasId": aliasID(KeyLeaderOfficer), "status": "SUCCESS"}})
	if d := r.lapi.Deliveries(u); len(d) != before {
		t.Errorf("a tab tap was answered: %s", d[len(d)-1].Messages)
	}
	// Erasing removes the leader record: the officer menu without the leader tab.
	r.erase(u)
	if k := r.menuOf(u); k != KeyOfficer {
		t.Fatalf("after erasing, the officer sees %q", k)
	}

	// A rejected applicant, and an erased plain leader, fall back to the default menu.
	v := user(8)
	r.leader(v, store.LeaderPending)
	if err := r.menus.Relink(ctx, v); err != nil {
		t.Fatal(err)
	}
	if _, err := r.decide(v, store.LeaderRejected); err != nil {
		t.Fatal(err)
	}
	if id := r.lapi.LinkedRichMenu(v); id != "" || r.menuOf(v) != KeyNewcomer {
		t.Fatalf("rejected leader linked to %q, sees %q; want the newcomer default", id, r.menuOf(v))
	}
	w := user(9)
	r.leader(w, store.LeaderApproved)
	if err := r.menus.Relink(ctx, w); err != nil {
		t.Fatal(err)
	}
	r.erase(w)
	if k := r.menuOf(w); k != KeyNewcomer {
		t.Fatalf("erased leader sees %q", k)
	}
}

// TestRegistrationLinksPendingMenu checks the engine's hook on the registration submit path.
func TestRegistrationLinksPendingMenu(t *testing.T) {
	r := newRig(t)
	r.sync()
	u := user(11)
	for _, s := range []string{"สมัครแกนนำ", "สมหญิง ใจดี", "0812345678", "เพชรบุรี", "ข้าม", "ข้าม"} {
		r.text(u, s)
	}
	// Consent and submit are buttons; their typed forms are what the flow accepts.
	r.text(u, "ยินยอม")
	r.text(u, "ยืนยัน")
	if _, err := r.st.GetLeader(context.Background(), u); err != nil {
		t.Fatalf("registration did not complete with the typed answers: %v", err)
	}
	if k := r.menuOf(u); k != KeyPending {
		t.Fatalf("new applicant sees %q, want the pending menu", k)
	}
}

// TestChangedDefinitionReplacesMenus redesigns one label: the new versions are created, linked
// members move to them in bulk, and only our old versions are deleted.
func TestChangedDefinitionReplacesMenus(t *testing.T) {
	r := newRig(t)
	r.sync()
	ctx := context.Background()
	// Someone else's menu, made through the API: never touched.
	foreign, err := r.client.CreateRichMenu(ctx, &messaging_api.RichMenuRequest{Size: &messaging_api.RichMenuSize{Width: 2500, Height: 843},
		Selected: false, Name: "campaign 2026", ChatBarText: "แคมเปญ",
		Areas: []messaging_api.RichMenuArea{{Bounds: &messaging_api.RichMenuBounds{Width: 2500, Height: 843}, Action: &messaging_api.MessageAction{Label: "a", Text: "a"}}}})
	if err != nil {
		t.Fatal(err)
	}
	var leaders []string
	for i := range 3 {
		u := user(100 + i)
		r.leader(u, store.LeaderApproved)
		if err := r.menus.Relink(ctx, u); err != nil {
			t.Fatal(err)
		}
		leaders = append(leaders, u)
	}
	before := map[string]string{}
	for _, m := range r.lapi.RichMenus() {
		before[m.Name] = m.ID
	}

	// The redesign: the leader menu's first label changes.
	r2 := newRigOn(t, r.st, r.lapi, mustSealer(t))
	r2.menus.build = func() ([]Built, error) {
		all, err := Build()
		if err != nil {
			return nil, err
		}
		for i, b := range all {
			if b.Key == KeyLeader {
				all[i] = rebuilt(t, KeyLeader, func(m *menu) { m.buttons[0].label = "แนะนำคนสมัคร" })
			}
		}
		return all, nil
	}
	seq := r.lapi.LastSeq()
	r2.sync()
	got := r2.calls(seq)
	if got["richmenu.create POST"] != 1 || got["richmenu.delete DELETE"] != 1 || got["richmenu.bulk POST"] != 1 {
		t.Errorf("redesign calls %v: want 1 create, 1 bulk link, 1 delete", got)
	}
	after := r.lapi.RichMenus()
	if len(after) != len(before)+0 { // 8 ours + the foreign one, as before
		t.Errorf("%d menus after the redesign, %d before", len(after), len(before))
	}
	var newLeader string
	for _, m := range after {
		if k, _, ok := parseName(m.Name); ok && k == KeyLeader {
			newLeader = m.ID
		}
		if _, was := before[m.Name]; !was && !strings.HasPrefix(m.Name, "ssonet leader ") {
			t.Errorf("unexpected new menu %s", m.Name)
		}
	}
	if newLeader == "" || slices.Contains(mapsValues(before), newLeader) {
		t.Fatalf("no new leader menu")
	}
	if _, ok := r.lapi.RichMenuByID(foreign); !ok {
		t.Error("the foreign menu was deleted")
	}
	for _, u := range leaders {
		if id := r.lapi.LinkedRichMenu(u); id != newLeader {
			t.Errorf("%s linked to %q, want the new leader menu %s", u, id, newLeader)
		}
	}
	if r.lapi.RichMenuAliases()[aliasID(KeyLeader)] != newLeader {
		t.Error("the leader alias still points at the old menu")
	}
}

func mapsValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// rebuilt builds menu key with change applied, as Build would.
func rebuilt(t *testing.T, key string, change func(*menu)) Built {
	t.Helper()
	for _, m := range menus() {
		if m.key != key {
			continue
		}
		change(&m)
		ts, err := newTypesetter()
		if err != nil {
			t.Fatal(err)
		}
		img, err := encode(ts.paint(m), pngLevel)
		if err != nil {
			t.Fatal(err)
		}
		req := m.request()
		req.Name = NamePrefix + " " + key + " 0123456789abcdef"
		return Built{Key: key, Request: req, PNG: img, Name: req.Name}
	}
	t.Fatalf("no menu %s", key)
	return Built{}
}

// TestSyncFailureRetriedAndLeaseShared: a replica holding the lease makes the others wait; a
// failing LINE is retried; members whose standing changed meanwhile are linked once it works.
func TestSyncFailureRetriedAndLeaseShared(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	// Another replica holds the lease.
	if err := r.st.AcquireLease(ctx, syncLeaseName, "other-replica", r.now.Add(-time.Minute), syncLease); err != nil {
		t.Fatal(err)
	}
	if err := r.menus.Sync(ctx); !errors.Is(err, ErrBusy) {
		t.Fatalf("Sync with the lease taken: %v, want ErrBusy", err)
	}
	if len(r.lapi.Calls()) != 0 {
		t.Fatalf("a replica without the lease called LINE: %v", r.lapi.Calls())
	}
	// The bot works meanwhile; the approval's relink waits for the sync.
	u := user(21)
	r.leader(u, store.LeaderPending)
	if _, err := r.decide(u, store.LeaderApproved); err != nil {
		t.Fatal(err)
	}
	if len(r.lapi.Deliveries(u)) != 1 {
		t.Errorf("the decision was not pushed while the menus are missing")
	}

	// The other replica finishes; then LINE fails once.
	if err := r.st.ReleaseLease(ctx, syncLeaseName, "other-replica"); err != nil {
		t.Fatal(err)
	}
	r.lapi.FailNext(line.EndpointRichMenuList, 500, 1)
	waits := make(chan time.Duration, 10)
	fire := make(chan time.Time)
	r.menus.after = func(d time.Duration) <-chan time.Time { waits <- d; return fire }
	done := r.menus.Start(ctx)
	if d := <-waits; d != time.Minute {
		t.Errorf("first retry in %v, want 1m", d)
	}
	if r.lapi.DefaultRichMenu() != "" {
		t.Fatal("menus exist after a failed sync")
	}
	fire <- r.now
	<-done
	if k := r.menuOf(u); k != KeyLeader {
		t.Errorf("leader approved before the sync sees %q", k)
	}
}

// standing is what a member of a menu's standing is: a leader record's status, an officer.
type standing struct {
	status  store.LeaderStatus
	officer bool
}

// standings are the member of every menu's standing.
var standings = map[string]standing{
	KeyNewcomer: {}, KeyPending: {status: store.LeaderPending}, KeyLeader: {status: store.LeaderApproved},
	KeyOfficer: {officer: true}, KeyOfficerLeader: {store.LeaderApproved, true}, KeyLeaderOfficer: {store.LeaderApproved, true},
	KeyOfficerPending: {store.LeaderPending, true}, KeyPendingOfficer: {store.LeaderPending, true},
}

// answerer returns a function that makes a new member of a standing, sends text as them, and
// returns the JSON of the last answer's messages.
func answerer(t *testing.T, r *rig) func(s standing, text string) string {
	n := 1000
	return func(s standing, text string) string {
		n++
		u := user(n)
		if s.status != "" {
			r.leader(u, s.status)
		}
		if s.officer {
			r.menus.admins[u] = true
			r.eng = mustEngineWithAdmin(t, r, u)
		}
		r.text(u, text)
		d := r.lapi.Deliveries(u)
		if len(d) == 0 {
			t.Fatalf("no answer to %q", text)
		}
		var b strings.Builder
		for _, m := range d[len(d)-1].Messages {
			b.Write(m)
		}
		return b.String()
	}
}

// TestEveryAreaIsTypeable sends every button's phrase, typed, from a member of the menu's
// standing: none may get the "not understood" answer (LINE for PC shows no rich menus).
func TestEveryAreaIsTypeable(t *testing.T) {
	r := newRig(t)
	answer := answerer(t, r)
	for _, m := range menus() {
		s, ok := standings[m.key]
		if !ok {
			t.Fatalf("no standing for menu %s", m.key)
		}
		notUnderstood := answer(s, "กขฃคฅฆง")
		for _, b := range m.buttons {
			if got := answer(s, b.text); got == notUnderstood {
				t.Errorf("%s: %q typed is not understood", m.key, b.text)
			}
		}
	}
}

// TestTileLabelsAreTheBots: every tile but the one that opens the menu is labelled as the
// same entry of the bot's menu card for that standing, so one action has one name wherever a
// member sees it (a fresh tester found "สมัครแกนนำ" here and "แกนนำเครือข่าย" on the card).
func TestTileLabelsAreTheBots(t *testing.T) {
	r := newRig(t)
	answer := answerer(t, r)
	for _, m := range menus() {
		card := answer(standings[m.key], "เมนู")
		for _, b := range m.buttons {
			if b.text != "เมนู" && !strings.Contains(card, `"label":"`+b.label+`"`) {
				t.Errorf("%s: tile %q is no button of the bot's menu card", m.key, b.label)
			}
		}
	}
}

// mustEngineWithAdmin is r's engine with userID added to the admins.
func mustEngineWithAdmin(t *testing.T, r *rig, userID string) *bot.Engine {
	t.Helper()
	admins := []string{adminID}
	for a := range r.menus.admins {
		admins = append(admins, a)
	}
	e, err := bot.New(bot.Config{Store: r.st, Messenger: r.client, Outbox: outboxtest.New(t, r.st, r.client, r.clock, nil),
		Now: r.clock, Sealer: mustSealer(t), Admins: admins, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestSyncStoppedBeforeLinkingLinksNextTime: a first sync that fails while linking members
// leaves the default unset, so the next sync, which finds every menu, links them.
func TestSyncStoppedBeforeLinkingLinksNextTime(t *testing.T) {
	r := newRig(t)
	r.leader(user(31), store.LeaderApproved)
	r.lapi.FailNext(line.EndpointRichMenuBulk, 500, 1)
	if err := r.menus.Sync(context.Background()); err == nil {
		t.Fatal("Sync with the bulk link failing succeeded")
	}
	if r.lapi.DefaultRichMenu() != "" || r.menuOf(user(31)) != "" {
		t.Fatalf("after the failed sync: default %q, leader sees %q", r.lapi.DefaultRichMenu(), r.menuOf(user(31)))
	}
	seq := r.lapi.LastSeq()
	r.sync()
	if got := r.calls(seq); got["richmenu.create POST"] != 0 || got["richmenu.bulk POST"] == 0 {
		t.Errorf("second sync calls %v: want no create and the bulk links", got)
	}
	if k := r.menuOf(user(31)); k != KeyLeader {
		t.Errorf("the leader sees %q after the second sync", k)
	}
	if k := r.menuOf(user(32)); k != KeyNewcomer {
		t.Errorf("a stranger sees %q", k)
	}
}
