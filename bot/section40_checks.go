package bot

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ssonet/ssonet/bot/knowledge"
	"github.com/ssonet/ssonet/thai"
)

// The Section 40 self-service checks (issue 10, item 3), each a short form that stores nothing
// and answers at its last question (flow.finish). Their texts are in locales/s40.*.toml.
const (
	flowJoin   = "s40join"   // can I join: age, Section 33/39
	flowChoose = "s40choose" // which option fits: budget, savings, children
	flowCalc   = "s40calc"   // how much would I pay or get
)

// Answers of the yes / no / not sure steps.
const (
	ansYes    = "yes"
	ansNo     = "no"
	ansUnsure = "unsure"
)

var (
	// checkQuestion is a yes/no step of the checks, read by the shared reader (confirm.go) with
	// the ways these questions are answered ("มี", "อยาก", "ไม่ได้เป็น").
	checkQuestion = question{yes: words("มี", "อยาก", "อยากได้", "ต้องการ", "yeah"),
		no: words("ไม่อยาก", "ไม่ต้องการ", "ไม่ได้เป็น", "ไม่มี"), yesLabel: "s40.ans.yes", noLabel: "s40.ans.no", leads: true}
	unsureWords = words("ไม่รู้", "ไม่แน่ใจ", "ไม่ทราบ", "ไม่รู้ค่ะ", "ยังไม่แน่ใจ", "unsure", "notsure", "dontknow", "idk")
)

// parseYesNo reads yes, no or not sure (buttons carry the values themselves).
func parseYesNo(allowUnsure bool) func(t *turn, in string) (string, error) {
	return func(t *turn, in string) (string, error) {
		w := keywordOf(in)
		switch {
		case allowUnsure && (w == ansUnsure || unsureWords[w]):
			return ansUnsure, nil
		}
		switch checkQuestion.read(t, in) {
		case saidYes:
			return ansYes, nil
		case saidNo:
			return ansNo, nil
		}
		return "", &reprompt{key: "err.s40_yesno"}
	}
}

func yesNoChoices(unsure bool) func(t *turn) []choice {
	return func(t *turn) []choice {
		cs := []choice{{t.tr("s40.ans.yes"), ansYes}, {t.tr("s40.ans.no"), ansNo}}
		if unsure {
			cs = append(cs, choice{t.tr("s40.ans.unsure"), ansUnsure})
		}
		return cs
	}
}

func showAnswer(t *turn, v string) string {
	if v == "" {
		return "-"
	}
	return t.tr("s40.ans." + v)
}

// joinCheckFlow: "can I join?" — age (a number or a birth date in either era), then whether
// they are insured under Section 33 or 39 (optional: skipped counts as not sure).
func joinCheckFlow() *flow {
	return &flow{
		name: flowJoin,
		fields: []field{
			{key: "age", parse: parseJoinAge},
			{key: "insured", optional: true, parse: parseYesNo(true), choices: yesNoChoices(true), show: showAnswer},
		},
		finish: finishJoin,
	}
}

// parseJoinAge reads the age; an age the rule refuses ends the check at once with the reason.
func parseJoinAge(t *turn, in string) (string, error) {
	age, _, err := t.ageOf(in, "err.s40join_age")
	if err != nil {
		return "", err
	}
	if v := t.kb().Age.Verdict(age); v == knowledge.AgeUnder || v == knowledge.AgeOver {
		t.out.text(t.ageVerdict(age))
		t.out.buttons(append(t.topicActions([]string{"age", "who"}), t.menuAction())...)
		return "", errEnded
	}
	return strconv.Itoa(age), nil
}

// ageVerdict is the answer to "can I join at this age", from the one age rule of the data.
func (t *turn) ageVerdict(age int) string {
	r := t.kb().Age
	return t.tr("s40join.age_"+r.Verdict(age), "Age", age, "Min", r.Min, "Max", r.Max, "AskUpTo", r.AskUpTo, "Hotline", t.kb().Hotline)
}

