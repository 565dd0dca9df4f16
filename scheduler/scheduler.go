// Package scheduler runs ssonet's periodic jobs (clean-up now; reminders and announcements
// later) on robfig/cron in the display time zone, with an injected clock so that tests call the
// jobs directly instead of waiting for cron.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"

	"github.com/ssonet/ssonet/inbox"
	"github.com/ssonet/ssonet/store"
)

// jobTimeout bounds one run of any job.
const jobTimeout = 5 * time.Minute

// Store is what the jobs need from the store; store.Store satisfies it.
type Store interface {
	// DeleteSessionsExpiredBefore removes sessions whose ExpiresAt is before t.
	DeleteSessionsExpiredBefore(ctx context.Context, t time.Time) (int, error)
	// DeleteInboxBefore deletes done inbox events received before done and parked ones
	// received before parked, batch rows at a time.
	DeleteInboxBefore(ctx context.Context, done, parked time.Time, batch int) (int, error)
	// DeletePushesDoneBefore deletes up to limit outbox pushes done before t.
	DeletePushesDoneBefore(ctx context.Context, t time.Time, limit int) (int, error)
	// DeleteCredentialsExpiredBefore removes officers' sign-in links, sessions and API tokens
	// that expired before t.
	DeleteCredentialsExpiredBefore(ctx context.Context, t time.Time) (int, error)
	// DeleteIdempotentBefore removes the API answers kept for Idempotency-Key created before t.
	DeleteIdempotentBefore(ctx context.Context, t time.Time) (int, error)
	// DeleteRecentBefore deletes up to limit of members' recent lines (for a hand-off's
	// transcript) added before t.
	DeleteRecentBefore(ctx context.Context, t time.Time, limit int) (int, error)
	ReferralStore
}

// Config holds what a Scheduler needs. Store is required.
type Config struct {
	Store      Store
	Location   *time.Location        // TZ_DISPLAY: cron specs are read in it; time.UTC when nil
	Now        func() time.Time      // the clock the jobs use; time.Now when nil
	Logger     *slog.Logger          // slog.Default() when nil
	Registerer prometheus.Registerer // where ssonet_scheduler_runs_total is registered; none when nil
	// ReferralRetention is how long a closed referral is kept (REFERRAL_RETENTION_DAYS);
	// DefaultReferralRetention when zero.
	ReferralRetention time.Duration
	Notifier          ReferralNotifier // retries referral status notices; the job does nothing when nil
	// Announcements delivers due announcements every minute (and on Kick); none when nil.
	Announcements *Announcements

	// The workshop job (reminders and notices, reminders.go) runs when Workshops is set; Notices
	// and Outbox are then required. Reminders nil means DefaultReminders.
	Workshops WorkshopStore
	Notices   Notices
	Outbox    Outbox
	Reminders []Reminder

	// Cases runs the hand-off jobs when set: every 5 minutes the members of cases nobody
	// answered within CaseAnswerWithin are told the hotline; daily, cases closed more than
	// CaseRetention ago are deleted.
	Cases            CaseJobs
	CaseAnswerWithin time.Duration
	CaseRetention    time.Duration
}

// CaseJobs is the hand-off's periodic work; *actions.Service implements it.
type CaseJobs interface {
	TellHotline(ctx context.Context, after time.Duration) (int, error)
	DeleteOldCases(ctx context.Context, retention time.Duration) (int, error)
}

// Scheduler owns the cron runner and the jobs. Build it with New.
type Scheduler struct {
	cron   *cron.Cron
	store  Store
	now    func() time.Time
	log    *slog.Logger
	runs   *prometheus.CounterVec
	ctx    context.Context // cancelled when Stop gives up waiting; parent of every job's context
	cancel context.CancelFunc
	kicked sync.WaitGroup // runs started by Kick; Stop waits for them too
	ann    *Announcements
	kick   func() // the announcements job wrapped like every cron job; nil without one

	retention time.Duration
	notifier  ReferralNotifier

	workshops WorkshopStore // nil: no workshop job
	notices   Notices
	outbox    Outbox
	reminders []Reminder

	cases                CaseJobs
	caseAnswer, caseKeep time.Duration
	loc                  *time.Location
	startJobs            []func()       // wrapped jobs Start runs once at once (catch-up after downtime)
	started              sync.WaitGroup // those runs, which Stop waits for like cron's own
}

