// Package texts loads message catalogs: TOML files named <name>.<lang>.toml (go-i18n reads the
// language from the name), Thai the default and the fallback of English. The bot, the business
// actions and the officers' console each embed their own files and translate through it.
package texts

import (
	"errors"
	"fmt"
	"io/fs"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/pelletier/go-toml/v2"
	"golang.org/x/text/language"

	"github.com/ssonet/ssonet/store"
)

// Catalog translates message IDs into a member's language. It is safe for concurrent use.
type Catalog struct {
	byLang map[store.Language]*i18n.Localizer
	// plain keeps each message found when looked up without data (a plainKey): go-i18n
	// matches the language and runs the template on every call, and a turn asks for a dozen
	// such labels and titles. Only found ones are kept, so it is bounded by the catalog's ids
	// times its languages whatever ids are asked for.
	plain sync.Map
}

// plainKey is a message looked up without template data; its value in Catalog.plain is the
// message's text.
type plainKey struct {
	lang store.Language
	id   string
}

// Load reads every file of fsys matching pattern (e.g. "locales/*.toml"). It fails when a
// file does not parse.
func Load(fsys fs.FS, pattern string) (*Catalog, error) {
	bundle := i18n.NewBundle(language.Thai)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	files, err := fs.Glob(fsys, pattern)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if _, err := bundle.LoadMessageFileFS(fsys, f); err != nil {
			return nil, fmt.Errorf("texts: catalog %s: %w", f, err)
		}
	}
	return &Catalog{byLang: map[store.Language]*i18n.Localizer{
		store.LangThai:    i18n.NewLocalizer(bundle, "th"),
		store.LangEnglish: i18n.NewLocalizer(bundle, "en", "th"),
	}}, nil
}

// Text returns message id in lang (Thai for an unknown language) with data filled into its
// template; an int "Count" in data picks the plural form of a message that has them (English
// "one" and "other": "1 application", "2 applications"). A missing id (a bug the catalog tests
// catch) returns the id itself rather than failing the caller.
func (c *Catalog) Text(lang store.Language, id string, data map[string]any) string {
	s, ok := c.lookup(lang, id, data)
	if !ok {
		return id
	}
	return s
}

// Optional returns message id in lang without data, or "" when there is no such message.
func (c *Catalog) Optional(lang store.Language, id string) string {
	s, _ := c.lookup(lang, id, nil)
	return s
}

func (c *Catalog) lookup(lang store.Language, id string, data map[string]any) (string, bool) {
	if data != nil {
		return c.localize(lang, id, data)
	}
	k := plainKey{lang, id}
	if v, ok := c.plain.Load(k); ok {
		return v.(string), true
	}
	s, ok := c.localize(lang, id, nil)
	if ok {
		c.plain.Store(k, s)
	}
	return s, ok
}

// localize runs go-i18n: message id in lang, Thai for an unknown language.
func (c *Catalog) localize(lang store.Language, id string, data map[string]any) (string, bool) {
	l, ok := c.byLang[lang]
	if !ok {
		l = c.byLang[store.LangThai]
	}
	cfg := &i18n.LocalizeConfig{MessageID: id, TemplateData: data}
	if n, ok := data["Count"].(int); ok {
		cfg.PluralCount = n
	}
	s, err := l.Localize(cfg)
	// A message missing in English comes back in Thai, the bundle's default, with a
	// MessageNotFoundErr for the language asked.
	var notFound *i18n.MessageNotFoundErr
	return s, err == nil || errors.As(err, &notFound) && s != ""
}

// Has reports whether message id exists in lang itself (no fallback).
func (c *Catalog) Has(lang store.Language, id string) bool {
	l, ok := c.byLang[lang]
	if !ok {
		return false
	}
	_, tag, err := l.LocalizeWithTag(&i18n.LocalizeConfig{MessageID: id})
	return err == nil && tag.String() == string(lang)
}

// KV turns key, value pairs into template data; nil when there are none.
func KV(kv ...any) map[string]any {
	if len(kv) == 0 {
		return nil
	}
	data := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		data[kv[i].(string)] = kv[i+1]
	}
	return data
}
