package handlers

import "testing"

func TestDefuseFormula(t *testing.T) {
	for in, want := range map[string]string{
		`=HYPERLINK("http://x","y")`: `'=HYPERLINK("http://x","y")`,
		"+66812345678":               "'+66812345678",
		"-1":                         "'-1",
		"@SUM(A1)":                   "'@SUM(A1)",
		"ค้าขาย":                     "ค้าขาย",
		"0812345678":                 "0812345678",
		"":                           "",
	} {
		if got := defuseFormula(in); got != want {
			t.Errorf("defuseFormula(%q) = %q, want %q", in, got, want)
		}
	}
}
