package thai

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNameLen is the longest full name ParseFullName accepts, in characters (runes).
const maxNameLen = 100

// nameTitles are the titles that may stand, as a separate word, in front of a name without
// counting as a part of it (compared in lower case).
var nameTitles = map[string]bool{
	"นาย": true, "นาง": true, "นางสาว": true, "น.ส.": true, "นส.": true, "นส": true,
	"mr": true, "mr.": true, "mrs": true, "mrs.": true, "ms": true, "ms.": true, "miss": true,
}

// IsTitle reports whether word is a title that may stand before a name (นาย, นาง, นางสาว,
// น.ส., Mr, Mrs, Ms, Miss; in any case).
func IsTitle(word string) bool { return nameTitles[strings.ToLower(word)] }

// ParseFullName reads a person's first and last name and returns it normalised (see
// Normalize), title kept: "นาย สมชาย ใจดี". It needs at least two words with a letter after
// an optional title written as a separate word (นาย, นาง, นางสาว, น.ส., Mr, Mrs, Ms, Miss); a
// title glued to the name ("นายสมชาย ใจดี") is simply part of the first name. Allowed are
// letters of any script with their combining marks (Thai vowels and tone marks), spaces,
// and . - ' ’. Emoji and other decorations before and after the name are dropped (see
// TrimDecorations): "สมหญิง ใจดี 🙏" is "สมหญิง ใจดี"; inside the name they are refused.
//
// Errors (*InputError), in this order:
//   - name.empty: nothing typed;
//   - name.bad_chars: nothing but decorations ("🙏🙏");
//   - name.too_long: over 100 characters (runes) after normalising; Args {"max": 100};
//   - name.has_digits: a digit of any script (often a phone number in the wrong field);
//   - name.bad_chars: anything else not allowed: emoji, symbols, other punctuation inside
//     the name, a combining mark with no letter before it;
//   - name.need_surname: fewer than two name words.
func ParseFullName(s string) (string, error) {
	s = Normalize(s)
	if s == "" {
		return "", inputErr("name.empty")
	}
	if s = TrimDecorations(s); s == "" {
		return "", inputErr("name.bad_chars")
	}
	if utf8.RuneCountInString(s) > maxNameLen {
		return "", &InputError{Key: "name.too_long", Args: map[string]any{"max": maxNameLen}}
	}
	hasDigit, hasBad, afterLetter := false, false, false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			afterLetter = true
		case unicode.IsMark(r):
			hasBad = hasBad || !afterLetter
		case unicode.IsDigit(r):
			hasDigit = true
		case strings.ContainsRune(" .-'’", r):
			afterLetter = false
		default:
			hasBad = true
		}
	}
	switch {
	case hasDigit:
		return "", inputErr("name.has_digits")
	case hasBad:
		return "", inputErr("name.bad_chars")
	}
	words := strings.Fields(s)
	if nameTitles[strings.ToLower(words[0])] {
		words = words[1:]
	}
	parts := 0
	for _, w := range words {
		if strings.IndexFunc(w, unicode.IsLetter) >= 0 {
			parts++
		}
	}
	if parts < 2 {
		return "", inputErr("name.need_surname")
	}
	return s, nil
}

// TrimDecorations drops what people put around a name or a word to decorate it — emoji,
// symbols and punctuation other than . - ' ’, with the marks and modifiers that belong to them
// (U+FE0F, skin tones, keycaps) — from both ends of s, and the spaces they leave:
// "🌸 สมหญิง ใจดี 🙏🏻" → "สมหญิง ใจดี", "(สมหญิง ใจดี)" → "สมหญิง ใจดี". What is inside
// stays, and so does a combining mark with no letter before it (a typo, not a decoration).
func TrimDecorations(s string) string {
	// Clusters: a rune and the marks and emoji modifiers after it.
	rs := []rune(s)
	var starts []int
	for i, r := range rs {
		if i == 0 || !unicode.IsMark(r) && (r < 0x1F3FB || r > 0x1F3FF) {
			starts = append(starts, i)
		}
	}
	trim := func(c int) bool {
		r := rs[starts[c]]
		return unicode.IsSpace(r) || !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) && !strings.ContainsRune(".-'’", r)
	}
	first, last := 0, len(starts)
	for first < last && trim(first) {
		first++
	}
	for last > first && trim(last-1) {
		last--
	}
	if first == last {
		return ""
	}
	end := len(rs)
	if last < len(starts) {
		end = starts[last]
	}
	return string(rs[starts[first]:end])
}

// isBidiControl reports the invisible characters that reorder text (U+061C, U+202A–U+202E,
// U+2066–U+2069): in a stored text they could make what an officer sees differ from what
// was typed.
func isBidiControl(r rune) bool {
	return r == '\u061C' || r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069'
}

// ParseMessageText reads text a person writes for others to read (an announcement, a
// workshop's title or description) and returns it as written: Thai digits, line breaks and
// spacing stay (only what is parsed is normalised). It only trims white space around it, turns
// CR LF and CR into LF, and replaces invalid UTF-8 with U+FFFD. maxLen is the longest accepted
// length in characters (runes).
//
// Errors (*InputError):
//   - text.empty: nothing but white space;
//   - text.bad_chars: a control character other than tab and line feed, or a
//     bidirectional-override character (it could make what readers see differ from what was
//     written);
//   - text.too_long: more than max characters; Args {"max": maxLen}.
func ParseMessageText(s string, maxLen int) (string, error) {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	s = strings.TrimFunc(s, unicode.IsSpace)
	if s == "" {
		return "", inputErr("text.empty")
	}
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' || isBidiControl(r) }) >= 0 {
		return "", inputErr("text.bad_chars")
	}
	if utf8.RuneCountInString(s) > maxLen {
		return "", &InputError{Key: "text.too_long", Args: map[string]any{"max": maxLen}}
	}
	return s, nil
}

// ParseFreeText reads a short free answer (district, organisation, occupation) and returns
// it normalised (see Normalize: one line, single spaces). Letters, digits, punctuation,
// symbols and emoji are all allowed. maxLen is the longest accepted length in characters
// (runes), counted after normalising.
//
// Errors (*InputError):
//   - text.empty: nothing typed;
//   - text.bad_chars: a control character (Unicode Cc, e.g. NUL or ESC; tabs and newlines
//     are already spaces) or a bidirectional-override character;
//   - text.too_long: more than max characters; Args {"max": maxLen}.
func ParseFreeText(s string, maxLen int) (string, error) {
	s = Normalize(s)
	if s == "" {
		return "", inputErr("text.empty")
	}
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || isBidiControl(r) }) >= 0 {
		return "", inputErr("text.bad_chars")
	}
	if utf8.RuneCountInString(s) > maxLen {
		return "", &InputError{Key: "text.too_long", Args: map[string]any{"max": maxLen}}
	}
	return s, nil
}
