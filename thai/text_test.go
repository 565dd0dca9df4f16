package thai

import (
	"errors"
	"strings"
	"testing"
)

func TestParseFullName(t *testing.T) {
	tests := []struct {
		name, in, want, wantKey string
	}{
		{name: "thai", in: "สมชาย ใจดี", want: "สมชาย ใจดี"},
		{name: "title นาย", in: "นาย สมชาย ใจดี", want: "นาย สมชาย ใจดี"},
		{name: "title glued", in: "นายสมชาย ใจดี", want: "นายสมชาย ใจดี"},
		{name: "title นางสาว", in: "นางสาว สมหญิง รักเรียน", want: "นางสาว สมหญิง รักเรียน"},
		{name: "title น.ส.", in: "น.ส. สมหญิง รักเรียน", want: "น.ส. สมหญิง รักเรียน"},
		{name: "english", in: "  John   O'Brien-Smith ", want: "John O'Brien-Smith"},
		{name: "english title", in: "Mr. John Smith", want: "Mr. John Smith"},
		{name: "smart apostrophe", in: "Mary O’Neil", want: "Mary O’Neil"},
		{name: "decomposed accent", in: "Jose\u0301 Garci\u0301a", want: "José García"},
		{name: "decomposed sara am", in: "ส\u0E4D\u0E32ราญ ค\u0E4D\u0E32ดี", want: "สำราญ คำดี"},
		{name: "zero-width and nbsp", in: "สมชาย\u200B\u00A0ใจดี", want: "สมชาย ใจดี"},
		{name: "three parts", in: "Nguyen Van An", want: "Nguyen Van An"},
		{name: "burmese", in: "မောင် မောင်", want: "မောင် မောင်"},
		{name: "empty", in: "", wantKey: "name.empty"},
		{name: "spaces only", in: " \u3000 ", wantKey: "name.empty"},
		{name: "first name only", in: "สมชาย", wantKey: "name.need_surname"},
		{name: "title and first name", in: "นาย สมชาย", wantKey: "name.need_surname"},
		{name: "title only", in: "นางสาว", wantKey: "name.need_surname"},
		{name: "punctuation as surname", in: "สมชาย -", wantKey: "name.need_surname"},
		{name: "digits", in: "สมชาย ใจดี 45", wantKey: "name.has_digits"},
		{name: "thai digits", in: "สมชาย ๔๕", wantKey: "name.has_digits"},
		{name: "phone number", in: "0812345678", wantKey: "name.has_digits"},
		{name: "trailing emoji", in: "สมชาย ใจดี 😊", want: "สมชาย ใจดี"},
		{name: "trailing emoji glued", in: "สมหญิง ใจดี🙏", want: "สมหญิง ใจดี"},
		{name: "emoji both ends, skin tone", in: "🌸 สมหญิง ใจดี 🙏🏻", want: "สมหญิง ใจดี"},
		{name: "emoji with variation selector", in: "สมหญิง ใจดี ❤️❤️", want: "สมหญิง ใจดี"},
		{name: "decorations", in: "~*สมหญิง ใจดี*~", want: "สมหญิง ใจดี"},
		{name: "brackets", in: "(สมหญิง ใจดี)", want: "สมหญิง ใจดี"},
		{name: "emoji only", in: "🙏🙏", wantKey: "name.bad_chars"},
		{name: "emoji and spaces only", in: " ❤️ 🙏🏻 ", wantKey: "name.bad_chars"},
		{name: "emoji inside", in: "สมชาย 😊 ใจดี", wantKey: "name.bad_chars"},
		{name: "emoji and first name only", in: "สมหญิง 🙏", wantKey: "name.need_surname"},
		{name: "digit after emoji", in: "สมชาย ใจดี 😊 45", wantKey: "name.has_digits"},
		{name: "symbol", in: "สมชาย @ใจดี", wantKey: "name.bad_chars"},
		{name: "comma", in: "ใจดี, สมชาย", wantKey: "name.bad_chars"},
		{name: "lone mark", in: "\u0E48สมชาย ใจดี", wantKey: "name.bad_chars"},
		{name: "control", in: "สมชาย\x00 ใจดี", wantKey: "name.bad_chars"},
		{name: "too long", in: "ก " + strings.Repeat("ข", 99), wantKey: "name.too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFullName(tt.in)
			if key := errKey(t, err); key != tt.wantKey || got != tt.want {
				t.Errorf("ParseFullName(%q) = %q, %v; want %q, key %q", tt.in, got, err, tt.want, tt.wantKey)
			}
		})
	}
	if _, err := ParseFullName("ก " + strings.Repeat("ข", 98)); err != nil {
		t.Errorf("100 characters: %v", err)
	}
}

