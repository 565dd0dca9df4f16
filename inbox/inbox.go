// Package inbox is the durable hand-over between the webhook and the conversation engine
// (docs/ARCHITECTURE.md, "Inbox" and "Workers"). Accept stores a request's events in the store's
// inbox in one write and returns; workers then claim each user's events one at a time, in
// order, hand them to the engine, and mark them done, retry them with back-off, or park them.
// Different users are handled in parallel, on one replica or many: every claim carries a
// token, kept alive by heartbeats, and a crashed worker's claim is taken over after the lease.
//
// The package knows neither HTTP nor LINE's wire format: the webhook converts and verifies,
// the engine answers.
package inbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssonet/ssonet/bot"
	"github.com/ssonet/ssonet/store"
)

// Defaults of Config.
const (
	DefaultLease       = 15 * time.Second // a crashed worker's event waits at most this long
	DefaultPoll        = time.Second      // how often the store is searched for due events
	DefaultMaxAttempts = 5                // claims before an event is parked
	// DefaultWorkers is how many users one process handles at once. A handling spends much of
	// its time waiting (the store's batched commits, LINE's answer), so the workers outnumber the
	// cores: 48 against 16 gave about 10% more events/s in BenchmarkWebhook on 2 cores.
	DefaultWorkers       = 48
	DefaultWriteTimeout  = 1500 * time.Millisecond
	DefaultHandleTimeout = 30 * time.Second
	// DefaultMaxAge is the dedupe retention: the clean-up forgets handled ids after it
	// (scheduler.EventRetention), so an older event may be a replay and is dropped
	// (docs/ARCHITECTURE.md, "Inbox"). LINE redelivers for far less (line-platform.md rows 7–9).
	DefaultMaxAge = 48 * time.Hour
)

// writeTimeout bounds each of the inbox's own writes after handling (complete, retry, park).
const writeTimeout = 5 * time.Second

// pollLimit is how many users one search of the store wakes: after a crash with a backlog the
// drain goes at the workers' pace, not one page of users per Poll period.
const pollLimit = 1000

// Handler handles one event; *bot.Engine satisfies it. An error means the event should be
// tried again later.
type Handler interface {
	Handle(ctx context.Context, ev bot.Event) error
}

// Config holds what an Inbox needs. Store and Handler are required; zero values take the
// defaults above.
type Config struct {
	Store   store.InboxStore
	Handler Handler
	Now     func() time.Time      // the clock of leases, back-off and ages; time.Now when nil
	Logger  *slog.Logger          // slog.Default() when nil
	Metrics prometheus.Registerer // where the inbox metrics are registered; none when nil

	Lease     time.Duration // claim lease; DefaultLease
	Heartbeat time.Duration // how often a running claim is renewed (real time); Lease/3
	Poll      time.Duration // the store search's period (real time); DefaultPoll
	// MaxAttempts is how many claims an event gets before it is parked; DefaultMaxAttempts.
	MaxAttempts int
	// Backoff is the wait before the next try after the attempt-th failed one (1-based);
	// 2 s·2^(attempt-1), at most 5 minutes, when nil.
	Backoff       func(attempt int) time.Duration
	Workers       int           // users handled at once; DefaultWorkers
	WriteTimeout  time.Duration // Accept's bound on the store write; DefaultWriteTimeout
	HandleTimeout time.Duration // bound on one event's handling; DefaultHandleTimeout
	MaxAge        time.Duration // older events are dropped by Accept; DefaultMaxAge
}

// Inbox accepts events and runs the workers. Build it with New, then Start it; Stop it on
// shutdown.
type Inbox struct {
	cfg Config
	log *slog.Logger

	mu       sync.Mutex
	idle     *sync.Cond           // broadcast whenever users shrinks
	users    map[string]*userWork // users queued or running
	queue    []string             // users waiting for a worker
	running  int
	stopping bool

	ctx     context.Context // parent of every handling; cancelled when Stop gives up waiting
	cancel  context.CancelFunc
	workers sync.WaitGroup
	poller  sync.WaitGroup

	handled  *prometheus.CounterVec
	outcomes map[string]prometheus.Counter // every series of handled, resolved once
	seconds  *prometheus.HistogramVec
	kinds    map[bot.EventKind]prometheus.Observer // the series of seconds of the engine's kinds
}

// The outcomes of ssonet_inbox_events_total.
const (
	outcomeAccepted  = "accepted"
	outcomeDuplicate = "duplicate"
	outcomeDropped   = "dropped"
	outcomeHandled   = "handled"
	outcomeRetried   = "retried"
	outcomeParked    = "parked"
)

