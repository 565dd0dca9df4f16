package knowledge

import (
	"strings"
	"time"

	"github.com/ssonet/ssonet/thai"
)

// Answer is the reply to one topic on one day in one language. Answers are built once per
// language and day and shared: never change one.
type Answer struct {
	Topic string
	// Text is the answer: the fact asked about first, then its condition, then at most two
	// related facts, a note with the hotline when something shown is not confirmed (once),
	// the disputed-window note when it applies, and the as-of line.
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
	var shown []Fact
	for _, id := range t.Facts {
		if f, ok := b.Fact(id, day); ok {
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
	var lines []string
	changes := false
	for i, f := range shown {
		line := f.In(en)
		if i >= 2 {
			line = "• " + line
		}
		lines = append(lines, line)
		a.Unresolved = a.Unresolved || f.Unresolved()
		changes = changes || b.Disputed.Until != "" && (f.Until == b.Disputed.Until || f.From == b.Disputed.Until)
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
	text := strings.Join(lines, "\n")
	if a.Unresolved && !strings.Contains(text, b.Hotline) {
		text += "\n" + b.unresolvedNote(en)
	}
	if changes && b.InDisputedWindow(day) {
		text += "\n" + b.Disputed.In(en)
	}
	a.Text = text + "\n" + b.AsOfLine(en, day)
	return a
}

func (b *Base) unresolvedNote(en bool) string {
	if en {
		return "For what is not confirmed yet, call hotline " + b.Hotline + "."
	}
	return "เรื่องที่ยังยืนยันไม่ได้ สอบถามสายด่วน " + b.Hotline + " ค่ะ"
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
