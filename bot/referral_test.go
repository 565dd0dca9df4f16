package bot

import (
	"errors"
	"testing"
	"time"

	"github.com/ssonet/ssonet/bot/knowledge"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// TestParseBirthAgeRule checks the birth step on 30 Nov 2026 in Bangkok: ages and dates in
// either era, Thai digits, two-digit years, impossible and future dates, and the Section 40 age
// rule at its edges (15–60 yes; 61–65 accepted with a note that the limit is to be confirmed; over 65 refused), from the knowledge data.
func TestParseBirthAgeRule(t *testing.T) {
	cat, err := newCatalog()
	if err != nil {
		t.Fatal(err)
	}
	kb, err := knowledge.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	loc := time.FixedZone("ICT", 7*3600)
	now := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC) // 10:00 in Bangkok
	for _, tc := range []struct {
		name, in  string
		want      string // stored value; "" when refused
		wantKey   string // re-prompt catalog key when refused
		wantNote  bool   // the upper-limit note was added
		wantAgeOf int    // the age birthOf derives from want
	}{
		{name: "age", in: "45", want: "a:45", wantAgeOf: 45},
		{name: "age with ปี", in: "45 ปี", want: "a:45", wantAgeOf: 45},
		{name: "age in thai digits", in: "๔๕", want: "a:45", wantAgeOf: 45},
		{name: "BE date", in: "12/5/2523", want: "d:1980-05-12", wantAgeOf: 46},
		{name: "two-digit BE year", in: "12 พ.ค. 23", want: "d:1980-05-12", wantAgeOf: 46},
		{name: "CE date", in: "1980-05-12", want: "d:1980-05-12", wantAgeOf: 46},
		{name: "CE date, english month", in: "12 May 1980", want: "d:1980-05-12", wantAgeOf: 46},
		{name: "thai digits date", in: "๑๒/๕/๒๕๒๓", want: "d:1980-05-12", wantAgeOf: 46},
		{name: "15 today", in: "30/11/2554", want: "d:2011-11-30", wantAgeOf: 15},
		{name: "15 tomorrow", in: "1/12/2554", wantKey: "err.age_under"},
		{name: "age 15", in: "15", want: "a:15", wantAgeOf: 15},
		{name: "age 14", in: "14", wantKey: "err.age_under"},
		{name: "age 59", in: "59", want: "a:59", wantAgeOf: 59},
		{name: "age 60", in: "60", want: "a:60", wantAgeOf: 60},
		{name: "age 61", in: "61", want: "a:61", wantNote: true, wantAgeOf: 61},
		{name: "age 65", in: "65", want: "a:65", wantNote: true, wantAgeOf: 65},
		{name: "65 by date", in: "30/11/2504", want: "d:1961-11-30", wantNote: true, wantAgeOf: 65},
		{name: "66 by date", in: "29/11/2503", wantKey: "err.age_over"},
		{name: "age 66", in: "66", wantKey: "err.age_over"},
		{name: "future", in: "1/1/2570", wantKey: "err.birth_future"},
		{name: "impossible date", in: "31/2/2523", wantKey: "err.date.invalid"},
		{name: "year out of range", in: "1/1/1850", wantKey: "err.date.year"},
		{name: "too old for an age", in: "200", wantKey: "err.age.range"},
		{name: "negative", in: "-5", wantKey: "err.birth"},
		{name: "guessed age", in: "ประมาณ 40", want: "a:40", wantAgeOf: 40},
		{name: "guessed age with ปี", in: "อายุประมาณ 40 ปี", want: "a:40", wantAgeOf: 40},
		{name: "don't know", in: "ไม่ทราบ", wantKey: "err.birth_unsure"},
		{name: "don't know, polite", in: "ไม่รู้ค่ะ", wantKey: "err.birth_unsure"},
		{name: "words", in: "ถามก่อนนะ", wantKey: "err.birth"},
		{name: "emoji", in: "🎂", wantKey: "err.birth"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &Engine{cat: cat, loc: loc}
			e.know.Store(kb)
			tr := &turn{Engine: e, now: now, member: store.Member{Language: store.LangThai}}
			got, err := parseBirth(tr, tc.in)
			key := ""
			var rp *reprompt
			var ie *thai.InputError
			switch {
			case errors.As(err, &rp):
				key = rp.key
			case errors.As(err, &ie):
				key = "err." + ie.Key
			case err != nil:
				t.Fatalf("parseBirth(%q): %v", tc.in, err)
			}
			if got != tc.want || key != tc.wantKey {
				t.Fatalf("parseBirth(%q) = %q, %q; want %q, %q", tc.in, got, key, tc.want, tc.wantKey)
			}
			if note := len(tr.out.msgs) > 0; note != tc.wantNote {
				t.Errorf("upper-limit note shown = %v, want %v", note, tc.wantNote)
			}
			if got != "" {
				if _, age := tr.birthOf(got); age != tc.wantAgeOf {
					t.Errorf("birthOf(%q) age = %d, want %d", got, age, tc.wantAgeOf)
				}
			}
		})
	}
}

func TestParseOption(t *testing.T) {
	for in, want := range map[string]string{
		"1": "1", "๒": "2", "ทางเลือก 3": "3", "Option 1": "1", "ยังไม่แน่ใจ": "unsure", "ไม่แน่ใจค่ะ": "unsure", "4": "", "ทางเลือก": "",
		// Numbers as words (a fresh tester's "ทางเลือกสอง" got the options overview).
		"ทางเลือกสอง": "2", "ทางเลือกที่สอง": "2", "ทางเลือกที่ 2": "2", "สองค่ะ": "2", "หนึ่ง": "1", "ทางเลือก สาม": "3",
		"ข้อ ๓": "3", "ทางเลือกแรก": "1", "option two": "2", "Option 3": "3", "เลือกทางเลือกที่ ๒ ครับ": "2",
		"ทางเลือกสี่": "", "ทางเลือก 12": "", "สองร้อย": "", "ทางเลือก 2 ได้อะไร": "", "0": "",
	} {
		got, err := parseOption(nil, in)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("parseOption(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