func finishJoin(t *turn) {
	age, _ := strconv.Atoi(t.sess.Fields["age"])
	var text string
	switch ins := t.sess.Fields["insured"]; {
	case ins == ansYes:
		text = t.tr("s40join.result_insured", "Hotline", t.kb().Hotline)
	case ins != ansNo: // not sure, or skipped: the hotline once, the verdict's if it gives it
		text = t.ageVerdict(age) + "\n" + t.tr("s40join.result_unsure")
		if !strings.Contains(text, t.kb().Hotline) {
			text += " " + t.tr("s40join.unsure_call", "Hotline", t.kb().Hotline)
		}
	default:
		text = t.ageVerdict(age)
	}
	t.out.text(text)
	bs := t.topicActions([]string{"apply", "documents"})
	t.out.buttons(append(bs, action{Label: t.tr(flowChoose + ".button"), Data: "a=" + flowChoose + ".start"},
		action{Label: t.tr("s40.call_me"), Data: "a=self.start"}, t.menuAction())...)
}

// chooseFlow: "which option fits me?" — budget a month, old-age savings, children under 7.
func chooseFlow() *flow {
	return &flow{
		name: flowChoose,
		fields: []field{
			{key: "budget", parse: parseBudget, choices: budgetChoices, show: func(t *turn, v string) string { return t.tr("s40.option", "N", v) }},
			{key: "savings", parse: parseYesNo(true), choices: yesNoChoices(true), show: showAnswer},
			{key: "kids", optional: true, parse: parseYesNo(false), choices: yesNoChoices(false), show: showAnswer},
		},
		finish: finishChoose,
	}
}

// budgetChoices offer each option's monthly contribution in force.
func budgetChoices(t *turn) []choice {
	var cs []choice
	for o := 1; o <= 3; o++ {
		if a, ok := t.kb().Amount("contribution", o, t.day()); ok {
			cs = append(cs, choice{t.tr("s40choose.budget_choice", "Baht", thousands(a.Value)), strconv.Itoa(o)})
		}
	}
	return cs
}

// parseBudget reads the budget a month as the dearest option it pays for: a tapped option, or
// a typed amount in baht ("150" pays for option 2).
func parseBudget(t *turn, in string) (string, error) {
	s := strings.TrimSuffix(keywordOf(in), "บาท")
	s = strings.TrimSuffix(s, "baht")
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return "", &reprompt{key: "err.s40choose_budget"}
	}
	if n <= 3 { // the button's value
		return strconv.Itoa(n), nil
	}
	best := 0
	for o := 1; o <= 3; o++ {
		if a, ok := t.kb().Amount("contribution", o, t.day()); ok && a.Value <= n {
			best = o
		}
	}
	if best == 0 {
		low, _ := t.kb().Amount("contribution", 1, t.day())
		return "", &reprompt{key: "err.s40choose_low", data: []any{"Baht", thousands(low.Value)}}
	}
	return strconv.Itoa(best), nil
}

// recommend picks the option and the two facts that decided it. Children under 7 and a budget
// for option 3 decide for the child allowance; a wish to save decides for the dearest option
// with an old-age lump sum the budget allows; otherwise the budget's option with what it covers.
func recommend(budget int, savings, kids bool) (int, [2]string) {
	switch {
	case budget == 3 && kids:
		return 3, [2]string{"B12", "2.1-o3"}
	case budget == 3 && savings:
		return 3, [2]string{"B6", "2.1-o3"}
	case budget == 3:
		return 3, [2]string{"B3", "B5"}
	case budget == 2 && savings:
		return 2, [2]string{"B6", "2.1-o2"}
	}
	return 1, [2]string{"2.1-o1", "B1"}
}

