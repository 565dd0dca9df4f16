package console

import (
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/pelletier/go-toml/v2"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/store"
)

// flatKeys reads a catalog file into its message IDs.
func flatKeys(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := fs.ReadFile(localeFS, path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := toml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	var walk func(prefix string, v map[string]any)
	walk = func(prefix string, v map[string]any) {
		for k, x := range v {
			if sub, ok := x.(map[string]any); ok {
				walk(prefix+k+".", sub)
			} else {
				keys[prefix+k] = true
			}
		}
	}
	walk("", m)
	return keys
}

// Every text the pages show exists in Thai and in English: the literal keys of the templates
// and the Go code, and each family built at run time from a status or audience.
func TestCatalogCoversThePages(t *testing.T) {
	th, en := flatKeys(t, "locales/console.th.toml"), flatKeys(t, "locales/console.en.toml")
	if d := slices.Sorted(maps.Keys(th)); !slices.Equal(d, slices.Sorted(maps.Keys(en))) {
		for k := range th {
			if !en[k] {
				t.Errorf("%s: Thai only", k)
			}
		}
		for k := range en {
			if !th[k] {
				t.Errorf("%s: English only", k)
			}
		}
	}
	want := map[string]bool{}
	inTemplates := regexp.MustCompile(`\{\{t (?:\$l|\.Lang|\$\.Lang) "([a-z_.]+)"`)
	files, _ := fs.Glob(templateFS, "templates/*.html")
	for _, f := range files {
		b, _ := fs.ReadFile(templateFS, f)
		for _, m := range inTemplates.FindAllStringSubmatch(string(b), -1) {
			want[m[1]] = true
		}
	}
	inCode := regexp.MustCompile(`c\.text\([^,]+, "([a-z_.]+)"|c\.done\(ctx, "[^"]*", "([a-z_.]+)"`)
	code, _ := filepath.Glob("*.go")
	for _, f := range code {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range inCode.FindAllStringSubmatch(string(b), -1) {
			if m[1] != "" {
				want[m[1]] = true
			} else {
				want["done."+m[2]] = true
			}
		}
	}
	for _, s := range store.ReferralStatuses {
		want["ref.status."+string(s)] = true
	}
	for _, s := range []store.LeaderStatus{store.LeaderPending, store.LeaderApproved, store.LeaderRejected} {
		want["leader."+string(s)] = true
		if s != store.LeaderPending {
			want["done.decided."+string(s)] = true
		}
	}
	for _, s := range []store.WorkshopStatus{store.WorkshopOpen, store.WorkshopFull, store.WorkshopClosed, store.WorkshopCancelled} {
		want["ws.status."+string(s)] = true
	}
	for _, s := range []store.RegistrationStatus{store.RegRegistered, store.RegWaitlisted, store.RegCancelled, store.RegAttended} {
		want["reg."+string(s)] = true
	}
	for _, s := range []store.AnnouncementStatus{store.AnnouncementScheduled, store.AnnouncementSending, store.AnnouncementSent, store.AnnouncementCancelled} {
		want["ann.status."+string(s)] = true
	}
	for _, a := range append(actions.Audiences(actions.Bootstrap), store.AudienceWorkshop) {
		want["ann.aud."+string(a)] = true
	}
	delete(want, "done.decided.") // built from the status, covered above
	for k := range want {
		if !th[k] {
			t.Errorf("no text %q", k)
		}
	}
}
