package scheduler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssonet/ssonet/bot"
	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
	"github.com/ssonet/ssonet/outbox"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/store/mongostore"
	"github.com/ssonet/ssonet/store/mongostore/ferrettest"
	"github.com/ssonet/ssonet/store/storetest"
)

var bangkok = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Bangkok")
	if err != nil {
		panic(err)
	}
	return loc
}()

// start is the workshops' start in these tests: Monday 14 Dec 2026, 10:00 in Bangkok.
var start = time.Date(2026, 12, 14, 10, 0, 0, 0, bangkok)

func TestParseReminders(t *testing.T) {
	got, err := ParseReminders(DefaultReminders)
	if err != nil {
		t.Fatal(err)
	}
	if d := got[0].DueAt(start, bangkok); !d.Equal(time.Date(2026, 12, 13, 9, 0, 0, 0, bangkok)) {
		t.Errorf("1d@09:00 due %v", d)
	}
	if d := got[1].DueAt(start, bangkok); !d.Equal(start.Add(-2 * time.Hour)) {
		t.Errorf("2h due %v", d)
	}
	if r, err := ParseReminders(" 3d@18:30 , 90m"); err != nil || r[0].Days != 3 || r[0].Hour != 18 || r[1].Before != 90*time.Minute {
		t.Errorf("ParseReminders = %+v, %v", r, err)
	}
	for _, bad := range []string{"", "1d@9", "0d@09:00", "1d@25:00", "2", "30s", "2x", "1d@09:00,1d@09:00", "800h", "-2h", "๒h"} {
		if _, err := ParseReminders(bad); err == nil {
			t.Errorf("ParseReminders(%q) accepted", bad)
		}
	}
}

// clock is a settable clock shared by the schedulers, the engine and the stand-in.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// fixture is one store and one stand-in LINE API that several scheduler instances share, like
// replicas against one database.
type fixture struct {
	t     *testing.T
	st    store.Store
	lapi  *linetest.Server
	clock *clock
}

func newFixture(t *testing.T) *fixture { return newFixtureOn(t, openStore(t)) }

// newFixtureOn is newFixture on a given store.
func newFixtureOn(t *testing.T, st store.Store) *fixture {
	f := &fixture{t: t, st: st, lapi: linetest.NewServer("tok"), clock: &clock{t: start.Add(-7 * 24 * time.Hour)}}
	t.Cleanup(f.lapi.Close)
	f.lapi.SetNow(f.clock.now)
	return f
}

// replica is one process: a scheduler and the outbox it queues into.
type replica struct {
	*Scheduler
	out *outbox.Outbox
}

