package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
	"github.com/ssonet/ssonet/store/mongostore/ferrettest"
)

// officersEndToEnd runs issue 5 through the real server: an invite code from the API makes an
// officer in LINE; a leader's registration reaches that officer, whose approve button decides it
// and tells the leader; the officer's announcement goes out by multicast at once and the officer
// gets the summary; the API reports it sent.
func officersEndToEnd(t *testing.T, extra map[string]string) {
	standIn := linetest.NewServer(testToken)
	t.Cleanup(standIn.Close)
	const adminToken = "e2e-admin-token"
	vars := productionEnv(t, standIn, map[string]string{"ADMIN_TOKEN": adminToken})
	for k, v := range extra {
		vars[k] = v
	}
	r := &restartable{t: t, vars: vars, standIn: standIn}
	r.start()
	api := func(method, path, body string) map[string]any {
		t.Helper()
		req, err := http.NewRequest(method, r.url+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+adminToken)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %v %v", method, path, res.StatusCode, out, err)
		}
		return out
	}

	inv := api(http.MethodPost, "/api/v1/officers/invites", `{"provinces": ["TH-76"]}`)
	officer, leader := newUser(), newUser()
	standIn.SetProfile(line.Profile{UserID: officer, DisplayName: "วิชัย"})
	standIn.SetProfile(line.Profile{UserID: leader, DisplayName: "สมหญิง"})
	if got := r.say(officer, "text.json", inv["code"].(string)); !strings.Contains(got, "เจ้าหน้าที่ของจังหวัดเพชรบุรี") {
		t.Fatalf("invite code answered %s", got)
	}

	r.say(leader, "text.json", "สมัครแกนนำ")
	r.say(leader, "text.json", "สมหญิง ใจดี")
	r.say(leader, "text.json", "081-234-5678")
	reply := r.say(leader, "text.json", "เพชรบุรี")
	reply = r.say(leader, "postback.json", postbackFor(t, reply, "ข้าม"))
	r.say(leader, "postback.json", postbackFor(t, reply, "ข้าม"))
	r.say(leader, "text.json", "ยินยอม")
	if got := r.say(leader, "text.json", "ยืนยัน"); !strings.Contains(got, "ส่งใบสมัครเรียบร้อย") {
		t.Fatalf("submit answered %s", got)
	}
	application := string(awaitDelivery(t, standIn, officer, "ใบสมัครแกนนำใหม่").Messages[0])
	if !strings.Contains(application, "ใบสมัครแกนนำใหม่") || !strings.Contains(application, "08x-xxx-5678") || strings.Contains(application, "0812345678") {
		t.Fatalf("officer's notification: %s", application)
	}
	if got := r.say(officer, "postback.json", postbackFor(t, application, "อนุมัติ")); !strings.Contains(got, "บันทึกแล้ว") {
		t.Fatalf("approve answered %s", got)
	}
	if d := awaitDelivery(t, standIn, leader, "อนุมัติให้คุณเป็นแกนนำ"); d.Endpoint != line.EndpointPush {
		t.Errorf("the decision came by %s, want a push", d.Endpoint)
	}

	sub, unsubscribe := standIn.Subscribe()
	defer unsubscribe()
	r.say(officer, "text.json", "ประกาศ")
	r.say(officer, "text.json", "1")
	r.say(officer, "text.json", "ขอเชิญแกนนำประชุม 14 ธ.ค.")
	if got := r.say(officer, "text.json", "ส่งทันที"); !strings.Contains(got, "ส่งถึง 1 คน") {
		t.Fatalf("preview: %s", got)
	}
	r.say(officer, "text.json", "ยืนยัน")
	var multicast, summary bool
	deadline := time.After(20 * time.Second) // a bound on a hang, not a wait: the loop ends on the summary
	for !summary {
		select {
		case d := <-sub:
			// One recipient: the batch is a push (LINE counts it like a multicast of one).
			multicast = multicast || (d.To == leader && strings.Contains(string(d.Messages[0]), "ขอเชิญแกนนำประชุม"))
			summary = d.Endpoint == line.EndpointPush && d.To == officer && strings.Contains(string(d.Messages[0]), "ส่งสำเร็จ 1 คน")
		case <-deadline:
			t.Fatal("no summary push to the officer")
		}
	}
	if !multicast {
		t.Error("the leader did not get the announcement before the summary")
	}
	sent := api(http.MethodGet, "/api/v1/announcements?status=sent", "")["announcements"].([]any)
	if len(sent) != 1 || sent[0].(map[string]any)["sent"] != 1.0 {
		t.Errorf("sent announcements: %v", sent)
	}
}

func TestOfficersEndToEndSQLite(t *testing.T) { officersEndToEnd(t, nil) }

func TestOfficersEndToEndMongo(t *testing.T) {
	officersEndToEnd(t, map[string]string{"MONGODB_URI": ferrettest.URI(t)})
}
