// Package knowledge is the Section 40 knowledge of the bot: facts with their fact-base row,
// status and days in force; the topics people ask about, with the words that reach them; the
// age rule; and the amounts the calculator uses. All of it is data (section40.json, embedded,
// or a file of the same shape named by KNOWLEDGE_FILE), checked by Parse before it is used.
//
// "The fact base" is the project's Section 40 research notes (compiled from public sources,
// revised on 2026-12-01 for Royal Decree No. 5 B.E. 2568); its row ids name where each fact comes
// from: E1–E11 eligibility, 2.1–2.4 contributions and the decree, B1–B14 benefits, P1–P7 applying
// and paying, U-… the items no source confirmed. Its guidance decides what is marked as not
// confirmed: the conflicting, unconfirmed and gap rows only.
//
// Answers are built once per language and day (Base.Answer) and are immutable; understanding a
// question (Base.Match) is folding, synonyms and tolerant matching over the topics' keys, with
// no network call.
package knowledge

import (
	_ "embed"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rivo/uniseg"
)

// embedded is the knowledge data built into the program.
//
//go:embed section40.json
var embedded []byte

// Required are the topic and fact ids the bot's code names (the calculator's kinds, the
// option chooser's reasons, the "did you mean" defaults, the age limits an age verdict
// states); a knowledge file must keep them.
var Required = struct{ Topics, Facts []string }{
	Topics: []string{"overview", "contribution", "inpatient", "outpatient", "death", "age", "who", "options", "apply", "documents"},
	Facts:  []string{"2.1-o1", "2.1-o2", "2.1-o3", "B1", "B3", "B5", "B6", "B12", "B14-sick", "B14-death", "E5", "E6"},
}

// Flows are the self-service checks a topic may offer as buttons (Topic.Flows); the bot
// defines a form for each.
var Flows = []string{"s40join", "s40choose", "s40calc"}

// Statuses a fact may have. Confirmed and reported facts are stated plainly; the other three
// are unresolved: shown as such, with the hotline once per answer (the fact base's guidance).
const (
	Confirmed   = "confirmed"
	Reported    = "reported"
	Conflicting = "conflicting"
	Unconfirmed = "unconfirmed"
	Gap         = "gap"
)

var statuses = []string{Confirmed, Reported, Conflicting, Unconfirmed, Gap}

// NoRow is the row of a gap no row of the fact base covers (how to leave Section 40): what the
// bot says then is that it cannot confirm it, and the hotline.
const NoRow = "none"

// Text is a text in Thai and English.
type Text struct {
	TH string `json:"th"`
	EN string `json:"en"`
}

// In returns the English text when en is true, else the Thai.
func (t Text) In(en bool) string {
	if en {
		return t.EN
	}
	return t.TH
}

// Fact is one statement of the fact base, in force from From (inclusive) until Until
// (exclusive); both are YYYY-MM-DD days in the display zone and may be empty (no bound).
// A superseded figure is a fact whose Until is the day its successor's From is.
type Fact struct {
	Text
	ID      string         `json:"id"`      // unique among facts in force on one day; topics name it
	Row     string         `json:"row"`     // the fact base's row, e.g. "B2" or "E7, E8"; NoRow for a gap no row covers
	Status  string         `json:"status"`  // one of the status constants
	From    string         `json:"from"`    // first day in force; "" = always
	Until   string         `json:"until"`   // first day no longer in force; "" = still
	Options []int          `json:"options"` // contribution options the fact is about; empty = all
	Calc    string         `json:"calc"`    // calculator kind: contribution (baht a month), inpatient, rest (baht a day), visit (baht a visit), sickdays (days a year), funeral (baht)
	Amounts map[string]int `json:"amounts"` // by option "1".."3", for Calc
	Limit   int            `json:"limit"`   // visits a year, for Calc visit
}

// InForce reports whether f applies on day (YYYY-MM-DD).
func (f Fact) InForce(day string) bool {
	return (f.From == "" || f.From <= day) && (f.Until == "" || day < f.Until)
}

// Unresolved reports whether f must be presented as not confirmed.
func (f Fact) Unresolved() bool {
	return f.Status == Conflicting || f.Status == Unconfirmed || f.Status == Gap
}

func (f Fact) about(option int) bool {
	return len(f.Options) == 0 || slices.Contains(f.Options, option)
}

// Topic is one thing people ask about (the fact base's "Common questions").
type Topic struct {
	ID     string   `json:"id"`
	Button Text     `json:"button"` // quick-reply label, at most 20 grapheme clusters (line-platform.md row 16)
	Facts  []string `json:"facts"`  // fact ids, answer first; those not in force on the day are left out
	Next   []string `json:"next"`   // topics offered as the next questions
	Flows  []string `json:"flows"`  // self-service checks offered (Flows)
	Keys   []string `json:"keys"`   // phrases that reach the topic, matched after folding; "~" first halves the weight, "#" is any number
}

