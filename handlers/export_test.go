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

func TestLooksPersonalWhateverTheSeparators(t *testing.T) {
	for _, note := range []string{"โทร 081-234-5678", "(081) 234 5678", "081/234/5678", "081–234–5678", "081_234_5678", "1,2345,67890,12,1", "๐๘๑๒๓๔๕๖๗๘"} {
		if !looksPersonal(note) {
			t.Errorf("looksPersonal(%q) = false", note)
		}
	}
	for _, note := range []string{"ติดต่อแล้ว นัดวันที่ 14/12/2569 เวลา 09:00", "สมัครทางเลือก 2", ""} {
		if looksPersonal(note) {
			t.Errorf("looksPersonal(%q) = true", note)
		}
	}
}
