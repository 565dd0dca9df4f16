package scheduler

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/ssonet/ssonet/store"
)

// ReferralStore is what the referral jobs need from the store; store.Store satisfies it.
type ReferralStore interface {
	ListReferralsClosedBefore(ctx context.Context, t time.Time, limit int) ([]store.Referral, error)
	ListReferralNoticesDue(ctx context.Context, t time.Time, limit int) ([]store.Referral, error)
	DeleteReferral(ctx context.Context, id string) error
	AppendAudit(ctx context.Context, e store.AuditEntry) error
}

// ReferralNotifier pushes a referral's last status change to the referring leader with the
// referral's NoticeKey as the retry key; *bot.Engine implements it.
type ReferralNotifier interface {
	NotifyReferralStatus(ctx context.Context, r store.Referral) (sent bool, err error)
}

// DefaultReferralRetention is how long a closed referral is kept when Config.ReferralRetention
// is zero (REFERRAL_RETENTION_DAYS' default, 365 days).
const DefaultReferralRetention = 365 * 24 * time.Hour

// referralBatch is how many referrals one job run reads at a time.
const referralBatch = 200

// noticeGrace is how old a status change must be before the notices job retries its push, so
// it does not race the API request that is sending it right now.
const noticeGrace = time.Minute

// auditNamespace derives the audit entry ID of a retention deletion from the referral ID, so a
// run that crashed between the audit and the delete writes no second entry when it runs again.
var auditNamespace = uuid.MustParse("5b0d3c1e-4c1a-4f0e-9d55-7a2f1f0c9e40")

// DeleteClosedReferrals deletes referrals closed more than the retention period ago (PDPA: kept
// no longer than needed), each after a "referral.delete" audit entry by "system". It is
// idempotent, so replicas running it at the same time do no harm.
func (s *Scheduler) DeleteClosedReferrals(ctx context.Context) error {
	cutoff := s.now().UTC().Add(-s.retention)
	deleted := 0
	defer func() { s.log.Info("referral retention", "deleted", deleted) }()
	for {
		rs, err := s.store.ListReferralsClosedBefore(ctx, cutoff, referralBatch)
		if err != nil {
			return fmt.Errorf("scheduler: referral retention: %w", err)
		}
		for _, r := range rs {
			e := store.AuditEntry{
				ID: uuid.NewSHA1(auditNamespace, []byte("referral.delete/"+r.ID)).String(), At: s.now().UTC(),
				Actor: "system", Action: "referral.delete", Subject: r.ID, Province: r.ProvinceCode,
				Detail: fmt.Sprintf("retention: %s since %s", r.Status, r.ClosedAt.Format(time.DateOnly)),
			}
			if err := s.store.AppendAudit(ctx, e); err != nil && !errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("scheduler: referral retention: %w", err)
			}
			if err := s.store.DeleteReferral(ctx, r.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("scheduler: referral retention: %w", err)
			}
			deleted++
		}
		if len(rs) < referralBatch {
			return nil
		}
	}
}

// RetryReferralNotices pushes status-change notices that were not sent (LINE was down when the
// officer changed the status), oldest first. Each push carries the retry key stored with the
// change, so one that reached LINE before is not sent twice.
func (s *Scheduler) RetryReferralNotices(ctx context.Context) error {
	if s.notifier == nil {
		return nil
	}
	rs, err := s.store.ListReferralNoticesDue(ctx, s.now().UTC().Add(-noticeGrace), referralBatch)
	if err != nil {
		return fmt.Errorf("scheduler: referral notices: %w", err)
	}
	var errs []error
	for _, r := range rs {
		if _, err := s.notifier.NotifyReferralStatus(ctx, r); err != nil {
			errs = append(errs, err)
		}
	}
	s.log.Info("referral notices", "due", len(rs), "failed", len(errs))
	return errors.Join(errs...)
}
