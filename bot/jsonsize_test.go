package bot

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
)

// jsonStringLen is encoding/json's length of a string, whatever its bytes.
func TestJSONStringLen(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"ก", "่", "a", " ", "\"", "\\", "\n", "\t", "\b", "\f", "\r", "\x01", "\x7f", "<", ">", "&", "\u2028", "\u2029",
		"😀", "\xff", "\xe0\xb8", "é", "\u00a0", "/"}
	for range 2000 {
		var b strings.Builder
		for range rnd.IntN(40) {
			b.WriteString(pieces[rnd.IntN(len(pieces))])
		}
		s := b.String()
		raw, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := jsonStringLen(s); got != len(raw) {
			t.Fatalf("jsonStringLen(%q) = %d, encoded %d bytes", s, got, len(raw))
		}
	}
}

// jsonBound is never below the encoded size of the bubbles and carousels the builders make,
// with every kind of row, option and button and text that needs escaping; and it is close
// enough for a menu-sized bubble that no encoding is needed to know it fits.
func TestJSONBoundIsAnUpperBound(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	text := func() string {
		pieces := []string{"ประกันสังคม", "มาตรา 40", "<a & b>", `"ok"`, "\n", "\x02", "\u2028", "\xfe", "😀", "Section 40"}
		var b strings.Builder
		for range rnd.IntN(8) {
			b.WriteString(pieces[rnd.IntN(len(pieces))])
		}
		return b.String()
	}
	act := func() action {
		switch rnd.IntN(4) {
		case 0:
			return action{Label: text(), Text: text()}
		case 1:
			return action{Label: text(), Data: "a=" + text(), Display: text()}
		case 2:
			return action{Label: text(), URI: "https://example.com/" + text()}
		}
		return action{Label: text(), Data: "a=f", Picker: "date", Min: "2026-12-01"}
	}
	opts := []func(*messaging_api.FlexText){bold, small, grey, large, flexN(3)}
	var row func(depth int) messaging_api.FlexComponentInterface
	row = func(depth int) messaging_api.FlexComponentInterface {
		switch rnd.IntN(3) {
		case 0:
			var o []func(*messaging_api.FlexText)
			for range rnd.IntN(3) {
				o = append(o, opts[rnd.IntN(len(opts))])
			}
			return fText(text(), o...)
		case 1:
			b := fButton(act(), rnd.IntN(2) == 0)
			b.Flex = int32(rnd.IntN(5))
			return b
		}
		var rows []messaging_api.FlexComponentInterface
		for range rnd.IntN(3) {
			if depth < 3 {
				rows = append(rows, row(depth+1))
			}
		}
		return fBox(messaging_api.FlexBoxLAYOUT_HORIZONTAL, rows...)
	}
	var bubbles []messaging_api.FlexBubble
	for range 300 {
		var body, footer []messaging_api.FlexComponentInterface
		for range 1 + rnd.IntN(8) {
			body = append(body, row(0))
		}
		for range rnd.IntN(3) {
			footer = append(footer, fButton(act(), rnd.IntN(2) == 0))
		}
		b := bubble(text(), body, footer)
		if bound, size := jsonBound(b), jsonSize(b); bound < size {
			t.Fatalf("bound %d below the encoded %d bytes of %s", bound, size, mustJSON(t, b))
		}
		bubbles = append(bubbles, b)
	}
	for i := 0; i+12 <= len(bubbles); i += 12 {
		c := messaging_api.FlexCarousel{FlexContainer: messaging_api.FlexContainer{Type: "carousel"}, Contents: bubbles[i : i+12]}
		if bound, size := jsonBound(c), jsonSize(c); bound < size {
			t.Fatalf("carousel bound %d below its encoded %d bytes", bound, size)
		}
	}
	var buttons []messaging_api.FlexComponentInterface
	for range 9 {
		buttons = append(buttons, fButton(action{Label: "ข้อมูลมาตรา 40", Data: "a=menu&x=s40"}, false))
	}
	menu := bubble("เมนู", []messaging_api.FlexComponentInterface{fText(strings.Repeat("ผู้นำเครือข่ายประกันสังคม ", 20), small, grey)}, buttons)
	if bound, size := jsonBound(menu), jsonSize(menu); bound > maxBubbleBytes/2 {
		t.Errorf("a menu of %d bytes is bounded by %d", size, bound)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
