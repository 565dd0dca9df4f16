package bot

import (
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
	"github.com/rivo/uniseg"

	"github.com/ssonet/ssonet/line"
)

// LINE limits the builders enforce, from docs/line-platform.md (row numbers in brackets).
const (
	maxMessages       = 5     // messages per reply or push [13]
	maxTextUnits      = 5000  // text message length in UTF-16 code units [15]
	maxQuickReplies   = 13    // quick reply items [17]
	maxQuickLabel     = 20    // quick reply label, grapheme clusters [16, 18]
	maxFlexLabel      = 40    // flex button label, grapheme clusters [18]
	maxPostbackData   = 300   // postback data, characters [19]
	maxActionText     = 300   // message action text and postback displayText [19, 20]
	maxAltText        = 400   // flex altText [22]
	maxBubbleBytes    = 30000 // one bubble's JSON [22]
	maxCarouselBytes  = 50000 // a carousel's JSON [22]
	maxCarouselBubble = 12    // bubbles in a carousel [22]
)

// Message values. The SDK gives every message, flex and action type a MarshalJSON on its
// pointer that sets the type and encodes the rest once more, so a tree of pointers is encoded
// again at every level. The builders in this file make values with their type set, as the
// SDK's own UnmarshalMessage returns them: encoding/json cannot call a pointer's method on a
// value held in an interface, so it encodes the tree in one pass (only a bubble's header, body
// and footer, which the SDK types as *FlexBox, a carousel's bubbles and quick reply items still
// go through the SDK's method, one level each). They are the one place that names a type;
// message_test.go checks each is the one the SDK sets (docs/ARCHITECTURE.md, "The
// conversation engine").

// action is a button: either it sends Text as if typed (message action) or it posts Data back
// (postback action) showing Display in the chat. Every button the bot offers can also be typed.
type action struct {
	Label   string
	URI     string // uri action: the link the tap opens (https; at most 1000 characters)
	Text    string // message action: what the tap types
	Data    string // postback action: query string such as "a=menu"
	Display string // postback action: text shown in the chat; defaults to Label
	// Picker makes a postback action a LINE datetime picker of that mode ("date", "time" or
	// "datetime"): the tap posts Data back with the picked value in the event's params. Min is
	// the earliest value offered, in the picker's format (e.g. "2026-12-14T09:00"); may be empty.
	Picker, Min string
}

// sdk converts the action into the SDK's action object (a value, see "Message values") with
// the label cut to limit graphemes.
func (a action) sdk(limit int) messaging_api.ActionInterface {
	label := clipGraphemes(a.Label, limit)
	if a.URI != "" {
		return messaging_api.UriAction{Action: messaging_api.Action{Type: "uri"}, Label: label, Uri: a.URI}
	}
	if a.Data == "" {
		return messaging_api.MessageAction{Action: messaging_api.Action{Type: "message"}, Label: label, Text: clipRunes(a.Text, maxActionText)}
	}
	if a.Picker != "" {
		return messaging_api.DatetimePickerAction{Action: messaging_api.Action{Type: "datetimepicker"}, Label: label,
			Data: clipRunes(a.Data, maxPostbackData), Mode: messaging_api.DatetimePickerActionMODE(a.Picker), Min: a.Min}
	}
	display := a.Display
	if display == "" {
		display = a.Label
	}
	return messaging_api.PostbackAction{Action: messaging_api.Action{Type: "postback"}, Label: label,
		Data: clipRunes(a.Data, maxPostbackData), DisplayText: clipRunes(display, maxActionText)}
}

// quickReply builds at most 13 quick reply buttons; nil when there are none.
func quickReply(actions []action) *messaging_api.QuickReply {
	if len(actions) == 0 {
		return nil
	}
	if len(actions) > maxQuickReplies {
		actions = actions[:maxQuickReplies]
	}
	items := make([]messaging_api.QuickReplyItem, len(actions))
	for i, a := range actions {
		items[i] = messaging_api.QuickReplyItem{Type: "action", Action: a.sdk(maxQuickLabel)}
	}
	return &messaging_api.QuickReply{Items: items}
}

