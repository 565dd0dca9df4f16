package bot

import (
	"embed"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/texts"
)

// The message catalogs: one TOML file per feature and language under locales/, named
// <feature>.<lang>.toml (go-i18n reads the language from the name). Thai is the default.
//
//go:embed locales/*.toml
var localeFS embed.FS

// catalog translates message IDs into the member's language.
type catalog struct{ *texts.Catalog }

func newCatalog() (*catalog, error) {
	c, err := texts.Load(localeFS, "locales/*.toml")
	if err != nil {
		return nil, err
	}
	return &catalog{c}, nil
}

// text returns message id in lang with data filled into its template (texts.Catalog.Text; an
// int "Count" picks the plural form).
func (c *catalog) text(lang store.Language, id string, data map[string]any) string {
	return c.Text(lang, id, data)
}

// optional returns message id in lang, or "" when the catalogs have no such message (keys a
// feature may leave out, such as a field's extra "words").
func (c *catalog) optional(lang store.Language, id string) string { return c.Optional(lang, id) }

// optionalText is optional with template data: kv are key, value pairs.
func (c *catalog) optionalText(lang store.Language, id string, kv ...any) string {
	if s := c.Text(lang, id, texts.KV(kv...)); s != id {
		return s
	}
	return ""
}
