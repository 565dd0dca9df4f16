package line

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// MaxURI is the longest link a uri action may carry: 1,000 characters of its percent-encoded
// UTF-8 form (line-platform.md row 20). A longer one makes LINE refuse the whole message.
const MaxURI = 1000

// Errors of NormalizeLink.
var (
	ErrLinkInvalid = errors.New("not an https:// link")
	ErrLinkTooLong = fmt.Errorf("longer than %d characters once percent-encoded", MaxURI)
)

// NormalizeLink returns s as a uri action carries it (line-platform.md row 20): trimmed, an
// absolute https URL with an ASCII host, and every character of its path, query and fragment
// outside printable ASCII percent-encoded as UTF-8 ("?q=ถนน" → "?q=%E0%B8%96…"); escapes already
// there are kept. It is idempotent. Errors: ErrLinkInvalid (not https, no host, a non-ASCII
// host, unparsable), ErrLinkTooLong (over MaxURI once encoded).
func NormalizeLink(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || !strings.EqualFold(u.Scheme, "https") || u.Host == "" || u.Opaque != "" || !printableASCII(u.Host) {
		return "", ErrLinkInvalid
	}
	u.Scheme = "https"
	u.RawQuery = escapeNonASCII(u.RawQuery)
	out := u.String() // encodes path and fragment
	if len(out) > MaxURI {
		return "", ErrLinkTooLong
	}
	return out, nil
}

// escapeNonASCII percent-encodes the bytes of s that are not printable ASCII, and the
// characters a URL may not hold raw (space, ", <, >, \, ^, `, {, |, }).
func escapeNonASCII(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"<>\\^`{|}", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
