package bot

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/outbox"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// isInviteCode reports whether a typed word has the shape of an officer invite code.
func isInviteCode(w string) bool { _, ok := actions.NormaliseInvite(w); return ok }

// officerFeature is the officers' side: invite codes, leader approval, announcements.
func officerFeature() feature {
	return feature{
		flows: []*flow{announcementFlow(), rejectFlow()},
		// An invite code typed is read before every keyword, form step and open case (inviteTyped).
		keywords: []keyword{
			{match: isDecisionByName, do: func(t *turn) error { return t.decideByName() }},
			{match: is("รออนุมัติ", "แกนนำรออนุมัติ", "ใบสมัครรออนุมัติ", "pending", "pendingleaders"), do: func(t *turn) error { return t.pendingLeaders() }},
			{match: is("ประกาศที่ตั้งเวลา", "ประกาศที่ตั้งเวลาไว้", "รายการประกาศ", "scheduled", "scheduledannouncements"), do: func(t *turn) error { return t.scheduledAnnouncements() }},
			{match: is("ประกาศ", "ส่งประกาศ", "announce", "announcement"), do: func(t *turn) error { return t.startFlow(flowAnnounce) }},
		},
		postbacks: map[string]func(t *turn, q url.Values) error{
			"ldr.ok":              func(t *turn, q url.Values) error { return t.decide(q.Get("u"), q.Get("s"), store.LeaderApproved, "") },
			"ldr.no":              func(t *turn, q url.Values) error { return t.askReason(q.Get("u"), q.Get("s")) },
			"ldr.list":            func(t *turn, _ url.Values) error { return t.pendingLeaders() },
			flowReject + ".start": func(t *turn, _ url.Values) error { return t.pendingLeaders() },
			"ann.start":           func(t *turn, _ url.Values) error { return t.startFlow(flowAnnounce) },
			"ann.list":            func(t *turn, _ url.Values) error { return t.scheduledAnnouncements() },
			"ann.cancel":          func(t *turn, q url.Values) error { return t.cancelAnnouncement(q.Get("id")) },
			"signin":              func(t *turn, _ url.Values) error { return t.signInTapped() },
		},
	}
}

// Typed decisions: "อนุมัติ สมหญิง ใจดี", "ไม่อนุมัติ ...", "approve ...", "reject ...".
var (
	approveWords = words("อนุมัติ", "approve")
	rejectWords  = words("ไม่อนุมัติ", "reject")
)

func isDecisionByName(w string) bool {
	return (hasPrefixWord(w, approveWords) || hasPrefixWord(w, rejectWords)) &&
		trimPrefixWord(trimPrefixWord(w, rejectWords), approveWords) != ""
}

// decideByName is the typed form of the approve and reject buttons: the pending leader of the
// officer's provinces with that full name.
func (t *turn) decideByName() error {
	w := keywordOf(t.ev.Text)
	status, name := store.LeaderApproved, trimPrefixWord(w, approveWords)
	if hasPrefixWord(w, rejectWords) {
		status, name = store.LeaderRejected, trimPrefixWord(w, rejectWords)
	}
	who, ok, err := t.officerOnly()
	if err != nil || !ok {
		return err
	}
	pending, err := t.pendingOf(who)
	if err != nil {
		return err
	}
	found := namedLeaders(pending, name)
	switch len(found) {
	case 1:
		if status == store.LeaderRejected {
			return t.askReason(found[0].UserID, found[0].SubmissionID)
		}
		return t.decide(found[0].UserID, found[0].SubmissionID, status, "")
	case 0:
		t.out.text(t.tr("off.name_not_pending"))
	default:
		t.out.text(t.tr("off.name_ambiguous", "Count", len(found)))
	}
	t.out.buttons(action{Label: t.tr("btn.pending"), Data: "a=ldr.list"}, t.menuAction())
	return nil
}

// namedLeaders returns the leaders whose full name is typed (name is after keywordOf), or when
// none, those whose first name it is ("อนุมัติ สมหญิง"); a title (นาย, นาง, …) is ignored.
func namedLeaders(ls []store.Leader, name string) []store.Leader {
	var full, first []store.Leader
	for _, l := range ls {
		words := strings.Fields(l.FullName)
		if len(words) > 1 && thai.IsTitle(words[0]) {
			words = words[1:]
		}
		switch name {
		case keywordOf(l.FullName), keywordOf(strings.Join(words, " ")):
			full = append(full, l)
		case keywordOf(words[0]):
			first = append(first, l)
		}
	}
	if len(full) > 0 {
		return full
	}
	return first
}

