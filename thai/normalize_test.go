package thai

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"only spaces", " \u00A0\u3000\t\n", ""},
		{"ascii unchanged", "Chiang Mai", "Chiang Mai"},
		{"thai unchanged", "เชียงใหม่", "เชียงใหม่"},
		{"thai digits", "๐๘๑-๒๓๔-๕๖๗๘", "081-234-5678"},
		{"thai digits in text", "อายุ ๔๕ ปี", "อายุ 45 ปี"},
		{"full-width digits", "０８１２３４５６７８", "0812345678"},
		{"full-width letters and dash", "ＡＢｃ－１", "ABc-1"},
		{"ideographic space", "a\u3000b", "a b"},
		{"nbsp", "a\u00A0b", "a b"},
		{"em space and thin space", "a\u2003\u2009b", "a b"},
		{"narrow nbsp", "a\u202Fb", "a b"},
		{"tab and newline", "a\tb\r\nc", "a b c"},
		{"runs collapsed and trimmed", "  สมชาย    ใจดี  ", "สมชาย ใจดี"},
		{"zero-width space", "08\u200B12", "0812"},
		{"zero-width joiners", "a\u200Cb\u200Dc", "abc"},
		{"word joiner and bom", "\uFEFFa\u2060b", "ab"},
		{"soft hyphen", "เชียง\u00ADใหม่", "เชียงใหม่"},
		{"direction marks", "\u200E081\u200F", "081"},
		{"zero-width only", "\u200B\u200B", ""},
		{"sara am decomposed", "ก\u0E4D\u0E32", "กำ"},
		{"sara am with tone between", "น\u0E4D\u0E49\u0E32", "น\u0E49\u0E33"},
		{"tone after sara am", "น\u0E33\u0E49", "น\u0E49\u0E33"},
		{"sara am composed unchanged", "หนองบัวลำภู", "หนองบัวลำภู"},
		{"sara am across zero-width", "ก\u0E4D\u200B\u0E32", "กำ"},
		{"full-width sara am word", "อ\u0E4D\u0E32นาจเจริญ", "อำนาจเจริญ"},
		{"nfc latin", "Jose\u0301", "José"},
		{"nfc thai marks below before tone", "ป\u0E49\u0E39", "ป\u0E39\u0E49"},
		{"invalid utf-8", "a\xffb", "a\uFFFDb"},
		{"emoji kept", "ok 👍", "ok 👍"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Normalize(tt.in)
			if got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := Normalize(got); again != got {
				t.Errorf("Normalize not idempotent: %q → %q", got, again)
			}
		})
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"", " ", "๐๘๑ ๒๓๔ ๕๖๗๘", "０８１", "a\u200Bb", "ก\u0E4D\u0E49\u0E32", "น\u0E33\u0E49\u0E48",
		"\u0301\u0E4D\u0E48\u0E32", "\u0E33\u0301\u0E48", "e\u0301\u0E33", "\xff\xfe", "ｶﾞ", "\u3000x\u00A0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Normalize(s)
		if again := Normalize(got); again != got {
			t.Fatalf("Normalize(%q) = %q, but Normalize of that = %q", s, got, again)
		}
		if !utf8.ValidString(got) {
			t.Fatalf("Normalize(%q) = %q: invalid UTF-8", s, got)
		}
		if strings.TrimSpace(got) != got || strings.Contains(got, "  ") {
			t.Fatalf("Normalize(%q) = %q: spaces not collapsed", s, got)
		}
	})
}
