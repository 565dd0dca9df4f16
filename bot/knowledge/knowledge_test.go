package knowledge

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const (
	today    = "2026-12-01"
	in2024   = "2024-06-01"
	disputed = "2025-11-15"
)

func mustEmbedded(t testing.TB) *Base {
	t.Helper()
	b, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// factBase lists, for the fact base's rows in force on 2026-12-01 (Royal Decree No. 5 B.E.
// 2568 and the rows it did not change), the figures each row gives, transcribed by hand from
// the fact base's tables (§1, §2.1, §2.4, §3a, §4a). Option, section and decree numbers (1–3,
// 33, 39, 40, 5, 2568) may appear in any text.
var factBase = map[string][]int{
	"2.1":   {70, 100, 300, 60, 30, 50, 150}, // contributions; the lump sum at 60 (B6) in the option lines; the unconfirmed government top-up
	"2.2":   {},                              // not raised by the decree
	"2.4":   {31, 2568, 1, 2569, 2025, 2026}, // published 31 Dec 2025, in force 1 Jan 2026; PMO: Oct 2025
	"B1":    {300},                           // a day in hospital
	"B2":    {200, 1},                        // a day of rest, from 1 day
	"B3":    {30, 90},                        // days a year
	"B4":    {25000},                         // funeral, options 1–2
	"B5":    {50000},                         // funeral, option 3
	"B6":    {60},                            // lump sum at 60
	"B9":    {200, 3},                        // a visit, 3 a year
	"B10":   {1000, 2000},                    // disability for life, options 1–2
	"B11":   {1500, 3000},                    // disability for life, option 3
	"B12":   {300, 7},                        // child allowance until 7, at most 2
	"B13":   {19},                            // COVID-19
	"B14":   {4, 6, 10, 12},                  // 3 of 4, 6 of 10, 6 of 12, accident 1 of 6
	"E5":    {15},                            // from 15
	"E6":    {60, 65, 61},                    // 60 or 65; 61–65 ask
	"U-E1":  {60},                            // over 60 maybe options 1–2
	"P1":    {},                              // ID card, form สปส.1-40
	"P3":    {},                              //
	"P5":    {7},                             // 7-Eleven
	"U-P1":  {1506},                          // hotline
	"U-P8":  {1506},                          // gap: ask the hotline
	"U-B10": {2563, 2565, 2020, 22, 19},      // COVID cases 2020–22
	"U-P6":  {},                              //
	"E11":   {}, "E1": {}, "E2": {}, "E3": {}, "E7": {}, "E9": {}, "P2": {}, "P6": {}, "P7": {},
	"U-B5": {}, "E8": {}, "B8": {}, "E4": {6, 7}, "U-P2": {12}, "U-B6": {}, "U-P3": {7}, "U-P5": {}, "U-P7": {}, "U-P9": {}, "B7": {}, "U-B8": {},
	"none": {}, // a gap no row covers (leaving Section 40; what Sections 33 and 39 cost): no figure
}

var anywhere = []int{1, 2, 3, 5, 33, 39, 40, 2568, 1506} // options, sections, the decree, the hotline

var reNumber = regexp.MustCompile(`\d[\d,]*`)

func numbers(s string) []int {
	var out []int
	for _, m := range reNumber.FindAllString(s, -1) {
		n, err := strconv.Atoi(strings.ReplaceAll(strings.TrimRight(m, ","), ",", ""))
		if err == nil {
			out = append(out, n)
		}
	}
	return out
}

// rowsOf splits a fact's row ("E7, E8", "B1, B2, B4, B5") into the rows it cites.
func rowsOf(f Fact) []string { return strings.Split(strings.ReplaceAll(f.Row, " ", ""), ",") }

// TestFiguresShownTodayAreTheFactBaseRowsInForce: every number in every fact an answer shows
// today belongs to the fact base row the fact cites, in Thai and English, and every row of the
// table is shown by some topic.
func TestFiguresShownTodayAreTheFactBaseRowsInForce(t *testing.T) {
	b := mustEmbedded(t)
	shown := map[string]bool{}
	for _, tp := range b.Topics {
		for _, en := range []bool{false, true} {
			for o := 0; o <= 3; o++ {
				a, _ := b.Answer(tp.ID, en, today, o)
				for _, f := range a.Facts {
					var allowed []int
					for _, r := range rowsOf(f) {
						want, ok := factBase[r]
						if !ok {
							t.Errorf("topic %s shows fact %s of row %s, not a row in force today", tp.ID, f.ID, r)
						}
						allowed = append(allowed, want...)
						shown[r] = true
					}
					if f.ID == "B-summary" { // the overview's summary of B1, B2, B4, B5
						allowed = append(allowed, factBase["B1"]...)
					}
					for _, n := range numbers(f.In(en)) {
						if !slices.Contains(allowed, n) && !slices.Contains(anywhere, n) {
							t.Errorf("topic %s, fact %s (row %s), en=%v: figure %d is not in the fact base row: %q", tp.ID, f.ID, f.Row, en, n, f.In(en))
						}
					}
				}
			}
		}
	}
	for r, figs := range factBase {
		if len(figs) > 0 && !shown[r] {
			t.Errorf("row %s with figures %v is in force but no answer shows it", r, figs)
		}
	}
}

// TestCalculatorAmountsToday: the calculator reads the fact base's figures in force.
func TestCalculatorAmountsToday(t *testing.T) {
	b := mustEmbedded(t)
	for _, tc := range []struct {
		kind   string
		option int
		want   int
		limit  int
	}{
		{"contribution", 1, 70, 0}, {"contribution", 2, 100, 0}, {"contribution", 3, 300, 0},
		{"inpatient", 1, 300, 0}, {"inpatient", 3, 300, 0},
		{"rest", 2, 200, 0}, {"visit", 3, 200, 3},
		{"sickdays", 1, 30, 0}, {"sickdays", 2, 30, 0}, {"sickdays", 3, 90, 0},
		{"funeral", 1, 25000, 0}, {"funeral", 2, 25000, 0}, {"funeral", 3, 50000, 0},
	} {
		a, ok := b.Amount(tc.kind, tc.option, today)
		if !ok || a.Value != tc.want || a.Limit != tc.limit {
			t.Errorf("Amount(%s, %d, today) = %+v, %v; want %d (limit %d)", tc.kind, tc.option, a, ok, tc.want, tc.limit)
		}
	}
	// Before the decree option 3 had no sourced visit figure, and the visit was 50 baht.
	if a, ok := b.Amount("visit", 1, in2024); !ok || a.Value != 50 {
		t.Errorf("visit in 2024 = %+v, %v; want 50", a, ok)
	}
	if _, ok := b.Amount("visit", 3, in2024); ok {
		t.Error("a 2024 visit figure for option 3, which no source gives")
	}
}

func answer(t *testing.T, b *Base, topic string, en bool, day string) string {
	t.Helper()
	a, ok := b.Answer(topic, en, day, 0)
	if !ok {
		t.Fatalf("no topic %s", topic)
	}
	return a.Text
}

// TestAnswersChangeOnTheRightDay: a day in 2024 shows the figures the decree superseded, today
// the decree's, and the as-of line names the decree only once it is in force.
func TestAnswersChangeOnTheRightDay(t *testing.T) {
	b := mustEmbedded(t)
	for _, tc := range []struct {
		topic, day string
		want, not  []string
	}{
		{"outpatient", today, []string{"ครั้งละ 200 บาท", "ตั้งแต่ 1 วัน", "พ.ร.ฎ. ฉบับที่ 5"}, []string{"50 บาท", "3 วันขึ้นไป"}},
		{"outpatient", in2024, []string{"ครั้งละ 50 บาท", "3 วันขึ้นไป", "(ข้อมูล ณ 1 ธ.ค. 2569)"}, []string{"ครั้งละ 200", "พ.ร.ฎ."}},
		{"disability", today, []string{"1,000–2,000 บาท ตลอดชีวิต", "1,500–3,000"}, []string{"500–1,000"}},
		{"disability", in2024, []string{"500–1,000 บาท นานสุด 15 ปี", "ยังยืนยันไม่ได้", "สายด่วน 1506"}, []string{"2,000"}},
		{"child", today, []string{"เดือนละ 300 บาท", "จนลูกอายุ 7 ปี"}, []string{"200 บาท"}},
		{"child", in2024, []string{"เดือนละ 200 บาท", "ยังยืนยันไม่ได้"}, []string{"300 บาท"}},
		{"sickdays", today, []string{"90 วันต่อปี (ทางเลือก 3)"}, []string{"ยังยืนยันไม่ได้"}},
		{"sickdays", in2024, []string{"ทางเลือก 3 ไม่เกิน 90 วันต่อปี (ยังยืนยันไม่ได้)"}, nil},
		{"contribution", in2024, []string{"70 บาท"}, []string{"พ.ร.ฎ. ฉบับที่ 5 เพิ่มสิทธิ"}},
	} {
		got := answer(t, b, tc.topic, false, tc.day)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s on %s lacks %q:\n%s", tc.topic, tc.day, w, got)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(got, w) {
				t.Errorf("%s on %s shows %q:\n%s", tc.topic, tc.day, w, got)
			}
		}
	}
}

