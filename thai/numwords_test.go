package thai

import "testing"

func TestLeadingNumber(t *testing.T) {
	for in, want := range map[string]struct {
		n    int
		rest string
		ok   bool
	}{
		"12 เดือน":    {12, " เดือน", true},
		"๕ วัน":       {5, " วัน", true},
		"ห้าวัน":      {5, "วัน", true},
		"หนึ่ง":       {1, "", true},
		"สิบ":         {10, "", true},
		"สิบเอ็ดวัน":  {11, "วัน", true},
		"สิบสอง":      {12, "", true},
		"ยี่สิบเอ็ด":  {21, "", true},
		"สามสิบ วัน":  {30, " วัน", true},
		"เก้าสิบเก้า": {99, "", true},
		"สอง ปี":      {2, " ปี", true},
		"ไม่รู้":      {0, "ไม่รู้", false},
		"":            {0, "", false},
	} {
		n, rest, ok := LeadingNumber(in)
		if n != want.n || rest != want.rest || ok != want.ok {
			t.Errorf("LeadingNumber(%q) = %d, %q, %v; want %d, %q, %v", in, n, rest, ok, want.n, want.rest, want.ok)
		}
	}
}
