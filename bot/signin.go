package bot

import (
	"strings"

	"github.com/ssonet/ssonet/actions"
)

// signInWords ask for a sign-in link to the officers' console (issue 11, deliverable 1): a
// global word for officers, understood mid-form too; for anyone else they mean nothing special.
// The labels of the officer's menu entry (btn.console, as on the rich menu) are among them: every
// button can be typed.
var signInWords = words("เข้าระบบ", "เข้าสู่ระบบ", "console", "login", "คอนโซล", "เว็บเจ้าหน้าที่", "officers' console")

// signInTapped answers the officer's menu entry (a=signin) as the sign-in word typed; a member
// who is no officer (an old card, a forged tap) is told it is for officers.
func (t *turn) signInTapped() error {
	if done, err := t.signInLink(); err != nil || done {
		return err
	}
	_, _, err := t.officerOnly()
	return err
}

// signInLink answers an officer's sign-in word with a one-time link to the console as plain
// text (LINE makes it tappable), and a button when the console is on https. It reports false,
// changing nothing, when the member is no officer, so the word gets the ordinary answer.
func (t *turn) signInLink() (bool, error) {
	w, err := t.who()
	if err != nil || !isOfficer(w) {
		return false, err
	}
	t.private = true // the link is a credential: not kept for a hand-off's transcript, which other officers read
	token, err := t.actions.IssueLoginLink(t.ctx, w.actor(t.member.UserID))
	if _, refused := actions.AsError(err); refused {
		t.out.text(t.actions.Message(t.member.Language, err))
		return true, nil
	}
	if err != nil {
		return true, err
	}
	link := t.publicURL + "/console/login/" + token
	t.out.text(t.tr("off.signin", "Link", link, "Minutes", int(actions.LoginTTL.Minutes())))
	if strings.HasPrefix(link, "https://") {
		t.out.buttons(action{Label: t.tr("btn.signin"), URI: link})
	}
	return true, nil
}
