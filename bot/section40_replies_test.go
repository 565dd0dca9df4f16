package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ssonet/ssonet/bot"
)

// ageHedges are the words of the unsettled upper age limit (fact base E6) in the age verdicts
// and the age topic's facts.
var ageHedges = []string{"รอยืนยัน", "not settled"}

// TestAgeRepliesSayTheLimitsHedgeOnce: whatever age is asked about, typed as a question or
// given to the "can I join" check (whatever its answer about Section 33), in either language,
// the reply says that the upper age limit is not settled at most once (and, as every reply
// of the harness, the hotline at most once). A fresh tester found "อายุ 62 สมัครได้มั้ยคะ"
// answered with the limit's hedge and the hotline twice.
func TestAgeRepliesSayTheLimitsHedgeOnce(t *testing.T) {
	h := newHarness(t)
	once := func(where string) {
		t.Helper()
		text := h.lastReply().text
		for _, w := range ageHedges {
			if n := strings.Count(text, w); n > 1 {
				t.Errorf("%s: the upper limit's hedge %q %d times:\n%s", where, w, n, text)
			}
		}
	}
	for _, en := range []bool{false, true} {
		h.setUser(fmt.Sprint("age-", en), en, false)
		ask, check := "อายุ %d สมัครได้มั้ยคะ", "เช็คว่าสมัครได้ไหม"
		if en {
			ask, check = "i am %d can i join", "can i join"
		}
		for age := 10; age <= 70; age++ {
			h.send(bot.Event{Kind: bot.KindMessage, Text: fmt.Sprintf(ask, age)})
			once(fmt.Sprintf("asked at %d (en=%v)", age, en))
		}
		for _, age := range []int{14, 15, 45, 60, 61, 62, 65, 66} {
			for _, insured := range []string{"ใช่", "ไม่ใช่", "ไม่แน่ใจ"} {
				h.send(bot.Event{Kind: bot.KindMessage, Text: check})
				h.send(bot.Event{Kind: bot.KindMessage, Text: fmt.Sprint(age)})
				once(fmt.Sprintf("checked at %d (en=%v)", age, en))
				if s, _ := h.st.GetSession(context.Background(), h.user); s.Flow != "" { // the age passed: Section 33 next
					h.send(bot.Event{Kind: bot.KindMessage, Text: insured})
					once(fmt.Sprintf("checked at %d, insured %s (en=%v)", age, insured, en))
				}
			}
		}
	}
}

// TestAmountsNoOptionCosts: asked what an amount a month gives, the reply for an amount that
// is an option's contribution (fact base 2.1) is about it; for any other it says there is no
// such option and lists the three with what they cost. A fresh tester found "๕๐ บาท
// ได้อะไร" answered as if 50 baht were an option.
func TestAmountsNoOptionCosts(t *testing.T) {
	h := newHarness(t)
	h.setUser("amounts", false, false)
	options := []string{"ทางเลือก 1 (70 บาท/เดือน)", "ทางเลือก 2 (100 บาท/เดือน)", "ทางเลือก 3 (300 บาท/เดือน)"}
	for _, baht := range []int{10, 42, 50, 60, 69, 70, 71, 99, 100, 150, 180, 200, 299, 300, 450, 1000, 1500} {
		for _, ask := range []string{"%d บาท ได้อะไร", "จ่ายเดือนละ %d ได้อะไรบ้าง", "ส่ง %d บาทได้ไหม"} {
			q := fmt.Sprintf(ask, baht)
			h.send(bot.Event{Kind: bot.KindMessage, Text: q})
			text := h.lastReply().text
			none := fmt.Sprintf("ไม่มีทางเลือกที่จ่ายเดือนละ %s บาท", thousands(baht))
			if baht == 70 || baht == 100 || baht == 300 {
				if strings.Contains(text, "ไม่มีทางเลือก") || !strings.Contains(text, fmt.Sprint(baht, " บาท")) {
					t.Errorf("%q: want the option of %d baht:\n%s", q, baht, text)
				}
				continue
			}
			if !strings.Contains(text, none) {
				t.Errorf("%q: want %q:\n%s", q, none, text)
			}
			for _, line := range options {
				if !strings.Contains(text, "• "+line) {
					t.Errorf("%q: the options listed lack %q:\n%s", q, line, text)
				}
			}
		}
	}
}

// thousands writes n as the replies do: 1500 → "1,500".
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
