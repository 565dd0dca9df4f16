package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/outbox"
	"github.com/ssonet/ssonet/store"
)

// DefaultLease is how long a worker owns an announcement it claimed to plan it (resolve the
// recipients and queue the batches). A worker that stops before the plan is stored loses it,
// and the next tick of any replica plans it again, keeping the batches already queued.
const DefaultLease = 30 * time.Second

// AnnouncementStore is what delivery needs from the store; store.Store satisfies it.
type AnnouncementStore interface {
	ClaimAnnouncement(ctx context.Context, now time.Time, lease time.Duration) (store.Announcement, error)
	GetAnnouncement(ctx context.Context, id string) (store.Announcement, error)
	PlanAnnouncement(ctx context.Context, id string, batches, recipients int) (store.Announcement, error)
	FinishAnnouncement(ctx context.Context, id string, now time.Time, sent, failed int) (store.Announcement, error)
	ListPushGroup(ctx context.Context, group string) ([]store.Push, error)
	PushGroupProgress(ctx context.Context, group string) (store.PushProgress, error)
	AppendAudit(ctx context.Context, e store.AuditEntry) error
}

// Announcer knows an announcement's recipients and messages and tells its author the outcome;
// *bot.Engine implements it.
type Announcer interface {
	// Recipients returns the LINE user IDs the announcement goes to, without blocked members;
	// nil for store.AudienceFriends (a broadcast).
	Recipients(ctx context.Context, a store.Announcement) ([]string, error)
	// AnnouncementMessages returns the 1 to 5 messages every recipient gets.
	AnnouncementMessages(a store.Announcement) []messaging_api.MessageInterface
	// AnnouncementDone queues the completion summary (sent, failed) for the author, if an
	// officer in LINE; it must be safe to call twice for one announcement.
	AnnouncementDone(ctx context.Context, a store.Announcement) error
}

// AnnouncementsConfig holds what Announcements needs. Store, Outbox and Announcer are required.
type AnnouncementsConfig struct {
	Store     AnnouncementStore
	Outbox    Outbox
	Announcer Announcer
	Now       func() time.Time // time.Now when nil
	Logger    *slog.Logger     // slog.Default() when nil
	Lease     time.Duration    // DefaultLease when zero
}

// Announcements queues due announcements in the outbox: multicast batches of at most 500 user
// IDs (line-platform.md row 14), or one broadcast for every friend, each under a retry key
// derived from the announcement and the batch's number. The outbox sends them; when the last
// is done, PushDone marks the announcement sent and tells its author. Several replicas may run
// it at once: an announcement is claimed by one.
type Announcements struct {
	store AnnouncementStore
	out   Outbox
	ann   Announcer
	now   func() time.Time
	log   *slog.Logger
	lease time.Duration
}

// NewAnnouncements checks cfg and returns the delivery job.
func NewAnnouncements(cfg AnnouncementsConfig) (*Announcements, error) {
	if cfg.Store == nil || cfg.Outbox == nil || cfg.Announcer == nil {
		return nil, errors.New("scheduler: announcements need Store, Outbox and Announcer")
	}
	d := &Announcements{store: cfg.Store, out: cfg.Outbox, ann: cfg.Announcer, now: cfg.Now, log: cfg.Logger, lease: cfg.Lease}
	if d.now == nil {
		d.now = time.Now
	}
	if d.log == nil {
		d.log = slog.Default()
	}
	if d.lease == 0 {
		d.lease = DefaultLease
	}
	return d, nil
}

// Run queues every announcement due now, one after another, until none is left, and finishes
// those whose pushes are all done. It returns the joined errors of the announcements it could
// not plan; they are planned again once their lease has run out.
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
		}
	}
	return errors.Join(errs...)
}

// Deliver plans a claimed announcement once (its batches into the outbox) and finishes it if
// nothing of it is left to send.
func (d *Announcements) Deliver(ctx context.Context, a store.Announcement) error {
	if !a.Planned {
		if err := d.plan(ctx, a); err != nil {
			return err
		}
	}
	return d.finish(ctx, a.ID)
}