// New checks cfg, fills in the defaults and registers the metrics:
// ssonet_inbox_events_total{outcome}, ssonet_inbox_handle_seconds{kind}, and, read from the
// store at each scrape, ssonet_inbox_pending, ssonet_inbox_oldest_age_seconds and
// ssonet_inbox_parked.
func New(cfg Config) (*Inbox, error) {
	if cfg.Store == nil || cfg.Handler == nil {
		return nil, errors.New("inbox: Store and Handler are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = cfg.Lease / 3
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.Backoff == nil {
		cfg.Backoff = backoff
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.HandleTimeout <= 0 {
		cfg.HandleTimeout = DefaultHandleTimeout
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	i := &Inbox{cfg: cfg, log: cfg.Logger, users: map[string]*userWork{},
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ssonet_inbox_events_total",
			Help: "Inbox events by outcome: accepted, duplicate, dropped (older than the dedupe retention), handled, retried, parked.",
		}, []string{"outcome"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ssonet_inbox_handle_seconds",
			Help:    "Time the engine took to handle one inbox event, in seconds.",
			Buckets: prometheus.DefBuckets,
		}, []string{"kind"}),
	}
	i.outcomes = map[string]prometheus.Counter{}
	for _, o := range []string{outcomeAccepted, outcomeDuplicate, outcomeDropped, outcomeHandled, outcomeRetried, outcomeParked} {
		i.outcomes[o] = i.handled.WithLabelValues(o)
	}
	i.kinds = map[bot.EventKind]prometheus.Observer{}
	for _, k := range []bot.EventKind{bot.KindFollow, bot.KindUnfollow, bot.KindMessage, bot.KindPostback} {
		i.kinds[k] = i.seconds.WithLabelValues(string(k))
	}
	i.idle = sync.NewCond(&i.mu)
	i.ctx, i.cancel = context.WithCancel(context.Background())
	if cfg.Metrics != nil {
		for _, c := range []prometheus.Collector{i.handled, i.seconds, &depth{i}} {
			if err := cfg.Metrics.Register(c); err != nil {
				return nil, fmt.Errorf("inbox: register metrics: %w", err)
			}
		}
	}
	return i, nil
}

// userWork is what a user's worker has to do.
type userWork struct {
	look    bool      // woken (wake): claim the user's events from the store until none is left
	claimed []claimed // events Accept stored already claimed, to handle before claiming any
}

// claimed is an event Accept stored already claimed by this process, handed to its user's
// worker in memory (docs/ARCHITECTURE.md, "Workers").
type claimed struct {
	row store.InboxEvent
	ev  bot.Event
}

// backoff is the default Config.Backoff.
func backoff(attempt int) time.Duration {
	return min(2*time.Second<<min(attempt-1, 10), 5*time.Minute)
}

// Accept stores evs, the events of one webhook request in LINE's order, in one store write of
// at most WriteTimeout, and wakes the workers of their users. Events older than MaxAge are
// dropped with a log line. Events already in the inbox (a redelivery) are left as they are. An
// error means nothing may have been stored: the webhook answers 500 so that LINE redelivers.
//
// Each event is offered to the store with a claim of this process: an event whose user has
// nothing else pending is stored claimed (where the store can do that atomically) and handed
// to the user's worker as it is, which spares that worker a claim write and opening the sealed
// body it just stored.
func (i *Inbox) Accept(ctx context.Context, evs []bot.Event) error {
	now := i.cfg.Now().UTC()
	offer := !i.isStopping() // a stopping process hands nothing over: it would only wait out the lease
	rows := make([]store.InboxEvent, 0, len(evs))
	kept := make([]bot.Event, 0, len(evs)) // kept[k] is the event of rows[k]
	for seq, ev := range evs {
		if !ev.Time.IsZero() && now.Sub(ev.Time) > i.cfg.MaxAge {
			i.outcomes[outcomeDropped].Inc()
			i.log.Warn("inbox: event older than the dedupe retention dropped (a replay?)", "event", ev.ID, "kind", ev.Kind, "age", now.Sub(ev.Time))
			continue
		}
		ev.ReceivedAt = now
		body, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("inbox: encode event: %w", err)
		}
		row := store.InboxEvent{ID: ev.ID, UserID: ev.UserID, Body: body, EventAt: ev.Time, Seq: seq, ReceivedAt: now}
		if offer {
			row.Token, row.LeaseUntil, row.Attempts = uuid.NewString(), now.Add(i.cfg.Lease), 1
		}
		rows, kept = append(rows, row), append(kept, ev)
	}
	if len(rows) == 0 {
		return nil
	}
	wctx, cancel := context.WithTimeout(ctx, i.cfg.WriteTimeout)
	defer cancel()
	added, err := i.cfg.Store.AddInbox(wctx, rows)
	if err != nil {
		return fmt.Errorf("inbox: accept: %w", err)
	}
	i.outcomes[outcomeAccepted].Add(float64(added.New))
	i.outcomes[outcomeDuplicate].Add(float64(len(rows) - added.New))
	for k, r := range rows {
		if slices.Contains(added.Claimed, r.ID) { // a request holds a few events: no map needed
			r.Body = nil // the worker has the event itself
			i.handOver(claimed{row: r, ev: kept[k]})
		} else {
			i.wake(r.UserID)
		}
	}
	return nil
}

// Start drains what is due in the store (what a crash or another replica left) and then
// searches the store every Poll for due events.
func (i *Inbox) Start() {
	i.Poll(i.ctx)
	i.poller.Go(func() {
		t := time.NewTicker(i.cfg.Poll)
		defer t.Stop()
		for {
			select {
			case <-i.ctx.Done():
				return
			case <-t.C:
			}
			if i.isStopping() {
				return
			}
			i.Poll(i.ctx)
		}
	})
}

// Poll searches the store once for users with due events and wakes their workers. Start calls
// it every Poll; tests call it after moving the clock.
func (i *Inbox) Poll(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, i.cfg.WriteTimeout)
	defer cancel()
	users, err := i.cfg.Store.DueInboxUsers(ctx, i.cfg.Now().UTC(), pollLimit)
	if err != nil {
		i.log.Error("inbox: search due events", "err", err)
		return
	}
	for _, u := range users {
		i.wake(u)
	}
}

