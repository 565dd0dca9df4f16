package actions

import "testing"

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
