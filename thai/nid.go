package thai

// nidLen is the number of digits of a Thai national ID number (section40.md §6.2).
const nidLen = 13

// ParseNationalID reads a Thai national ID number (เลขประจำตัวประชาชน) and returns its 13 ASCII
// digits, e.g. "1234567890121". The input is normalised first (Thai and full-width digits are
// read); spaces and dashes are ignored. Only the check digit of section40.md §6.2 is verified:
// a number that passes may still not exist, and the category digit is not checked.
//
// Errors (*InputError):
//   - nid.empty: nothing typed, or only separators;
//   - nid.not_digits: any other character (letters, dots, emoji);
//   - nid.too_short, nid.too_long: not 13 digits; Args {"count": digits typed};
//   - nid.check_digit: 13 digits whose last digit is not the check digit (a typing error).
func ParseNationalID(s string) (string, error) {
	d, ok := digitsOnly(Normalize(s), func(r rune) bool { return r == ' ' || isDash(r) })
	switch {
	case !ok:
		return "", inputErr("nid.not_digits")
	case d == "":
		return "", inputErr("nid.empty")
	case len(d) < nidLen:
		return "", countErr("nid.too_short", len(d))
	case len(d) > nidLen:
		return "", countErr("nid.too_long", len(d))
	case !ValidNationalID(d):
		return "", inputErr("nid.check_digit")
	}
	return d, nil
}

// ValidNationalID reports whether id is exactly 13 ASCII digits whose last digit is the check
// digit of section40.md §6.2: check = (11 − (Σ dᵢ·(14−i), i = 1..12) mod 11) mod 10.
// It does not normalise: pass a value from ParseNationalID or a stored one.
func ValidNationalID(id string) bool {
	if !isDigits(id, nidLen) {
		return false
	}
	sum := 0
	for i := range nidLen - 1 {
		sum += int(id[i]-'0') * (nidLen - i)
	}
	return int(id[nidLen-1]-'0') == (11-sum%11)%10
}

// FormatNationalID shows a 13-digit ID in the groups printed on the card, 1-4-5-2-1:
// "1234567890121" → "1-2345-67890-12-1". Anything that is not 13 ASCII digits is returned
// unchanged.
func FormatNationalID(id string) string {
	if !isDigits(id, nidLen) {
		return id
	}
	return id[:1] + "-" + id[1:5] + "-" + id[5:10] + "-" + id[10:12] + "-" + id[12:]
}

// MaskNationalID shows a 13-digit ID for logs and screens that must not reveal it (docs/ARCHITECTURE.md,
// "Security and personal data"): the category digit, the registration office and the check
// digit stay, "1234567890121" → "1-2345-xxxxx-xx-1". Anything that is not 13 ASCII digits
// gives "x-xxxx-xxxxx-xx-x", so a malformed value never leaks.
func MaskNationalID(id string) string {
	if !isDigits(id, nidLen) {
		return "x-xxxx-xxxxx-xx-x"
	}
	return id[:1] + "-" + id[1:5] + "-xxxxx-xx-" + id[12:]
}
