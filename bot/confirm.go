package bot

import "github.com/ssonet/ssonet/store"

// yesNo is how an answer to a yes/no question reads.
type yesNo int

const (
	unclear yesNo = iota // neither: the message is something else, routed as usual
	saidYes
	saidNo
)

// The ordinary ways of saying yes and no (docs/CONVERSATIONS.md), after keywordOf, which drops the
// polite endings: "ใช่ค่ะ" is "ใช่", "ไม่เอาครับ" is "ไม่เอา".
var (
	yesWords = words("ใช่", "ค่ะ", "คะ", "ครับ", "คับ", "ค่า", "จ้า", "ได้", "ได้เลย", "ตกลง", "ยืนยัน", "โอเค",
		"เอา", "ใช่แล้ว", "ถูกต้อง", "ok", "okay", "yes", "y", "sure", "confirm")
	noWords = words("ไม่", "ไม่เอา", "ไม่ใช่", "ไม่ได้", "ไม่ตกลง", "ไม่ยืนยัน", "ไม่ต้อง", "no", "n", "nope")
)

// question is one yes/no question the bot asks. Its answer is read only while it is the
// question asked (the session's ask, context.go, or the form's current step): the common
// words, the question's own words, and its buttons' labels in either language.
type question struct {
	yes, no           map[string]bool // the question's own words, after keywordOf
	yesLabel, noLabel string          // catalog ids of its buttons' labels; may be empty
}

// read says whether in answers the question yes or no. The question's own words come first
// ("ไม่ยินยอม" is a no to consent though it ends in a yes word).
func (q question) read(t *turn, in string) yesNo {
	w := keywordOf(in)
	switch {
	case q.no[w] || q.isLabel(t, q.noLabel, w):
		return saidNo
	case q.yes[w] || q.isLabel(t, q.yesLabel, w):
		return saidYes
	case noWords[w]:
		return saidNo
	case yesWords[w]:
		return saidYes
	}
	return unclear
}

func (q question) isLabel(t *turn, id, w string) bool {
	if id == "" {
		return false
	}
	for _, lang := range []store.Language{store.LangThai, store.LangEnglish} {
		if keywordOf(t.cat.text(lang, id, nil)) == w {
			return true
		}
	}
	return false
}

// The questions.
var (
	// Erase my data? (asked by "ลบข้อมูล")
	eraseQuestion = question{yes: words("ลบ", "ลบเลย", "ลบข้อมูล", "ยืนยันลบ", "erase", "delete", "deleteit"),
		no: words("ไม่ลบ", "ไม่ลบข้อมูล", "keep", "keepit"), yesLabel: "btn.erase_yes", noLabel: "btn.erase_no"}
	// May the office keep these details? (a form's consent step)
	consentQuestion = question{yes: words("ยินยอม", "ยอม", "agree", "iagree"),
		no: words("ไม่ยินยอม", "ไม่ยอม", "disagree", "idontagree", "idonotagree"), yesLabel: "btn.consent_yes", noLabel: "btn.consent_no"}
	// Sure you do not agree? Nothing is kept. (after a no to consent)
	declineQuestion = question{yes: words("ไม่ยินยอม", "ไม่ยอม", consentNoSure, consentDisagree), yesLabel: "btn.consent_no_sure"}
	// Send the form? (the summary)
	summaryQuestion = question{yes: words("ส่ง", "ส่งเลย", "ยืนยันส่ง", "ส่งได้", "submit", "send", "sendit"), yesLabel: "btn.confirm"}
)
