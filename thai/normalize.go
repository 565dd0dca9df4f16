package thai

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// Thai code points used by the normalisation.
const (
	thaiDigitZero = '\u0E50' // ๐; ๐–๙ are U+0E50–U+0E59
	nikhahit      = '\u0E4D' // ํ, the circle of a decomposed sara am
	saraAa        = '\u0E32' // า
	saraAm        = '\u0E33' // ำ
)

// isToneMark reports whether r is one of the four Thai tone marks ่ ้ ๊ ๋ (U+0E48–U+0E4B).
func isToneMark(r rune) bool { return r >= '\u0E48' && r <= '\u0E4B' }

// isInvisible reports the zero-width characters that Normalize drops: zero-width space,
// non-joiner and joiner (U+200B–U+200D), left-to-right and right-to-left marks (U+200E,
// U+200F), word joiner (U+2060), byte-order mark (U+FEFF) and soft hyphen (U+00AD).
func isInvisible(r rune) bool {
	switch r {
	case '\u200B', '\u200C', '\u200D', '\u200E', '\u200F', '\u2060', '\uFEFF', '\u00AD':
		return true
	}
	return false
}

// Normalize returns s in the one form every parser reads (docs/ARCHITECTURE.md, "The conversation
// engine"):
//
//   - full-width and half-width forms folded (golang.org/x/text/width.Fold): "０８１" → "081";
//   - Thai digits ๐–๙ → ASCII 0–9;
//   - zero-width characters dropped (see isInvisible: U+200B/C/D, U+200E/F, U+2060, U+FEFF,
//     soft hyphen);
//   - every Unicode white space (NBSP, U+3000, the U+2000 block, tab, newline, …) → ASCII
//     space, runs of spaces collapsed to one, leading and trailing spaces trimmed;
//   - Unicode NFC, so "e" + combining acute is "é" and Thai marks below come before tone marks;
//   - a decomposed sara am composed: ํ + า → ำ, and ํ + tone + า → tone + ำ; a tone mark typed
//     after ำ is moved before it (ก + ำ + ่ → ก + ่ + ำ), the order of the standard spelling.
//
// Invalid UTF-8 bytes become U+FFFD. Letters keep their case. Normalize is idempotent:
// Normalize(Normalize(s)) == Normalize(s).
func Normalize(s string) string {
	s = width.Fold.String(s)
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= thaiDigitZero && r <= thaiDigitZero+9:
			return '0' + r - thaiDigitZero
		case isInvisible(r):
			return -1
		case unicode.IsSpace(r):
			return ' '
		}
		return r
	}, s)
	s = norm.NFC.String(composeSaraAm([]rune(norm.NFC.String(s))))
	return strings.Join(strings.Fields(s), " ")
}

// composeSaraAm composes ํ + า and ํ + tone + า into ำ (keeping the tone before it), then
// moves the tone marks among the combining marks that follow any ำ to just before it.
func composeSaraAm(rs []rune) string {
	composed := make([]rune, 0, len(rs))
	for i := 0; i < len(rs); i++ {
		switch {
		case rs[i] == nikhahit && i+1 < len(rs) && rs[i+1] == saraAa:
			composed = append(composed, saraAm)
			i++
		case rs[i] == nikhahit && i+2 < len(rs) && isToneMark(rs[i+1]) && rs[i+2] == saraAa:
			composed = append(composed, rs[i+1], saraAm)
			i += 2
		default:
			composed = append(composed, rs[i])
		}
	}
	out := make([]rune, 0, len(composed))
	for i := 0; i < len(composed); i++ {
		if composed[i] != saraAm {
			out = append(out, composed[i])
			continue
		}
		j := i + 1
		for j < len(composed) && unicode.Is(unicode.Mn, composed[j]) {
			j++
		}
		marks := composed[i+1 : j]
		for _, m := range marks {
			if isToneMark(m) {
				out = append(out, m)
			}
		}
		out = append(out, saraAm)
		for _, m := range marks {
			if !isToneMark(m) {
				out = append(out, m)
			}
		}
		i = j - 1
	}
	return string(out)
}
