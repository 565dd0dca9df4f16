package scheduler

import (
	"context"
	"errors"
	"fmt"
	"github.com/prometheus/client_golang/prometheus"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/store"
)

// Delivery defaults (docs/ARCHITECTURE.md, "Delivery"; line-platform.md rows 14, 26–30).
const (
	// DefaultLease is how long a worker owns an announcement it claimed; every finished batch
	// extends it. A worker that stops (crash, deploy) loses it, and the next tick of any
	// replica resumes with the first batch still pending.
	DefaultLease = 2 * time.Minute
	// DefaultMaxAttempts bounds the tries of one batch on 429, 5xx and timeouts within one
	// run; after it the batch stays pending with its retry key and the run ends, to resume
	// after the lease.
	DefaultMaxAttempts = 6
	// backoffBase and backoffCap shape the jittered exponential back-off between attempts:
	// a random wait in [d/2, d] with d = base·2^(attempt-1), at most backoffCap. LINE sends no
	// Retry-After (row 28).
	backoffBase = time.Second
	backoffCap  = time.Minute
)

// AnnouncementStore is what delivery needs from the store; store.Store satisfies it.
type AnnouncementStore interface {
	ClaimAnnouncement(ctx context.Context, now time.Time, lease time.Duration) (store.Announcement, error)
	PlanAnnouncement(ctx context.Context, id string, batches []store.AnnouncementBatch, recipients int) (store.Announcement, error)
	ListBatches(ctx context.Context, id string) ([]store.AnnouncementBatch, error)
	FinishBatch(ctx context.Context, id string, index int, status store.BatchStatus, errText string, now time.Time) error
	ExtendLease(ctx context.Context, id string, until time.Time) error
	FinishAnnouncement(ctx context.Context, id string, now time.Time) (store.Announcement, error)
	AppendAudit(ctx context.Context, e store.AuditEntry) error
}

// Sender is the part of the LINE client delivery uses; *line.Client implements it. Both calls
// carry X-Line-Retry-Key and report a 409 on a repeated key as success.
type Sender interface {
	Multicast(ctx context.Context, to []string, msgs []messaging_api.MessageInterface, retryKey string) error
	Broadcast(ctx context.Context, msgs []messaging_api.MessageInterface, retryKey string) error
}

// Announcer knows an announcement's recipients and messages and tells its author the outcome;
// *bot.Engine implements it.
type Announcer interface {
	// Recipients returns the LINE user IDs the announcement goes to, without blocked members;
	// nil for store.AudienceFriends (a broadcast).
	Recipients(ctx context.Context, a store.Announcement) ([]string, error)
	// AnnouncementMessages returns the 1 to 5 messages every recipient gets.
	AnnouncementMessages(a store.Announcement) []messaging_api.MessageInterface
	// AnnouncementDone pushes the completion summary (sent, failed) to the author, if an
	// officer in LINE; it must be safe to call twice for one announcement.
	AnnouncementDone(ctx context.Context, a store.Announcement) error
}

// AnnouncementsConfig holds what Announcements needs. Store, LINE and Announcer are required.
type AnnouncementsConfig struct {
	Store       AnnouncementStore
	LINE        Sender
	Announcer   Announcer
	Now         func() time.Time                                 // time.Now when nil
	Sleep       func(ctx context.Context, d time.Duration) error // waits between attempts; a context-aware sleep when nil
	Logger      *slog.Logger                                     // slog.Default() when nil
	Lease       time.Duration                                    // DefaultLease when zero
	MaxAttempts int                                              // DefaultMaxAttempts when zero
}

// Announcements delivers due announcements: multicast in batches of at most 500 user IDs, each
// with a retry key stored before its first attempt, progress stored per batch, back-off and
// retry on 429 and 5xx with the same key, other 4xx recorded and skipped. "Every friend" is one
// broadcast. Several replicas may run it at once: an announcement is claimed by one.
type Announcements struct {
	store       AnnouncementStore
	line        Sender
	ann         Announcer
	now         func() time.Time
	sleep       func(ctx context.Context, d time.Duration) error
	log         *slog.Logger
	lease       time.Duration
	maxAttempts int
	deliveries  *prometheus.CounterVec // set by the Scheduler that runs the job; nil counts nothing
}

