package bot

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssonet/ssonet/bot/knowledge"
)

// Section 40 answers (issue 10): a question reaches one topic of the knowledge data and gets
// that topic's answer for today, with a feedback pair and the next likely questions; a
// question about Section 40 that reaches no topic gets the three likeliest topics, the hotline
// and the call-back request. The self-service checks are in section40_checks.go.

// s40Metrics counts answers, feedback and questions not understood, by topic.
type s40Metrics struct {
	answers  *prometheus.CounterVec
	feedback *prometheus.CounterVec
	missed   prometheus.Counter
}

func newS40Metrics(reg prometheus.Registerer) (*s40Metrics, error) {
	m := &s40Metrics{
		answers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ssonet_knowledge_answers_total", Help: "Section 40 answers given, by topic.",
		}, []string{"topic"}),
		feedback: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ssonet_knowledge_feedback_total", Help: "Section 40 answer feedback taps, by topic and vote (helpful, not_helpful).",
		}, []string{"topic", "vote"}),
		missed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ssonet_knowledge_not_understood_total", Help: "Section 40 questions that reached no topic.",
		}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.answers, m.feedback, m.missed} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("bot: register metrics: %w", err)
			}
		}
	}
	return m, nil
}

// initSection40 installs the knowledge of cfg (the embedded data when nil) and the counters.
func (e *Engine) initSection40(cfg Config) error {
	kb := cfg.Knowledge
	if kb == nil {
		var err error
		if kb, err = knowledge.Embedded(); err != nil {
			return fmt.Errorf("bot: %w", err)
		}
	}
	e.know.Store(kb)
	var err error
	e.s40m, err = newS40Metrics(cfg.Registerer)
	return err
}

// SetKnowledge replaces the Section 40 knowledge while the engine runs (KNOWLEDGE_FILE re-read
// on SIGHUP); turns already running finish with the data they started with.
func (e *Engine) SetKnowledge(kb *knowledge.Base) { e.know.Store(kb) }

// kb is the knowledge in use.
func (e *Engine) kb() *knowledge.Base { return e.know.Load() }

// kb is the knowledge of this turn: the engine's when the turn first asks, kept to its end so
// that a reload in the middle cannot mix two versions in one reply.
func (t *turn) kb() *knowledge.Base {
	if t.turnKB == nil {
		t.turnKB = t.Engine.kb()
	}
	return t.turnKB
}

// s40Match reads the turn's text against the knowledge once; the router's keyword tests and
// the answer share it.
func (t *turn) s40Match() knowledge.Match {
	if t.s40 == nil {
		m := t.kb().Match(t.ev.Text)
		t.s40 = &m
	}
	return *t.s40
}

// day is today's day (YYYY-MM-DD in the display zone), the key of every "in force" question.
func (t *turn) day() string { return knowledge.Day(t.now, t.loc) }

// Postback actions of the Section 40 area.
const (
	actS40       = "s40"   // a=s40&t=<topic>[&o=<option>]: a topic's answer
	actS40Vote   = "s40fb" // a=s40fb&t=<topic>&v=y|n: the feedback pair
	voteHelpful  = "y"
	voteUnhelped = "n"
)

// section40Feature answers Section 40 questions from the knowledge data and runs its checks.
func section40Feature() feature {
	return feature{
		flows: []*flow{joinCheckFlow(), chooseFlow(), calcFlow()},
		keywords: []keyword{
			{match: contains("เช็คว่าสมัครได้", "เช็กว่าสมัครได้", "ตรวจว่าสมัครได้", "ตรวจสอบว่าสมัครได้", "ฉันสมัครได้ไหม", "canijoin", "checkifican"), do: func(t *turn) error {
				if age := t.s40Match().Age; age > 0 { // "i am 63, can I join": the answer, not the question again
					t.ageAnswer(age)
					return nil
				}
				return t.startFlow(flowJoin)
			}},
			{match: contains("ช่วยเลือกทางเลือก", "แนะนำทางเลือก", "ทางเลือกไหนเหมาะ", "เหมาะกับฉัน", "helpmechoose", "whichoptionfits"), do: func(t *turn) error { return t.startFlow(flowChoose) }},
			{match: contains("คำนวณ", "คิดเงิน", "calculat"), do: func(t *turn) error { return t.startFlow(flowCalc) }},
			// Not a line about another area that Section 40's words happen to reach (router.go,
			// other areas' subjects): "อบรมได้อะไรบ้าง" is the workshops', "สมัครแกนนำยังไง" the registration's.
			{matchTurn: func(t *turn) bool { return t.s40Match().Topic != "" && !t.aboutOtherArea() }, do: func(t *turn) error { return t.section40Question() }},
		},
		postbacks: map[string]func(t *turn, q url.Values) error{
			actS40: func(t *turn, q url.Values) error {
				o, _ := strconv.Atoi(q.Get("o"))
				t.section40(q.Get("t"), o)
				return nil
			},
			actS40Vote:            func(t *turn, q url.Values) error { return t.s40Vote(q.Get("t"), q.Get("v")) },
			flowJoin + ".start":   func(t *turn, _ url.Values) error { return t.startFlow(flowJoin) },
			flowChoose + ".start": func(t *turn, _ url.Values) error { return t.startFlow(flowChoose) },
			flowCalc + ".start":   func(t *turn, _ url.Values) error { return t.startFlow(flowCalc) },
		},
	}
}

