package knowledge

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

type phrasing struct{ topic, text string }

func readCorpus(t *testing.T, path string) []phrasing {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []phrasing
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		topic, text, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("%s:%d: want topic<TAB>phrasing", path, n)
		}
		out = append(out, phrasing{topic, text})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// reached is the topic a phrasing reaches: the matched topic, or "-" when none.
func reached(b *Base, text string) string {
	if m := b.Match(text); m.Topic != "" {
		return m.Topic
	}
	return "-"
}

// commonQuestions are the topics of the fact base's "Common questions" rows Q1–Q24 (Q3 and Q4
// are in-patient and out-patient, Q22 the hotline).
var commonQuestions = []string{"contribution", "options", "inpatient", "outpatient", "sickdays", "death",
	"disability", "oldage", "child", "age", "who", "insured", "apply", "documents", "pay", "missed",
	"change", "claim", "medical", "covid", "newrules", "hotline", "apps", "tax"}

// minAccuracy is the share of each part of the corpus that must reach its labelled topic.
const (
	minTuned    = 0.95
	minHeldOut  = 0.80
	minPerTopic = 5
)

// TestCorpus runs the labelled phrasings through Match and prints the accuracy of each part.
// The tuning part lists its misses, and fails on any of its "-" phrasings (not Section 40)
// that reaches a topic; the held-out part (written before the matcher and never tuned on)
// reports its accuracy only, so that tuning cannot creep into it.
func TestCorpus(t *testing.T) {
	b, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	tuned := readCorpus(t, "testdata/corpus.tsv")
	held := readCorpus(t, "testdata/heldout.tsv")
	if n := len(tuned) + len(held); n < 200 {
		t.Errorf("corpus has %d phrasings, want at least 200", n)
	}
	per := map[string]int{}
	for _, p := range append(tuned, held...) {
		if _, ok := b.Topic(p.topic); !ok && p.topic != "-" {
			t.Errorf("phrasing %q labelled with unknown topic %q", p.text, p.topic)
		}
		per[p.topic]++
	}
	for _, q := range commonQuestions {
		if per[q] < minPerTopic {
			t.Errorf("common question %s has %d phrasings, want at least %d", q, per[q], minPerTopic)
		}
	}
	score := func(ps []phrasing, list bool) float64 {
		ok := 0
		for _, p := range ps {
			if got := reached(b, p.text); got == p.topic {
				ok++
			} else if list && p.topic == "-" {
				// A word added for Section 40 must not take another area's message.
				t.Errorf("%q is not about Section 40 but reaches %s", p.text, got)
			} else if list {
				t.Logf("miss: %q → %s, want %s (candidates %v)", p.text, got, p.topic, b.Match(p.text).Candidates)
			}
		}
		return float64(ok) / float64(len(ps))
	}
	tAcc, hAcc := score(tuned, true), score(held, false)
	t.Logf("corpus accuracy: tuning part %.1f%% of %d, held-out part %.1f%% of %d", 100*tAcc, len(tuned), 100*hAcc, len(held))
	if tAcc < minTuned {
		t.Errorf("tuning part accuracy %.1f%% below %.0f%%", 100*tAcc, 100*minTuned)
	}
	if hAcc < minHeldOut {
		t.Errorf("held-out accuracy %.1f%% below %.0f%%", 100*hAcc, 100*minHeldOut)
	}
}
