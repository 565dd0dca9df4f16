package thai

import (
	_ "embed"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// provincesTSV is the list of the 77 provinces (Department of Provincial Administration codes and ISO 3166-2:TH): a header
// line, then code, name_th, name_en and region separated by tabs, one province a line.
//
//go:embed provinces.tsv
var provincesTSV string

// Province is one of Thailand's 77 provinces (76 plus Bangkok), from provinces.tsv
// (section40.md §6.1).
type Province struct {
	Code   string // ISO 3166-2:TH code, the DOPA number: "TH-10" … "TH-96"
	NameTH string // official Thai name: "กรุงเทพมหานคร", "เพชรบุรี"
	NameEN string // ISO/RTGS English name: "Bangkok", "Lop Buri", "Phetchaburi"
	Region string // six-region scheme: North, Central, Northeast, West, East or South
}

// ProvinceMatch is what MatchProvince understood. When OK, Province is the one province meant
// and Suggestions is nil. Otherwise Province is the zero value and Suggestions holds the
// likely provinces, best first, at most MaxSuggestions of them (none when nothing is close).
type ProvinceMatch struct {
	Province    Province
	OK          bool
	Suggestions []Province
}

// MaxSuggestions caps ProvinceMatch.Suggestions: a LINE quick reply holds at most 13 items
// (line-platform.md).
const MaxSuggestions = 13

// provinceAliases are the short forms, nicknames and other spellings people type, by code.
// The official Thai and English names are not repeated here, nor are forms that differ from
// one only in case, spaces, dots, dashes or ฯ ("Lopburi" = "Lop Buri", "กทม." = "กทม",
// "กรุงเทพฯ" = "กรุงเทพ"): provinceKey already makes those equal.
var provinceAliases = map[string][]string{
	"TH-10": {"กทม", "กรุงเทพ", "บางกอก", "BKK", "Krung Thep", "Krung Thep Maha Nakhon"},
	"TH-11": {"ปากน้ำ", "Samut Prakarn", "Paknam"},
	"TH-12": {"นนท์"},
	"TH-13": {"ปทุม", "Pathum"},
	"TH-14": {"อยุธยา", "กรุงศรีอยุธยา", "Ayutthaya", "Ayuthaya", "Ayudhya"},
	"TH-22": {"Chantaburi"},
	"TH-24": {"แปดริ้ว", "Paet Riu"},
	"TH-27": {"Sa Kaew"},
	"TH-30": {"โคราช", "Korat", "Khorat"},
	"TH-33": {"ศรีษะเกษ", "Srisaket"},
	"TH-34": {"อุบล", "Ubon"},
	"TH-38": {"Bung Kan"},
	"TH-41": {"อุดร", "Udon"},
	"TH-44": {"สารคาม", "Sarakham"},
	"TH-60": {"ปากน้ำโพ"},
	"TH-65": {"Pitsanulok"},
	"TH-66": {"Pichit"},
	"TH-67": {"Petchabun"},
	"TH-72": {"สุพรรณ", "Supanburi"},
	"TH-74": {"มหาชัย", "Mahachai"},
	"TH-75": {"แม่กลอง", "Mae Klong"},
	"TH-76": {"Petchaburi", "Phetburi"},
	"TH-77": {"ประจวบ", "Prachuap"},
	"TH-80": {"นครศรี", "Nakhon Si"},
	"TH-84": {"สุราษฎร์", "สุราษฏร์ธานี", "Surat"},
	"TH-86": {"Chumporn"},
	"TH-90": {"Songkla"},
}

// provinceKey is the searchKey of an official name or an alias, with its province.
type provinceKey struct {
	key   string
	runes []rune
	prov  int // index into provinces
}

var (
	provinces                   = parseProvinces(provincesTSV)
	provinceKeys, provinceByKey = indexProvinces(provinces, provinceAliases)
)

// parseProvinces reads the embedded TSV; a malformed file is a build mistake, so it panics.
func parseProvinces(tsv string) []Province {
	lines := strings.Split(strings.TrimSpace(tsv), "\n")
	ps := make([]Province, 0, len(lines)-1)
	for i, line := range lines[1:] {
		f := strings.Split(strings.TrimRight(line, "\r"), "\t")
		if len(f) != 4 {
			panic(fmt.Sprintf("thai: provinces.tsv line %d: %d fields, want 4", i+2, len(f)))
		}
		ps = append(ps, Province{Code: f[0], NameTH: f[1], NameEN: f[2], Region: f[3]})
	}
	return ps
}

// indexProvinces builds the search keys of every name and alias. Two provinces sharing a
// key would make a name ambiguous, so that panics (and fails every test).
func indexProvinces(ps []Province, aliases map[string][]string) ([]provinceKey, map[string]int) {
	var keys []provinceKey
	byKey := map[string]int{}
	add := func(name string, i int) {
		k := searchKey(name)
		if j, dup := byKey[k]; dup {
			if j != i {
				panic(fmt.Sprintf("thai: province key %q names both %s and %s", k, ps[j].Code, ps[i].Code))
			}
			return
		}
		byKey[k] = i
		keys = append(keys, provinceKey{key: k, runes: []rune(k), prov: i})
	}
	for i, p := range ps {
		add(p.NameTH, i)
		add(p.NameEN, i)
		for _, a := range aliases[p.Code] {
			add(a, i)
		}
	}
	for code := range aliases {
		if !slices.ContainsFunc(ps, func(p Province) bool { return p.Code == code }) {
			panic("thai: alias for unknown province " + code)
		}
	}
	return keys, byKey
}

// Provinces returns the 77 provinces in the order of provinces.tsv (by code). The slice is a
// copy; changing it changes nothing here.
func Provinces() []Province { return slices.Clone(provinces) }

// ProvinceByCode returns the province with an ISO 3166-2:TH code such as "TH-76". Case,
// spaces and the dash do not matter ("th-76", "TH 76", "TH76"); a bare number does not match.
func ProvinceByCode(code string) (Province, bool) {
	c := strings.ToUpper(strings.Map(func(r rune) rune {
		if r == ' ' || isDash(r) {
			return -1
		}
		return r
	}, Normalize(code)))
	if len(c) != 4 || !strings.HasPrefix(c, "TH") || !isDigits(c[2:], 2) {
		return Province{}, false
	}
	i := slices.IndexFunc(provinces, func(p Province) bool { return p.Code == "TH-"+c[2:] })
	if i < 0 {
		return Province{}, false
	}
	return provinces[i], true
}

// BangkokCode is Bangkok's ISO 3166-2:TH code. Bangkok is no จังหวัด: it is named on its own
// ("สำนักงานประกันสังคมกรุงเทพมหานคร"), and its districts are เขต, not อำเภอ.
const BangkokCode = "TH-10"

// ProvinceByName returns the province a name, short form or code names exactly: steps 1 and 2
// of MatchProvince, without its guesses ("โคราช", "จ.เพชรบุรี", "Bangkok", "TH-76"; not "เพชร").
func ProvinceByName(s string) (Province, bool) {
	if p, ok := ProvinceByCode(s); ok {
		return p, true
	}
	if i, ok := provinceByKey[searchKey(s)]; ok {
		return provinces[i], true
	}
	return Province{}, false
}

// ProvincePhrase names the province of code as a Thai sentence names it: "จังหวัดเพชรบุรี",
// but Bangkok is no จังหวัด: "กรุงเทพมหานคร". So "สำนักงานประกันสังคม" + ProvincePhrase is
// the office's name, "ใบสมัคร (" + ProvincePhrase + ")" a place. An unknown code is returned as
// it is.
func ProvincePhrase(code string) string {
	p, ok := ProvinceByCode(code)
	switch {
	case !ok:
		return code
	case p.Code == BangkokCode:
		return p.NameTH
	}
	return "จังหวัด" + p.NameTH
}

// Affixes that searchKey drops: words around a province name that do not name it.
var (
	// provincePrefixes: จังหวัด, its abbreviations, and the RTGS word. "จ " with a space is
	// handled separately, because จันทบุรี itself starts with จ.
	provincePrefixes = []string{"จังหวัด", "จว.", "จ.", "changwat"}
	// politeParticles end a chat message, longest first. Names go through searchKey too, so
	// stripping one can never hide a name.
	politeParticles = []string{"นะครับ", "นะคะ", "ครับ", "ค่ะ", "คะ", "ค่า", "จ้า", "จ้ะ"}
)

// searchKey is the form in which names and inputs are compared: normalised, lower case,
// without the prefixes above, a trailing "province" and polite particle, spaces, dashes,
// apostrophes, commas, dots and ฯ.
func searchKey(s string) string {
	s = strings.ToLower(Normalize(s))
	s = strings.TrimPrefix(s, "จ ")
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\'' || r == '’' || r == ',' || isDash(r) {
			return -1
		}
		return r
	}, s)
	for _, p := range provincePrefixes {
		if rest, ok := strings.CutPrefix(s, p); ok {
			s = rest
			break
		}
	}
	s = strings.TrimSuffix(s, "province")
	for _, p := range politeParticles {
		if rest, ok := strings.CutSuffix(s, p); ok {
			s = rest
			break
		}
	}
	return strings.Map(func(r rune) rune {
		if r == '.' || r == 'ฯ' {
			return -1
		}
		return r
	}, s)
}

