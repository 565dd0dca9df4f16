package bot

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/google/uuid"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// maxTries is how many failed answers one step accepts before the re-prompt also offers
// back, cancel and contact (docs/ARCHITECTURE.md: re-prompts are bounded).
const maxTries = 3

// flow is a form: a list of fields asked one by one, then a summary with confirm and edit.
// Its texts live in the catalogs under "<name>.*" (see reg.th.toml for the keys a flow uses).
type flow struct {
	name   string
	fields []field
	// begin runs before the first question; false means the flow must not start (it replied).
	begin func(t *turn) (bool, error)
	// submit stores the result. It must be idempotent on t.sess.SubmissionID.
	submit func(t *turn) error
	// preview, when set, adds messages before the summary (an announcement shows itself as
	// recipients will see it). An error is logged and the summary shown without it.
	preview func(t *turn) error
	// finish, when set, replaces the summary: it answers as soon as the last question is
	// answered, and the form ends (submit is not used). A check that stores nothing, or a
	// one-question step whose business action refuses a stale form itself (a rejection reason).
	finish func(t *turn)
	// prefill, when set, gives answers already known when the flow starts ("ป่วยนอน รพ. 5 วัน"
	// names the kind and the days); the form starts at the first question left.
	prefill func(t *turn) map[string]string
}

// field is one question of a flow.
type field struct {
	key      string // answer key in Session.Fields and catalog suffix: "<flow>.<key>.ask"
	optional bool   // offers a skip button; a skipped answer is stored as ""
	// choices are buttons offered with the question; a tap answers with the choice's value.
	choices func(t *turn) []choice
	// parse validates an answer and returns the value to store. Errors are *thai.InputError
	// (re-prompted with catalog "err.<key>"), *reprompt, errDeclined, or errEnded.
	parse func(t *turn, in string) (string, error)
	// show renders a stored value for the summary and "previous answer" lines; identity if nil.
	show func(t *turn, v string) string
	// echo repeats the understood value before the next question, for answers that were
	// interpreted (a misspelt province becomes a real one).
	echo bool
	// askData, when set, fills the question's template: an example that fits the answers so
	// far (the province's districts) or the clock (a date ahead, not a past year).
	askData func(t *turn) []any
	// when, if set, decides from the answers so far whether the question is asked at all (a
	// funeral grant needs no number of days); a question left out keeps no answer.
	when func(t *turn) bool
	// free marks a step whose parser takes any text (a district, a group name): there a text
	// that the keyword router understands and that asks something ("ม40จ่ายเท่าไร") is taken as
	// a question, not stored as the answer.
	free bool
	// picker offers a LINE datetime picker button of that mode ("date", "time", "datetime",
	// catalog label "btn.pick_<mode>") besides typing; the picked value is parsed like a typed one
	// (thai.ParseDateTime reads the picker's "2026-12-14T09:00").
	picker string
	// aside, when set, answers a question about the step itself before the keyword router
	// reads the line ("เก็บข้อมูลอะไร" at the consent step is about this form's data, not about
	// Section 40); it reports whether it answered. The step waits.
	aside func(t *turn, in string) bool
}

// choice is a button answer: Label is shown, Value is what parse receives.
type choice struct{ Label, Value string }

// reprompt is a parse failure with its own catalog key, template data and suggested answers.
type reprompt struct {
	key     string
	data    []any
	choices []choice
	only    bool   // the choices replace the field's own (a question with other answers)
	ask     string // a question (context.go) the next answer replies to
	kind    bool   // "I don't know" answered with what to type instead: not a failed try
	// sure: the text answers this step, only wrongly ("ทางเลือก 5" at the option step), so it is
	// re-prompted even when the keyword router knows its words.
	sure bool
}

func (r *reprompt) Error() string { return r.key }

// errDeclined ends the flow without storing anything (for example consent refused).
var errDeclined = errors.New("declined")

// errEnded ends the flow without storing anything after parse wrote its own reply (for example
// a national ID that was already referred: the answer is that referral's status).
var errEnded = errors.New("ended")