// WaitIdle returns when no user's events are queued or being handled in this process (events
// waiting out a back-off do not count), or with ctx's error.
func (i *Inbox) WaitIdle(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		i.mu.Lock()
		i.idle.Broadcast()
		i.mu.Unlock()
	})
	defer stop()
	i.mu.Lock()
	defer i.mu.Unlock()
	for len(i.users) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		i.idle.Wait()
	}
	return nil
}

// Stop stops claiming, lets every running handling finish, and returns. If ctx ends first the
// handlings are cancelled; each then retries its event (the claim is released, not lost).
// What is still queued stays in the store for the next start or another replica; the claims
// of handed-over events still queued are released first, so nobody waits out their lease.
func (i *Inbox) Stop(ctx context.Context) error {
	i.mu.Lock()
	i.stopping = true
	var handed []claimed
	for _, w := range i.users {
		handed, w.claimed = append(handed, w.claimed...), nil
	}
	for _, u := range i.queue {
		delete(i.users, u)
	}
	i.queue = nil
	i.idle.Broadcast()
	i.mu.Unlock()
	i.release(ctx, handed)
	done := make(chan struct{})
	go func() {
		i.workers.Wait()
		i.cancel()
		i.poller.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		i.cancel()
		<-done
		return fmt.Errorf("inbox: stop: %w", ctx.Err())
	}
}

// release gives the claims of handed-over events no worker will run back to the store, so
// that the next start or another replica takes them at once rather than after the lease. One
// that cannot be released is claimed again when its lease runs out.
func (i *Inbox) release(ctx context.Context, handed []claimed) {
	now := i.cfg.Now().UTC()
	for _, c := range handed {
		wctx, cancel := context.WithTimeout(ctx, writeTimeout)
		if err := i.cfg.Store.RetryInbox(wctx, c.row.ID, c.row.Token, now); err != nil {
			i.log.Warn("inbox: handed-over claim not released at stop; it is claimed again after the lease", "event", c.row.ID, "err", err)
		}
		cancel()
	}
}

func (i *Inbox) isStopping() bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.stopping
}

// wake makes sure user's events are claimed from the store: by the user's running worker once
// it is done with its current event, or by a new worker (queued while all are busy).
func (i *Inbox) wake(user string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.wakeLocked(user, nil)
}

// handOver gives c, stored claimed by Accept, to its user's worker. A stopping process drops
// it: its claim runs out and the next start (or another replica) claims it from the store.
func (i *Inbox) handOver(c claimed) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.wakeLocked(c.row.UserID, &c)
}

// wakeLocked adds c to the user's work, or, when c is nil, a look at the store; i.mu is held.
func (i *Inbox) wakeLocked(user string, c *claimed) {
	if i.stopping {
		return
	}
	w, ok := i.users[user]
	if !ok {
		w = &userWork{}
		i.users[user] = w
	}
	if c != nil {
		w.claimed = append(w.claimed, *c)
	} else {
		w.look = true
	}
	if ok {
		return
	}
	if i.running >= i.cfg.Workers {
		i.queue = append(i.queue, user)
		return
	}
	i.running++
	i.workers.Go(func() { i.work(user) })
}

