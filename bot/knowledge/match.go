package knowledge

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/ssonet/ssonet/thai"
)

// decodeStrict decodes data into b, refusing unknown fields and trailing data, so that a typo
// in a KNOWLEDGE_FILE field name is an error and not a silently missing figure.
func decodeStrict(data []byte, b *Base) error {
	var shell struct {
		Comment string `json:"comment"`
		*Base
	}
	shell.Base = b
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&shell); err != nil {
		return fmt.Errorf("not valid knowledge JSON: %w", err)
	}
	if dec.More() {
		return fmt.Errorf("not valid knowledge JSON: data after the object")
	}
	return nil
}

// politeEnds are dropped from the end of a question: "เท่าไหร่คะ" asks "เท่าไหร่".
var politeEnds = []string{"ค่ะ", "คะ", "ครับ", "คับ", "ขอรับ", "จ้า", "จ้ะ", "จ๊ะ", "ฮะ", "นะ", "หน่อย", "ด้วย", "please", "pls"}

// folder turns typed text into the form keys are matched in: normalised (thai.Normalize: Thai
// digits, widths, invisible characters, sara am), lower case, without spaces, punctuation and
// polite endings, with every synonym replaced by its canonical word (longest first).
type folder struct {
	variants []string          // longest first
	canon    map[string]string // variant → canonical
	latin    map[string]bool   // the Latin words of synonyms, keys and domain words, for typos
}

// Typos in Latin words: a word of at least minTypo letters that is not a known word is read as
// the one known word of at least minTypoKnown letters one edit away ("funral" → "funeral"),
// when there is exactly one. Shorter words are too close to each other ("pay", "day").
const (
	minTypo      = 5
	minTypoKnown = 6
)

// learn adds the Latin words of texts (synonyms, keys, domain words) to the known words.
func (f *folder) learn(texts ...string) {
	for _, t := range texts {
		for _, w := range strings.FieldsFunc(spaced(t), func(r rune) bool { return r < 'a' || r > 'z' }) {
			f.latin[w] = true
		}
	}
}

// correct replaces each unknown Latin word of the spaced text s by the one known word one
// edit away, if there is exactly one.
func (f *folder) correct(s string) string {
	ws := strings.Split(s, " ")
	for i, w := range ws {
		if len(w) < minTypo || !isLatinWord(w) || f.latin[w] {
			continue
		}
		fix := ""
		for k := range f.latin {
			if len(k) >= minTypoKnown && oneEdit(w, k) {
				if fix != "" {
					fix = ""
					break
				}
				fix = k
			}
		}
		if fix != "" {
			ws[i] = fix
		}
	}
	return strings.Join(ws, " ")
}

func isLatinWord(w string) bool {
	return strings.IndexFunc(w, func(r rune) bool { return r < 'a' || r > 'z' }) < 0
}

// oneEdit reports whether a and b (ASCII) differ by exactly one insertion, deletion,
// substitution or swap of neighbours ("funerla").
func oneEdit(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 || a == b {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if len(a) == len(b) {
		if a[i+1:] == b[i+1:] {
			return true // substitution
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	}
	return a[i:] == b[i+1:] // insertion
}

func newFolder(syn map[string][]string) *folder {
	f := &folder{canon: map[string]string{}, latin: map[string]bool{}}
	plain := &folder{canon: map[string]string{}}
	for c, vs := range syn {
		cc := plain.clean(c)
		f.learn(append(vs, c)...)
		for _, v := range append(vs, c) {
			if v = plain.clean(v); v != "" {
				f.canon[v] = cc
			}
		}
	}
	for v := range f.canon {
		f.variants = append(f.variants, v)
	}
	sort.Slice(f.variants, func(i, j int) bool {
		a, b := []rune(f.variants[i]), []rune(f.variants[j])
		return len(a) > len(b) || len(a) == len(b) && f.variants[i] < f.variants[j]
	})
	return f
}

// spaced is the first half of the folding: normalised, lower case, punctuation as spaces, one
// space between words, polite endings dropped. Numbers typed apart stay apart ("ทางเลือก 2 12
// เดือน"): the space between two digits becomes a separator no key contains.
func spaced(s string) string {
	s = thai.Normalize(s)
	for reComma.MatchString(s) { // "25,000" is one number, not two typed apart
		s = reComma.ReplaceAllString(s, "$1$2")
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), unicode.Is(unicode.Mn, r), r == '#':
			return r
		}
		return ' '
	}, strings.ToLower(s))
	s = strings.Join(strings.Fields(s), " ")
	s = digitSpace.ReplaceAllString(digitSpace.ReplaceAllString(s, "$1|$2"), "$1|$2")
	for changed := true; changed; {
		changed = false
		for _, p := range politeEnds {
			if len(s) > len(p) && strings.HasSuffix(s, p) {
				s, changed = strings.TrimRight(strings.TrimSuffix(s, p), " "), true
			}
		}
	}
	return s
}