// Form button controls carried in postback data "a=f&s=<session>&n=<step>&c=<control>".
const (
	ctlAnswer  = "ans"
	ctlBack    = "back"
	ctlCancel  = "cancel"
	ctlSkip    = "skip"
	ctlConfirm = "confirm"
	ctlEdit    = "edit"
	ctlResume  = "resume"
	ctlKeep    = "keep" // keep the step's previous answer
)

// choiceAction is the button of a choice. Its postback data names the choice by the index
// under which the session keeps its value, never the value itself: a value may be the member's
// own text (a district, their name) and too long for postback data (line-platform.md row 19).
func (t *turn) choiceAction(c choice) action {
	return t.formAction(c.Label, ctlAnswer, "i", t.offer(c.Value))
}

// dedupe drops choices whose label or value an earlier one has.
func dedupe(cs []choice) []choice {
	var out []choice
	seen := map[string]bool{}
	for _, c := range cs {
		if !seen["l"+c.Label] && !seen["v"+c.Value] {
			seen["l"+c.Label], seen["v"+c.Value] = true, true
			out = append(out, c)
		}
	}
	return out
}

// formAction is a button inside a form; it carries the session id and step so a stale tap is
// recognised (docs/ARCHITECTURE.md: postback data).
func (t *turn) formAction(label, control string, extra ...string) action {
	q := url.Values{"a": {"f"}, "s": {t.sess.ID}, "n": {strconv.Itoa(t.sess.Step)}, "c": {control}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return action{Label: label, Data: q.Encode()}
}

// startFlow begins flow name for the member, replacing any form in progress.
func (t *turn) startFlow(name string) error { return t.startFlowWith(name, nil) }

// startFlowWith begins flow name with given values in the session's fields: what the form is
// about (the leader application a rejection reason is for), or answers already known. A form
// with given values always starts afresh: the same flow about something else is not resumed.
func (t *turn) startFlowWith(name string, given map[string]string) error {
	if t.sess.Flow == name && given == nil {
		// Tapping the flow's menu entry again must not throw the answers away.
		t.out.text(t.tr("form.resumed"))
		t.ask()
		return nil
	}
	f := t.flows[name]
	if f.begin != nil {
		ok, err := f.begin(t)
		if err != nil || !ok {
			return err
		}
	}
	if t.sess.Flow != "" {
		t.out.text(t.tr("form.replaced")) // the member chose another form; nothing of the old was kept
	}
	t.sess.ID = uuid.NewString()
	t.sess.Flow = name
	t.sess.Step = 0
	t.sess.Fields = t.keptContext()
	t.sess.History = nil
	t.sess.Tries = 0
	t.sess.Editing = false
	t.sess.SubmissionID = uuid.NewString()
	t.sessChanged = true
	if f.prefill != nil || given != nil {
		if f.prefill != nil {
			maps.Copy(t.sess.Fields, f.prefill(t))
		}
		maps.Copy(t.sess.Fields, given)
		for t.sess.Step < len(f.fields) && (t.sess.Fields[f.fields[t.sess.Step].key] != "" || !t.asked(f.fields[t.sess.Step])) {
			t.sess.Step++
		}
	}
	t.out.text(t.tr(name + ".intro"))
	t.ask()
	return nil
}

// asked reports whether field fd is asked, given the answers so far.
func (t *turn) asked(fd field) bool { return fd.when == nil || fd.when(t) }

func (t *turn) activeFlow() *flow { return t.flows[t.sess.Flow] }

// atSummary reports whether the form has every answer and waits for confirm or edit.
func (t *turn) atSummary() bool { return t.sess.Step >= len(t.activeFlow().fields) }

// stepNumber is the current step's place among the questions asked and how many are asked,
// given the answers so far: a question left out (field.when) is not counted.
func (t *turn) stepNumber() (n, total int) {
	for i, fd := range t.activeFlow().fields {
		if !t.asked(fd) {
			continue
		}
		total++
		if i <= t.sess.Step {
			n++
		}
	}
	return n, total
}

// ask shows the current step: a question, or the summary.
func (t *turn) ask() {
	f := t.activeFlow()
	if t.atSummary() {
		if f.finish != nil {
			f.finish(t)
			t.endSession = true
			return
		}
		t.summary()
		return
	}
	fd := f.fields[t.sess.Step]
	n, total := t.stepNumber()
	q := t.tr("form.step", "N", n, "Total", total) + " " + t.tr(f.name+"."+fd.key+".ask", t.askData(fd)...)
	answers := t.stepAnswers(fd, nil, false)
	if prev, ok := t.previous(fd); ok {
		q += "\n" + t.tr("form.previous", "Value", t.showValue(fd, prev))
		answers = append([]action{t.keepAction()}, answers...)
	}
	t.out.text(q)
	t.out.buttons(fitButtons(answers, t.stepControls(fd))...)
}

// previous is the step's answer given before (the member went back, or edits it from the
// summary): what "ใช้คำตอบเดิม" keeps.
func (t *turn) previous(fd field) (string, bool) {
	v, ok := t.sess.Fields[fd.key]
	return v, ok && v != ""
}

// keepAction is the "keep the previous answer" button. The answer stays on the server: it may
// be personal (a phone number) or too long for postback data (line-platform.md row 19).
func (t *turn) keepAction() action { return t.formAction(t.tr("btn.keep"), ctlKeep) }

// label is field fd's name on the summary, the edit buttons and the consent question. A
// district in Bangkok is a เขต, not an อำเภอ: the label's template reads "Bangkok".
func (t *turn) label(f *flow, fd field) string {
	return t.tr(f.name+"."+fd.key+".label", "Bangkok", t.sess.Fields["province"] == bangkokCode)
}

func (t *turn) askData(fd field) []any {
	if fd.askData == nil {
		return nil
	}
	return fd.askData(t)
}

// answeredLabels names the answers given so far ("ชื่อ มือถือ จังหวัด และอำเภอ"), for a consent
// question that must say what it asks to keep.
func answeredLabels(t *turn) []any {
	f := t.activeFlow()
	var names []string
	for _, fd := range f.fields[:t.sess.Step] {
		if t.sess.Fields[fd.key] != "" {
			names = append(names, t.label(f, fd))
		}
	}
	if len(names) > 1 {
		names[len(names)-1] = t.tr("form.and", "Last", names[len(names)-1])
	}
	return []any{"Items", strings.Join(names, t.tr("form.list_sep"))}
}

// districtExample is the district step's example for the province answered before it: Bangkok
// has เขต, not อำเภอ.
func districtExample(t *turn) []any {
	code := t.sess.Fields["province"]
	return []any{"Bangkok", code == bangkokCode, "Province", showProvince(t, code)}
}

// bangkokCode is Bangkok's ISO 3166-2 code: its districts are เขต.
const bangkokCode = thai.BangkokCode

// parseDistrict reads a district of the province answered before it (thai.ParseDistrict):
// "I don't know" is told it may skip, with no failed try; another province's name ("โคราช" as a
// district of เพชรบูรณ์) is told it is a province. Both say the district example again.
func parseDistrict(t *turn, in string) (string, error) {
	v, err := thai.ParseDistrict(in, t.sess.Fields["province"], maxDistrict)
	var ie *thai.InputError
	if !errors.As(err, &ie) || !strings.HasPrefix(ie.Key, "district.") {
		return v, err
	}
	name := ie.Args["name"]
	if t.english() {
		name = ie.Args["name_en"]
	}
	return "", &reprompt{key: "err." + ie.Key, data: append(districtExample(t), "Name", name), kind: ie.Key == "district.unknown"}
}

// stepButtons are the quick replies of a question: extra (suggestions), the field's choices
// unless only, skip, back and cancel.
func (t *turn) stepButtons(fd field, extra []choice, only bool) []action {
	return fitButtons(t.stepAnswers(fd, extra, only), t.stepControls(fd))
}

// fitButtons puts answers before controls, leaving out the last answers that would push a
// control past LINE's 13 quick replies (line-platform.md row 17).
func fitButtons(answers, controls []action) []action {
	if room := max(maxQuickReplies-len(controls), 0); len(answers) > room {
		answers = answers[:room]
	}
	return append(slices.Clip(answers), controls...)
}

// stepAnswers are the answer buttons of a question: extra (suggestions), the field's choices
// unless only, and its picker.
func (t *turn) stepAnswers(fd field, extra []choice, only bool) []action {
	var bs []action
	cs := extra
	if fd.choices != nil && !only {
		cs = append(cs, fd.choices(t)...)
	}
	for _, c := range dedupe(cs) {
		bs = append(bs, t.choiceAction(c))
	}
	if fd.picker != "" {
		pick := t.formAction(t.tr("btn.pick_"+fd.picker), ctlAnswer)
		pick.Picker = fd.picker
		if fd.picker == "datetime" {
			pick.Min = t.now.In(t.loc).Format("2006-01-02T15:04")
		}
		bs = append(bs, pick)
	}
	return bs
}

// stepControls are the ways on from a question: skip (optional steps), back (from the
// second step, or to the summary from an edit) and cancel.
func (t *turn) stepControls(fd field) []action {
	var bs []action
	if fd.optional {
		bs = append(bs, t.formAction(t.tr("btn.skip"), ctlSkip))
	}
	if t.sess.Step > 0 || t.sess.Editing {
		bs = append(bs, t.formAction(t.tr("btn.back"), ctlBack))
	}
	return append(bs, t.formAction(t.tr("btn.cancel"), ctlCancel))
}

func (t *turn) showValue(fd field, v string) string {
	if fd.show != nil {
		return fd.show(t, v)
	}
	return v
}

// answer applies a typed or tapped answer to the current step.
func (t *turn) answer(in string) error {
	f := t.activeFlow()
	if t.atSummary() {
		return t.summaryInput(in)
	}
	fd := f.fields[t.sess.Step]
	if t.ev.Kind == KindMessage && t.ev.Text == "" {
		return t.reject(fd, &reprompt{key: "err.not_text"})
	}
	if skipWords[keywordOf(in)] || fd.optional && !hasContent(in) { // "-" means nothing to give
		return t.skip()
	}
	if fd.choices != nil {
		// A choice's label typed instead of tapped means the same (every button can be typed).
		for _, c := range fd.choices(t) {
			if keywordOf(c.Label) == keywordOf(in) {
				in = c.Value
			}
		}
	}
	v, err := fd.parse(t, in)
	switch {
	case errors.Is(err, errDeclined):
		t.endSession = true
		t.out.text(t.tr(f.name + ".declined"))
		t.out.buttons(t.startAction(f.name), t.menuAction())
		return nil
	case errors.Is(err, errEnded):
		t.endSession = true
		return nil
	case err != nil:
		return t.reject(fd, err)
	}
	t.sess.Fields[fd.key] = v
	if fd.echo {
		t.out.text(t.tr("form.noted", "Label", t.label(f, fd), "Value", t.showValue(fd, v)))
	}
	t.advance()
	return nil
}

// hasContent reports whether s has a letter or a digit: "-", "." or "..." is no answer.
func hasContent(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

// acceptable reports whether in would be taken as an answer at the current step (or as a
// confirm or edit at the summary), without changing anything. At a free step a question asked
// back is no answer.
func (t *turn) acceptable(in string) bool {
	w := keywordOf(in)
	if t.atSummary() {
		// After "which field?" a field's name picks it, even one the router knows ("เบอร์").
		return summaryQuestion.read(t, in) == saidYes || hasPrefixWord(w, editWords) || t.lastAsk == askField && t.fieldByLabel(w) >= 0
	}
	fd := t.activeFlow().fields[t.sess.Step]
	if fd.free && asksBack(in, w) {
		return false
	}
	var ie *thai.InputError
	var rp *reprompt
	_, err := fd.parse(t, in)
	return !errors.As(err, &ie) && (!errors.As(err, &rp) || rp.sure)
}

// advance moves past the current step: back to the summary after an edit, else to the next.
func (t *turn) advance() {
	t.sess.Tries = 0
	t.sessChanged = true
	if t.sess.Editing {
		t.sess.Editing = false
		t.sess.Step = len(t.activeFlow().fields)
	} else {
		t.sess.History = append(t.sess.History, t.sess.Step)
		t.sess.Step++
		f := t.activeFlow()
		for t.sess.Step < len(f.fields) && !t.asked(f.fields[t.sess.Step]) {
			t.sess.Step++
		}
	}
	t.ask()
}

// reject re-prompts after a wrong answer, saying what was wrong; after maxTries it also
// offers a way out.
func (t *turn) reject(fd field, err error) error {
	var ie *thai.InputError
	var rp *reprompt
	switch {
	case errors.As(err, &ie):
		args := make([]any, 0, 2*len(ie.Args))
		for k, v := range ie.Args {
			args = append(args, k, v)
		}
		rp = &reprompt{key: "err." + ie.Key, data: args}
	case errors.As(err, &rp):
	default:
		return fmt.Errorf("bot: parse %s: %w", fd.key, err)
	}
	if len(rp.choices) == 0 && !rp.kind {
		t.sess.Tries++ // suggestions and kind answers are a step forward, not a failed try
		t.sessChanged = true
	}
	if rp.ask != "" {
		t.setAsk(rp.ask)
	}
	msg := t.tr(rp.key, rp.data...)
	answers, controls := t.stepAnswers(fd, rp.choices, rp.only), t.stepControls(fd)
	choices := len(answers) > 0
	_, keep := t.previous(fd)
	if keep { // a slip while editing must not cost the old answer
		answers = append([]action{t.keepAction()}, answers...)
	}
	if t.sess.Tries >= maxTries {
		// Stuck: say what to type and the ways on this step has, and offer a person.
		msg += "\n" + t.tr("form.stuck", "Example", t.example(fd), "Choices", choices, "Keep", keep,
			"Skip", fd.optional, "Summary", t.sess.Editing, "Back", !t.sess.Editing && t.sess.Step > 0)
		controls = append(controls, action{Label: t.tr("btn.contact"), Data: "a=contact"})
	}
	t.out.text(msg)
	t.out.buttons(fitButtons(answers, controls)...)
	return nil
}

// example is what to type at step fd: the catalog's "<flow>.<key>.example" filled like the
// question, else the question itself.
func (t *turn) example(fd field) string {
	f := t.activeFlow()
	if ex := t.cat.optionalText(t.member.Language, f.name+"."+fd.key+".example", t.askData(fd)...); ex != "" {
		return ex
	}
	return t.tr(f.name+"."+fd.key+".ask", t.askData(fd)...)
}

// back returns to the previous step (or from an edit to the summary), showing the old answer.
func (t *turn) back() {
	t.sess.Tries = 0
	t.sessChanged = true
	switch {
	case t.sess.Editing:
		t.sess.Editing = false
		t.sess.Step = len(t.activeFlow().fields)
	case len(t.sess.History) > 0:
		t.sess.Step = t.sess.History[len(t.sess.History)-1]
		t.sess.History = t.sess.History[:len(t.sess.History)-1]
	default:
		t.out.text(t.tr("form.first_step"))
	}
	t.ask()
}

// cancel ends the form; nothing typed into it is kept.
func (t *turn) cancel() {
	name := t.sess.Flow
	t.endSession = true
	t.out.text(t.tr(name + ".cancelled"))
	t.out.buttons(t.startAction(name), t.menuAction())
}

// skip answers an optional step with nothing.
func (t *turn) skip() error {
	f := t.activeFlow()
	if t.atSummary() || !f.fields[t.sess.Step].optional {
		t.out.text(t.tr("form.cannot_skip"))
		t.out.buttons(t.stepButtons(f.fields[t.sess.Step], nil, false)...)
		return nil
	}
	t.sess.Fields[f.fields[t.sess.Step].key] = ""
	t.advance()
	return nil
}

// summary shows every answer with an edit button each, and confirm / cancel (docs/CONVERSATIONS.md).
func (t *turn) summary() {
	f := t.activeFlow()
	var rows []summaryRow
	for i, fd := range f.fields {
		if !t.asked(fd) {
			continue
		}
		v := t.showValue(fd, t.sess.Fields[fd.key])
		if v == "" {
			v = "-"
		}
		rows = append(rows, summaryRow{label: t.label(f, fd), value: v, edit: t.formAction(t.tr("btn.edit"), ctlEdit, "k", strconv.Itoa(i))})
	}
	if f.preview != nil {
		if err := f.preview(t); err != nil {
			t.log.Error("form preview", "flow", f.name, "err", err)
		}
	}
	confirm := t.formAction(t.tr("btn.confirm"), ctlConfirm)
	cancel := t.formAction(t.tr("btn.cancel"), ctlCancel)
	t.out.flex(t.tr("form.summary_alt"), summaryBubble(t.tr("form.summary_title"), rows, confirm, cancel))
	t.out.buttons(confirm, t.formAction(t.tr("btn.edit"), ctlEdit), cancel)
}

// summaryInput handles typed words at the summary: confirm, or edit with an optional field name.
func (t *turn) summaryInput(in string) error {
	w := keywordOf(in)
	switch {
	case summaryQuestion.read(t, in) == saidYes:
		return t.confirm()
	case hasPrefixWord(w, editWords):
		return t.edit(t.fieldByLabel(trimPrefixWord(w, editWords)))
	case t.fieldByLabel(w) >= 0: // "อำเภอ" after the which-field question
		return t.edit(t.fieldByLabel(w))
	}
	t.out.text(t.tr("form.summary_hint"))
	t.summary()
	return nil
}

// fieldByLabel finds the field whose label (in either language) matches a typed name; -1 if none.
func (t *turn) fieldByLabel(name string) int {
	if name == "" {
		return -1
	}
	f := t.activeFlow()
	for i, fd := range f.fields {
		for _, lang := range []store.Language{store.LangThai, store.LangEnglish} {
			for _, bangkok := range []bool{false, true} { // อำเภอ or เขต, whatever the province
				names := t.cat.text(lang, f.name+"."+fd.key+".label", map[string]any{"Bangkok": bangkok}) + "," + t.cat.optional(lang, f.name+"."+fd.key+".words")
				for _, n := range strings.Split(names, ",") {
					if keywordOf(n) == name {
						return i
					}
				}
			}
		}
	}
	return -1
}

// edit opens field i from the summary; with i < 0 it asks which field.
func (t *turn) edit(i int) error {
	f := t.activeFlow()
	if i < 0 || i >= len(f.fields) || !t.asked(f.fields[i]) {
		var bs []action
		for j, fd := range f.fields {
			if t.asked(fd) {
				bs = append(bs, t.formAction(t.label(f, fd), ctlEdit, "k", strconv.Itoa(j)))
			}
		}
		t.out.text(t.tr("form.which_field"))
		t.out.buttons(append(bs, t.formAction(t.tr("btn.to_summary"), ctlResume))...)
		t.setAsk(askField) // a field's name typed next picks it (acceptable)
		return nil
	}
	t.sess.Step = i
	t.sess.Editing = true
	t.sess.Tries = 0
	t.sessChanged = true
	t.ask()
	return nil
}

// errKeepForm is returned by a submit that asked a further question (an announcement over the
// month's quota): the form stays at its summary, nothing is stored.
var errKeepForm = errors.New("bot: form kept open")

// confirm submits the form; the submit is idempotent on the session's SubmissionID.
func (t *turn) confirm() error {
	if err := t.activeFlow().submit(t); err != nil {
		if errors.Is(err, errKeepForm) {
			return nil
		}
		return err
	}
	t.endSession = true
	return nil
}

// formButton handles a tap on a form button, refusing taps from a form that ended or a step
// the form has moved past.
func (t *turn) formButton(q url.Values) error {
	if t.sess.Flow == "" || q.Get("s") != t.sess.ID {
		if t.sess.Flow != "" { // another form is open: the way back to it first
			t.out.text(t.tr("form.stale_ended_open"))
			t.out.buttons(t.formAction(t.tr("btn.resume"), ctlResume), t.menuAction())
			return nil
		}
		t.out.text(t.tr("form.stale_ended"))
		t.out.buttons(t.menuAction())
		return nil
	}
	if q.Get("c") == ctlResume {
		t.ask()
		return nil
	}
	if q.Get("n") != strconv.Itoa(t.sess.Step) {
		t.out.text(t.tr("form.stale_moved"))
		t.ask()
		return nil
	}
	switch q.Get("c") {
	case ctlKeep:
		t.keep()
	case ctlAnswer:
		if q.Has("i") {
			v, ok := t.offered(q.Get("i"))
			if !ok { // not a button this form offered
				t.out.text(t.tr("form.stale_moved"))
				t.ask()
				return nil
			}
			return t.answer(v)
		}
		// A datetime picker: the value comes in the params.
		return t.answer(t.ev.Params["datetime"] + t.ev.Params["date"] + t.ev.Params["time"])
	case ctlBack:
		t.back()
	case ctlCancel:
		t.cancel()
	case ctlSkip:
		return t.skip()
	case ctlConfirm:
		if !t.atSummary() {
			t.ask()
			return nil
		}
		return t.confirm()
	case ctlEdit:
		k, err := strconv.Atoi(q.Get("k"))
		if err != nil {
			k = -1
		}
		return t.edit(k)
	default:
		t.ask()
	}
	return nil
}

// keep answers the step with its previous answer (the "ใช้คำตอบเดิม" button), or asks again
// when it has none.
func (t *turn) keep() {
	if t.atSummary() {
		t.ask()
		return
	}
	if _, ok := t.previous(t.activeFlow().fields[t.sess.Step]); !ok {
		t.ask()
		return
	}
	t.advance()
}

// toSummary goes back to the summary (the "กลับไปหน้าสรุป" button): from an edit without
// changing the field, or shows it again. Before the form has reached it, the step is asked.
func (t *turn) toSummary() {
	switch {
	case t.sess.Editing:
		t.back()
	case t.atSummary():
		t.ask()
	default:
		t.out.text(t.tr("form.no_summary_yet"))
		t.ask()
	}
}

// Typed controls of a form's own buttons (every button can be typed: LINE for PC), compared
// after keywordOf. Their labels in both languages count too (formControl).
var (
	// Only words no answer is made of: free text ("เหมือนเดิม" in an announcement) stays an answer.
	keepWords      = words("ใช้คำตอบเดิม", "คำตอบเดิม", "ใช้อันเดิม", "ใช้ของเดิม", "keep previous", "keep previous answer")
	toSummaryWords = words("กลับไปหน้าสรุป", "กลับหน้าสรุป", "หน้าสรุป", "ไปหน้าสรุป", "back to summary")
)

// formControl handles, in a form, the typed label of one of its control buttons ("ใช้คำตอบเดิม",
// "กลับไปหน้าสรุป") as the tap does, and a question the step answers itself (field.aside),
// before the keyword router reads the line. It reports whether it answered.
func (t *turn) formControl(in string) bool {
	w := keywordOf(in)
	switch {
	case w == "":
	case keepWords[w] || t.isLabel(w, "btn.keep"):
		t.keep()
		return true
	case toSummaryWords[w] || t.isLabel(w, "btn.to_summary"):
		t.toSummary()
		return true
	case !t.atSummary():
		if fd := t.activeFlow().fields[t.sess.Step]; fd.aside != nil {
			return fd.aside(t, in)
		}
	}
	return false
}

// isLabel reports whether typed w (keywordOf form) is the label of button id in either language.
func (t *turn) isLabel(w, id string) bool {
	for _, lang := range []store.Language{store.LangThai, store.LangEnglish} {
		if keywordOf(t.cat.text(lang, id, nil)) == w {
			return true
		}
	}
	return false
}
