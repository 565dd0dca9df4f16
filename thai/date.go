package thai

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// beOffset turns a Christian-era year into a Buddhist-era one: พ.ศ. = ค.ศ. + 543
// (docs/ARCHITECTURE.md, "The store").
const beOffset = 543

// Accepted years, in the Christian era. A year outside is a typing mistake (date.year).
const (
	minYear = 1900
	maxYear = 2200
)

// beFrom is the smallest four-digit year read as Buddhist era: 2400 BE is 1857 CE, before
// minYear, and 2400 CE is after maxYear, so no accepted year is ambiguous.
const beFrom = 2400

// thaiMonths names the months, January first, as Thai writes them: the full name, the
// abbreviation with its dots, and the spoken short form. Parsing and formatting both use it.
var thaiMonths = [12]struct{ long, abbr, spoken string }{
	{"มกราคม", "ม.ค.", "มกรา"},
	{"กุมภาพันธ์", "ก.พ.", "กุมภา"},
	{"มีนาคม", "มี.ค.", "มีนา"},
	{"เมษายน", "เม.ย.", "เมษา"},
	{"พฤษภาคม", "พ.ค.", "พฤษภา"},
	{"มิถุนายน", "มิ.ย.", "มิถุนา"},
	{"กรกฎาคม", "ก.ค.", "กรกฎา"},
	{"สิงหาคม", "ส.ค.", "สิงหา"},
	{"กันยายน", "ก.ย.", "กันยา"},
	{"ตุลาคม", "ต.ค.", "ตุลา"},
	{"พฤศจิกายน", "พ.ย.", "พฤศจิกา"},
	{"ธันวาคม", "ธ.ค.", "ธันวา"},
}

// thaiWeekdays names the days, Sunday first as time.Weekday counts, without the word วัน.
var thaiWeekdays = [7]string{"อาทิตย์", "จันทร์", "อังคาร", "พุธ", "พฤหัสบดี", "ศุกร์", "เสาร์"}

// monthWords maps every accepted month word, as tokenize leaves it (lower case, no dots),
// to its month: the three Thai forms, the English name and its three-letter abbreviation,
// and "sept".
var monthWords = func() map[string]time.Month {
	m := map[string]time.Month{"sept": time.September}
	for i, tm := range thaiMonths {
		month := time.Month(i + 1)
		en := strings.ToLower(month.String())
		for _, w := range []string{tm.long, tm.abbr, tm.spoken, en, en[:3]} {
			m[strings.ReplaceAll(w, ".", "")] = month
		}
	}
	return m
}()

// dayWords are the words that may stand around a date without changing it: the Thai
// weekday (with or without วัน, ที่), the English weekday (full or three letters), and the
// English ordinal endings (3rd).
var dayWords = func() map[string]bool {
	m := map[string]bool{"": true, "พฤหัส": true, "st": true, "nd": true, "rd": true, "th": true}
	for i, w := range thaiWeekdays {
		en := strings.ToLower(time.Weekday(i).String())
		m[w], m[en], m[en[:3]] = true, true, true
	}
	return m
}()

// isDayWord reports a filler word of a date: วันที่, ที่, วันจันทร์ที่, Monday, 3rd's "rd", ….
func isDayWord(w string) bool {
	w = strings.TrimPrefix(w, "วัน")
	w = strings.TrimSuffix(w, "ที่")
	return dayWords[w]
}

// era says how a year was marked.
type era int

const (
	eraAuto era = iota // no marker: four digits ≥ 2400 are BE, other four digits CE, two digits BE
	eraBE              // พ.ศ., BE
	eraCE              // ค.ศ., CE, AD
)

// eraWords are the era markers, as tokenize leaves them.
var eraWords = map[string]era{"พศ": eraBE, "be": eraBE, "คศ": eraCE, "ce": eraCE, "ad": eraCE}

// token is a run of ASCII digits or of letters (with their marks); the separators between
// tokens are dropped.
type token struct {
	num  bool
	text string // the digits, or the word in lower case without dots
}

