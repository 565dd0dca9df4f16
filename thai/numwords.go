package thai

import (
	"strconv"
	"strings"
)

// unitWords are the Thai words for 1–9; เอ็ด is 1 after a ten (สิบเอ็ด, ยี่สิบเอ็ด).
var unitWords = []struct {
	word string
	n    int
}{{"หนึ่ง", 1}, {"สอง", 2}, {"สาม", 3}, {"สี่", 4}, {"ห้า", 5}, {"หก", 6}, {"เจ็ด", 7}, {"แปด", 8}, {"เก้า", 9}}

// LeadingNumber reads the whole number at the start of s, after Normalize: digits ("12", "๑๒")
// or Thai number words from 1 to 99 ("ห้า", "สิบสอง", "ยี่สิบเอ็ด"). It returns the number and
// the text after it, or ok false when s does not start with a number. Words are read only at
// the start, so "หกล้ม" is 6 followed by "ล้ม": callers check what follows.
func LeadingNumber(s string) (n int, rest string, ok bool) {
	s = strings.TrimSpace(Normalize(s))
	end := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(s)
	}
	if end > 0 {
		if n, err := strconv.Atoi(s[:end]); err == nil {
			return n, s[end:], true
		}
		return 0, s, false // too many digits
	}
	unit := func(s string) (int, string) {
		for _, u := range unitWords {
			if r, ok := strings.CutPrefix(s, u.word); ok {
				return u.n, r
			}
		}
		return 0, s
	}
	rest = s
	if r, ok := strings.CutPrefix(rest, "ยี่สิบ"); ok {
		n, rest = 20, r
	} else if d, r := unit(rest); d >= 2 && strings.HasPrefix(r, "สิบ") {
		n, rest = d*10, strings.TrimPrefix(r, "สิบ")
	} else if r, ok := strings.CutPrefix(rest, "สิบ"); ok {
		n, rest = 10, r
	}
	if n > 0 {
		if r, ok := strings.CutPrefix(rest, "เอ็ด"); ok {
			return n + 1, r, true
		}
	}
	d, r := unit(rest)
	if n == 0 && d == 0 {
		return 0, s, false
	}
	return n + d, r, true
}