// TestDisputedWindow: on a day of Oct–Dec 2025 an answer whose figure changes with the decree
// says the start is being confirmed and gives 1506, in both languages; one that does not
// change does not.
func TestDisputedWindow(t *testing.T) {
	b := mustEmbedded(t)
	for _, topic := range []string{"outpatient", "disability", "child", "sickdays", "covid"} {
		th, en := answer(t, b, topic, false, disputed), answer(t, b, topic, true, disputed)
		if !strings.Contains(th, "กำลังยืนยันวันเริ่ม") || !strings.Contains(th, "1506") {
			t.Errorf("%s in the disputed window does not say the start is being confirmed with 1506:\n%s", topic, th)
		}
		if !strings.Contains(en, "being confirmed") || !strings.Contains(en, "1506") {
			t.Errorf("%s (English) in the disputed window:\n%s", topic, en)
		}
		if strings.Contains(answer(t, b, topic, false, today), "กำลังยืนยันวันเริ่ม") {
			t.Errorf("%s today still says the start is being confirmed", topic)
		}
	}
	if a := answer(t, b, "apply", false, disputed); strings.Contains(a, "กำลังยืนยันวันเริ่ม") {
		t.Errorf("apply does not change with the decree but says so:\n%s", a)
	}
	if !b.InDisputedWindow("2025-10-01") || !b.InDisputedWindow("2025-12-31") || b.InDisputedWindow("2026-01-01") || b.InDisputedWindow("2025-09-30") {
		t.Error("the disputed window is not 1 Oct – 31 Dec 2025")
	}
}

