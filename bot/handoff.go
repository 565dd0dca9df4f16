package bot

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/outbox"
	"github.com/ssonet/ssonet/store"
)

// Hand-off to a person (issue 11, deliverable 3). "คุยกับเจ้าหน้าที่" (also "ติดต่อเจ้าหน้าที่",
// the contact button and the button offered after repeated failures) opens a case for the
// officers of the member's province; while it is open the bot stays quiet for the member, who
// types to the officer (the first message is acknowledged), except for the global words and
// "back to the bot", tapped or typed, and an invite code, which is used and never sent
// (inviteTyped). The rules live in package actions.

// handoffWords open a case.
var handoffWords = []string{"คุยกับเจ้าหน้าที่", "ขอคุยกับเจ้าหน้าที่", "ติดต่อเจ้าหน้าที่", "คุยกับคน", "ติดต่อ",
	"contact", "contactanofficer", "talktoanofficer", "talktoaperson", "human"}

var isHandoffWord = is(handoffWords...)

// backToBotWords end the case, as the "back to the bot" button does (a=case.end): its labels in
// both languages and what members type for it. Every button can be typed.
var backToBotWords = []string{"กลับไปคุยกับระบบอัตโนมัติ", "กลับไปคุยกับบอท", "คุยกับบอท", "กลับไปหาบอท", "คุยกับระบบอัตโนมัติ",
	"backtotheautomaticchat", "backtobot", "backtothebot", "talktothebot"}

var isBackToBotWord = is(backToBotWords...)

// isCommandLine reports whether a member's line (w, keywordOf of the text) was a command to the
// bot rather than something to ask an officer: a global word, a sign-in, hand-off or
// back-to-bot word, or a navigation word (navWordsOf). Such lines stay in a case's transcript
// but are never the question quoted to the officers (store.CaseEntry.Command): a fresh
// tester's officers were quoted "คุยกับบอท".
func (e *Engine) isCommandLine(w string) bool {
	return cancelWords[w] || backWords[w] || menuWords[w] || helpWords[w] || confirmWords[w] || editWords[w] || skipWords[w] ||
		resumeWords[w] || signInWords[w] || isHandoffWord(w) || isBackToBotWord(w) || e.navWords[w]
}

// quotedWord is the first phrase in double quotes of a help line: what it says to type.
var quotedWord = regexp.MustCompile(`"([^"]+)"`)

// navWordsOf are what the menus send, tapped or typed, in both languages (keywordOf): every
// navigation entry's button label and the phrase its help line says to type first (the rich
// menu's tiles send these), the menu button's, and every form's start button. An entry's
// further examples ("นอนโรงบาลได้วันละกี่บาท") are questions, not commands.
func navWordsOf(c *catalog, flows map[string]*flow) map[string]bool {
	set := map[string]bool{}
	add := func(s string) {
		if w := keywordOf(s); w != "" {
			set[w] = true
		}
	}
	entries := []navEntry{navHelp}
	for _, es := range navigation {
		entries = append(entries, es...)
	}
	for _, lang := range []store.Language{store.LangThai, store.LangEnglish} {
		for _, e := range entries {
			add(c.optional(lang, "btn."+e.key))
			if m := quotedWord.FindStringSubmatch(c.optional(lang, "help."+e.key)); m != nil {
				add(m[1])
			}
		}
		add(c.optional(lang, "btn.menu"))
		for name := range flows {
			add(c.optional(lang, name+".restart"))
		}
	}
	return set
}

// handoffFeature is the member's side of the hand-off.
func handoffFeature() feature {
	return feature{
		keywords: []keyword{
			{match: isHandoffWord, do: func(t *turn) error { return t.openCase() }},
			{match: isBackToBotWord, do: func(t *turn) error { return t.endCase() }},
		},
		postbacks: map[string]func(t *turn, q url.Values) error{
			"contact":  func(t *turn, _ url.Values) error { return t.openCase() },
			"case.end": func(t *turn, _ url.Values) error { return t.endCase() },
		},
	}
}