// tokenize splits normalised, lower-cased s into tokens. Separators are spaces, / . , : and
// dashes; a dot inside or after a word belongs to it (ก.พ., น.) and is dropped. Any other
// rune makes ok false.
func tokenize(s string) (toks []token, ok bool) {
	rs := []rune(strings.ToLower(s))
	isWord := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsMark(r) }
	for i := 0; i < len(rs); {
		j := i + 1
		switch r := rs[i]; {
		case r >= '0' && r <= '9':
			for j < len(rs) && rs[j] >= '0' && rs[j] <= '9' {
				j++
			}
			toks = append(toks, token{num: true, text: string(rs[i:j])})
		case isWord(r):
			for j < len(rs) && (isWord(rs[j]) || rs[j] == '.') {
				j++
			}
			toks = append(toks, token{text: strings.ReplaceAll(string(rs[i:j]), ".", "")})
		case r == ' ' || r == '/' || r == '.' || r == ',' || r == ':' || isDash(r):
		default:
			return nil, false
		}
		i = j
	}
	return toks, true
}

// ParseDate reads a calendar date typed in Thai or international form and returns midnight
// of that day in loc (which must not be nil). The input is normalised first. Forms:
//
//	3/2/2566  3/2/66  03-02-2023  3.2.2566  3 2 2566   day, month, year (never month first)
//	2023-02-03  2566/02/03                            four-digit year first (ISO order)
//	3 ก.พ. 66  3 ก.พ 2566  3 กุมภาพันธ์ 2566  3 กุมภา 66  day, Thai month, year
//	3 Feb 2023  3 February 2023  Feb 3, 2023           English month, either order
//
// A weekday and วันที่ may stand in front ("วันจันทร์ที่ 3 ก.พ. 66", "Fri, 3 Feb 2023"), and an
// era marker before or after the year: พ.ศ. or BE, ค.ศ., CE or AD. Years (docs/ARCHITECTURE.md, "The
// store": พ.ศ. = ค.ศ. + 543):
//   - four digits: Buddhist era if ≥ 2400, else Christian era (ISO 2023-02-03 is therefore CE);
//   - two digits: Buddhist era, 66 → 2566 BE → 2023 CE (25xx is the only century in use);
//   - a marker overrides this: พ.ศ. 2023 is BE (and out of range), ค.ศ. 23 is 2023 CE.
//
// Errors (*InputError):
//   - date.empty: nothing typed;
//   - date.format: not one of the forms (missing year, a time after the date, letters that
//     are not a month, a one- or three-digit year);
//   - date.invalid: no such day: 31/2/2566, 29/2/2566 (2023 is not a leap year), month 13;
//   - date.year: the year is outside 1900–2200 CE.
func ParseDate(s string, loc *time.Location) (time.Time, error) {
	toks, err := dateTokens(s)
	if err != nil {
		return time.Time{}, err
	}
	d, rest, err := parseDateTokens(toks)
	if err != nil {
		return time.Time{}, err
	}
	if len(rest) > 0 {
		return time.Time{}, inputErr("date.format")
	}
	return d.at(0, 0, loc), nil
}

// ParseDateTime reads a date as ParseDate does, followed by a time of day as
// ParseTimeOfDay reads it, and returns that moment in loc (which must not be nil):
// "14/12/2569 09:00", "14 ธ.ค. 69 9.00 น.", "2026-12-14 09:00", "2026-12-14T09:00" (LINE's
// datetime picker), "14/12/2569 เวลา 09.30 น.", "14/12/2569 บ่าย 2 โมง".
//
// Errors: the date.* keys of ParseDate; datetime.need_time when the date has no time after
// it; the time.* keys of ParseTimeOfDay for the time.
func ParseDateTime(s string, loc *time.Location) (time.Time, error) {
	toks, err := dateTokens(s)
	if err != nil {
		return time.Time{}, err
	}
	d, rest, err := parseDateTokens(toks)
	if err != nil {
		return time.Time{}, err
	}
	if len(rest) == 0 {
		return time.Time{}, inputErr("datetime.need_time")
	}
	h, m, err := parseClock(rest)
	if err != nil {
		return time.Time{}, err
	}
	return d.at(h, m, loc), nil
}

// relativeDays are the words that name a day from today, as tokenize leaves them.
var relativeDays = map[string]int{"วันนี้": 0, "พรุ่งนี้": 1, "มะรืน": 2, "มะรืนนี้": 2, "today": 0, "tomorrow": 1}

