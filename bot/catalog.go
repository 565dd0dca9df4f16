package bot

import (
	"embed"
	"fmt"
	"io/fs"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/pelletier/go-toml/v2"
	"golang.org/x/text/language"

	"github.com/ssonet/ssonet/store"
)

// The message catalogs: one TOML file per feature and language under locales/, named
// <feature>.<lang>.toml (go-i18n reads the language from the name). Thai is the default.
//
//go:embed locales/*.toml
var localeFS embed.FS

// catalog translates message IDs into the member's language.
type catalog struct {
	byLang map[store.Language]*i18n.Localizer
}

func newCatalog() (*catalog, error) {
	bundle := i18n.NewBundle(language.Thai)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	files, err := fs.Glob(localeFS, "locales/*.toml")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if _, err := bundle.LoadMessageFileFS(localeFS, f); err != nil {
			return nil, fmt.Errorf("bot: catalog %s: %w", f, err)
		}
	}
	return &catalog{byLang: map[store.Language]*i18n.Localizer{
		store.LangThai:    i18n.NewLocalizer(bundle, "th"),
		store.LangEnglish: i18n.NewLocalizer(bundle, "en", "th"),
	}}, nil
}

// text returns message id in lang with data filled into its template; an int "Count" picks
// the plural form ("1 application", "2 applications"). A missing id (a bug the catalog tests
// catch) returns the id itself rather than failing the conversation.
func (c *catalog) text(lang store.Language, id string, data map[string]any) string {
	s, ok := c.lookup(lang, id, data)
	if !ok {
		return id
	}
	return s
}

// optional returns message id in lang, or "" when the catalogs have no such message (keys a
// feature may leave out, such as a field's extra "words").
func (c *catalog) optional(lang store.Language, id string) string {
	s, _ := c.lookup(lang, id, nil)
	return s
}

func (c *catalog) lookup(lang store.Language, id string, data map[string]any) (string, bool) {
	l, ok := c.byLang[lang]
	if !ok {
		l = c.byLang[store.LangThai]
	}
	cfg := &i18n.LocalizeConfig{MessageID: id, TemplateData: data}
	if n, ok := data["Count"].(int); ok {
		cfg.PluralCount = n
	}
	s, err := l.Localize(cfg)
	return s, err == nil
}