// TestOnlyUnresolvedRowsAreMarked: confirmed and reported facts carry no hedge; conflicting,
// unconfirmed and gap facts say so, and an answer showing one gives the hotline once.
func TestOnlyUnresolvedRowsAreMarked(t *testing.T) {
	b := mustEmbedded(t)
	hedges := []string{"ประมาณ", "มีรายงานว่า", "อาจจะ", "บางแหล่ง", "ยังไม่ยืนยัน", "ยังยืนยันไม่ได้", "about ", "reportedly", "not confirmed", "unconfirmed"}
	marksTH := []string{"ยังยืนยันไม่ได้", "รอยืนยัน", "ยังไม่ชัด", "ไม่ตรงกัน", "ยังไม่มีข้อมูลที่ยืนยันได้"}
	marksEN := []string{"not confirmed", "cannot be confirmed", "not settled", "differs", "not something we can confirm"}
	has := func(s string, ws []string) bool {
		return slices.ContainsFunc(ws, func(w string) bool { return strings.Contains(s, w) })
	}
	for _, f := range b.Facts {
		switch {
		case f.Unresolved() && (!has(f.TH, marksTH) || !has(f.EN, marksEN)):
			t.Errorf("fact %s (row %s) is %s but does not say so: %q / %q", f.ID, f.Row, f.Status, f.TH, f.EN)
		case !f.Unresolved() && (has(f.TH, hedges) || has(f.EN, hedges)):
			t.Errorf("fact %s (row %s) is %s but hedged: %q / %q", f.ID, f.Row, f.Status, f.TH, f.EN)
		}
	}
	for _, tp := range b.Topics {
		a, _ := b.Answer(tp.ID, false, today, 0)
		if n := strings.Count(a.Text, "1506"); a.Unresolved && n != 1 {
			t.Errorf("topic %s shows something unresolved with the hotline %d times:\n%s", tp.ID, n, a.Text)
		}
	}
}

// everyAnswer calls fn with every answer the data gives: each topic, in both languages, on a
// day before the decree, one in the disputed window and today, for each option focus.
func everyAnswer(t *testing.T, b *Base, fn func(where string, en bool, a Answer)) {
	t.Helper()
	for _, day := range []string{in2024, disputed, today} {
		for _, tp := range b.Topics {
			for _, en := range []bool{false, true} {
				for o := 0; o <= 3; o++ {
					a, _ := b.Answer(tp.ID, en, day, o)
					fn(fmt.Sprintf("topic %s on %s (en=%v, option %d)", tp.ID, day, en, o), en, a)
				}
			}
		}
	}
}

// Hedges are the words that mark a figure as not settled (the facts' own and the notes').
var hedges = []string{"ยังยืนยันไม่ได้", "รอยืนยัน", "ยังไม่มีข้อมูลที่ยืนยันได้", "ไม่ตรงกัน", "กำลังยืนยัน", "ยังไม่ชัด",
	"not confirmed", "cannot be confirmed", "not settled", "not something we can confirm", "differs", "being confirmed"}

// HedgeCount is how many hedges text says.
func hedgeCount(text string) int {
	n := 0
	for _, h := range hedges {
		n += strings.Count(text, h)
	}
	return n
}

// TestEveryAnswerHedgesOnceAndGivesTheHotlineOnce: an answer says each unresolved figure's
// hedge once (a fact's own; no note repeats it; the disputed window's note is one of its own)
// and the hotline at most once, in every answer of every day, language and option (a fresh
// tester found "อายุสูงสุดยังรอยืนยัน" and 1506 twice in one reply).
func TestEveryAnswerHedgesOnceAndGivesTheHotlineOnce(t *testing.T) {
	b := mustEmbedded(t)
	everyAnswer(t, b, func(where string, _ bool, a Answer) {
		if n := strings.Count(a.Text, b.Hotline); n > 1 {
			t.Errorf("%s gives the hotline %d times:\n%s", where, n, a.Text)
		}
		unresolved := 0
		for _, f := range a.Facts {
			if f.Unresolved() {
				unresolved++
			}
		}
		if strings.Contains(a.Text, b.Disputed.TH) || strings.Contains(a.Text, b.Disputed.EN) {
			unresolved++
		}
		if n := hedgeCount(a.Text); n > unresolved {
			t.Errorf("%s hedges %d times for %d unresolved figures:\n%s", where, n, unresolved, a.Text)
		}
		if a.Unresolved && !strings.Contains(a.Text, b.Hotline) {
			t.Errorf("%s shows something unresolved without the hotline:\n%s", where, a.Text)
		}
	})
}

// listMarker is a line starting as an item of a list with a marker other than Bullet.
var listMarker = regexp.MustCompile(`^\s*(\d+[).]|[-*·●▪◦‣○–])\s`)

