package line_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"testing"

	"github.com/google/uuid"

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

// sdkBody is the body the SDK's own request type would send for msgs: what the Client's bodies
// are compared with.
func sdkBody(t testing.TB, req any) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(req); err != nil {
		t.Fatal(err)
	}
	return decode(t, buf.Bytes())
}

func decode(t testing.TB, body []byte) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	return v
}

// TestMessageBodiesAreTheSDKs: the bodies of reply, push, multicast and broadcast, written by
// the Client itself, carry what the SDK's request types would send, messages alike to the
// byte's meaning, from the SDK's structs and from stored JSON (RawMessages) alike; the SDK's
// other fields are all at their defaults (false, null), which LINE takes as absent. The stand-in
// checks each body against LINE's OpenAPI schema.
func TestMessageBodiesAreTheSDKs(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := userID(70)
	structs := append(carousel(), &messaging_api.TextMessage{Text: "สวัสดี \"ครับ\" <b>&</b>"})
	stored, err := json.Marshal(structs)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := line.RawMessages(stored)
	if err != nil {
		t.Fatal(err)
	}
	for _, form := range []struct {
		name string
		msgs []messaging_api.MessageInterface
	}{{"structs", structs}, {"stored", raw}} {
		tok := f.srv.IssueReplyToken(u)
		for _, c := range []struct {
			endpoint string
			send     func() error
			sdk      any
		}{
			{line.EndpointReply, func() error { return f.client.Reply(ctx, tok, form.msgs) },
				&messaging_api.ReplyMessageRequest{ReplyToken: tok, Messages: structs}},
			{line.EndpointPush, func() error { return f.client.Push(ctx, u, form.msgs, uuid.NewString()) },
				&messaging_api.PushMessageRequest{To: u, Messages: structs}},
			{line.EndpointMulticast, func() error { return f.client.Multicast(ctx, []string{u, userID(71)}, form.msgs, uuid.NewString()) },
				&messaging_api.MulticastRequest{To: []string{u, userID(71)}, Messages: structs}},
			{line.EndpointBroadcast, func() error { return f.client.Broadcast(ctx, form.msgs, uuid.NewString()) },
				&messaging_api.BroadcastRequest{Messages: structs}},
		} {
			if err := c.send(); err != nil {
				t.Fatalf("%s %s: %v", form.name, c.endpoint, err)
			}
			calls := f.srv.Calls()
			last := calls[len(calls)-1]
			if last.Endpoint != c.endpoint || last.Status != http.StatusOK {
				t.Fatalf("%s %s: last call %s %d", form.name, c.endpoint, last.Endpoint, last.Status)
			}
			got, want := decode(t, last.Body), sdkBody(t, c.sdk)
			for k, v := range want {
				if _, ok := got[k]; !ok && (v == nil || v == false) {
					delete(want, k)
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s %s: body\n%s\nwant the SDK's\n%v", form.name, c.endpoint, last.Body, want)
			}
		}
	}
	if _, err := line.RawMessages([]byte(`{"type":"text"}`)); err == nil {
		t.Error("an object was taken for an array of messages")
	}
}

// TestUntypedMessageValueRefused: a message value without its type (which only the SDK's
// pointer MarshalJSON would fill in) is refused before anything is sent, instead of reaching
// LINE as a 400.
func TestUntypedMessageValueRefused(t *testing.T) {
	f := newFixture(t)
	err := f.client.Push(context.Background(), userID(72), []messaging_api.MessageInterface{messaging_api.TextMessage{Text: "x"}}, uuid.NewString())
	if err == nil || len(f.srv.Calls()) != 0 {
		t.Fatalf("err = %v, calls = %d", err, len(f.srv.Calls()))
	}
}

// BenchmarkPushBody encodes one push request body of a 10-bubble carousel, in the same run: as
// the SDK does (each nesting level re-encoded by its own MarshalJSON, then the whole body
// checked again), as the Client does from the same structs (each message once), and as the
// Client does from the JSON the outbox stored once.
func BenchmarkPushBody(b *testing.B) {
	msgs := carousel()
	stored, _ := json.Marshal(msgs)
	raw, _ := line.RawMessages(stored)
	b.Run("sdk", func(b *testing.B) {
		var buf bytes.Buffer
		for b.Loop() {
			buf.Reset()
			if err := json.NewEncoder(&buf).Encode(&messaging_api.PushMessageRequest{To: userID(1), Messages: msgs}); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(buf.Len()))
	})
	for _, c := range []struct {
		name string
		msgs []messaging_api.MessageInterface
	}{{"client-structs", msgs}, {"client-stored", raw}} {
		b.Run(c.name, func(b *testing.B) {
			var body []byte
			for b.Loop() {
				var err error
				if body, err = line.MessageBody("to", userID(1), c.msgs); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(body)))
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