// plan resolves the recipients and queues the batches. A plan redone after a lease takeover
// keeps the batches already queued and plans only the recipients none of them has, numbering
// the new batches after them; the derived keys make a batch queued twice the same push.
func (d *Announcements) plan(ctx context.Context, a store.Announcement) error {
	group := store.AnnouncementGroup(a.ID)
	queued, err := d.store.ListPushGroup(ctx, group)
	if err != nil {
		return err
	}
	raw, err := outbox.Messages(d.ann.AnnouncementMessages(a))
	if err != nil {
		return err
	}
	batch := func(i int, to []string) store.Push {
		return store.Push{Kind: store.PushAnnouncement, To: to, Broadcast: to == nil, Messages: raw, Group: group,
			RetryKey: outbox.Key("announcement", a.ID, strconv.Itoa(i))}
	}
	var todo []store.Push
	recipients := 0
	if a.Audience == store.AudienceFriends {
		if len(queued) == 0 {
			todo = append(todo, batch(0, nil))
		}
	} else {
		ids, err := d.ann.Recipients(ctx, a)
		if err != nil {
			return err
		}
		had := map[string]bool{}
		for _, p := range queued {
			for _, id := range p.To {
				had[id] = true
			}
		}
		recipients = len(had)
		var rest []string
		for _, id := range ids {
			if !had[id] {
				rest = append(rest, id)
			}
		}
		recipients += len(rest)
		for i := 0; i < len(rest); i += line.MaxMulticastRecipients {
			todo = append(todo, batch(len(queued)+len(todo), rest[i:min(i+line.MaxMulticastRecipients, len(rest))]))
		}
	}
	for _, p := range todo {
		if err := d.out.Enqueue(ctx, p); err != nil {
			return err
		}
	}
	_, err = d.store.PlanAnnouncement(ctx, a.ID, len(queued)+len(todo), recipients)
	if errors.Is(err, store.ErrConflict) {
		return nil // another worker planned it after our lease ran out; the keys kept us apart
	}
	return err
}

// PushDone is the outbox's OnDone: when the push was an announcement's batch, it finishes the
// announcement if that was the last one.
func (d *Announcements) PushDone(ctx context.Context, p store.Push) {
	id, ok := strings.CutPrefix(p.Group, store.AnnouncementGroup(""))
	if !ok {
		return
	}
	if err := d.finish(ctx, id); err != nil {
		d.log.Error("finishing announcement", "announcement", id, "err", err)
	}
}

// finish marks a planned announcement sent once none of its pushes is pending: it queues the
// author's summary (a derived key, so twice is once), records the counts and writes the audit
// entry. A crash in between is finished by the next tick, which claims the announcement again.
func (d *Announcements) finish(ctx context.Context, id string) error {
	a, err := d.store.GetAnnouncement(ctx, id)
	if err != nil {
		return err
	}
	if a.Status != store.AnnouncementSending || !a.Planned {
		return nil
	}
	pr, err := d.store.PushGroupProgress(ctx, store.AnnouncementGroup(id))
	if err != nil || pr.Pending > 0 {
		return err
	}
	a.Sent, a.Failed = pr.SentTo, pr.FailedTo
	if err := d.ann.AnnouncementDone(ctx, a); err != nil {
		d.log.Warn("announcement summary not queued", "announcement", id, "err", err)
	}
	done, err := d.store.FinishAnnouncement(ctx, id, d.now().UTC(), pr.SentTo, pr.FailedTo)
	if errors.Is(err, store.ErrConflict) {
		return nil // another worker finished it
	}
	if err != nil {
		return err
	}
	d.log.Info("announcement sent", "announcement", id, "sent", done.Sent, "failed", done.Failed, "skipped_batches", pr.Skipped)
	return d.store.AppendAudit(ctx, store.AuditEntry{
		ID: uuid.NewString(), At: d.now().UTC(), Actor: "system", Action: "announcement.send",
		Subject: id, Province: store.AuditProvince(a.Provinces),
		Detail: "audience=" + string(a.Audience) + " sent=" + strconv.Itoa(done.Sent) + " failed=" + strconv.Itoa(done.Failed),
	})
}
