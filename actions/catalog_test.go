package actions

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/texts"
)

// Every refusal key the actions return, and every status name a refusal shows, has a text in
// Thai and in English.
func TestCatalogCoversRefusals(t *testing.T) {
	cat, err := texts.Load(localeFS, "locales/*.toml")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	files, _ := filepath.Glob("*.go")
	used := regexp.MustCompile(`"(act\.[a-z_.]+)"`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
	}
	for _, st := range store.ReferralStatuses {
		keys["status.referral."+string(st)] = true
	}
	for _, st := range []store.LeaderStatus{store.LeaderPending, store.LeaderApproved, store.LeaderRejected} {
		keys["status.leader."+string(st)] = true
	}
	for _, st := range []store.AnnouncementStatus{store.AnnouncementScheduled, store.AnnouncementSending, store.AnnouncementSent, store.AnnouncementCancelled} {
		keys["status.announcement."+string(st)] = true
	}
	if len(keys) < 40 {
		t.Fatalf("found only %d keys: the scan is broken", len(keys))
	}
	for k := range keys {
		for _, lang := range []store.Language{store.LangThai, store.LangEnglish} {
			if !cat.Has(lang, k) {
				t.Errorf("no %s text for %s", lang, k)
			}
		}
	}
}

// A refusal naming another province names Bangkok as Bangkok, not as a จังหวัด.
func TestNotYoursNamesBangkok(t *testing.T) {
	cat, err := texts.Load(localeFS, "locales/*.toml")
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string]string{"TH-10": "อยู่กรุงเทพมหานคร ซึ่ง", "TH-76": "อยู่จังหวัดเพชรบุรี ซึ่ง"} {
		e := notYours("province", code)
		if got := cat.Text(store.LangThai, e.Key, e.Data); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", code, got, want)
		}
	}
}