// officerOnly checks that the member is an officer; otherwise it says this is for officers.
func (t *turn) officerOnly() (who, bool, error) {
	w, err := t.who()
	if err != nil {
		return w, false, err
	}
	if !isOfficer(w) {
		t.out.text(t.tr("off.only"))
		t.out.buttons(t.menuAction())
		return w, false, nil
	}
	return w, true, nil
}

// inviteTyped answers a message that is an invite code, whatever the member is doing: the
// router reads it first (before an expired form's notice, the global words, a form's step and
// an open hand-off case), because the code is a credential. It is used or refused as always
// (useInvite), so it is never taken as a form's answer (a district), never handed to a case
// that other officers read, and never kept among the recent lines. A form in progress waits.
func (t *turn) inviteTyped() error {
	form, live := t.sess.ID, t.sess.Flow != "" && !t.now.After(t.sess.ExpiresAt)
	if err := t.useInvite(); err != nil {
		return err
	}
	if live {
		t.offerResume(form)
	}
	return nil
}

// useInvite spends a typed invite code: the member becomes an officer of its provinces.
func (t *turn) useInvite() error {
	t.private = true // a credential: not kept for a hand-off's transcript, which other officers read
	code, _ := actions.NormaliseInvite(keywordOf(t.ev.Text))
	if t.sealer == nil {
		t.notUnderstood()
		return nil
	}
	o, err := t.actions.UseInvite(t.ctx, t.member.UserID, code)
	t.changedRecords() // even a refused retry may have completed an interrupted use (store.OfficerStore)
	if _, refused := actions.AsError(err); refused {
		t.out.text(t.actions.Message(t.member.Language, err))
		t.out.buttons(t.menuAction())
		return nil
	}
	if err != nil {
		return err
	}
	t.out.text(t.tr("off.welcome", "Provinces", t.provinceNames(o.Provinces)))
	t.out.buttons(t.officerActions()...)
	return nil
}

func (t *turn) officerActions() []action {
	return []action{
		{Label: t.tr("btn.announce"), Data: "a=ann.start"},
		{Label: t.tr("btn.pending"), Data: "a=ldr.list"},
		{Label: t.tr("btn.scheduled"), Data: "a=ann.list"},
		t.menuAction(),
	}
}

// provinceNames lists provinces in the member's language; nil means every province.
func (t *turn) provinceNames(codes []string) string {
	if codes == nil {
		return t.tr("off.all_provinces")
	}
	names := make([]string, len(codes))
	for i, c := range codes {
		names[i] = inProvince(t, c) // "จังหวัดเพชรบุรี", "กรุงเทพมหานคร"
	}
	return strings.Join(names, t.tr("off.provinces_sep"))
}

// notifyOfficers pushes a new leader's application, with approve and reject buttons, to the
// officers of the leader's province and to the admins (issue 5, item 2). Officers who blocked
// the account, and admins who never added it, are skipped. Each push's retry key is derived from the leader and the officer, so a repeated
// submit (a redelivered event) never notifies twice (line-platform.md rows 26–27). Failures are
// logged: the application is stored and listed by "รออนุมัติ" anyway.
func (t *turn) notifyOfficers(l store.Leader) {
	t.toOfficers(t.ctx, l.ProvinceCode, func(o *turn) {
		o.out.flex(o.tr("off.new_leader_alt", "Name", l.FullName), o.leaderBubble(o.member.Language, l, true))
	}, store.PushOfficerCard, "leader.notify", l.UserID, l.SubmissionID)
}

// leaderBubble shows a leader's application in lang, with the phone masked; withButtons adds
// approve and reject.
func (e *Engine) leaderBubble(lang store.Language, l store.Leader, withButtons bool) messaging_api.FlexBubble {
	province := l.ProvinceCode
	if p, ok := thai.ProvinceByCode(l.ProvinceCode); ok {
		province = p.NameTH
		if lang == store.LangEnglish {
			province = p.NameEN
		}
	}
	row := func(label, value string) messaging_api.FlexComponentInterface {
		if value == "" {
			value = "-"
		}
		return fBox(messaging_api.FlexBoxLAYOUT_HORIZONTAL, fText(label, small, grey, flexN(2)), fText(clipRunes(value, 200), small, flexN(5)))
	}
	body := []messaging_api.FlexComponentInterface{
		row(e.text(lang, "reg.name.label"), l.FullName),
		row(e.text(lang, "reg.phone.label"), thai.MaskPhone(l.Phone)),
		row(e.text(lang, "reg.province.label"), province),
		row(e.text(lang, "reg.district.label", "Bangkok", l.ProvinceCode == bangkokCode), l.District), // a เขต in Bangkok
		row(e.text(lang, "reg.org.label"), l.Organisation),
	}
	var footer []messaging_api.FlexComponentInterface
	if withButtons {
		footer = []messaging_api.FlexComponentInterface{
			fButton(action{Label: e.text(lang, "btn.approve"), Data: decisionData("ldr.ok", l)}, true),
			fButton(action{Label: e.text(lang, "btn.reject"), Data: decisionData("ldr.no", l)}, false),
		}
	}
	return bubble(e.text(lang, "off.new_leader_title"), body, footer)
}

