package bot

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/google/uuid"

	"github.com/ssonet/ssonet/store"
)

// eraseFeature lets a member have their own personal data erased, as the consent step promises
// ("ขอลบได้ทุกเมื่อ", Thailand's PDPA): their leader record, their own Section 40 interest
// requests (self-referrals), their open form and their profile name; upcoming workshop seats
// are given up. Referrals a leader made
// for other people stay: they are those workers' data, held for their enrolment.
// isEraseWord asks for the member's data to be erased; understood even while the member talks
// with an officer (a right that never waits).
var isEraseWord = contains("ลบข้อมูล", "deletemydata", "erasemydata", "deletemyinformation")

func eraseFeature() feature {
	return feature{
		keywords: []keyword{
			// The buttons' labels typed: checked before the general phrase they contain.
			{match: is("ยืนยันลบข้อมูล", "confirmerase"), do: func(t *turn) error { return t.erase() }},
			{match: is("ไม่ลบ", "ไม่ลบข้อมูล", "keepit"), do: func(t *turn) error { t.eraseKept(); return nil }},
			{match: isEraseWord, do: func(t *turn) error { t.eraseAsk(); return nil }},
		},
		postbacks: map[string]func(t *turn, q url.Values) error{
			"erase.yes": func(t *turn, _ url.Values) error { return t.erase() },
			"erase.no":  func(t *turn, _ url.Values) error { t.eraseKept(); return nil },
		},
	}
}

// eraseAsk says what erasing removes and what it keeps, and asks to confirm.
func (t *turn) eraseAsk() {
	t.out.text(t.tr("erase.ask"))
	t.out.buttons(action{Label: t.tr("btn.erase_yes"), Data: "a=erase.yes"}, action{Label: t.tr("btn.erase_no"), Data: "a=erase.no"})
}

func (t *turn) eraseKept() {
	t.out.text(t.tr("erase.kept"))
	t.out.buttons(t.menuAction())
}

// erase removes the member's personal data and writes one audit entry. Every step is
// idempotent, so a repeated tap or a redelivered event erases nothing twice and fails nothing.
func (t *turn) erase() error {
	uid := t.member.UserID
	if err := t.store.DeleteLeader(t.ctx, uid); err != nil {
		return fmt.Errorf("bot: erase leader: %w", err)
	}
	erased := 0
	for { // a page at a time until none is left
		own, err := t.store.ListReferrals(t.ctx, store.ReferralFilter{Source: store.SourceSelf, WorkerUserID: uid})
		if err != nil {
			return fmt.Errorf("bot: erase: list own referrals: %w", err)
		}
		if len(own) == 0 {
			break
		}
		for _, r := range own {
			if err := t.store.DeleteReferral(t.ctx, r.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("bot: erase referral: %w", err)
			}
		}
		erased += len(own)
	}
	// Seats the member holds or waits for are given up, so others get them and no reminder
	// reaches an erased member; attended ones are history and stay.
	regs, err := t.store.ListRegistrationsOf(t.ctx, uid)
	if err != nil {
		return fmt.Errorf("bot: erase: list registrations: %w", err)
	}
	for _, r := range regs {
		if r.Status != store.RegRegistered && r.Status != store.RegWaitlisted {
			continue
		}
		if _, _, err := t.store.LeaveWorkshop(t.ctx, r.WorkshopID, uid, t.now); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("bot: erase: leave workshop: %w", err)
		}
	}
	cases, err := t.store.DeleteCasesOf(t.ctx, uid) // conversations with officers, transcripts and all
	if err != nil {
		return fmt.Errorf("bot: erase cases: %w", err)
	}
	if err := t.store.DeleteRecent(t.ctx, uid); err != nil {
		return fmt.Errorf("bot: erase recent lines: %w", err)
	}
	t.private = true // nothing of this exchange is kept either
	t.member.DisplayName = ""
	t.member.UpdatedAt = t.now
	if err := t.store.UpsertMember(t.ctx, t.member); err != nil {
		return fmt.Errorf("bot: erase member name: %w", err)
	}
	err = t.store.AppendAudit(t.ctx, store.AuditEntry{
		ID: uuid.NewString(), At: t.now, Actor: "line:" + uid, Action: "member.erase", Subject: uid,
		Detail: fmt.Sprintf("leader record, %d own interest requests, %d conversations with officers, open form and profile name erased at the member's request", erased, cases),
	})
	if err != nil {
		return fmt.Errorf("bot: erase audit: %w", err)
	}
	t.endSession = true
	t.out.text(t.tr("erase.done"))
	t.out.buttons(t.menuAction())
	return nil
}
