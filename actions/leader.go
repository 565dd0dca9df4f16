package actions

import (
	"context"
	"errors"
	"fmt"

	"github.com/ssonet/ssonet/store"
)

// maxNote is the longest reason or status note an officer may write, in characters.
const maxNote = 500

// MaxReason is the longest reason of a leader decision, in characters (CheckReason).
const MaxReason = maxNote

// CheckReason is the one rule for the reason of a leader decision: optional, at most 500
// characters, no national ID or phone number (it is pushed to the leader and kept unsealed).
// It returns the reason to store. LINE's reason question checks a typed reason with it at once,
// and DecideLeader again. Refusals: Invalid on "note" ("act.text_invalid" with Max,
// "act.note_personal").
func CheckReason(note string) (string, error) {
	note, err := freeText("note", note, maxNote, true)
	if err != nil {
		return "", err
	}
	if looksPersonal(note) {
		return "", invalid("note", "act.note_personal")
	}
	return note, nil
}

// Decision is an officer's approval or rejection of one leader application.
type Decision struct {
	UserID string // the leader's LINE user ID
	// SubmissionID is the application decided on, as the officer saw it (issue 9, item 11): an
	// old card of an application the leader has replaced since approves nothing.
	SubmissionID string
	Status       store.LeaderStatus // store.LeaderApproved or store.LeaderRejected
	Note         string             // the reason told to the leader; optional, at most 500 characters
}

// DecideLeader approves or rejects a pending application of a leader of a's provinces, writes
// "leader.approve" or "leader.reject" to the audit log naming a, and pushes the decision (with
// the reason) to the leader. It returns the leader record after the decision.
//
// Refusals: Invalid on "status", "submissionId" or "note" (a note with a national ID or phone
// number is refused: it is pushed and kept unsealed); NotFound "act.leader.missing"; Forbidden
// "act.not_your_province"; Conflict "act.leader.changed" when the leader applied again since the
// officer's card (the current record is returned with it, so the caller shows the new
// application), Conflict "act.leader.decided" when someone decided first (returned with the
// decided record).
func (s *Service) DecideLeader(ctx context.Context, a Actor, d Decision) (store.Leader, error) {
	if d.Status != store.LeaderApproved && d.Status != store.LeaderRejected {
		return store.Leader{}, invalid("status", "act.leader.status")
	}
	note, err := CheckReason(d.Note)
	if err != nil {
		return store.Leader{}, err
	}
	l, err := s.cfg.Store.GetLeader(ctx, d.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Leader{}, refuse(NotFound, "", "act.leader.missing")
	}
	if err != nil {
		return store.Leader{}, fmt.Errorf("actions: get leader: %w", err)
	}
	if !a.ActsOn(l.ProvinceCode) {
		return store.Leader{}, notYours("", l.ProvinceCode)
	}
	if d.SubmissionID == "" {
		return store.Leader{}, invalid("submissionId", "act.leader.submission")
	}
	if err := decisionConflict(l, d.SubmissionID); err != nil {
		return l, err
	}
	l, err = s.cfg.Store.DecideLeader(ctx, d.UserID, store.LeaderDecision{SubmissionID: d.SubmissionID,
		Status: d.Status, By: a.by(), Note: note, At: s.now()})
	if errors.Is(err, store.ErrConflict) { // lost a race: say to what
		if cerr := decisionConflict(l, d.SubmissionID); cerr != nil {
			return l, cerr
		}
	}
	if err != nil {
		return l, fmt.Errorf("actions: decide leader: %w", err)
	}
	action := "leader.approve"
	if d.Status == store.LeaderRejected {
		action = "leader.reject"
	}
	detail := "application=" + l.SubmissionID
	if note != "" {
		detail += " reason given"
	}
	if err := s.audit(ctx, a, action, l.UserID, l.ProvinceCode, detail); err != nil {
		return l, err
	}
	s.roleChanged(ctx, l.UserID) // before the push that says the menu changed
	s.cfg.Notifier.LeaderDecided(ctx, l)
	return l, nil
}

// decisionConflict says why application sub of l cannot be decided: replaced by a newer one,
// or decided already; nil when it can.
func decisionConflict(l store.Leader, sub string) error {
	switch {
	case l.SubmissionID != sub:
		return refuse(Conflict, "submissionId", "act.leader.changed", "Name", l.FullName)
	case l.Status != store.LeaderPending:
		return refuse(Conflict, "status", "act.leader.decided", "Name", l.FullName, "Status", textID("status.leader."+string(l.Status)))
	}
	return nil
}

// Leaders returns the leaders of a's provinces with status (every status when empty), oldest
// first; province (an ISO code, optional) narrows it to one of them.
func (s *Service) Leaders(ctx context.Context, a Actor, province string, status store.LeaderStatus) ([]store.Leader, error) {
	provinces, err := s.within(a, province)
	if err != nil {
		return nil, err
	}
	var out []store.Leader
	for _, p := range provinces {
		ls, err := s.cfg.Store.ListLeaders(ctx, p, status)
		if err != nil {
			return nil, fmt.Errorf("actions: list leaders: %w", err)
		}
		out = append(out, ls...)
	}
	if len(provinces) > 1 {
		sortByCreated(out)
	}
	return out, nil
}

// within is the provinces a listing covers: province when given (which a must act on), else
// a's provinces; [""] (every province) for an admin without one.
func (s *Service) within(a Actor, province string) ([]string, error) {
	if province != "" {
		if !a.ActsOn(province) {
			return nil, notYours("province", province)
		}
		return []string{province}, nil
	}
	if a.Admin {
		return []string{""}, nil
	}
	return a.Provinces, nil
}

// RevealLeader returns a leader of a's provinces with the phone in plain, after writing the
// "leader.reveal" audit entry naming a (how says where: "console", "api"). Refusals: NotFound,
// Forbidden.
func (s *Service) RevealLeader(ctx context.Context, a Actor, userID, how string) (store.Leader, error) {
	l, err := s.cfg.Store.GetLeader(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Leader{}, refuse(NotFound, "", "act.leader.missing")
	}
	if err != nil {
		return store.Leader{}, fmt.Errorf("actions: get leader: %w", err)
	}
	if !a.ActsOn(l.ProvinceCode) {
		return store.Leader{}, notYours("", l.ProvinceCode)
	}
	if err := s.audit(ctx, a, "leader.reveal", l.UserID, l.ProvinceCode, how); err != nil {
		return store.Leader{}, err
	}
	return l, nil
}
