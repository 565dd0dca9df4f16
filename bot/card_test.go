package bot

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/line"
)

// A kept card is built once per key, encodes as the SDK encodes the message it was built as,
// takes each reply's own quick replies without keeping them, and a new key builds anew.
func TestCardsKeepOnePerKey(t *testing.T) {
	var e Engine
	builds := 0
	card := func(title string) func() messaging_api.MessageInterface {
		return func() messaging_api.MessageInterface {
			builds++
			return flexMessage(title, bubble(title, []messaging_api.FlexComponentInterface{fText("เลือกสิ่งที่ต้องการ <ได้เลย> & \"ตอบ\"", small, grey)},
				[]messaging_api.FlexComponentInterface{fButton(action{Label: "มาตรา 40", Data: "a=s40"}, true)}))
		}
	}
	first := e.card("th\x00เมนู", card("เมนู"))
	again := e.card("th\x00เมนู", card("เมนู"))
	if builds != 1 || !bytes.Equal(first.(line.RawMessage), again.(line.RawMessage)) {
		t.Fatalf("builds = %d; the second get differs", builds)
	}
	want, _ := json.Marshal(card("เมนู")())
	if !bytes.Equal(first.(line.RawMessage), want) {
		t.Errorf("kept card\n%s\nbuilt card\n%s", first, want)
	}
	for _, quick := range [][]action{{{Label: "เมนู", Text: "เมนู"}}, {{Label: "ช่วยเหลือ", Data: "a=help"}, {Label: "แผนที่", URI: "https://maps.example.com/"}}, nil} {
		r := reply{msgs: []messaging_api.MessageInterface{e.card("th\x00เมนู", card("เมนู"))}, quick: quick}
		sameAsSDK(t, r.messages())
		var got struct {
			QuickReply *struct{ Items []json.RawMessage }
		}
		if err := json.Unmarshal(r.messages()[0].(line.RawMessage), &got); err != nil {
			t.Fatal(err)
		}
		if n := 0; got.QuickReply != nil {
			n = len(got.QuickReply.Items)
			if n != len(quick) {
				t.Errorf("%d quick replies, want %d", n, len(quick))
			}
		} else if len(quick) > 0 {
			t.Errorf("no quick replies, want %d", len(quick))
		}
	}
	if !bytes.Equal(e.card("th\x00เมนู", card("เมนู")).(line.RawMessage), want) {
		t.Error("a reply's quick replies stayed on the kept card")
	}
	e.card("en\x00Menu", card("Menu"))
	if builds != 3 { // the first, the want, and Menu
		t.Errorf("builds = %d, want 3", builds)
	}
}

// Every kind of last message takes its quick replies as the SDK would attach them, a row of
// buttons is encoded once for all the replies that end with it, and a reply without buttons
// is left as built.
func TestQuickRepliesEncodedOnce(t *testing.T) {
	acts := []action{{Label: "เมนู", Text: "เมนู"}, {Label: "ยืนยัน", Data: "a=f&c=ok", Display: "ยืนยันค่ะ"},
		{Label: "เลือกวัน", Data: "a=f&s=1", Picker: "date", Min: "2026-12-01"}, {Label: "แผนที่", URI: "https://maps.example.com/?q=%E0%B8%81"}}
	first, err := quickReplyJSON(acts)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := quickReplyJSON(acts)
	if &first[0] != &again[0] {
		t.Error("the same row of buttons was encoded twice")
	}
	for _, build := range []func(r *reply){
		func(r *reply) { r.text("สวัสดีค่ะ") },
		func(r *reply) { r.text(strings.Repeat("ก", 6000)) }, // two messages: the buttons go on the second
		func(r *reply) {
			r.flex("สรุป", bubble("สรุป", []messaging_api.FlexComponentInterface{fText("แถว")}, nil))
		},
	} {
		for _, quick := range [][]action{acts, acts[:1], nil} {
			r := reply{quick: quick}
			build(&r)
			msgs := r.messages()
			sameAsSDK(t, msgs)
			if _, raw := msgs[len(msgs)-1].(line.RawMessage); raw != (len(quick) > 0) {
				t.Errorf("%d buttons: last message %T", len(quick), msgs[len(msgs)-1])
			}
		}
	}
}
