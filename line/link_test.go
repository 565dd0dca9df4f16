package line

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeLink(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"https://maps.app.goo.gl/xyz", "https://maps.app.goo.gl/xyz"},
		{"  https://www.google.com/maps/search/?api=1&query=โรงแรม เพชรบุรี  ", "https://www.google.com/maps/search/?api=1&query=%E0%B9%82%E0%B8%A3%E0%B8%87%E0%B9%81%E0%B8%A3%E0%B8%A1%20%E0%B9%80%E0%B8%9E%E0%B8%8A%E0%B8%A3%E0%B8%9A%E0%B8%B8%E0%B8%A3%E0%B8%B5"},
		{"https://example.com/ถนน?a=1%20b", "https://example.com/%E0%B8%96%E0%B8%99%E0%B8%99?a=1%20b"},
		{"HTTPS://example.com/a#ที่", "https://example.com/a#%E0%B8%97%E0%B8%B5%E0%B9%88"},
	} {
		got, err := NormalizeLink(c.in)
		if err != nil || got != c.want {
			t.Errorf("NormalizeLink(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
		if again, err := NormalizeLink(got); err != nil || again != got {
			t.Errorf("NormalizeLink not idempotent on %q: %q, %v", got, again, err)
		}
	}
	for _, in := range []string{"", "http://example.com", "javascript:alert(1)", "https://", "https://ตัวอย่าง.ไทย/", "maps.google.com", "https://a b/"} {
		if _, err := NormalizeLink(in); !errors.Is(err, ErrLinkInvalid) {
			t.Errorf("NormalizeLink(%q): %v, want ErrLinkInvalid", in, err)
		}
	}
	// 110 Thai characters are 330 raw, 990 encoded: with the prefix over 1,000.
	long := "https://www.google.com/maps/search/?api=1&query=" + strings.Repeat("ก", 110)
	if _, err := NormalizeLink(long); !errors.Is(err, ErrLinkTooLong) {
		t.Errorf("NormalizeLink(long): %v, want ErrLinkTooLong", err)
	}
}
