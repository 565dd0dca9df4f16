// Package outbox is the one way ssonet sends a push exactly once (docs/ARCHITECTURE.md,
// "Outbox"): reminders, workshop notices, announcements, referral notices, approval cards and
// decisions, announcement summaries and replies whose reply token was refused.
//
// A push is stored with its X-Line-Retry-Key before the first attempt (Enqueue). Workers claim
// due pushes with a token that every later write checks, send them through the LINE client, and
// mark them. A worker that stops (crash, kill -9, deploy) leaves claims that any replica takes
// over once Lease has passed, with the same retry key, so LINE answers 409 to a push it already
// accepted and nothing reaches a user twice (line-platform.md rows 26–27). One function, handle,
// decides what each answer of LINE means.
package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/store"
)

// Defaults of Config.
const (
	// DefaultLease is how long a claim is left to its worker; after it another worker takes the
	// push over. It exceeds sendTimeout, so a claim is never taken from a worker still sending.
	DefaultLease = 15 * time.Second
	// DefaultWorkers is how many pushes one process sends at once.
	DefaultWorkers = 8
	// DefaultPoll is how often the store is read for due pushes when nothing wakes the loop
	// (retries coming due, pushes queued by other replicas, claims left by a crash).
	DefaultPoll = time.Second
	// DefaultMaxAttempts bounds the attempts of a push LINE keeps failing with 5xx, 429 or
	// timeouts (about two hours with the back-off below); it is then recorded as failed.
	DefaultMaxAttempts = 25
)

// Back-off between attempts: random in [d/2, d] with d = backoffBase·2^(attempt-1), capped at
// backoffCap; a Retry-After from LINE is waited out first (row 28).
const (
	backoffBase = time.Second
	backoffCap  = 5 * time.Minute
)

// Store is what the outbox needs from the store; store.Store satisfies it.
type Store interface {
	EnqueuePush(ctx context.Context, p store.Push) error
	ClaimPushes(ctx context.Context, now time.Time, lease time.Duration, token string, limit int) ([]store.Push, error)
	RetryPush(ctx context.Context, retryKey, token string, next time.Time, errText string) error
	FinishPush(ctx context.Context, retryKey, token string, status store.PushStatus, errText string, at time.Time) error
	PendingPushes(ctx context.Context) (map[store.PushKind]int, int, error)
	GetQuotaState(ctx context.Context) (store.QuotaState, error)
	SetQuotaState(ctx context.Context, q store.QuotaState) error
	AppendAudit(ctx context.Context, e store.AuditEntry) error
}

// Sender is the part of the LINE client the outbox uses; *line.Client implements it. The three
// sends carry X-Line-Retry-Key and report LINE's 409 for a repeated key as success.
type Sender interface {
	Push(ctx context.Context, to string, msgs []messaging_api.MessageInterface, retryKey string) error
	Multicast(ctx context.Context, to []string, msgs []messaging_api.MessageInterface, retryKey string) error
	Broadcast(ctx context.Context, msgs []messaging_api.MessageInterface, retryKey string) error
	MessageQuota(ctx context.Context) (line.MessageQuota, error)
}

// Config holds what an Outbox needs. Store and LINE are required.
type Config struct {
	Store Store
	LINE  Sender
	// Location is TZ_DISPLAY: a used-up monthly quota resumes at 00:00 on the first of the next
	// month there. time.UTC when nil.
	Location    *time.Location
	Now         func() time.Time      // the clock; time.Now when nil
	Logger      *slog.Logger          // slog.Default() when nil
	Registerer  prometheus.Registerer // where the outbox's metrics go; none when nil
	Workers     int                   // DefaultWorkers when zero
	Lease       time.Duration         // DefaultLease when zero
	Poll        time.Duration         // DefaultPoll when zero
	MaxAttempts int                   // DefaultMaxAttempts when zero
	// OnDone is called after a push of a group (Push.Group) is done, sent or not, so that the
	// owner of the group can finish it (an announcement's summary). nil: nothing is called.
	OnDone func(ctx context.Context, p store.Push)
}

