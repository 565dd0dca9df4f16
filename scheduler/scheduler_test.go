package scheduler

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/robfig/cron/v3"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/store/sqlitestore"
)

var now = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func newScheduler(t *testing.T, st Store) (*Scheduler, *bytes.Buffer) {
	t.Helper()
	logs := &bytes.Buffer{}
	s, err := New(Config{
		Store:      st,
		Location:   time.FixedZone("ICT", 7*3600),
		Now:        func() time.Time { return now },
		Logger:     slog.New(slog.NewJSONHandler(logs, nil)),
		Registerer: prometheus.NewRegistry(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, logs
}

func openStore(t testing.TB) store.Store {
	t.Helper()
	key := make([]byte, 32)
	sealer, err := store.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlitestore.Open(t.TempDir(), sealer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(context.Background()) })
	return st
}

// TestCleanup stores sessions, event records and recent lines on both sides of the retention
// limits and runs the job with the clock at now.
func TestCleanup(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	sessions := map[string]time.Time{ // user → ExpiresAt
		"U00000000000000000000000000000001": now.Add(-SessionRetention - time.Minute), // long expired: deleted
		"U00000000000000000000000000000002": now.Add(-SessionRetention + time.Minute), // expired today: kept to say so
		"U00000000000000000000000000000003": now.Add(10 * time.Minute),                // active: kept
	}
	for user, exp := range sessions {
		if _, err := st.SaveSession(ctx, store.Session{UserID: user, ID: "s-" + user, Flow: "leader.register", ExpiresAt: exp, UpdatedAt: exp}); err != nil {
			t.Fatal(err)
		}
	}
	events := map[string]time.Time{ // webhookEventId → received at, handled at once
		"OLD": now.Add(-EventRetention - time.Minute), // deleted
		"NEW": now.Add(-EventRetention + time.Minute), // kept
	}
	for id, at := range events {
		if _, err := st.AddInbox(ctx, []store.InboxEvent{{ID: id, UserID: "U-" + id, Body: []byte("{}"), EventAt: at, ReceivedAt: at}}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.ClaimInbox(ctx, "U-"+id, "tok", at, time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := st.CompleteInbox(ctx, id, "tok", at); err != nil {
			t.Fatal(err)
		}
	}

	for hash, exp := range map[string]time.Time{"gone": now.Add(-time.Second), "kept": now.Add(time.Minute)} {
		if err := st.CreateCredential(ctx, store.Credential{Hash: hash, Kind: store.CredentialSession, UserID: "U-o", CreatedAt: now.Add(-time.Hour), ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
	}

	// Recent lines: more than one chunk of a day-old member's, and a line of today.
	old := make([]store.CaseEntry, cleanupBatch+500)
	for i := range old {
		old[i] = store.CaseEntry{At: now.Add(-store.RecentRetention - time.Hour + time.Duration(i)*time.Millisecond), From: "member", Text: "สวัสดี"}
	}
	if err := st.AddRecent(ctx, "U-old", old, len(old), time.Time{}); err != nil {
		t.Fatal(err)
	}
	today := store.CaseEntry{At: now.Add(-time.Hour), From: "member", Text: "สวัสดี"}
	if err := st.AddRecent(ctx, "U-today", []store.CaseEntry{today}, 10, now.Add(-store.RecentRetention)); err != nil {
		t.Fatal(err)
	}

	s, _ := newScheduler(t, st)
	if err := s.Cleanup(ctx); err != nil {
		t.Fatal(err)
	}
	if lines, err := st.Recent(ctx, "U-old"); err != nil || len(lines) != 0 {
		t.Errorf("%d day-old recent lines left, %v; want none", len(lines), err)
	}
	if lines, err := st.Recent(ctx, "U-today"); err != nil || len(lines) != 1 {
		t.Errorf("today's recent lines after the clean-up: %v, %v; want the one", lines, err)
	}
	if left, _ := st.ListCredentials(ctx, "U-o", store.CredentialSession); len(left) != 1 || left[0].Hash != "kept" {
		t.Errorf("credentials after the clean-up: %+v, want only the unexpired one", left)
	}

	for user, exp := range sessions {
		_, err := st.GetSession(ctx, user)
		wantGone := exp.Before(now.Add(-SessionRetention))
		if gone := errors.Is(err, store.ErrNotFound); gone != wantGone || (err != nil && !gone) {
			t.Errorf("session expiring %v: err %v, want deleted=%v", exp, err, wantGone)
		}
	}
	// A forgotten event can be stored again; a remembered, handled one cannot.
	for id, want := range map[string]int{"OLD": 1, "NEW": 0} {
		added, err := st.AddInbox(ctx, []store.InboxEvent{{ID: id, UserID: "U-" + id, Body: []byte("{}"), EventAt: now, ReceivedAt: now}})
		if err != nil || added.New != want {
			t.Errorf("AddInbox(%s) after the clean-up = %d, %v; want %d new", id, added.New, err, want)
		}
	}
}

// failingStore fails every clean-up query; the other jobs' methods are not implemented.
type failingStore struct{ ReferralStore }

func (failingStore) DeleteSessionsExpiredBefore(context.Context, time.Time) (int, error) {
	return 0, errors.New("database is locked")
}

func (failingStore) DeleteInboxBefore(context.Context, time.Time, time.Time, int) (int, error) {
	return 0, nil
}

func (failingStore) DeletePushesDoneBefore(context.Context, time.Time, int) (int, error) {
	return 0, nil
}

func (failingStore) DeleteCredentialsExpiredBefore(context.Context, time.Time) (int, error) {
	return 0, nil
}

func (failingStore) DeleteIdempotentBefore(context.Context, time.Time) (int, error) {
	return 0, nil
}

func (failingStore) DeleteRecentBefore(context.Context, time.Time, int) (int, error) {
	return 0, nil
}

// runWrapped runs entry id's job the way cron does.
func runWrapped(t *testing.T, s *Scheduler, id cron.EntryID) {
	t.Helper()
	e := s.cron.Entry(id)
	if !e.Valid() {
		t.Fatalf("no entry %d", id)
	}
	e.WrappedJob.Run()
}

func runs(t *testing.T, s *Scheduler, job, outcome string) float64 {
	t.Helper()
	var m dto.Metric
	if err := s.runs.WithLabelValues(job, outcome).Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

func TestJobErrorIsCountedAndLogged(t *testing.T) {
	s, logs := newScheduler(t, failingStore{})
	entries := s.cron.Entries()
	if len(entries) == 0 {
		t.Fatal("no entries, want the clean-up job first")
	}
	runWrapped(t, s, entries[0].ID)
	if got := runs(t, s, "cleanup", "error"); got != 1 {
		t.Errorf("cleanup errors counted %v, want 1", got)
	}
	if !strings.Contains(logs.String(), "database is locked") {
		t.Errorf("error not logged:\n%s", logs)
	}
}

// TestPanickingJobIsRecovered runs a panicking job as cron does: the panic is logged with its
// stack and counted, and the scheduler's other jobs still run afterwards.
func TestPanickingJobIsRecovered(t *testing.T) {
	s, logs := newScheduler(t, openStore(t))
	boom, err := s.cron.AddFunc("@every 1h", s.wrap("boom", func(context.Context) error { panic("boom") }))
	if err != nil {
		t.Fatal(err)
	}
	runWrapped(t, s, boom) // would crash the test binary if not recovered
	if got := runs(t, s, "boom", "panic"); got != 1 {
		t.Errorf("panics counted %v, want 1", got)
	}
	if !strings.Contains(logs.String(), `"msg":"scheduler job panicked"`) || !strings.Contains(logs.String(), "boom") ||
		!strings.Contains(logs.String(), "goroutine") {
		t.Errorf("panic not logged with its stack:\n%s", logs)
	}
	for _, e := range s.cron.Entries() {
		if e.ID != boom {
			runWrapped(t, s, e.ID)
		}
	}
	if got := runs(t, s, "cleanup", "ok"); got != 1 {
		t.Errorf("cleanup after the panic: ok counted %v, want 1", got)
	}
}

func TestStartStop(t *testing.T) {
	s, _ := newScheduler(t, openStore(t))
	s.Start()
	if next := s.cron.Entries()[0].Next; next.IsZero() || next.Location().String() != "ICT" {
		t.Errorf("next run %v, want a time in the configured zone", next)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.ctx.Err(); err == nil {
		t.Error("jobs' context still live after Stop")
	}
}

// panickingAnnouncements is an announcement store whose claim panics, like a defect in the job.
type panickingAnnouncements struct{ AnnouncementStore }

func (panickingAnnouncements) ClaimAnnouncement(context.Context, time.Time, time.Duration) (store.Announcement, error) {
	panic("claim exploded")
}

// TestKickRecoversLikeCron: Kick (an announcement sent "now") runs the job with the cron path's
// recover: the panic is counted and logged, the process lives on, and Stop returns.
func TestKickRecoversLikeCron(t *testing.T) {
	logs := &bytes.Buffer{}
	ann, err := NewAnnouncements(AnnouncementsConfig{Store: panickingAnnouncements{}, Outbox: noOutbox{}, Announcer: noAnnouncer{}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Store: openStore(t), Now: func() time.Time { return now }, Logger: slog.New(slog.NewJSONHandler(logs, nil)),
		Announcements: ann})
	if err != nil {
		t.Fatal(err)
	}
	s.Kick() // would crash the test binary if not recovered
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if got := runs(t, s, "announcements", "panic"); got != 1 {
		t.Errorf("panics counted %v, want 1", got)
	}
	if !strings.Contains(logs.String(), "claim exploded") {
		t.Errorf("panic not logged:\n%s", logs)
	}
}

type noOutbox struct{}

func (noOutbox) Enqueue(context.Context, store.Push) error { return nil }

type noAnnouncer struct{ Announcer }
