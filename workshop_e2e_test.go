package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/store/mongostore/ferrettest"
)

// testClock is the clock the server under test reads (Config.Now).
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// startClocked runs the server of r.vars with its clock at clock, like restartable.start.
func (r *restartable) startClocked(clock *testClock) {
	r.t.Helper()
	cfg, err := loadConfig(env(r.vars))
	if err != nil {
		r.t.Fatal(err)
	}
	cfg.Now = clock.now
	ctx, cancel := context.WithCancel(context.Background())
	addrc, errc := make(chan started, 1), make(chan error, 1)
	logs := &logSink{}
	r.logs = logs
	go func() { errc <- runConfig(ctx, cfg, logs, func(a started) { addrc <- a }) }()
	select {
	case a := <-addrc:
		r.url, r.inbox, r.outbox = "http://"+a.addr, a.inbox, a.outbox
	case err := <-errc:
		cancel()
		r.t.Fatalf("server did not start: %v\n%s", err, logs.String())
	}
	r.stop = func() {
		cancel()
		if err := <-errc; err != nil {
			r.t.Errorf("server stopped with: %v\n%s", err, logs.String())
		}
		r.stop = nil
	}
	r.t.Cleanup(func() {
		if r.stop != nil {
			r.stop()
		}
	})
}

// workshopScenario (issue 3, "how it is checked"): an officer creates a workshop through the
// API, a leader sees it in LINE, joins, and receives both reminders at the right Bangkok times.
// The server is restarted at each moment, so the reminders come from the catch-up run that
// Start makes (the same job cron runs every minute), and Stop waits for it.
func workshopScenario(t *testing.T, extra map[string]string) {
	bangkok, _ := time.LoadLocation("Asia/Bangkok")
	clock := &testClock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, bangkok)}
	standIn := linetest.NewServer(testToken)
	t.Cleanup(standIn.Close)
	standIn.SetNow(clock.now)
	vars := productionEnv(t, standIn, extra)
	vars["ADMIN_TOKEN"] = "officer-secret"
	r := &restartable{t: t, vars: vars, standIn: standIn}
	leader := newUser()
	standIn.SetProfile(line.Profile{UserID: leader, DisplayName: "สมหญิง", Language: "th"})

	r.startClocked(clock)
	body := `{"title":"อบรมแกนนำเพชรบุรี","province":"เพชรบุรี","venue":{"name":"โรงแรมเพชรบุรี"},
		"startsAt":"14/12/2569 10:00","endsAt":"14/12/2569 16:00","capacity":20}`
	req, _ := http.NewRequest(http.MethodPost, r.url+"/api/v1/workshops", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer officer-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ ID, StartsAt string }
	json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || created.StartsAt != "2026-12-14T10:00:00+07:00" {
		t.Fatalf("create: %d %+v", resp.StatusCode, created)
	}

	inspect := openInspector(t, vars)
	if err := inspect.CreateLeader(context.Background(), store.Leader{UserID: leader, SubmissionID: "e2e-" + leader,
		FullName: "สมหญิง ใจดี", Phone: "0812345678", ProvinceCode: "TH-76", Status: store.LeaderApproved}); err != nil {
		t.Fatal(err)
	}
	if got := r.say(leader, "text.json", "ตารางอบรม"); !strings.Contains(got, "1. อบรมแกนนำเพชรบุรี") ||
		!strings.Contains(got, "วันจันทร์ 14 ธ.ค. 2569 10:00–16:00 น.") || !strings.Contains(got, "ที่ว่าง 20 จาก 20 ที่") {
		t.Fatalf("schedule: %s", got)
	}
	if got := r.say(leader, "text.json", "สมัคร 1"); !strings.Contains(got, "เรียบร้อย") {
		t.Fatalf("join: %s", got)
	}
	r.stop()

	reminders := func() []linetest.Delivery {
		var out []linetest.Delivery
		for _, d := range standIn.Deliveries(leader) {
			if d.Endpoint == "push" {
				out = append(out, d)
			}
		}
		return out
	}
	sent := 0
	for _, c := range []struct {
		at   time.Time
		want int
	}{
		{time.Date(2026, 12, 13, 8, 59, 0, 0, bangkok), 0},
		{time.Date(2026, 12, 13, 9, 0, 0, 0, bangkok), 1}, // the day before at 09:00
		{time.Date(2026, 12, 13, 9, 30, 0, 0, bangkok), 1},
		{time.Date(2026, 12, 14, 7, 59, 0, 0, bangkok), 1},
		{time.Date(2026, 12, 14, 8, 0, 0, 0, bangkok), 2}, // two hours before
		{time.Date(2026, 12, 14, 9, 0, 0, 0, bangkok), 2},
	} {
		clock.set(c.at)
		r.startClocked(clock)
		r.stop()
		got := reminders()
		if len(got) != c.want {
			t.Fatalf("at %v: %d reminders, want %d\n%s", c.at, len(got), c.want, r.logs.String())
		}
		if c.want > sent {
			sent = c.want
			last := got[len(got)-1]
			if !last.At.Equal(c.at) {
				t.Errorf("reminder %d pushed at %v, want %v", c.want, last.At.In(bangkok), c.at)
			}
			if msg := string(last.Messages[0]); !strings.Contains(msg, "แจ้งเตือนการอบรม") || !strings.Contains(msg, "14 ธ.ค. 2569 10:00") {
				t.Errorf("reminder text: %s", msg)
			}
		}
	}
}

func TestWorkshopEndToEndSQLite(t *testing.T) { workshopScenario(t, nil) }

func TestWorkshopEndToEndMongo(t *testing.T) {
	workshopScenario(t, map[string]string{"MONGODB_URI": ferrettest.URI(t)})
}