// count records one batch's outcome in the deliveries metric.
func (d *Announcements) count(outcome string) {
	if d.deliveries != nil {
		d.deliveries.WithLabelValues("announcement", outcome).Inc()
	}
}

// NewAnnouncements checks cfg and returns the delivery job.
func NewAnnouncements(cfg AnnouncementsConfig) (*Announcements, error) {
	if cfg.Store == nil || cfg.LINE == nil || cfg.Announcer == nil {
		return nil, errors.New("scheduler: announcements need Store, LINE and Announcer")
	}
	d := &Announcements{store: cfg.Store, line: cfg.LINE, ann: cfg.Announcer, now: cfg.Now, sleep: cfg.Sleep,
		log: cfg.Logger, lease: cfg.Lease, maxAttempts: cfg.MaxAttempts}
	if d.now == nil {
		d.now = time.Now
	}
	if d.sleep == nil {
		d.sleep = sleepCtx
	}
	if d.log == nil {
		d.log = slog.Default()
	}
	if d.lease == 0 {
		d.lease = DefaultLease
	}
	if d.maxAttempts == 0 {
		d.maxAttempts = DefaultMaxAttempts
	}
	return d, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run delivers every announcement due now, one after another, until none is left. It returns
// the joined errors of the announcements it could not finish; they stay claimed until their
// lease runs out and are resumed then.
func (d *Announcements) Run(ctx context.Context) error {
	var errs []error
	for ctx.Err() == nil {
		a, err := d.store.ClaimAnnouncement(ctx, d.now().UTC(), d.lease)
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if err != nil {
			return errors.Join(append(errs, err)...)
		}
		if err := d.Deliver(ctx, a); err != nil {
			errs = append(errs, fmt.Errorf("announcement %s: %w", a.ID, err))
			if ctx.Err() != nil {
				break
			}
		}
	}
	return errors.Join(errs...)
}

// Deliver sends a claimed announcement: it plans the batches once (recipients without blocked
// members, a retry key each), sends the pending ones in order, and when none is left marks it
// sent, tells the author and writes the audit entry.
func (d *Announcements) Deliver(ctx context.Context, a store.Announcement) error {
	if !a.Planned {
		var err error
		if a, err = d.plan(ctx, a); err != nil {
			return err
		}
	}
	batches, err := d.store.ListBatches(ctx, a.ID)
	if err != nil {
		return err
	}
	msgs := d.ann.AnnouncementMessages(a)
	for _, b := range batches {
		if b.Status != store.BatchPending {
			continue // sent or failed by an earlier run: never repeated
		}
		if err := d.sendBatch(ctx, a, b, msgs); err != nil {
			return err
		}
		if err := d.store.ExtendLease(ctx, a.ID, d.now().UTC().Add(d.lease)); err != nil {
			return fmt.Errorf("lost the claim: %w", err)
		}
	}
	done, err := d.store.FinishAnnouncement(ctx, a.ID, d.now().UTC())
	if errors.Is(err, store.ErrConflict) {
		return nil // another worker finished it and told the author
	}
	if err != nil {
		return err
	}
	if err := d.ann.AnnouncementDone(ctx, done); err != nil {
		d.log.Warn("announcement summary not pushed", "announcement", a.ID, "err", err)
	}
	d.log.Info("announcement sent", "announcement", a.ID, "sent", done.Sent, "failed", done.Failed)
	return d.store.AppendAudit(ctx, store.AuditEntry{
		ID: uuid.NewString(), At: d.now().UTC(), Actor: "system", Action: "announcement.send",
		Subject: a.ID, Province: store.AuditProvince(a.Provinces),
		Detail: "audience=" + string(a.Audience) + " sent=" + strconv.Itoa(done.Sent) + " failed=" + strconv.Itoa(done.Failed),
	})
}

// batchRetryKey is the X-Line-Retry-Key of batch index of an announcement: derived, not random,
// so a plan redone by a worker that took over an expired lease reuses the keys LINE may already
// have accepted, and a batch is never delivered twice (line-platform.md rows 26–27).
func batchRetryKey(announcementID string, index int) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("ssonet:announcement:"+announcementID+":"+strconv.Itoa(index))).String()
}