// client is a LINE client on the fixture's stand-in.
func (f *fixture) client() *line.Client {
	f.t.Helper()
	client, err := line.New(line.Config{BaseURL: f.lapi.URL(), AccessToken: "tok", RateLimits: map[string]line.RateLimit{},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.t.Fatal(err)
	}
	return client
}

// scheduler starts one process (a replica, or the process after a restart) sending through
// sender (nil: a plain client) with workers outbox workers (0: the default).
func (f *fixture) scheduler() *replica { return f.schedulerWith(nil, nil, 0) }

// schedulerWith is scheduler with the outbox on st (nil: the fixture's store).
func (f *fixture) schedulerWith(sender outbox.Sender, st outbox.Store, workers int) *replica {
	f.t.Helper()
	client := f.client()
	if sender == nil {
		sender = client
	}
	if st == nil {
		st = f.st
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	out := newOutbox(f.t, st, sender, f.clock.now, workers, nil)
	eng, err := bot.New(bot.Config{Store: f.st, Messenger: client, Outbox: out, Now: f.clock.now, Location: bangkok, Logger: quiet})
	if err != nil {
		f.t.Fatal(err)
	}
	s, err := New(Config{Store: f.st, Location: bangkok, Now: f.clock.now, Logger: quiet,
		Workshops: f.st, Notices: eng, Outbox: out})
	if err != nil {
		f.t.Fatal(err)
	}
	return &replica{s, out}
}

// workshop stores an open workshop starting at start with seats, due for planning now, and
// joins leaders 1..n (the first seats registered, the rest waitlisted).
func (f *fixture) workshop(id string, seats, n int) store.Workshop {
	f.t.Helper()
	ctx := context.Background()
	now := f.clock.now()
	w, err := f.st.CreateWorkshop(ctx, store.Workshop{ID: id, Title: "อบรมแกนนำ " + id, ProvinceCode: "TH-76",
		Venue: store.Venue{Name: "โรงแรมเพชรบุรี"}, StartsAt: start, EndsAt: start.Add(6 * time.Hour), Capacity: seats,
		RegistrationDeadline: start.Add(-time.Hour), Status: store.WorkshopOpen, CreatedBy: "api", CreatedAt: now, UpdatedAt: now,
		ReminderDueAt: now})
	if err != nil {
		f.t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if _, err := f.st.JoinWorkshop(ctx, id, userID(i), now); err != nil {
			f.t.Fatal(err)
		}
	}
	return w
}

// tick runs the workshop job of r at Bangkok wall time at, and then r's outbox.
func (f *fixture) tick(r *replica, at time.Time) error {
	f.clock.set(at)
	if err := r.Workshops(context.Background()); err != nil {
		return err
	}
	_, err := r.out.SendDue(context.Background())
	return err
}

// received returns the texts pushed to user, oldest first.
func (f *fixture) received(user string) []string {
	var out []string
	for _, d := range f.lapi.Deliveries(user) {
		for _, m := range d.Messages {
			out = append(out, string(m))
		}
	}
	return out
}

func (f *fixture) wantReceived(user string, want ...string) {
	f.t.Helper()
	got := f.received(user)
	if len(got) != len(want) {
		f.t.Fatalf("%s received %d pushes, want %d: %v", user, len(got), len(want), got)
	}
	for i, w := range want {
		if !strings.Contains(got[i], w) {
			f.t.Errorf("%s push %d = %s, want it to contain %q", user, i, got[i], w)
		}
	}
}

// TestRemindersAtBangkokTimes: the day before at 09:00 and two hours before, to seated leaders
// only, blocked members skipped, each once however often the job runs.
func TestRemindersAtBangkokTimes(t *testing.T) {
	f := newFixture(t)
	f.workshop("w1", 2, 3) // 1 and 2 seated, 3 waitlisted
	ctx := context.Background()
	if err := f.st.UpsertMember(ctx, store.Member{UserID: userID(2), Language: store.LangThai, Blocked: true}); err != nil {
		t.Fatal(err)
	}
	s := f.scheduler()
	for _, at := range []time.Time{
		f.clock.now(),
		time.Date(2026, 12, 13, 8, 59, 0, 0, bangkok),
	} {
		if err := f.tick(s, at); err != nil {
			t.Fatal(err)
		}
	}
	f.wantReceived(userID(1))
	for range 3 {
		if err := f.tick(s, time.Date(2026, 12, 13, 9, 0, 0, 0, bangkok)); err != nil {
			t.Fatal(err)
		}
	}
	f.wantReceived(userID(1), "แจ้งเตือนการอบรม")
	if !strings.Contains(f.received(userID(1))[0], "วันจันทร์ 14 ธ.ค. 2569 10:00–16:00 น.") {
		t.Errorf("reminder does not show the Bangkok time in the Buddhist era: %s", f.received(userID(1))[0])
	}
	for _, at := range []time.Time{start.Add(-2*time.Hour - time.Minute), start.Add(-2 * time.Hour), start.Add(-time.Hour), start} {
		if err := f.tick(s, at); err != nil {
			t.Fatal(err)
		}
	}
	f.wantReceived(userID(1), "แจ้งเตือนการอบรม", "แจ้งเตือนการอบรม")
	f.wantReceived(userID(2)) // blocked
	f.wantReceived(userID(3)) // waitlisted
	if _, err := f.st.GetPush(ctx, outbox.Key("workshop", "w1", userID(2), fmt.Sprintf("remind:2h:%d", start.Unix()))); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a push was queued for the blocked member: %v", err)
	}
	p, err := f.st.GetPush(ctx, outbox.Key("workshop", "w1", userID(1), fmt.Sprintf("remind:2h:%d", start.Unix())))
	if err != nil || p.Status != store.PushSent || !p.NotAfter.Equal(start) {
		t.Errorf("the 2h reminder's push = %+v, %v; want sent, expiring at the start", p, err)
	}
	if w, _ := f.st.GetWorkshop(ctx, "w1"); !w.ReminderDueAt.IsZero() {
		t.Errorf("after the last reminder ReminderDueAt = %v, want none", w.ReminderDueAt)
	}
}

// TestTwoSchedulersSendOnce runs two scheduler instances on one store at the same moments,
// concurrently, again and again: every leader gets each reminder once.
func TestTwoSchedulersSendOnce(t *testing.T) { twoSchedulers(t, newFixture(t)) }

// TestTwoSchedulersSendOnceMongo is the same with both replicas on one MongoDB (FerretDB).
func TestTwoSchedulersSendOnceMongo(t *testing.T) { twoSchedulers(t, newFixtureOn(t, openMongo(t))) }

// openMongo opens a store on a fresh in-process FerretDB, closed when t ends.
func openMongo(t *testing.T) store.Store {
	st, err := mongostore.Open(context.Background(), ferrettest.URI(t), storetest.NewSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(context.Background()) })
	return st
}