// New builds a Scheduler with every job registered; nothing runs before Start.
func New(cfg Config) (*Scheduler, error) {
	if cfg.Store == nil {
		return nil, errors.New("scheduler: Store is required")
	}
	s := &Scheduler{store: cfg.Store, now: cfg.Now, log: cfg.Logger, retention: cfg.ReferralRetention, notifier: cfg.Notifier,
		ann: cfg.Announcements, workshops: cfg.Workshops, notices: cfg.Notices, outbox: cfg.Outbox, reminders: cfg.Reminders,
		cases: cfg.Cases, caseAnswer: cfg.CaseAnswerWithin, caseKeep: cfg.CaseRetention}
	if s.cases != nil && (s.caseAnswer <= 0 || s.caseKeep <= 0) {
		return nil, errors.New("scheduler: CaseAnswerWithin and CaseRetention are required with Cases")
	}
	if s.retention <= 0 {
		s.retention = DefaultReferralRetention
	}
	if s.workshops != nil && (s.notices == nil || s.outbox == nil) {
		return nil, errors.New("scheduler: Notices and Outbox are required with Workshops")
	}
	if s.reminders == nil {
		var err error
		if s.reminders, err = ParseReminders(DefaultReminders); err != nil {
			return nil, err
		}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	s.loc = loc
	s.runs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ssonet_scheduler_runs_total",
		Help: "Scheduler job runs by job and outcome (ok, error, panic).",
	}, []string{"job", "outcome"})
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(s.runs); err != nil {
			return nil, fmt.Errorf("scheduler: register metrics: %w", err)
		}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.cron = cron.New(cron.WithLocation(loc), cron.WithLogger(cronLogger{s.log}))

	// One line per job.
	jobs := []job{
		{"*/10 * * * *", "cleanup", s.Cleanup, false},
		{"30 3 * * *", "referral-retention", s.DeleteClosedReferrals, false},
		{"*/5 * * * *", "referral-notices", s.RetryReferralNotices, false},
	}
	if s.workshops != nil {
		jobs = append(jobs, job{"* * * * *", "workshops", s.Workshops, true})
	}
	if s.ann != nil {
		jobs = append(jobs, job{"* * * * *", "announcements", s.ann.Run, true})
	}
	if s.cases != nil {
		jobs = append(jobs, job{"*/5 * * * *", "handoff-hotline", s.TellHotline, true},
			job{"45 3 * * *", "handoff-retention", s.DeleteOldCases, false})
	}
	for _, j := range jobs {
		run := s.wrap(j.name, j.run)
		if _, err := s.cron.AddFunc(j.spec, run); err != nil {
			return nil, fmt.Errorf("scheduler: job %s: %w", j.name, err)
		}
		if j.atStart {
			s.startJobs = append(s.startJobs, run)
		}
		if j.name == "announcements" {
			s.kick = run
		}
	}
	return s, nil
}

// job is one scheduled job: cron spec (minute hour day-of-month month day-of-week, in the
// display zone), name for logs and metrics, the method, and whether Start also runs it once.
type job struct {
	spec, name string
	run        func(context.Context) error
	atStart    bool
}

// wrap makes run a job: each run gets a context bounded by jobTimeout, is logged, and is counted
// in ssonet_scheduler_runs_total. A panic is recovered, logged with its stack and counted, so one
// job's defect neither stops the process nor the other jobs. The cron path, the start-up
// catch-up and Kick all run jobs through it.
func (s *Scheduler) wrap(name string, run func(context.Context) error) func() {
	return func() {
		start := time.Now()
		defer func() {
			if p := recover(); p != nil {
				s.runs.WithLabelValues(name, "panic").Inc()
				s.log.Error("scheduler job panicked", "job", name, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			}
		}()
		ctx, cancel := context.WithTimeout(s.ctx, jobTimeout)
		defer cancel()
		attrs := []any{"job", name}
		outcome, level := "ok", slog.LevelInfo
		if err := run(ctx); err != nil {
			outcome, level = "error", slog.LevelError
			attrs = append(attrs, "err", err)
		}
		s.runs.WithLabelValues(name, outcome).Inc()
		s.log.Log(ctx, level, "scheduler job", append(attrs, "outcome", outcome, "duration", time.Since(start))...)
	}
}

// Start runs the jobs on their schedules in the background, and the catch-up jobs (workshop
// reminders missed while the service was down) once at once.
func (s *Scheduler) Start() {
	s.cron.Start()
	for _, run := range s.startJobs {
		s.started.Go(run)
	}
}

// Kick runs the announcements job now, in the background, instead of at the next minute: an
// announcement sent "now" from LINE or the API is queued at once. It runs exactly as the cron
// path does (timeout, log, metrics, recover). Concurrent runs are safe (each announcement is
// claimed by one). It does nothing without Config.Announcements.
func (s *Scheduler) Kick() {
	if s.kick == nil {
		return
	}
	s.kicked.Go(s.kick)
}

// Stop stops scheduling and waits for running jobs to finish until ctx is done, after which it
// cancels their contexts and returns ctx's error.
func (s *Scheduler) Stop(ctx context.Context) error {
	cronDone := s.cron.Stop()
	done := make(chan struct{})
	go func() {
		<-cronDone.Done()
		s.kicked.Wait()
		s.started.Wait()
		close(done)
	}()
	defer s.cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("scheduler: stop: %w", ctx.Err())
	}
}

