package thai

import (
	"strings"
	"testing"
)

func TestMaskPersonalNumbers(t *testing.T) {
	for in, want := range map[string]string{
		"เลขบัตร 1101700203450 ค่ะ":           "เลขบัตร 1-1017-xxxxx-xx-0 ค่ะ",
		"บัตร 1-1017-00203-45-0":              "บัตร 1-1017-xxxxx-xx-0",
		"โทร 081-234-5678 นะคะ":               "โทร 08x-xxx-5678 นะคะ",
		"โทร ๐๘๑๒๓๔๕๖๗๘":                      "โทร 08x-xxx-5678",
		"(081) 234 5678":                      "(08x-xxx-5678",
		"บ้าน 02 123 4567":                    "บ้าน xx xxx xxxx",
		"อบรม 14/12/2569 เวลา 09:00 ห้อง 2":   "อบรม 14/12/2569 เวลา 09:00 ห้อง 2",
		"วันเสาร์ 5 ธ.ค. 2569 09:00–16:00 น.": "วันเสาร์ 5 ธ.ค. 2569 09:00–16:00 น.",
		"นัด 14/12/2569 09:00 ค่ะ":            "นัด 14/12/2569 09:00 ค่ะ",
		"":                                    "",
	} {
		got := MaskPersonalNumbers(in)
		if got != want {
			t.Errorf("MaskPersonalNumbers(%q) = %q, want %q", in, got, want)
		}
		if HasPersonalNumber(got) {
			t.Errorf("MaskPersonalNumbers(%q) = %q still holds a number", in, got)
		}
		if strings.Contains(got, "0203") || strings.Contains(got, "234") && strings.Contains(in, "081") {
			t.Errorf("MaskPersonalNumbers(%q) = %q leaks digits", in, got)
		}
	}
}
