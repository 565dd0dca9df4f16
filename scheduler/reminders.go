package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/bot"
	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/store"
)

// Workshop pushes (issue 3, item 5): reminders before a workshop, notices of a change of time or
// venue and of a cancellation, and the news that a seat came free for a waitlisted leader.
//
// Exactly-once, without a lock service: every push is first claimed in the store under the key
// (workshop, leader, kind), with the X-Line-Retry-Key it will carry. Only the claimer pushes. A
// replica that crashes between claim and push (or whose push timed out) leaves an unfinished
// claim; after DeliveryLease a later tick takes it over and pushes again with the same retry
// key, so if LINE had accepted the first push it answers 409 and nothing is sent twice
// (line-platform.md rows 26–27). Two replicas running the same tick race for each claim and one
// wins.
//
// The tick follows the due work only: each workshop carries ReminderDueAt, the next moment the
// scheduler must look at it, and the tick reads workshops by that field's index. After handling
// a workshop the tick moves ReminderDueAt to its next reminder (compare-and-set on the old
// value, so an officer's concurrent change that brought it forward wins).

// DeliveryLease is how long a claimed push is left to its claimer before another tick may take
// it over. It is the job timeout, so a claim is never taken from a run that can still push.
const DeliveryLease = jobTimeout

// dueBatch bounds the workshops one tick handles; the rest wait for the next tick (a minute).
const dueBatch = 500

// DefaultReminders is REMINDER_SCHEDULE's default: the day before at 09:00 and two hours before
// the start (issue 3, item 5).
const DefaultReminders = "1d@09:00,2h"

// Reminder is one reminder before every workshop: either Days before the start's date at the
// clock time Hour:Minute in the display zone ("1d@09:00"), or Before the start ("2h", "90m").
type Reminder struct {
	Spec         string // as configured; part of the delivery kind
	Days         int
	Hour, Minute int
	Before       time.Duration
}

// ParseReminders reads REMINDER_SCHEDULE: comma-separated reminders, each "<days>d@HH:MM" (days
// 1–30 before the start's date, at that clock time in TZ_DISPLAY) or a duration before the start
// with unit m or h ("2h", "90m", "1h30m"; 1 minute to 30 days). The error names the bad item.
func ParseReminders(s string) ([]Reminder, error) {
	var out []Reminder
	seen := map[string]bool{}
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		r, err := parseReminder(item)
		if err != nil {
			return nil, fmt.Errorf("reminder %q: %w (use forms like 1d@09:00 or 2h)", item, err)
		}
		if seen[r.Spec] {
			return nil, fmt.Errorf("reminder %q given twice", item)
		}
		seen[r.Spec] = true
		out = append(out, r)
	}
	return out, nil
}

func parseReminder(item string) (Reminder, error) {
	if days, clock, ok := strings.Cut(item, "d@"); ok {
		d, err := strconv.Atoi(days)
		if err != nil || d < 1 || d > 30 {
			return Reminder{}, errors.New("days must be 1 to 30")
		}
		hm, err := time.Parse("15:04", clock)
		if err != nil || len(clock) != 5 {
			return Reminder{}, errors.New("time must be HH:MM, 00:00 to 23:59")
		}
		return Reminder{Spec: item, Days: d, Hour: hm.Hour(), Minute: hm.Minute()}, nil
	}
	if !strings.HasSuffix(item, "h") && !strings.HasSuffix(item, "m") || strings.HasSuffix(item, "ms") {
		return Reminder{}, errors.New("a duration needs the unit h or m")
	}
	d, err := time.ParseDuration(item)
	if err != nil {
		return Reminder{}, errors.New("not a duration")
	}
	if d < time.Minute || d > 30*24*time.Hour {
		return Reminder{}, errors.New("must be 1m to 720h before the start")
	}
	return Reminder{Spec: item, Before: d}, nil
}

// DueAt is when r is due for a workshop starting at start, with day-based reminders read in loc.
func (r Reminder) DueAt(start time.Time, loc *time.Location) time.Time {
	if r.Days == 0 {
		return start.Add(-r.Before)
	}
	s := start.In(loc)
	return time.Date(s.Year(), s.Month(), s.Day()-r.Days, r.Hour, r.Minute, 0, 0, loc)
}

// WorkshopStore is what the workshop job needs from the store; store.Store satisfies it.
type WorkshopStore interface {
	WorkshopsDue(ctx context.Context, now time.Time, limit int) ([]store.Workshop, error)
	AdvanceReminder(ctx context.Context, id string, from, next time.Time, notified int) error
	ListRegistrations(ctx context.Context, workshopID string) ([]store.Registration, error)
	ClaimDelivery(ctx context.Context, d store.Delivery, lease time.Duration) (store.Delivery, error)
	FinishDelivery(ctx context.Context, workshopID, userID, kind, outcome string, at time.Time) error
	GetDelivery(ctx context.Context, workshopID, userID, kind string) (store.Delivery, error)
	GetMember(ctx context.Context, userID string) (store.Member, error)
}

// Notices builds the text of a workshop push in the member's language; *bot.Engine satisfies it.
type Notices interface {
	WorkshopNotice(m store.Member, w store.Workshop, kind string) []messaging_api.MessageInterface
}

// Pusher sends a push with a retry key; *line.Client satisfies it.
type Pusher interface {
	Push(ctx context.Context, to string, msgs []messaging_api.MessageInterface, retryKey string) error
}

// notice is one kind of push for a list of leaders.
type notice struct {
	kind string
	to   []string
}

