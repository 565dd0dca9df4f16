package bot

import (
	"strings"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/store"
)

// Role is a member's place in the network: the one notion the menu message, help, the
// greeting, "not understood", the quick replies and the rich menus are chosen by, so that no
// member is offered something they cannot do.
type Role string

// Roles. Every member has exactly one; RoleOf decides it.
const (
	// RoleNewcomer: no leader application (a worker asking about Section 40, or someone new).
	RoleNewcomer Role = "newcomer"
	// RolePending: applied as a leader; an officer has not decided yet.
	RolePending Role = "pending"
	// RoleLeader: an approved network leader.
	RoleLeader Role = "leader"
	// RoleRejected: the leader application was rejected; the member may apply again.
	RoleRejected Role = "rejected"
	// RoleOfficer: an SSO officer (an invite code was used, or ADMIN_LINE_USER_IDS), whatever
	// their leader record says.
	RoleOfficer Role = "officer"
)

// Roles lists every role, in the order menus are designed.
var Roles = []Role{RoleNewcomer, RolePending, RoleLeader, RoleRejected, RoleOfficer}

// RoleOf returns the role of a member from their leader record (nil when they never applied,
// or erased it) and whether they are an officer. Officer comes first; RoleOf(leader, false) is
// the role the same member has as a leader (an officer's leader tab).
func RoleOf(leader *store.Leader, officer bool) Role {
	switch {
	case officer:
		return RoleOfficer
	case leader == nil:
		return RoleNewcomer
	case leader.Status == store.LeaderApproved:
		return RoleLeader
	case leader.Status == store.LeaderRejected:
		return RoleRejected
	}
	return RolePending
}

func (w who) role() Role { return RoleOf(w.leader, isOfficer(w)) }

// roles are the roles whose entries w sees: an officer who is also a leader has both.
func (w who) roles() []Role {
	r := w.role()
	if r == RoleOfficer && w.leader != nil {
		return []Role{RoleOfficer, RoleOf(w.leader, false)}
	}
	return []Role{r}
}

// navEntry is one thing a member can do: its button and its line in help ("help.<key>").
type navEntry struct {
	key   string // catalog ids "btn.<key>" (the button) and "help.<key>" (what to type)
	data  string // postback data of the button
	inner bool   // shown in help only, not in the menu's buttons
}

// Entries, referred to by the navigation table.
var (
	navLeader      = navEntry{key: "leader", data: "a=reg.start"}
	navReapply     = navEntry{key: "reapply", data: "a=reg.start"}
	navStatus      = navEntry{key: "reg_status", data: "a=reg.status"}
	navS40         = navEntry{key: "s40", data: "a=s40"}
	navS40Apply    = navEntry{key: "s40_apply", data: "a=s40&t=apply"}
	navSelf        = navEntry{key: "self", data: "a=self.start"}
	navWsList      = navEntry{key: "ws_list", data: "a=ws.list"}
	navWsMine      = navEntry{key: "ws_mine", data: "a=ws.mine"}
	navRefer       = navEntry{key: "refer", data: "a=ref.start"}
	navMyReferrals = navEntry{key: "my_referrals", data: "a=ref.mine"}
	navPending     = navEntry{key: "pending", data: "a=ldr.list"}
	navAnnounce    = navEntry{key: "announce", data: "a=ann.start"}
	navScheduled   = navEntry{key: "scheduled", data: "a=ann.list"}
	navConsole     = navEntry{key: "console", data: "a=signin"}  // a sign-in link to the officers' console (signin.go)
	navContact     = navEntry{key: "contact", data: "a=contact"} // a person: the hand-off (handoff.go)
	navErase       = navEntry{key: "erase", data: "a=erase.ask", inner: true}
	navHelp        = navEntry{key: "help", data: "a=help"}
)

// navigation is what each role can do, most used first: the first mainEntries are the quick
// replies of the greeting, "not understood" and small talk; all of them make the menu and help.
var navigation = map[Role][]navEntry{
	RoleNewcomer: {navLeader, navS40, navSelf, navS40Apply, navContact, navErase},
	RolePending:  {navStatus, navWsList, navS40, navS40Apply, navContact, navErase},
	RoleLeader:   {navWsList, navRefer, navS40, navWsMine, navMyReferrals, navStatus, navContact, navErase},
	RoleRejected: {navReapply, navS40, navSelf, navStatus, navContact, navErase},
	RoleOfficer:  {navPending, navAnnounce, navScheduled, navConsole, navS40},
}

