package bot_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/bot"
	"github.com/ssonet/ssonet/bot/knowledge"
	"github.com/ssonet/ssonet/inbox"
	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
	"github.com/ssonet/ssonet/outbox/outboxtest"
	"github.com/ssonet/ssonet/scheduler"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/store/sqlitestore"
	"github.com/ssonet/ssonet/store/storetest"
)

// Conversation transcripts (docs/ARCHITECTURE.md, Tests): testdata/transcripts/*.txt, one command a line, in the language
// testdata/transcripts/README.md describes (events, assertions, arrangements, exact replies,
// -update, the clock). Every transcript runs against the real engine, SQLite store and the
// stand-in LINE API, which checks every request as LINE would.

const tokenForTests = "transcript-token"

type harness struct {
	t       testing.TB
	st      store.Store
	kept    map[string]string // name → a SubmissionID remembered by "keep"
	lapi    *linetest.Server
	eng     *bot.Engine
	ib      *inbox.Inbox // events reach the engine through it, as in production
	mu      sync.Mutex
	now     time.Time
	seq     int
	users   map[string]string // name → user ID
	english map[string]bool   // user IDs whose LINE language is English
	user    string            // current user ID
	last    []reply           // replies per event, newest last
	lastEv  bot.Event
	code    string // the latest invite code
	ann     *scheduler.Announcements
	out     outboxtest.Immediate
	kicked  bool     // OnAnnouncement was called during the event
	stale   bool     // the next event's reply token has already expired
	typed   []string // texts the users typed, which no postback data may carry

	// replied is the latest reply's messages as the engine built them (sdkChecked).
	replied []messaging_api.MessageInterface
}

// adminUserID is the harness's ADMIN_LINE_USER_IDS.
const adminUserID = "U0000000000000000000000000000ad01"

// update makes TestTranscripts rewrite the exact replies ("|" lines) from what the bot answers.
var update = flag.Bool("update", false, "rewrite the exact replies (| lines) of testdata/transcripts from what the bot answers")

// reply is what one event made the bot send, flattened for assertions.
type reply struct {
	pushed  bool // every message came by push
	text    string
	exact   string                     // every message in order, as renderExact writes it
	buttons map[string]json.RawMessage // label → action object
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	sealer := storetest.NewSealer(t)
	st, err := sqlitestore.Open(t.TempDir(), sealer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(context.Background()) })
	lapi := linetest.NewServer(tokenForTests)
	t.Cleanup(lapi.Close)
	client, err := line.New(line.Config{BaseURL: lapi.URL(), AccessToken: tokenForTests})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, st: st, lapi: lapi, users: map[string]string{}, english: map[string]bool{}, kept: map[string]string{},
		now: time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)}
	lapi.SetNow(h.clock) // one fake clock for the engine, the scheduler, the outbox and the stand-in
	h.out = outboxtest.New(t, st, client, h.clock, func(ctx context.Context, p store.Push) { h.ann.PushDone(ctx, p) })
	h.eng, err = bot.New(bot.Config{Store: st, Messenger: sdkChecked{h, client}, Outbox: h.out, Now: h.clock, Sealer: sealer,
		Admins: []string{adminUserID}, OnAnnouncement: func() { h.kicked = true }})
	if err != nil {
		t.Fatal(err)
	}
	h.ib, err = inbox.New(inbox.Config{Store: st, Handler: h.eng, Now: h.clock})
	if err != nil {
		t.Fatal(err)
	}
	h.ib.Start()
	t.Cleanup(func() { h.ib.Stop(context.Background()) })
	h.ann, err = scheduler.NewAnnouncements(scheduler.AnnouncementsConfig{Store: st, Outbox: h.out, Announcer: h.eng, Now: h.clock})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// sdkChecked is the engine's Messenger in the transcripts: before a reply goes on to the
// stand-in LINE API, its messages are checked to encode as the SDK encodes them (bot.SameAsSDK)
// and kept in harness.replied.
type sdkChecked struct {
	h *harness
	bot.Messenger
}

func (c sdkChecked) Reply(ctx context.Context, token string, msgs []messaging_api.MessageInterface) error {
	bot.SameAsSDK(c.h.t, msgs)
	c.h.mu.Lock()
	c.h.replied = msgs
	c.h.mu.Unlock()
	return c.Messenger.Reply(ctx, token, msgs)
}