// Rule names the rules in force from a day, for the as-of line.
type Rule struct {
	Text
	From string `json:"from"`
}

// Disputed is a window in which the start of new rules is not settled (fact base §2.4): an
// answer on a day in it that shows a figure changing at its end says so and gives the hotline.
type Disputed struct {
	Text
	Row   string `json:"row"`
	From  string `json:"from"`
	Until string `json:"until"`
}

// AgeRule is the Section 40 age rule in completed years, the one used by the answers, the
// referral form and the eligibility check: Min..Max may join; Max+1..AskUpTo are accepted with
// "ask the hotline to confirm" (the sources disagree on the upper limit); others may not.
type AgeRule struct {
	Rows    string `json:"rows"`
	Min     int    `json:"min"`
	Max     int    `json:"max"`
	AskUpTo int    `json:"askUpTo"`
}

// Age verdicts of AgeRule.Verdict.
const (
	AgeUnder = "under"
	AgeYes   = "yes"
	AgeAsk   = "ask"
	AgeOver  = "over"
)

// Verdict places age (completed years) in the rule.
func (r AgeRule) Verdict(age int) string {
	switch {
	case age < r.Min:
		return AgeUnder
	case age <= r.Max:
		return AgeYes
	case age <= r.AskUpTo:
		return AgeAsk
	}
	return AgeOver
}

// Base is parsed, checked knowledge data. It is safe for concurrent use and never changes;
// a reload makes a new Base.
type Base struct {
	AsOf     string              `json:"asOf"` // YYYY-MM-DD the data was brought up to date
	Hotline  string              `json:"hotline"`
	Website  string              `json:"website"`
	Rules    []Rule              `json:"rules"`
	Disputed Disputed            `json:"disputed"`
	Age      AgeRule             `json:"age"`
	Facts    []Fact              `json:"facts"`
	Synonyms map[string][]string `json:"synonyms"` // canonical word → the ways people type it
	Domain   []string            `json:"domain"`   // words that make a message about Section 40; Latin ones are matched before synonyms ("money" is not every "เงิน")
	Mentions []string            `json:"mentions"` // words naming Section 40 itself, dropped before matching (alone: the overview)
	Topics   []Topic             `json:"topics"`

	topics      map[string]int
	folder      *folder
	keys        []key
	domain      []string // folded Thai domain words
	latinDomain []string // Latin domain words, without spaces, matched in the text before synonyms
	mentions    []string
	asOf        time.Time
	cacheMu     sync.Mutex
	cache       map[cacheKey]*dayAnswers
}

// Embedded returns the knowledge built into the program.
func Embedded() (*Base, error) { return Parse(embedded, "bot/knowledge/section40.json") }

// LoadFile reads and checks the knowledge file at path (KNOWLEDGE_FILE).
func LoadFile(path string) (*Base, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("knowledge: %w", err)
	}
	return Parse(data, path)
}

// Topic returns the topic with that id.
func (b *Base) Topic(id string) (Topic, bool) {
	i, ok := b.topics[id]
	if !ok {
		return Topic{}, false
	}
	return b.Topics[i], true
}

// Fact returns the fact with that id in force on day.
func (b *Base) Fact(id, day string) (Fact, bool) {
	for _, f := range b.Facts {
		if f.ID == id && f.InForce(day) {
			return f, true
		}
	}
	return Fact{}, false
}

// RuleOn returns the name of the rules in force on day ("" before the first).
func (b *Base) RuleOn(day string) Text {
	var r Text
	for _, x := range b.Rules {
		if x.From <= day {
			r = x.Text
		}
	}
	return r
}

// InDisputedWindow reports whether day falls in the window whose rules are being confirmed.
func (b *Base) InDisputedWindow(day string) bool {
	return b.Disputed.From != "" && b.Disputed.From <= day && day < b.Disputed.Until
}

// Amount is what the calculator reads for one kind and option on a day.
type Amount struct {
	Value int  // baht (a month, a day, a visit, once) or days a year, per Fact.Calc
	Limit int  // visits a year for kind visit; 0 otherwise
	Fact  Fact // the fact it comes from
}

// Amount returns the figure of calculator kind for option on day; false when no fact in force
// gives one (option 3's visits before 2026, for instance).
func (b *Base) Amount(kind string, option int, day string) (Amount, bool) {
	for _, f := range b.Facts {
		if f.Calc != kind || !f.InForce(day) {
			continue
		}
		if v, ok := f.Amounts[fmt.Sprint(option)]; ok {
			return Amount{Value: v, Limit: f.Limit, Fact: f}, true
		}
	}
	return Amount{}, false
}

