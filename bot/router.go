package bot

import (
	"net/url"
	"strings"
	"unicode"

	"github.com/ssonet/ssonet/thai"
)

// Words that work at every step (docs/ARCHITECTURE.md: global words), compared after keywordOf.
var (
	cancelWords  = words("ยกเลิก", "cancel", "หยุด", "stop")
	backWords    = words("ย้อนกลับ", "กลับ", "ย้อน", "back")
	menuWords    = words("เมนู", "menu", "หน้าหลัก", "start")
	helpWords    = words("ช่วยเหลือ", "help", "วิธีใช้", "?")
	confirmWords = words("ยืนยัน", "ยืนยันส่ง", "ส่ง", "confirm", "submit")
	editWords    = words("แก้ไข", "แก้", "edit")
	skipWords    = words("ข้าม", "ไม่มี", "skip", "none")
	// resumeWords do what the "continue the form" button (btn.resume) does: its labels in both
	// languages and what members type for it.
	resumeWords = words("กรอกต่อ", "ทำต่อ", "กรอกแบบฟอร์มต่อ", "continue form", "continue", "resume")
)

func words(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[keywordOf(w)] = true
	}
	return m
}

// politeEndings are dropped from typed commands: "เมนูค่ะ" means "เมนู".
var politeEndings = []string{"ค่ะ", "คะ", "ครับ", "คับ", "จ้า", "จ้ะ", "นะ", "please"}

// keywordOf folds typed text for keyword matching: normalised, lower case, without spaces,
// dots, trailing punctuation and polite endings.
func keywordOf(s string) string {
	s = strings.ToLower(thai.Normalize(s))
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '.' || r == '!' || r == '-' {
			return -1
		}
		return r
	}, s)
	for changed := true; changed; {
		changed = false
		for _, p := range politeEndings {
			if len(s) > len(p) && strings.HasSuffix(s, p) {
				s, changed = strings.TrimSuffix(s, p), true
			}
		}
	}
	return s
}

func hasPrefixWord(s string, set map[string]bool) bool { return trimPrefixWord(s, set) != s }

// trimPrefixWord removes the longest word of set that s starts with.
func trimPrefixWord(s string, set map[string]bool) string {
	best := ""
	for w := range set {
		if strings.HasPrefix(s, w) && len(w) > len(best) {
			best = w
		}
	}
	if best == "" {
		return s
	}
	return strings.TrimPrefix(s, best)
}

// Other areas' subjects: how the keyword router shares a line between Section 40 and the
// bot's other areas (docs/ARCHITECTURE.md, "The conversation engine"). The Section 40 matcher
// reads every line for a topic, and a line about another area often reaches one through its
// question words alone: "อบรมได้อะไรบ้าง" scores "options" on ได้อะไร, "สมัครแกนนำยังไง" and
// "ส่งใบสมัครยังไง" score "apply" on สมัคร…ยังไง. The rule: a line that names another area's
// subject and does not name Section 40 itself (knowledge.Match.Named: "ม.40", "มาตรา 40") is
// that area's, whatever it asks; the Section 40 topics leave it to the area's words. A line that
// names Section 40 is Section 40's ("สมัคร ม.40 ยังไง", "ใบสมัคร ม.40 ขอที่ไหน"), and one that
// names no area ("สมัครที่ไหน") is Section 40's as before.
var (
	// leaderSubject is registering as a network leader: the registration's words take the line
	// (its status words, else its start, what "สมัครแกนนำ" offers).
	leaderSubject = contains("แกนนำ", "leader")
	// applicationSubject is an application that the line does not name ("ส่งใบสมัครยังไง",
	// "ขอใบสมัคร"): a leader's application or a worker's Section 40 one. The member is asked
	// which, as for a bare "สมัคร" (applyWhat), by what they can apply for.
	applicationSubject = contains("ใบสมัคร")
	// workshopSubject is the workshops: the schedule answers (to one who is not a leader yet,
	// that workshops are for leaders, with the way to register).
	workshopSubject = contains("อบรม", "workshop", "training")
)

