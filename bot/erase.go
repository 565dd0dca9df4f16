package bot

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

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
		// The answer, typed ("ใช่ค่ะ", "ไม่ลบ") or tapped, counts only as the reply to the question
		// (eraseQuestion); a stale "confirm" button asks again.
		keywords: []keyword{
			{match: isEraseWord, do: func(t *turn) error { return t.eraseAsk() }},
		},
		postbacks: map[string]func(t *turn, q url.Values) error{
			"erase.ask": func(t *turn, _ url.Values) error { return t.eraseAsk() },
			"erase.yes": func(t *turn, _ url.Values) error {
				if t.lastAsk != askErase {
					return t.eraseAsk()
				}
				return t.erase()
			},
			"erase.no": func(t *turn, _ url.Values) error { t.eraseKept(); return nil },
		},
	}
}

// answerAsked reads a typed message as the answer to a question the previous turn asked that
// is not a form's step (those are the step's to read); answered is false when it is no answer
// (it is then routed as usual).
func (t *turn) answerAsked() (answered bool, err error) {
	if t.lastAsk != askErase {
		return false, nil
	}
	switch eraseQuestion.read(t, t.ev.Text) {
	case saidYes:
		return true, t.erase()
	case saidNo:
		t.eraseKept()
		return true, nil
	}
	if cancelWords[keywordOf(t.ev.Text)] {
		t.eraseKept()
		return true, nil
	}
	return false, nil
}

// eraseAsk says what erasing removes and what it keeps, for what is held about this member
// only, and asks to confirm.
func (t *turn) eraseAsk() error {
	w, err := t.who()
	if err != nil {
		return err
	}
	var items []string
	if w.leader != nil {
		items = append(items, t.tr("erase.item.leader"))
	}
	own, err := t.store.ListReferrals(t.ctx, store.ReferralFilter{Source: store.SourceSelf, WorkerUserID: t.member.UserID, Limit: 1})
	if err != nil {
		return fmt.Errorf("bot: erase: list own referrals: %w", err)
	}
	if len(own) > 0 {
		items = append(items, t.tr("erase.item.self"))
	}
	seats, err := t.heldSeats()
	if err != nil {
		return err
	}
	if len(seats) > 0 {
		items = append(items, t.tr("erase.item.seats"))
	}
	if t.sess.Flow != "" {
		items = append(items, t.tr("erase.item.form"))
	}
	items = append(items, t.tr("erase.item.cases"), t.tr("erase.item.name"))
	text := t.tr("erase.ask", "Items", "• "+strings.Join(items, "\n• "))
	if w.leader != nil {
		counts, err := t.store.CountReferralsByStatus(t.ctx, t.member.UserID)
		if err != nil {
			return fmt.Errorf("bot: erase: count referrals: %w", err)
		}
		if len(counts) > 0 {
			text += "\n" + t.tr("erase.kept_referrals")
		}
	}
	t.out.text(text + "\n" + t.tr("erase.final"))
	t.setAsk(askErase)
	t.out.buttons(action{Label: t.tr("btn.erase_yes"), Data: "a=erase.yes"}, action{Label: t.tr("btn.erase_no"), Data: "a=erase.no"})
	return nil
}

// heldSeats are the member's registrations that hold or wait for a seat.
func (t *turn) heldSeats() ([]store.Registration, error) {
	regs, err := t.store.ListRegistrationsOf(t.ctx, t.member.UserID)
	if err != nil {
		return nil, fmt.Errorf("bot: erase: list registrations: %w", err)
	}
	var held []store.Registration
	for _, r := range regs {
		if r.Status == store.RegRegistered || r.Status == store.RegWaitlisted {
			held = append(held, r)
		}
	}
	return held, nil
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
	seats, err := t.heldSeats()
	if err != nil {
		return err
	}
	for _, r := range seats {
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
	t.changedRecords()
	t.standingChanged(t.ctx, uid)
	t.endSession = true
	t.sess.Fields = nil // what was last shown goes too
	t.out.text(t.tr("erase.done"))
	t.out.buttons(t.menuAction())
	return nil
}
