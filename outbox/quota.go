package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssonet/ssonet/store"
)

// Monthly quota (line-platform.md rows 30, 38). When LINE answers a push with "You have reached
// your monthly limit." nothing more can go out this month: every replica stops claiming pushes
// (the state is in the store), the queue keeps everything, ssonet_line_quota_exhausted is 1 and
// admins are told in the bot's replies, which stay free. Sending resumes by itself at 00:00 on
// the first of the next month in TZ_DISPLAY, or when an admin resumes it (after buying more
// messages), through Resume.

// exhaust records that the monthly quota is used up, once; later calls keep the first Since.
func (o *Outbox) exhaust(ctx context.Context, now time.Time) {
	o.quotaMu.Lock()
	defer o.quotaMu.Unlock()
	if o.stopped.Load() {
		return
	}
	q := store.QuotaState{Exhausted: true, Since: now, ResumeAt: NextMonth(now, o.loc), ResumedBy: o.quota.ResumedBy, UpdatedAt: now}
	o.setQuota(q)
	o.log.Error("LINE monthly message quota used up: every push is held until it resumes",
		"resume_at", q.ResumeAt, "pending_kept", true)
	if err := o.store.SetQuotaState(context.WithoutCancel(ctx), q); err != nil {
		o.log.Error("storing quota state", "err", err)
	}
}

// setQuota updates the cached state, the fast flag and the gauge. quotaMu is held.
func (o *Outbox) setQuota(q store.QuotaState) {
	o.quota = q
	o.stopped.Store(q.Exhausted)
	if q.Exhausted {
		o.exhausted.Set(1)
	} else {
		o.exhausted.Set(0)
	}
}

// refreshQuota reads the shared quota state (another replica may have stopped or resumed
// sending) and resumes by itself once ResumeAt has come.
func (o *Outbox) refreshQuota(ctx context.Context) error {
	q, err := o.store.GetQuotaState(ctx)
	if err != nil {
		return fmt.Errorf("outbox: quota state: %w", err)
	}
	if q.Exhausted && !o.now().Before(q.ResumeAt) {
		_, err := o.resume(ctx, "auto")
		return err
	}
	o.quotaMu.Lock()
	o.setQuota(q)
	o.quotaMu.Unlock()
	return nil
}

// QuotaState is the last known quota state (read from the store at every pass of the outbox,
// at least every Poll). Exhausted means no push goes out until ResumeAt or Resume. It never
// calls LINE or the store, so the bot may ask on every message.
func (o *Outbox) QuotaState() store.QuotaState {
	o.quotaMu.Lock()
	defer o.quotaMu.Unlock()
	return o.quota
}

// Resume lets pushes go out again after the monthly quota was used up, e.g. once the admins
// bought more messages; by is the audit actor ("line:<userID>", "api", "console:<officer>"). It is audit-logged
// ("line.quota.resume") and returns the new state. Resuming while sending is not stopped
// changes nothing and writes no audit entry. If the quota is still used up, LINE's next answer
// stops sending again.
func (o *Outbox) Resume(ctx context.Context, by string) (store.QuotaState, error) {
	return o.resume(ctx, by)
}

func (o *Outbox) resume(ctx context.Context, by string) (store.QuotaState, error) {
	o.quotaMu.Lock()
	defer o.quotaMu.Unlock()
	q, err := o.store.GetQuotaState(ctx)
	if err != nil {
		return store.QuotaState{}, fmt.Errorf("outbox: resume: %w", err)
	}
	if !q.Exhausted {
		o.setQuota(q)
		return q, nil
	}
	now := o.now().UTC()
	was := q
	q = store.QuotaState{ResumedBy: by, UpdatedAt: now}
	if err := o.store.SetQuotaState(ctx, q); err != nil {
		return store.QuotaState{}, fmt.Errorf("outbox: resume: %w", err)
	}
	o.setQuota(q)
	o.log.Info("pushes resumed after the monthly quota", "by", by, "stopped_since", was.Since)
	id, actor, detail := uuid.NewString(), by, "stopped since "+was.Since.Format(time.RFC3339)
	if by == "auto" { // every replica may see the month turn: one entry, whoever writes it
		id, actor, detail = Key("line.quota.resume", was.Since.Format(time.RFC3339Nano)), "system", detail+"; the month turned"
	}
	if err := o.store.AppendAudit(ctx, store.AuditEntry{ID: id, At: now, Actor: actor,
		Action: "line.quota.resume", Subject: "line", Detail: detail}); err != nil && !errors.Is(err, store.ErrConflict) {
		o.log.Error("audit quota resume", "err", err)
	}
	o.Wake()
	return q, nil
}

// NextMonth is 00:00 on the first day of the month after t's, in loc.
func NextMonth(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month()+1, 1, 0, 0, 0, 0, loc).UTC()
}

// Budget is what is left of the month's messages for a new announcement.
type Budget struct {
	Limited   bool  // false: the plan has no monthly limit (any number of messages); the counts are 0
	Unknown   bool  // LINE could not be asked (Limited is false): shown as not known, never as "no limit"
	Limit     int64 // messages allowed this month
	Used      int64 // messages LINE counted so far
	Queued    int64 // recipients of pushes still in the outbox, which will count too
	Remaining int64 // Limit − Used − Queued, never below 0
}

// Fits reports whether cost more messages fit in the budget. A negative cost is unknown (a
// broadcast: LINE counts the friends, which the service does not know); it fits while anything
// is left.
func (b Budget) Fits(cost int) bool {
	switch {
	case !b.Limited:
		return true
	case cost < 0:
		return b.Remaining > 0
	}
	return int64(cost) <= b.Remaining
}

// Budget asks LINE for the month's quota and usage and subtracts what the outbox still holds,
// for the officer to see an announcement's cost against it before it is queued.
func (o *Outbox) Budget(ctx context.Context) (Budget, error) {
	q, err := o.line.MessageQuota(ctx)
	if err != nil {
		return Budget{}, fmt.Errorf("outbox: quota: %w", err)
	}
	if !q.Limited {
		return Budget{}, nil
	}
	_, queued, err := o.store.PendingPushes(ctx)
	if err != nil {
		return Budget{}, fmt.Errorf("outbox: quota: %w", err)
	}
	b := Budget{Limited: true, Limit: q.Limit, Used: q.Used, Queued: int64(queued)}
	b.Remaining = max(b.Limit-b.Used-b.Queued, 0)
	return b, nil
}

// depthCollector exports ssonet_outbox_depth{kind}, the pending pushes by kind, read from the
// store at each scrape.
type depthCollector struct{ o *Outbox }

var depthDesc = prometheus.NewDesc("ssonet_outbox_depth", "Pushes waiting in the outbox, by kind.", []string{"kind"}, nil)

// Describe implements prometheus.Collector.
func (depthCollector) Describe(ch chan<- *prometheus.Desc) { ch <- depthDesc }

// Collect implements prometheus.Collector; every kind is reported, 0 when none waits.
func (c depthCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	byKind, _, err := c.o.store.PendingPushes(ctx)
	if err != nil {
		c.o.log.Warn("outbox depth metric", "err", err)
		ch <- prometheus.NewInvalidMetric(depthDesc, err)
		return
	}
	for k := range knownKinds {
		ch <- prometheus.MustNewConstMetric(depthDesc, prometheus.GaugeValue, float64(byKind[k]), string(k))
	}
}