// clean is the folding without synonyms: spaced without the spaces.
func (f *folder) clean(s string) string { return strings.ReplaceAll(spaced(s), " ", "") }

// fold is the whole folding: spaced, then every synonym replaced by its canonical word,
// scanning left to right and taking the longest variant at each position, then without spaces.
// A variant may span spaces ("section 40"); one in Latin letters must be a whole word, so "app"
// is not found in "happens".
func (f *folder) fold(s string) string {
	s = f.correct(spaced(s))
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == ' ' {
			i++
			continue
		}
		hit, end := "", 0
		for _, v := range f.variants {
			if e, ok := prefixSkippingSpaces(s, i, v); ok && (!isLatin(v) || latinBoundary(s, i, e)) {
				hit, end = v, e
				break
			}
		}
		if hit == "" {
			_, n := firstRune(s[i:])
			b.WriteString(s[i : i+n])
			i += n
			continue
		}
		b.WriteString(f.canon[hit])
		i = end
	}
	return b.String()
}

// prefixSkippingSpaces reports whether v (without spaces) starts s at i when the spaces of s
// are ignored, and where it ends.
func prefixSkippingSpaces(s string, i int, v string) (int, bool) {
	j := 0
	for j < len(v) {
		if i >= len(s) {
			return 0, false
		}
		if s[i] == ' ' && j > 0 {
			i++
			continue
		}
		if s[i] != v[j] {
			return 0, false
		}
		i, j = i+1, j+1
	}
	return i, true
}

func isLatin(v string) bool { return v != "" && v[0] >= 'a' && v[0] <= 'z' }

// latinBoundary: no Latin letter right before s[i] or at s[end].
func latinBoundary(s string, i, end int) bool {
	letter := func(c byte) bool { return c >= 'a' && c <= 'z' }
	return (i == 0 || !letter(s[i-1])) && (end >= len(s) || !letter(s[end]))
}

func firstRune(s string) (rune, int) {
	for i, r := range s {
		if i > 0 {
			return r, i
		}
	}
	return 0, len(s)
}

// key is one compiled topic key: one phrase, or several that must all appear ("a+b").
type key struct {
	topic  int
	parts  [][]rune // folded; '#' matches a run of digits, mentionMark a mention of Section 40
	weight float64
	named  bool // a part names Section 40 itself ("ลาออกจาก ม.40"): matched in the marked text
}

// mentionMark stands for a mention of Section 40 in a key that names it and in the marked
// question the key is matched in. Folding turns every typed '@' into a space, so only a
// mention makes one.
const mentionMark = '@'

// compileKeys folds every topic key. A key is a phrase, optionally prefixed "~" (half weight)
// or suffixed "*N" (N times the weight), or phrases joined by "+" that must all appear, in any
// order ("ที่ไหน+สมัคร" for "where do I apply"). A phrase may name Section 40 itself
// ("ลาออกจาก ม.40"): the mention then must be there, where the key has it (leaving Section 40,
// not "ลาออกจากงาน"); other keys never see the mentions (mark).
func (b *Base) compileKeys() ([]key, error) {
	var ks []key
	for ti, t := range b.Topics {
		for i, raw := range t.Keys {
			if slices.Contains(t.Keys[:i], raw) {
				return nil, fmt.Errorf("topic %q: key %q is listed twice", t.ID, raw)
			}
			k := key{topic: ti, weight: 1}
			s := raw
			if rest, ok := strings.CutPrefix(s, "~"); ok {
				k.weight, s = 0.5, rest
			}
			if i := strings.LastIndex(s, "*"); i >= 0 {
				n, err := strconv.ParseFloat(s[i+1:], 64)
				if err != nil || n <= 0 || n > 5 {
					return nil, fmt.Errorf("topic %q: key %q: weight after * must be a number from 0 to 5", t.ID, raw)
				}
				k.weight, s = k.weight*n, s[:i]
			}
			for _, p := range strings.Split(s, "+") {
				rs := []rune(b.mark(b.folder.fold(p)))
				if n := len(rs) - strings.Count(string(rs), string(mentionMark)); n < 2 || strings.Trim(string(rs), "#"+string(mentionMark)) == "" {
					return nil, fmt.Errorf("topic %q: key %q is too short to match anything safely", t.ID, raw)
				}
				k.named = k.named || slices.Contains(rs, mentionMark)
				k.parts = append(k.parts, rs)
			}
			ks = append(ks, k)
		}
	}
	return ks, nil
}

