package bot

import (
	"io/fs"
	"maps"
	"regexp"
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
				if _, plural := sub["other"]; !plural { // a table of plural forms is one message
					walk(prefix+k+".", sub)
					continue
				}
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
	for _, key := range inputErrorKeys {
		for _, lang := range []string{"th", "en"} {
			if got := c.text(languageOf(lang), "err."+key, map[string]any{"count": 3, "max": 5}); got == "err."+key {
				t.Errorf("no %s text for err.%s", lang, key)
			}
		}
	}
}

// English counts take the plural form the count needs (go-i18n plural forms): "1 application",
// "2 applications" (issue 9 item 16).
func TestCatalogPlurals(t *testing.T) {
	c, err := newCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id    string
		data  map[string]any
		want  string
		avoid string
	}{
		{"off.pending", map[string]any{"Count": 1, "Shown": 1}, "1 application waiting.", "applications"},
		{"off.pending", map[string]any{"Count": 14, "Shown": 12}, "14 applications waiting (showing the first 12)", ""},
		{"off.pending", map[string]any{"Count": 3, "Shown": 3}, "3 applications waiting.", "showing"},
		{"ann.count", map[string]any{"Count": 1}, "1 person", "people"},
		{"ann.count", map[string]any{"Count": 2}, "2 people", ""},
		{"ann.list", map[string]any{"Count": 1}, "1 scheduled announcement.", "announcements"},
	} {
		got := c.text(languageOf("en"), tc.id, tc.data)
		if !strings.Contains(got, tc.want) || tc.avoid != "" && strings.Contains(got, tc.avoid) {
			t.Errorf("%s %v = %q, want %q", tc.id, tc.data, got, tc.want)
		}
	}
	if got := c.text(languageOf("th"), "off.pending", map[string]any{"Count": 1, "Shown": 1}); strings.Contains(got, "แสดง") {
		t.Errorf("Thai off.pending for one: %q", got)
	}
}

// The Thai texts sound like an SSO officer in a chat (docs/CONVERSATIONS.md), not like translated
// software: no passives made with ถูก (จะไม่ถูกบันทึก), no system words (API, อักขระ, อีโมจิ,
// ผู้ดูแลระบบ); English says "1 person", not "1 recipient(s)" (issue 9 item 16).
func TestTextsSoundHuman(t *testing.T) {
	machine := regexp.MustCompile(`ถูก(บันทึก|ส่ง|ใช้|ยกเลิก|ลบ|เก็บ|ปฏิเสธ|อนุมัติ)|API|อักขระ|อีโมจิ|ผู้ดูแลระบบ|\(s\)`)
	for _, lang := range []string{"th", "en"} {
		files, _ := fs.Glob(localeFS, "locales/*."+lang+".toml")
		for _, f := range files {
			b, err := fs.ReadFile(localeFS, f)
			if err != nil {
				t.Fatal(err)
			}
			for i, line := range strings.Split(string(b), "\n") {
				if m := machine.FindString(line); m != "" && !strings.HasPrefix(line, "#") {
					t.Errorf("%s:%d: %q reads like software, not like an officer: %s", f, i+1, m, line)
				}
			}
		}
	}
}