// Outbox stores and sends pushes. Build it with New; Run sends until its context ends.
type Outbox struct {
	store       Store
	line        Sender
	loc         *time.Location
	now         func() time.Time
	log         *slog.Logger
	workers     int
	lease       time.Duration
	poll        time.Duration
	maxAttempts int
	onDone      func(ctx context.Context, p store.Push)
	wake        chan struct{}

	// quota is the last known quota state; stopped mirrors quota.Exhausted for the hot path.
	quotaMu sync.Mutex
	quota   store.QuotaState
	stopped atomic.Bool

	deliveries *prometheus.CounterVec
	exhausted  prometheus.Gauge

	// passes counts the SendDue calls running; idle is closed when it drops to 0 (WaitIdle).
	passMu sync.Mutex
	passes int
	idle   chan struct{}
	// woken counts Wake calls (every Enqueue wakes); settled is the count a pass started at that
	// then found nothing more due: equal means nothing this process queued waits to be sent.
	woken, settled atomic.Int64
}

// New checks cfg and returns an Outbox; nothing is sent before Run or SendDue.
func New(cfg Config) (*Outbox, error) {
	if cfg.Store == nil || cfg.LINE == nil {
		return nil, errors.New("outbox: Store and LINE are required")
	}
	o := &Outbox{store: cfg.Store, line: cfg.LINE, loc: cfg.Location, now: cfg.Now, log: cfg.Logger,
		workers: cfg.Workers, lease: cfg.Lease, poll: cfg.Poll, maxAttempts: cfg.MaxAttempts, onDone: cfg.OnDone,
		wake: make(chan struct{}, 1)}
	if o.loc == nil {
		o.loc = time.UTC
	}
	if o.now == nil {
		o.now = time.Now
	}
	if o.log == nil {
		o.log = slog.Default()
	}
	if o.workers <= 0 {
		o.workers = DefaultWorkers
	}
	if o.lease <= 0 {
		o.lease = DefaultLease
	}
	if o.poll <= 0 {
		o.poll = DefaultPoll
	}
	if o.maxAttempts <= 0 {
		o.maxAttempts = DefaultMaxAttempts
	}
	o.deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ssonet_deliveries_total",
		Help: "Pushes done by the outbox, by kind and outcome (sent, failed, skipped).",
	}, []string{"kind", "outcome"})
	o.exhausted = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "ssonet_line_quota_exhausted",
		Help: "1 while LINE's monthly message quota is used up and no push goes out; 0 otherwise.",
	})
	if cfg.Registerer != nil {
		for _, c := range []prometheus.Collector{o.deliveries, o.exhausted, depthCollector{o}} {
			if err := cfg.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("outbox: register metrics: %w", err)
			}
		}
	}
	return o, nil
}

// ErrInvalidPush is returned (wrapped, with the reason) by Enqueue for a push that LINE could
// never accept; nothing is stored.
var ErrInvalidPush = errors.New("outbox: invalid push")

// Enqueue stores p to be sent as soon as a worker is free (at once when sending is not stopped).
// p.Kind and p.Messages are required; p.To is one user ID (a push) or up to 500 (a multicast),
// or empty with p.Broadcast. An empty p.RetryKey gets a random one; give a deterministic key
// (see Key) when the caller may enqueue the same push again after a crash. A push whose key
// is already queued is not stored again and Enqueue returns nil. A zero p.CreatedAt is now.
// Invalid pushes give ErrInvalidPush.
func (o *Outbox) Enqueue(ctx context.Context, p store.Push) error {
	if p.RetryKey == "" {
		p.RetryKey = uuid.NewString()
	}
	if reason := check(p); reason != "" {
		return fmt.Errorf("%w: %s", ErrInvalidPush, reason)
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = o.now().UTC()
	}
	err := o.store.EnqueuePush(ctx, p)
	if errors.Is(err, store.ErrConflict) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("outbox: enqueue: %w", err)
	}
	o.Wake()
	return nil
}

// Messages encodes 1 to 5 SDK messages as the JSON array Push.Messages holds. This is the only
// time they are encoded: every attempt sends these bytes.
func Messages(msgs []messaging_api.MessageInterface) (json.RawMessage, error) {
	b, err := json.Marshal(msgs)
	if err != nil {
		return nil, fmt.Errorf("outbox: encode messages: %w", err)
	}
	return b, nil
}