func finishChoose(t *turn) {
	budget, _ := strconv.Atoi(t.sess.Fields["budget"])
	opt, why := recommend(budget, t.sess.Fields["savings"] == ansYes, t.sess.Fields["kids"] == ansYes)
	var reasons []string
	for _, id := range why {
		if f, ok := t.kb().Fact(id, t.day()); ok {
			reasons = append(reasons, f.In(t.english()))
		}
	}
	lines := []string{t.tr("s40choose.result", "N", opt)}
	if len(reasons) > 0 {
		lines = append(lines, knowledge.List(reasons))
	}
	if t.sess.Fields["kids"] == ansYes && opt != 3 {
		lines = append(lines, t.tr("s40choose.kids_note"))
	}
	t.out.text(strings.Join(lines, "\n"))
	var bs []action
	for o := 1; o <= 3; o++ {
		bs = append(bs, action{Label: t.tr("s40.option", "N", o), Data: "a=s40&t=options&o=" + strconv.Itoa(o)})
	}
	bs = append(bs, t.topicActions([]string{"apply"})...)
	t.out.buttons(append(bs, action{Label: t.tr("s40.call_me"), Data: "a=self.start"}, t.menuAction())...)
}

// Calculator kinds, in the order of the first question's buttons; catalog "s40calc.kind.<k>".
var calcKinds = []string{"contribution", "inpatient", "rest", "visit", "funeral"}

// calcFlow: "how much would I pay / get?" — what, which option (for contributions, sick days
// and the funeral grant), how many months, days or visits (not for the funeral grant).
func calcFlow() *flow {
	kind := func(t *turn) string { return t.sess.Fields["kind"] }
	return &flow{
		name: flowCalc,
		fields: []field{
			{key: "kind", parse: parseCalcKind, show: func(t *turn, v string) string { return t.tr("s40calc.kind." + v) },
				choices: func(t *turn) []choice {
					var cs []choice
					for _, k := range calcKinds {
						cs = append(cs, choice{t.tr("s40calc.kind." + k), k})
					}
					return cs
				}},
			{key: "option", parse: parseOptionNumber, show: func(t *turn, v string) string { return t.tr("s40.option", "N", v) },
				choices: func(t *turn) []choice {
					var cs []choice
					for o := 1; o <= 3; o++ {
						cs = append(cs, choice{t.tr("s40.option", "N", o), strconv.Itoa(o)})
					}
					return cs
				}},
			{key: "count", parse: parseCount, when: func(t *turn) bool { return kind(t) != "funeral" }},
		},
		prefill: prefillCalc,
		finish: func(t *turn) {
			o, _ := strconv.Atoi(t.sess.Fields["option"])
			n, _ := strconv.Atoi(t.sess.Fields["count"])
			t.calcAnswer("", t.sess.Fields["kind"], o, max(n, 1))
		},
	}
}

// prefillCalc takes what the question or the button already said: "จ่ายทางเลือก 2 กี่เดือน
// ได้เท่าไร" is the contributions of option 2; a postback may carry k (kind) and o (option).
func prefillCalc(t *turn) map[string]string {
	f := map[string]string{}
	if q, err := url.ParseQuery(t.ev.Postback); err == nil && t.ev.Postback != "" {
		if slices.Contains(calcKinds, q.Get("k")) {
			f["kind"] = q.Get("k")
		}
		if o := q.Get("o"); o == "1" || o == "2" || o == "3" {
			f["option"] = o
		}
		return f
	}
	m := t.s40Match()
	if k, _ := calcOf(m); k != "" {
		f["kind"] = k
	}
	if m.Option > 0 {
		f["option"] = strconv.Itoa(m.Option)
	}
	return f
}

func parseCalcKind(t *turn, in string) (string, error) {
	if slices.Contains(calcKinds, in) {
		return in, nil
	}
	if k, _ := calcOf(t.kb().Match(in)); k != "" {
		return k, nil
	}
	return "", &reprompt{key: "err.s40calc_kind"}
}

// parseOptionNumber reads 1, 2 or 3. "ไม่รู้" is answered with what each option gives, in one
// short line each, and the way to the "which option fits" check; the step stays open.
func parseOptionNumber(t *turn, in string) (string, error) {
	w := keywordOf(in)
	if unsureWords[w] {
		var lines []string
		for _, id := range []string{"2.1-o1", "2.1-o2", "2.1-o3"} {
			if f, ok := t.kb().Fact(id, t.day()); ok {
				lines = append(lines, f.In(t.english()))
			}
		}
		return "", &reprompt{key: "err.s40calc_option_unsure", data: []any{"Options", knowledge.List(lines), "Choose", t.tr(flowChoose + ".button")}}
	}
	for _, p := range []string{"ทางเลือกที่", "ทางเลือก", "option"} {
		w = strings.TrimPrefix(w, p)
	}
	if w == "1" || w == "2" || w == "3" {
		return w, nil
	}
	return "", &reprompt{key: "err.s40calc_option"}
}

