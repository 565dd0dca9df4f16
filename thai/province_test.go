package thai

import (
	"strings"
	"testing"
)

func TestProvincesTable(t *testing.T) {
	ps := Provinces()
	if len(ps) != 77 {
		t.Fatalf("%d provinces, want 77", len(ps))
	}
	// section40.md §6.1: the six-region scheme.
	want := map[string]int{"North": 9, "Central": 22, "Northeast": 20, "West": 5, "East": 7, "South": 14}
	got := map[string]int{}
	codes := map[string]bool{}
	for i, p := range ps {
		got[p.Region]++
		if codes[p.Code] || !strings.HasPrefix(p.Code, "TH-") || p.NameTH == "" || p.NameEN == "" {
			t.Errorf("row %d: bad or repeated province %+v", i, p)
		}
		codes[p.Code] = true
		if i > 0 && ps[i-1].Code >= p.Code {
			t.Errorf("row %d: %s after %s, want file order by code", i, p.Code, ps[i-1].Code)
		}
	}
	for r, n := range want {
		if got[r] != n {
			t.Errorf("region %s: %d provinces, want %d", r, got[r], n)
		}
	}
	ps[0].NameTH = "changed"
	if Provinces()[0].NameTH != "กรุงเทพมหานคร" {
		t.Error("Provinces returned the package's own slice")
	}
}

func TestProvinceByCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"TH-76", "เพชรบุรี"},
		{"TH-67", "เพชรบูรณ์"},
		{"th-10", "กรุงเทพมหานคร"},
		{" TH 38 ", "บึงกาฬ"},
		{"TH96", "นราธิวาส"},
		{"TH-๕๐", "เชียงใหม่"},
		{"TH-28", ""}, // unused number
		{"76", ""},
		{"TH-S", ""}, // Pattaya is not a province (section40.md §6.1)
		{"", ""},
	}
	for _, tt := range tests {
		p, ok := ProvinceByCode(tt.in)
		if ok != (tt.want != "") || p.NameTH != tt.want {
			t.Errorf("ProvinceByCode(%q) = %+v, %v; want %q", tt.in, p, ok, tt.want)
		}
	}
}

// TestMatchProvinceEveryName: each official name, Thai or English, in the forms people type,
// finds its own province and only it.
func TestMatchProvinceEveryName(t *testing.T) {
	for _, p := range Provinces() {
		for _, in := range []string{
			p.NameTH, "จังหวัด" + p.NameTH, "จ." + p.NameTH, "จ. " + p.NameTH, "จ " + p.NameTH, " " + p.NameTH + "ค่ะ",
			p.NameEN, strings.ToUpper(p.NameEN), strings.ToLower(p.NameEN),
			strings.ReplaceAll(p.NameEN, " ", ""), p.NameEN + " Province", p.Code,
		} {
			m := MatchProvince(in)
			if !m.OK || m.Province != p || m.Suggestions != nil {
				t.Errorf("MatchProvince(%q) = %+v, want %s", in, m, p.Code)
			}
		}
	}
}

