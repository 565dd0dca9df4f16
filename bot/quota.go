package bot

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/outbox"
	"github.com/ssonet/ssonet/store"
)

// Outbox queues pushes and says whether they can go out; *outbox.Outbox implements it
// (docs/ARCHITECTURE.md, "Outbox").
type Outbox interface {
	// Enqueue stores a push to be sent exactly once under its retry key.
	Enqueue(ctx context.Context, p store.Push) error
	// QuotaState is the last known monthly-quota state (no I/O).
	QuotaState() store.QuotaState
	// Resume lets pushes go out again after the monthly quota was used up.
	Resume(ctx context.Context, by string) (store.QuotaState, error)
	// Budget is what is left of the month's messages.
	Budget(ctx context.Context) (outbox.Budget, error)
}

// queue puts msgs for one user into the outbox under key (see outbox.Key) as a push of kind.
func (e *Engine) queue(ctx context.Context, kind store.PushKind, to string, msgs []messaging_api.MessageInterface, key string) error {
	return e.queueUntil(ctx, kind, to, msgs, key, time.Time{})
}

// queueUntil is queue for a push that is pointless after notAfter (zero: never).
func (e *Engine) queueUntil(ctx context.Context, kind store.PushKind, to string, msgs []messaging_api.MessageInterface, key string, notAfter time.Time) error {
	raw, err := outbox.Messages(msgs)
	if err != nil {
		return err
	}
	return e.outbox.Enqueue(ctx, store.Push{Kind: kind, To: []string{to}, Messages: raw, RetryKey: key, NotAfter: notAfter})
}

// skipPush logs a push that is not queued, with the reason (every skip is logged, issue 8).
func (e *Engine) skipPush(kind store.PushKind, reason string) {
	e.log.Info("push skipped", "kind", kind, "reason", reason)
}

// quotaFeature lets admins resume pushes once LINE's monthly quota is topped up.
func quotaFeature() feature {
	return feature{
		keywords: []keyword{
			{match: is("ส่งข้อความต่อ", "เริ่มส่งต่อ", "resumepushes", "resumesending"), do: func(t *turn) error { return t.resumePushes() }},
		},
		postbacks: map[string]func(t *turn, q url.Values) error{
			"quota.resume": func(t *turn, _ url.Values) error { return t.resumePushes() },
		},
	}
}

// resumePushes is the admins' "ส่งข้อความต่อ": pushes held since the monthly quota ran out go
// out again (if LINE still refuses them, sending stops again and admins are told again).
func (t *turn) resumePushes() error {
	if !t.admins[t.member.UserID] {
		t.out.text(t.tr("quota.admins_only"))
		return nil
	}
	was := t.outbox.QuotaState()
	if !was.Exhausted {
		t.out.text(t.tr("quota.not_stopped"))
		return nil
	}
	if _, err := t.outbox.Resume(t.ctx, actions.Actor{UserID: t.member.UserID}.AuditName()); err != nil {
		return fmt.Errorf("bot: resume pushes: %w", err)
	}
	t.out.text(t.tr("quota.resumed"))
	return nil
}

// noteQuota puts the warning that no push can go out before an admin's reply while LINE's
// monthly quota is used up. Replies are free, so this one still arrives.
func (t *turn) noteQuota() {
	if !t.admins[t.member.UserID] || len(t.out.msgs) == 0 {
		return
	}
	q := t.outbox.QuotaState()
	if !q.Exhausted {
		return
	}
	var note reply
	note.text(t.tr("quota.stopped", "Since", t.formatTime(q.Since), "ResumeAt", t.formatTime(q.ResumeAt)))
	t.out.msgs = append(note.msgs, t.out.msgs...)
}
