package thai

import (
	"strings"
	"unicode"
)

// mobileLen is the number of digits of a Thai mobile number in national form (0812345678).
const mobileLen = 10

// digitsOnly returns the ASCII digits of an already normalised s, skipping the runes for which
// skip is true. ok is false when some other rune is present.
func digitsOnly(s string, skip func(rune) bool) (digits string, ok bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case skip(r):
		default:
			return "", false
		}
	}
	return b.String(), true
}

// isDash reports ASCII hyphen-minus and every Unicode dash (‐ – — …) and the minus sign.
func isDash(r rune) bool { return r == '-' || r == '−' || unicode.Is(unicode.Pd, r) }

// ParseMobile reads a Thai mobile number and returns it as 10 ASCII digits starting 06, 08 or
// 09, e.g. "0812345678". The input is normalised first (Thai and full-width digits are read);
// spaces, dashes, dots and parentheses are ignored; a country code +66, 66, 0066 or +66 (0)
// becomes the leading 0. Landlines (02…, 053…) are not mobiles.
//
// Errors (*InputError):
//   - phone.empty: nothing typed, or only separators;
//   - phone.not_digits: anything else (letters, emoji, a second "+", a comma between two
//     numbers, an extension);
//   - phone.landline: a landline, 9 digits in national form starting 02, 03, 04, 05 or 07
//     ("02-123-4567", "053-123-456"): complete, but no mobile, so not "too short";
//   - phone.too_short, phone.too_long: not 10 digits once the country code is replaced;
//     Args {"count": digits in that national form};
//   - phone.not_mobile: 10 digits not starting 06, 08 or 09, or a country code other than +66.
func ParseMobile(s string) (string, error) {
	s = Normalize(s)
	if s == "" {
		return "", inputErr("phone.empty")
	}
	rest, plus := strings.CutPrefix(s, "+")
	d, ok := digitsOnly(rest, func(r rune) bool {
		return r == ' ' || r == '.' || r == '(' || r == ')' || isDash(r)
	})
	switch {
	case !ok:
		return "", inputErr("phone.not_digits")
	case d == "":
		return "", inputErr("phone.empty")
	}
	if after, intl := strings.CutPrefix(d, "00"); intl && !plus {
		d, plus = after, true
	}
	switch {
	case plus && !strings.HasPrefix(d, "66"):
		return "", inputErr("phone.not_mobile")
	case plus, strings.HasPrefix(d, "66") && len(d) >= 11:
		d = "0" + strings.TrimPrefix(d[2:], "0")
	}
	switch {
	case isLandline(d):
		return "", inputErr("phone.landline")
	case len(d) < mobileLen:
		return "", countErr("phone.too_short", len(d))
	case len(d) > mobileLen:
		return "", countErr("phone.too_long", len(d))
	case !strings.HasPrefix(d, "06") && !strings.HasPrefix(d, "08") && !strings.HasPrefix(d, "09"):
		return "", inputErr("phone.not_mobile")
	}
	return d, nil
}

// landlineLen is the number of digits of a Thai landline in national form (021234567).
const landlineLen = 9

// isLandline reports whether d, digits in national form, is a Thai landline: 9 digits, 0 and
// then the area's 2 (Bangkok), 3, 4, 5 or 7.
func isLandline(d string) bool {
	return len(d) == landlineLen && d[0] == '0' && strings.ContainsRune("23457", rune(d[1]))
}

// isDigits reports whether s is exactly n ASCII digits.
func isDigits(s string, n int) bool {
	return len(s) == n && strings.Trim(s, "0123456789") == ""
}

// FormatPhone shows a number from ParseMobile as 3-3-4 digits: "0812345678" → "081-234-5678".
// Anything that is not 10 ASCII digits is returned unchanged.
func FormatPhone(p string) string {
	if !isDigits(p, mobileLen) {
		return p
	}
	return p[:3] + "-" + p[3:6] + "-" + p[6:]
}

// MaskPhone shows a number from ParseMobile for logs and screens that must not reveal it
// (docs/ARCHITECTURE.md, "Security and personal data"): the first two and last four digits stay,
// "0812345678" → "08x-xxx-5678". Anything that is not 10 ASCII digits gives "xxx-xxx-xxxx",
// so a malformed value never leaks.
func MaskPhone(p string) string {
	if !isDigits(p, mobileLen) {
		return "xxx-xxx-xxxx"
	}
	return p[:2] + "x-xxx-" + p[6:]
}
