package bot

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/outbox"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// Officer invite codes (issue 5, item 1): "SSO-" and 8 characters of an alphabet without
// look-alikes (no 0/O, 1/I), 40 bits, typed by the person in chat. Only Sealer.Hash of the
// normalised code is stored.
const (
	invitePrefix   = "SSO"
	inviteAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	inviteLen      = 8
)

// ErrNoSealer is returned by CreateInvite when the engine was built without Config.Sealer.
var ErrNoSealer = errors.New("bot: invite codes need Config.Sealer")

// normaliseInvite reads a typed code in any case, with or without dashes and spaces, in Thai or
// full-width digits; ok is false when it does not have the code's shape.
func normaliseInvite(s string) (code string, ok bool) {
	s = strings.ToUpper(keywordOf(s))
	rest, found := strings.CutPrefix(s, invitePrefix)
	if !found || len(rest) != inviteLen {
		return "", false
	}
	for _, r := range rest {
		if !strings.ContainsRune(inviteAlphabet, r) {
			return "", false
		}
	}
	return s, true
}

func isInviteCode(w string) bool { _, ok := normaliseInvite(w); return ok }

func (e *Engine) inviteHash(code string) string { return e.sealer.Hash("officer-invite:" + code) }

// CreateInvite makes a one-time invite code for provinces (ISO 3166-2:TH codes, at least one;
// kept sorted without duplicates),
// valid for ttl from now, stores its hash and writes the audit entry "officer.invite.create"
// for actor ("api" or "line:<userID>"). It returns the code, shown once ("SSO-ABCD-EFGH"), and
// the stored invite. ErrNoSealer without Config.Sealer.
func (e *Engine) CreateInvite(ctx context.Context, provinces []string, ttl time.Duration, actor string) (string, store.OfficerInvite, error) {
	if e.sealer == nil {
		return "", store.OfficerInvite{}, ErrNoSealer
	}
	b := make([]byte, inviteLen)
	rand.Read(b) // never fails (crypto/rand)
	for i := range b {
		b[i] = inviteAlphabet[int(b[i])%len(inviteAlphabet)] // 256 is a multiple of 32: uniform
	}
	code := invitePrefix + string(b)
	now := e.now().UTC()
	provinces = slices.Compact(slices.Sorted(slices.Values(provinces)))
	inv := store.OfficerInvite{CodeHash: e.inviteHash(code), Provinces: provinces, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := e.store.CreateInvite(ctx, inv); err != nil {
		return "", store.OfficerInvite{}, fmt.Errorf("bot: create invite: %w", err)
	}
	e.audit(ctx, actor, "officer.invite.create", "", store.AuditProvince(provinces),
		"provinces="+strings.Join(provinces, ",")+" expires="+inv.ExpiresAt.Format(time.RFC3339))
	return invitePrefix + "-" + code[3:7] + "-" + code[7:], inv, nil
}

// audit appends an audit entry; a failure is logged, never shown to the member (the change it
// records is already stored).
func (e *Engine) audit(ctx context.Context, actor, action, subject, province, detail string) {
	err := e.store.AppendAudit(ctx, store.AuditEntry{ID: uuid.NewString(), At: e.now().UTC(), Actor: actor,
		Action: action, Subject: subject, Province: province, Detail: detail})
	if err != nil {
		e.log.Error("audit append failed", "action", action, "err", err)
	}
}

// lineActor is the audit actor of a LINE user.
func lineActor(userID string) string { return "line:" + userID }

// officerFeature is the officers' side: invite codes, leader approval, announcements.
func officerFeature() feature {
	return feature{
		flows: []*flow{announcementFlow()},
		keywords: []keyword{
			{match: isInviteCode, do: func(t *turn) error { return t.useInvite() }},
			{match: isDecisionByName, do: func(t *turn) error { return t.decideByName() }},
			{match: is("รออนุมัติ", "แกนนำรออนุมัติ", "ใบสมัครรออนุมัติ", "pending", "pendingleaders"), do: func(t *turn) error { return t.pendingLeaders() }},
			{match: is("ประกาศที่ตั้งเวลา", "ประกาศที่ตั้งเวลาไว้", "รายการประกาศ", "scheduled", "scheduledannouncements"), do: func(t *turn) error { return t.scheduledAnnouncements() }},
			{match: is("ประกาศ", "ส่งประกาศ", "announce", "announcement"), do: func(t *turn) error { return t.startFlow(flowAnnounce) }},
		},
		postbacks: map[string]func(t *turn, q url.Values) error{
			"ldr.ok":     func(t *turn, q url.Values) error { return t.decide(q.Get("u"), store.LeaderApproved) },
			"ldr.no":     func(t *turn, q url.Values) error { return t.decide(q.Get("u"), store.LeaderRejected) },
			"ldr.list":   func(t *turn, _ url.Values) error { return t.pendingLeaders() },
			"ann.start":  func(t *turn, _ url.Values) error { return t.startFlow(flowAnnounce) },
			"ann.list":   func(t *turn, _ url.Values) error { return t.scheduledAnnouncements() },
			"ann.cancel": func(t *turn, q url.Values) error { return t.cancelAnnouncement(q.Get("id")) },
		},
		menu: []menuItem{
			{label: "btn.announce", data: "a=ann.start", show: isOfficer},
			{label: "btn.pending", data: "a=ldr.list", show: isOfficer},
			{label: "btn.scheduled", data: "a=ann.list", show: isOfficer},
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
	var found []store.Leader
	for _, l := range pending {
		if keywordOf(l.FullName) == name {
			found = append(found, l)
		}
	}
	switch len(found) {
	case 1:
		return t.decide(found[0].UserID, status)
	case 0:
		t.out.text(t.tr("off.name_not_pending"))
	default:
		t.out.text(t.tr("off.name_ambiguous", "Count", len(found)))
	}
	t.out.buttons(action{Label: t.tr("btn.pending"), Data: "a=ldr.list"}, t.menuAction())
	return nil
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

// useInvite spends a typed invite code: the member becomes an officer of its provinces.
func (t *turn) useInvite() error {
	code, _ := normaliseInvite(t.ev.Text)
	if t.sealer == nil {
		t.notUnderstood()
		return nil
	}
	o, err := t.store.UseInvite(t.ctx, t.inviteHash(code), t.member.UserID, t.now)
	switch {
	case errors.Is(err, store.ErrNotFound):
		t.out.text(t.tr("off.invite_invalid"))
		t.out.buttons(t.menuAction())
		return nil
	case errors.Is(err, store.ErrConflict):
		t.out.text(t.tr("off.invite_used"))
		t.out.buttons(t.menuAction())
		return nil
	case err != nil:
		return fmt.Errorf("bot: use invite: %w", err)
	}
	t.audit(t.ctx, lineActor(t.member.UserID), "officer.invite.use", t.member.UserID, store.AuditProvince(o.Provinces), "provinces="+strings.Join(o.Provinces, ","))
	t.standingChanged(t.ctx, t.member.UserID)
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
		names[i] = showProvince(t, c)
	}
	return t.tr("off.provinces", "Names", strings.Join(names, ", "))
}

// notifyOfficers pushes a new leader's application, with approve and reject buttons, to the
// officers of the leader's province and to the admins (issue 5, item 2). Officers who blocked
// the account, and admins who never added it, are skipped. Each push's retry key is derived from the leader and the officer, so a repeated
// submit (a redelivered event) never notifies twice (line-platform.md rows 26–27). Failures are
// logged: the application is stored and listed by "รออนุมัติ" anyway.
func (t *turn) notifyOfficers(l store.Leader) {
	officers, err := t.store.ListOfficers(t.ctx, l.ProvinceCode)
	if err != nil {
		t.log.Error("list officers", "err", err)
		return
	}
	to := map[string]bool{}
	for id := range t.admins {
		to[id] = true
	}
	for _, o := range officers {
		to[o.UserID] = true
	}
	for id := range to {
		// An admin who never chatted has no member record: push in Thai anyway (LINE delivers
		// to friends only); a member known to have blocked the account is skipped.
		m, err := t.store.GetMember(t.ctx, id)
		switch {
		case isNotFound(err):
			m.Language = store.LangThai
		case err != nil:
			t.log.Error("get officer member", "err", err)
			continue
		case m.Blocked:
			t.skipPush(store.PushOfficerCard, "officer blocked the account")
			continue
		}
		lang := m.Language
		var r reply
		r.flex(t.text(lang, "off.new_leader_alt", "Name", l.FullName), t.leaderBubble(lang, l, true))
		key := outbox.Key("leader.notify", l.UserID, l.SubmissionID, id)
		if err := t.queue(t.ctx, store.PushOfficerCard, id, r.messages(), key); err != nil {
			t.log.Error("officer notification not queued", "err", err)
		}
	}
}

// leaderBubble shows a leader's application in lang, with the phone masked; withButtons adds
// approve and reject.
func (e *Engine) leaderBubble(lang store.Language, l store.Leader, withButtons bool) *messaging_api.FlexBubble {
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
		return &messaging_api.FlexBox{Layout: messaging_api.FlexBoxLAYOUT_HORIZONTAL, Spacing: "sm",
			Contents: []messaging_api.FlexComponentInterface{fText(e.text(lang, label), small, grey, flexN(2)), fText(clipRunes(value, 200), small, flexN(5))}}
	}
	body := []messaging_api.FlexComponentInterface{
		row("reg.name.label", l.FullName),
		row("reg.phone.label", thai.MaskPhone(l.Phone)),
		row("reg.province.label", province),
		row("reg.district.label", l.District),
		row("reg.org.label", l.Organisation),
	}
	var footer []messaging_api.FlexComponentInterface
	if withButtons {
		footer = []messaging_api.FlexComponentInterface{
			fButton(action{Label: e.text(lang, "btn.approve"), Data: "a=ldr.ok&u=" + url.QueryEscape(l.UserID)}, true),
			fButton(action{Label: e.text(lang, "btn.reject"), Data: "a=ldr.no&u=" + url.QueryEscape(l.UserID)}, false),
		}
	}
	return bubble(e.text(lang, "off.new_leader_title"), body, footer)
}

// decide answers an officer's approve or reject tap on a leader's application.
func (t *turn) decide(userID string, status store.LeaderStatus) error {
	w, ok, err := t.officerOnly()
	if err != nil || !ok {
		return err
	}
	l, err := t.store.GetLeader(t.ctx, userID)
	if isNotFound(err) {
		t.out.text(t.tr("off.leader_missing"))
		t.out.buttons(t.menuAction())
		return nil
	}
	if err != nil {
		return fmt.Errorf("bot: get leader: %w", err)
	}
	if !w.actsOn(l.ProvinceCode) {
		t.out.text(t.tr("off.not_your_province", "Province", showProvince(t, l.ProvinceCode)))
		t.out.buttons(t.menuAction())
		return nil
	}
	l, err = t.DecideLeader(t.ctx, userID, status, t.member.UserID)
	if errors.Is(err, store.ErrConflict) {
		t.out.text(t.tr("off.already_decided", "Name", l.FullName, "Status", t.tr("reg.status."+string(l.Status)),
			"By", t.deciderName(l.DecidedBy), "At", t.formatTime(l.DecidedAt)))
		t.out.buttons(action{Label: t.tr("btn.pending"), Data: "a=ldr.list"}, t.menuAction())
		return nil
	}
	if err != nil {
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

// DecideLeader approves or rejects a pending leader for officer by (a LINE user ID, or "api"),
// writes the audit entry ("leader.approve" or "leader.reject") and pushes the decision to the
// leader with their new menu. When someone decided first it returns store.ErrConflict with the
// decided record and changes nothing; store.ErrNotFound when there is no such leader. The caller
// checks that by may act on the leader's province.
func (e *Engine) DecideLeader(ctx context.Context, userID string, status store.LeaderStatus, by string) (store.Leader, error) {
	if status != store.LeaderApproved && status != store.LeaderRejected {
		return store.Leader{}, fmt.Errorf("bot: decide leader: status %q", status)
	}
	l, err := e.store.DecideLeader(ctx, userID, status, by, e.now().UTC())
	if err != nil {
		return l, fmt.Errorf("bot: decide leader: %w", err)
	}
	actor := by
	if by != "api" {
		actor = lineActor(by)
	}
	action := "leader.approve"
	if status == store.LeaderRejected {
		action = "leader.reject"
	}
	e.audit(ctx, actor, action, userID, l.ProvinceCode, "")
	e.standingChanged(ctx, userID)
	e.pushDecision(ctx, l)
	return l, nil
}

// pushDecision tells a leader the officer's decision, with the menu their new standing gives.
func (e *Engine) pushDecision(ctx context.Context, l store.Leader) {
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
	t.out.text(t.tr("off.decision."+string(l.Status), "Province", showProvince(t, l.ProvinceCode)))
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
	t.out.text(t.tr("off.pending", "Count", len(pending), "Shown", min(len(pending), maxCarouselBubble)))
	var bs []messaging_api.FlexBubble
	for _, l := range pending[:min(len(pending), maxCarouselBubble)] {
		bs = append(bs, *t.leaderBubble(t.member.Language, l, true))
	}
	t.out.flex(t.tr("off.pending_alt"), carousel(bs))
	t.out.buttons(t.officerActions()...)
	return nil
}