func TestMatchProvinceAliases(t *testing.T) {
	tests := []struct{ in, code string }{
		{"กทม", "TH-10"}, {"กทม.", "TH-10"}, {"กรุงเทพ", "TH-10"}, {"กรุงเทพฯ", "TH-10"},
		{"กรุงเทพมหานคร", "TH-10"}, {"Bangkok", "TH-10"}, {"BKK", "TH-10"}, {"bkk", "TH-10"},
		{"Krung Thep Maha Nakhon", "TH-10"},
		{"โคราช", "TH-30"}, {"Korat", "TH-30"}, {"Khorat", "TH-30"}, {"จ.โคราช", "TH-30"},
		{"อยุธยา", "TH-14"}, {"Ayutthaya", "TH-14"}, {"Ayuthaya", "TH-14"},
		{"Lopburi", "TH-16"}, {"Lop Buri", "TH-16"}, {"lop-buri", "TH-16"},
		{"chonburi", "TH-20"}, {"Buriram", "TH-31"}, {"Sisaket", "TH-33"}, {"ศรีษะเกษ", "TH-33"},
		{"Singburi", "TH-17"}, {"Suphanburi", "TH-72"}, {"Prachinburi", "TH-25"}, {"Chainat", "TH-18"},
		{"Phang Nga", "TH-82"}, {"Roi-Et", "TH-45"}, {"Nong Bua Lamphu", "TH-39"},
		{"อุบล", "TH-34"}, {"Ubon", "TH-34"}, {"อุดร", "TH-41"}, {"Udon", "TH-41"},
		{"นครศรีฯ", "TH-80"}, {"สุราษฎร์", "TH-84"}, {"สุราษฏร์ธานี", "TH-84"}, {"ประจวบ", "TH-77"},
		{"ปากน้ำ", "TH-11"}, {"ปากน้ำโพ", "TH-60"}, {"มหาชัย", "TH-74"}, {"แม่กลอง", "TH-75"},
		{"แปดริ้ว", "TH-24"}, {"Bung Kan", "TH-38"}, {"Petchaburi", "TH-76"}, {"Petchabun", "TH-67"},
		{"จังหวัดเชียงใหม่ครับ", "TH-50"}, {"chiang mai province", "TH-50"},
		{"ＢＫＫ", "TH-10"}, {"กทม\u200B", "TH-10"},
	}
	for _, tt := range tests {
		m := MatchProvince(tt.in)
		if !m.OK || m.Province.Code != tt.code {
			t.Errorf("MatchProvince(%q) = %+v, want %s", tt.in, m, tt.code)
		}
	}
}

// TestMatchProvincePhet: เพชรบุรี (TH-76) and เพชรบูรณ์ (TH-67) are different provinces
// (section40.md §6.1); their exact names are never confused and a partial or muddled name
// asks instead of guessing.
func TestMatchProvincePhet(t *testing.T) {
	exact := []struct{ in, code string }{
		{"เพชรบุรี", "TH-76"}, {"เพชรบูรณ์", "TH-67"}, {"Phetchaburi", "TH-76"}, {"Phetchabun", "TH-67"},
		{"จ.เพชรบุรี", "TH-76"}, {"จ.เพชรบูรณ์", "TH-67"}, {"TH-76", "TH-76"}, {"TH-67", "TH-67"},
		{"เพชรบุร", "TH-76"}, {"เพชรบู", "TH-67"}, // unique prefixes
	}
	for _, tt := range exact {
		if m := MatchProvince(tt.in); !m.OK || m.Province.Code != tt.code {
			t.Errorf("MatchProvince(%q) = %+v, want %s", tt.in, m, tt.code)
		}
	}
	asks := []struct {
		in   string
		want []string
	}{
		{"เพชร", []string{"TH-76", "TH-67", "TH-62"}},
		{"เพชรบ", []string{"TH-76", "TH-67"}},
		{"phetchab", []string{"TH-67", "TH-76"}}, // Phetchabun is the shorter name
		{"เพชรบูรี", []string{"TH-76", "TH-67"}},
		{"phetchabury", []string{"TH-76", "TH-67"}},
	}
	for _, tt := range asks {
		m := MatchProvince(tt.in)
		if m.OK || strings.Join(codes(m.Suggestions), ",") != strings.Join(tt.want, ",") {
			t.Errorf("MatchProvince(%q) = OK %v, suggestions %v; want %v", tt.in, m.OK, codes(m.Suggestions), tt.want)
		}
	}
}