// ParseDateTimeFrom reads what ParseDateTime reads, and also a day named from today followed by
// a time: "พรุ่งนี้ 8 โมง", "วันนี้ บ่าย 2", "มะรืนนี้ 09:00", "tomorrow 9am" (วันนี้, พรุ่งนี้,
// มะรืน/มะรืนนี้, today, tomorrow), today being now's date in loc. It is pure: now is given.
//
// Errors: those of ParseDateTime; datetime.need_time when the day has no time after it.
func ParseDateTimeFrom(s string, now time.Time, loc *time.Location) (time.Time, error) {
	toks, err := dateTokens(s)
	if err != nil {
		return time.Time{}, err
	}
	days, ok := relativeDays[toks[0].text]
	if toks[0].num || !ok {
		return ParseDateTime(s, loc)
	}
	if len(toks) == 1 {
		return time.Time{}, inputErr("datetime.need_time")
	}
	h, m, err := parseClock(toks[1:])
	if err != nil {
		return time.Time{}, err
	}
	y, mo, d := now.In(loc).Date()
	return time.Date(y, mo, d+days, h, m, 0, 0, loc), nil
}

// dateTokens normalises and tokenizes the input of ParseDate and ParseDateTime.
func dateTokens(s string) ([]token, error) {
	s = Normalize(s)
	if s == "" {
		return nil, inputErr("date.empty")
	}
	toks, ok := tokenize(s)
	if !ok {
		return nil, inputErr("date.format")
	}
	return toks, nil
}

// civilDate is a checked calendar date in the Christian era.
type civilDate struct {
	year  int
	month time.Month
	day   int
}

func (d civilDate) at(hour, minute int, loc *time.Location) time.Time {
	return time.Date(d.year, d.month, d.day, hour, minute, 0, 0, loc)
}

// parseDateTokens reads the date at the start of toks and returns the tokens after it.
func parseDateTokens(toks []token) (civilDate, []token, error) {
	var parts []token // the day, month and year tokens, in typed order
	mark := eraAuto
	i := 0
	for ; i < len(toks) && len(parts) < 3; i++ {
		t := toks[i]
		if e, ok := eraWords[t.text]; ok && !t.num {
			mark = e
			continue
		}
		if t.num || monthWords[t.text] != 0 {
			parts = append(parts, t)
			continue
		}
		if !isDayWord(t.text) {
			return civilDate{}, nil, inputErr("date.format")
		}
	}
	if i < len(toks) && !toks[i].num {
		if e, ok := eraWords[toks[i].text]; ok {
			mark = e
			i++
		}
	}
	if len(parts) < 3 {
		return civilDate{}, nil, inputErr("date.format")
	}
	var day, month, year token
	switch {
	case parts[0].num && parts[1].num && parts[2].num && len(parts[0].text) == 4:
		year, month, day = parts[0], parts[1], parts[2]
	case parts[0].num && parts[2].num:
		day, month, year = parts[0], parts[1], parts[2]
	case parts[1].num && parts[2].num:
		month, day, year = parts[0], parts[1], parts[2]
	default:
		return civilDate{}, nil, inputErr("date.format")
	}
	d, err := checkDate(day, month, year, mark)
	return d, toks[i:], err
}

