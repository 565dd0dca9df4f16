package bot_test

import (
	"encoding/json"
	"testing"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/bot"
)

// The reply benchmarks compare, in the same run, the bot's messages as the engine builds them
// (values with their types set) with the same messages as the bot built them before (pointers
// whose types the SDK's MarshalJSON sets level by level, bot.SDKForm). Compare the ns/op of
// each pair:
//
//	go test -run '^$' -bench 'ReplyEncode|BubbleSize' ./bot

// menuReply is the engine's reply to "เมนู" from a newcomer, as it reached the LINE client.
func menuReply(b *testing.B) []messaging_api.MessageInterface {
	h := newHarness(b)
	h.setUser("สมชาย", false, false)
	h.send(bot.Event{Kind: bot.KindMessage, Text: "เมนู"})
	if len(h.replied) == 0 {
		b.Fatal("no reply to เมนู")
	}
	return h.replied
}

// BenchmarkReplyEncode encodes the reply to "เมนู" as the LINE client sends it, a reply request.
func BenchmarkReplyEncode(b *testing.B) {
	msgs := menuReply(b)
	for _, form := range []struct {
		name string
		msgs []messaging_api.MessageInterface
	}{{"pointers", bot.SDKForm(b, msgs)}, {"values", msgs}} {
		b.Run(form.name, func(b *testing.B) {
			req := &messaging_api.ReplyMessageRequest{ReplyToken: "t", Messages: form.msgs}
			for b.Loop() {
				if _, err := json.Marshal(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBubbleSize is the check that bubble makes of a bubble of more than one row (a card,
// a summary) that it fits LINE's 30 KB, here on the menu's bubble: before, an encoding of the
// bubble built as pointers; now its bound (bot.JSONBound), with no encoding.
func BenchmarkBubbleSize(b *testing.B) {
	msgs := menuReply(b)
	var bubble, old messaging_api.FlexContainerInterface
	for i, m := range msgs {
		if f, ok := m.(messaging_api.FlexMessage); ok {
			bubble, old = f.Contents, bot.SDKForm(b, msgs)[i].(*messaging_api.FlexMessage).Contents
		}
	}
	if bubble == nil {
		b.Fatal("no flex message in the reply to เมนู")
	}
	b.Run("encode-pointers", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(old); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bound-values", func(b *testing.B) {
		for b.Loop() {
			bot.JSONBound(bubble)
		}
	})
}