func TestMatchProvinceFuzzy(t *testing.T) {
	tests := []struct {
		name, in string
		ok       string   // the code when OK
		suggest  []string // the first suggestions, in order, when not OK
	}{
		{name: "typo thai, one clearly nearest", in: "เชียงใม่", ok: "TH-50"},
		{name: "typo thai, missing mark", in: "สุรินทร", ok: "TH-32"},
		{name: "typo english, two near", in: "chiang mia", suggest: []string{"TH-50", "TH-57"}},
		{name: "typo english, one near", in: "Kanchanabur", ok: "TH-71"},
		{name: "transposed letters", in: "Songhkla", ok: "TH-90"},
		{name: "partial english", in: "chiang", suggest: []string{"TH-50", "TH-57"}},
		{name: "unique partial", in: "อุบลราช", ok: "TH-34"},
		{name: "unique partial english", in: "krab", ok: "TH-81"},
		{name: "two letters only suggest", in: "bk", suggest: []string{"TH-10"}},
		{name: "samut", in: "สมุทร", suggest: []string{"TH-74", "TH-11", "TH-75"}},
		{name: "name inside a longer answer", in: "อ.เมือง จ.เชียงใหม่", ok: "TH-50"},
		{name: "two names inside", in: "เชียงใหม่หรือเชียงราย", suggest: []string{"TH-50", "TH-57"}},
		{name: "short name not found inside words", in: "ไม่รู้เลย"},
		{name: "nonsense", in: "ขอบคุณมากครับ"},
		{name: "one rune", in: "ก"},
		{name: "empty", in: ""},
		{name: "emoji", in: "🙏"},
		{name: "pattaya is not a province", in: "TH-S"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := MatchProvince(tt.in)
			switch {
			case tt.ok != "":
				if !m.OK || m.Province.Code != tt.ok {
					t.Errorf("MatchProvince(%q) = %+v, want OK %s", tt.in, m, tt.ok)
				}
			case m.OK:
				t.Errorf("MatchProvince(%q) = OK %s, want suggestions %v", tt.in, m.Province.Code, tt.suggest)
			case len(m.Suggestions) < len(tt.suggest) || strings.Join(codes(m.Suggestions[:len(tt.suggest)]), ",") != strings.Join(tt.suggest, ","):
				t.Errorf("MatchProvince(%q) suggestions %v, want first %v", tt.in, codes(m.Suggestions), tt.suggest)
			case tt.suggest == nil && m.Suggestions != nil:
				t.Errorf("MatchProvince(%q) suggestions %v, want none", tt.in, codes(m.Suggestions))
			}
		})
	}
}

func TestMatchProvinceSuggestionCap(t *testing.T) {
	for _, in := range []string{"บุรี", "buri", "นคร", "ra", "สุ", "thani"} {
		m := MatchProvince(in)
		if m.OK || len(m.Suggestions) == 0 || len(m.Suggestions) > MaxSuggestions {
			t.Errorf("MatchProvince(%q): OK %v, %d suggestions; want 1–%d", in, m.OK, len(m.Suggestions), MaxSuggestions)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "abc", 3}, {"abc", "abc", 0},
		{"abc", "abd", 1}, {"abc", "acb", 1}, {"chiangmia", "chiangmai", 1}, {"chiangmia", "chiangrai", 2},
		{"เชียงใม่", "เชียงใหม่", 1}, {"kitten", "sitting", 3},
	}
	for _, tt := range tests {
		if got := editDistance([]rune(tt.a), []rune(tt.b)); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func FuzzMatchProvince(f *testing.F) {
	for _, s := range []string{"", "เพชร", "chiang mia", "TH-76", "จ.", "province", "ค่ะ", "\u0E4D"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := MatchProvince(s)
		if len(m.Suggestions) > MaxSuggestions || m.OK && (m.Suggestions != nil || m.Province.Code == "") {
			t.Fatalf("MatchProvince(%q) = %+v", s, m)
		}
	})
}

func codes(ps []Province) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Code
	}
	return out
}

func TestProvinceByName(t *testing.T) {
	for in, want := range map[string]string{
		"โคราช": "TH-30", "จ.เพชรบุรี": "TH-76", "Bangkok": "TH-10", "กทม.": "TH-10", "th-76": "TH-76",
		"เพชร": "", "เชียงใม่": "", "ชะอำ": "", "": "",
	} {
		p, ok := ProvinceByName(in)
		if ok != (want != "") || p.Code != want {
			t.Errorf("ProvinceByName(%q) = %q, %v; want %q", in, p.Code, ok, want)
		}
	}
}

func TestProvincePhrase(t *testing.T) {
	for code, want := range map[string]string{
		"TH-76": "จังหวัดเพชรบุรี", "TH-10": "กรุงเทพมหานคร", "th 30": "จังหวัดนครราชสีมา", "XX": "XX",
	} {
		if got := ProvincePhrase(code); got != want {
			t.Errorf("ProvincePhrase(%q) = %q, want %q", code, got, want)
		}
	}
}