// Limits of the fuzzy steps of MatchProvince.
const (
	minPartial   = 2  // runes an input needs before it is looked for inside names
	minSure      = 3  // runes a partial input needs to be taken as the one province it fits
	minContained = 5  // runes a name needs to be found inside a longer input
	minTypoSure  = 5  // runes an input needs before a one-edit typo is taken as sure
	maxTypo      = 40 // runes beyond which no edit distance is computed (cost bound)
)

// MatchProvince finds the province a person meant by a short typed answer. Steps, in order;
// the first that finds something decides:
//
//  1. A code: "TH-76", "th76" (see ProvinceByCode) → OK.
//  2. An exact name. The input and the names are compared by searchKey: normalised, case,
//     spaces, dots, dashes and ฯ ignored; a leading "จังหวัด", "จ.", "จ ", "จว." or "changwat"
//     and a trailing "province" or polite particle (ครับ, ค่ะ, …) dropped. Names are the
//     Thai and English names of provinces.tsv and the aliases in provinceAliases (กทม, BKK,
//     โคราช, อยุธยา, …) → OK. So "เพชรบุรี" is always Phetchaburi (TH-76) and "เพชรบูรณ์"
//     always Phetchabun (TH-67).
//  3. Part of a name (input of at least 2 runes inside a name) or a name inside the input
//     (names of at least 5 runes, e.g. "อ.เมือง จ.เชียงใหม่"). If exactly one province fits
//     and the input has at least 3 runes → OK ("อุบลราช", "Krab"). Otherwise all that fit are
//     suggestions: names the input starts, shortest first; then names containing it,
//     shortest first; then names found inside it, in the order typed; ties in file order.
//     "เพชร" → เพชรบุรี, เพชรบูรณ์, กำแพงเพชร.
//  4. A typo: edit distance (Damerau, optimal string alignment, in runes) to every name,
//     each province scored by its nearest name. Provinces within ⌈runes/3⌉ edits, at most 3,
//     are suggestions, nearest first, ties in file order. It is OK only when the input has at least 5 runes, one
//     province is at distance 1 and every other is at 3 or more: "เชียงใม่" → เชียงใหม่ is
//     OK, but "chiang mia" (Chiang Mai at 1, Chiang Rai at 2) and "เพชรบูรี" (both
//     Phetchaburi and Phetchabun near) only suggest.
//
// Suggestions never exceed MaxSuggestions. Input longer than 40 runes gets no typo step.
func MatchProvince(input string) ProvinceMatch {
	if p, ok := ProvinceByCode(input); ok {
		return ProvinceMatch{Province: p, OK: true}
	}
	k := searchKey(input)
	if i, ok := provinceByKey[k]; ok {
		return ProvinceMatch{Province: provinces[i], OK: true}
	}
	n := utf8.RuneCountInString(k)
	if found := partialMatches(k, n); len(found) > 0 {
		if len(found) == 1 && n >= minSure {
			return ProvinceMatch{Province: provinces[found[0]], OK: true}
		}
		return suggest(found)
	}
	if n == 0 || n > maxTypo {
		return ProvinceMatch{}
	}
	dist := typoDistances([]rune(k))
	order := make([]int, len(provinces))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return dist[a] - dist[b] })
	if n >= minTypoSure && dist[order[0]] == 1 && dist[order[1]] >= 3 {
		return ProvinceMatch{Province: provinces[order[0]], OK: true}
	}
	limit := min(max((n+2)/3, 1), 3)
	near := slices.DeleteFunc(order, func(i int) bool { return dist[i] > limit })
	return suggest(near)
}