// work handles user's events, those handed over first, then, if the worker was woken, those
// it can claim from the store, until none is left; then it takes the next queued user. A worker
// only handed events does not look in the store after them: an event of the user stored
// meanwhile was stored by Accept, which woke the worker, or waits out a back-off, which the
// poller finds (docs/ARCHITECTURE.md, "Workers").
func (i *Inbox) work(user string) {
	for {
		for i.handedOver(user) {
		}
		if i.looking(user) {
			for i.next(user) {
			}
		}
		i.mu.Lock()
		if w := i.users[user]; (w.look || len(w.claimed) > 0) && !i.stopping {
			i.mu.Unlock()
			continue
		}
		delete(i.users, user)
		i.idle.Broadcast()
		if len(i.queue) == 0 || i.stopping {
			i.running--
			i.mu.Unlock()
			return
		}
		user, i.queue = i.queue[0], i.queue[1:]
		i.mu.Unlock()
	}
}

// looking reports whether user's worker was woken to claim from the store, and takes the
// wake-up: one that comes while the worker claims makes it look once more.
func (i *Inbox) looking(user string) bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	w := i.users[user]
	look := w.look && !i.stopping
	w.look = false
	return look
}

// handedOver handles the first event handed over for user; false when there was none. One
// that waited longer than a heartbeat period for a worker (every worker busy) has its claim
// renewed first, and is left alone if the claim was taken over meanwhile.
func (i *Inbox) handedOver(user string) bool {
	i.mu.Lock()
	w := i.users[user]
	if i.stopping || len(w.claimed) == 0 {
		i.mu.Unlock()
		return false
	}
	c := w.claimed[0]
	w.claimed = w.claimed[1:]
	i.mu.Unlock()
	if now := i.cfg.Now().UTC(); c.row.LeaseUntil.Sub(now) < i.cfg.Lease-i.cfg.Heartbeat {
		ctx, cancel := context.WithTimeout(i.ctx, writeTimeout)
		err := i.cfg.Store.ExtendInbox(ctx, c.row.ID, c.row.Token, now, i.cfg.Lease)
		cancel()
		if err != nil {
			i.log.Warn("inbox: handed-over claim not renewed; the store will give the event out again", "event", c.row.ID, "err", err)
			return true
		}
	}
	i.handle(c.row, c.ev, nil)
	return true
}

// next claims and handles the user's next event; false when there was none to claim.
func (i *Inbox) next(user string) bool {
	if i.isStopping() {
		return false
	}
	token := uuid.NewString()
	ctx, cancel := context.WithTimeout(i.ctx, writeTimeout)
	e, err := i.cfg.Store.ClaimInbox(ctx, user, token, i.cfg.Now().UTC(), i.cfg.Lease)
	cancel()
	if errors.Is(err, store.ErrNotFound) {
		return false
	}
	if err != nil {
		i.log.Error("inbox: claim", "err", err)
		return false
	}
	var ev bot.Event
	err = json.Unmarshal(e.Body, &ev)
	i.handle(e, ev, err)
	return true
}

// handle runs ev, the claimed event e, through the handler under heartbeats and records the
// outcome; decodeErr is why e's body could not be read back.
func (i *Inbox) handle(e store.InboxEvent, ev bot.Event, decodeErr error) {
	var err error
	switch {
	case decodeErr != nil:
		err = fmt.Errorf("decode body: %w", decodeErr) // cannot get better: park at once
		e.Attempts = i.cfg.MaxAttempts
	case e.Attempts > i.cfg.MaxAttempts:
		err = errors.New("claimed too often without an outcome (the worker died each time?)")
	default:
		start := time.Now()
		err = i.run(e, ev)
		seconds, ok := i.kinds[ev.Kind]
		if !ok {
			seconds = i.seconds.WithLabelValues(string(ev.Kind))
		}
		seconds.Observe(time.Since(start).Seconds())
	}
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	now := i.cfg.Now().UTC()
	var outcome string
	var werr error
	switch {
	case err == nil:
		outcome, werr = outcomeHandled, i.cfg.Store.CompleteInbox(ctx, e.ID, e.Token, now)
	case e.Attempts >= i.cfg.MaxAttempts:
		outcome, werr = outcomeParked, i.cfg.Store.ParkInbox(ctx, e.ID, e.Token, now)
	default:
		outcome, werr = outcomeRetried, i.cfg.Store.RetryInbox(ctx, e.ID, e.Token, now.Add(i.cfg.Backoff(e.Attempts)))
	}
	i.outcomes[outcome].Inc()
	level := slog.LevelInfo
	switch {
	case outcome == outcomeParked:
		level = slog.LevelError
	case err != nil:
		level = slog.LevelWarn
	}
	// The log line holds ids, kinds and counts, never what the user typed; err only when there
	// is one (a nil one would cost the JSON handler an encoding/json call to write null).
	attrs := append(make([]slog.Attr, 0, 5), slog.String("event", e.ID), slog.String("kind", string(ev.Kind)),
		slog.String("outcome", outcome), slog.Int("attempt", e.Attempts))
	if err != nil {
		attrs = append(attrs, slog.Any("err", err))
	}
	i.log.LogAttrs(ctx, level, "inbox event", attrs...)
	if werr != nil {
		// The claim runs out and the event is claimed again: handled twice at worst, which
		// the engine's writes and the fallback's retry key tolerate.
		i.log.Error("inbox: record outcome", "event", e.ID, "outcome", outcome, "err", werr)
	}
}