// plan resolves the recipients and stores the batches with their retry keys before anything
// is sent (line-platform.md row 26).
func (d *Announcements) plan(ctx context.Context, a store.Announcement) (store.Announcement, error) {
	var batches []store.AnnouncementBatch
	recipients := 0
	if a.Audience == store.AudienceFriends {
		batches = []store.AnnouncementBatch{{Index: 0, RetryKey: batchRetryKey(a.ID, 0), Status: store.BatchPending}}
	} else {
		ids, err := d.ann.Recipients(ctx, a)
		if err != nil {
			return a, err
		}
		recipients = len(ids)
		for i := 0; i < len(ids); i += line.MaxMulticastRecipients {
			batches = append(batches, store.AnnouncementBatch{
				Index: len(batches), RetryKey: batchRetryKey(a.ID, len(batches)), Status: store.BatchPending,
				UserIDs: ids[i:min(i+line.MaxMulticastRecipients, len(ids))],
			})
		}
	}
	return d.store.PlanAnnouncement(ctx, a.ID, batches, recipients)
}

// sendBatch sends one batch with its stored retry key, retrying on 429, 5xx and transport
// failures with jittered exponential back-off. A 409 (the key was already accepted, e.g. by a
// run that stopped before recording it) is success. Other 4xx are recorded as failed and the
// announcement goes on. It returns an error only when the batch must stay pending: the context
// ended, the attempts ran out, the monthly quota is used up, or the store failed.
func (d *Announcements) sendBatch(ctx context.Context, a store.Announcement, b store.AnnouncementBatch, msgs []messaging_api.MessageInterface) error {
	for attempt := 1; ; attempt++ {
		var err error
		if a.Audience == store.AudienceFriends {
			err = d.line.Broadcast(ctx, msgs, b.RetryKey)
		} else {
			err = d.line.Multicast(ctx, b.UserIDs, msgs, b.RetryKey)
		}
		switch {
		case err == nil:
			d.count("sent")
			return d.store.FinishBatch(ctx, a.ID, b.Index, store.BatchSent, "", d.now().UTC())
		case !line.IsRetryable(err):
			d.log.Warn("announcement batch refused", "announcement", a.ID, "batch", b.Index, "err", err)
			d.count("failed")
			return d.store.FinishBatch(ctx, a.ID, b.Index, store.BatchFailed, err.Error(), d.now().UTC())
		case ctx.Err() != nil:
			return ctx.Err()
		case line.IsMonthlyLimit(err):
			return fmt.Errorf("batch %d: monthly message quota used up: %w", b.Index, err)
		case attempt >= d.maxAttempts:
			return fmt.Errorf("batch %d: gave up after %d attempts: %w", b.Index, attempt, err)
		}
		d.log.Info("announcement batch retry", "announcement", a.ID, "batch", b.Index, "attempt", attempt, "err", err)
		if err := d.sleep(ctx, backoff(attempt)); err != nil {
			return err
		}
	}
}

// backoff is the wait after the attempt-th failure: random in [d/2, d], d = base·2^(attempt-1)
// capped at backoffCap.
func backoff(attempt int) time.Duration {
	d := backoffCap
	if attempt < 7 {
		d = min(backoffBase<<(attempt-1), backoffCap)
	}
	return d/2 + rand.N(d/2+1)
}