// textMessages splits text into as many text messages as needed to stay within 5000 UTF-16
// units each, breaking at line ends where it can.
func textMessages(text string) []messaging_api.MessageInterface {
	var out []messaging_api.MessageInterface
	for _, part := range splitUTF16(text, maxTextUnits) {
		out = append(out, messaging_api.TextMessage{Message: messaging_api.Message{Type: "text"}, Text: part})
	}
	return out
}

// splitUTF16 cuts s into pieces of at most limit UTF-16 code units, preferring line breaks.
func splitUTF16(s string, limit int) []string {
	var parts []string
	for utf16Len(s) > limit {
		cut := 0 // byte index of the last rune boundary that fits
		units := 0
		lastBreak := -1
		for i, r := range s {
			n := len(utf16.Encode([]rune{r}))
			if units+n > limit {
				break
			}
			units += n
			cut = i + len(string(r))
			if r == '\n' {
				lastBreak = cut
			}
		}
		if lastBreak > 0 {
			cut = lastBreak
		}
		parts = append(parts, strings.TrimRight(s[:cut], "\n"))
		s = s[cut:]
	}
	if s != "" || len(parts) == 0 {
		parts = append(parts, s)
	}
	return parts
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += len(utf16.Encode([]rune{r}))
	}
	return n
}

// clipGraphemes shortens s to at most limit grapheme clusters (a Thai consonant with its vowel
// and tone marks is one), ending with "…" when cut.
func clipGraphemes(s string, limit int) string {
	// No more characters than the limit is no more clusters (a cluster is one or more
	// characters), which spares most labels the grapheme segmentation.
	if utf8.RuneCountInString(s) <= limit || uniseg.GraphemeClusterCount(s) <= limit {
		return s
	}
	var b strings.Builder
	g := uniseg.NewGraphemes(s)
	for n := 0; n < limit-1 && g.Next(); n++ {
		b.WriteString(g.Str())
	}
	return b.String() + "…"
}

// clipRunes shortens s to at most limit characters, ending with "…" when cut.
func clipRunes(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	return string([]rune(s)[:limit-1]) + "…"
}

// reply collects the messages answering one event: at most five, quick replies on the last one
// only (line-platform.md row 17).
type reply struct {
	msgs  []messaging_api.MessageInterface
	quick []action
}

// text appends a text message (split when longer than LINE allows).
func (r *reply) text(s string) { r.msgs = append(r.msgs, textMessages(s)...) }

// flex appends a flex message; altText is clipped to 400 characters.
func (r *reply) flex(altText string, c messaging_api.FlexContainerInterface) {
	r.msgs = append(r.msgs, flexMessage(altText, c))
}

// add appends a message already built, such as a kept card (card.go).
func (r *reply) add(m messaging_api.MessageInterface) { r.msgs = append(r.msgs, m) }

// flexMessage is a flex message of c; altText is clipped to 400 characters.
func flexMessage(altText string, c messaging_api.FlexContainerInterface) messaging_api.FlexMessage {
	return messaging_api.FlexMessage{Message: messaging_api.Message{Type: "flex"}, AltText: clipRunes(altText, maxAltText), Contents: c}
}

// buttons sets the quick replies shown under the last message.
func (r *reply) buttons(a ...action) { r.quick = a }

// messages returns at most five messages with the quick replies attached to the last one.
// Excess messages are merged away by dropping the middle ones, which never happens with the
// texts in the catalogs but keeps a user's long input from making LINE answer 400.
func (r *reply) messages() []messaging_api.MessageInterface {
	msgs := r.msgs
	if len(msgs) > maxMessages {
		msgs = append(msgs[:maxMessages-1:maxMessages-1], msgs[len(msgs)-1])
	}
	if len(msgs) == 0 {
		return nil
	}
	if len(r.quick) == 0 {
		return msgs
	}
	// The quick replies go into the last message's JSON, encoded once per row of buttons
	// (card.go); r keeps its messages as they were, so that messages() can be asked again.
	msgs = slices.Clone(msgs)
	last := msgs[len(msgs)-1]
	q, err := quickReplyJSON(r.quick)
	raw, isRaw := last.(line.RawMessage)
	if err == nil && !isRaw {
		raw, err = json.Marshal(last)
	}
	if err != nil { // never with the SDK's types; LINE would get the message without its buttons
		return msgs
	}
	msgs[len(msgs)-1] = withQuickReply(raw, q)
	return msgs
}

