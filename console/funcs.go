package console

import (
	"html/template"
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
		"has": slices.Contains[[]string],
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
