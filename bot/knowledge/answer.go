package knowledge

import (
	"slices"
	"strings"
	"time"

	"github.com/ssonet/ssonet/thai"
)

// Answer is the reply to one topic on one day in one language. Answers are built once per
// language and day and shared: never change one.
type Answer struct {
	Topic string
	// Text is the answer: the fact asked about first, then its condition, then at most two
	// related facts (a List), the disputed-window note when it applies, a note with the hotline
	// when something shown is not confirmed and the hotline was not given yet (it is given once
	// in all), and the as-of line.
	Text       string
	Facts      []Fact   // the facts shown, in order
	Next       []string // topic ids to offer as the next questions
	Flows      []string // self-service checks to offer
	Unresolved bool     // something shown is not confirmed
}

// maxFacts is how many facts one answer shows: the answer, its condition, two related.
const maxFacts = 4

type cacheKey struct {
	en  bool
	day string
}

// dayAnswers holds every topic's answers of one language and day, by option focus 0–3.
type dayAnswers struct {
	byTopic map[string][4]Answer
}

// maxCachedDays bounds the cache; days change slowly, so a handful is plenty.
const maxCachedDays = 8

// Answer returns topic's answer in English (en) or Thai on day (YYYY-MM-DD). option 1–3 puts
// the facts about that option only (a question about "ทางเลือก 3"); 0 shows all. It is false
// for an unknown topic.
func (b *Base) Answer(topic string, en bool, day string, option int) (Answer, bool) {
	if option < 0 || option > 3 {
		option = 0
	}
	as, ok := b.day(en, day).byTopic[topic]
	if !ok {
		return Answer{}, false
	}
	return as[option], true
}

func (b *Base) day(en bool, day string) *dayAnswers {
	k := cacheKey{en, day}
	b.cacheMu.Lock()
	defer b.cacheMu.Unlock()
	if d, ok := b.cache[k]; ok {
		return d
	}
	if len(b.cache) >= maxCachedDays {
		clear(b.cache)
	}
	d := &dayAnswers{byTopic: make(map[string][4]Answer, len(b.Topics))}
	for _, t := range b.Topics {
		var as [4]Answer
		for o := range as {
			as[o] = b.build(t, en, day, o)
		}
		d.byTopic[t.ID] = as
	}
	b.cache[k] = d
	return d
}

// builds counts the (language, day) sets of answers in the cache, for the tests of the
// cache.
func (b *Base) builds() int {
	b.cacheMu.Lock()
	defer b.cacheMu.Unlock()
	return len(b.cache)
}

func (b *Base) build(t Topic, en bool, day string, option int) Answer {
	return b.compose(t, en, day, option, "", nil)
}

// AnswerAfter is topic's answer as the second part of a reply whose first part, lead, the bot
// wrote itself: the facts named in omit (those lead already says, or makes beside the point:
// the age verdict says the age limits) are left out, and the hotline is not given again when
// lead gives it. The answer's Text starts with lead. It is built for each call, not cached. It
// is false for an unknown topic.
func (b *Base) AnswerAfter(lead, topic string, en bool, day string, option int, omit ...string) (Answer, bool) {
	i, ok := b.topics[topic]
	if !ok {
		return Answer{}, false
	}
	if option < 0 || option > 3 {
		option = 0
	}
	return b.compose(b.Topics[i], en, day, option, lead, omit), true
}

// Bullet starts each item of a list in a Section 40 answer, as in the bot's help: the one list
// marker the answers use.
const Bullet = "• "

// List writes items one a line: a single item as it is, two or more each after Bullet.
func List(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "\n")
	}
	return Bullet + strings.Join(items, "\n"+Bullet)
}

// compose builds topic t's answer for language en, day and option focus, after lead (see
// AnswerAfter; "" for none) without the facts in omit. The facts are a list (List); then the
// disputed window's note, when a figure shown changes at its end and no fact of the disputed
// row already says so; then, when something shown is not confirmed and nothing before gave
// the hotline, the hotline note. The hotline is given once: the disputed note, which gives it
// too, is left out when it was given already. The as-of line ends it. Each unresolved fact
// carries its own hedge, said once: no note repeats it.
func (b *Base) compose(t Topic, en bool, day string, option int, lead string, omit []string) Answer {
	var shown []Fact
	for _, id := range t.Facts {
		if f, ok := b.Fact(id, day); ok && !slices.Contains(omit, id) {
			shown = append(shown, f)
		}
	}
	if option > 0 {
		var about []Fact
		for _, f := range shown {
			if f.about(option) {
				about = append(about, f)
			}
		}
		if len(about) > 0 {
			shown = about
		}
	}
	if len(shown) > maxFacts {
		shown = shown[:maxFacts]
	}
	a := Answer{Topic: t.ID, Facts: shown, Next: t.Next, Flows: t.Flows}
	var items []string
	changes, disputedShown := false, false
	for _, f := range shown {
		items = append(items, f.In(en))
		a.Unresolved = a.Unresolved || f.Unresolved()
		changes = changes || b.Disputed.Until != "" && (f.Until == b.Disputed.Until || f.From == b.Disputed.Until)
		disputedShown = disputedShown || f.Row == b.Disputed.Row && f.Unresolved()
	}
	if !changes && b.InDisputedWindow(day) {
		// A figure shown may be about to change: the topic has a version starting at the end of
		// the window that is not in force yet.
		for _, id := range t.Facts {
			for _, f := range b.Facts {
				changes = changes || f.ID == id && f.From == b.Disputed.Until
			}
		}
	}
	var parts []string
	if lead != "" {
		parts = append(parts, lead)
		if len(items) > 0 {
			parts = append(parts, "") // a blank line between the bot's words and the facts
		}
	}
	if len(items) > 0 {
		parts = append(parts, List(items))
	}
	hotlineSaid := func() bool { return strings.Contains(strings.Join(parts, "\n"), b.Hotline) }
	// The disputed note gives the hotline itself; it is left out when a fact shown already
	// gave it (or says the same, being of the disputed row).
	if changes && b.InDisputedWindow(day) && !disputedShown && !(hotlineSaid() && strings.Contains(b.Disputed.In(en), b.Hotline)) {
		parts = append(parts, b.Disputed.In(en))
	}
	if a.Unresolved && !hotlineSaid() {
		parts = append(parts, b.unresolvedNote(en))
	}
	a.Text = strings.Join(append(parts, b.AsOfLine(en, day)), "\n")
	return a
}

// unresolvedNote gives the hotline for what an answer shows as not confirmed; the facts say
// which those are, so the note does not say it again.
func (b *Base) unresolvedNote(en bool) string {
	if en {
		return "To be sure, call hotline " + b.Hotline + "."
	}
	return "สอบถามให้แน่ใจได้ที่สายด่วน " + b.Hotline + " ค่ะ"
}

// AsOfLine is the last line of every answer: the rules in force on day and the date of the
// data, "(ตาม พ.ร.ฎ. ฉบับที่ 5 พ.ศ. 2568 · ข้อมูล ณ 1 ธ.ค. 2569)".
func (b *Base) AsOfLine(en bool, day string) string {
	var date, label string
	if en {
		date, label = thai.FormatDateEN(b.asOf, time.UTC), "information as of "
	} else {
		date, label = thai.FormatDate(b.asOf, time.UTC), "ข้อมูล ณ "
	}
	if r := b.RuleOn(day).In(en); r != "" {
		return "(" + r + " · " + label + date + ")"
	}
	return "(" + label + date + ")"
}
