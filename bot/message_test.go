package bot

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
	"github.com/rivo/uniseg"
)

func TestSplitUTF16KeepsEveryPartWithinTheLimit(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    string
		limit int
		parts int
	}{
		{"short", "สวัสดี", 10, 1},
		{"exact", strings.Repeat("ก", 10), 10, 1},
		{"thai over", strings.Repeat("ก", 25), 10, 3},
		{"emoji counts two", strings.Repeat("😀", 6), 10, 2},
		{"breaks at newline", "aaaa\nbbbbbbbb", 10, 2},
		{"empty", "", 10, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parts := splitUTF16(tc.in, tc.limit)
			if len(parts) != tc.parts {
				t.Fatalf("got %d parts %q, want %d", len(parts), parts, tc.parts)
			}
			joined := strings.Join(parts, "")
			for _, p := range parts {
				if utf16Len(p) > tc.limit {
					t.Errorf("part %q has %d units", p, utf16Len(p))
				}
			}
			if strings.ReplaceAll(joined, "\n", "") != strings.ReplaceAll(tc.in, "\n", "") {
				t.Errorf("lost text: %q", joined)
			}
		})
	}
}

func TestClipGraphemesCountsThaiClusters(t *testing.T) {
	thai := "ที่ปรึกษาเครือข่ายประกันสังคม" // many combining marks
	got := clipGraphemes(thai, 8)
	if n := uniseg.GraphemeClusterCount(got); n != 8 || !strings.HasSuffix(got, "…") {
		t.Fatalf("clip(8) = %q (%d graphemes)", got, n)
	}
	short := "ยืนยันส่ง"
	if clipGraphemes(short, 20) != short {
		t.Fatal("a label within the limit must not change")
	}
}

func TestReplyKeepsLINEsLimits(t *testing.T) {
	var r reply
	for range 7 {
		r.text(strings.Repeat("ข", 6000)) // 2 messages each
	}
	var acts []action
	for range 20 {
		acts = append(acts, action{Label: strings.Repeat("ก", 30), Data: "a=" + strings.Repeat("x", 400)})
	}
	r.buttons(acts...)
	msgs := r.messages()
	if len(msgs) != maxMessages {
		t.Fatalf("%d messages", len(msgs))
	}
	last := msgs[len(msgs)-1].(*messaging_api.TextMessage)
	if len(last.QuickReply.Items) != maxQuickReplies {
		t.Fatalf("%d quick replies", len(last.QuickReply.Items))
	}
	for _, m := range msgs[:len(msgs)-1] {
		if m.(*messaging_api.TextMessage).QuickReply != nil {
			t.Fatal("quick replies belong on the last message only")
		}
	}
	pb := last.QuickReply.Items[0].Action.(*messaging_api.PostbackAction)
	if uniseg.GraphemeClusterCount(pb.Label) > maxQuickLabel || len([]rune(pb.Data)) > maxPostbackData {
		t.Fatalf("label %q data %d runes", pb.Label, len([]rune(pb.Data)))
	}
}

func TestBubbleStaysUnder30KB(t *testing.T) {
	var rows []summaryRow
	for range 60 {
		rows = append(rows, summaryRow{label: "ชื่อ", value: strings.Repeat("ก", 200), edit: action{Label: "แก้ไข", Data: "a=f"}})
	}
	b := summaryBubble("ตรวจสอบ", rows, action{Label: "ยืนยัน", Data: "a=f"}, action{Label: "ยกเลิก", Data: "a=f"})
	raw, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) > maxBubbleBytes {
		t.Fatalf("bubble is %d bytes", len(raw))
	}
	if !strings.Contains(string(raw), "…") {
		t.Fatal("rows were not trimmed")
	}
}

// fitCarousel keeps a carousel within 12 bubbles and 50 KB whatever the bubbles hold, and
// takes as many as fit, in order (issue 9 item 5).
func TestFitCarouselStaysWithinLimits(t *testing.T) {
	mk := func(n, rowChars int) []messaging_api.FlexBubble {
		var bs []messaging_api.FlexBubble
		for i := 0; i < n; i++ {
			rows := []messaging_api.FlexComponentInterface{fText(strings.Repeat("ก", rowChars)), fText(strings.Repeat("ข", rowChars))}
			bs = append(bs, *bubble("หัวข้อ", rows, nil))
		}
		return bs
	}
	for _, tc := range []struct {
		name        string
		n, rowChars int
		wantAtLeast int
		wantAtMost  int
	}{
		{"few small", 3, 10, 3, 3},
		{"many small", 20, 10, 12, 12},
		{"twelve large", 12, 2000, 1, 11},
		{"one huge", 1, 4000, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bs := mk(tc.n, tc.rowChars)
			c, n := fitCarousel(bs)
			if n < tc.wantAtLeast || n > tc.wantAtMost || len(c.Contents) != n {
				t.Fatalf("took %d of %d, want %d–%d", n, len(bs), tc.wantAtLeast, tc.wantAtMost)
			}
			if size := jsonSize(c); size > maxCarouselBytes || n > maxCarouselBubble {
				t.Fatalf("carousel of %d bubbles is %d bytes", n, size)
			}
			if n < len(bs) && n < maxCarouselBubble {
				if size := jsonSize(&messaging_api.FlexCarousel{Contents: bs[:n+1]}); size <= maxCarouselBytes {
					t.Fatalf("one more bubble would have fit (%d bytes)", size)
				}
			}
		})
	}
}