// deliverAnnouncements runs the delivery job as the scheduler would, then the outbox (what an
// admin resumed goes out).
func (h *harness) deliverAnnouncements() {
	h.t.Helper()
	if err := h.ann.Run(context.Background()); err != nil {
		h.t.Fatalf("announcements: %v", err)
	}
	if _, err := h.out.SendDue(context.Background()); err != nil {
		h.t.Fatalf("outbox: %v", err)
	}
}

func (h *harness) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

func (h *harness) setUser(name string, english, admin bool) {
	id, ok := h.users[name]
	if !ok {
		id = fmt.Sprintf("U%032x", len(h.users)+1)
		if admin {
			id = adminUserID
		}
		h.users[name] = id
		lang := "th"
		if english {
			lang = "en"
			h.english[id] = true
		}
		h.lapi.SetProfile(line.Profile{UserID: id, DisplayName: name, Language: lang})
	}
	h.user = id
}

// setDisplayName changes the current user's LINE display name.
func (h *harness) setDisplayName(name string) {
	h.lapi.SetProfile(line.Profile{UserID: h.user, DisplayName: name, Language: "th"})
}

// send hands one event to the engine with a fresh id and reply token, and records the reply.
func (h *harness) send(ev bot.Event) {
	h.t.Helper()
	h.seq++
	ev.UserID = h.user
	if ev.ID == "" {
		ev.ID = fmt.Sprintf("01TRANSCRIPT%014d", h.seq)
	}
	if ev.Kind != bot.KindUnfollow && ev.ReplyToken == "" {
		ev.ReplyToken = h.lapi.IssueReplyToken(h.user)
		if h.stale {
			h.lapi.ExpireReplyToken(ev.ReplyToken)
			h.stale = false
		}
	}
	ev.Time = h.clock()
	h.deliver(ev)
}