// TestEveryAnswerListsItsFactsOneWay: the facts of an answer of two or more are each a line
// after Bullet, one fact is a line as it is, and no other line looks like a list item (a fresh
// tester found "ม.40 ได้อะไรบ้าง" answered with two plain lines and one bulleted).
func TestEveryAnswerListsItsFactsOneWay(t *testing.T) {
	b := mustEmbedded(t)
	everyAnswer(t, b, func(where string, en bool, a Answer) {
		lines := strings.Split(a.Text, "\n")
		for i, l := range lines {
			switch {
			case i < len(a.Facts) && len(a.Facts) > 1 && l != Bullet+a.Facts[i].In(en):
				t.Errorf("%s: fact line %d is not %q: %q", where, i+1, Bullet+a.Facts[i].In(en), l)
			case i < len(a.Facts) && len(a.Facts) == 1 && l != a.Facts[i].In(en):
				t.Errorf("%s: its one fact is not a plain line: %q", where, l)
			case i >= len(a.Facts) && strings.HasPrefix(l, strings.TrimSpace(Bullet)):
				t.Errorf("%s: line %d after the facts is bulleted: %q", where, i+1, l)
			case listMarker.MatchString(l):
				t.Errorf("%s: line %d has another list marker: %q", where, i+1, l)
			}
		}
	})
	if got := List([]string{"a", "b"}); got != "• a\n• b" {
		t.Errorf("List(a, b) = %q", got)
	}
	if got := List([]string{"a"}); got != "a" {
		t.Errorf("List(a) = %q", got)
	}
}

// TestAgeRule: 15–60 yes, 61–65 ask, under 15 or over 65 no.
func TestAgeRule(t *testing.T) {
	r := mustEmbedded(t).Age
	for age, want := range map[int]string{0: AgeUnder, 14: AgeUnder, 15: AgeYes, 45: AgeYes, 60: AgeYes, 61: AgeAsk, 65: AgeAsk, 66: AgeOver, 120: AgeOver} {
		if got := r.Verdict(age); got != want {
			t.Errorf("Verdict(%d) = %s, want %s", age, got, want)
		}
	}
}

// TestMatchReadsNumbers: options, amounts in baht, days, months, visits and ages, in Thai or
// ASCII digits.
func TestMatchReadsNumbers(t *testing.T) {
	b := mustEmbedded(t)
	for text, want := range map[string]Match{
		"ป่วยนอน รพ. ๕ วันได้เท่าไร":       {Topic: "inpatient", Days: 5},
		"จ่ายทางเลือก 2 12 เดือนได้เท่าไร": {Topic: "contribution", Option: 2, Months: 12},
		"อายุ 62 สมัครได้ไหม":              {Topic: "age", Age: 62},
		"หาหมอ 2 ครั้ง ได้เท่าไร":          {Topic: "outpatient", Visits: 2},
		"option 3 sick days per year":      {Topic: "sickdays", Option: 3},
		"ทางเลือก1 2 3 ต่างกันยังไง":       {Topic: "options"},                       // several options: all of them
		"ทางเลือก 1 กับ 3 ต่างกันยังไง":    {Topic: "options"},                       //
		"จ่าย๑๐๐บาทได้อะไรบ้าง":            {Topic: "options", Option: 2, Baht: 100}, // 100 baht a month is option 2
		"จ่ายทางเลือก ๓ ๒ ปี":              {Topic: "contribution", Option: 3, Years: 2, Age: 2},
		"๕๐ บาท ได้อะไร":                   {Topic: "options", Baht: 50},             // no option costs 50
		"จ่ายเดือนละ 150 ได้ไหม":           {Topic: "contribution", Baht: 150},       // nor 150
		"จ่าย 100 ได้อะไร":                 {Topic: "options", Option: 2, Baht: 100}, // without บาท
		"จ่าย 12 เดือน":                    {Topic: "contribution", Months: 12},      // a count, not baht
		"ค่าทำศพ 25,000 บาท":               {Topic: "death", Baht: 25000},            // one number with its comma
		"50 baht what do i get":            {Topic: "options", Baht: 50},             // in English
	} {
		m := b.Match(text)
		if m.Topic != want.Topic || m.Option != want.Option || m.Baht != want.Baht || m.Days != want.Days || m.Months != want.Months || m.Visits != want.Visits || m.Age != want.Age || m.Years != want.Years {
			t.Errorf("Match(%q) = %+v, want %+v", text, m, want)
		}
	}
	if m := b.Match("ม.40"); m.Topic != "overview" {
		t.Errorf("a bare ม.40 = %+v, want the overview", m)
	}
	if m := b.Match("เรื่องประกันสังคมแปลก ๆ"); m.Topic != "" || !m.About {
		t.Errorf("an unknown Section 40 question = %+v, want no topic but about Section 40", m)
	}
	if m := b.Match("ขอเงินกู้"); m.About {
		t.Errorf("a loan is not Section 40: %+v", m)
	}
}

// TestMatchSaysWhenSection40IsNamed: the bot leaves a line about another of its areas to that
// area unless the line names Section 40 itself (bot/router.go, otherArea), so Named is the
// mention, not any Section 40 word.
func TestMatchSaysWhenSection40IsNamed(t *testing.T) {
	b, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for text, named := range map[string]bool{
		"ม.40":             true,
		"สมัคร ม.40 ยังไง": true,
		"สมัครมาตรา 40 ที่ไหน":   true,
		"how to join section 40": true,
		"ม๔๐ จ่ายเดือนละเท่าไร":  true,
		"สมัครที่ไหน":            false,
		"สมัครแกนนำยังไง":        false,
		"เงินสมทบเดือนละเท่าไร":  false, // a Section 40 word, not its name
	} {
		if m := b.Match(text); m.Named != named {
			t.Errorf("Match(%q).Named = %v, want %v", text, m.Named, named)
		}
	}
}