func (t *turn) backToBotAction() action {
	return action{Label: t.tr("btn.back_to_bot"), Data: "a=case.end"}
}

// memberProvince is the province whose officers answer the member: a leader's, else the one
// they gave when they asked to be called back; empty when unknown (the admins answer).
func (t *turn) memberProvince() (string, error) {
	w, err := t.who()
	if err != nil {
		return "", err
	}
	if w.leader != nil {
		return w.leader.ProvinceCode, nil
	}
	rs, err := t.store.ListReferrals(t.ctx, store.ReferralFilter{WorkerUserID: t.member.UserID, Limit: 1})
	if err != nil || len(rs) == 0 {
		return "", err
	}
	return rs[0].ProvinceCode, nil
}

// openCase opens (or continues) the member's case with what they typed, and says what happens now.
func (t *turn) openCase() error {
	province, err := t.memberProvince()
	if err != nil {
		return err
	}
	said := strings.TrimSpace(t.ev.Text)
	if said == "" {
		said = t.tr("btn.contact")
	}
	recent, err := t.store.Recent(t.ctx, t.member.UserID) // what was said just before, outside forms
	if err != nil {
		return fmt.Errorf("bot: recent lines: %w", err)
	}
	for i := range recent {
		recent[i].Command = recent[i].From == actions.FromMember && t.isCommandLine(keywordOf(recent[i].Text))
	}
	entries := append(recent, store.CaseEntry{At: t.now, From: actions.FromMember, Text: said, Event: t.ev.ID, Request: true})
	if t.sess.Flow != "" {
		entries = append(entries, store.CaseEntry{At: t.now, From: actions.FromBot, Text: t.tr("case.in_form", "Form", t.tr(t.sess.Flow+".restart"))})
	}
	c, created, err := t.actions.OpenCase(t.ctx, t.member.UserID, province, entries)
	if err != nil {
		return err
	}
	t.rec.OpenCase = &c // the rest of the turn sees the case it opened
	t.private = true
	key := "case.opened"
	if !created {
		key = "case.still_open"
	}
	t.out.text(t.tr(key, "Hotline", t.kb().Hotline))
	t.out.buttons(t.backToBotAction())
	return nil
}

// openCaseOf returns the member's open case, from the records the turn read (records); nil
// when they have none.
func (t *turn) openCaseOf() (*store.Case, error) {
	r, err := t.records()
	return r.OpenCase, err
}

// caseActions are the "back to the bot" button when the member has an open case, so every
// reply while the bot is quiet shows the way back; none otherwise (a failing read is logged).
func (t *turn) caseActions() []action {
	c, err := t.openCaseOf()
	if err != nil {
		t.log.Error("open case for navigation", "err", err)
	}
	if c == nil {
		return nil
	}
	return []action{t.backToBotAction()}
}

// keepWayBack puts the "back to the bot" button first among the quick replies of any reply
// made while the member's case is open (a menu button, a global word): otherwise the member,
// answered by the bot, takes it that they are back with it, and their next line goes to the
// officers unanswered (found by a fresh tester).
func (t *turn) keepWayBack() {
	if len(t.out.msgs) == 0 {
		return
	}
	back := t.caseActions()
	if len(back) == 0 || slices.ContainsFunc(t.out.quick, func(a action) bool { return a.Data == back[0].Data }) {
		return
	}
	t.out.buttons(append(back, t.out.quick...)...)
}

// endCase takes the member back to the bot: the button, its label or "back to the bot" typed,
// and "ยกเลิก" while a case is open all come here.
func (t *turn) endCase() error {
	ended, err := t.actions.EndCaseByMember(t.ctx, t.member.UserID)
	if err != nil {
		return err
	}
	t.rec.OpenCase = nil
	delete(t.sess.Fields, ctxCaseAck)
	if ended {
		t.out.text(t.tr("case.ended"))
	}
	return t.menu()
}

