package actions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/google/uuid"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// looksPersonal reports whether a note seems to carry a phone number or national ID (Thai
// digits included), which must not be stored unsealed or pushed.
func looksPersonal(note string) bool { return thai.HasPersonalNumber(note) }

// ChangeReferralStatus moves a referral of a's provinces to status to with a note (optional,
// at most 500 characters, no national ID or phone number: it is pushed to the referring leader
// and kept unsealed), writes "referral.status" naming a, and pushes the change to the leader
// (the scheduler retries a push that failed). It returns the referral and whether the push went.
//
// Refusals: Invalid on "status" or "note"; NotFound; Forbidden; Conflict "act.ref.transition"
// when the referral's status cannot become to (submitted → contacted → enrolled, or an open one
// to ineligible, unreachable or withdrawn).
func (s *Service) ChangeReferralStatus(ctx context.Context, a Actor, id string, to store.ReferralStatus, note string) (store.Referral, bool, error) {
	if !to.Valid() {
		return store.Referral{}, false, invalid("status", "act.ref.status")
	}
	note = strings.TrimSpace(note)
	if len([]rune(note)) > maxNote || strings.ContainsFunc(note, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) {
		return store.Referral{}, false, invalid("note", "act.text_invalid", "Max", maxNote)
	}
	if looksPersonal(note) {
		return store.Referral{}, false, invalid("note", "act.note_personal")
	}
	r, err := s.referral(ctx, a, id)
	if err != nil {
		return store.Referral{}, false, err
	}
	if !r.Status.CanMoveTo(to) {
		return r, false, refuse(Conflict, "status", "act.ref.transition", "From", textID("status.referral."+string(r.Status)), "To", textID("status.referral."+string(to)))
	}
	r, err = s.cfg.Store.ChangeReferralStatus(ctx, r.ID, store.StatusChange{From: r.Status, To: to, Note: note, At: s.now(), NoticeKey: uuid.NewString()})
	if errors.Is(err, store.ErrConflict) {
		return r, false, refuse(Conflict, "status", "act.ref.transition", "From", textID("status.referral."+string(r.Status)), "To", textID("status.referral."+string(to)))
	}
	if err != nil {
		return store.Referral{}, false, fmt.Errorf("actions: change referral status: %w", err)
	}
	if err := s.audit(ctx, a, "referral.status", r.ID, r.ProvinceCode, string(to)); err != nil {
		return r, false, err
	}
	sent, err := s.cfg.Notifier.NotifyReferralStatus(ctx, r)
	if err != nil {
		s.cfg.Logger.Warn("referral status notice not sent; the scheduler retries", "referral", r.ID, "err", err)
		return r, false, nil
	}
	if sent {
		if fresh, err := s.cfg.Store.GetReferral(ctx, r.ID); err == nil {
			r = fresh
		}
	}
	return r, sent, nil
}

// referral reads a referral a may see; one of another province is NotFound, so its existence
// is not told.
func (s *Service) referral(ctx context.Context, a Actor, id string) (store.Referral, error) {
	r, err := s.cfg.Store.GetReferral(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !a.ActsOn(r.ProvinceCode)) {
		return store.Referral{}, refuse(NotFound, "", "act.ref.missing")
	}
	if err != nil {
		return store.Referral{}, fmt.Errorf("actions: get referral: %w", err)
	}
	return r, nil
}

// Referral returns a referral of a's provinces, masked or not as the caller shows it; reveal
// writes "referral.reveal" naming a first (how: "console", "api get").
func (s *Service) Referral(ctx context.Context, a Actor, id string, reveal bool, how string) (store.Referral, error) {
	r, err := s.referral(ctx, a, id)
	if err == nil && reveal {
		err = s.audit(ctx, a, "referral.reveal", r.ID, r.ProvinceCode, how)
	}
	return r, err
}

// Referrals lists the referrals f selects within a's provinces (f.ProvinceCode, when set, must
// be one of them), newest first, paged by f.Offset and f.Limit. With reveal, one
// "referral.reveal" entry per referral is written before the data leaves.
func (s *Service) Referrals(ctx context.Context, a Actor, f store.ReferralFilter, reveal bool, how string) ([]store.Referral, error) {
	provinces, err := s.within(a, f.ProvinceCode)
	if err != nil {
		return nil, err
	}
	var out []store.Referral
	if len(provinces) == 1 {
		f.ProvinceCode = provinces[0]
		out, err = s.cfg.Store.ListReferrals(ctx, f)
	} else { // several provinces: the first Offset+Limit of each, merged
		page := f
		page.Offset, page.Limit = 0, f.Offset+max(f.Limit, 1)
		if f.Limit == 0 {
			page.Limit = f.Offset + store.DefaultReferralLimit
		}
		for _, p := range provinces {
			page.ProvinceCode = p
			rs, lerr := s.cfg.Store.ListReferrals(ctx, page)
			if lerr != nil {
				err = lerr
				break
			}
			out = append(out, rs...)
		}
		slices.SortStableFunc(out, func(x, y store.Referral) int { return y.CreatedAt.Compare(x.CreatedAt) })
		limit := f.Limit
		if limit == 0 {
			limit = store.DefaultReferralLimit
		}
		out = out[min(f.Offset, len(out)):min(f.Offset+limit, len(out))]
	}
	if err != nil {
		return nil, fmt.Errorf("actions: list referrals: %w", err)
	}
	if reveal {
		for _, r := range out {
			if err := s.audit(ctx, a, "referral.reveal", r.ID, r.ProvinceCode, how); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// ReferralLeader is the leader who referred r, a referral of a's provinces, to show with it:
// their name and province, the phone left out (it is not the officer's to call from here).
// Zero for a self-referral or a leader who erased their data; NotFound for a referral a may
// not see.
func (s *Service) ReferralLeader(ctx context.Context, a Actor, r store.Referral) (store.Leader, error) {
	if !a.ActsOn(r.ProvinceCode) {
		return store.Leader{}, refuse(NotFound, "", "act.ref.missing")
	}
	if r.Source != store.SourceLeader || r.LeaderID == "" {
		return store.Leader{}, nil
	}
	l, err := s.cfg.Store.GetLeader(ctx, r.LeaderID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Leader{}, nil
	}
	if err != nil {
		return store.Leader{}, fmt.Errorf("actions: referring leader: %w", err)
	}
	return store.Leader{UserID: l.UserID, FullName: l.FullName, ProvinceCode: l.ProvinceCode, Status: l.Status}, nil
}

// ReferralCounts counts the referrals of a's provinces (province, when set, must be one of
// them) by status, for a work queue's filter to say what each status holds.
func (s *Service) ReferralCounts(ctx context.Context, a Actor, province string) (map[store.ReferralStatus]int, error) {
	provinces, err := s.within(a, province)
	if err != nil {
		return nil, err
	}
	out := map[store.ReferralStatus]int{}
	for _, p := range provinces {
		n, err := s.cfg.Store.CountProvinceReferrals(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("actions: count referrals: %w", err)
		}
		for st, k := range n {
			out[st] += k
		}
	}
	return out, nil
}

func sortByCreated(ls []store.Leader) {
	slices.SortStableFunc(ls, func(x, y store.Leader) int {
		if c := x.CreatedAt.Compare(y.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(x.UserID, y.UserID)
	})
}