// decisionData is the postback data of an approve or reject button: the leader and the
// application the card shows (issue 9, item 11), so an old card cannot decide a newer one.
// User and submission IDs are ASCII: at most 100 bytes, far below LINE's 300.
func decisionData(act string, l store.Leader) string {
	return "a=" + act + "&u=" + url.QueryEscape(l.UserID) + "&s=" + url.QueryEscape(l.SubmissionID)
}

// flowReject asks an officer who rejects an application for the reason the leader is told.
const flowReject = "ldrno"

// rejectFlow is the one question of a rejection: the reason (optional, skip gives none), then
// actions.DecideLeader with the application the officer saw (session fields "u" and "s", set
// by askReason), so a card gone stale while the officer typed still decides nothing.
func rejectFlow() *flow {
	return &flow{
		name: flowReject,
		fields: []field{{key: "reason", optional: true, parse: parseReason,
			askData: func(t *turn) []any { return []any{"Name", t.sess.Fields["name"]} }}},
		finish: func(t *turn) {
			f := t.sess.Fields
			if err := t.decide(f["u"], f["s"], store.LeaderRejected, f["reason"]); err != nil {
				t.log.Error("reject leader", "err", err)
				t.out.text(t.tr("off.decide_failed"))
				t.out.buttons(action{Label: t.tr("btn.pending"), Data: "a=ldr.list"}, t.menuAction())
			}
		},
	}
}

// parseReason reads a rejection reason by the one rule, actions.CheckReason.
func parseReason(_ *turn, in string) (string, error) {
	v, err := actions.CheckReason(in)
	if e, ok := actions.AsError(err); ok && e.Key == "act.note_personal" {
		return "", &reprompt{key: "err.ldrno.personal"}
	}
	if err != nil {
		return "", &reprompt{key: "err.ldrno.reason", data: []any{"Max", actions.MaxReason}}
	}
	return v, nil
}

// askReason starts the reason question for rejecting application submission of a leader. An
// application that cannot be rejected any more (decided, replaced, not found, not the
// officer's) is answered at once by decide's refusal, before the officer types anything.
func (t *turn) askReason(userID, submission string) error {
	w, ok, err := t.officerOnly()
	if err != nil || !ok {
		return err
	}
	l, err := t.store.GetLeader(t.ctx, userID)
	if err != nil && !isNotFound(err) {
		return err
	}
	if err != nil || l.SubmissionID != submission || l.Status != store.LeaderPending || !w.actor(t.member.UserID).ActsOn(l.ProvinceCode) {
		return t.decide(userID, submission, store.LeaderRejected, "") // refused: nothing changes
	}
	return t.startFlowWith(flowReject, map[string]string{"u": userID, "s": submission, "name": l.FullName})
}

