package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/console"
	"github.com/ssonet/ssonet/outbox"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/store/sqlitestore"
	"github.com/ssonet/ssonet/store/storetest"
)

// The console's handlers over real HTTP, the real actions and a real SQLite store; only LINE's
// side (the pushes, the quota) is recorded or set by the test.

const (
	admin   = "U00000000000000000000000000000a00"
	officer = "U00000000000000000000000000000a76" // Phetchaburi (TH-76) and Ratchaburi (TH-70)
)

// notices records what the actions asked the chat to tell.
type notices struct {
	mu   sync.Mutex
	said []string
}

func (n *notices) note(s string) { n.mu.Lock(); n.said = append(n.said, s); n.mu.Unlock() }

func (n *notices) LeaderDecided(context.Context, store.Leader) {}
func (n *notices) NotifyReferralStatus(context.Context, store.Referral) (bool, error) {
	return true, nil
}
func (n *notices) CaseOpened(_ context.Context, c store.Case) { n.note("opened " + c.ID) }
func (n *notices) CaseAsked(_ context.Context, c store.Case) {
	n.note("asked " + actions.CaseQuestion(c))
}
func (n *notices) CaseReplied(_ context.Context, _ store.Case, text string) { n.note("reply " + text) }
func (n *notices) CaseClosed(_ context.Context, c store.Case)               { n.note("closed " + c.ID) }
func (n *notices) CaseUnanswered(_ context.Context, c store.Case)           { n.note("hotline " + c.ID) }
func (n *notices) CaseWithdrawn(_ context.Context, c store.Case)            { n.note("withdrawn " + c.ID) }

// quota is LINE's monthly quota as the outbox would tell it.
type quota struct {
	budget outbox.Budget
	err    error
}

func (q *quota) QuotaState() store.QuotaState                  { return store.QuotaState{} }
func (q *quota) Budget(context.Context) (outbox.Budget, error) { return q.budget, q.err }

// announcer draws an announcement as one text and costs one message per province.
type announcer struct{ q *quota }

func (a announcer) AnnouncementCost(ctx context.Context, an store.Announcement) (int, outbox.Budget, error) {
	return max(len(an.Provinces), 1), a.q.budget, a.q.err
}

func (a announcer) AnnouncementMessages(an store.Announcement) []messaging_api.MessageInterface {
	return []messaging_api.MessageInterface{messaging_api.TextMessage{Message: messaging_api.Message{Type: "text"}, Text: an.Text}}
}

type env struct {
	t     *testing.T
	st    store.Store
	act   *actions.Service
	quota *quota
	now   time.Time
	url   string
}

var ict = time.FixedZone("ICT", 7*3600)

func newEnv(t *testing.T) *env {
	t.Helper()
	gin.SetMode(gin.TestMode)
	st, err := sqlitestore.Open(t.TempDir(), storetest.NewSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(context.Background()) })
	e := &env{t: t, st: st, quota: &quota{}, now: time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)}
	ann := announcer{q: e.quota}
	e.act, err = actions.New(actions.Config{Store: st, Notifier: &notices{}, Sealer: storetest.NewSealer(t), Admins: []string{admin},
		Now: func() time.Time { return e.now }, Location: ict, Costs: ann})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	code, _, err := e.act.CreateInvite(ctx, actions.Bootstrap, []string{"TH-76", "TH-70"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	norm, _ := actions.NormaliseInvite(strings.ReplaceAll(code, "-", ""))
	if _, err := e.act.UseInvite(ctx, officer, norm); err != nil {
		t.Fatal(err)
	}
	c, err := console.New(console.Config{Actions: e.act, Quota: e.quota, Store: st, Announcer: ann})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	c.Mount(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

// officer is a browser signed in as userID.
type browser struct {
	e    *env
	c    *http.Client
	csrf string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn spends a sign-in link of userID as the confirmation page's button does.
func (e *env) signIn(userID string) *browser {
	e.t.Helper()
	a, err := e.act.Officer(context.Background(), userID)
	if err != nil {
		e.t.Fatal(err)
	}
	token, err := e.act.IssueLoginLink(context.Background(), a)
	if err != nil {
		e.t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	b := &browser{e: e, c: &http.Client{Jar: jar}}
	if code, page := b.post("/console/login/"+token, url.Values{}); code != http.StatusOK || !strings.Contains(page, `name="csrf"`) {
		e.t.Fatalf("sign in: %d %s", code, page)
	}
	return b
}

func (b *browser) keep(res *http.Response) (int, string) {
	b.e.t.Helper()
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if m := csrfField.FindStringSubmatch(string(body)); m != nil {
		b.csrf = m[1]
	}
	return res.StatusCode, string(body)
}

func (b *browser) get(path string) (int, string) {
	b.e.t.Helper()
	res, err := b.c.Get(b.e.url + path)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return b.keep(res)
}

// post sends a form with the page's form token, following the redirect.
func (b *browser) post(path string, form url.Values) (int, string) {
	b.e.t.Helper()
	if b.csrf != "" {
		form.Set("csrf", b.csrf)
	}
	res, err := b.c.PostForm(b.e.url+path, form)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return b.keep(res)
}

// contains fails t unless page holds every one of want.
func contains(t *testing.T, what, page string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, page)
		}
	}
}

// lacks fails t if page holds one of bad.
func lacks(t *testing.T, what, page string, bad ...string) {
	t.Helper()
	for _, w := range bad {
		if strings.Contains(page, w) {
			t.Errorf("%s holds %q", what, w)
		}
	}
}

// A sign-in link that was used (or expired) says so, in one language with the other beside it,
// tells the officer to type เข้าระบบ in LINE, and shows no button; a live link's confirmation
// speaks the officer's LINE language.
func TestDeadSignInLink(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.st.UpsertMember(ctx, store.Member{UserID: admin, DisplayName: "Admin", Language: store.LangEnglish}); err != nil {
		t.Fatal(err)
	}
	a, _ := e.act.Officer(ctx, admin)
	token, err := e.act.IssueLoginLink(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	link := e.url + "/console/login/" + token
	page := func(res *http.Response, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	live := page(http.Get(link))
	contains(t, "live link", live, `id="signin"`, "Sign in")
	jar, _ := cookiejar.New(nil)
	if got := page((&http.Client{Jar: jar}).PostForm(link, nil)); !strings.Contains(got, `name="csrf"`) {
		t.Fatalf("sign in: %s", got)
	}
	for name, got := range map[string]string{"GET": page(http.Get(link)), "POST": page(http.PostForm(link, nil))} {
		contains(t, name+" of a used link", got, "ลิงก์นี้ใช้ไม่ได้แล้วค่ะ", "พิมพ์ เข้าระบบ ในแชทไลน์", "Type login in the LINE chat")
		lacks(t, name+" of a used link", got, `id="signin"`, "press the button", "กดปุ่ม")
	}
	req, _ := http.NewRequest(http.MethodGet, link, nil)
	req.Header.Set("Accept-Language", "en-US,en;q=0.9")
	contains(t, "used link, English browser", page(http.DefaultClient.Do(req)), "<h1>This link no longer works</h1>")
}