// Day returns the YYYY-MM-DD day of t in loc (the display zone), the key of every "in force
// on" question.
func Day(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.DateOnly) }

// Parse reads knowledge data and checks it. name is the file it came from; every error names
// it, and a fact's error its id and row, e.g.
//
//	knowledge: /etc/ssonet/s40.json: fact "B2" (row B2): until "2026-13-01" is not a date (YYYY-MM-DD)
func Parse(data []byte, name string) (*Base, error) {
	b, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("knowledge: %s: %w", name, err)
	}
	return b, nil
}

func parse(data []byte) (*Base, error) {
	var b Base
	if err := decodeStrict(data, &b); err != nil {
		return nil, err
	}
	var err error
	if b.asOf, err = time.Parse(time.DateOnly, b.AsOf); err != nil {
		return nil, fmt.Errorf("asOf %q is not a date (YYYY-MM-DD)", b.AsOf)
	}
	if strings.TrimSpace(b.Hotline) == "" || strings.TrimSpace(b.Website) == "" {
		return nil, fmt.Errorf("hotline and website are required")
	}
	if err := b.checkFacts(); err != nil {
		return nil, err
	}
	if err := b.checkTopics(); err != nil {
		return nil, err
	}
	if err := b.checkRest(); err != nil {
		return nil, err
	}
	b.folder = newFolder(b.Synonyms)
	for _, t := range b.Topics {
		for _, k := range t.Keys {
			b.folder.learn(strings.ReplaceAll(k, "+", " "))
		}
	}
	b.folder.learn(b.Domain...)
	for _, m := range b.Mentions {
		if w := b.folder.fold(m); w != "" {
			b.mentions = append(b.mentions, w)
		}
	}
	if b.keys, err = b.compileKeys(); err != nil {
		return nil, err
	}
	for _, d := range b.Domain {
		if w := b.folder.clean(d); isLatin(w) {
			b.latinDomain = append(b.latinDomain, w)
		} else if w := b.folder.fold(d); w != "" {
			b.domain = append(b.domain, w)
		}
	}
	b.cache = map[cacheKey]*dayAnswers{}
	return &b, nil
}

