package bot

import (
	"regexp"
	"testing"

	"github.com/ssonet/ssonet/store"
)

// Every command help suggests, for every role and in both languages, is one the router
// understands: help never tells a member to type something that is "not understood".
func TestHelpCommandsAreUnderstood(t *testing.T) {
	c, err := newCatalog()
	if err != nil {
		t.Fatal(err)
	}
	eng := &Engine{cat: c}
	if err := eng.initSection40(Config{}); err != nil {
		t.Fatal(err)
	}
	for _, f := range features() {
		eng.keywords = append(eng.keywords, f.keywords...)
	}
	quoted := regexp.MustCompile(`"([^"]+)"`)
	for _, r := range Roles {
		for _, e := range navigation[r] {
			for _, lang := range []store.Language{store.LangThai, store.LangEnglish} {
				line := c.text(lang, "help."+e.key, nil)
				m := quoted.FindStringSubmatch(line)
				if m == nil {
					t.Errorf("%s help.%s names nothing to type: %q", lang, e.key, line)
					continue
				}
				tr := &turn{Engine: eng, ev: Event{Kind: KindMessage, Text: m[1]}}
				if _, ok := tr.keywordFor(keywordOf(m[1])); !ok && !menuWords[keywordOf(m[1])] && !(r == RoleOfficer && signInWords[keywordOf(m[1])]) {
					t.Errorf("%s help.%s suggests %q, which the router does not understand", lang, e.key, m[1])
				}
			}
		}
	}
}

// RoleOf: officer first, then the leader record's status; no record is a newcomer.
func TestRoleOf(t *testing.T) {
	l := func(s store.LeaderStatus) *store.Leader { return &store.Leader{Status: s} }
	for _, tc := range []struct {
		leader  *store.Leader
		officer bool
		want    Role
	}{
		{nil, false, RoleNewcomer},
		{l(store.LeaderPending), false, RolePending},
		{l(store.LeaderApproved), false, RoleLeader},
		{l(store.LeaderRejected), false, RoleRejected},
		{nil, true, RoleOfficer},
		{l(store.LeaderApproved), true, RoleOfficer},
	} {
		if got := RoleOf(tc.leader, tc.officer); got != tc.want {
			t.Errorf("RoleOf(%v, %v) = %s, want %s", tc.leader, tc.officer, got, tc.want)
		}
	}
}

// One action has one label: the leader registration's menu entry and its start button (after
// a form timed out, for one) are named alike in both languages (a fresh tester found
// "แกนนำเครือข่าย" on the menu card and "สมัครแกนนำ" elsewhere; the rich menu's tiles are
// checked against the card in package richmenu).
func TestOneLabelPerAction(t *testing.T) {
	c, err := newCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []store.Language{store.LangThai, store.LangEnglish} {
		if entry, start := c.text(lang, "btn."+navLeader.key, nil), c.text(lang, flowRegister+".restart", nil); entry != start {
			t.Errorf("%s: the menu says %q, the start button %q", lang, entry, start)
		}
	}
}

// The labels of the buttons that are no keyword of a feature are typeable too, in both
// languages: "continue the form" and "back to the bot" typed mean the tap.
func TestControlLabelsAreTypeable(t *testing.T) {
	c, err := newCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []store.Language{store.LangThai, store.LangEnglish} {
		if l := c.text(lang, "btn.resume", nil); !resumeWords[keywordOf(l)] {
			t.Errorf("%s btn.resume %q is not a resume word", lang, l)
		}
		if l := c.text(lang, "btn.back_to_bot", nil); !isBackToBotWord(keywordOf(l)) {
			t.Errorf("%s btn.back_to_bot %q is not a back-to-bot word", lang, l)
		}
		if l := c.text(lang, "btn."+navConsole.key, nil); !signInWords[keywordOf(l)] {
			t.Errorf("%s btn.%s %q is not a sign-in word", lang, navConsole.key, l)
		}
	}
}