func (h *harness) deliver(ev bot.Event) {
	h.t.Helper()
	before := len(h.lapi.Deliveries(h.user))
	h.kicked = false
	if err := h.ib.Accept(context.Background(), []bot.Event{ev}); err != nil {
		h.t.Fatalf("Accept(%s): %v", ev.Kind, err)
	}
	if err := h.ib.WaitIdle(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	if h.kicked {
		h.deliverAnnouncements()
	}
	h.lastEv = ev
	var mine []linetest.Delivery // what answered this event: replies and the push fallback
	for _, d := range h.lapi.Deliveries(h.user)[before:] {
		if d.Endpoint == line.EndpointReply || d.Endpoint == line.EndpointPush {
			mine = append(mine, d)
		}
	}
	r := flatten(h.t, mine)
	h.noUserTextInData(ev, r)
	h.saidOneWay(mine)
	h.last = append(h.last, r)
	if testing.Verbose() {
		h.t.Logf("> %s %q %q\n%s", ev.Kind, ev.Text, ev.Postback, r.text)
	}
}

// flatten renders delivered messages as text with button labels in brackets.
func flatten(t testing.TB, ds []linetest.Delivery) reply {
	r := reply{buttons: map[string]json.RawMessage{}}
	var b strings.Builder
	for _, d := range ds {
		for _, m := range d.Messages {
			var v any
			if err := json.Unmarshal(m, &v); err != nil {
				t.Fatal(err)
			}
			walk(v, &b, r.buttons)
		}
	}
	r.text = b.String()
	r.exact = renderExact(t, ds)
	r.pushed = len(ds) > 0
	for _, d := range ds {
		r.pushed = r.pushed && d.Endpoint == "push"
	}
	return r
}

// renderExact writes deliveries for an exact comparison, in the order a phone shows them: a
// text message as its lines; a flex message as "[flex] <altText>" and then, indented, its
// texts and buttons in layout order (a horizontal box on one line, " · " between its parts;
// "--" between the cards of a carousel); the quick replies as a last line "quick: [a] [b]".
// Pushes (the reply token had expired) start with "(push)"; nothing sent is "(nothing)".
func renderExact(t testing.TB, ds []linetest.Delivery) string {
	var lines []string
	for _, d := range ds {
		if d.Endpoint == line.EndpointPush {
			lines = append(lines, "(push)")
		}
		for _, m := range d.Messages {
			var v map[string]any
			if err := json.Unmarshal(m, &v); err != nil {
				t.Fatal(err)
			}
			switch v["type"] {
			case "text":
				lines = append(lines, strings.Split(v["text"].(string), "\n")...)
			case "flex":
				lines = append(lines, fmt.Sprintf("[flex] %v", v["altText"]))
				for _, l := range flexLines(v["contents"]) {
					lines = append(lines, "  "+l)
				}
			default:
				lines = append(lines, fmt.Sprintf("[%v]", v["type"]))
			}
			if q, ok := v["quickReply"].(map[string]any); ok {
				var labels []string
				for _, it := range q["items"].([]any) {
					a := it.(map[string]any)["action"].(map[string]any)
					labels = append(labels, fmt.Sprintf("[%v]", a["label"]))
				}
				lines = append(lines, "quick: "+strings.Join(labels, " "))
			}
		}
	}
	if len(lines) == 0 {
		return "(nothing)"
	}
	return strings.Join(lines, "\n")
}

// flexLines renders a flex container or component for renderExact.
func flexLines(v any) []string {
	o, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	var out []string
	switch o["type"] {
	case "carousel":
		for i, c := range o["contents"].([]any) {
			if i > 0 {
				out = append(out, "--")
			}
			out = append(out, flexLines(c)...)
		}
	case "bubble":
		for _, part := range []string{"header", "hero", "body", "footer"} {
			out = append(out, flexLines(o[part])...)
		}
	case "box":
		contents, _ := o["contents"].([]any)
		var parts []string
		for _, c := range contents {
			parts = append(parts, flexLines(c)...)
		}
		if o["layout"] == "horizontal" {
			return []string{strings.Join(parts, " · ")}
		}
		return parts
	case "text":
		out = append(out, strings.Split(fmt.Sprint(o["text"]), "\n")...)
	case "button":
		a, _ := o["action"].(map[string]any)
		out = append(out, fmt.Sprintf("[%v]", a["label"]))
	}
	return out
}

func walk(v any, b *strings.Builder, buttons map[string]json.RawMessage) {
	switch x := v.(type) {
	case map[string]any:
		if a, ok := x["action"].(map[string]any); ok {
			if l, ok := a["label"].(string); ok {
				raw, _ := json.Marshal(a)
				buttons[l] = raw
				b.WriteString("[" + l + "]")
			}
		}
		if s, ok := x["text"].(string); ok && x["type"] != "message" {
			b.WriteString(s + "\n")
		}
		for k, c := range x {
			if k != "action" {
				walk(c, b, buttons)
			}
		}
	case []any:
		for _, c := range x {
			walk(c, b, buttons)
		}
	}
}

// noUserTextInData fails the test when a button's postback data carries text a member typed
// or their display name (issue 9 item 10): such data is cut at 300 characters, and it is theirs.
func (h *harness) noUserTextInData(ev bot.Event, r reply) {
	h.t.Helper()
	if ev.Kind == bot.KindMessage && utf8.RuneCountInString(ev.Text) >= minUserText {
		h.typed = append(h.typed, ev.Text)
	}
	for label, raw := range r.buttons {
		var a struct{ Data string }
		if json.Unmarshal(raw, &a) != nil || a.Data == "" {
			continue
		}
		data, err := url.QueryUnescape(a.Data)
		if err != nil {
			data = a.Data
		}
		for _, s := range h.typed {
			if strings.Contains(data, s) {
				h.t.Fatalf("button %q carries user text %q in its postback data %q", label, s, a.Data)
			}
		}
		for name := range h.users {
			if utf8.RuneCountInString(name) >= minUserText && strings.Contains(data, name) {
				h.t.Fatalf("button %q carries display name %q in its postback data %q", label, name, a.Data)
			}
		}
	}
}

// Lines that start as list items: with the bot's marker (knowledge.Bullet), with a number
// ("1.", the lists a member picks from by number), or with any other marker.
var (
	bulletItem      = regexp.MustCompile(`^` + regexp.QuoteMeta(knowledge.Bullet))
	numberedItem    = regexp.MustCompile(`^\d+\. `)
	otherListMarker = regexp.MustCompile(`^\s*(\d+\)|[-*·●▪◦‣○–])\s`)
)

// hotline is the Section 40 hotline of the embedded knowledge, which the transcripts use.
const hotline = "1506"

// saidOneWay fails the test when a text message gives the hotline more than once, lists with
// a marker other than knowledge.Bullet or numbers, or mixes the two (a fresh tester found a
// Section 40 answer giving the hotline twice and one listing two ways; it holds for every
// reply of every transcript).
func (h *harness) saidOneWay(ds []linetest.Delivery) {
	h.t.Helper()
	for _, d := range ds {
		for _, m := range d.Messages {
			var v struct{ Type, Text string }
			if json.Unmarshal(m, &v) != nil || v.Type != "text" {
				continue
			}
			if n := strings.Count(v.Text, hotline); n > 1 {
				h.t.Fatalf("a reply gives the hotline %d times:\n%s", n, v.Text)
			}
			bullets, numbers := false, false
			for _, l := range strings.Split(v.Text, "\n") {
				if otherListMarker.MatchString(l) {
					h.t.Fatalf("a reply lists with a marker other than %q: %q in\n%s", knowledge.Bullet, l, v.Text)
				}
				bullets = bullets || bulletItem.MatchString(l)
				numbers = numbers || numberedItem.MatchString(l)
			}
			if bullets && numbers {
				h.t.Fatalf("a reply lists both with %q and with numbers:\n%s", knowledge.Bullet, v.Text)
			}
		}
	}
}

// minUserText is the shortest typed text noUserTextInData looks for (shorter ones, such as
// "1", occur in data by chance).
const minUserText = 8

func (h *harness) tap(r reply, label string) {
	h.t.Helper()
	raw, ok := r.buttons[label]
	if !ok {
		h.t.Fatalf("no button %q in reply:\n%s", label, r.text)
	}
	var a struct{ Type, Text, Data string }
	if err := json.Unmarshal(raw, &a); err != nil {
		h.t.Fatal(err)
	}
	switch a.Type {
	case "message":
		h.send(bot.Event{Kind: bot.KindMessage, Text: a.Text})
	case "postback":
		h.send(bot.Event{Kind: bot.KindPostback, Postback: a.Data})
	default:
		h.t.Fatalf("button %q has action type %q", label, a.Type)
	}
}

func (h *harness) lastReply() reply {
	if len(h.last) == 0 {
		h.t.Fatal("no event sent yet")
	}
	return h.last[len(h.last)-1]
}

func TestTranscripts(t *testing.T) {
	files, err := filepath.Glob("testdata/transcripts/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			t.Parallel()
			runTranscript(t, f)
		})
	}
}