// maxCount bounds a calculation: 50 years of months.
const maxCount = 600

// parseCount reads the number first: "12 เดือน", "๕ วัน", "ห้าวัน"; for contributions "2 ปี" is
// 24 months.
func parseCount(t *turn, in string) (string, error) {
	n, rest, ok := thai.LeadingNumber(in)
	if ok && t.sess.Fields["kind"] == "contribution" && yearWord(keywordOf(rest)) {
		n *= 12
	}
	if !ok || n < 1 || n > maxCount {
		return "", &reprompt{key: "err.s40calc_count", data: []any{"Max", maxCount}}
	}
	return strconv.Itoa(n), nil
}

// yearWord reports a count's unit naming years.
func yearWord(w string) bool {
	return slices.Contains([]string{"ปี", "year", "years", "yr", "yrs"}, w)
}

// calcAnswer shows the amounts in force for kind, option (0: every option) and n months, days
// or visits, with the arithmetic, the condition and the as-of line. topic, when known, chooses
// the quick replies.
func (t *turn) calcAnswer(topic, kind string, option, n int) {
	kb, day, en := t.kb(), t.day(), t.english()
	opts := []int{option}
	if option == 0 {
		opts = []int{1, 2, 3}
	}
	var texts, rules []string
	byText := map[string][]string{}
	for _, o := range opts {
		a, ok := kb.Amount(kind, o, day)
		if !ok {
			continue
		}
		if r := a.Fact.In(en); !slices.Contains(rules, r) {
			rules = append(rules, r) // the rule in force first, then the arithmetic
		}
		count, capped := n, 0
		switch kind {
		case "inpatient", "rest":
			if c, ok := kb.Amount("sickdays", o, day); ok && n > c.Value {
				count, capped = c.Value, c.Value
			}
		case "visit":
			if n > a.Limit {
				count, capped = a.Limit, a.Limit
			}
		case "funeral":
			count = 1
		}
		line := t.tr("s40calc.line."+kind, "Per", thousands(a.Value), "N", count, "Total", thousands(a.Value*count))
		if capped > 0 {
			unit := t.tr("s40calc.unit.day")
			if kind == "visit" {
				unit = t.tr("s40calc.unit.visit")
			}
			line += " " + t.tr("s40calc.capped", "Cap", capped, "Asked", n, "Unit", unit)
		}
		if _, seen := byText[line]; !seen {
			texts = append(texts, line)
		}
		byText[line] = append(byText[line], strconv.Itoa(o))
	}
	if len(texts) == 0 {
		t.out.text(t.tr("s40calc.none", "Hotline", kb.Hotline))
		t.out.buttons(t.section40Action(), t.menuAction())
		return
	}
	items := rules
	for _, s := range texts {
		items = append(items, t.tr("s40calc.for", "Options", strings.Join(byText[s], ", "))+" "+s)
	}
	cond := map[string]string{"inpatient": "B14-sick", "rest": "B14-sick", "visit": "B14-sick", "funeral": "B14-death"}[kind]
	if f, ok := kb.Fact(cond, day); ok {
		items = append(items, f.In(en))
	}
	t.out.text(knowledge.List(items) + "\n" + kb.AsOfLine(en, day))
	if topic == "" {
		topic = map[string]string{"contribution": "contribution", "inpatient": "inpatient", "rest": "outpatient", "visit": "outpatient", "funeral": "death"}[kind]
	}
	a := t.answerOf(topic, 0)
	a.Flows = []string{flowCalc}
	t.s40Buttons(a)
	t.s40m.answers.WithLabelValues(topic).Inc()
}

// thousands writes n with thousands separators: 25000 → "25,000".
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