// aboutArea reports whether the turn's line names subject and not Section 40 itself.
func (t *turn) aboutArea(subject func(string) bool) bool {
	return subject(keywordOf(t.ev.Text)) && !t.s40Match().Named
}

// aboutOtherArea reports whether the line is another area's by the rule above, so no Section 40
// topic answers it.
func (t *turn) aboutOtherArea() bool {
	return t.aboutArea(leaderSubject) || t.aboutArea(applicationSubject) || t.aboutArea(workshopSubject)
}

// dispatch routes one follow, message or postback event in the engine's fixed order.
func (t *turn) dispatch() error {
	switch t.ev.Kind {
	case KindFollow:
		t.greet()
		t.offerResume(t.sess.ID)
		return nil
	case KindMessage, KindPostback:
	default:
		return nil
	}
	if t.ev.Kind == KindMessage && isInviteCode(keywordOf(t.ev.Text)) {
		return t.inviteTyped() // a credential: before anything else reads the line
	}
	if t.sess.Flow != "" && t.now.After(t.sess.ExpiresAt) {
		t.expired()
		return nil
	}
	if t.ev.Kind == KindPostback {
		q, err := url.ParseQuery(t.ev.Postback)
		if err != nil {
			t.notUnderstood()
			return nil
		}
		if q.Get("a") == "f" {
			return t.formButton(q)
		}
		form := t.sess.ID
		if err := t.postback(q); err != nil {
			return err
		}
		t.offerResume(form)
		return nil
	}
	w := keywordOf(t.ev.Text)
	if signInWords[w] {
		form := t.sess.ID
		if done, err := t.signInLink(); err != nil || done {
			t.offerResume(form)
			return err
		}
	}
	if answered, err := t.answerAsked(); answered {
		return err
	}
	switch {
	case cancelWords[w]:
		if c, err := t.openCaseOf(); err != nil || c != nil {
			if err != nil {
				return err
			}
			return t.endCase() // with an officer: "cancel" ends the quiet mode, a form waits
		}
		if t.sess.Flow == "" {
			t.out.text(t.tr("nothing_to_cancel"))
			return t.menu()
		}
		t.cancel()
		return nil
	case backWords[w]:
		if t.sess.Flow == "" {
			return t.menu()
		}
		t.back()
		return nil
	case resumeWords[w]:
		if t.sess.Flow == "" {
			t.out.text(t.tr("nothing_to_cancel"))
			return t.menu()
		}
		t.ask() // as the button does: the step the form waits at
		return nil
	case menuWords[w]:
		return t.menu()
	case helpWords[w]:
		return t.help()
	case confirmWords[w] && t.sess.Flow == "":
		t.out.text(t.tr("form.nothing_to_confirm"))
		t.out.buttons(t.menuAction())
		return nil
	}
	if quiet, err := t.inCase(); quiet || err != nil {
		return err // with a person now: the bot acknowledges the first message only
	}
	if t.sess.Flow != "" && t.formControl(t.ev.Text) {
		return nil // a form button's label typed, or a question about the step itself
	}
	k, matched := t.keywordFor(w)
	if t.sess.Flow != "" {
		in := t.ev.Text // as typed: each parser normalises what it reads, free text stays as written
		if matched && isSmallTalk(w) && !t.acceptable(in) {
			// "ok", "ครับ", thanks: an acknowledgement, not an answer and not a reason to leave
			// the form. The step is asked again, no try counted.
			t.ask()
			return nil
		}
		if matched && !t.acceptable(in) {
			// A question or command in the middle of a form ("ม.40?", a menu label) that is no
			// answer to the step is handled; the form waits, or is replaced if another starts.
			form := t.sess.ID
			if err := k.do(t); err != nil {
				return err
			}
			t.offerResume(form)
			return nil
		}
		return t.answer(in)
	}
	if matched {
		return k.do(t)
	}
	if t.ev.Text == "" {
		t.smallTalk() // a sticker, a photo: be friendly, not sorry
		return nil
	}
	t.notUnderstood()
	return nil
}

// keywordFor returns the first keyword matching w.
func (t *turn) keywordFor(w string) (keyword, bool) {
	for _, k := range t.keywords {
		if k.match != nil && k.match(w) || k.matchTurn != nil && k.matchTurn(t) {
			return k, true
		}
	}
	return keyword{}, false
}

