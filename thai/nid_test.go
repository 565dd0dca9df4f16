package thai

import (
	"strings"
	"testing"
)

// Valid IDs: the worked example of section40.md §6.2 (sum 352, check 1) and others whose
// check digits were worked out by hand with the same rule (3100600123450: sum 155, 155 mod 11
// = 1, 11 − 1 = 10, check 0).
const (
	nidExample = "1234567890121"
	nidZero    = "3100600123450"
	nidOther   = "1101700203468"
)

func TestParseNationalID(t *testing.T) {
	tests := []struct {
		name, in, want, wantKey string
		wantCount               int
	}{
		{name: "plain", in: nidExample, want: nidExample},
		{name: "check digit 0", in: nidZero, want: nidZero},
		{name: "another", in: nidOther, want: nidOther},
		{name: "card grouping", in: "1-2345-67890-12-1", want: nidExample},
		{name: "spaces", in: "1 2345 67890 12 1", want: nidExample},
		{name: "thai digits", in: "๑-๒๓๔๕-๖๗๘๙๐-๑๒-๑", want: nidExample},
		{name: "full-width digits", in: "１２３４５６７８９０１２１", want: nidExample},
		{name: "zero-width", in: "1234\u200B567890121\uFEFF", want: nidExample},
		{name: "unicode dash", in: "1–2345–67890–12–1", want: nidExample},
		{name: "empty", in: "", wantKey: "nid.empty"},
		{name: "dashes only", in: "--", wantKey: "nid.empty"},
		{name: "letters", in: "1234567890l21", wantKey: "nid.not_digits"},
		{name: "dots", in: "1.2345.67890.12.1", wantKey: "nid.not_digits"},
		{name: "emoji", in: "1234567890121 🙏", wantKey: "nid.not_digits"},
		{name: "12 digits", in: "123456789012", wantKey: "nid.too_short", wantCount: 12},
		{name: "14 digits", in: "12345678901213", wantKey: "nid.too_long", wantCount: 14},
		{name: "wrong check digit", in: "1234567890122", wantKey: "nid.check_digit"},
		{name: "swapped digits", in: "1234567809121", wantKey: "nid.check_digit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseNationalID(tt.in)
			if key := errKey(t, err); key != tt.wantKey || got != tt.want {
				t.Fatalf("ParseNationalID(%q) = %q, %v; want %q, key %q", tt.in, got, err, tt.want, tt.wantKey)
			}
			if tt.wantCount != 0 && errArg(err, "count") != tt.wantCount {
				t.Errorf("count = %v, want %d", errArg(err, "count"), tt.wantCount)
			}
		})
	}
}

func TestValidNationalIDEveryCheckDigit(t *testing.T) {
	// Exactly one last digit makes a 12-digit stem valid.
	for _, stem := range []string{nidExample[:12], nidZero[:12], "000000000000", "999999999999"} {
		valid := 0
		for d := '0'; d <= '9'; d++ {
			if ValidNationalID(stem + string(d)) {
				valid++
			}
		}
		if valid != 1 {
			t.Errorf("stem %s: %d valid check digits, want 1", stem, valid)
		}
	}
	for _, bad := range []string{"", "123456789012", "12345678901211", "1-2345-67890-12-1", "๑๒๓๔๕๖๗๘๙๐๑๒๑"} {
		if ValidNationalID(bad) {
			t.Errorf("ValidNationalID(%q) = true", bad)
		}
	}
}

func TestFormatAndMaskNationalID(t *testing.T) {
	tests := []struct{ in, format, mask string }{
		{nidExample, "1-2345-67890-12-1", "1-2345-xxxxx-xx-1"},
		{nidZero, "3-1006-00123-45-0", "3-1006-xxxxx-xx-0"},
		{"123", "123", "x-xxxx-xxxxx-xx-x"},
		{"", "", "x-xxxx-xxxxx-xx-x"},
	}
	for _, tt := range tests {
		if got := FormatNationalID(tt.in); got != tt.format {
			t.Errorf("FormatNationalID(%q) = %q, want %q", tt.in, got, tt.format)
		}
		if got := MaskNationalID(tt.in); got != tt.mask {
			t.Errorf("MaskNationalID(%q) = %q, want %q", tt.in, got, tt.mask)
		}
	}
}

func FuzzParseNationalID(f *testing.F) {
	for _, s := range []string{"", nidExample, "1-2345-67890-12-1", "๑๒๓๔๕๖๗๘๙๐๑๒๑", "12345678901213", "x", "\u200B-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseNationalID(s)
		if err != nil {
			if id != "" || !strings.HasPrefix(errKey(t, err), "nid.") {
				t.Fatalf("ParseNationalID(%q) = %q, %v", s, id, err)
			}
			return
		}
		if !isDigits(id, 13) || !ValidNationalID(id) {
			t.Fatalf("ParseNationalID(%q) = %q: not 13 digits passing the check", s, id)
		}
	})
}