// TestParseRefusesBadData: a bad file names itself, the fact's id and row, and the problem.
func TestParseRefusesBadData(t *testing.T) {
	good, err := os.ReadFile("section40.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, from, to, want string
	}{
		{"bad date", `"id": "B2", "row": "B2", "status": "confirmed", "from": "2026-01-01"`, `"id": "B2", "row": "B2", "status": "confirmed", "from": "2026-13-01"`, `fact "B2" (row B2): from "2026-13-01" is not a date`},
		{"status", `"id": "B9", "row": "B9", "status": "confirmed"`, `"id": "B9", "row": "B9", "status": "maybe"`, `fact "B9" (row B9): status "maybe"`},
		{"overlap", `"id": "B2-3day", "row": "B2", "status": "confirmed", "until": "2026-01-01"`, `"id": "B2", "row": "B2", "status": "confirmed", "until": "2026-02-01"`, `fact "B2" (row B2): two versions in force on the same day`},
		{"amount not in text", `"amounts": {"1": 300, "2": 300, "3": 300}`, `"amounts": {"1": 350, "2": 300, "3": 300}`, `fact "B1" (row B1): amounts: option 1: 350 does not appear in the texts`},
		{"unknown field", `"limit": 3,`, `"limits": 3,`, `unknown field "limits"`},
		{"unknown fact", `"facts": ["B1", "B14-sick", "B3"]`, `"facts": ["B1", "B14-sick", "B33"]`, `topic "inpatient": fact "B33" does not exist`},
		{"no Thai", `"th": "นอนโรงพยาบาล ได้วันละ 300 บาท ตั้งแต่วันแรก"`, `"th": ""`, `fact "B1" (row B1): needs both a Thai and an English text`},
		{"no row, not a gap", `"id": "S-contrib-gap", "row": "none", "status": "gap"`, `"id": "S-contrib-gap", "row": "none", "status": "confirmed"`, `fact "S-contrib-gap" (row none): only a gap may have no fact-base row`},
		{"only a mention", `"keys": ["ลาออกจากม40*2", `, `"keys": ["มาตรา 40", `, `topic "leave": key "มาตรา 40" is too short`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := strings.Replace(string(good), tc.from, tc.to, 1)
			if data == string(good) {
				t.Fatalf("the test's text %q is not in section40.json", tc.from)
			}
			path := filepath.Join(t.TempDir(), "s40.json")
			if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadFile(path)
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("LoadFile = %v; want an error naming %s and %q", err, path, tc.want)
			}
		})
	}
	if _, err := LoadFile(filepath.Join(t.TempDir(), "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("a missing file: %v", err)
	}
}

// TestAnswersAreBuiltOncePerLanguageAndDay: asking again the same day reuses the answers.
func TestAnswersAreBuiltOncePerLanguageAndDay(t *testing.T) {
	b := mustEmbedded(t)
	a1, _ := b.Answer("inpatient", false, today, 0)
	a2, _ := b.Answer("death", false, today, 3)
	if n := b.builds(); n != 1 {
		t.Fatalf("two Thai answers of one day built %d sets, want 1", n)
	}
	b.Answer("inpatient", true, today, 0)
	b.Answer("inpatient", false, "2026-12-02", 0)
	if n := b.builds(); n != 3 {
		t.Errorf("English and another day: %d sets, want 3", n)
	}
	if again, _ := b.Answer("inpatient", false, today, 0); again.Text != a1.Text || a2.Topic != "death" {
		t.Error("a cached answer changed")
	}
	for d := 0; d < 2*maxCachedDays; d++ {
		b.Answer("inpatient", false, "2027-01-"+strconv.Itoa(10+d), 0)
	}
	if n := b.builds(); n > maxCachedDays {
		t.Errorf("cache holds %d days, want at most %d", n, maxCachedDays)
	}
}

// BenchmarkAnswer compares an answer from the per-day cache with building it for each
// question (the baseline); run with -bench Answer and read the ratio of the two ns/op.
func BenchmarkAnswer(b *testing.B) {
	kb := mustEmbedded(b)
	tp, _ := kb.Topic("inpatient")
	b.Run("built per question", func(b *testing.B) {
		for b.Loop() {
			kb.build(tp, false, today, 0)
		}
	})
	b.Run("cached per day", func(b *testing.B) {
		for b.Loop() {
			kb.Answer("inpatient", false, today, 0)
		}
	})
}

// BenchmarkMatch is the cost of understanding one typical question.
func BenchmarkMatch(b *testing.B) {
	kb := mustEmbedded(b)
	for b.Loop() {
		kb.Match("นอนโรงบาลได้วันละกี่บาทคะ")
	}
}

