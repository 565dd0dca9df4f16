package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/bot"
	"github.com/ssonet/ssonet/outbox"
	"github.com/ssonet/ssonet/store"
)

// Workshop pushes (issue 3, item 5): reminders before a workshop, notices of a change of time or
// venue and of a cancellation, and the news that a seat came free for a waitlisted leader.
//
// The tick only queues them: each push goes into the outbox (docs/ARCHITECTURE.md, "Outbox")
// under a retry key derived from (workshop, leader, kind), which sends it exactly once. A tick
// that stops half-way (a crash, a store fault) is repeated by the next tick, and the pushes it
// had queued already are recognised by their keys. Each push expires at the workshop's start.
//
// The tick follows the due work only: each workshop carries ReminderDueAt, the next moment the
// scheduler must look at it, and the tick reads workshops by that field's index. After queueing
// what a workshop needs the tick moves ReminderDueAt to its next reminder (compare-and-set on
// the old value, so an officer's concurrent change that brought it forward wins).

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
	GetMember(ctx context.Context, userID string) (store.Member, error)
}

// Notices builds the text of a workshop push in the member's language; *bot.Engine satisfies it.
type Notices interface {
	WorkshopNotice(m store.Member, w store.Workshop, kind string) []messaging_api.MessageInterface
}

// Outbox queues a push to be sent exactly once; *outbox.Outbox satisfies it.
type Outbox interface {
	Enqueue(ctx context.Context, p store.Push) error
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

// workshop queues what is due for one workshop and advances its ReminderDueAt. When the store
// fails, ReminderDueAt stays so the next tick tries again. A corrupt workshop (see
// workshopProblem) is logged and nothing is pushed about it.
func (s *Scheduler) workshop(ctx context.Context, w store.Workshop, now time.Time) error {
	corrupt := workshopProblem(w)
	if corrupt != "" {
		s.log.Error("workshop row is corrupt: its pushes are skipped, not sent", "workshop", w.ID, "reason", corrupt)
	}
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
	if corrupt != "" {
		notices = nil
	}
	for _, n := range notices {
		for _, u := range n.to {
			if err := s.enqueue(ctx, w, u, n.kind); err != nil {
				return err // the whole workshop again next tick; queued pushes are recognised
			}
		}
	}
	err = s.workshops.AdvanceReminder(ctx, w.ID, w.ReminderDueAt, next, w.Revision)
	if errors.Is(err, store.ErrConflict) {
		return nil // changed meanwhile: the newer ReminderDueAt stands
	}
	return err
}

// workshopProblem says why w cannot be told about, or "" when it can: without a title or a
// start a reminder would be blank or wrong.
func workshopProblem(w store.Workshop) string {
	switch {
	case strings.TrimSpace(w.Title) == "":
		return "no title"
	case w.StartsAt.IsZero():
		return "no start time"
	}
	return ""
}

// enqueue queues one workshop push for userID in their language, with a retry key derived from
// (workshop, leader, kind) and expiring at the start. Members who blocked the account are
// skipped (logged).
func (s *Scheduler) enqueue(ctx context.Context, w store.Workshop, userID, kind string) error {
	m, err := s.workshops.GetMember(ctx, userID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		m = store.Member{UserID: userID, Language: store.LangThai}
	case err != nil:
		return err
	case m.Blocked:
		s.log.Info("workshop push skipped", "workshop", w.ID, "kind", kind, "reason", "member blocked the account")
		return nil
	}
	raw, err := outbox.Messages(s.notices.WorkshopNotice(m, w, kind))
	if err != nil {
		return err
	}
	err = s.outbox.Enqueue(ctx, store.Push{Kind: store.PushWorkshop, To: []string{userID}, Messages: raw,
		RetryKey: outbox.Key("workshop", w.ID, userID, kind), NotAfter: w.StartsAt})
	if errors.Is(err, outbox.ErrInvalidPush) {
		// Could never be sent (LINE would refuse it); retrying every tick would not help.
		s.log.Error("workshop push skipped", "workshop", w.ID, "kind", kind, "reason", err.Error())
		return nil
	}
	return err
}
