package bot

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
	"github.com/rivo/uniseg"

	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/store"
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
	decoded, err := messaging_api.UnmarshalMessage(msgs[len(msgs)-1].(line.RawMessage))
	if err != nil {
		t.Fatal(err)
	}
	last := decoded.(messaging_api.TextMessage)
	if len(last.QuickReply.Items) != maxQuickReplies {
		t.Fatalf("%d quick replies", len(last.QuickReply.Items))
	}
	for _, m := range msgs[:len(msgs)-1] {
		if m.(messaging_api.TextMessage).QuickReply != nil {
			t.Fatal("quick replies belong on the last message only")
		}
	}
	pb := last.QuickReply.Items[0].Action.(messaging_api.PostbackAction)
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
			bs = append(bs, bubble("หัวข้อ", rows, nil))
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

// sdkForm is msgs as the bot built them before its builders made values (docs/ARCHITECTURE.md,
// "The conversation engine"): pointers with no type set, so each type comes from the SDK's own
// MarshalJSON. It copies; msgs are not changed. It fails tb for a message, container, component
// or action whose builder did not set its type (the SDK fills in some of them when it encodes
// the parent, so the JSON alone would not tell), and for a kind it does not know: a builder of
// a new kind must be added here and so gets the check of sameAsSDK. It reports with tb.Errorf,
// so it may run on the inbox's workers.
func sdkForm(tb testing.TB, msgs []messaging_api.MessageInterface) []messaging_api.MessageInterface {
	tb.Helper()
	untyped := func(typ *string, v any) {
		tb.Helper()
		if *typ == "" {
			tb.Errorf("a %T was built without its type", v)
		}
		*typ = ""
	}
	action := func(a messaging_api.ActionInterface) messaging_api.ActionInterface {
		switch a := a.(type) {
		case nil:
			return nil
		case messaging_api.UriAction:
			untyped(&a.Type, a)
			return &a
		case messaging_api.MessageAction:
			untyped(&a.Type, a)
			return &a
		case messaging_api.PostbackAction:
			untyped(&a.Type, a)
			return &a
		case messaging_api.DatetimePickerAction:
			untyped(&a.Type, a)
			return &a
		}
		tb.Errorf("sdkForm: action %T", a)
		return a
	}
	var component func(messaging_api.FlexComponentInterface) messaging_api.FlexComponentInterface
	box := func(b *messaging_api.FlexBox) *messaging_api.FlexBox {
		if b == nil {
			return nil
		}
		return component(*b).(*messaging_api.FlexBox)
	}
	component = func(c messaging_api.FlexComponentInterface) messaging_api.FlexComponentInterface {
		switch c := c.(type) {
		case nil:
			return nil
		case messaging_api.FlexBox:
			untyped(&c.Type, c)
			contents := make([]messaging_api.FlexComponentInterface, len(c.Contents))
			for i, x := range c.Contents {
				contents[i] = component(x)
			}
			c.Contents, c.Action = contents, action(c.Action)
			return &c
		case messaging_api.FlexText:
			untyped(&c.Type, c)
			c.Action = action(c.Action)
			return &c
		case messaging_api.FlexButton:
			untyped(&c.Type, c)
			c.Action = action(c.Action)
			return &c
		}
		tb.Errorf("sdkForm: flex component %T", c)
		return c
	}
	bubble := func(b messaging_api.FlexBubble) messaging_api.FlexBubble {
		untyped(&b.Type, b)
		b.Header, b.Body, b.Footer = box(b.Header), box(b.Body), box(b.Footer)
		b.Hero, b.Action = component(b.Hero), action(b.Action)
		return b
	}
	quick := func(q *messaging_api.QuickReply) *messaging_api.QuickReply {
		if q == nil {
			return nil
		}
		items := make([]messaging_api.QuickReplyItem, len(q.Items))
		for i, it := range q.Items {
			it.Action = action(it.Action)
			items[i] = it
		}
		return &messaging_api.QuickReply{Items: items}
	}
	out := make([]messaging_api.MessageInterface, len(msgs))
	for i, m := range msgs {
		if raw, ok := m.(line.RawMessage); ok { // a kept card: the SDK's reading of its JSON
			v, err := messaging_api.UnmarshalMessage(raw)
			if err != nil {
				tb.Errorf("sdkForm: kept card %s: %v", raw, err)
				out[i] = m
				continue
			}
			m = v
		}
		switch m := m.(type) {
		case messaging_api.TextMessage:
			untyped(&m.Type, m)
			m.QuickReply = quick(m.QuickReply)
			out[i] = &m
		case messaging_api.FlexMessage:
			untyped(&m.Type, m)
			m.QuickReply = quick(m.QuickReply)
			switch c := m.Contents.(type) {
			case messaging_api.FlexBubble:
				b := bubble(c)
				m.Contents = &b
			case messaging_api.FlexCarousel:
				untyped(&c.Type, c)
				bs := make([]messaging_api.FlexBubble, len(c.Contents))
				for j, b := range c.Contents {
					bs[j] = bubble(b)
				}
				m.Contents = &messaging_api.FlexCarousel{Contents: bs}
			default:
				tb.Errorf("sdkForm: flex container %T", c)
			}
			out[i] = &m
		default:
			tb.Errorf("sdkForm: message %T", m)
			out[i] = m
		}
	}
	return out
}

