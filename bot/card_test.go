package bot

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/line"
)

// A kept card is built once per key, encodes as the SDK encodes the message it was built as,
// takes each reply's own quick replies without keeping them, and a new key builds anew.
func TestCardsKeepOnePerKey(t *testing.T) {
	var c cards
	builds := 0
	card := func(title string) func() messaging_api.MessageInterface {
		return func() messaging_api.MessageInterface {
			builds++
			return flexMessage(title, bubble(title, []messaging_api.FlexComponentInterface{fText("เลือกสิ่งที่ต้องการ <ได้เลย> & \"ตอบ\"", small, grey)},
				[]messaging_api.FlexComponentInterface{fButton(action{Label: "มาตรา 40", Data: "a=s40"}, true)}))
		}
	}
	first := c.get("th\x00เมนู", card("เมนู"))
	again := c.get("th\x00เมนู", card("เมนู"))
	if builds != 1 || !bytes.Equal(first.(line.RawMessage), again.(line.RawMessage)) {
		t.Fatalf("builds = %d; the second get differs", builds)
	}
	want, _ := json.Marshal(card("เมนู")())
	if !bytes.Equal(first.(line.RawMessage), want) {
		t.Errorf("kept card\n%s\nbuilt card\n%s", first, want)
	}
	for _, quick := range [][]action{{{Label: "เมนู", Text: "เมนู"}}, {{Label: "ช่วยเหลือ", Data: "a=help"}, {Label: "แผนที่", URI: "https://maps.example.com/"}}, nil} {
		r := reply{msgs: []messaging_api.MessageInterface{c.get("th\x00เมนู", card("เมนู"))}, quick: quick}
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
	if !bytes.Equal(c.get("th\x00เมนู", card("เมนู")).(line.RawMessage), want) {
		t.Error("a reply's quick replies stayed on the kept card")
	}
	c.get("en\x00Menu", card("Menu"))
	if builds != 3 { // the first, the want, and Menu
		t.Errorf("builds = %d, want 3", builds)
	}
}