// mark replaces each mention of Section 40 itself in folded text ("ม.40", "มาตรา 40", folded to
// one word) by mentionMark: the text the keys that name Section 40 are matched in. Every other
// key is matched without the marks, since a mention says nothing about the topic and splits
// phrases apart: "สมัคร ม.40 ยังไง" is "สมัครอย่างไร".
func (b *Base) mark(s string) string {
	for _, m := range b.mentions {
		s = strings.ReplaceAll(s, m, string(mentionMark))
	}
	return s
}

// Threshold is the score a topic needs for Match to choose it: one exact key of three
// characters.
const Threshold = 3

// aboutScore is the score below Threshold that still makes a question one about Section 40.
const aboutScore = 2

// Match is what Base.Match understood of a question.
type Match struct {
	Topic      string   // the topic chosen; "" when none reached Threshold
	Score      float64  // its score
	Candidates []string // up to three likeliest topics, best first (for "did you mean")
	About      bool     // the text is about Section 40 (a topic scored, or a domain word)
	Named      bool     // the text names Section 40 itself ("ม.40", "มาตรา 40", "section 40": the mentions)
	Option     int      // 1–3 when the text names one option ("ทางเลือก 2", "option 3", "จ่าย 100 บาท"); 0 for none or several ("ทางเลือก 1 2 3")
	Baht       int      // an amount in baht ("๕๐ บาท", "จ่าย 100", "เดือนละ 1,000"), else 0
	Days       int      // a number of days ("5 วัน", "3 คืน"), else 0
	Months     int      // a number of months ("12 เดือน"), else 0
	Visits     int      // a number of visits ("2 ครั้ง"), else 0
	Age        int      // an age ("อายุ 62", "62 ปี"), else 0
	Years      int      // a number of years ("2 ปี"), else 0; also read as Age when no age is named
}

// Numbers in a folded question, with the word after them.
var (
	digitSpace = regexp.MustCompile(`(\d) (\d)`)
	reOption   = regexp.MustCompile(`ทางเลือก([123])(?:\D|$)`)
	reOptions  = regexp.MustCompile(`ทางเลือก[123](?:(?:\||,|กับ|และ|หรือ|vs|ทางเลือก)+[123])+`) // several: a comparison
	reBaht     = regexp.MustCompile(`(\d+)บาท`)
	rePaying   = regexp.MustCompile(`(?:จ่าย|ส่ง|เดือนละ)(\d+)`)                                   // "จ่าย 50": baht, unless a count's unit follows
	reUnit     = regexp.MustCompile(`^(?:วัน|คืน|เดือน|ครั้ง|ปี|day|night|month|visit|time|year)`) // a count after a number
	reComma    = regexp.MustCompile(`(\d),(\d{3})\b`)                                              // "1,000": one number
	reCount    = regexp.MustCompile(`(\d{1,3})(วัน|คืน|day|days|night|nights|เดือน|month|months|ครั้ง|visit|visits|time|times|ปี|year|years)`)
	reAge      = regexp.MustCompile(`(?:อายุ|iam|im)(\d{1,3})`)
)