// checkDate turns the three tokens of a date into a civilDate, applying the era rules of
// ParseDate.
func checkDate(day, month, year token, mark era) (civilDate, error) {
	if len(day.text) > 2 || month.num && len(month.text) > 2 || len(year.text) != 2 && len(year.text) != 4 {
		return civilDate{}, inputErr("date.format")
	}
	d, _ := strconv.Atoi(day.text)
	m := int(monthWords[month.text])
	if month.num {
		m, _ = strconv.Atoi(month.text)
	}
	y, _ := strconv.Atoi(year.text)
	switch {
	case len(year.text) == 2 && mark == eraCE:
		y += 2000
	case len(year.text) == 2:
		y += 2500 - beOffset
	case mark == eraBE || mark == eraAuto && y >= beFrom:
		y -= beOffset
	}
	if y < minYear || y > maxYear {
		return civilDate{}, inputErr("date.year")
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if m < 1 || m > 12 || t.Day() != d || int(t.Month()) != m {
		return civilDate{}, inputErr("date.invalid")
	}
	return civilDate{year: y, month: time.Month(m), day: d}, nil
}

// hourSpan maps a spoken hour n in [lo, hi] to the 24-hour clock: hour = n + add.
type hourSpan struct{ lo, hi, add int }

// clockWords are the words that may follow a typed hour (after any minutes), as tokenize
// leaves them with the words of the time run together, and the hours each accepts:
// "" (24-hour clock, only with minutes), น./นาฬิกา/h/hrs (24-hour), am/pm (12-hour), and the
// Thai spoken clock: N โมง (1–5 afternoon, 6–12 morning and noon), N โมงเช้า (6–11),
// N โมงเย็น (4–6 p.m.), บ่าย N [โมง] (1–5 p.m.), N ทุ่ม (7–11 p.m.).
var clockWords = map[string][]hourSpan{
	"":        {{0, 23, 0}},
	"น":       {{0, 23, 0}},
	"นาฬิกา":  {{0, 23, 0}},
	"h":       {{0, 23, 0}},
	"hrs":     {{0, 23, 0}},
	"am":      {{12, 12, -12}, {1, 11, 0}},
	"pm":      {{12, 12, 0}, {1, 11, 12}},
	"โมง":     {{1, 5, 12}, {6, 12, 0}},
	"โมงเช้า": {{6, 11, 0}},
	"โมงเย็น": {{4, 6, 12}},
	"บ่าย":    {{1, 5, 12}},
	"บ่ายโมง": {{1, 5, 12}},
	"ทุ่ม":    {{1, 5, 18}},
}

// clockNames are the times said without a number: noon, midnight, and บ่ายโมง (1 p.m.).
var clockNames = map[string]int{"เที่ยง": 12, "เที่ยงวัน": 12, "เที่ยงคืน": 0, "บ่ายโมง": 13}

// clockFillers may stand in a time without changing it: เวลา, ตอน, at, นาที, and the ISO "T".
var clockFillers = map[string]bool{"เวลา": true, "ตอน": true, "at": true, "นาที": true, "t": true}

// ParseTimeOfDay reads a time of day and returns its hour (0–23) and minute (0–59). The
// input is normalised first. Forms:
//
//	9:00  09.00  9.00 น.  09:30 นาฬิกา  0900  930     hour and two-digit minute, 24-hour clock
//	9 น.  14 นาฬิกา                                    a whole hour with its unit
//	9am  2:30 pm                                       12-hour clock
//	9 โมง  9 โมงเช้า  บ่าย 2 โมง  4 โมงเย็น  2 ทุ่ม  เที่ยง   the Thai spoken clock (see clockWords);
//	                                                   "ครึ่ง" after it adds half an hour
//
// A bare hour ("9") is refused: it could be morning or evening.
//
// Errors (*InputError): time.format when the input is none of these (including empty);
// time.invalid for an hour or minute that does not exist: 25:00, 24:00, 9:60, 7 ทุ่ม, 13 pm.
func ParseTimeOfDay(s string) (hour, minute int, err error) {
	toks, ok := tokenize(Normalize(s))
	if !ok || len(toks) == 0 {
		return 0, 0, inputErr("time.format")
	}
	return parseClock(toks)
}

// parseClock reads the tokens of a time of day; see ParseTimeOfDay.
func parseClock(toks []token) (hour, minute int, err error) {
	var nums []string
	var words strings.Builder
	for _, t := range toks {
		switch {
		case t.num:
			nums = append(nums, t.text)
		case !clockFillers[t.text]:
			words.WriteString(t.text)
		}
	}
	w, half := strings.CutSuffix(words.String(), "ครึ่ง")
	hasMinute := false
	switch {
	case len(nums) == 0:
		h, ok := clockNames[w]
		if !ok {
			return 0, 0, inputErr("time.format")
		}
		hour = h
	case len(nums) == 1 && len(nums[0]) <= 2:
		hour, _ = strconv.Atoi(nums[0])
	case len(nums) == 1 && len(nums[0]) <= 4:
		hhmm, _ := strconv.Atoi(nums[0])
		hour, minute, hasMinute = hhmm/100, hhmm%100, true
	case len(nums) == 2 && len(nums[0]) <= 2 && len(nums[1]) == 2:
		hour, _ = strconv.Atoi(nums[0])
		minute, _ = strconv.Atoi(nums[1])
		hasMinute = true
	default:
		return 0, 0, inputErr("time.format")
	}
	if half {
		if hasMinute {
			return 0, 0, inputErr("time.format")
		}
		minute = 30
	}
	if len(nums) > 0 {
		spans, ok := clockWords[w]
		if !ok || w == "" && !hasMinute {
			return 0, 0, inputErr("time.format")
		}
		hour, ok = spoken(spans, hour)
		if !ok {
			return 0, 0, inputErr("time.invalid")
		}
	}
	if minute > 59 {
		return 0, 0, inputErr("time.invalid")
	}
	return hour, minute, nil
}

// spoken maps a spoken hour n to the 24-hour clock by the first span containing it.
func spoken(spans []hourSpan, n int) (int, bool) {
	for _, s := range spans {
		if n >= s.lo && n <= s.hi {
			return n + s.add, true
		}
	}
	return 0, false
}

// maxAge is the oldest age ParseAge accepts, in years.
const maxAge = 130

// approxWords before an age say it is a guess ("ประมาณ 40"); the age is read as given.
var approxWords = []string{"ประมาณ", "ราวๆ", "ราว", "น่าจะ", "about", "around", "approximately", "approx.", "approx", "~"}

// ParseAge reads an age in whole years: "45", "45 ปี", "๔๕", "อายุ 45 ปี", "45 years", and a
// guessed one as given: "ประมาณ 45", "อายุราวๆ 45 ปี", "about 45". The input is normalised
// first.
//
// Errors (*InputError): age.format when it is not a whole number, optionally after อายุ and
// a word of approxWords and followed by ปี, years, year, yrs or yr (so "-5", "45.5" and
// "สี่สิบห้า" are refused); age.range when it is over 130.
func ParseAge(s string) (int, error) {
	s = strings.ToLower(Normalize(s))
	s = strings.TrimSpace(strings.TrimPrefix(s, "อายุ"))
	for _, w := range approxWords {
		if rest, ok := strings.CutPrefix(s, w); ok {
			s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), "อายุ"))
			break
		}
	}
	for _, unit := range []string{"ปี", "years", "year", "yrs", "yr"} {
		if rest, ok := strings.CutSuffix(s, unit); ok {
			s = strings.TrimSpace(rest)
			break
		}
	}
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, inputErr("age.format")
	}
	n := 0
	for _, c := range s {
		n = min(n*10+int(c-'0'), maxAge+1) // capped: a long run of digits cannot overflow
	}
	if n > maxAge {
		return 0, inputErr("age.range")
	}
	return n, nil
}