func isDay(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

func (b *Base) checkFacts() error {
	if len(b.Facts) == 0 {
		return fmt.Errorf("no facts")
	}
	for i, f := range b.Facts {
		where := fmt.Sprintf("fact %q (row %s)", f.ID, f.Row)
		switch {
		case f.ID == "":
			return fmt.Errorf("fact number %d has no id", i+1)
		case f.Row == "":
			return fmt.Errorf("%s: no fact-base row", where)
		case f.Row == NoRow && f.Status != Gap:
			return fmt.Errorf("%s: only a gap may have no fact-base row", where)
		case !slices.Contains(statuses, f.Status):
			return fmt.Errorf("%s: status %q is not one of %s", where, f.Status, strings.Join(statuses, ", "))
		case strings.TrimSpace(f.TH) == "" || strings.TrimSpace(f.EN) == "":
			return fmt.Errorf("%s: needs both a Thai and an English text", where)
		case f.From != "" && !isDay(f.From):
			return fmt.Errorf("%s: from %q is not a date (YYYY-MM-DD)", where, f.From)
		case f.Until != "" && !isDay(f.Until):
			return fmt.Errorf("%s: until %q is not a date (YYYY-MM-DD)", where, f.Until)
		case f.From != "" && f.Until != "" && f.Until <= f.From:
			return fmt.Errorf("%s: until %s is not after from %s", where, f.Until, f.From)
		}
		for _, o := range f.Options {
			if o < 1 || o > 3 {
				return fmt.Errorf("%s: option %d is not 1, 2 or 3", where, o)
			}
		}
		if err := checkCalc(f); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		for _, g := range b.Facts[:i] {
			if g.ID == f.ID && overlap(f, g) {
				return fmt.Errorf("%s: two versions in force on the same day (give one an until and the other a from)", where)
			}
			if f.Calc != "" && g.Calc == f.Calc && overlap(f, g) {
				for o := range f.Amounts {
					if _, dup := g.Amounts[o]; dup {
						return fmt.Errorf("%s: %s for option %s is also given by fact %q on the same days", where, f.Calc, o, g.ID)
					}
				}
			}
		}
	}
	return nil
}

var calcKinds = []string{"contribution", "inpatient", "rest", "visit", "sickdays", "funeral"}

func checkCalc(f Fact) error {
	if f.Calc == "" {
		if len(f.Amounts) > 0 || f.Limit != 0 {
			return fmt.Errorf("amounts without a calc kind")
		}
		return nil
	}
	if !slices.Contains(calcKinds, f.Calc) {
		return fmt.Errorf("calc %q is not one of %s", f.Calc, strings.Join(calcKinds, ", "))
	}
	if len(f.Amounts) == 0 {
		return fmt.Errorf("calc %s needs amounts by option", f.Calc)
	}
	for o, v := range f.Amounts {
		if o != "1" && o != "2" && o != "3" {
			return fmt.Errorf("amounts: option %q is not 1, 2 or 3", o)
		}
		if v <= 0 {
			return fmt.Errorf("amounts: option %s: %d is not a positive amount", o, v)
		}
		if !strings.Contains(strings.ReplaceAll(f.TH, ",", ""), fmt.Sprint(v)) || !strings.Contains(strings.ReplaceAll(f.EN, ",", ""), fmt.Sprint(v)) {
			return fmt.Errorf("amounts: option %s: %d does not appear in the texts", o, v)
		}
	}
	if (f.Calc == "visit") != (f.Limit > 0) {
		return fmt.Errorf("limit (visits a year) is for calc visit only, and required there")
	}
	return nil
}

// overlap reports whether two facts are in force on a common day.
func overlap(f, g Fact) bool {
	// [f.From, f.Until) ∩ [g.From, g.Until) ≠ ∅, empty bounds open.
	return (f.Until == "" || g.From == "" || g.From < f.Until) && (g.Until == "" || f.From == "" || f.From < g.Until)
}

func (b *Base) checkTopics() error {
	if len(b.Topics) == 0 {
		return fmt.Errorf("no topics")
	}
	b.topics = map[string]int{}
	for i, t := range b.Topics {
		if t.ID == "" {
			return fmt.Errorf("topic number %d has no id", i+1)
		}
		if _, dup := b.topics[t.ID]; dup {
			return fmt.Errorf("topic %q is defined twice", t.ID)
		}
		b.topics[t.ID] = i
	}
	for _, id := range Required.Topics {
		if _, ok := b.topics[id]; !ok {
			return fmt.Errorf("topic %q is missing (the bot's code uses it)", id)
		}
	}
	for _, id := range Required.Facts {
		if !slices.ContainsFunc(b.Facts, func(f Fact) bool { return f.ID == id }) {
			return fmt.Errorf("fact %q is missing (the bot's code uses it)", id)
		}
	}
	for _, t := range b.Topics {
		where := fmt.Sprintf("topic %q", t.ID)
		switch {
		case t.Button.TH == "" || t.Button.EN == "":
			return fmt.Errorf("%s: needs a Thai and an English button label", where)
		case uniseg.GraphemeClusterCount(t.Button.TH) > 20 || uniseg.GraphemeClusterCount(t.Button.EN) > 20:
			return fmt.Errorf("%s: button label longer than 20 characters (LINE quick reply)", where)
		case len(t.Facts) == 0:
			return fmt.Errorf("%s: no facts", where)
		case len(t.Keys) == 0:
			return fmt.Errorf("%s: no keys", where)
		}
		for _, id := range t.Facts {
			if !slices.ContainsFunc(b.Facts, func(f Fact) bool { return f.ID == id }) {
				return fmt.Errorf("%s: fact %q does not exist", where, id)
			}
		}
		for _, n := range t.Next {
			if _, ok := b.topics[n]; !ok || n == t.ID {
				return fmt.Errorf("%s: next topic %q does not exist", where, n)
			}
		}
		for _, fl := range t.Flows {
			if !slices.Contains(Flows, fl) {
				return fmt.Errorf("%s: flow %q is not one of %s", where, fl, strings.Join(Flows, ", "))
			}
		}
	}
	return nil
}

func (b *Base) checkRest() error {
	a := b.Age
	if a.Rows == "" || a.Min < 1 || a.Max < a.Min || a.AskUpTo < a.Max {
		return fmt.Errorf("age: needs rows and 0 < min <= max <= askUpTo (got %d, %d, %d)", a.Min, a.Max, a.AskUpTo)
	}
	for _, r := range b.Rules {
		if !isDay(r.From) || r.TH == "" || r.EN == "" {
			return fmt.Errorf("rules: each needs a from date and both texts")
		}
	}
	if d := b.Disputed; d.From != "" || d.Until != "" {
		if !isDay(d.From) || !isDay(d.Until) || d.Until <= d.From || d.Row == "" || d.TH == "" || d.EN == "" {
			return fmt.Errorf("disputed (row %s): needs row, from < until and both texts", d.Row)
		}
	}
	return nil
}