// Match reads a question: the topic it asks about, or the likeliest ones, and the numbers in
// it. It is pure and cheap (a few microseconds for a chat message).
func (b *Base) Match(text string) Match {
	folded := b.folder.fold(text)
	var m Match
	marked := b.mark(folded)
	s := strings.ReplaceAll(marked, string(mentionMark), "")
	if s == "" {
		// Only "ม.40": what is it.
		if folded != "" {
			m.Topic, m.Score, m.About, m.Named, m.Candidates = "overview", Threshold, true, true, []string{"overview"}
		}
		return m
	}
	m.Named = folded != s
	m.readNumbers(s)
	m.Baht = bahtOf(s)
	if m.Baht > 0 && m.Option == 0 && !severalOptions(s) {
		m.Option = b.OptionPaying(m.Baht)
	}
	rs := []rune(s)
	// The keys that name Section 40 are matched in the marked text, and their spans placed in
	// rs: at[i] is where the i-th rune of the marked text falls in rs (a mark takes no room).
	mrs := []rune(marked)
	at := make([]int, len(mrs)+1)
	for i, r := range mrs {
		at[i+1] = at[i]
		if r != mentionMark {
			at[i+1]++
		}
	}
	exactIn := func(k key, p []rune) [][2]int {
		if !k.named {
			return exact(rs, p)
		}
		sps := exact(mrs, p)
		for i := range sps {
			sps[i] = [2]int{at[sps[i][0]], at[sps[i][1]]}
		}
		return sps
	}
	type hit struct {
		topic      int
		start, end int
		w          float64
	}
	var hits []hit
	for _, k := range b.keys {
		if len(k.parts) > 1 {
			// All parts exactly, counted as one hit on the span of the longest part.
			total, span, ok := 0.0, [2]int{}, true
			for _, p := range k.parts {
				sp := exactIn(k, p)
				if len(sp) == 0 {
					ok = false
					break
				}
				total += float64(len(p))
				if sp[0][1]-sp[0][0] > span[1]-span[0] {
					span = sp[0]
				}
			}
			if ok {
				hits = append(hits, hit{k.topic, span[0], span[1], k.weight * total})
			}
			continue
		}
		p := k.parts[0]
		if spans := exactIn(k, p); len(spans) > 0 {
			for _, sp := range spans {
				hits = append(hits, hit{k.topic, sp[0], sp[1], k.weight * float64(len(p))})
			}
			continue
		}
		// A key naming Section 40 is never fuzzy: one edit could drop the mention.
		if sp, ok := fuzzy(rs, p); ok && !k.named {
			hits = append(hits, hit{k.topic, sp[0], sp[1], 0.7 * k.weight * float64(len(p))})
		}
	}
	// A key found inside a longer key's match does not count ("นอนโรงพยาบาล" in
	// "ไม่นอนโรงพยาบาล", "ลูก" in "ลูกจ้าง").
	slices.SortStableFunc(hits, func(a, c hit) int {
		return cmp.Or(cmp.Compare(c.end-c.start, a.end-a.start), cmp.Compare(c.w, a.w))
	})
	score := make([]float64, len(b.Topics))
	var kept []hit
	for _, h := range hits {
		inside := slices.ContainsFunc(kept, func(k hit) bool {
			return k.start <= h.start && h.end <= k.end && (k.end-k.start > h.end-h.start || k.topic == h.topic)
		})
		if !inside {
			kept = append(kept, h)
			score[h.topic] += h.w
		}
	}
	order := make([]int, len(b.Topics))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, c int) int { return cmp.Compare(score[c], score[a]) })
	for _, i := range order[:min(3, len(order))] {
		if score[i] > 0 {
			m.Candidates = append(m.Candidates, b.Topics[i].ID)
		}
	}
	if best := order[0]; score[best] >= Threshold {
		m.Topic, m.Score = b.Topics[best].ID, score[best]
	}
	// About Section 40: it names it, uses a word of its domain, or nearly reached a topic.
	m.About = m.Named || score[order[0]] >= aboutScore || slices.ContainsFunc(b.domain, func(d string) bool { return strings.Contains(s, d) })
	if !m.About && len(b.latinDomain) > 0 {
		plain := strings.ReplaceAll(b.folder.correct(spaced(text)), " ", "")
		m.About = slices.ContainsFunc(b.latinDomain, func(d string) bool { return strings.Contains(plain, d) })
	}
	return m
}

// bahtOf reads an amount in baht from a folded question: the number before "บาท" ("50บาท"),
// else one after จ่าย, ส่ง or เดือนละ that no unit of a count follows ("จ่าย50", not
// "จ่าย12เดือน"); 0 for none.
func bahtOf(s string) int {
	if g := reBaht.FindStringSubmatch(s); g != nil {
		n, _ := strconv.Atoi(g[1])
		return n
	}
	for _, g := range rePaying.FindAllStringSubmatchIndex(s, -1) {
		if !reUnit.MatchString(s[g[3]:]) {
			n, _ := strconv.Atoi(s[g[2]:g[3]])
			return n
		}
	}
	return 0
}

