package thai

import "testing"

func TestParseMobile(t *testing.T) {
	tests := []struct {
		name, in, want, wantKey string
		wantCount               int // Args["count"], when wantKey has one
	}{
		{name: "plain", in: "0812345678", want: "0812345678"},
		{name: "06 prefix", in: "0612345678", want: "0612345678"},
		{name: "09 prefix", in: "0912345678", want: "0912345678"},
		{name: "dashes", in: "081-234-5678", want: "0812345678"},
		{name: "spaces", in: " 081 234 5678 ", want: "0812345678"},
		{name: "dots", in: "081.234.5678", want: "0812345678"},
		{name: "parentheses", in: "(081) 234-5678", want: "0812345678"},
		{name: "en dash", in: "081–234–5678", want: "0812345678"},
		{name: "thai digits", in: "๐๘๑-๒๓๔-๕๖๗๘", want: "0812345678"},
		{name: "full-width digits", in: "０８１２３４５６７８", want: "0812345678"},
		{name: "zero-width space", in: "081\u200B2345678", want: "0812345678"},
		{name: "nbsp", in: "081\u00A0234\u00A05678", want: "0812345678"},
		{name: "+66", in: "+66812345678", want: "0812345678"},
		{name: "+66 spaced", in: "+66 81 234 5678", want: "0812345678"},
		{name: "+66 (0)", in: "+66 (0)81-234-5678", want: "0812345678"},
		{name: "66 without plus", in: "66812345678", want: "0812345678"},
		{name: "66 and the 0", in: "660812345678", want: "0812345678"},
		{name: "0066", in: "0066 81 234 5678", want: "0812345678"},
		{name: "empty", in: "", wantKey: "phone.empty"},
		{name: "spaces only", in: "   ", wantKey: "phone.empty"},
		{name: "separators only", in: "- -", wantKey: "phone.empty"},
		{name: "letters", in: "081234567a", wantKey: "phone.not_digits"},
		{name: "thai word", in: "ไม่มี", wantKey: "phone.not_digits"},
		{name: "emoji", in: "081234567📱", wantKey: "phone.not_digits"},
		{name: "two numbers", in: "0812345678, 0898765432", wantKey: "phone.not_digits"},
		{name: "plus in the middle", in: "081+2345678", wantKey: "phone.not_digits"},
		{name: "too short", in: "081234567", wantKey: "phone.too_short", wantCount: 9},
		{name: "too short +66", in: "+6681234567", wantKey: "phone.too_short", wantCount: 9},
		{name: "too long", in: "08123456789", wantKey: "phone.too_long", wantCount: 11},
		{name: "bangkok landline", in: "02-123-4567", wantKey: "phone.landline"},
		{name: "provincial landline", in: "053 123 456", wantKey: "phone.landline"},
		{name: "landline +66", in: "+66 2 123 4567", wantKey: "phone.landline"},
		{name: "landline thai digits", in: "๐๗๔-๑๒๓-๔๕๖", wantKey: "phone.landline"},
		{name: "nine digits of a mobile", in: "091234567", wantKey: "phone.too_short", wantCount: 9},
		{name: "ten digits from 02", in: "0212345678", wantKey: "phone.not_mobile"},
		{name: "no leading zero", in: "8123456789", wantKey: "phone.not_mobile"},
		{name: "other country", in: "+1 415 555 1234", wantKey: "phone.not_mobile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMobile(tt.in)
			if key := errKey(t, err); key != tt.wantKey || got != tt.want {
				t.Fatalf("ParseMobile(%q) = %q, %v; want %q, key %q", tt.in, got, err, tt.want, tt.wantKey)
			}
			if tt.wantCount != 0 && errArg(err, "count") != tt.wantCount {
				t.Errorf("count = %v, want %d", errArg(err, "count"), tt.wantCount)
			}
		})
	}
}

func TestFormatAndMaskPhone(t *testing.T) {
	tests := []struct{ in, format, mask string }{
		{"0812345678", "081-234-5678", "08x-xxx-5678"},
		{"0612345678", "061-234-5678", "06x-xxx-5678"},
		{"081234567", "081234567", "xxx-xxx-xxxx"},
		{"", "", "xxx-xxx-xxxx"},
		{"081-234-5678", "081-234-5678", "xxx-xxx-xxxx"},
		{"๐๘๑๒๓๔๕๖๗๘", "๐๘๑๒๓๔๕๖๗๘", "xxx-xxx-xxxx"},
	}
	for _, tt := range tests {
		if got := FormatPhone(tt.in); got != tt.format {
			t.Errorf("FormatPhone(%q) = %q, want %q", tt.in, got, tt.format)
		}
		if got := MaskPhone(tt.in); got != tt.mask {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.mask)
		}
	}
}