// decide answers an officer's approve or reject of application submission of a leader, with
// the reason the leader is told (optional).
func (t *turn) decide(userID, submission string, status store.LeaderStatus, reason string) error {
	w, ok, err := t.officerOnly()
	if err != nil || !ok {
		return err
	}
	l, err := t.actions.DecideLeader(t.ctx, w.actor(t.member.UserID), actions.Decision{UserID: userID, SubmissionID: submission, Status: status, Note: reason})
	if userID == t.member.UserID {
		t.changedRecords() // an officer who applied as a leader decided their own application
	}
	refusal, refused := actions.AsError(err)
	switch {
	case refused && refusal.Key == "act.leader.changed":
		// The leader applied again: show the application as it is now, with its own buttons.
		t.out.text(t.actions.Message(t.member.Language, err))
		t.out.flex(t.tr("off.pending_alt"), t.leaderBubble(t.member.Language, l, l.Status == store.LeaderPending))
		t.out.buttons(action{Label: t.tr("btn.pending"), Data: "a=ldr.list"}, t.menuAction())
		return nil
	case refused && refusal.Key == "act.leader.decided":
		t.out.text(t.tr("off.already_decided", "Name", l.FullName, "Status", t.tr("reg.status."+string(l.Status)),
			"By", t.deciderName(l.DecidedBy), "At", t.formatTime(l.DecidedAt)))
		t.out.buttons(action{Label: t.tr("btn.pending"), Data: "a=ldr.list"}, t.menuAction())
		return nil
	case refused:
		t.out.text(t.actions.Message(t.member.Language, err))
		t.out.buttons(t.menuAction())
		return nil
	case err != nil:
		return err
	}
	t.out.text(t.tr("off.decided", "Name", l.FullName, "Status", t.tr("reg.status."+string(l.Status))))
	t.out.buttons(action{Label: t.tr("btn.pending"), Data: "a=ldr.list"}, t.menuAction())
	return nil
}

// deciderName names who decided: the officer's LINE display name, or the API.
func (t *turn) deciderName(by string) string {
	if by == "api" {
		return t.tr("off.by_api")
	}
	if m, err := t.store.GetMember(t.ctx, by); err == nil && m.DisplayName != "" {
		return m.DisplayName
	}
	return t.tr("off.by_officer")
}

func (t *turn) formatTime(at time.Time) string {
	if t.english() {
		return thai.FormatDateTimeEN(at, t.loc)
	}
	return thai.FormatDateTime(at, t.loc)
}

// LeaderDecided tells a leader the officer's decision (with the reason, when one was given),
// with the menu their new standing gives (actions.Notifier). The retry key is derived from the
// application and the decision, so a repeat never delivers twice.
func (e *Engine) LeaderDecided(ctx context.Context, l store.Leader) {
	m, err := e.store.GetMember(ctx, l.UserID)
	switch {
	case err != nil:
		e.log.Error("decision push not queued: member", "err", err)
		return
	case m.Blocked:
		e.skipPush(store.PushLeaderDecision, "leader blocked the account")
		return
	}
	t := &turn{Engine: e, ctx: ctx, now: e.now().UTC(), member: m}
	t.out.text(t.tr("off.decision."+string(l.Status), "Province", showProvince(t, l.ProvinceCode), "InProvince", inProvince(t, l.ProvinceCode)))
	if l.DecisionNote != "" {
		t.out.text(t.tr("off.decision_reason", "Reason", l.DecisionNote))
	}
	if err := t.menu(); err != nil {
		e.log.Error("decision menu", "err", err)
		return
	}
	key := outbox.Key("leader.decision", l.UserID, l.SubmissionID, string(l.Status))
	if err := e.queue(ctx, store.PushLeaderDecision, l.UserID, t.out.messages(), key); err != nil {
		e.log.Error("decision push not queued", "err", err)
	}
}

// pendingOf returns the pending leaders of the provinces officer w acts on.
func (t *turn) pendingOf(w who) ([]store.Leader, error) {
	var pending []store.Leader
	provinces := w.provinces()
	if provinces == nil {
		provinces = []string{""}
	}
	for _, p := range provinces {
		ls, err := t.store.ListLeaders(t.ctx, p, store.LeaderPending)
		if err != nil {
			return nil, fmt.Errorf("bot: list leaders: %w", err)
		}
		pending = append(pending, ls...)
	}
	return pending, nil
}

// pendingLeaders lists the pending applications of the officer's provinces, up to a carousel's
// 12, each with approve and reject.
func (t *turn) pendingLeaders() error {
	w, ok, err := t.officerOnly()
	if err != nil || !ok {
		return err
	}
	pending, err := t.pendingOf(w)
	if err != nil {
		return err
	}
	if len(pending) == 0 {
		t.out.text(t.tr("off.none_pending"))
		t.out.buttons(t.officerActions()...)
		return nil
	}
	var bs []messaging_api.FlexBubble
	for _, l := range pending[:min(len(pending), maxCarouselBubble)] {
		bs = append(bs, t.leaderBubble(t.member.Language, l, true))
	}
	c, shown := fitCarousel(bs)
	// The example of what to type is the first applicant's own name, shown on the first card.
	t.out.text(t.tr("off.pending", "Count", len(pending), "Shown", shown, "Example", pending[0].FullName))
	t.out.flex(t.tr("off.pending_alt"), c)
	t.out.buttons(t.officerActions()...)
	return nil
}