func TestParseFreeText(t *testing.T) {
	tests := []struct {
		name, in, want, wantKey string
		max                     int
	}{
		{name: "district", in: " อ.เมือง ", max: 50, want: "อ.เมือง"},
		{name: "emoji allowed", in: "ร้านข้าวแกง 🍛", max: 50, want: "ร้านข้าวแกง 🍛"},
		{name: "digits and symbols", in: "หมู่ 5 (บ้านนา) #2", max: 50, want: "หมู่ 5 (บ้านนา) #2"},
		{name: "newlines become spaces", in: "line one\nline two", max: 50, want: "line one line two"},
		{name: "exactly max", in: "กขคงจ", max: 5, want: "กขคงจ"},
		{name: "max counts after normalising", in: "ก\u200Bข\u200Bค", max: 3, want: "กขค"},
		{name: "empty", in: "", max: 50, wantKey: "text.empty"},
		{name: "zero-width only", in: "\u200B\uFEFF", max: 50, wantKey: "text.empty"},
		{name: "too long", in: "กขคงจฉ", max: 5, wantKey: "text.too_long"},
		{name: "NUL", in: "a\x00b", max: 50, wantKey: "text.bad_chars"},
		{name: "escape", in: "a\x1b[31mb", max: 50, wantKey: "text.bad_chars"},
		{name: "C1 control", in: "a\u0090b", max: 50, wantKey: "text.bad_chars"},
		{name: "bidi override", in: "abc\u202Edef", max: 50, wantKey: "text.bad_chars"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFreeText(tt.in, tt.max)
			if key := errKey(t, err); key != tt.wantKey || got != tt.want {
				t.Errorf("ParseFreeText(%q, %d) = %q, %v; want %q, key %q", tt.in, tt.max, got, err, tt.want, tt.wantKey)
			}
			if tt.wantKey == "text.too_long" && errArg(err, "max") != tt.max {
				t.Errorf("max = %v, want %d", errArg(err, "max"), tt.max)
			}
		})
	}
}

func TestParseMessageText(t *testing.T) {
	for in, want := range map[string]string{
		"  ๒ ธ.ค. อบรมแกนนำ\r\nที่ศาลากลาง  ห้อง ๒\n": "๒ ธ.ค. อบรมแกนนำ\nที่ศาลากลาง  ห้อง ๒",
		"ประชุม\n\n\tวาระ ๑":                          "ประชุม\n\n\tวาระ ๑",
		"ｆｕｌｌ ｗｉｄｔｈ stays":                            "ｆｕｌｌ ｗｉｄｔｈ stays",
		"bad \xff byte":                               "bad \uFFFD byte",
	} {
		got, err := ParseMessageText(in, 100)
		if err != nil || got != want {
			t.Errorf("ParseMessageText(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, key := range map[string]string{" \n ": "text.empty", "a\x00b": "text.bad_chars", "a\u202eb": "text.bad_chars", strings.Repeat("ก", 101): "text.too_long"} {
		_, err := ParseMessageText(in, 100)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Key != key {
			t.Errorf("ParseMessageText(%q): %v, want %s", in, err, key)
		}
	}
}

func TestTrimDecorations(t *testing.T) {
	for in, want := range map[string]string{
		"สมหญิง ใจดี 🙏":       "สมหญิง ใจดี",
		"🙏🏻🙏🏻 ใจดี":           "ใจดี",
		"ก 👨\u200d👩 ข":        "ก 👨\u200d👩 ข", // inside stays
		"\u0E48สม":            "\u0E48สม",     // a lone mark is a typo, not a decoration
		"สม.":                 "สม.",
		"#1 ok":               "1 ok",
		"🙏":                   "",
		"":                    "",
		"Mr. John O'Brien 👍🏽": "Mr. John O'Brien",
	} {
		if got := TrimDecorations(in); got != want {
			t.Errorf("TrimDecorations(%q) = %q, want %q", in, got, want)
		}
	}
}
