package bot

import (
	"errors"
	"fmt"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// flowRegister is the leader registration flow (issue 2, item 4).
const flowRegister = "reg"

// Free-text limits of the registration's optional fields, in characters.
const (
	maxDistrict     = 100
	maxOrganisation = 150
)

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// leaderRegistration asks name, mobile, province, district, organisation and consent, then
// stores a pending leader keyed by the session's SubmissionID.
func leaderRegistration() *flow {
	return &flow{
		name: flowRegister,
		begin: func(t *turn) (bool, error) {
			w, err := t.who()
			switch {
			case err != nil:
				return false, err
			case w.leader == nil:
				return true, nil
			case w.leader.Status == store.LeaderRejected:
				t.out.text(t.tr("reg.reapply")) // a rejected leader may apply again
				return true, nil
			}
			t.showLeaderStatus(*w.leader)
			return false, nil
		},
		fields: []field{
			ownNameField,
			mobileField,
			{key: "province", parse: parseProvince, show: showProvince, echo: true},
			{key: "district", free: true, optional: true, parse: parseDistrict, askData: districtExample},
			{key: "org", free: true, optional: true, parse: func(_ *turn, in string) (string, error) { return thai.ParseFreeText(in, maxOrganisation) }},
			{key: "consent", parse: parseConsent, show: func(t *turn, _ string) string { return t.tr("reg.consent.given") },
				choices: consentChoices, askData: answeredLabels, aside: explainConsent},
		},
		submit: submitLeader,
	}
}

// ownNameField asks the member's own name, offering their LINE display name as a one-tap
// answer when it is a full name.
var ownNameField = field{key: "name", parse: func(_ *turn, in string) (string, error) { return thai.ParseFullName(in) },
	choices: func(t *turn) []choice {
		if n, err := thai.ParseFullName(t.member.DisplayName); err == nil {
			return []choice{{Label: n, Value: n}}
		}
		return nil
	}}

// mobileField asks a mobile number. The review of the form shows it in full, so a typo can be
// caught there; everything after the form masks it (thai.MaskPhone).
var mobileField = field{key: "phone", parse: func(_ *turn, in string) (string, error) { return thai.ParseMobile(in) },
	show: func(_ *turn, v string) string { return thai.FormatPhone(v) }}

// parseProvince accepts a province in Thai or English, a short form or a code; otherwise it
// re-prompts with up to 13 suggestions as buttons (line-platform.md row 17).
func parseProvince(t *turn, in string) (string, error) {
	m := thai.MatchProvince(in)
	if m.OK {
		return m.Province.Code, nil
	}
	rp := &reprompt{key: "err.province.unknown"}
	if len(m.Suggestions) > 0 {
		rp.key = "err.province.which"
	}
	for _, p := range m.Suggestions {
		name := p.NameTH
		if t.english() {
			name = p.NameEN
		}
		rp.choices = append(rp.choices, choice{Label: name, Value: p.Code})
	}
	return "", rp
}

// inProvince names the province of code as a sentence does: in Thai "จังหวัดเพชรบุรี", but
// "กรุงเทพมหานคร", which is no จังหวัด (thai.ProvincePhrase); in English its name. Catalog
// texts take it as "InProvince": "สำนักงานประกันสังคม{{.InProvince}}".
func inProvince(t *turn, code string) string {
	if t.english() {
		return showProvince(t, code)
	}
	return thai.ProvincePhrase(code)
}

func showProvince(t *turn, code string) string {
	p, ok := thai.ProvinceByCode(code)
	if !ok {
		return code
	}
	if t.english() {
		return p.NameEN
	}
	return p.NameTH
}

// Values of the consent buttons: words consentQuestion and declineQuestion read one way only
// ("yes" would also confirm a refusal).
const (
	consentAgree    = "agree"
	consentDisagree = "disagree"
	consentNoSure   = "no.sure" // confirms a refusal
)

func consentChoices(t *turn) []choice {
	return []choice{{t.tr("btn.consent_yes"), consentAgree}, {t.tr("btn.consent_no"), consentDisagree}}
}

// explainConsent answers, at a consent step, a question about the data the form keeps
// ("เก็บข้อมูลอะไร", "ข้อมูลไปไหน", "ทำไมต้องยินยอม"): what is kept, who sees it, for how long
// and how to have it erased (catalog "<flow>.consent.explain", true to the code: sealed phone
// and ID numbers, REFERRAL_RETENTION_DAYS, "ลบข้อมูล"), then the consent question again.
func explainConsent(t *turn, in string) bool {
	if !asksAboutData(in) {
		return false
	}
	t.out.text(t.tr(t.sess.Flow+".consent.explain", append(answeredLabels(t), "Days", int(t.referralRetention.Hours()/24))...))
	t.ask()
	return true
}

// Words of a question about the form's data: its subject, then what it asks.
var (
	dataSubject = contains("ข้อมูล", "ยินยอม", "ความเป็นส่วนตัว", "pdpa", "privacy", "data", "consent", "information")
	dataAsks    = contains("ไหน", "ใคร", "นาน", "ทำไม", "เพราะ", "ปลอดภัย", "เอาไป", "ใช้ทำ", "who", "where", "how long", "safe")
)

// asksAboutData reports whether in asks about the data a form keeps or the consent it asks:
// it names the data or the consent and asks something ("อะไรคือเก็บข้อมูล", "ใครเห็นข้อมูล"),
// or names privacy itself (PDPA). "ยินยอม" alone is an answer, not a question.
func asksAboutData(in string) bool {
	w := keywordOf(in)
	return dataSubject(w) && (asksBack(in, w) || dataAsks(w)) || contains("pdpa", "privacy", "ความเป็นส่วนตัว")(w)
}

// parseConsent needs an explicit yes (consentQuestion). A no is asked once more, since it
// throws every answer away (declineQuestion, only as the very next answer); the confirmed no
// ends the flow with nothing stored.
func parseConsent(t *turn, in string) (string, error) {
	if t.lastAsk == askDecline {
		switch {
		case declineQuestion.read(t, in) == saidYes:
			return "", errDeclined
		case consentQuestion.read(t, in) == saidYes:
			return "yes", nil
		}
		return "", &reprompt{key: "err.consent"} // "no, I am not sure": the consent question again
	}
	switch consentQuestion.read(t, in) {
	case saidNo:
		return "", &reprompt{key: "err.consent_no", ask: askDecline, only: true,
			choices: []choice{{t.tr("btn.consent_no_sure"), consentNoSure}, {t.tr("btn.consent_yes"), consentAgree}}}
	case saidYes:
		return "yes", nil
	}
	return "", &reprompt{key: "err.consent"}
}

// submitLeader stores the pending leader. A second submit of the same form (double tap,
// redelivered event) finds its own record and answers as the first did.
func submitLeader(t *turn) error {
	f := t.sess.Fields
	l := store.Leader{
		UserID: t.member.UserID, SubmissionID: t.sess.SubmissionID,
		FullName: f["name"], Phone: f["phone"], ProvinceCode: f["province"],
		District: f["district"], Organisation: f["org"],
		Status: store.LeaderPending, ConsentAt: t.now, CreatedAt: t.now,
	}
	err := t.store.CreateLeader(t.ctx, l)
	if errors.Is(err, store.ErrConflict) {
		existing, gerr := t.store.GetLeader(t.ctx, t.member.UserID)
		if gerr != nil {
			return fmt.Errorf("bot: get leader after conflict: %w", gerr)
		}
		switch {
		case existing.SubmissionID == l.SubmissionID: // this form was stored already
			err = nil
		case existing.Status == store.LeaderRejected: // a new application replaces the rejected one
			if err = t.store.DeleteLeader(t.ctx, l.UserID); err == nil {
				err = t.store.CreateLeader(t.ctx, l)
			}
		default:
			t.showLeaderStatus(existing)
			return nil
		}
	}
	if err != nil {
		return fmt.Errorf("bot: create leader: %w", err)
	}
	t.changedRecords()
	t.standingChanged(t.ctx, l.UserID)
	t.notifyOfficers(l)
	t.out.text(t.tr("reg.done", "Province", showProvince(t, l.ProvinceCode), "InProvince", inProvince(t, l.ProvinceCode)))
	t.out.buttons(t.wsListAction(), t.section40Action(), t.menuAction())
	return nil
}

// leaderStatus answers "สถานะ": the member's application, or an offer to register.
func (t *turn) leaderStatus() error {
	w, err := t.who()
	if err != nil {
		return err
	}
	if w.leader == nil {
		// A worker who asked to join Section 40 ("สนใจสมัคร") means that request.
		if open, err := beginSelfReferral(t); err != nil || !open {
			return err
		}
		t.out.text(t.tr("reg.none"))
		t.out.buttons(action{Label: t.tr("btn.leader"), Data: "a=reg.start"}, t.menuAction())
		return nil
	}
	t.showLeaderStatus(*w.leader)
	return nil
}

func (t *turn) showLeaderStatus(l store.Leader) {
	date := thai.FormatDate(l.CreatedAt, t.loc)
	if t.english() {
		date = thai.FormatDateEN(l.CreatedAt, t.loc)
	}
	t.out.text(t.tr("reg.already", "Date", date, "Status", t.tr("reg.status."+string(l.Status)), "Province", showProvince(t, l.ProvinceCode),
		"InProvince", inProvince(t, l.ProvinceCode)))
	if l.Status == store.LeaderRejected {
		t.out.text(t.tr("reg.rejected_next", "Hotline", t.kb().Hotline, "InProvince", inProvince(t, l.ProvinceCode)) + t.reason(l))
		t.out.buttons(action{Label: t.tr("btn.reapply"), Data: "a=reg.start"}, t.menuAction())
		return
	}
	t.out.buttons(t.section40Action(), t.menuAction())
}

// summaryRow is one line of a form summary: label, value and its edit button.
type summaryRow struct {
	label, value string
	edit         action
}

// summaryBubble renders a form summary as a flex bubble (docs/CONVERSATIONS.md, leader registration).
func summaryBubble(title string, rows []summaryRow, confirm, cancel action) messaging_api.FlexBubble {
	var body []messaging_api.FlexComponentInterface
	for _, r := range rows {
		edit := fButton(r.edit, false)
		edit.Flex = 2
		body = append(body, fBox(messaging_api.FlexBoxLAYOUT_HORIZONTAL,
			fText(r.label, small, grey, flexN(3)),
			fText(clipRunes(r.value, 200), small, flexN(5)),
			edit,
		))
	}
	return bubble(title, body, []messaging_api.FlexComponentInterface{fButton(confirm, true), fButton(cancel, false)})
}
