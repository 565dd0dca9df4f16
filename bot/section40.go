package bot

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// The Section 40 knowledge data: facts with their status and validity, written from
// ../shared/knowledge/section40.md. Officers can correct it as data; texts around it are in the
// catalogs.
//
//go:embed knowledge/section40.json
var knowledgeJSON []byte

// knowledge is the parsed Section 40 data.
type knowledge struct {
	AsOf          string           `json:"asOf"` // YYYY-MM-DD the facts were compiled
	Hotline       string           `json:"hotline"`
	HotlineStatus string           `json:"hotlineStatus"`
	Website       string           `json:"website"`
	Topics        map[string]topic `json:"topics"`
	asOf          time.Time
}

type topic struct {
	Title localized `json:"title"`
	Intro localized `json:"intro"`
	Facts []fact    `json:"facts"`
}

// fact is one statement. Status is confirmed, unconfirmed, conflicting or reported; anything but
// confirmed is shown with a mark and never as certain (DEVELOPERS.md: UNCONFIRMED figures).
type fact struct {
	localized
	Ref            string `json:"ref"` // row of section40.md
	Status         string `json:"status"`
	EffectiveFrom  string `json:"effectiveFrom,omitempty"`  // YYYY-MM-DD, inclusive
	EffectiveUntil string `json:"effectiveUntil,omitempty"` // YYYY-MM-DD, exclusive
}

type localized struct {
	TH string `json:"th"`
	EN string `json:"en"`
}

func (l localized) in(lang store.Language) string {
	if lang == store.LangEnglish && l.EN != "" {
		return l.EN
	}
	return l.TH
}

var factStatuses = map[string]bool{"confirmed": true, "unconfirmed": true, "conflicting": true, "reported": true}

func loadKnowledge() (*knowledge, error) {
	var k knowledge
	if err := json.Unmarshal(knowledgeJSON, &k); err != nil {
		return nil, fmt.Errorf("bot: section40.json: %w", err)
	}
	var err error
	if k.asOf, err = time.Parse(time.DateOnly, k.AsOf); err != nil {
		return nil, fmt.Errorf("bot: section40.json asOf: %w", err)
	}
	for name, tp := range k.Topics {
		for _, f := range tp.Facts {
			if !factStatuses[f.Status] {
				return nil, fmt.Errorf("bot: section40.json topic %s: fact %q has status %q", name, f.Ref, f.Status)
			}
			for _, d := range []string{f.EffectiveFrom, f.EffectiveUntil} {
				if _, err := time.Parse(time.DateOnly, d); d != "" && err != nil {
					return nil, fmt.Errorf("bot: section40.json topic %s: fact %q: %w", name, f.Ref, err)
				}
			}
		}
	}
	if _, ok := k.Topics["overview"]; !ok {
		return nil, fmt.Errorf("bot: section40.json has no overview topic")
	}
	return &k, nil
}

// inForce reports whether the fact applies on day (YYYY-MM-DD in the display zone).
func (f fact) inForce(day string) bool {
	return (f.EffectiveFrom == "" || f.EffectiveFrom <= day) && (f.EffectiveUntil == "" || day < f.EffectiveUntil)
}

// section40 answers a Section 40 topic ("" = overview) with the facts in force today, marking
// any that are not confirmed, the as-of date and where to check (CONVERSATIONS.md sample).
func (t *turn) section40(name string) {
	if name == "" {
		name = "overview"
	}
	tp, ok := t.kb.Topics[name]
	if !ok {
		tp = t.kb.Topics["overview"]
	}
	day := t.now.In(t.loc).Format(time.DateOnly)
	var b strings.Builder
	b.WriteString(tp.Intro.in(t.member.Language))
	marked := false
	for _, f := range tp.Facts {
		if !f.inForce(day) {
			continue
		}
		b.WriteString("\n• " + f.in(t.member.Language))
		if f.Status != "confirmed" {
			b.WriteString(" " + t.tr("s40.mark"))
			marked = true
		}
	}
	if marked {
		b.WriteString("\n" + t.tr("s40.mark_note"))
	}
	asOf := thai.FormatDate(t.kb.asOf, time.UTC)
	if t.english() {
		asOf = thai.FormatDateEN(t.kb.asOf, time.UTC)
	}
	b.WriteString("\n\n" + t.tr("s40.as_of", "Date", asOf, "Hotline", t.kb.Hotline, "Website", t.kb.Website))
	t.out.text(b.String())
	var acts []action
	for _, other := range []string{"choose", "apply", "who", "overview"} {
		if other != name {
			acts = append(acts, action{Label: t.tr("s40.topic." + other), Data: "a=s40&t=" + other})
		}
	}
	t.out.buttons(append(acts, action{Label: t.tr("btn.self"), Data: "a=self.start"}, t.menuAction())...)
}
