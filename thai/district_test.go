package thai

import (
	"strings"
	"testing"
)

func TestParseDistrict(t *testing.T) {
	tests := []struct {
		in, province, want, wantKey, name string
	}{
		{in: "ชะอำ", province: "TH-76", want: "ชะอำ"},
		{in: "  อ.เมือง  กลุ่มบ้านไร่ ", province: "TH-76", want: "อ.เมือง กลุ่มบ้านไร่"},
		{in: "บางรัก", province: "TH-10", want: "บางรัก"},
		{in: "เขตพระนคร", province: "TH-10", want: "เขตพระนคร"},
		{in: "หล่มสัก", province: "TH-67", want: "หล่มสัก"},
		// The province's own name: a district of Ayutthaya, a town of Samut Sakhon.
		{in: "พระนครศรีอยุธยา", province: "TH-14", want: "พระนครศรีอยุธยา"},
		{in: "มหาชัย", province: "TH-74", want: "มหาชัย"},
		{in: "ไม่รู้", province: "TH-76", wantKey: "district.unknown"},
		{in: "ไม่รู้ค่ะ", province: "TH-76", wantKey: "district.unknown"},
		{in: "ไม่ทราบอำเภอ", province: "TH-76", wantKey: "district.unknown"},
		{in: "ยังไม่แน่ใจ", province: "TH-76", wantKey: "district.unknown"},
		{in: "แม่ริม", province: "TH-50", want: "แม่ริม"},
		{in: "จำไม่ได้", province: "TH-76", wantKey: "district.unknown"},
		{in: "Don't know", province: "TH-76", wantKey: "district.unknown"},
		{in: "โคราช", province: "TH-67", wantKey: "district.province", name: "นครราชสีมา"},
		{in: "อ.โคราช", province: "TH-67", wantKey: "district.province", name: "นครราชสีมา"},
		{in: "จังหวัดเชียงใหม่", province: "TH-10", wantKey: "district.province", name: "เชียงใหม่"},
		{in: "Chiang Mai", province: "TH-76", wantKey: "district.province", name: "เชียงใหม่"},
		{in: "", province: "TH-76", wantKey: "text.empty"},
		{in: strings.Repeat("ก", 101), province: "TH-76", wantKey: "text.too_long"},
	}
	for _, tt := range tests {
		got, err := ParseDistrict(tt.in, tt.province, 100)
		key := errKey(t, err)
		if key != tt.wantKey || got != tt.want {
			t.Errorf("ParseDistrict(%q, %s) = %q, %v; want %q, key %q", tt.in, tt.province, got, err, tt.want, tt.wantKey)
			continue
		}
		if tt.name != "" {
			if n := err.(*InputError).Args["name"]; n != tt.name {
				t.Errorf("ParseDistrict(%q): name %v, want %s", tt.in, n, tt.name)
			}
		}
	}
}