// AgeOn returns the completed years between birth and on: the age on the day on, counting a
// birthday as reached on its date (29 February is reached on 1 March in other years). Each
// time is read in its own location; pass both in the display zone. It is negative when
// birth is after on.
func AgeOn(birth, on time.Time) int {
	years := on.Year() - birth.Year()
	if on.Month() < birth.Month() || on.Month() == birth.Month() && on.Day() < birth.Day() {
		years--
	}
	return years
}

// FormatDate shows the day of t in loc with the abbreviated Thai month and the Buddhist-era
// year: "3 ก.พ. 2566" (docs/ARCHITECTURE.md, "The store").
func FormatDate(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return fmt.Sprintf("%d %s %d", t.Day(), thaiMonths[t.Month()-1].abbr, t.Year()+beOffset)
}

// FormatDateLong shows the day of t in loc with the full Thai month and the Buddhist-era
// year: "3 กุมภาพันธ์ 2566".
func FormatDateLong(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return fmt.Sprintf("%d %s %d", t.Day(), thaiMonths[t.Month()-1].long, t.Year()+beOffset)
}

// FormatTime shows the time of day of t in loc on the 24-hour clock, Thai style: "09:00 น.".
func FormatTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("15:04") + " น."
}

// FormatDateTime is FormatDate and FormatTime together: "14 ธ.ค. 2569 09:00 น.".
func FormatDateTime(t time.Time, loc *time.Location) string {
	return FormatDate(t, loc) + " " + FormatTime(t, loc)
}

// WeekdayTH names the day of the week of t in loc in Thai, with วัน: "วันจันทร์".
func WeekdayTH(t time.Time, loc *time.Location) string {
	return "วัน" + thaiWeekdays[t.In(loc).Weekday()]
}

// FormatDateEN shows the day of t in loc in English with the Christian-era year:
// "3 Feb 2023".
func FormatDateEN(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2 Jan 2006")
}

// FormatDateTimeEN shows t in loc in English, 24-hour clock: "14 Dec 2026, 09:00".
func FormatDateTimeEN(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2 Jan 2006, 15:04")
}

// ParseInstant reads a moment as every surface takes it (officers' API, console, LINE): RFC
// 3339 ("2026-12-14T09:00:00+07:00") or a Thai date and time read in loc by ParseDateTime
// ("14/12/2569 09:00"). The result is UTC, to the millisecond (the stores' precision).
//
// Errors: those of ParseDateTime (an *InputError).
func ParseInstant(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, strings.TrimSpace(s)); err == nil {
		return t.UTC().Truncate(time.Millisecond), nil
	}
	t, err := ParseDateTime(s, loc)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC().Truncate(time.Millisecond), nil
}

// FormatInstant writes t as every machine-readable surface shows it: RFC 3339 in loc, so with
// loc's offset (+07:00 in Thailand), never UTC's "Z"; "" for the zero time.
func FormatInstant(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(time.RFC3339)
}