func runTranscript(t *testing.T, path string) {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	exact := slices.Contains(lines, "mode exact")
	var out []string // the file as -update writes it
	h := newHarness(t)
	for i := 0; i < len(lines); i++ {
		n := i + 1
		out = append(out, lines[i])
		if strings.HasPrefix(lines[i], "|") {
			t.Fatalf("%s:%d: an exact reply (|) must follow an event (>)", filepath.Base(path), n)
		}
		line := strings.ReplaceAll(strings.TrimSpace(lines[i]), "$CODE", h.code)
		for name, id := range h.users {
			if strings.Contains(line, "$sub:"+name) { // the current application of that leader
				l, _ := h.st.GetLeader(context.Background(), id)
				line = strings.ReplaceAll(line, "$sub:"+name, l.SubmissionID)
			}
			line = strings.ReplaceAll(line, "$kept:"+name, h.kept[name])
			line = strings.ReplaceAll(line, "@"+name, id)
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		where := fmt.Sprintf("%s:%d: %s", filepath.Base(path), n, line)
		cmd, arg, _ := strings.Cut(line, " ")
		switch cmd {
		case "user":
			name, lang, _ := strings.Cut(arg, " ")
			h.setUser(name, lang == "en", lang == "admin")
		case "profile":
			h.setDisplayName(arg)
		case "keep": // remember the current application of a leader as $kept:<name>
			l, err := h.st.GetLeader(context.Background(), h.users[arg])
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			h.kept[arg] = l.SubmissionID
		case "invite":
			code, _, err := h.eng.Actions().CreateInvite(context.Background(), actions.Bootstrap, strings.Fields(arg), 48*time.Hour)
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			h.code = code
		case "leader":
			f := strings.Fields(arg)
			if len(f) != 3 {
				t.Fatalf("%s: want leader <name> <province> <status>", where)
			}
			h.storeLeader(f[0], f[1], store.LeaderStatus(f[2]))
		case "join":
			name, ws, _ := strings.Cut(arg, " ")
			cur := h.user
			h.setUser(name, false, false)
			if _, err := h.st.JoinWorkshop(context.Background(), ws, h.user, h.clock()); err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			h.user = cur
		case "worker":
			name, province, _ := strings.Cut(arg, " ")
			h.storeWorker(name, province)
		case "<<!":
			if got := h.inbox(); strings.Contains(got.text, arg) {
				t.Fatalf("%s\nnewest push was:\n%s", where, got.text)
			}
		case "<<":
			if got := h.inbox(); !strings.Contains(got.text, arg) {
				t.Fatalf("%s\nnewest push was:\n%s", where, got.text)
			}
		case "mode":
			if arg != "exact" {
				t.Fatalf("%s: unknown mode", where)
			}
		case ">":
			sent := len(h.last)
			h.event(where, arg)
			var want []string
			for i+1 < len(lines) && strings.HasPrefix(lines[i+1], "|") {
				i++
				want = append(want, strings.TrimPrefix(strings.TrimPrefix(lines[i], "|"), " "))
			}
			if len(h.last) == sent || !exact && want == nil {
				if want != nil {
					t.Fatalf("%s: an exact reply follows an event that sends nothing", where)
				}
				break
			}
			got := strings.Split(h.lastReply().exact, "\n")
			for _, l := range got {
				out = append(out, strings.TrimRight("| "+l, " "))
			}
			if !*update && !slices.Equal(got, want) {
				t.Errorf("%s\nreply was (go test ./bot -run TestTranscripts -update rewrites it):\n| %s\nwant:\n| %s",
					where, strings.Join(got, "\n| "), strings.Join(want, "\n| "))
			}
		case "<":
			if !strings.Contains(h.lastReply().text, arg) {
				t.Fatalf("%s\nreply was:\n%s", where, h.lastReply().text)
			}
		case "<!":
			if strings.Contains(h.lastReply().text, arg) {
				t.Fatalf("%s\nreply was:\n%s", where, h.lastReply().text)
			}
		case "<push":
			if !h.lastReply().pushed {
				t.Fatalf("%s\nnot pushed", where)
			}
		case "<none":
			if h.lastReply().text != "" {
				t.Fatalf("%s\nreply was:\n%s", where, h.lastReply().text)
			}
		case "=":
			h.check(where, arg)
		case "!":
			h.arrange(where, arg)
		default:
			t.Fatalf("%s: unknown command", where)
		}
	}
	if *update && !slices.Equal(out, lines) {
		if err := os.WriteFile(path, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("updated %s", path)
	}
}

func (h *harness) event(where, arg string) {
	h.t.Helper()
	verb, rest, _ := strings.Cut(arg, " ")
	switch verb {
	case "follow":
		h.send(bot.Event{Kind: bot.KindFollow, Unblocked: rest == "unblocked"})
	case "unfollow":
		h.send(bot.Event{Kind: bot.KindUnfollow})
	case "text":
		h.send(bot.Event{Kind: bot.KindMessage, Text: rest})
	case "sticker":
		h.send(bot.Event{Kind: bot.KindMessage})
	case "tap":
		h.tap(h.lastReply(), rest)
	case "tapold":
		for i := len(h.last) - 2; i >= 0; i-- {
			if _, ok := h.last[i].buttons[rest]; ok {
				h.tap(h.last[i], rest)
				return
			}
		}
		h.t.Fatalf("%s: no earlier reply has that button", where)
	case "postback":
		h.send(bot.Event{Kind: bot.KindPostback, Postback: rest})
	case "pick":
		label, value, _ := strings.Cut(rest, " ")
		raw, ok := h.lastReply().buttons[label]
		var a struct{ Type, Data, Mode string }
		if !ok || json.Unmarshal(raw, &a) != nil || a.Type != "datetimepicker" {
			h.t.Fatalf("%s: no datetime picker %q in the last reply", where, label)
		}
		h.send(bot.Event{Kind: bot.KindPostback, Postback: a.Data, Params: map[string]string{a.Mode: value}})
	case "tapinbox":
		h.tap(h.inbox(), rest)
	case "tick":
		h.deliverAnnouncements()
	case "expiretoken":
		h.stale = true
	case "redeliver":
		ev := h.lastEv
		ev.Redelivery = true
		h.deliver(ev)
	case "wait":
		d, err := time.ParseDuration(rest)
		if err != nil {
			h.t.Fatalf("%s: %v", where, err)
		}
		h.mu.Lock()
		h.now = h.now.Add(d)
		h.mu.Unlock()
	default:
		h.t.Fatalf("%s: unknown event", where)
	}
}

func (h *harness) check(where, arg string) {
	h.t.Helper()
	ctx := context.Background()
	what, want, _ := strings.Cut(arg, " ")
	switch what {
	case "leader":
		l, err := h.st.GetLeader(ctx, h.user)
		got := string(l.Status)
		if err != nil {
			got = "none"
		}
		if got != want {
			h.t.Fatalf("%s: leader is %s (%v)", where, got, err)
		}
	case "session":
		s, err := h.st.GetSession(ctx, h.user)
		got := s.Flow
		if err != nil || got == "" { // an idle session holds only what was last shown
			got = "none"
		}
		if got != want {
			h.t.Fatalf("%s: session is %q (%v)", where, got, err)
		}
	case "audit":
		action, n, _ := strings.Cut(want, " ")
		es, err := h.st.ListAudit(ctx, store.AuditFilter{Action: action, Subject: h.user})
		if err != nil || fmt.Sprint(len(es)) != n {
			h.t.Fatalf("%s: %d audit entries (%v)", where, len(es), err)
		}
	case "member":
		m, err := h.st.GetMember(ctx, h.user)
		if err != nil {
			h.t.Fatalf("%s: %v", where, err)
		}
		got := "active"
		if m.Blocked {
			got = "blocked"
		}
		if got != want {
			h.t.Fatalf("%s: member is %s", where, got)
		}
	case "cases": // how many hand-off cases the user has, open or closed
		n := 0
		for _, st := range []store.CaseStatus{store.CaseOpen, store.CaseClosed} {
			cs, err := h.st.ListCases(ctx, "", st, 1000)
			if err != nil {
				h.t.Fatal(err)
			}
			for _, c := range cs {
				if c.UserID == h.user {
					n++
				}
			}
		}
		if got := strconv.Itoa(n); got != want {
			h.t.Fatalf("%s: %s cases", where, got)
		}
	case "case": // "has <text>" or "lacks <text>": a line of the user's open hand-off case contains text
		has, text, _ := strings.Cut(want, " ")
		c, err := h.st.OpenCaseOf(ctx, h.user)
		if err != nil || (has != "has" && has != "lacks") || text == "" {
			h.t.Fatalf("%s: want = case has|lacks <text> of an open case (%v)", where, err)
		}
		found := slices.ContainsFunc(c.Entries, func(e store.CaseEntry) bool { return strings.Contains(e.Text, text) })
		if found != (has == "has") {
			var lines []string
			for _, e := range c.Entries {
				lines = append(lines, e.From+": "+e.Text)
			}
			h.t.Fatalf("%s: the case's lines are:\n%s", where, strings.Join(lines, "\n"))
		}
	case "recent": // how many recent lines (for a hand-off) the store keeps of the user
		rs, err := h.st.Recent(ctx, h.user)
		if err != nil {
			h.t.Fatal(err)
		}
		if got := strconv.Itoa(len(rs)); got != want {
			h.t.Fatalf("%s: %s recent lines", where, got)
		}
	case "officer":
		o, err := h.st.GetOfficer(ctx, h.user)
		got := strings.Join(o.Provinces, ",")
		if err != nil {
			got = "none"
		}
		if got != want {
			h.t.Fatalf("%s: officer is %s (%v)", where, got, err)
		}
	case "announcement":
		got, newest := "none", time.Time{}
		for _, s := range []store.AnnouncementStatus{store.AnnouncementScheduled, store.AnnouncementSending, store.AnnouncementSent, store.AnnouncementCancelled} {
			as, err := h.st.ListAnnouncements(ctx, s)
			if err != nil {
				h.t.Fatal(err)
			}
			for _, a := range as {
				if a.CreatedAt.After(newest) || got == "none" {
					got, newest = string(a.Status), a.CreatedAt
				}
			}
		}
		if got != want {
			h.t.Fatalf("%s: announcement is %s", where, got)
		}
	case "multicasts":
		n := 0
		for _, c := range h.lapi.Calls() {
			if c.Endpoint == line.EndpointMulticast {
				n++
			}
		}
		if fmt.Sprint(n) != want {
			h.t.Fatalf("%s: %d multicast calls", where, n)
		}
	case "feedback":
		topic, want, _ := strings.Cut(want, " ")
		fs, err := h.st.ListKnowledgeFeedback(ctx)
		if err != nil {
			h.t.Fatalf("%s: %v", where, err)
		}
		got := "0 0"
		for _, f := range fs {
			if f.Topic == topic {
				got = fmt.Sprint(f.Helpful, " ", f.NotHelpful)
			}
		}
		if got != want {
			h.t.Fatalf("%s: feedback on %s is %s (helpful, not helpful)", where, topic, got)
		}
	case "referrals":
		rs, err := h.st.ListReferrals(ctx, store.ReferralFilter{Limit: 1000})
		if err != nil {
			h.t.Fatalf("%s: %v", where, err)
		}
		if got := fmt.Sprint(len(rs)); got != want {
			h.t.Fatalf("%s: %s referrals stored", where, got)
		}
	case "registration":
		id, want, _ := strings.Cut(want, " ")
		r, err := h.st.GetRegistration(ctx, id, h.user)
		got := string(r.Status)
		if err != nil {
			got = "none"
		}
		if got != want {
			h.t.Fatalf("%s: registration is %s (%v)", where, got, err)
		}
	default:
		h.t.Fatalf("%s: unknown check", where)
	}
}

// storeMember creates user name (if new) with a member record, without switching to them,
// and returns their user ID.
func (h *harness) storeMember(name string) string {
	h.t.Helper()
	cur := h.user
	h.setUser(name, false, false)
	id := h.user
	h.user = cur
	now, lang := h.clock(), store.LangThai
	if h.english[id] {
		lang = store.LangEnglish
	}
	if err := h.st.UpsertMember(context.Background(), store.Member{UserID: id, DisplayName: name, Language: lang, FollowedAt: now, UpdatedAt: now}); err != nil {
		h.t.Fatal(err)
	}
	return id
}

// storeLeader creates user name (if new) with a member and a leader record in province.
func (h *harness) storeLeader(name, province string, status store.LeaderStatus) {
	h.t.Helper()
	ctx, now := context.Background(), h.clock()
	id := h.storeMember(name)
	l := store.Leader{UserID: id, SubmissionID: "sub-" + id, FullName: name + " ใจดี", Phone: "0812345678", ProvinceCode: province,
		Status: status, ConsentAt: now, CreatedAt: now}
	if status != store.LeaderPending {
		l.DecidedAt, l.DecidedBy = now, "api"
	}
	if err := h.st.CreateLeader(ctx, l); err != nil {
		h.t.Fatal(err)
	}
}

// storeWorker creates user name (if new) with a member and an open self-referral in province.
func (h *harness) storeWorker(name, province string) {
	h.t.Helper()
	ctx, now := context.Background(), h.clock()
	id := h.storeMember(name)
	r := store.Referral{ID: "ref-" + id, SubmissionID: "sub-ref-" + id, Source: store.SourceSelf, WorkerUserID: id,
		FullName: name + " ขยัน", Phone: "0898765432", ProvinceCode: province, Status: store.ReferralSubmitted,
		StatusAt: now, ConsentAt: now, CreatedAt: now}
	if err := h.st.CreateReferral(ctx, r); err != nil {
		h.t.Fatal(err)
	}
}

// inbox is the newest delivery to the current user that did not answer one of their events:
// a push, multicast or broadcast; empty when there is none.
func (h *harness) inbox() reply {
	h.t.Helper()
	ds := h.lapi.Deliveries(h.user)
	for i := len(ds) - 1; i >= 0; i-- {
		if ds[i].Endpoint != line.EndpointReply {
			return flatten(h.t, ds[i:i+1])
		}
	}
	return reply{}
}

// arrange sets up store records that other people (officers) create, for the current user.
func (h *harness) arrange(where, arg string) {
	h.t.Helper()
	f := strings.Fields(arg)
	switch {
	case len(f) == 3 && f[0] == "leader":
		now := h.clock()
		l := store.Leader{UserID: h.user, SubmissionID: "arranged-" + h.user, FullName: "แกนนำ ทดสอบ",
			Phone: "0899999999", ProvinceCode: f[2], Status: store.LeaderStatus(f[1]), ConsentAt: now, CreatedAt: now}
		if l.Status != store.LeaderPending {
			l.DecidedAt, l.DecidedBy = now, "U-officer"
		}
		if err := h.st.CreateLeader(context.Background(), l); err != nil {
			h.t.Fatalf("%s: %v", where, err)
		}
	case len(f) == 3 && f[0] == "quota":
		limit, err1 := strconv.ParseInt(f[1], 10, 64)
		used, err2 := strconv.ParseInt(f[2], 10, 64)
		if err1 != nil || err2 != nil {
			h.t.Fatalf("%s: quota needs two numbers", where)
		}
		h.lapi.SetMonthlyQuota(limit, used)
	case len(f) == 2 && f[0] == "referrals":
		n, err := strconv.Atoi(f[1])
		if err != nil {
			h.t.Fatalf("%s: %v", where, err)
		}
		for i := 1; i <= n; i++ {
			at := h.clock().Add(time.Duration(i-n) * time.Minute)
			r := store.Referral{ID: fmt.Sprintf("%s-ref-%d", h.user, i), SubmissionID: fmt.Sprintf("%s-sub-%d", h.user, i),
				Source: store.SourceLeader, LeaderID: h.user, FullName: fmt.Sprintf("ผู้สมัคร ที่%d", i),
				NationalID: fmt.Sprintf("%013d", i), Phone: "0891112222", ProvinceCode: "TH-76",
				Status: store.ReferralSubmitted, StatusAt: at, ConsentAt: at, CreatedAt: at}
			if i%3 == 0 {
				r.Status = store.ReferralContacted
			}
			if err := h.st.CreateReferral(context.Background(), r); err != nil {
				h.t.Fatalf("%s: %v", where, err)
			}
		}
	case len(f) >= 3 && f[0] == "workshop":
		seats, err := strconv.Atoi(f[2])
		if err != nil {
			h.t.Fatalf("%s: %v", where, err)
		}
		province, in := "TH-76", 48*time.Hour
		if len(f) > 3 {
			province = f[3]
		}
		if len(f) > 4 {
			if in, err = time.ParseDuration(f[4]); err != nil {
				h.t.Fatalf("%s: %v", where, err)
			}
		}
		start := h.clock().Add(in)
		_, err = h.st.CreateWorkshop(context.Background(), store.Workshop{ID: f[1], Title: "อบรม " + f[1], ProvinceCode: province,
			Venue: store.Venue{Name: "โรงแรมเพชรบุรี", Address: "ถ.ราชวิถี"}, StartsAt: start, EndsAt: start.Add(6 * time.Hour),
			Capacity: seats, RegistrationDeadline: start.Add(-24 * time.Hour), Status: store.WorkshopOpen, CreatedBy: "api",
			CreatedAt: h.clock(), UpdatedAt: h.clock()})
		if err != nil {
			h.t.Fatalf("%s: %v", where, err)
		}
	case len(f) >= 2 && f[0] == "reject":
		l, err := h.st.GetLeader(context.Background(), h.user)
		if err == nil {
			_, err = h.st.DecideLeader(context.Background(), h.user, store.LeaderDecision{SubmissionID: l.SubmissionID,
				Status: store.LeaderRejected, By: "api", Note: strings.Join(f[1:], " "), At: h.clock()})
		}
		if err != nil {
			h.t.Fatalf("%s: %v", where, err)
		}
	case len(f) >= 2 && f[0] == "casereply":
		ctx := context.Background()
		c, err := h.st.OpenCaseOf(ctx, h.user)
		if err == nil {
			_, err = h.eng.Actions().ReplyToCase(ctx, actions.Actor{Admin: true}, c.ID, strings.Join(f[1:], " "))
		}
		if err != nil {
			h.t.Fatalf("%s: %v", where, err)
		}
	case len(f) == 2 && f[0] == "attended":
		if _, err := h.st.SetAttendance(context.Background(), f[1], h.user, true, h.clock()); err != nil {
			h.t.Fatalf("%s: %v", where, err)
		}
	case len(f) == 2 && f[0] == "cancelworkshop":
		w, err := h.st.GetWorkshop(context.Background(), f[1])
		if err == nil {
			w.Status, w.UpdatedAt = store.WorkshopCancelled, h.clock()
			_, err = h.st.UpdateWorkshop(context.Background(), w)
		}
		if err != nil {
			h.t.Fatalf("%s: %v", where, err)
		}
	case len(f) == 3 && f[0] == "longworkshops":
		n, err := strconv.Atoi(f[1])
		if err != nil {
			h.t.Fatalf("%s: %v", where, err)
		}
		for i := 1; i <= n; i++ {
			start := h.clock().Add(time.Duration(48+i) * time.Hour)
			_, err = h.st.CreateWorkshop(context.Background(), store.Workshop{ID: fmt.Sprintf("long%02d", i),
				Title:        fmt.Sprintf("ยาว%02d ", i) + strings.Repeat("อบรมเสริมศักยภาพแกนนำเครือข่าย ", 6),
				Description:  strings.Repeat("สิทธิประโยชน์ผู้ประกันตนมาตรา 40 ทางเลือก 1 2 3 ", 40),
				ProvinceCode: f[2], Venue: store.Venue{Name: strings.Repeat("โรงแรมเพชรบุรี ห้องประชุมใหญ่ ", 10),
					Address: strings.Repeat("ถนนราชวิถี ตำบลท่าราบ อำเภอเมืองเพชรบุรี ", 7),
					MapURL:  "https://www.google.com/maps/search/?api=1&query=" + strings.Repeat("%E0%B8%81", 105)},
				StartsAt: start, EndsAt: start.Add(6 * time.Hour), Capacity: 30, RegistrationDeadline: start.Add(-24 * time.Hour),
				Status: store.WorkshopOpen, CreatedBy: "api", CreatedAt: h.clock(), UpdatedAt: h.clock()})
			if err != nil {
				h.t.Fatalf("%s: %v", where, err)
			}
		}
	default:
		h.t.Fatalf("%s: unknown arrangement", where)
	}
}