func twoSchedulers(t *testing.T, f *fixture) {
	f.workshop("w1", 40, 40)
	f.workshop("w2", 40, 40) // the same leaders in a second workshop
	a, b := f.scheduler(), f.scheduler()
	for _, at := range []time.Time{
		time.Date(2026, 12, 13, 9, 0, 0, 0, bangkok),
		time.Date(2026, 12, 13, 9, 1, 0, 0, bangkok),
		start.Add(-2 * time.Hour),
		start.Add(-2*time.Hour + time.Minute),
	} {
		f.clock.set(at)
		var wg sync.WaitGroup
		for _, s := range []*replica{a, b, a, b} {
			wg.Go(func() {
				if err := s.Workshops(context.Background()); err != nil {
					t.Error(err)
				}
				if _, err := s.out.SendDue(context.Background()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	for i := 1; i <= 40; i++ {
		f.wantReceived(userID(i), "แจ้งเตือน", "แจ้งเตือน", "แจ้งเตือน", "แจ้งเตือน")
	}
}

// TestKilledMidReminders: 30 leaders are due a reminder; the process is killed (-9) after
// LINE accepted the 6th push but before it recorded it, with more claimed and in flight (and
// perhaps some sent but not yet recorded); the restarted process resumes within the lease's
// seconds: every leader has the reminder once (LINE answers 409 to those it had accepted). On
// both stores.
func TestKilledMidReminders(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { killedMidReminders(t, newFixture(t)) })
	t.Run("mongo", func(t *testing.T) { killedMidReminders(t, newFixtureOn(t, openMongo(t))) })
}

func killedMidReminders(t *testing.T, f *fixture) {
	f.workshop("w1", 30, 30)
	due := time.Date(2026, 12, 13, 9, 0, 0, 0, bangkok)
	dying := newDyingSender(f.client(), 5)
	doomed := f.schedulerWith(dying, dying.store(f.st), 4) // four pushes in flight at a time
	f.clock.set(due)
	if err := doomed.Workshops(context.Background()); err != nil {
		t.Fatal(err)
	}
	release := killed(t, doomed.out, dying)
	defer release()
	sent := 0
	for i := 1; i <= 30; i++ {
		sent += len(f.received(userID(i)))
	}
	if sent != 6 {
		t.Fatalf("%d reminders out before the death, want 6", sent)
	}
	restarted := f.scheduler()
	if err := f.tick(restarted, due.Add(testLease)); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 30; i++ {
		f.wantReceived(userID(i), "แจ้งเตือนการอบรม")
	}
	conflicts := 0
	for _, c := range f.lapi.Calls() {
		if c.Endpoint == "push" && c.Status == 409 {
			conflicts++
		}
	}
	if conflicts < 1 || conflicts > 6 {
		t.Errorf("%d pushes answered 409, want those LINE accepted but the dead process had not recorded (1 to 6)", conflicts)
	}
}

// TestCorruptWorkshopSkippedAndLogged: a workshop row without a title is never turned into a
// blank reminder; the skip is logged with the reason.
func TestCorruptWorkshopSkippedAndLogged(t *testing.T) {
	f := newFixture(t)
	f.workshop("w-ok", 5, 1)
	w := f.workshop("w-bad", 5, 2)
	w.Title = ""
	w.Version = 1
	if _, err := f.st.UpdateWorkshop(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	r := f.scheduler()
	r.log = slog.New(slog.NewJSONHandler(&logs, nil))
	if err := f.tick(r, time.Date(2026, 12, 13, 9, 0, 0, 0, bangkok)); err != nil {
		t.Fatal(err)
	}
	f.wantReceived(userID(1), "แจ้งเตือนการอบรม") // from w-ok only
	f.wantReceived(userID(2))
	if !strings.Contains(logs.String(), `"workshop":"w-bad"`) || !strings.Contains(logs.String(), `"reason":"no title"`) {
		t.Errorf("skip not logged with its reason:\n%s", logs.String())
	}
}

// TestCatchUpAfterDowntime starts a scheduler after it missed reminders: on Start it sends the
// latest reminder that is still useful, never one for a workshop that has begun.
func TestCatchUpAfterDowntime(t *testing.T) {
	for _, c := range []struct {
		name  string
		at    time.Time
		wants []string
	}{
		{"missed the day-before", time.Date(2026, 12, 14, 7, 0, 0, 0, bangkok), []string{"แจ้งเตือนการอบรม"}},
		{"missed both: only the two-hour one", start.Add(-time.Hour), []string{"แจ้งเตือนการอบรม"}},
		{"started already", start.Add(time.Minute), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.workshop("w1", 5, 1)
			s := f.scheduler()
			f.clock.set(c.at)
			s.Start()
			stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := s.Stop(stopCtx); err != nil {
				t.Fatal(err)
			}
			if _, err := s.out.SendDue(context.Background()); err != nil {
				t.Fatal(err)
			}
			f.wantReceived(userID(1), c.wants...)
			if len(c.wants) == 1 {
				kind := "remind:1d@09:00"
				if c.at.After(start.Add(-2 * time.Hour)) {
					kind = "remind:2h"
				}
				if !strings.Contains(string(f.lapi.Calls()[len(f.lapi.Calls())-1].Body), "แจ้งเตือน") {
					t.Error("last call is not the reminder")
				}
				if _, err := f.st.GetPush(context.Background(), outbox.Key("workshop", "w1", userID(1), fmt.Sprintf("%s:%d", kind, start.Unix()))); err != nil {
					t.Errorf("sent reminder is not %s: %v", kind, err)
				}
			}
		})
	}
}

// TestChangeCancelAndPromotionNotices: a change of time reaches seated and waitlisted leaders
// once; a freed seat is told to the promoted leader; a cancellation reaches everyone once.
func TestChangeCancelAndPromotionNotices(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	w := f.workshop("w1", 1, 2)
	s := f.scheduler()
	if err := f.tick(s, f.clock.now()); err != nil {
		t.Fatal(err)
	}
	f.wantReceived(userID(1))

	w, _ = f.st.GetWorkshop(ctx, w.ID)
	w.StartsAt, w.EndsAt = w.StartsAt.Add(time.Hour), w.EndsAt.Add(time.Hour)
	w.Revision++
	w.ReminderDueAt, w.UpdatedAt = f.clock.now(), f.clock.now()
	if _, err := f.st.UpdateWorkshop(ctx, w); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := f.tick(s, f.clock.now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	f.wantReceived(userID(1), "มีการเปลี่ยนแปลง")
	f.wantReceived(userID(2), "มีการเปลี่ยนแปลง")
	if !strings.Contains(f.received(userID(1))[0], "11:00–17:00 น.") {
		t.Errorf("change notice without the new time: %s", f.received(userID(1))[0])
	}

	if _, _, err := f.st.LeaveWorkshop(ctx, w.ID, userID(1), f.clock.now()); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := f.tick(s, f.clock.now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	f.wantReceived(userID(2), "มีการเปลี่ยนแปลง", "คุณได้ที่นั่งจากคิวสำรองแล้ว")

	w, _ = f.st.GetWorkshop(ctx, w.ID)
	w.Status, w.Revision, w.ReminderDueAt, w.UpdatedAt = store.WorkshopCancelled, w.Revision+1, f.clock.now(), f.clock.now()
	if _, err := f.st.UpdateWorkshop(ctx, w); err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{f.clock.now().Add(time.Minute), time.Date(2026, 12, 13, 9, 0, 0, 0, bangkok)} {
		if err := f.tick(s, at); err != nil {
			t.Fatal(err)
		}
	}
	f.wantReceived(userID(2), "มีการเปลี่ยนแปลง", "คุณได้ที่นั่งจากคิวสำรองแล้ว", "ยกเลิกแล้ว")
	f.wantReceived(userID(1), "มีการเปลี่ยนแปลง") // left before the cancellation
}