// partialMatches returns the provinces of step 3 of MatchProvince, best first.
func partialMatches(k string, n int) []int {
	type rank struct{ class, order int } // order: name length, or where in k the name is
	best := map[int]rank{}
	for _, pk := range provinceKeys {
		var r rank
		switch {
		case n >= minPartial && strings.HasPrefix(pk.key, k):
			r = rank{0, len(pk.runes)}
		case n >= minPartial && strings.Contains(pk.key, k):
			r = rank{1, len(pk.runes)}
		case len(pk.runes) >= minContained && strings.Contains(k, pk.key):
			r = rank{2, strings.Index(k, pk.key)}
		default:
			continue
		}
		if old, seen := best[pk.prov]; !seen || r.class < old.class || r.class == old.class && r.order < old.order {
			best[pk.prov] = r
		}
	}
	found := make([]int, 0, len(best))
	for i := range best {
		found = append(found, i)
	}
	slices.SortFunc(found, func(a, b int) int {
		ra, rb := best[a], best[b]
		if ra.class != rb.class {
			return ra.class - rb.class
		}
		if ra.order != rb.order {
			return ra.order - rb.order
		}
		return a - b
	})
	return found
}

// typoDistances returns, per province, the edit distance from k to its nearest name.
func typoDistances(k []rune) []int {
	dist := make([]int, len(provinces))
	for i := range dist {
		dist[i] = math.MaxInt
	}
	for _, pk := range provinceKeys {
		dist[pk.prov] = min(dist[pk.prov], editDistance(k, pk.runes))
	}
	return dist
}

// suggest turns province indexes, best first, into a match of at most MaxSuggestions.
func suggest(idx []int) ProvinceMatch {
	if len(idx) == 0 {
		return ProvinceMatch{}
	}
	idx = idx[:min(len(idx), MaxSuggestions)]
	m := ProvinceMatch{Suggestions: make([]Province, len(idx))}
	for j, i := range idx {
		m.Suggestions[j] = provinces[i]
	}
	return m
}

// editDistance is the optimal-string-alignment distance between a and b: insertions,
// deletions, substitutions and transpositions of adjacent runes each cost 1.
func editDistance(a, b []rune) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