// TestAnswersTheTesterAsked: the answers a fresh tester's questions get say what was asked
// first (a comparison shows every option; a sickness question both daily figures).
func TestAnswersTheTesterAsked(t *testing.T) {
	b := mustEmbedded(t)
	for _, c := range []struct {
		text string
		want []string
		not  []string
	}{
		{"ลาออกจากงานแล้วต้องทำไง", []string{"สมัครมาตรา 40 ได้", "มาตรา 39", "ยังไม่มีข้อมูลที่ยืนยันได้", "1506"}, nil},
		{"ถ้าตายลูกได้เงินไหม", []string{"ค่าทำศพ 25,000 บาท", "50,000 บาท"}, []string{"สงเคราะห์บุตร"}},
		{"ทางเลือก1 2 3 ต่างกันยังไง", []string{"ทางเลือก 1 (70", "ทางเลือก 2 (100", "ทางเลือก 3 (300"}, nil},
		{"จ่ายที่เซเว่นได้ไหม", []string{"เซเว่นอีเลฟเว่น", "ยังยืนยันไม่ได้", "ตู้บุญเติม", "1506"}, nil},
		{"can foreigners join section 40", []string{"6 or 7"}, nil},
		{"what do i get if i have an accident", []string{"300 baht a day", "200 baht a day"}, nil},
		{"sick pay", []string{"300 baht a day", "200 baht a day"}, nil},
		{"จ่าย๑๐๐บาทได้อะไรบ้าง", []string{"ทางเลือก 2 (100 บาท/เดือน)"}, []string{"ทางเลือก 1 (70", "ทางเลือก 3 (300"}},
	} {
		m := b.Match(c.text)
		en := strings.ToLower(c.text) != c.text || strings.IndexFunc(c.text, func(r rune) bool { return r >= 'a' && r <= 'z' }) == 0
		a, ok := b.Answer(m.Topic, en, today, m.Option)
		if !ok {
			t.Errorf("%q reached no topic: %+v", c.text, m)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(a.Text, w) {
				t.Errorf("%q (topic %s) answer lacks %q:\n%s", c.text, m.Topic, w, a.Text)
			}
		}
		for _, w := range c.not {
			if strings.Contains(a.Text, w) {
				t.Errorf("%q (topic %s) answer should not say %q:\n%s", c.text, m.Topic, w, a.Text)
			}
		}
	}
}

// TestMaternityAndUnemploymentSayOneThing: a question about a benefit the fact base does not
// list for Section 40 (maternity, unemployment) gets its own answer, not the child allowance or
// "you can join after leaving the job". No row says the benefit does not exist, so the answer
// says one thing, first and once: that it cannot be confirmed; then the benefits that are
// confirmed, plainly, and the hotline. A fresh tester got "ไม่มีเงินคลอดบุตร … ส่วนเงินคลอดบุตร
// ยังไม่มีข้อมูลที่ยืนยันได้" ("there is none" and "not confirmed" in one sentence).
func TestMaternityAndUnemploymentSayOneThing(t *testing.T) {
	b := mustEmbedded(t)
	for _, c := range []struct {
		q, topic, first string
		want            []string
	}{
		{"คลอดลูกได้เงินไหม", "maternity", "เงินคลอดบุตรของมาตรา 40 ยังไม่มีข้อมูลที่ยืนยันได้", []string{"เงินสงเคราะห์บุตร เดือนละ 300 บาท"}},
		{"คลอดลูกได้ไหม", "maternity", "เงินคลอดบุตรของมาตรา 40 ยังไม่มีข้อมูลที่ยืนยันได้", nil},
		{"ม40มีเงินคลอดบุตรไหม", "maternity", "เงินคลอดบุตรของมาตรา 40 ยังไม่มีข้อมูลที่ยืนยันได้", nil},
		{"ตกงานได้เงินไหม", "unemployment", "เงินว่างงาน (เงินทดแทนเมื่อตกงาน) ของมาตรา 40 ยังไม่มีข้อมูลที่ยืนยันได้", []string{"สมัครมาตรา 40 ได้"}},
		{"ม40มีเงินว่างงานไหม", "unemployment", "เงินว่างงาน (เงินทดแทนเมื่อตกงาน) ของมาตรา 40 ยังไม่มีข้อมูลที่ยืนยันได้", nil},
	} {
		if got := b.Match(c.q).Topic; got != c.topic {
			t.Errorf("%q → %q, want %q", c.q, got, c.topic)
			continue
		}
		a, _ := b.Answer(c.topic, false, today, 0)
		if first, _, _ := strings.Cut(a.Text, "\n"); first != Bullet+c.first {
			t.Errorf("%q: the answer does not start with %q:\n%s", c.q, c.first, a.Text)
		}
		for _, w := range append(c.want, "สิทธิมาตรา 40 ที่ยืนยันได้ คือ เงินทดแทนเมื่อเจ็บป่วย", "ค่าทำศพ", b.Hotline) {
			if !strings.Contains(a.Text, w) {
				t.Errorf("%q: answer lacks %q:\n%s", c.q, w, a.Text)
			}
		}
		for _, w := range []string{"ไม่มีเงินคลอดบุตร", "ไม่มีเงินว่างงาน", "ที่เรามีข้อมูล"} {
			if strings.Contains(a.Text, w) {
				t.Errorf("%q: answer says %q:\n%s", c.q, w, a.Text)
			}
		}
		// One hedge for each unresolved fact: the benefit asked about, and Section 39's rules.
		unresolved := 0
		for _, f := range a.Facts {
			if f.Unresolved() {
				unresolved++
			}
		}
		if n := hedgeCount(a.Text); n != unresolved || strings.Count(a.Text, "คลอดบุตร") > 1 {
			t.Errorf("%q: %d hedges for %d unresolved facts, or the benefit named twice:\n%s", c.q, n, unresolved, a.Text)
		}
	}
	if got := b.Match("ตกงานแล้วสมัครได้ไหม").Topic; got != "leftjob" {
		t.Errorf("joining after losing a job → %q, want leftjob", got)
	}
}