// Retention of the clean-up job.
const (
	// SessionRetention is how long an expired session is kept, so that a user who comes back
	// within a day is still told their form expired (docs/ARCHITECTURE.md, "The conversation engine").
	SessionRetention = 24 * time.Hour
	// EventRetention is how long a handled webhook event id is remembered for deduplication:
	// the inbox's replay cut-off, which is longer than LINE redelivers (line-platform.md rows
	// 7–9, 11).
	EventRetention = inbox.DefaultMaxAge
	// PushRetention is how long a done push is kept (without its messages), well past the 24
	// hours LINE remembers a retry key (line-platform.md row 26), so a push queued again under
	// the same key is still recognised.
	PushRetention = 7 * 24 * time.Hour
	// cleanupBatch is how many rows one delete statement removes, so that webhook writes
	// never wait long behind the clean-up.
	cleanupBatch = 1000
)

// Cleanup deletes sessions that expired more than SessionRetention ago, handled inbox events
// received more than EventRetention ago, parked inbox events (which hold what people typed)
// after the retention of other closed personal records, ReferralRetention, pushes done more
// than PushRetention ago, officers' credentials (sign-in links, sessions, API tokens) once
// expired, the API answers kept for an Idempotency-Key after store.IdempotencyTTL, and members'
// recent lines after store.RecentRetention; inbox events, pushes and recent lines go in chunks of
// cleanupBatch. It is idempotent, so replicas running it at the same time do no harm.
func (s *Scheduler) Cleanup(ctx context.Context) error {
	now := s.now()
	sessions, errS := s.store.DeleteSessionsExpiredBefore(ctx, now.Add(-SessionRetention))
	events, errE := s.store.DeleteInboxBefore(ctx, now.Add(-EventRetention), now.Add(-s.retention), cleanupBatch)
	pushes, errP := inChunks(ctx, s.store.DeletePushesDoneBefore, now.Add(-PushRetention))
	creds, errC := s.store.DeleteCredentialsExpiredBefore(ctx, now)
	answers, errI := s.store.DeleteIdempotentBefore(ctx, now.Add(-store.IdempotencyTTL))
	recent, errR := inChunks(ctx, s.store.DeleteRecentBefore, now.Add(-store.RecentRetention))
	s.log.Info("cleanup", "sessions_deleted", sessions, "events_deleted", events, "pushes_deleted", pushes,
		"credentials_deleted", creds, "idempotent_answers_deleted", answers, "recent_lines_deleted", recent)
	return errors.Join(errS, errE, errP, errC, errI, errR)
}

// inChunks calls del(t, cleanupBatch) until it deletes fewer than cleanupBatch rows, fails, or
// ctx ends, and returns how many rows it deleted in all.
func inChunks(ctx context.Context, del func(ctx context.Context, t time.Time, limit int) (int, error), t time.Time) (int, error) {
	total := 0
	for ctx.Err() == nil {
		n, err := del(ctx, t, cleanupBatch)
		total += n
		if err != nil || n < cleanupBatch {
			return total, err
		}
	}
	return total, nil
}

// cronLogger adapts slog to cron.Logger, so cron.Recover logs a job's panic through slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append([]any{"err", err}, kv...)...)
}

// TellHotline tells the members of unanswered hand-off cases the hotline (CaseJobs).
func (s *Scheduler) TellHotline(ctx context.Context) error {
	n, err := s.cases.TellHotline(ctx, s.caseAnswer)
	if n > 0 {
		s.log.Info("handoff hotline notices", "told", n)
	}
	return err
}

// DeleteOldCases deletes the hand-off cases past their retention (CaseJobs).
func (s *Scheduler) DeleteOldCases(ctx context.Context) error {
	n, err := s.cases.DeleteOldCases(ctx, s.caseKeep)
	s.log.Info("handoff retention", "deleted", n)
	return err
}
