package bot

import (
	"io/fs"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
)

// Every message id exists in Thai and in English (the miniflux habit): a key added to one
// catalog and forgotten in the other fails here, not in front of a user.
func TestCatalogsHaveTheSameKeys(t *testing.T) {
	files, err := fs.Glob(localeFS, "locales/*.th.toml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Thai catalogs: %v", err)
	}
	for _, th := range files {
		en := strings.TrimSuffix(th, ".th.toml") + ".en.toml"
		thKeys, enKeys := catalogKeys(t, th), catalogKeys(t, en)
		for _, k := range thKeys {
			if !slices.Contains(enKeys, k) {
				t.Errorf("%s has %q, %s does not", th, k, en)
			}
		}
		for _, k := range enKeys {
			if !slices.Contains(thKeys, k) {
				t.Errorf("%s has %q, %s does not", en, k, th)
			}
		}
	}
}

func catalogKeys(t *testing.T, name string) []string {
	t.Helper()
	b, err := fs.ReadFile(localeFS, name)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := toml.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	keys := map[string]bool{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			if sub, ok := v.(map[string]any); ok {
				walk(prefix+k+".", sub)
				continue
			}
			keys[prefix+k] = true
		}
	}
	walk("", m)
	return slices.Sorted(maps.Keys(keys))
}

// Every input-error key the thai package can return has a re-prompt in the catalogs.
func TestCatalogCoversInputErrors(t *testing.T) {
	c, err := newCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{
		"phone.empty", "phone.not_digits", "phone.too_short", "phone.too_long", "phone.not_mobile",
		"nid.empty", "nid.not_digits", "nid.too_short", "nid.too_long", "nid.check_digit",
		"name.empty", "name.need_surname", "name.has_digits", "name.bad_chars", "name.too_long",
		"text.empty", "text.too_long", "text.bad_chars",
		"date.empty", "date.format", "date.invalid", "date.year",
		"time.format", "time.invalid", "datetime.need_time", "age.format", "age.range",
	} {
		for _, lang := range []string{"th", "en"} {
			if got := c.text(languageOf(lang), "err."+key, map[string]any{"count": 3, "max": 5}); got == "err."+key {
				t.Errorf("no %s text for err.%s", lang, key)
			}
		}
	}
}