// TestLeavingSection40: asking how to leave Section 40, or to stop paying for good, is not
// leaving a job (a fresh tester's "ลาออกจาก ม40 ยังไง" got "สมัครมาตรา 40 ได้", advice to join)
// nor a claim ("ไม่อยากส่งแล้ว เลิกยังไง" got how to claim). The fact base has no row on leaving:
// the answer says so first, once, with the hotline, then what is known: what missed months do
// (B14) and when the lump sum is paid (B6).
func TestLeavingSection40(t *testing.T) {
	b := mustEmbedded(t)
	wantTopics(t, b, map[string]string{
		"ลาออกจาก ม40 ยังไง":                "leave",
		"ไม่อยากส่งแล้ว เลิกยังไง":          "leave",
		"อยากลาออกจากมาตรา 40":              "leave",
		"ยกเลิก ม.40 ได้ไหม":                "leave",
		"เลิกเป็น ม.40 ยังไงคะ":             "leave",
		"สิ้นสุดความเป็นผู้ประกันตน":        "leave",
		"อยากหยุดส่งเงินสมทบ":               "leave",
		"how do i quit section 40":          "leave",
		"ลาออกจากงานแล้วต้องทำไง":           "leftjob",
		"ลาออกจากงานแล้ว สมัคร ม.40 ได้ไหม": "leftjob",
		"หยุดส่ง 3 เดือน สิทธิหายไหม":       "missed",
		"เบิกยังไง":                         "claim",
	})
	a, _ := b.Answer("leave", false, today, 0)
	lines := strings.Split(a.Text, "\n")
	if !strings.HasPrefix(lines[0], Bullet+"วิธีลาออกจากมาตรา 40") || !strings.Contains(lines[0], "ยังไม่มีข้อมูลที่ยืนยันได้") {
		t.Errorf("the answer does not say first that how to leave cannot be confirmed:\n%s", a.Text)
	}
	for _, w := range []string{"ขาดส่งจึงอาจทำให้เบิกไม่ได้", "บำเหน็จ", "อายุครบ 60 ปีและออกจาก ม.40"} {
		if !strings.Contains(a.Text, w) {
			t.Errorf("the answer lacks %q:\n%s", w, a.Text)
		}
	}
	if strings.Count(a.Text, b.Hotline) != 1 || hedgeCount(a.Text) != 1 || strings.Contains(a.Text, "สมัครมาตรา 40 ได้") {
		t.Errorf("the answer should hedge once, give the hotline once and not invite to join:\n%s", a.Text)
	}
}

// TestSectionsCompared: "how is Section 40 different from 39" compares the three sections:
// who each is for, who pays and the medical cover (E1, E2, E11, 2.1), with what Sections 33
// and 39 cost as the one gap; a fresh tester got only "Section 33/39 members cannot join".
// A comparison of the options stays the options'.
func TestSectionsCompared(t *testing.T) {
	b := mustEmbedded(t)
	wantTopics(t, b, map[string]string{
		"ม.40 ต่างจาก ม.39 ยังไง":                       "sections",
		"ม33 ม39 ม40 ต่างกันยังไง":                      "sections",
		"ม.33 กับ ม.40 ต่างกันอย่างไร":                  "sections",
		"เทียบ ม.39 กับ ม.40":                           "sections",
		"section 39 vs section 40":                      "sections",
		"difference between section 33 and 40":          "sections",
		"ม.39 กับ ม.40 อันไหนดีกว่า":                    "sections",
		"ม.39 คืออะไร":                                  "sections",
		"ทางเลือก 1 2 3 ต่างกันยังไง":                   "options",
		"ทางเลือก 1 ต่างจากทางเลือก 2 ยังไง":            "options",
		"what is the difference between option 1 and 2": "options",
		"มี ม.33 อยู่แล้ว สมัคร ม.40 ได้ไหม":            "insured",
		"ลาออกจาก ม.33 แล้วทำไงต่อ":                     "leftjob",
	})
	a, _ := b.Answer("sections", false, today, 0)
	for _, w := range []string{"มาตรา 33: ลูกจ้าง", "มาตรา 39: คนที่ออกจากงานแล้ว ส่งเงินสมทบต่อเอง", "มาตรา 40: คนทำงานอิสระ", "70, 100 หรือ 300 บาท", "ไม่มีสิทธิรักษาพยาบาล", b.Hotline} {
		if !strings.Contains(a.Text, w) {
			t.Errorf("the comparison lacks %q:\n%s", w, a.Text)
		}
	}
	if hedgeCount(a.Text) != 1 || strings.Count(a.Text, b.Hotline) != 1 {
		t.Errorf("the comparison should hedge once (what Sections 33 and 39 cost) with the hotline once:\n%s", a.Text)
	}
}

