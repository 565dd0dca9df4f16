package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/ssonet/ssonet/inbox"
	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
	"github.com/ssonet/ssonet/outbox"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/store/mongostore/ferrettest"
)

// restartable is a server that a test can stop and start again on the same data.
type restartable struct {
	t       *testing.T
	vars    map[string]string
	standIn *linetest.Server
	url     string
	inbox   *inbox.Inbox   // the running server's workers
	outbox  *outbox.Outbox // the running server's pushes
	stop    func()
	logs    *logSink // the running server's log
}

func (r *restartable) start() {
	r.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc, errc := make(chan started, 1), make(chan error, 1)
	logs := &logSink{}
	r.logs = logs
	go func() { errc <- run(ctx, env(r.vars), logs, func(a started) { addrc <- a }) }()
	select {
	case a := <-addrc:
		r.url, r.inbox, r.outbox = "http://"+a.addr, a.inbox, a.outbox
	case err := <-errc:
		cancel()
		r.t.Fatalf("server did not start: %v\n%s", err, logs.buf.String())
	}
	r.stop = func() {
		cancel()
		if err := <-errc; err != nil {
			r.t.Errorf("server stopped with: %v\n%s", err, logs.buf.String())
		}
		r.stop = nil
	}
	r.t.Cleanup(func() {
		if r.stop != nil {
			r.stop()
		}
	})
}

// say sends one signed webhook event (text, or postback when kind is "postback.json") from
// user and returns everything the stand-in delivered to the user because of it, as raw JSON.
func (r *restartable) say(user, kind, text string) string {
	r.t.Helper()
	before := len(r.standIn.Deliveries(user))
	s := &testServer{url: r.url, standIn: r.standIn, inbox: r.inbox, outbox: r.outbox}
	body := fixture(r.t, kind, event{UserID: user, EventID: newEventID(), ReplyToken: r.standIn.IssueReplyToken(user), Text: text})
	if code := s.postSigned(r.t, body); code != http.StatusOK {
		r.t.Fatalf("%q: status %d", text, code)
	}
	var b strings.Builder
	for _, d := range r.standIn.Deliveries(user)[before:] {
		for _, m := range d.Messages {
			b.Write(m)
		}
	}
	return b.String()
}

// postbackFor finds the postback data of the button labelled label in a reply.
func postbackFor(t *testing.T, reply, label string) string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(reply))
	for dec.More() {
		var m any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		if data, ok := findAction(m, label); ok {
			return data
		}
	}
	t.Fatalf("no button %q in %s", label, reply)
	return ""
}

func findAction(v any, label string) (string, bool) {
	switch x := v.(type) {
	case map[string]any:
		if a, ok := x["action"].(map[string]any); ok && a["label"] == label && a["type"] == "postback" {
			return a["data"].(string), true
		}
		for _, c := range x {
			if d, ok := findAction(c, label); ok {
				return d, true
			}
		}
	case []any:
		for _, c := range x {
			if d, ok := findAction(c, label); ok {
				return d, true
			}
		}
	}
	return "", false
}

// registrationAcrossRestart registers a leader through signed webhooks, restarting the server
// half-way on the same data: the form carries on where it was and the leader is stored once.
func registrationAcrossRestart(t *testing.T, extra map[string]string) {
	standIn := linetest.NewServer(testToken)
	t.Cleanup(standIn.Close)
	r := &restartable{t: t, vars: productionEnv(t, standIn, extra), standIn: standIn}
	user := newUser()
	standIn.SetProfile(line.Profile{UserID: user, DisplayName: "สมหญิง", Language: "th"})

	r.start()
	steps := []struct{ kind, text, want string }{
		{"follow.json", "", "สวัสดีค่ะ คุณสมหญิง"},
		{"text.json", "สมัครแกนนำ", "ขั้นที่ 1/6"},
		{"text.json", "สมหญิง", "ขอทั้งชื่อและนามสกุล"},
		{"text.json", "สมหญิง ใจดี", "ขั้นที่ 2/6"},
		{"text.json", "๐๘๑-๒๓๔-๕๖๗๘", "ขั้นที่ 3/6"},
	}
	var last string
	for _, s := range steps {
		if last = r.say(user, s.kind, s.text); !strings.Contains(last, s.want) {
			t.Fatalf("%q: reply %s lacks %q", s.text, last, s.want)
		}
	}
	cancelBefore := postbackFor(t, last, "ยกเลิก") // a button from before the restart

	r.stop()
	r.start()

	for _, s := range []struct{ kind, text, want string }{
		{"text.json", "เพชร", "หมายถึงจังหวัดไหน"},
		{"text.json", "เพชรบุรี", "ขั้นที่ 4/6"},
		{"text.json", "ข้าม", "ขั้นที่ 5/6"},
		{"text.json", "ไม่มี", "ขั้นที่ 6/6"},
		{"postback.json", cancelBefore, "ขั้นตอนนั้นผ่านไปแล้ว"},
		{"text.json", "ยินยอม", "081-234-5678"},
	} {
		if last = r.say(user, s.kind, s.text); !strings.Contains(last, s.want) {
			t.Fatalf("%q: reply %s lacks %q", s.text, last, s.want)
		}
	}
	confirm := postbackFor(t, last, "ยืนยันส่ง")
	if got := r.say(user, "postback.json", confirm); !strings.Contains(got, "ส่งใบสมัครเรียบร้อย") {
		t.Fatalf("confirm: %s", got)
	}
	if got := r.say(user, "postback.json", confirm); !strings.Contains(got, "แบบฟอร์มที่จบไปแล้ว") {
		t.Fatalf("second confirm tap: %s", got)
	}
	r.stop()

	inspect := openInspector(t, r.vars)
	l, err := inspect.GetLeader(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	if l.Status != store.LeaderPending || l.FullName != "สมหญิง ใจดี" || l.Phone != "0812345678" || l.ProvinceCode != "TH-76" || l.District != "" || l.ConsentAt.IsZero() {
		t.Fatalf("stored leader %+v", l)
	}
}

func TestRegistrationAcrossRestartSQLite(t *testing.T) { registrationAcrossRestart(t, nil) }

func TestRegistrationAcrossRestartMongo(t *testing.T) {
	registrationAcrossRestart(t, map[string]string{"MONGODB_URI": ferrettest.URI(t)})
}
