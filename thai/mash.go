package thai

import (
	"strings"
	"unicode"
)

// keyboardRows are the letter rows of the keyboards members type on, unshifted: Latin QWERTY
// and Thai Kedmanee (its marks, such as ้ ่ ั ี, are keys of their rows too).
var keyboardRows = []string{
	"qwertyuiop", "asdfghjkl", "zxcvbnm",
	"ๆไำพะัีรนยบลฃ", "ฟหกดเ้่าสวง", "ผปแอิืทมใฝ",
}

// minMash is the fewest keys a line needs to be taken for mash: shorter runs of one row are
// often words ("ดาว", "add").
const minMash = 4

// IsKeyboardMash reports whether s is keyboard mash, a thumb run along the keyboard rather
// than words: once normalised and in lower case, at least 4 letters and marks, every one of
// them from the same row of a Latin or Thai keyboard, with nothing else but spaces and
// punctuation ("asdfgh", "ASDF", "ฟหกดฟหกด", "qwerty!!"). A digit, an emoji or a letter of
// another row means it is not ("asdf 12", "hello"). Words that happen to lie on one row
// ("your", "ก้าว") are taken for mash too: the rule is for telling a question from noise,
// never for refusing input.
func IsKeyboardMash(s string) bool {
	s = strings.ToLower(Normalize(s))
	keys := make([]rune, 0, len(s))
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsMark(r):
			keys = append(keys, r)
		case unicode.IsSpace(r) || unicode.IsPunct(r):
		default:
			return false
		}
	}
	if len(keys) < minMash {
		return false
	}
	for _, row := range keyboardRows {
		if !strings.ContainsRune(row, keys[0]) {
			continue
		}
		for _, r := range keys {
			if !strings.ContainsRune(row, r) {
				return false
			}
		}
		return true
	}
	return false
}