// TestPaymentAnswersReadEvenly: the fact base sources only Boonterm kiosks for paying (P6) and
// applying at 7-Eleven (P5); every other channel is UNCONFIRMED (U-P2, U-P3). The answers give
// the confirmed first, plainly, then the unconfirmed channels in one hedged sentence that gives
// the hotline; "จ่ายที่เซเว่น" says that 7-Eleven takes applications, so it does not read as
// contradicting "สมัครที่เซเว่นได้".
func TestPaymentAnswersReadEvenly(t *testing.T) {
	b := mustEmbedded(t)
	for q, topic := range map[string]string{"จ่ายยังไง": "pay", "จ่ายที่เซเว่นได้ไหม": "pay711", "how do i pay": "pay", "can i pay at 7-11": "pay711"} {
		m := b.Match(q)
		if m.Topic != topic {
			t.Errorf("%q → %q, want %q", q, m.Topic, topic)
			continue
		}
		for _, en := range []bool{false, true} {
			a, _ := b.Answer(topic, en, today, 0)
			seenUnresolved := 0
			for i, f := range a.Facts {
				if f.Unresolved() {
					seenUnresolved++
				} else if seenUnresolved > 0 {
					t.Errorf("%q (en=%v): confirmed fact %s comes after an unconfirmed one:\n%s", q, en, f.ID, a.Text)
				}
				if f.Unresolved() && i != len(a.Facts)-1 {
					t.Errorf("%q (en=%v): the unconfirmed sentence is not last:\n%s", q, en, a.Text)
				}
			}
			if seenUnresolved != 1 || hedgeCount(a.Text) != 1 || strings.Count(a.Text, b.Hotline) != 1 {
				t.Errorf("%q (en=%v): want one unconfirmed sentence, one hedge, the hotline once:\n%s", q, en, a.Text)
			}
			if !strings.Contains(a.Facts[0].In(en), "Boonterm") && !strings.Contains(a.Facts[0].In(en), "ตู้บุญเติม") {
				t.Errorf("%q (en=%v): does not start with the Boonterm kiosks:\n%s", q, en, a.Text)
			}
		}
	}
	a, _ := b.Answer("pay711", false, today, 0)
	if !strings.Contains(a.Text, "ที่เซเว่นอีเลฟเว่น/เคาน์เตอร์เซอร์วิส สมัครมาตรา 40 ได้") {
		t.Errorf("the 7-Eleven answer does not say applying there is possible:\n%s", a.Text)
	}
}

// TestPhonePhrasings: "how do I pay" and "what does Section 40 give" as a fresh tester typed
// them on a phone, and the like (tone marks left out, no spaces, short forms), reach the pay
// and options topics; what only looks like them does not.
func TestPhonePhrasings(t *testing.T) {
	b := mustEmbedded(t)
	wantTopics(t, b, map[string]string{
		"จ่ายเงินยังไง":    "pay",
		"ส่งเงินสมทบยังไง": "pay",
		"จ่ายยังไง":        "pay",
		"ม40 ได้ไร":        "options",
		"จายยังไง":         "pay",     // no tone mark
		"จายเงินทีไหนคะ":   "pay",     //
		"จ่ายทีไหน":        "pay",     //
		"ม.40ได้ไรบ้าง":    "options", // no spaces
		"ไดอะไรบาง":        "options", // no tone marks
		"how do i pay":     "pay",
		"จ่ายเทาไหร":       "contribution",
		"รัฐสมทบยังไง":     "govshare", // the government's share, not how to pay
		"ได้ไรเดอร์":       "who",      // a rider, not "ได้ไร"
		"ไม่ได้ไรค่ะ":      "",         // "nothing", not "what do I get"
		"ส่งรายชื่อยังไง":  "",         // a leader's referral, not paying
	})
}

// TestNotPayingIsTheMissedTopic: a question about not paying for some months is about missed
// payments, not a contribution sum for the calculator, while paying for some months still is.
func TestNotPayingIsTheMissedTopic(t *testing.T) {
	b := mustEmbedded(t)
	wantTopics(t, b, map[string]string{
		"ไม่ได้จ่ายมา3เดือนจะเป็นไง": "missed",
		"ขาดส่ง 4 เดือน สิทธิหายไหม": "missed",
		"ค้างจ่าย 2 เดือน":           "missed",
		"ไม่ได้ส่งมา 6 เดือน":        "missed",
		"จ่าย 3 เดือน กี่บาท":        "contribution",
	})
}

// TestEnglishTyposAndMoneyWords: a misspelt English word one edit from a known one is read as
// it; an English question about money is about Section 40 even when it names no topic, while
// Thai "เงิน" alone does not make a message about Section 40.
func TestEnglishTyposAndMoneyWords(t *testing.T) {
	b := mustEmbedded(t)
	wantTopics(t, b, map[string]string{
		"funral benefit":    "death",
		"funerla":           "death",
		"how much do I pay": "contribution",
		"hospital money":    "inpatient",
		"pensoin":           "oldage",
		"disabilty pay":     "disability",
	})
	for q, about := range map[string]bool{
		"what money can I get": true,
		"any cash for me":      true,
		"benfits for me":       true,
		"hello there":          false,
		"ขอเงินกู้":            false,
	} {
		if m := b.Match(q); m.About != about || m.Topic != "" {
			t.Errorf("%q: about %v topic %q, want about %v and no topic", q, m.About, m.Topic, about)
		}
	}
	for _, c := range []struct {
		a, b string
		one  bool
	}{{"funral", "funeral", true}, {"funerla", "funeral", true}, {"funerel", "funeral", true}, {"funeral", "funeral", false}, {"fnrl", "funeral", false}, {"insured", "injured", true}} {
		if oneEdit(c.a, c.b) != c.one {
			t.Errorf("oneEdit(%q, %q) = %v, want %v", c.a, c.b, !c.one, c.one)
		}
	}
}

// wantTopics checks the topic b matches for each question (the key); "" is no topic.
func wantTopics(t *testing.T, b *Base, want map[string]string) {
	t.Helper()
	for q, topic := range want {
		if got := b.Match(q).Topic; got != topic {
			t.Errorf("%q → %q, want %q", q, got, topic)
		}
	}
}