// Key derives a retry key (a name-based UUID, SHA-1) from what identifies a push, e.g.
// Key("announcement", id, "3"): the same parts always give the same key, so a push queued again
// after a crash or a re-plan is recognised as the same one.
func Key(parts ...string) string {
	b := []byte("ssonet")
	for _, p := range parts {
		b = append(append(b, ':'), p...)
	}
	return uuid.NewSHA1(uuid.NameSpaceURL, b).String()
}

// Wake makes Run look for due pushes now instead of at the next poll.
func (o *Outbox) Wake() {
	o.woken.Add(1)
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Run sends due pushes until ctx ends: at once, whenever Enqueue or Resume wakes it, and every
// Poll. Start-up therefore resumes what a stopped process left within a lease.
func (o *Outbox) Run(ctx context.Context) {
	t := time.NewTicker(o.poll)
	defer t.Stop()
	for {
		if _, err := o.SendDue(ctx); err != nil && ctx.Err() == nil {
			o.log.Error("outbox pass failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-o.wake:
		case <-t.C:
		}
	}
}

// SendDue sends every push due now, up to Workers at a time, and returns how many it handled
// (sent, failed, skipped or put back for a retry) once none is due and none is in flight. A
// worker that finishes takes the next due push at once, so one slow call does not hold the
// others back. It sends nothing while the monthly quota is used up, and stops at once when
// LINE says so mid-way. Tests call it directly with an injected clock.
func (o *Outbox) SendDue(ctx context.Context) (int, error) {
	o.passBegins()
	defer o.passEnds()
	gen := o.woken.Load()
	if err := o.refreshQuota(ctx); err != nil {
		return 0, err
	}
	done := make(chan struct{}, o.workers) // a worker finished a push
	handled, inflight := 0, 0
	var err error
	for ctx.Err() == nil && !o.stopped.Load() {
		if free := o.workers - inflight; free > 0 {
			// A store that claims one push at a time may fail after claiming some: those are
			// handled (or, when ctx has ended, put back) before the error is returned.
			token := uuid.NewString()
			cctx, cancel := storeContext(ctx)
			var claimed []store.Push
			claimed, err = o.store.ClaimPushes(cctx, o.now().UTC(), o.lease, token, free)
			cancel()
			for _, p := range claimed {
				inflight++
				go func() {
					o.handle(ctx, p, token)
					done <- struct{}{}
				}()
			}
			if err != nil {
				err = fmt.Errorf("outbox: claim: %w", err)
				break
			}
			if len(claimed) > 0 {
				continue // more may be due, and workers are free
			}
			if inflight == 0 {
				o.settle(gen)
				break // nothing due, nothing in flight
			}
		}
		<-done // a worker is free again, and its push may have come due again
		inflight--
		handled++
	}
	for ; inflight > 0; inflight-- {
		<-done
		handled++
	}
	if err == nil {
		err = ctx.Err()
	}
	return handled, err
}

// settle records that a pass begun at Wake count gen found nothing more due.
func (o *Outbox) settle(gen int64) {
	for {
		cur := o.settled.Load()
		if cur >= gen || o.settled.CompareAndSwap(cur, gen) {
			return
		}
	}
}

func (o *Outbox) passBegins() {
	o.passMu.Lock()
	if o.passes == 0 {
		o.idle = make(chan struct{})
	}
	o.passes++
	o.passMu.Unlock()
}

func (o *Outbox) passEnds() {
	o.passMu.Lock()
	o.passes--
	if o.passes == 0 {
		close(o.idle)
	}
	o.passMu.Unlock()
}

// running returns nil when no pass runs, else a channel closed when none does any more.
func (o *Outbox) running() <-chan struct{} {
	o.passMu.Lock()
	defer o.passMu.Unlock()
	if o.passes == 0 {
		return nil
	}
	return o.idle
}

// WaitIdle returns once what this process queued is sent (or put back for a later retry): it
// waits for the passes running (Run's) and sends what is due itself until a pass finds nothing
// more. Without anything queued since the last such pass it returns at once, touching no store. Tests call it instead of waiting for a poll; pushes whose back-off
// lies in the future are not waited for, nor pushes other replicas queued.
func (o *Outbox) WaitIdle(ctx context.Context) error {
	for {
		// A pass of Run's may hold a push that this process's own pass found already claimed:
		// wait for every running pass before deciding, not only for the last one to settle.
		if ch := o.running(); ch != nil {
			select {
			case <-ch:
			case <-ctx.Done():
				return ctx.Err()
			}
			continue
		}
		if o.settled.Load() >= o.woken.Load() {
			return nil
		}
		if _, err := o.SendDue(ctx); err != nil {
			return err
		}
	}
}

// storeContext is ctx without its cancellation, bounded by 10 s: a claim or an outcome is
// either written whole or not at all when ctx ends during the call (a claim made but never
// returned would hold its push for a lease).
func storeContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
}

// sendTimeout bounds one call to LINE, within the lease.
func (o *Outbox) sendTimeout() time.Duration { return min(10*time.Second, o.lease*2/3) }

// handle sends one claimed push and records what LINE answered. It is the one place where
// LINE's answers to pushes are interpreted:
//   - 2xx, and 409 for a key LINE accepted before: sent;
//   - 429 "You have reached your monthly limit.": every push stops (see exhaust); this one
//     stays queued;
//   - other 429: retried after Retry-After if LINE sent one, else a jittered back-off;
//   - 5xx, timeouts, connection failures: retried with a jittered back-off, up to MaxAttempts;
//   - any other 4xx: recorded as failed, never retried.
//
// A row that fails validation, or whose NotAfter has passed, is skipped, never sent; every skip
// is logged with its reason.
func (o *Outbox) handle(ctx context.Context, p store.Push, token string) {
	log := o.log.With("push", p.RetryKey, "kind", p.Kind, "attempt", p.Attempts)
	now := o.now().UTC()
	// What is recorded about a push must be recorded even when ctx ends (a shutdown) meanwhile,
	// else the push would wait out its lease: the store writes get their own bound.
	wctx, cancel := storeContext(ctx)
	defer cancel()
	if reason := check(p); reason != "" {
		o.finish(wctx, log, p, token, store.PushSkipped, "corrupt: "+reason)
		return
	}
	if !p.NotAfter.IsZero() && now.After(p.NotAfter) {
		o.finish(wctx, log, p, token, store.PushSkipped, "expired at "+p.NotAfter.Format(time.RFC3339))
		return
	}
	switch {
	case o.stopped.Load():
		// Claimed just before another worker learnt the quota is used up: put it back as it was.
		o.retry(wctx, log, p, token, now, "monthly quota used up")
		return
	case ctx.Err() != nil:
		// Shutting down before it was sent: hand it to whoever runs next, without a lease's wait.
		o.retry(wctx, log, p, token, now, "")
		return
	}
	msgs, _ := line.RawMessages(p.Messages) // check has parsed them
	sctx, cancel := context.WithTimeout(ctx, o.sendTimeout())
	var err error
	switch {
	case p.Broadcast:
		err = o.line.Broadcast(sctx, msgs, p.RetryKey)
	case len(p.To) == 1:
		err = o.line.Push(sctx, p.To[0], msgs, p.RetryKey)
	default:
		err = o.line.Multicast(sctx, p.To, msgs, p.RetryKey)
	}
	cancel()
	var ae *line.APIError
	switch {
	case err == nil:
		o.finish(wctx, log, p, token, store.PushSent, "")
	case line.IsMonthlyLimit(err):
		o.exhaust(wctx, now)
		o.retry(wctx, log, p, token, now, err.Error())
	case ctx.Err() != nil:
		// Shutting down: hand the push to whoever runs next, without waiting out the lease.
		o.retry(wctx, log, p, token, now, err.Error())
	case line.IsRetryable(err) && p.Attempts < o.maxAttempts:
		wait := backoff(p.Attempts)
		if errors.As(err, &ae) && ae.RetryAfter > 0 {
			wait = ae.RetryAfter + rand.N(ae.RetryAfter/10+1)
		}
		log.Warn("push will be retried", "in", wait, "err", err)
		o.retry(wctx, log, p, token, now.Add(wait), err.Error())
	case line.IsRetryable(err):
		o.finish(wctx, log, p, token, store.PushFailed, fmt.Sprintf("gave up after %d attempts: %v", p.Attempts, err))
	default:
		o.finish(wctx, log, p, token, store.PushFailed, err.Error())
	}
}

// finish records a push as done and tells the group's owner.
func (o *Outbox) finish(ctx context.Context, log *slog.Logger, p store.Push, token string, status store.PushStatus, why string) {
	switch status {
	case store.PushSent:
		log.Debug("push sent")
	case store.PushSkipped:
		log.Warn("push skipped, not sent", "reason", why)
	default:
		log.Warn("push refused by LINE, not retried", "reason", why)
	}
	err := o.store.FinishPush(ctx, p.RetryKey, token, status, why, o.now().UTC())
	if errors.Is(err, store.ErrConflict) {
		log.Warn("push claim was taken over before it was recorded")
		return
	}
	if err != nil {
		// The claim stays; after the lease the push is sent again with its key and LINE's 409
		// records it as sent.
		log.Error("recording push outcome", "err", err)
		return
	}
	o.deliveries.WithLabelValues(string(p.Kind), string(status)).Inc()
	if p.Group != "" && o.onDone != nil {
		o.onDone(ctx, p)
	}
}

// retry puts a claimed push back, claimable from next.
func (o *Outbox) retry(ctx context.Context, log *slog.Logger, p store.Push, token string, next time.Time, why string) {
	if err := o.store.RetryPush(ctx, p.RetryKey, token, next, why); err != nil && !errors.Is(err, store.ErrConflict) {
		log.Error("putting push back", "err", err)
	}
}

// backoff is the wait after the attempt-th failure: random in [d/2, d], d = base·2^(attempt-1)
// capped at backoffCap.
func backoff(attempt int) time.Duration {
	d := backoffCap
	if attempt >= 1 && attempt < 10 {
		d = min(backoffBase<<(attempt-1), backoffCap)
	}
	return d/2 + rand.N(d/2+1)
}

// check returns why p cannot be sent, or "" when it can: a retry key that is not a UUID, an
// unknown kind, recipients that are not user IDs (1 to 500, none for a broadcast), or messages
// that are not a JSON array of 1 to 5 objects with a type (a text message with text).
func check(p store.Push) string {
	switch {
	case !line.IsRetryKey(p.RetryKey):
		return "retry key is not a UUID"
	case !knownKinds[p.Kind]:
		return fmt.Sprintf("unknown kind %q", p.Kind)
	case p.Broadcast && len(p.To) > 0:
		return "a broadcast has no recipients"
	case !p.Broadcast && (len(p.To) == 0 || len(p.To) > line.MaxMulticastRecipients):
		return fmt.Sprintf("%d recipients, want 1 to %d", len(p.To), line.MaxMulticastRecipients)
	}
	for _, id := range p.To {
		if !line.IsUserID(id) {
			return "a recipient is not a LINE user ID"
		}
	}
	if p.Error != "" && len(p.Messages) == 0 {
		return p.Error // the store could not open the sealed messages
	}
	var msgs []struct {
		Type string  `json:"type"`
		Text *string `json:"text"`
	}
	if err := json.Unmarshal(p.Messages, &msgs); err != nil {
		return "messages are not a JSON array of objects"
	}
	if len(msgs) < 1 || len(msgs) > 5 {
		return fmt.Sprintf("%d messages, want 1 to 5", len(msgs))
	}
	for i, m := range msgs {
		switch {
		case m.Type == "":
			return fmt.Sprintf("message %d has no type", i)
		case m.Type == "text" && (m.Text == nil || *m.Text == ""):
			return fmt.Sprintf("message %d is an empty text", i)
		}
	}
	return ""
}

var knownKinds = map[store.PushKind]bool{
	store.PushWorkshop: true, store.PushAnnouncement: true, store.PushAnnouncementDone: true,
	store.PushReferralNotice: true, store.PushLeaderDecision: true, store.PushOfficerCard: true, store.PushReply: true,
	store.PushCase: true,
}