// Workshops is the workshop job: for every workshop whose ReminderDueAt has come, it pushes
// what is due and moves ReminderDueAt on. Catch-up after downtime is the same code: a reminder
// missed while the service was down is sent if the workshop has not begun, unless a later
// reminder is due too, which replaces it; nothing is sent once the workshop has begun.
func (s *Scheduler) Workshops(ctx context.Context) error {
	now := s.now().UTC()
	ws, err := s.workshops.WorkshopsDue(ctx, now, dueBatch)
	if err != nil {
		return err
	}
	var errs []error
	for _, w := range ws {
		if err := s.workshop(ctx, w, now); err != nil {
			errs = append(errs, fmt.Errorf("workshop %s: %w", w.ID, err))
		}
	}
	return errors.Join(errs...)
}

// workshop pushes what is due for one workshop and advances its ReminderDueAt. When a push
// failed in a way worth retrying, ReminderDueAt stays so the next tick tries again.
func (s *Scheduler) workshop(ctx context.Context, w store.Workshop, now time.Time) error {
	regs, err := s.workshops.ListRegistrations(ctx, w.ID)
	if err != nil {
		return err
	}
	var seated, waiting []string
	var notices []notice
	for _, r := range regs {
		switch r.Status {
		case store.RegRegistered:
			seated = append(seated, r.UserID)
			if !r.PromotedAt.IsZero() {
				notices = append(notices, notice{fmt.Sprintf("%s:%d", bot.NoticePromoted, r.PromotedAt.UnixMilli()), []string{r.UserID}})
			}
		case store.RegWaitlisted:
			waiting = append(waiting, r.UserID)
		}
	}
	everyone := append(seated[:len(seated):len(seated)], waiting...)
	var next time.Time
	begun := !now.Before(w.StartsAt)
	switch {
	case begun:
		notices = nil
	case w.Status == store.WorkshopCancelled:
		notices = nil
		if w.Revision > w.NotifiedRevision {
			notices = []notice{{bot.NoticeCancelled, everyone}}
		}
	default:
		if w.Revision > w.NotifiedRevision {
			notices = append(notices, notice{fmt.Sprintf("%s:%d", bot.NoticeChanged, w.Revision), everyone})
		}
		var latest *Reminder
		for i, r := range s.reminders {
			due := r.DueAt(w.StartsAt, s.loc)
			switch {
			case due.After(now):
				if next.IsZero() || due.Before(next) {
					next = due
				}
			case latest == nil || due.After(latest.DueAt(w.StartsAt, s.loc)):
				latest = &s.reminders[i]
			}
		}
		if latest != nil {
			notices = append(notices, notice{fmt.Sprintf("%s:%s:%d", bot.NoticeReminder, latest.Spec, w.StartsAt.Unix()), seated})
		}
	}
	var retry error
	pending := false
	for _, n := range notices {
		for _, u := range n.to {
			err := s.deliver(ctx, w, u, n.kind, now)
			switch {
			case err == nil:
			case errors.Is(err, errClaimPending):
				pending = true
			case line.IsRetryable(err) || ctx.Err() != nil:
				retry = err
			default:
				return err // a store failure: try the whole workshop again next tick
			}
		}
	}
	if retry != nil || pending {
		return retry // not advanced: the next tick looks again
	}
	err = s.workshops.AdvanceReminder(ctx, w.ID, w.ReminderDueAt, next, w.Revision)
	if errors.Is(err, store.ErrConflict) {
		return nil // changed meanwhile: the newer ReminderDueAt stands
	}
	return err
}

// errClaimPending means another run holds an unfinished claim on a push: it may be sending now,
// or it crashed and the claim will be taken over after DeliveryLease. Either way the workshop
// is not advanced past it.
var errClaimPending = errors.New("scheduler: push claimed by another run, not yet done")

// deliver claims and sends one push. A claim already done is left alone; one held unfinished
// by another run gives errClaimPending. Blocked members are skipped (recorded as "blocked"). A push LINE refused for good is
// recorded as "failed"; a retryable failure leaves the claim unfinished and is returned.
func (s *Scheduler) deliver(ctx context.Context, w store.Workshop, userID, kind string, now time.Time) error {
	d, err := s.workshops.ClaimDelivery(ctx, store.Delivery{WorkshopID: w.ID, UserID: userID, Kind: kind,
		RetryKey: uuid.NewString(), ClaimedAt: now}, DeliveryLease)
	if errors.Is(err, store.ErrConflict) {
		prev, gerr := s.workshops.GetDelivery(ctx, w.ID, userID, kind)
		switch {
		case gerr != nil:
			return gerr
		case prev.DoneAt.IsZero():
			return errClaimPending
		}
		return nil
	}
	if err != nil {
		return err
	}
	m, err := s.workshops.GetMember(ctx, userID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		m = store.Member{UserID: userID, Language: store.LangThai}
	case err != nil:
		return err
	}
	outcome := "sent"
	if m.Blocked {
		outcome = "blocked"
	} else if err := s.pusher.Push(ctx, userID, s.notices.WorkshopNotice(m, w, kind), d.RetryKey); err != nil {
		if line.IsRetryable(err) {
			s.log.Warn("workshop push will be retried", "workshop", w.ID, "kind", kind, "err", err)
			return err
		}
		s.log.Error("workshop push refused", "workshop", w.ID, "kind", kind, "err", err)
		outcome = "failed"
	}
	// The kind's category ("remind", "change", ...) keeps the metric's labels few.
	category, _, _ := strings.Cut(kind, ":")
	s.deliveries.WithLabelValues(category, outcome).Inc()
	return s.workshops.FinishDelivery(ctx, w.ID, userID, kind, outcome, s.now().UTC())
}