// inCase hands what the member typed to their open case; true when it did. The first message
// of a case is acknowledged ("sent to the officer", with the way back), later ones get no
// reply: the officer answers them (docs/ARCHITECTURE.md, "Hand-off to a person").
func (t *turn) inCase() (bool, error) {
	w := keywordOf(t.ev.Text)
	if t.ev.Kind != KindMessage || isHandoffWord(w) || isBackToBotWord(w) || isEraseWord(w) {
		return false, nil // asking again is answered (the case is with an officer already), the way back and erasing always work
	}
	c, err := t.openCaseOf()
	if err != nil || c == nil {
		return false, err
	}
	text := t.ev.Text
	if text == "" {
		text = t.tr("case.non_text")
	}
	quiet, err := t.actions.MemberSaid(t.ctx, t.member.UserID, store.CaseEntry{Event: t.ev.ID, Text: text, Command: t.isCommandLine(w)})
	t.private = t.private || quiet
	if quiet && err == nil && t.sess.Fields[ctxCaseAck] != c.ID {
		t.setContext(ctxCaseAck, c.ID)
		t.chat = true // an acknowledgement: not worth a push when the reply token is stale
		t.out.text(t.tr("case.sent"))
		t.out.buttons(t.backToBotAction())
	}
	return quiet, err
}

// Recent lines: the last exchanges outside forms, kept a day, so a hand-off starts with them.
const (
	recentKeep = 10
	recentText = 300 // characters of each line kept
)

// remember keeps what the member typed and the bot's first answer as recent lines; failures
// are logged (the answer is sent).
func (t *turn) remember() {
	if t.ev.Kind != KindMessage || t.ev.Text == "" || t.private {
		return
	}
	entries := []store.CaseEntry{{At: t.now, From: actions.FromMember, Text: clipRunes(t.ev.Text, recentText), Event: t.ev.ID}}
	if len(t.out.msgs) > 0 {
		if m, ok := t.out.msgs[0].(messaging_api.TextMessage); ok {
			entries = append(entries, store.CaseEntry{At: t.now, From: actions.FromBot, Text: clipRunes(m.Text, recentText)})
		}
	}
	if err := t.store.AddRecent(t.ctx, t.member.UserID, entries, recentKeep, t.now.Add(-store.RecentRetention)); err != nil {
		t.log.Warn("recent lines not kept", "err", err)
	}
}

// CaseOpened tells the officers of c's province and the admins of a new case, with a link to
// the console's inbox (actions.Notifier). Each push's retry key is derived from the case and
// the officer.
func (e *Engine) CaseOpened(ctx context.Context, c store.Case) {
	e.caseNotice(ctx, c, "case.new", "case.open")
}

// CaseAsked tells the same officers what the member asked once a case opened without a
// question has one (actions.Notifier); its retry key is the case's own, so it goes once.
func (e *Engine) CaseAsked(ctx context.Context, c store.Case) {
	e.caseNotice(ctx, c, "case.asked", "case.asked")
}

// CaseWithdrawn tells the same officers that the member went back to the bot before any of them
// answered (actions.Notifier); its retry key is the case's own, so it goes once.
func (e *Engine) CaseWithdrawn(ctx context.Context, c store.Case) {
	e.caseNotice(ctx, c, "case.withdrawn", "case.withdrawn")
}

// caseNotice pushes catalog text textID about c to the officers who answer it, quoting the
// member's name and question, with the retry key of (kind, case, officer).
func (e *Engine) caseNotice(ctx context.Context, c store.Case, textID, kind string) {
	name := ""
	if m, err := e.store.GetMember(ctx, c.UserID); err == nil {
		name = m.DisplayName
	}
	asked := clipRunes(actions.CaseQuestion(c), caseQuote) // masked before it is cut, so no number is left half shown
	e.toOfficers(ctx, c.ProvinceCode, func(t *turn) {
		t.out.text(t.tr(textID, "Name", clipRunes(name, caseQuote), "Province", e.actions.CaseProvince(t.member.Language, c.ProvinceCode),
			"Text", asked, "Link", e.publicURL+"/console/cases/"+c.ID))
	}, store.PushCase, kind, c.ID)
}