// Flex building blocks. Each keeps to the limits above; bubble() checks the 30 KB size.

func fText(s string, opts ...func(*messaging_api.FlexText)) messaging_api.FlexText {
	t := messaging_api.FlexText{FlexComponent: messaging_api.FlexComponent{Type: "text"}, Text: s, Wrap: true}
	for _, o := range opts {
		o(&t)
	}
	return t
}

func bold(t *messaging_api.FlexText)  { t.Weight = messaging_api.FlexTextWEIGHT_BOLD }
func small(t *messaging_api.FlexText) { t.Size = "sm" }
func grey(t *messaging_api.FlexText)  { t.Color = "#777777" }
func large(t *messaging_api.FlexText) { t.Size = "lg" }
func flexN(n int32) func(*messaging_api.FlexText) {
	return func(t *messaging_api.FlexText) { t.Flex = n }
}

func fBox(layout messaging_api.FlexBoxLAYOUT, contents ...messaging_api.FlexComponentInterface) messaging_api.FlexBox {
	return messaging_api.FlexBox{FlexComponent: messaging_api.FlexComponent{Type: "box"}, Layout: layout, Contents: contents, Spacing: "sm"}
}

func fButton(a action, primary bool) messaging_api.FlexButton {
	b := messaging_api.FlexButton{FlexComponent: messaging_api.FlexComponent{Type: "button"}, Action: a.sdk(maxFlexLabel),
		Height: messaging_api.FlexButtonHEIGHT_SM, Style: messaging_api.FlexButtonSTYLE_LINK}
	if primary {
		b.Style = messaging_api.FlexButtonSTYLE_PRIMARY
	}
	return b
}

// bubble assembles a kilo bubble from a title, body rows and footer buttons. If the JSON would
// exceed LINE's 30 KB bubble limit, body rows are dropped from the end and a "…" row is added.
// The size is measured by encoding only when its bound (jsonBound) is over the limit.
func bubble(title string, body []messaging_api.FlexComponentInterface, footer []messaging_api.FlexComponentInterface) messaging_api.FlexBubble {
	box := func(rows []messaging_api.FlexComponentInterface) *messaging_api.FlexBox {
		b := fBox(messaging_api.FlexBoxLAYOUT_VERTICAL, rows...)
		return &b
	}
	build := func(rows []messaging_api.FlexComponentInterface) messaging_api.FlexBubble {
		b := messaging_api.FlexBubble{
			FlexContainer: messaging_api.FlexContainer{Type: "bubble"},
			Size:          messaging_api.FlexBubbleSIZE_KILO,
			Header:        box([]messaging_api.FlexComponentInterface{fText(title, bold, large)}),
			Body:          box(rows),
		}
		if len(footer) > 0 {
			b.Footer = box(footer)
		}
		return b
	}
	b := build(body)
	for len(body) > 1 && jsonBound(b) > maxBubbleBytes && jsonSize(b) > maxBubbleBytes {
		body = append(body[:len(body)-2:len(body)-2], fText("…"))
		b = build(body)
	}
	return b
}

// fitCarousel puts as many of bubbles, in order, into one carousel as LINE accepts: at most
// 12 and at most 50 KB of JSON (line-platform.md row 22). It returns the carousel and how many
// it holds, at least one (bubble keeps each within 30 KB); the caller offers the rest. Only
// when the carousel's bound (jsonBound) is over the limit is each bubble measured, once.
func fitCarousel(bubbles []messaging_api.FlexBubble) (messaging_api.FlexCarousel, int) {
	carousel := func(n int) messaging_api.FlexCarousel {
		return messaging_api.FlexCarousel{FlexContainer: messaging_api.FlexContainer{Type: "carousel"}, Contents: bubbles[:n]}
	}
	n := min(len(bubbles), maxCarouselBubble)
	if jsonBound(carousel(n)) <= maxCarouselBytes {
		return carousel(n), n
	}
	// A carousel's JSON is this frame around its bubbles' JSON, separated by commas.
	size := len(`{"type":"carousel","contents":[]}`) - len(",")
	for i := range n {
		size += len(",") + jsonSize(bubbles[i])
		if i > 0 && size > maxCarouselBytes {
			return carousel(i), i
		}
	}
	return carousel(n), n
}
