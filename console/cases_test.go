package console_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/store"
)

const member = "U0000000000000000000000000000m001"

// count reads the number of stat card id on the overview.
func count(t *testing.T, page, id string) string {
	t.Helper()
	m := regexp.MustCompile(`id="` + id + `">(\d+)<`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the overview has no %s", id)
	}
	return m[1]
}

// section is the inbox's section id, up to the next one.
func section(page, id string) string {
	_, rest, _ := strings.Cut(page, `id="`+id+`"`)
	before, _, _ := strings.Cut(rest, "</section>")
	return before
}

// A case an officer answered is no longer waiting, but it is still open: the overview and the
// inbox count "waiting for a reply" and "in conversation" apart, and a member who writes again
// puts it back among the waiting.
func TestAnsweredCaseIsInConversation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c, _, err := e.act.OpenCase(ctx, member, "TH-76", []store.CaseEntry{{At: e.now, From: actions.FromMember, Text: "สมัครมาตรา 40 ที่ไหนคะ", Event: "ev1"}})
	if err != nil {
		t.Fatal(err)
	}
	b := e.signIn(officer)
	state := func(when, waiting, talking string) {
		t.Helper()
		_, ov := b.get("/console")
		if w, k := count(t, ov, "waiting-cases"), count(t, ov, "talking-cases"); w != waiting || k != talking {
			t.Errorf("%s: overview says %s waiting, %s in conversation; want %s and %s", when, w, k, waiting, talking)
		}
		_, inbox := b.get("/console/cases")
		link := `href="/console/cases/` + c.ID + `"`
		if in := strings.Contains(section(inbox, "waiting"), link); in != (waiting == "1") {
			t.Errorf("%s: the case is listed among the waiting: %v", when, in)
		}
		if in := strings.Contains(section(inbox, "talking"), link); in != (talking == "1") {
			t.Errorf("%s: the case is listed in conversation: %v", when, in)
		}
	}
	state("opened", "1", "0")
	b.get("/console/cases/" + c.ID)
	b.post("/console/cases/"+c.ID+"/reply", url.Values{"text": {"ที่สำนักงานประกันสังคมจังหวัดค่ะ"}})
	state("answered", "0", "1")
	if _, err := e.act.MemberSaid(ctx, member, store.CaseEntry{Event: "ev2", Text: "ต้องเอาอะไรไปบ้างคะ"}); err != nil {
		t.Fatal(err)
	}
	state("the member wrote again", "1", "0")
	b.get("/console/cases/" + c.ID)
	b.post("/console/cases/"+c.ID+"/close", url.Values{})
	state("closed", "0", "0")
}

// A case of a member of no known province is named one way wherever it shows.
func TestCaseOfNoProvince(t *testing.T) {
	e := newEnv(t)
	c, _, err := e.act.OpenCase(context.Background(), member, "", []store.CaseEntry{{At: e.now, From: actions.FromMember, Text: "สอบถามค่ะ"}})
	if err != nil {
		t.Fatal(err)
	}
	b := e.signIn(admin)
	for _, path := range []string{"/console/cases", "/console/cases/" + c.ID, "/console"} {
		_, page := b.get(path)
		contains(t, path, page, "ไม่ทราบจังหวัด")
	}
}

// A phone number or national ID a member typed to an officer is masked on the case page; the
// officer can show it, and that writes a "case.reveal" audit entry naming them.
func TestCaseTranscriptMaskedUntilRevealed(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c, _, err := e.act.OpenCase(ctx, member, "TH-76", []store.CaseEntry{{At: e.now, From: actions.FromMember, Text: "เบอร์ฉัน 0812345678 ค่ะ", Event: "ev1"}})
	if err != nil {
		t.Fatal(err)
	}
	b := e.signIn(officer)
	_, page := b.get("/console/cases/" + c.ID)
	lacks(t, "the case page", page, "0812345678")
	contains(t, "the case page", page, "5678", `id="reveal-case"`)
	_, page = b.post("/console/cases/"+c.ID+"/reveal", url.Values{})
	contains(t, "the revealed case page", page, "0812345678")
	entries, err := e.st.ListAudit(ctx, store.AuditFilter{Action: "case.reveal"})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Subject != c.ID || !strings.Contains(entries[0].Actor, officer) {
		t.Errorf("audit entries for the reveal: %+v", entries)
	}
}