// section40Fallback catches what is about Section 40 but reached no topic, after every other
// area's words had their turn: the three likeliest topics, the hotline and the call-back.
func section40Fallback() feature {
	return feature{keywords: []keyword{{
		// In a form a wrong answer gets the step's own re-prompt, not "did you mean".
		matchTurn: func(t *turn) bool { return t.sess.Flow == "" && t.s40Match().About },
		do:        func(t *turn) error { t.s40NotUnderstood(t.s40Match()); return nil },
	}}}
}

// section40Question answers a typed question: an amount no option costs, asked about the
// options or the contributions, gets the options there are ("๕๐ บาท ได้อะไร"); a number makes
// it a calculation ("นอน รพ. 5 วัน"), an age an eligibility answer ("อายุ 62 สมัครได้ไหม"),
// else the topic's answer, about the option named if one is.
func (t *turn) section40Question() error {
	m := t.s40Match()
	if (m.Topic == "options" || m.Topic == "contribution") && m.Baht > 0 && t.kb().OptionPaying(m.Baht) == 0 {
		t.noSuchOption(m.Baht) // "๕๐ บาท ได้อะไร": there is no such option, and these are the ones
		return nil
	}
	kind, n := calcOf(m)
	switch {
	case kind != "" && n > 0:
		t.calcAnswer(m.Topic, kind, m.Option, n)
		return nil
	case kind != "" && asksHowMuchFor(keywordOf(t.ev.Text)):
		return t.startFlow(flowCalc) // "จ่ายทางเลือก 2 กี่เดือนได้เท่าไร": the calculator, prefilled
	}
	if m.Topic == "age" && m.Age > 0 {
		t.ageAnswer(m.Age)
		return nil
	}
	t.section40(m.Topic, m.Option)
	return nil
}

// asksHowMuchFor reports a question of "how much for how many" without the number.
func asksHowMuchFor(w string) bool {
	return slices.ContainsFunc([]string{"กี่เดือน", "กี่วัน", "กี่ครั้ง", "howmanymonths", "howmanydays"}, func(s string) bool { return strings.Contains(w, s) }) &&
		slices.ContainsFunc([]string{"เท่าไร", "เท่าไหร่", "กี่บาท", "howmuch"}, func(s string) bool { return strings.Contains(w, s) })
}

// ageOmits are the age topic's facts an age verdict leaves out of the answer after it: those it
// says itself (the lower limit; the unsettled upper limit, with the hotline) and, for an age
// that cannot join, those beside the point. So the verdict's hedge and hotline are said once.
var ageOmits = map[string][]string{
	knowledge.AgeUnder: {"E5", "E6", "U-E1"},
	knowledge.AgeAsk:   {"E6"},
	knowledge.AgeOver:  {"E6", "U-E1"},
}

// ageAnswer answers "can I join at this age" from the one age rule, then what the age topic
// adds to it.
func (t *turn) ageAnswer(age int) {
	a, _ := t.kb().AnswerAfter(t.ageVerdict(age), "age", t.english(), t.day(), 0, ageOmits[t.kb().Age.Verdict(age)]...)
	t.out.text(a.Text)
	t.s40Buttons(a)
	t.s40m.answers.WithLabelValues("age").Inc()
}

// noSuchOption answers a question about an amount no option costs a month: that there is no
// such option, then each option with what it costs and gives (the options topic's answer).
func (t *turn) noSuchOption(baht int) {
	n := 0
	for o := 1; o <= 3; o++ {
		if _, ok := t.kb().Amount("contribution", o, t.day()); ok {
			n++
		}
	}
	lead := t.tr("s40.no_option", "Baht", thousands(baht), "N", n)
	a, _ := t.kb().AnswerAfter(lead, "options", t.english(), t.day(), 0)
	t.out.text(a.Text)
	t.s40Buttons(a)
	t.s40m.answers.WithLabelValues(a.Topic).Inc()
}

