package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"testing"

	"github.com/ssonet/ssonet/outbox"
	"github.com/ssonet/ssonet/store"
)

// The province picker comes back from the preview as it was sent, and none picked means every
// province of the officer (an admin: every province), as the hint says and the action does.
func TestAnnouncementPickerSurvivesThePreview(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	key := regexp.MustCompile(`name="key" value="([^"]+)"`)
	for _, tc := range []struct {
		who       string
		picked    []string
		hint      string
		wantSaved []string // the stored announcement's provinces (nil: every province)
	}{
		{admin, []string{"TH-76"}, "ไม่เลือก = ทุกจังหวัด", []string{"TH-76"}},
		{admin, nil, "ไม่เลือก = ทุกจังหวัด", nil},
		{officer, []string{"TH-70"}, "ไม่เลือก = ทุกจังหวัดที่คุณดูแล", []string{"TH-70"}},
		{officer, nil, "ไม่เลือก = ทุกจังหวัดที่คุณดูแล", []string{"TH-70", "TH-76"}},
	} {
		b := e.signIn(tc.who)
		_, page := b.get("/console/announcements")
		contains(t, "compose", page, tc.hint)
		lacks(t, "compose", page, "พิมพ์ชื่อจังหวัด")
		form := url.Values{"key": {key.FindStringSubmatch(page)[1]}, "audience": {string(store.AudienceApprovedLeaders)},
			"text": {"ประชุมประจำเดือน"}, "do": {"preview"}, "province": tc.picked}
		code, page := b.post("/console/announcements", form)
		if code != http.StatusOK {
			t.Fatalf("%s preview: %d", tc.who, code)
		}
		contains(t, "preview", page, `id="send"`)
		for _, p := range tc.picked { // ticked again: sending from this page sends the same
			if !regexp.MustCompile(`value="` + p + `" (selected|checked)`).MatchString(page) {
				t.Errorf("%s: the preview's form lost province %s", tc.who, p)
			}
		}
		form.Set("do", "send")
		if _, page = b.post("/console/announcements", form); !regexp.MustCompile(`class="flash"`).MatchString(page) {
			t.Fatalf("%s %v: send refused:\n%s", tc.who, tc.picked, page)
		}
		an, err := e.st.GetAnnouncement(ctx, form.Get("key"))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(an.Provinces, tc.wantSaved) {
			t.Errorf("%s picked %v: stored for %v, want %v", tc.who, tc.picked, an.Provinces, tc.wantSaved)
		}
	}
}

// LINE's answer about the month's quota is said plainly: no limit is "any number", not "no
// quota"; a failed look-up is "not known", never "no limit".
func TestQuotaWording(t *testing.T) {
	e := newEnv(t)
	b := e.signIn(officer)
	_, page := b.get("/console")
	contains(t, "overview, no limit", page, "ไม่จำกัดจำนวนข้อความต่อเดือน")
	lacks(t, "overview, no limit", page, "ไม่มีโควตา")
	_, page = b.get("/console/announcements")
	form := url.Values{"key": {regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(page)[1]},
		"audience": {string(store.AudienceApprovedLeaders)}, "text": {"ประชุม"}, "do": {"preview"}}
	_, page = b.post("/console/announcements", form)
	contains(t, "preview, no limit", page, "ไม่จำกัดจำนวนข้อความต่อเดือน")
	e.quota.budget = outbox.Budget{Unknown: true}
	_, page = b.post("/console/announcements", form)
	contains(t, "preview, LINE not answering", page, "ยังถาม LINE ไม่ได้")
	lacks(t, "preview, LINE not answering", page, "ไม่จำกัด")
}