// mainEntries is how many entries of a role make the short list of quick replies.
const mainEntries = 3

// entries are the entries w sees, each once, in the order of its roles.
func (w who) entries() []navEntry {
	var out []navEntry
	seen := map[string]bool{}
	for _, r := range w.roles() {
		for _, e := range navigation[r] {
			if !seen[e.data] {
				seen[e.data] = true
				out = append(out, e)
			}
		}
	}
	return out
}

func (t *turn) navAction(e navEntry) action { return action{Label: t.tr("btn." + e.key), Data: e.data} }

// mainActions are the quick replies that lead on from a greeting or a reply that ends a path:
// the role's first entries and the menu. A failing store read falls back to the menu alone.
func (t *turn) mainActions() []action {
	w, err := t.who()
	if err != nil {
		t.log.Error("who for navigation", "err", err)
		return []action{t.menuAction()}
	}
	var acts []action
	for _, e := range navigation[w.role()][:mainEntries] {
		acts = append(acts, t.navAction(e))
	}
	return append(acts, t.menuAction())
}

// standing is one line saying where the member stands, for the menu and help: pending,
// rejected (with what to do), an officer's provinces; empty for others.
func (t *turn) standing(w who) string {
	switch w.role() {
	case RolePending:
		return t.tr("nav.standing.pending", "Province", showProvince(t, w.leader.ProvinceCode))
	case RoleRejected:
		return t.tr("nav.standing.rejected", "Province", showProvince(t, w.leader.ProvinceCode)) + t.reason(*w.leader)
	case RoleOfficer:
		return t.tr("nav.standing.officer", "Provinces", t.provinceNames(w.provinces()))
	}
	return ""
}

// reason is the officer's reason for a decision, on a line of its own; empty when none was given.
func (t *turn) reason(l store.Leader) string {
	if l.DecisionNote == "" {
		return ""
	}
	return "\n" + t.tr("off.decision_reason", "Reason", l.DecisionNote)
}

// menu shows the member's menu as a flex bubble with the same entries as quick replies; in a
// form it also offers to carry on with it.
func (t *turn) menu() error {
	w, err := t.who()
	if err != nil {
		return err
	}
	var acts []action
	for _, e := range w.entries() {
		if !e.inner {
			acts = append(acts, t.navAction(e))
		}
	}
	acts = append(acts, t.navAction(navHelp))
	body := t.tr("menu.body")
	if s := t.standing(w); s != "" {
		body = s + "\n" + body
	}
	// The card shows the language's title, body and the buttons' labels and data, nothing else.
	key := []string{string(t.member.Language), body}
	for _, a := range acts {
		key = append(key, a.Label, a.Data)
	}
	t.out.add(t.card(strings.Join(key, "\x00"), func() messaging_api.MessageInterface {
		var buttons []messaging_api.FlexComponentInterface
		for i, a := range acts {
			buttons = append(buttons, fButton(a, i == 0))
		}
		return flexMessage(t.tr("menu.title"), bubble(t.tr("menu.title"), []messaging_api.FlexComponentInterface{fText(body, small, grey)}, buttons))
	}))
	if t.sess.Flow != "" {
		acts = append([]action{t.formAction(t.tr("btn.resume"), ctlResume)}, acts...)
	}
	t.out.buttons(append(t.caseActions(), acts...)...)
	return nil
}

// help lists what the member can type, for their role only.
func (t *turn) help() error {
	w, err := t.who()
	if err != nil {
		return err
	}
	lines := []string{t.tr("help.intro")}
	if s := t.standing(w); s != "" {
		lines = append([]string{s}, lines...)
	}
	lines = append(lines, t.tr("help.menu"))
	for _, e := range w.entries() {
		lines = append(lines, t.tr("help."+e.key))
	}
	lines = append(lines, t.tr("help.forms"))
	t.out.text(strings.Join(lines, "\n"))
	acts := t.caseActions()
	if t.sess.Flow != "" {
		acts = append(acts, t.formAction(t.tr("btn.resume"), ctlResume))
	}
	t.out.buttons(append(acts, t.mainActions()...)...)
	return nil
}