// calcOf gives the calculator kind and count a matched question asks for, if any.
func calcOf(m knowledge.Match) (string, int) {
	switch m.Topic {
	case "contribution":
		if m.Months == 0 && m.Years > 0 {
			return "contribution", 12 * m.Years // "จ่ายทางเลือก 3 2 ปี": 24 months
		}
		return "contribution", m.Months
	case "inpatient":
		return "inpatient", m.Days
	case "outpatient":
		if m.Visits > 0 {
			return "visit", m.Visits
		}
		return "rest", m.Days
	case "death":
		return "funeral", 0 // the answer itself gives the grant; the calculator is one tap away
	}
	return "", 0
}

func (t *turn) answerOf(topic string, option int) knowledge.Answer {
	a, ok := t.kb().Answer(topic, t.english(), t.day(), option)
	if !ok {
		a, _ = t.kb().Answer("overview", t.english(), t.day(), 0)
	}
	return a
}

// section40 answers topic ("" or unknown: the overview) for today, focused on option 1–3 when
// given.
func (t *turn) section40(topic string, option int) {
	a := t.answerOf(topic, option)
	t.out.text(a.Text)
	t.s40Buttons(a)
	t.s40m.answers.WithLabelValues(a.Topic).Inc()
}

// s40Buttons are the quick replies under an answer: the feedback pair, the next questions,
// the checks it offers, the menu.
func (t *turn) s40Buttons(a knowledge.Answer) {
	bs := []action{
		{Label: t.tr("s40.vote_yes"), Data: "a=" + actS40Vote + "&t=" + a.Topic + "&v=" + voteHelpful, Display: t.tr("s40.vote_yes")},
		{Label: t.tr("s40.vote_no"), Data: "a=" + actS40Vote + "&t=" + a.Topic + "&v=" + voteUnhelped, Display: t.tr("s40.vote_no")},
	}
	bs = append(bs, t.topicActions(a.Next)...)
	for _, f := range a.Flows {
		bs = append(bs, action{Label: t.tr(f + ".button"), Data: "a=" + f + ".start"})
	}
	t.out.buttons(append(bs, action{Label: t.tr("btn.self"), Data: "a=self.start"}, t.menuAction())...)
}

func (t *turn) topicActions(ids []string) []action {
	var bs []action
	for _, id := range ids {
		if tp, ok := t.kb().Topic(id); ok {
			bs = append(bs, action{Label: tp.Button.In(t.english()), Data: "a=s40&t=" + id})
		}
	}
	return bs
}

// defaultTopics fill the "did you mean" buttons when fewer than three topics scored: the
// commonest questions.
var defaultTopics = []string{"contribution", "inpatient", "apply", "who"}

// s40NotUnderstood answers a Section 40 question that reached no topic: never the generic
// fallback alone (issue 10, item 4).
func (t *turn) s40NotUnderstood(m knowledge.Match) {
	t.s40m.missed.Inc()
	ids := m.Candidates
	for _, d := range defaultTopics {
		if len(ids) >= 3 {
			break
		}
		if !strings.Contains(" "+strings.Join(ids, " ")+" ", " "+d+" ") {
			ids = append(ids, d)
		}
	}
	t.out.text(t.tr("s40.not_understood", "Hotline", t.kb().Hotline))
	bs := t.topicActions(ids[:3])
	t.out.buttons(append(bs, action{Label: t.tr("s40.call_me"), Data: "a=self.start"}, t.menuAction())...)
}

// s40Vote stores a feedback tap on a topic's answer. A topic that does not exist (forged or
// from data since replaced) is thanked for and not stored.
func (t *turn) s40Vote(topic, v string) error {
	if _, ok := t.kb().Topic(topic); !ok || (v != voteHelpful && v != voteUnhelped) {
		t.out.text(t.tr("s40.vote_thanks"))
		t.out.buttons(t.section40Action(), t.menuAction())
		return nil
	}
	helpful := v == voteHelpful
	if err := t.store.AddKnowledgeFeedback(t.ctx, topic, helpful, t.now); err != nil {
		return fmt.Errorf("bot: knowledge feedback: %w", err)
	}
	vote := "helpful"
	if !helpful {
		vote = "not_helpful"
	}
	t.s40m.feedback.WithLabelValues(topic, vote).Inc()
	if helpful {
		t.out.text(t.tr("s40.vote_thanks"))
		t.out.buttons(t.section40Action(), t.menuAction())
		return nil
	}
	t.out.text(t.tr("s40.vote_sorry", "Hotline", t.kb().Hotline))
	t.out.buttons(append(t.topicActions([]string{"overview"}), action{Label: t.tr("s40.call_me"), Data: "a=self.start"}, t.menuAction())...)
	return nil
}

// TopicTitle is the Thai name of a Section 40 topic in the knowledge in use ("" when it has no
// such topic), for the officers' feedback list.
func (e *Engine) TopicTitle(id string) string {
	tp, ok := e.kb().Topic(id)
	if !ok {
		return ""
	}
	return tp.Button.TH
}
