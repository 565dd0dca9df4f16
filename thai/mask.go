package thai

import "regexp"

// personalRun finds a run of 9 or more digits with at most 3 separators (anything but a letter
// or a digit) between two: a phone number (9–10 digits) or a national ID (13), however it is
// typed ("081-234-5678", "(081) 234 5678", "1 2345 67890 12 1").
var personalRun = regexp.MustCompile(`\d(?:[^\p{L}\d]{0,3}\d){8,}`)

// HasPersonalNumber reports whether free text s seems to carry a phone number or a national
// ID; s is normalised first, so Thai and full-width digits count.
func HasPersonalNumber(s string) bool { return personalRun.MatchString(Normalize(s)) }

// MaskPersonalNumbers returns free text s normalised, with every phone number and national ID
// in it masked as the displays mask them (docs/ARCHITECTURE.md, "Security and personal data"):
// 13 digits as MaskNationalID, a mobile as MaskPhone, any other run of 9 or more digits with
// each digit an "x". The result is at most a few characters per number longer than s.
func MaskPersonalNumbers(s string) string {
	return personalRun.ReplaceAllStringFunc(Normalize(s), func(run string) string {
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
	})
}