// run hands ev to the handler while a heartbeat renews the claim. Losing the claim (another
// worker took it over) cancels the handling.
func (i *Inbox) run(e store.InboxEvent, ev bot.Event) (err error) {
	ctx, cancel := context.WithTimeout(i.ctx, i.cfg.HandleTimeout)
	defer cancel()
	defer i.heartbeat(ctx, e, cancel)()
	defer func() {
		if p := recover(); p != nil {
			i.log.Error("inbox: handler panicked", "event", e.ID, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	return i.cfg.Handler.Handle(ctx, ev)
}

// heartbeat renews e's claim every Heartbeat, under ctx, until the returned stop is called;
// losing the claim calls lost. The beats run on a timer, not on a goroutine of their own that
// would be started and ended for every event: nearly every handling is over before the first
// beat. stop waits for a beat under way.
func (i *Inbox) heartbeat(ctx context.Context, e store.InboxEvent, lost context.CancelFunc) (stop func()) {
	var (
		mu      sync.Mutex // held by a beat while it runs, and by stop
		stopped bool
		t       *time.Timer
	)
	mu.Lock() // t is set before the first beat reads it
	defer mu.Unlock()
	t = time.AfterFunc(i.cfg.Heartbeat, func() {
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return
		}
		hctx, hcancel := context.WithTimeout(ctx, writeTimeout)
		err := i.cfg.Store.ExtendInbox(hctx, e.ID, e.Token, i.cfg.Now().UTC(), i.cfg.Lease)
		hcancel()
		if errors.Is(err, store.ErrConflict) {
			i.log.Error("inbox: claim lost while handling", "event", e.ID)
			lost()
			return
		}
		if err != nil {
			i.log.Warn("inbox: heartbeat", "event", e.ID, "err", err)
		}
		t.Reset(i.cfg.Heartbeat)
	})
	return func() {
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		t.Stop()
	}
}

// depth is the collector of the store-read gauges: each scrape reads InboxStats once.
type depth struct{ i *Inbox }

var (
	pendingDesc = prometheus.NewDesc("ssonet_inbox_pending", "Inbox events not yet handled, in every replica.", nil, nil)
	ageDesc     = prometheus.NewDesc("ssonet_inbox_oldest_age_seconds", "Age of the oldest pending inbox event, in seconds; 0 when none.", nil, nil)
	parkedDesc  = prometheus.NewDesc("ssonet_inbox_parked", "Parked inbox events (failed too often), kept until the clean-up deletes them.", nil, nil)
)

// Describe implements prometheus.Collector.
func (d *depth) Describe(ch chan<- *prometheus.Desc) {
	ch <- pendingDesc
	ch <- ageDesc
	ch <- parkedDesc
}

// Collect implements prometheus.Collector. A store that does not answer within the write
// timeout leaves the gauges out of this scrape (and logs why).
func (d *depth) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), d.i.cfg.WriteTimeout)
	defer cancel()
	st, err := d.i.cfg.Store.InboxStats(ctx)
	if err != nil {
		d.i.log.Warn("inbox: stats for metrics", "err", err)
		return
	}
	age := 0.0
	if !st.OldestReceived.IsZero() {
		age = max(d.i.cfg.Now().Sub(st.OldestReceived).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(st.Pending))
	ch <- prometheus.MustNewConstMetric(ageDesc, prometheus.GaugeValue, age)
	ch <- prometheus.MustNewConstMetric(parkedDesc, prometheus.GaugeValue, float64(st.Parked))
}
