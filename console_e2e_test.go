package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/store/mongostore/ferrettest"
)

// chromiumPath is Debian's chromium, which .ci/run installs when it is missing.
const chromiumPath = "/usr/bin/chromium"

// shotsDir receives a screenshot of every console page at phone and desktop width
// (CONSOLE_SHOTS names another directory).
var shotsDir = cmp.Or(os.Getenv("CONSOLE_SHOTS"), "/tmp/console-shots")

// browser is the one headless Chromium of the test binary; every test opens its own tabs in
// their own browser context (cookies apart).
var browser struct {
	once   sync.Once
	ctx    context.Context
	cancel func()
	err    error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if browser.cancel != nil {
		browser.cancel()
	}
	os.Exit(code)
}

// newTab opens a tab with its own cookies; dialogs (confirm) are accepted. The test is skipped
// when Chromium is not installed.
func newTab(t *testing.T) context.Context {
	t.Helper()
	if _, err := exec.LookPath(chromiumPath); err != nil {
		t.Skipf("browser test skipped: %s is not installed (apt-get install chromium; .ci/run installs it)", chromiumPath)
	}
	browser.once.Do(func() {
		opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath), chromedp.NoSandbox,
			chromedp.DisableGPU, chromedp.Flag("lang", "th-TH"))
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(alloc)
		browser.err = chromedp.Do(ctx)
		browser.ctx, browser.cancel = ctx, func() { cancelCtx(); cancelAlloc() }
	})
	if browser.err != nil {
		t.Fatalf("start chromium: %v", browser.err)
	}
	tab, cancel := chromedp.NewContext(browser.ctx, chromedp.WithNewBrowserContext())
	tab, cancelTimeout := context.WithTimeout(tab, 2*time.Minute) // a bound on a hang
	t.Cleanup(func() { cancelTimeout(); cancel() })
	dialogs := chromedp.Events(tab, page.JavascriptDialogOpening)
	go func() { // a confirm() is answered OK, as the officer would
		for _, err := range dialogs {
			if err != nil {
				return
			}
			chromedp.Call(tab, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return tab
}

// run runs browser actions, failing t with what was being done.
func browse(t *testing.T, tab context.Context, what string, acts ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	step, cancel := context.WithTimeout(tab, 30*time.Second) // a bound on a hang: a missing element
	defer cancel()
	if err := chromedp.Do(step, acts...); err != nil {
		peek, cancel := context.WithTimeout(tab, 5*time.Second)
		defer cancel()
		html, _ := chromedp.Run(peek, chromedp.Text(chromedp.CSS("main")))
		t.Fatalf("%s: %v\npage: %s", what, err, html)
	}
}

// shoot saves the current page at 390 px (a phone) and 1280 px (a desktop) wide.
func shoot(t *testing.T, tab context.Context, prefix, name string) {
	t.Helper()
	if prefix == "" {
		return
	}
	if err := os.MkdirAll(shotsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, w := range []int64{390, 1280} {
		browse(t, tab, "viewport", chromedp.EmulateViewport(w, 900))
		png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shotsDir, fmt.Sprintf("%s%s-%d.png", prefix, name, w)), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	browse(t, tab, "viewport", chromedp.EmulateViewport(1280, 900))
}

// text is the visible text of the element sel.
func text(t *testing.T, tab context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

var signInLink = regexp.MustCompile(`http://[^\s"\\]+/console/login/[A-Za-z0-9_-]+`)

// signIn types the sign-in word in LINE as user and returns the link the stand-in delivered.
func signIn(t *testing.T, r *restartable, user, word string) string {
	t.Helper()
	got := r.say(user, "text.json", word)
	link := signInLink.FindString(got)
	if link == "" {
		t.Fatalf("%q answered %s", word, got)
	}
	return link
}

// consoleEndToEnd is an officer's morning in the console (issue 11), on the real server and
// store with the stand-in LINE API: sign in from a LINE message, approve a leader, create a
// workshop and check a registrant in, work a referral with a reveal (the audit names the
// officer), compose an announcement with the province picker and see it delivered. An
// officer of another province can see and change none of it through the console, the API or
// LINE. shots names the screenshots ("" takes none).
func consoleEndToEnd(t *testing.T, extra map[string]string, shots string) {
	standIn := linetest.NewServer(testToken)
	t.Cleanup(standIn.Close)
	standIn.SetMonthlyQuota(500, 120) // the overview shows what is used of it
	const adminToken = "e2e-admin-token"
	admin := newUser()
	vars := productionEnv(t, standIn, map[string]string{"ADMIN_TOKEN": adminToken, "ADMIN_LINE_USER_IDS": admin})
	for k, v := range extra {
		vars[k] = v
	}
	r := &restartable{t: t, vars: vars, standIn: standIn}
	r.start()
	t.Cleanup(func() {
		if t.Failed() {
			for _, l := range strings.Split(r.logs.String(), "\n") {
				if strings.Contains(l, "console") || strings.Contains(l, "ERROR") {
					t.Log(l)
				}
			}
		}
	})
	inspect := openInspector(t, vars)
	ctx := context.Background()
	// settle waits for the pushes a console action queued (the outbox sends them in the background).
	settle := func() { (&testServer{inbox: r.inbox, outbox: r.outbox}).settle(t) }
	api := func(token, method, path, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, r.url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	invite := func(province string) string {
		code, out := api(adminToken, http.MethodPost, "/api/v1/officers/invites", `{"provinces": ["`+province+`"]}`)
		if code != http.StatusCreated {
			t.Fatalf("invite: %d %v", code, out)
		}
		return out["code"].(string)
	}
	officer, other, leader, worker := newUser(), newUser(), newUser(), newUser()
	standIn.SetProfile(line.Profile{UserID: officer, DisplayName: "วิชัย"})
	standIn.SetProfile(line.Profile{UserID: other, DisplayName: "ปรีชา", Language: "en"}) // the console speaks English to him
	standIn.SetProfile(line.Profile{UserID: leader, DisplayName: "สมหญิง"})
	standIn.SetProfile(line.Profile{UserID: worker, DisplayName: "มานี"})
	r.say(officer, "text.json", invite("TH-76"))
	r.say(other, "text.json", invite("TH-10"))

	// Not an officer: the word gets the ordinary answer, no link.
	if got := r.say(leader, "text.json", "เข้าระบบ"); signInLink.MatchString(got) {
		t.Fatalf("a non-officer got a sign-in link: %s", got)
	}
	// A leader applies.
	r.say(leader, "text.json", "สมัครแกนนำ")
	r.say(leader, "text.json", "สมหญิง ใจดี")
	r.say(leader, "text.json", "081-234-5678")
	reply := r.say(leader, "text.json", "เพชรบุรี")
	reply = r.say(leader, "postback.json", postbackFor(t, reply, "ข้าม"))
	r.say(leader, "postback.json", postbackFor(t, reply, "ข้าม"))
	r.say(leader, "text.json", "ยินยอม")
	r.say(leader, "text.json", "ยืนยัน")

	// Sign in from LINE: the word works mid-form too, and the form waits.
	r.say(officer, "text.json", "ประกาศ")
	link := signIn(t, r, officer, "เข้าระบบค่ะ")
	if !strings.HasPrefix(link, r.url[:strings.LastIndex(r.url, ":")]) && !strings.Contains(link, "localhost") {
		t.Errorf("link %s is not under PUBLIC_URL's default", link)
	}
	link = strings.Replace(link, "localhost", "127.0.0.1", 1)
	// A link preview fetching the URL does not use it up.
	if res, err := http.Get(link); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET link: %v %v", res, err)
	}
	tab := newTab(t)
	browse(t, tab, "open the sign-in link", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#signin")))
	shoot(t, tab, shots, "01-login")
	browse(t, tab, "sign in", chromedp.Click(chromedp.CSS("#signin")), chromedp.WaitVisible(chromedp.CSS("#pending-count")))
	if n := text(t, tab, "#pending-count"); n != "1" {
		t.Errorf("overview: %s applications waiting, want 1", n)
	}
	// The link worked once.
	res, err := http.PostForm(link, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), "ใช้ไม่ได้แล้ว") {
		t.Errorf("a second use of the link: %d %s", res.StatusCode, body)
	}
	browse(t, tab, "the used link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#link-dead")))
	shoot(t, tab, shots, "01-login-used")

	// Leaders: the phone is masked; "show" reveals it and writes an audit entry; approve with a reason.
	browse(t, tab, "leaders", chromedp.Navigate(r.url+"/console/leaders"), chromedp.WaitVisible(chromedp.CSS(".leader")))
	if p := text(t, tab, ".leader .phone"); p != "08x-xxx-5678" {
		t.Errorf("leader's phone shown as %q", p)
	}
	shoot(t, tab, shots, "02-leaders")
	browse(t, tab, "reveal the phone", chromedp.Click(chromedp.CSS(".leader .reveal")), chromedp.WaitNotPresent(chromedp.CSS(".leader .reveal")))
	if p := text(t, tab, ".leader .phone"); p != "0812345678" {
		t.Errorf("revealed phone = %q", p)
	}
	browse(t, tab, "approve", chromedp.SetValue(chromedp.CSS(`input[name=reason]`), "ยินดีต้อนรับค่ะ"),
		chromedp.Click(chromedp.CSS(".leader .approve")), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if l, _ := inspect.GetLeader(ctx, leader); l.Status != store.LeaderApproved || l.DecidedBy != officer {
		t.Fatalf("after approve: %+v", l)
	}
	settle()
	if ds := standIn.Deliveries(leader); !strings.Contains(string(ds[len(ds)-1].Messages[0]), "อนุมัติให้คุณเป็นแกนนำ") {
		t.Errorf("the leader was not told: %s", ds[len(ds)-1].Messages[0])
	}

	// Workshops: create one, the leader joins in LINE, the officer checks them in at the door.
	starts := time.Now().Add(72 * time.Hour).In(time.FixedZone("ICT", 7*3600))
	browse(t, tab, "new workshop", chromedp.Navigate(r.url+"/console/workshops"), chromedp.WaitVisible(chromedp.CSS("#new-workshop")),
		chromedp.SetValue(chromedp.CSS(`#new-workshop input[name=title]`), "อบรมแกนนำเพชรบุรี"),
		chromedp.SetValue(chromedp.CSS(`#new-workshop input[name=venue]`), "ศาลากลางจังหวัด ห้อง 2"),
		chromedp.SetValue(chromedp.CSS(`#new-workshop input[name=startsAt]`), starts.Format("2006-01-02T15:04")),
		chromedp.SetValue(chromedp.CSS(`#new-workshop input[name=endsAt]`), starts.Add(6*time.Hour).Format("2006-01-02T15:04")))
	shoot(t, tab, shots, "03-workshops")
	browse(t, tab, "create workshop", chromedp.Click(chromedp.CSS("#create-workshop")), chromedp.WaitVisible(chromedp.CSS(".flash")))
	// A number means the list the leader saw: look at the schedule, then join its first.
	if got := r.say(leader, "text.json", "ตารางอบรม"); !strings.Contains(got, "อบรมแกนนำเพชรบุรี") {
		t.Fatalf("the schedule: %s", got)
	}
	if got := r.say(leader, "text.json", "สมัคร 1"); !strings.Contains(got, "สมัครอบรม") || !strings.Contains(got, "อบรมแกนนำเพชรบุรี") {
		t.Fatalf("joining the workshop: %s", got)
	}
	wsURL, err := chromedp.Run(tab, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	shoot(t, tab, shots, "04-workshop")
	wsPage := strings.Split(wsURL, "?")[0]
	checkin := wsPage + "/checkin"
	// Three days early the door's page reads only; on the day (the start moved to now) it marks.
	browse(t, tab, "check-in page", chromedp.Navigate(checkin), chromedp.WaitVisible(chromedp.CSS("#checkin-early")))
	shoot(t, tab, shots, "05-checkin-early")
	w, err := inspect.GetWorkshop(ctx, wsPage[strings.LastIndex(wsPage, "/")+1:])
	if err != nil {
		t.Fatal(err)
	}
	planned := w.StartsAt
	w.StartsAt = time.Now().UTC().Add(-time.Minute).Truncate(time.Millisecond)
	if w, err = inspect.UpdateWorkshop(ctx, w); err != nil {
		t.Fatal(err)
	}
	browse(t, tab, "check-in page on the day", chromedp.Navigate(checkin), chromedp.WaitVisible(chromedp.CSS("button.tap:not([disabled])")))
	shoot(t, tab, shots, "05-checkin")
	browse(t, tab, "tap present", chromedp.Click(chromedp.CSS("button.tap")), chromedp.WaitVisible(chromedp.CSS("li.present")))
	shoot(t, tab, shots, "05-checkin-present")
	w.StartsAt = planned // back to its day, for the workshop list the leader reads later
	if _, err := inspect.UpdateWorkshop(ctx, w); err != nil {
		t.Fatal(err)
	}

	// Referrals: the work queue, a reveal (the audit names the officer), a status with a note.
	now := time.Now().UTC().Truncate(time.Millisecond)
	if err := inspect.CreateReferral(ctx, store.Referral{ID: "ref-e2e", SubmissionID: "sub-ref-e2e", Source: store.SourceLeader, LeaderID: leader,
		FullName: "มานี มีนา", NationalID: "1101700203450", Phone: "0891112222", Age: 45, Occupation: "ค้าขาย", ProvinceCode: "TH-76",
		Option: "2", Status: store.ReferralSubmitted, StatusAt: now, ConsentAt: now, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	browse(t, tab, "referrals", chromedp.Navigate(r.url+"/console/referrals"), chromedp.WaitVisible(chromedp.CSS(`a[href="/console/referrals/ref-e2e"]`)))
	shoot(t, tab, shots, "06-referrals")
	browse(t, tab, "referral", chromedp.Click(chromedp.CSS(`a[href="/console/referrals/ref-e2e"]`)), chromedp.WaitVisible(chromedp.CSS("#reveal")))
	if n := text(t, tab, "dd.nid"); strings.Contains(n, "1101700203450") {
		t.Errorf("national ID shown before reveal: %s", n)
	}
	browse(t, tab, "reveal", chromedp.Click(chromedp.CSS("#reveal")), chromedp.WaitNotPresent(chromedp.CSS("#reveal")))
	if n := text(t, tab, "dd.nid"); n != "1101700203450" {
		t.Errorf("revealed national ID = %q", n)
	}
	shoot(t, tab, shots, "07-referral")
	browse(t, tab, "status", chromedp.SetValue(chromedp.CSS("#next-status"), "contacted"),
		chromedp.SetValue(chromedp.CSS(`textarea[name=note]`), "โทรแล้ว นัดสมัครวันศุกร์"),
		chromedp.Click(chromedp.CSS("#save-status")), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if got, _ := inspect.GetReferral(ctx, "ref-e2e"); got.Status != store.ReferralContacted || got.StatusNote != "โทรแล้ว นัดสมัครวันศุกร์" {
		t.Errorf("referral after the change: %s %q", got.Status, got.StatusNote)
	}
	// The queue opens on ส่งแล้ว, which is empty now: it says so and offers everything.
	browse(t, tab, "referrals, none submitted", chromedp.Navigate(r.url+"/console/referrals"), chromedp.WaitVisible(chromedp.CSS("#show-all")))
	shoot(t, tab, shots, "06-referrals-empty")
	browse(t, tab, "audit", chromedp.Navigate(r.url+"/console/audit?action=referral.reveal"), chromedp.WaitVisible(chromedp.CSS("#audit")))
	if who := text(t, tab, "#audit td.who"); who != "วิชัย" {
		t.Errorf("the reveal's actor is shown as %q, want the officer's name", who)
	}
	browse(t, tab, "audit all", chromedp.Navigate(r.url+"/console/audit"), chromedp.WaitVisible(chromedp.CSS("#audit")))
	shoot(t, tab, shots, "08-audit")

	// Announcements: compose, pick the province, preview with the count, send; it arrives.
	sub, unsubscribe := standIn.Subscribe()
	defer unsubscribe()
	browse(t, tab, "compose", chromedp.Navigate(r.url+"/console/announcements"), chromedp.WaitVisible(chromedp.CSS("#compose")),
		chromedp.SetValue(chromedp.CSS("#ann-text"), "ขอเชิญแกนนำประชุมประจำเดือน"),
		chromedp.Click(chromedp.CSS("#preview")), chromedp.WaitVisible(chromedp.CSS("#recipients")))
	if got := text(t, tab, "#recipients"); !strings.Contains(got, "ส่งถึง 1 คน") {
		t.Errorf("recipient count: %q", got)
	}
	boxes, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('input[name=province][type=checkbox]').length`))
	if err != nil {
		t.Fatal(err)
	}
	if boxes != 1 {
		t.Errorf("the picker offers %d provinces, want only the officer's one", boxes)
	}
	shoot(t, tab, shots, "09-announcements")
	browse(t, tab, "send", chromedp.Click(chromedp.CSS("#send")), chromedp.WaitVisible(chromedp.CSS(".flash")))
	deadline := time.After(20 * time.Second) // a bound on a hang, not a wait: the loop ends on the delivery
	for delivered := false; !delivered; {
		select {
		case d := <-sub:
			// One recipient: the batch is a push (LINE counts it like a multicast of one).
			delivered = d.To == leader && strings.Contains(string(d.Messages[0]), "ขอเชิญแกนนำประชุมประจำเดือน")
		case <-deadline:
			t.Fatal("the announcement never reached the leader")
		}
	}
	// Hand-off: the leader asks for a person; the officer is told, answers and closes from the inbox.
	if got := r.say(leader, "text.json", "คุยกับเจ้าหน้าที่ค่ะ"); !strings.Contains(got, "ส่งเรื่องถึงเจ้าหน้าที่") {
		t.Fatalf("hand-off answered %s", got)
	}
	ds := standIn.Deliveries(officer)
	caseLink := regexp.MustCompile(`/console/cases/([0-9a-f-]{36})`).FindStringSubmatch(string(ds[len(ds)-1].Messages[0]))
	if len(caseLink) < 2 {
		t.Fatalf("the officer was not told of the case: %s", ds[len(ds)-1].Messages[0])
	}
	// The first message of the case is acknowledged with the way back, later ones get no reply.
	if got := r.say(leader, "text.json", "อยากทราบว่าอบรมมีที่จอดรถไหมคะ"); !strings.Contains(got, "ส่งถึงเจ้าหน้าที่แล้ว") || !strings.Contains(got, "a=case.end") {
		t.Errorf("the first message to the officer was not acknowledged: %s", got)
	}
	if got := r.say(leader, "text.json", "จอดได้กี่คันคะ"); got != "" {
		t.Errorf("the bot answered a member who is with an officer: %s", got)
	}
	browse(t, tab, "inbox", chromedp.Navigate(r.url+"/console/cases"), chromedp.WaitVisible(chromedp.CSS(`a[href="/console/cases/`+caseLink[1]+`"]`)))
	shoot(t, tab, shots, "14-inbox")
	browse(t, tab, "case", chromedp.Click(chromedp.CSS(`a[href="/console/cases/`+caseLink[1]+`"]`)), chromedp.WaitVisible(chromedp.CSS("#reply-text")))
	if tr := text(t, tab, "#transcript"); !strings.Contains(tr, "มีที่จอดรถไหม") || !strings.Contains(tr, "สมัคร 1") {
		t.Errorf("transcript (with the lines before the hand-off): %s", tr)
	}
	const mapLink = "https://www.sso.go.th/wpr/main/contact/phetchaburi-provincial-office_detail?cid=76&lang=th"
	browse(t, tab, "reply", chromedp.SetValue(chromedp.CSS("#reply-text"), "มีที่จอดรถด้านหลังศาลากลางค่ะ แผนที่ "+mapLink),
		chromedp.Click(chromedp.CSS("#send-reply")), chromedp.WaitVisible(chromedp.CSS(".flash")))
	settle()
	if ds := standIn.Deliveries(leader); !strings.Contains(string(ds[len(ds)-1].Messages[0]), "มีที่จอดรถด้านหลังศาลากลางค่ะ") {
		t.Errorf("the member did not get the reply: %s", ds[len(ds)-1].Messages[0])
	}
	shoot(t, tab, shots, "15-case")
	// At a phone's width the link in the reply wraps between its parts, not inside a word.
	browse(t, tab, "viewport", chromedp.EmulateViewport(390, 900))
	breaks, err := chromedp.Run(tab, chromedp.Evaluate[[]string](linkBreaks("#transcript .bubble")))
	if err != nil || len(breaks) != 1 || breaks[0] != "" {
		t.Errorf("the link in the transcript at 390 px: %q (%v), want it whole between its parts", breaks, err)
	}
	browse(t, tab, "viewport", chromedp.EmulateViewport(1280, 900))
	browse(t, tab, "inbox after the reply", chromedp.Navigate(r.url+"/console/cases"), chromedp.WaitVisible(chromedp.CSS(`#talking a[href="/console/cases/`+caseLink[1]+`"]`)))
	shoot(t, tab, shots, "14-inbox-talking")
	browse(t, tab, "overview after the reply", chromedp.Navigate(r.url+"/console"), chromedp.WaitVisible(chromedp.CSS("#talking-cases")))
	if w, k := text(t, tab, "#waiting-cases"), text(t, tab, "#talking-cases"); w != "0" || k != "1" {
		t.Errorf("after the reply the overview says %s waiting and %s in conversation", w, k)
	}
	browse(t, tab, "back to the case", chromedp.Navigate(r.url+"/console/cases/"+caseLink[1]), chromedp.WaitVisible(chromedp.CSS("#close-case")))
	browse(t, tab, "close", chromedp.Click(chromedp.CSS("#close-case")), chromedp.WaitNotPresent(chromedp.CSS("#close-case")), chromedp.WaitVisible(chromedp.CSS(".flash")))
	settle()
	if ds := standIn.Deliveries(leader); !strings.Contains(string(ds[len(ds)-1].Messages[0]), "ปิดเรื่องนี้แล้ว") {
		t.Errorf("the member was not told of the close: %s", ds[len(ds)-1].Messages[0])
	}
	if got := r.say(leader, "text.json", "ตารางอบรม"); !strings.Contains(got, "อบรมแกนนำเพชรบุรี") {
		t.Errorf("after the close the bot answers again: %s", got)
	}
	if res, err := http.Get(r.url + "/metrics"); err == nil {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		for _, m := range []string{`ssonet_handoff_first_response_seconds_count{province="TH-76"} 1`, `ssonet_handoff_resolution_seconds_count{province="TH-76"} 1`} {
			if !strings.Contains(string(b), m) {
				t.Errorf("/metrics lacks %s", m)
			}
		}
	}

	browse(t, tab, "overview", chromedp.Navigate(r.url+"/console"), chromedp.WaitVisible(chromedp.CSS("#pending-count")))
	if q := text(t, tab, "#quota"); !strings.Contains(q, "จาก 500") {
		t.Errorf("the overview's quota: %q", q)
	}
	shoot(t, tab, shots, "10-overview")
	browse(t, tab, "tokens", chromedp.Navigate(r.url+"/console/tokens"), chromedp.WaitVisible(chromedp.CSS("form")))
	shoot(t, tab, shots, "11-tokens")

	// The Bangkok officer, signed in through the console, sees and changes none of it.
	otherLink := strings.Replace(signIn(t, r, other, "login"), "localhost", "127.0.0.1", 1)
	jar, _ := cookiejar.New(nil)
	bkk := &http.Client{Jar: jar}
	if res, err := bkk.PostForm(otherLink, nil); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("Bangkok sign-in: %v %v", res, err)
	}
	get := func(path string) string {
		res, err := bkk.Get(r.url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	leadersPage := get("/console/leaders")
	if !strings.Contains(leadersPage, ">Leaders<") || !strings.Contains(leadersPage, "Sign out") {
		t.Error("the console does not speak English to an officer whose LINE is in English")
	}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(leadersPage)
	if len(csrf) < 2 {
		t.Fatal("no form token on the Bangkok officer's page")
	}
	for path, secret := range map[string]string{
		"/console/leaders?status=approved": "สมหญิง ใจดี", "/console/referrals?status=all": "มานี มีนา",
		"/console/referrals/ref-e2e": "มานี มีนา", "/console/workshops": "อบรมแกนนำเพชรบุรี", "/console/announcements": "ขอเชิญแกนนำประชุม",
		"/console/audit": "ref-e2e", "/console/cases": "สมหญิง", "/console/cases/" + caseLink[1]: "ที่จอดรถ",
	} {
		if strings.Contains(get(path), secret) {
			t.Errorf("the Bangkok officer sees %q at %s", secret, path)
		}
	}
	// The console's export links use the API with the session cookie, scoped like everything else.
	if res, err := bkk.Get(r.url + "/api/v1/referrals.csv"); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("export with the console session: %v %v", res, err)
	} else {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if strings.Contains(string(b), "มานี") {
			t.Error("the Bangkok officer's export holds a Phetchaburi referral")
		}
	}
	post := func(path string, form url.Values) string {
		form.Set("csrf", csrf[1])
		res, err := bkk.PostForm(r.url+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	post("/console/referrals/ref-e2e/status", url.Values{"status": {"withdrawn"}})
	post("/console/referrals/ref-e2e/reveal", url.Values{})
	if got, _ := inspect.GetReferral(ctx, "ref-e2e"); got.Status != store.ReferralContacted {
		t.Errorf("the Bangkok officer changed the referral to %s", got.Status)
	}
	if es, _ := inspect.ListAudit(ctx, store.AuditFilter{Action: "referral.reveal"}); len(es) != 1 {
		t.Errorf("%d reveals audited, want only the Phetchaburi officer's", len(es))
	}
	// Through the API with the Bangkok officer's own token, and through a forged LINE postback.
	tokenPage := post("/console/tokens", url.Values{"label": {"e2e"}, "days": {"1"}})
	token := regexp.MustCompile(`id="api-token">([^<]+)<`).FindStringSubmatch(tokenPage)
	if len(token) < 2 {
		t.Fatalf("no API token shown: %s", tokenPage)
	}
	if code, out := api(token[1], http.MethodGet, "/api/v1/referrals/ref-e2e?reveal=true", ""); code != http.StatusNotFound {
		t.Errorf("Bangkok token GET referral: %d %v", code, out)
	}
	if code, out := api(token[1], http.MethodGet, "/api/v1/referrals?province=เพชรบุรี", ""); code != http.StatusForbidden {
		t.Errorf("Bangkok token lists Phetchaburi referrals: %d %v", code, out)
	}
	if code, out := api(token[1], http.MethodGet, "/api/v1/leaders", ""); code != http.StatusOK || len(out["leaders"].([]any)) != 0 {
		t.Errorf("Bangkok token lists leaders: %d %v", code, out)
	}
	if got := r.say(other, "postback.json", "a=ldr.no&u="+leader+"&s=x"); !strings.Contains(got, "not one of your provinces") {
		t.Errorf("forged postback answered %s", got)
	}
	if code, _ := api(adminToken, http.MethodGet, "/api/v1/referrals?province=เพชรบุรี", ""); code != http.StatusOK {
		t.Errorf("GET /api/v1/referrals?province=เพชรบุรี = %d", code)
	}

	// An admin revokes the Bangkok officer: their console session and API token end at once.
	standIn.SetProfile(line.Profile{UserID: admin, DisplayName: "แอดมิน"})
	adminTab := newTab(t)
	browse(t, adminTab, "admin signs in", chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(strings.Replace(signIn(t, r, admin, "console"), "localhost", "127.0.0.1", 1)),
		chromedp.Click(chromedp.CSS("#signin")), chromedp.WaitVisible(chromedp.CSS("#pending-count")),
		chromedp.Navigate(r.url+"/console/officers"), chromedp.WaitVisible(chromedp.CSS("#officer-"+other)))
	shoot(t, adminTab, shots, "13-officers")
	browse(t, adminTab, "revoke", chromedp.Click(chromedp.CSS("#officer-"+other+" .revoke")), chromedp.WaitVisible(chromedp.CSS(".flash")),
		chromedp.WaitNotPresent(chromedp.CSS("#officer-"+other)))
	if page := get("/console/leaders"); !strings.Contains(page, "ยังไม่ได้เข้าสู่ระบบ") {
		t.Error("the revoked officer's console session still works")
	}
	if code, _ := api(token[1], http.MethodGet, "/api/v1/leaders", ""); code != http.StatusUnauthorized {
		t.Errorf("the revoked officer's API token answered %d", code)
	}
	if got := r.say(other, "text.json", "login"); signInLink.MatchString(got) {
		t.Errorf("a revoked officer still gets sign-in links: %s", got)
	}
	if es, _ := inspect.ListAudit(ctx, store.AuditFilter{Action: "officer.revoke"}); len(es) != 1 || es[0].Actor != "line:"+admin {
		t.Errorf("revoke audit: %+v", es)
	}
	browse(t, adminTab, "admin composes", chromedp.Navigate(r.url+"/console/announcements"), chromedp.WaitVisible(chromedp.CSS("#ann-provinces")),
		chromedp.SetValue(chromedp.CSS("#ann-text"), "ประชุมแกนนำทุกจังหวัด"), chromedp.Click(chromedp.CSS("#preview")), chromedp.WaitVisible(chromedp.CSS("#recipients")))
	shoot(t, adminTab, shots, "09-announcements-admin")

	// Sign out ends the session.
	browse(t, tab, "sign out", chromedp.Navigate(r.url+"/console"), chromedp.WaitVisible(chromedp.CSS(".who button")),
		chromedp.Click(chromedp.CSS(".who button")), chromedp.WaitVisible(chromedp.CSS("main .card.narrow")))
	browse(t, tab, "after sign-out", chromedp.Navigate(r.url+"/console/leaders"), chromedp.WaitVisible(chromedp.CSS("main .card.narrow")))
	shoot(t, tab, shots, "12-signedout")
}

func TestConsoleEndToEndSQLite(t *testing.T) { consoleEndToEnd(t, nil, "sqlite-") }

func TestConsoleEndToEndMongo(t *testing.T) {
	consoleEndToEnd(t, map[string]string{"MONGODB_URI": ferrettest.URI(t)}, "")
}