// OptionPaying is the option whose monthly contribution in force today is baht (100 → 2), or 0
// when no option costs that. Contributions did not change with the decree (fact base 2.1), so
// one current list serves.
func (b *Base) OptionPaying(baht int) int {
	for _, f := range b.Facts {
		if f.Calc != "contribution" || f.Until != "" {
			continue
		}
		for o, v := range f.Amounts {
			if v == baht {
				return int(o[0] - '0')
			}
		}
	}
	return 0
}

// severalOptions reports a question naming more than one option ("ทางเลือก 1 2 3 ต่างกันยังไง"),
// counts aside ("ทางเลือก 3 2 ปี" is option 3 for two years).
func severalOptions(s string) bool { return reOptions.MatchString(reCount.ReplaceAllString(s, " ")) }

func (m *Match) readNumbers(s string) {
	if g := reOption.FindStringSubmatch(s); g != nil && !severalOptions(s) {
		m.Option = int(g[1][0] - '0')
	}
	if g := reAge.FindStringSubmatch(s); g != nil {
		m.Age, _ = strconv.Atoi(g[1])
	}
	for _, g := range reCount.FindAllStringSubmatch(s, -1) {
		n, _ := strconv.Atoi(g[1])
		switch g[2] {
		case "วัน", "คืน", "day", "days", "night", "nights":
			m.Days = n
		case "เดือน", "month", "months":
			m.Months = n
		case "ครั้ง", "visit", "visits", "time", "times":
			m.Visits = n
		default:
			m.Years = n
			if m.Age == 0 {
				m.Age = n
			}
		}
	}
}

func containsRunes(s, sub []rune) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if slices.Equal(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// exact returns the spans [start, end) of k in s; '#' in k matches one or more digits.
func exact(s, k []rune) [][2]int {
	var out [][2]int
	for i := range s {
		if end, ok := matchAt(s, i, k); ok {
			out = append(out, [2]int{i, end})
		}
	}
	return out
}

func matchAt(s []rune, i int, k []rune) (int, bool) {
	for _, r := range k {
		if r == '#' {
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j == i {
				return 0, false
			}
			i = j
			continue
		}
		if i >= len(s) || s[i] != r {
			return 0, false
		}
		i++
	}
	return i, true
}

// fuzzy finds k in s with at most one edit, for keys of at least 8 characters without '#'
// (shorter ones are too close to other words: "ไม่นอน" to "ไม่อนุ", "ค่าสมัคร" to "ว่าสมัคร"):
// "ทุพลภาพ" still reaches "ทุพพลภาพ". Common misspellings of short words are synonyms instead.
// It returns the span of the closest substring (Sellers' approximate substring matching).
func fuzzy(s, k []rune) ([2]int, bool) {
	if len(k) < 8 || slices.Contains(k, '#') {
		return [2]int{}, false
	}
	// One edit leaves one half of k intact: without either half in s there is no match, and
	// the dynamic programme below need not run (most keys, most questions).
	if h := len(k) / 2; !containsRunes(s, k[:h]) && !containsRunes(s, k[h:]) {
		return [2]int{}, false
	}
	const maxD = 1 // two edits turn "จ่ายทางเลือก" into "ย้ายทางเลือก"
	// d[i] is the distance of k[:i] to the best substring of s ending at the current position;
	// st[i] is where that substring starts.
	d := make([]int, len(k)+1)
	st := make([]int, len(k)+1)
	for i := range d {
		d[i] = i
	}
	best, bestEnd, bestStart := maxD+1, 0, 0
	for j := 1; j <= len(s); j++ {
		prevD, prevSt := d[0], st[0] // d[i-1] of the previous column
		d[0], st[0] = 0, j
		for i := 1; i <= len(k); i++ {
			curD, curSt := d[i], st[i]
			cost := 1
			if k[i-1] == s[j-1] {
				cost = 0
			}
			v, vs := prevD+cost, prevSt // substitute / match
			if d[i]+1 < v {
				v, vs = d[i]+1, st[i] // delete from s
			}
			if d[i-1]+1 < v {
				v, vs = d[i-1]+1, st[i-1] // insert into s
			}
			d[i], st[i] = v, vs
			prevD, prevSt = curD, curSt
		}
		if d[len(k)] < best {
			best, bestEnd, bestStart = d[len(k)], j, st[len(k)]
		}
	}
	return [2]int{bestStart, bestEnd}, best <= maxD
}
