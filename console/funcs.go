package console

import (
	"html/template"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/texts"
	"github.com/ssonet/ssonet/thai"
)

// funcs are the template functions; the first argument of each is the page's language.
func (c *Console) funcs() template.FuncMap {
	return template.FuncMap{
		"t": func(lang store.Language, id string, kv ...any) string { return c.cat.Text(lang, id, texts.KV(kv...)) },
		"when": func(lang store.Language, t time.Time) string {
			if t.IsZero() {
				return "-"
			}
			if lang == store.LangEnglish {
				return thai.FormatDateTimeEN(t, c.cfg.Actions.Location())
			}
			return thai.FormatDateTime(t, c.cfg.Actions.Location())
		},
		"day": func(lang store.Language, t time.Time) string {
			if lang == store.LangEnglish {
				return thai.FormatDateEN(t, c.cfg.Actions.Location())
			}
			return thai.FormatDate(t, c.cfg.Actions.Location())
		},
		"province": func(lang store.Language, code string) string {
			p, ok := thai.ProvinceByCode(code)
			switch {
			case !ok:
				return code
			case lang == store.LangEnglish:
				return p.NameEN
			}
			return p.NameTH
		},
		"provinces": func(lang store.Language, codes []string) string {
			if len(codes) == 0 {
				return c.cat.Text(lang, "all_provinces", nil)
			}
			names := make([]string, len(codes))
			for i, code := range codes {
				p, _ := thai.ProvinceByCode(code)
				names[i] = p.NameTH
				if lang == store.LangEnglish {
					names[i] = p.NameEN
				}
			}
			return strings.Join(names, ", ")
		},
		"mask": thai.MaskPhone,
		"maskNID": func(nid string) string {
			if nid == "" {
				return "-"
			}
			return thai.MaskNationalID(nid)
		},
		"has":   slices.Contains[[]string],
		"links": links,
		"caseRow": func(lang store.Language, r caseRow) any {
			return struct {
				Lang store.Language
				Row  caseRow
			}{lang, r}
		},
		"caseProvince": func(lang store.Language, code string) string { return c.cfg.Actions.CaseProvince(lang, code) },
		"wsForm": func(lang store.Language, f workshopForm) any {
			return struct {
				Lang store.Language
				F    workshopForm
			}{lang, f}
		},
	}
}

// link finds an http(s) link in text shown as a chat bubble: printable ASCII but for '"', '<'
// and '>' (so Thai written right after it is not taken in); trailing punctuation is the
// sentence's (linkTrail).
var link = regexp.MustCompile(`https?://[!#-;=?-~]+`)

const linkTrail = ".,;:!?'()"

// links is the text of a chat bubble (a case's lines, an announcement's preview), HTML-escaped,
// with each http(s) link in a span.url holding a break opportunity (<wbr>) before every "/" of
// its path and every "?", "&" and "#", and after every "=": a long link wraps between its
// parts at a phone's width, not inside a word, and only a part wider than the bubble is broken
// anywhere (console.css). The link is not made clickable: members' lines are not vouched for.
func links(s string) template.HTML {
	var b strings.Builder
	at := 0
	for _, m := range link.FindAllStringIndex(s, -1) {
		u := strings.TrimRight(s[m[0]:m[1]], linkTrail)
		b.WriteString(template.HTMLEscapeString(s[at:m[0]]))
		b.WriteString(`<span class="url">`)
		host := strings.Index(u, "//") + 2
		if i := strings.IndexByte(u[host:], '/'); i >= 0 {
			host += i
		} else {
			host = len(u)
		}
		b.WriteString(template.HTMLEscapeString(u[:host]))
		for _, r := range u[host:] {
			if strings.ContainsRune("/?&#", r) {
				b.WriteString("<wbr>")
			}
			b.WriteString(template.HTMLEscapeString(string(r)))
			if r == '=' {
				b.WriteString("<wbr>")
			}
		}
		b.WriteString(`</span>`)
		at = m[0] + len(u)
	}
	b.WriteString(template.HTMLEscapeString(s[at:]))
	return template.HTML(b.String())
}
