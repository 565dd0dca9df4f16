package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ssonet/ssonet/store"
)

// summaryAnswers are answers of every form field a summary shows, by key.
var summaryAnswers = map[string]string{
	"name": "มานี มีนา", "nid": "1101700203450", "phone": "0891112222", "birth": "a:45", "occupation": "ค้าขาย",
	"province": "TH-76", "district": "ชะอำ", "org": "กลุ่มแม่บ้าน", "option": "2", "consent": "yes",
}

// Every name of a field opens that field while the edit picker ("which field?") is shown,
// typed as LINE for PC types a button: each label on the picker, แก้ไข/edit and the label, and
// each of the field's words, in Thai and English (a fresh tester's "มือถือ" got a Section 40
// answer and "เบอร์" the hotline).
func TestEditPickerTakesEveryFieldName(t *testing.T) {
	r := newRecordsRig(t)
	ctx := context.Background()
	c := r.eng.cat
	for _, name := range []string{flowRegister, flowRefer, flowSelf} {
		f := r.eng.flows[name]
		for i, fd := range f.fields {
			var typed []string
			for _, lang := range []store.Language{store.LangThai, store.LangEnglish} {
				edit := "แก้ไข"
				if lang == store.LangEnglish {
					edit = "edit "
				}
				for _, bangkok := range []bool{false, true} {
					l := c.text(lang, name+"."+fd.key+".label", map[string]any{"Bangkok": bangkok})
					typed = append(typed, l, edit+l, edit+" "+l+" ค่ะ")
				}
				for _, w := range strings.Split(c.optional(lang, name+"."+fd.key+".words"), ",") {
					if w != "" {
						typed = append(typed, w, edit+w)
					}
				}
			}
			for _, in := range typed {
				user := "U" + strings.ReplaceAll(uuid.NewString(), "-", "")
				fields := map[string]string{ctxAsk: askField}
				for _, g := range f.fields {
					fields[g.key] = summaryAnswers[g.key]
				}
				sess := store.Session{UserID: user, ID: uuid.NewString(), Flow: name, Step: len(f.fields), Fields: fields,
					SubmissionID: uuid.NewString(), ExpiresAt: r.eng.now().Add(time.Hour)}
				if _, err := r.st.SaveSession(ctx, sess); err != nil {
					t.Fatal(err)
				}
				got := r.turn(user, in)
				if got.sess.Step != i || !got.sess.Editing {
					t.Errorf("%s: %q at the edit picker: step %d (editing %v), want %d (%s)", name, in, got.sess.Step, got.sess.Editing, i, fd.key)
				}
			}
		}
	}
}
