package line_test

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/line"
)

// carousel is a flex carousel of 10 bubbles with nested boxes, like the workshop schedule.
func carousel() []messaging_api.MessageInterface {
	var bubbles []messaging_api.FlexBubble
	for i := range 10 {
		var rows []messaging_api.FlexComponentInterface
		for j := range 6 {
			rows = append(rows, &messaging_api.FlexBox{Layout: messaging_api.FlexBoxLAYOUT_BASELINE, Contents: []messaging_api.FlexComponentInterface{
				&messaging_api.FlexText{Text: "วันที่", Size: "sm", Color: "#aaaaaa", Flex: 2},
				&messaging_api.FlexText{Text: "วันจันทร์ 14 ธ.ค. 2569 10:00–16:00 น. " + strconv.Itoa(j), Wrap: true, Size: "sm", Flex: 5},
			}})
		}
		bubbles = append(bubbles, messaging_api.FlexBubble{
			Body: &messaging_api.FlexBox{Layout: messaging_api.FlexBoxLAYOUT_VERTICAL, Contents: append([]messaging_api.FlexComponentInterface{
				&messaging_api.FlexText{Text: strconv.Itoa(i+1) + ". อบรมแกนนำเพชรบุรี", Weight: messaging_api.FlexTextWEIGHT_BOLD, Wrap: true},
			}, rows...)},
			Footer: &messaging_api.FlexBox{Layout: messaging_api.FlexBoxLAYOUT_VERTICAL, Contents: []messaging_api.FlexComponentInterface{
				&messaging_api.FlexButton{Action: &messaging_api.PostbackAction{Label: "สมัคร", Data: "a=ws.join&w=" + strconv.Itoa(i)}},
			}},
		})
	}
	return []messaging_api.MessageInterface{&messaging_api.FlexMessage{AltText: "ตารางอบรม",
		Contents: &messaging_api.FlexCarousel{Contents: bubbles}}}
}

// TestRawMessagesSendTheSameBody: messages stored as JSON and sent through RawMessages make the
// request body the SDK makes from the structs.
func TestRawMessagesSendTheSameBody(t *testing.T) {
	msgs := carousel()
	stored, err := json.Marshal(msgs)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := line.RawMessages(stored)
	if err != nil {
		t.Fatal(err)
	}
	a, errA := json.Marshal(&messaging_api.PushMessageRequest{To: userID(1), Messages: msgs})
	b, errB := json.Marshal(&messaging_api.PushMessageRequest{To: userID(1), Messages: raw})
	if errA != nil || errB != nil || !bytes.Equal(a, b) {
		t.Fatalf("bodies differ (%v, %v):\n%s\n%s", errA, errB, a, b)
	}
	if _, err := line.RawMessages([]byte(`{"type":"text"}`)); err == nil {
		t.Error("an object was taken for an array of messages")
	}
}

// BenchmarkPushBody encodes one push request body as the SDK does for every attempt: from the
// SDK's structs (each nesting level re-encoded by its own MarshalJSON) and from the JSON the
// outbox stored once, in the same run.
func BenchmarkPushBody(b *testing.B) {
	msgs := carousel()
	stored, _ := json.Marshal(msgs)
	raw, _ := line.RawMessages(stored)
	for _, c := range []struct {
		name string
		msgs []messaging_api.MessageInterface
	}{{"sdk-structs", msgs}, {"stored-json", raw}} {
		b.Run(c.name, func(b *testing.B) {
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := json.NewEncoder(&buf).Encode(&messaging_api.PushMessageRequest{To: userID(1), Messages: c.msgs}); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(buf.Len()))
		})
	}
}

func TestIsUserID(t *testing.T) {
	for id, want := range map[string]bool{
		"U0123456789abcdef0123456789abcdef":  true,
		"U0123456789ABCDEF0123456789abcdef":  false, // upper-case hex
		"C0123456789abcdef0123456789abcdef":  false, // a group
		"U0123456789abcdef0123456789abcde":   false, // 31 digits
		"U0123456789abcdef0123456789abcdef0": false,
		"U0123456789abcdeg0123456789abcdef":  false,
		"":                                   false,
		"Uๅ123456789abcdef0123456789abcd":    false, // a Thai digit's bytes
	} {
		if got := line.IsUserID(id); got != want {
			t.Errorf("IsUserID(%q) = %v, want %v", id, got, want)
		}
	}
}
