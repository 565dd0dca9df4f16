package texts_test

import (
	"testing"
	"testing/fstest"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/texts"
)

// TestPlainLookupsKeepTemplatesAndFallbacks: the texts kept for lookups without data are per
// language, keep the English-to-Thai fallback and a missing id's answer, and never stand in for
// a lookup with data.
func TestPlainLookupsKeepTemplatesAndFallbacks(t *testing.T) {
	cat, err := texts.Load(fstest.MapFS{
		"l/a.th.toml": {Data: []byte("hello = \"สวัสดี\"\nname = \"คุณ{{.Name}}\"\nonly_th = \"ไทยเท่านั้น\"\n")},
		"l/a.en.toml": {Data: []byte("hello = \"Hello\"\nname = \"Dear {{.Name}}\"\n")},
	}, "l/*.toml")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second round is answered from what the first kept
		for _, c := range []struct {
			lang     store.Language
			id, want string
			data     map[string]any
		}{
			{store.LangThai, "hello", "สวัสดี", nil},
			{store.LangEnglish, "hello", "Hello", nil},
			{store.LangEnglish, "only_th", "ไทยเท่านั้น", nil},
			{store.LangThai, "name", "คุณสมชาย", texts.KV("Name", "สมชาย")},
			{store.LangThai, "name", "คุณสมหญิง", texts.KV("Name", "สมหญิง")},
			{store.LangThai, "missing", "missing", nil},
		} {
			if got := cat.Text(c.lang, c.id, c.data); got != c.want {
				t.Errorf("Text(%s, %s, %v) = %q, want %q", c.lang, c.id, c.data, got, c.want)
			}
		}
	}
}