// The closed cases are listed a page at a time, newest first, as the other lists are: with one
// closed case more than a page, the oldest is on the second page, linked from the first.
func TestClosedCasesArePaged(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ph, _ := e.act.Officer(ctx, officer)
	var ids []string // oldest first
	for i := range 51 {
		user := fmt.Sprintf("U00000000000000000000000000c%05d", i)
		c, _, err := e.act.OpenCase(ctx, user, "TH-76", []store.CaseEntry{{At: e.now, From: actions.FromMember, Text: "ขอคุยกับเจ้าหน้าที่", Event: "ev" + user}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.act.CloseCase(ctx, ph, c.ID); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
		e.now = e.now.Add(time.Minute)
	}
	link := func(id string) string { return `href="/console/cases/` + id + `"` }
	b := e.signIn(officer)
	_, inbox := b.get("/console/cases")
	first := section(inbox, "closed")
	contains(t, "the first page", first, link(ids[50]), link(ids[1]), "offset=50", "ถัดไป →")
	lacks(t, "the first page", first, link(ids[0]), "← ก่อนหน้า")
	_, inbox = b.get("/console/cases?offset=50")
	second := section(inbox, "closed")
	contains(t, "the second page", second, link(ids[0]), "← ก่อนหน้า", "offset=0")
	lacks(t, "the second page", second, link(ids[50]), link(ids[1]), "ถัดไป →")
}

// A link in a case's lines is shown with break opportunities between its parts, so at a
// phone's width it wraps at "/", "?", "&", "#" or after "=", never inside a word. The link ends
// where Thai or a closing punctuation mark begins; the rest of the line is escaped as before,
// and the link is not made clickable.
func TestCaseLinksWrapBetweenParts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	said := `ดูที่ https://www.sso.go.th/wpr/main/privilege/section40ค่ะ <b>ด่วน</b>`
	c, _, err := e.act.OpenCase(ctx, member, "TH-76", []store.CaseEntry{{At: e.now, From: actions.FromMember, Text: said, Event: "ev1"}})
	if err != nil {
		t.Fatal(err)
	}
	_, page := e.signIn(officer).get("/console/cases/" + c.ID)
	want := `ดูที่ <span class="url">https://www.sso.go.th<wbr>/wpr<wbr>/main<wbr>/privilege<wbr>/section40</span>ค่ะ &lt;b&gt;ด่วน&lt;/b&gt;`
	if !strings.Contains(page, want) {
		_, tr, _ := strings.Cut(page, `id="transcript"`)
		t.Errorf("the line is not shown as\n%s\nin\n%.1200s", want, tr)
	}
	said = "แบบฟอร์ม https://example.org/f?a=1&b=2#top, ขอบคุณค่ะ"
	if _, err := e.act.MemberSaid(ctx, member, store.CaseEntry{Event: "ev2", Text: said}); err != nil {
		t.Fatal(err)
	}
	_, page = e.signIn(officer).get("/console/cases/" + c.ID)
	want = `แบบฟอร์ม <span class="url">https://example.org<wbr>/f<wbr>?a=<wbr>1<wbr>&amp;b=<wbr>2<wbr>#top</span>, ขอบคุณค่ะ`
	if !strings.Contains(page, want) {
		t.Errorf("the line is not shown as\n%s", want)
	}
	if strings.Contains(page, `href="https://`) {
		t.Error("a member's link is clickable in the console")
	}
}