// offerResume puts a "continue the form" button first when the form that was open before the
// turn (session id form) is still waiting: not when the turn ended it or started another.
func (t *turn) offerResume(form string) {
	if t.sess.Flow == "" || t.endSession || t.sess.ID != form {
		return
	}
	for _, a := range t.out.quick {
		if strings.Contains(a.Data, "c="+ctlResume) {
			return
		}
	}
	t.out.quick = append([]action{t.formAction(t.tr("btn.resume"), ctlResume)}, t.out.quick...)
}

func (t *turn) postback(q url.Values) error {
	if h, ok := t.postbacks[q.Get("a")]; ok {
		return h(t, q)
	}
	t.notUnderstood()
	return nil
}

func (t *turn) menuAction() action { return action{Label: t.tr("btn.menu"), Data: "a=menu"} }

func (t *turn) startAction(flowName string) action {
	return action{Label: t.tr(flowName + ".restart"), Data: "a=" + flowName + ".start"}
}

func (t *turn) section40Action() action { return action{Label: t.tr("btn.s40"), Data: "a=s40"} }

// greet answers a follow: the full welcome, or a short "welcome back" after an unblock
// (docs/CONVERSATIONS.md, "Adding the account").
func (t *turn) greet() {
	t.chat = true // nobody asked for it: not worth a push when the reply token is stale
	name := t.member.DisplayName
	if t.ev.Unblocked {
		t.out.text(t.tr("welcome_back", "Name", name))
	} else {
		t.out.text(t.tr("welcome", "Name", name))
	}
	t.out.buttons(t.mainActions()...)
}

func (t *turn) hello() {
	t.out.text(t.tr("hello", "Name", t.member.DisplayName))
	t.out.buttons(t.mainActions()...)
}

// expired tells the member their form timed out; nothing of it was kept.
func (t *turn) expired() {
	name := t.sess.Flow
	t.endSession = true
	t.out.text(t.tr("form.expired", "Minutes", int(t.ttl.Minutes())))
	t.out.buttons(t.startAction(name), t.menuAction())
}

// smallTalk answers thanks, "okay", laughter and stickers kindly, with the main paths: thanks
// with "you're welcome", the rest with a smile and "can I help?".
func (t *turn) smallTalk() {
	t.chat = true
	if isThanks(keywordOf(t.ev.Text)) {
		t.out.text(t.tr("small_talk"))
	} else {
		t.out.text(t.tr("small_talk_smile"))
	}
	t.out.buttons(t.mainActions()...)
}

// applyWhats are the applications a bare "สมัคร" may mean, by the role the member has as a
// leader (an officer applies for nothing as an officer).
var applyWhats = map[Role][]navEntry{
	RoleNewcomer: {navLeader, navS40Apply, navSelf},
	RolePending:  {navStatus, navS40Apply},
	RoleLeader:   {navWsList, navRefer, navS40Apply},
	RoleRejected: {navReapply, navS40Apply, navSelf},
}

// applyWhat answers a bare "สมัคร", or a line about an application it does not name
// ("ส่งใบสมัครยังไง"): apply for what, among what the member can apply for?
func (t *turn) applyWhat() error {
	w, err := t.who()
	if err != nil {
		return err
	}
	r := RoleOf(w.leader, false)
	t.out.text(t.tr("apply_what." + string(r)))
	var acts []action
	for _, e := range applyWhats[r] {
		acts = append(acts, t.navAction(e))
	}
	t.out.buttons(append(acts, t.menuAction())...)
	return nil
}

// notUnderstood never leaves the member in silence (docs/CONVERSATIONS.md, "Not understood").
func (t *turn) notUnderstood() {
	t.out.text(t.tr("not_understood", "Hotline", t.kb().Hotline))
	acts := t.mainActions()
	person := action{Label: t.tr("btn.contact"), Data: "a=contact"} // a person, when the bot cannot help
	t.out.buttons(append(acts[:len(acts)-1:len(acts)-1], person, acts[len(acts)-1])...)
}