// sameAsSDK fails tb unless msgs encode to the same JSON, apart from the order of keys, as the
// SDK's own MarshalJSON makes of the same messages built as pointers (sdkForm): every type
// the builders set is the one the SDK would have set. Like sdkForm it reports with tb.Errorf.
func sameAsSDK(tb testing.TB, msgs []messaging_api.MessageInterface) {
	tb.Helper()
	decode := func(msgs []messaging_api.MessageInterface) any {
		raw, err := json.Marshal(msgs) // as outbox.Messages encodes them, with no request around them
		if err != nil {
			tb.Errorf("encode: %v", err)
			return nil
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			tb.Errorf("decode: %v", err)
		}
		return v
	}
	if got, want := decode(msgs), decode(sdkForm(tb, msgs)); !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		tb.Errorf("the messages encode as\n%s\nthe SDK encodes them as\n%s", g, w)
	}
}

// The builders' values encode as the SDK encodes the same messages, for every kind the bot
// builds: text with quick replies of every action kind, a form summary, a leader's card and a
// carousel of workshop cards with a map link. The transcripts check every reply they make the
// same way (transcript_test.go).
func TestMessagesEncodeAsTheSDKDoes(t *testing.T) {
	cat, err := newCatalog()
	if err != nil {
		t.Fatal(err)
	}
	loc := time.FixedZone("ICT", 7*3600)
	now := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)
	tr := &turn{Engine: &Engine{cat: cat, loc: loc}, now: now, member: store.Member{Language: store.LangThai}}
	leader := store.Leader{UserID: "U1", SubmissionID: "s1", FullName: "สมใจ ใจดี", Phone: "0812345678", ProvinceCode: "TH-10",
		District: "บางรัก", Organisation: "กลุ่มแม่บ้าน", Status: store.LeaderApproved}
	ws := store.Workshop{ID: "w1", Title: "ม.40 สำหรับผู้นำ", ProvinceCode: "TH-10", Capacity: 30, StartsAt: now.Add(72 * time.Hour),
		EndsAt: now.Add(75 * time.Hour), RegistrationDeadline: now.Add(48 * time.Hour), Description: "รายละเอียด <ดู> & สอบถาม",
		Venue: store.Venue{Name: "ศาลากลาง", Address: "ถนนหนึ่ง", MapURL: "https://maps.example.com/?q=ศาลากลาง"}}
	acts := []action{
		{Label: "เมนู", Text: "เมนู"},
		{Label: "สมัคร", Data: "a=ws.join&id=w1", Display: "สมัครอบรม"},
		{Label: "แผนที่", URI: "https://maps.example.com/"},
		{Label: "เลือกเวลา", Data: "a=f&s=1", Picker: "datetime", Min: "2026-12-01T09:00"},
	}
	for _, tc := range []struct {
		name  string
		build func(r *reply)
	}{
		{"text with quick replies", func(r *reply) { r.text("สวัสดีค่ะ"); r.buttons(acts...) }},
		{"summary", func(r *reply) {
			rows := []summaryRow{{label: "ชื่อ", value: "สมใจ", edit: acts[1]}, {label: "เวลา", value: "09:00", edit: acts[3]}}
			r.flex("สรุป", summaryBubble("ตรวจสอบ", rows, acts[1], acts[0]))
			r.buttons(acts[:2]...)
		}},
		{"leader card", func(r *reply) { r.flex("ผู้นำ", tr.leaderBubble(store.LangThai, leader, true)) }},
		{"carousel", func(r *reply) {
			r.text("อบรม")
			c, _ := fitCarousel([]messaging_api.FlexBubble{
				tr.workshopBubble(1, ws, store.Registration{}, leader), tr.workshopBubble(2, ws, store.Registration{}, store.Leader{})})
			r.flex("อบรม", c)
			r.buttons(acts[0])
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r reply
			tc.build(&r)
			sameAsSDK(t, r.messages())
		})
	}
}
