package thai

import (
	"regexp"
	"strings"
)

// personalRun finds a run of 9 or more digits with at most 3 separators (anything but a letter,
// a digit or the ':' of a time) between two: a phone number (9–10 digits) or a national ID
// (13), however it is typed ("081-234-5678", "(081) 234 5678", "1 2345 67890 12 1"). A run
// that is a date and the hour of its time (dateHour) is not one.
var personalRun = regexp.MustCompile(`\d(?:[^\p{L}\d:]{0,3}\d){8,}`)

// dateHour is a day/month/year date followed by an hour, as personalRun stops it at the time's
// ':' ("14/12/2569 09" of "14/12/2569 09:00").
var dateHour = regexp.MustCompile(`^\d{1,2}/\d{1,2}/\d{2,4}[^\p{L}\d]{1,3}\d{1,2}$`)

// personalRuns returns the index pairs of the personal numbers in normalised text s.
func personalRuns(s string) [][]int {
	var out [][]int
	for _, m := range personalRun.FindAllStringIndex(s, -1) {
		if !dateHour.MatchString(s[m[0]:m[1]]) {
			out = append(out, m)
		}
	}
	return out
}

// HasPersonalNumber reports whether free text s seems to carry a phone number or a national
// ID; s is normalised first, so Thai and full-width digits count.
func HasPersonalNumber(s string) bool { return len(personalRuns(Normalize(s))) > 0 }

// MaskPersonalNumbers returns free text s normalised, with every phone number and national ID
// in it masked as the displays mask them (docs/ARCHITECTURE.md, "Security and personal data"):
// 13 digits as MaskNationalID, a mobile as MaskPhone, any other run of 9 or more digits with
// each digit an "x". The result is at most a few characters per number longer than s.
func MaskPersonalNumbers(s string) string {
	s = Normalize(s)
	var b strings.Builder
	last := 0
	for _, m := range personalRuns(s) {
		b.WriteString(s[last:m[0]])
		b.WriteString(maskRun(s[m[0]:m[1]]))
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// maskRun masks one personal number run as MaskPersonalNumbers describes.
func maskRun(run string) string {
	digits := make([]byte, 0, len(run))
	for i := 0; i < len(run); i++ {
		if run[i] >= '0' && run[i] <= '9' {
			digits = append(digits, run[i])
		}
	}
	switch d := string(digits); {
	case len(d) == nidLen:
		return MaskNationalID(d)
	case len(d) == mobileLen && d[0] == '0':
		return MaskPhone(d)
	}
	out := []byte(run)
	for i, b := range out {
		if b >= '0' && b <= '9' {
			out[i] = 'x'
		}
	}
	return string(out)
}