// caseQuote is the most characters of the member's question and name in the officers' push:
// with the catalog's words and the link, one text message well within LINE's 5,000
// (line-platform.md row 15).
const caseQuote = 200

// CaseReplied pushes an officer's reply to the member (actions.Notifier).
func (e *Engine) CaseReplied(ctx context.Context, c store.Case, text string) {
	e.toMember(ctx, c.UserID, func(t *turn) {
		t.out.text(t.tr("case.reply", "Text", text))
		t.out.buttons(t.backToBotAction())
	}, store.PushCase, "case.reply", c.ID, strconv.Itoa(len(c.Entries)))
}

// CaseClosed tells the member an officer closed the case (actions.Notifier); nothing when the
// member went back to the bot themselves.
func (e *Engine) CaseClosed(ctx context.Context, c store.Case) {
	if c.ClosedBy == actions.FromMember {
		return
	}
	e.toMember(ctx, c.UserID, func(t *turn) {
		t.out.text(t.tr("case.closed"))
		if err := t.menu(); err != nil {
			e.log.Error("case closed menu", "err", err)
		}
	}, store.PushCase, "case.close", c.ID)
}

// CaseUnanswered tells the member nobody has answered yet, with the hotline (actions.Notifier).
func (e *Engine) CaseUnanswered(ctx context.Context, c store.Case) {
	e.toMember(ctx, c.UserID, func(t *turn) {
		t.out.text(t.tr("case.unanswered", "Hotline", t.kb().Hotline))
		t.out.buttons(t.backToBotAction())
	}, store.PushCase, "case.hotline", c.ID)
}

// toMember queues what fill builds in the outbox, in the member's language, with a retry key
// derived from key; a member who blocked the account is skipped. Failures are logged.
func (e *Engine) toMember(ctx context.Context, userID string, fill func(t *turn), kind store.PushKind, key ...string) {
	m, err := e.store.GetMember(ctx, userID)
	switch {
	case err != nil:
		e.log.Error("push not queued: member", "kind", kind, "err", err)
		return
	case m.Blocked:
		e.skipPush(kind, "member blocked the account")
		return
	}
	t := &turn{Engine: e, ctx: ctx, now: e.now().UTC(), member: m}
	fill(t)
	if err := e.queue(ctx, kind, userID, t.out.messages(), outbox.Key(append(key, userID)...)); err != nil {
		e.log.Error("push not queued", "kind", kind, "err", err)
	}
}

// toOfficers queues what fill builds for each officer of province and each admin, in their
// language (Thai for an admin who never chatted: LINE delivers to friends only), skipping those
// who blocked the account. Each retry key is derived from key and the officer.
func (e *Engine) toOfficers(ctx context.Context, province string, fill func(t *turn), kind store.PushKind, key ...string) {
	to := map[string]bool{}
	for id := range e.admins {
		to[id] = true
	}
	if province != "" {
		officers, err := e.store.ListOfficers(ctx, province)
		if err != nil {
			e.log.Error("list officers", "err", err)
			return
		}
		for _, o := range officers {
			to[o.UserID] = true
		}
	}
	for id := range to {
		m, err := e.store.GetMember(ctx, id)
		switch {
		case isNotFound(err):
			m = store.Member{UserID: id, Language: store.LangThai}
		case err != nil:
			e.log.Error("get officer member", "err", err)
			continue
		case m.Blocked:
			e.skipPush(kind, "officer blocked the account")
			continue
		}
		t := &turn{Engine: e, ctx: ctx, now: e.now().UTC(), member: m}
		fill(t)
		if err := e.queue(ctx, kind, id, t.out.messages(), outbox.Key(append(key, id)...)); err != nil {
			e.log.Error("officer push not queued", "kind", kind, "err", err)
		}
	}
}
