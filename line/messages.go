package line

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
)

// RawMessage is one message object already encoded as JSON, e.g. read back from the outbox.
// It goes into the request body as it is, so a message is built and encoded once however
// often it is sent.
type RawMessage json.RawMessage

// GetType satisfies messaging_api.MessageInterface; the type is inside the JSON.
func (RawMessage) GetType() string { return "" }

// MarshalJSON returns the message's JSON unchanged.
func (m RawMessage) MarshalJSON() ([]byte, error) { return m, nil }

// RawMessages splits a JSON array of message objects into messages the Client can send. It
// fails when data is not a JSON array.
func RawMessages(data json.RawMessage) ([]messaging_api.MessageInterface, error) {
	var parts []json.RawMessage
	if err := json.Unmarshal(data, &parts); err != nil {
		return nil, err
	}
	out := make([]messaging_api.MessageInterface, len(parts))
	for i, p := range parts {
		out[i] = RawMessage(p)
	}
	return out, nil
}

// errUntypedMessage is what a message value without its "type" gives: LINE would answer 400.
var errUntypedMessage = errors.New(`line: message without "type"`)

// messageBody is the JSON body of a reply, push, multicast or broadcast request: the field key
// with value (none when key is empty), then "messages", each encoded once on its own.
//
// The SDK's own request types encode the body through their MarshalJSON, which encodes the
// messages and then has encoding/json check and compact the whole body again, and each nested
// MarshalJSON's output once more at every level: for a card of Thai text that was most of a
// reply's CPU (docs/ARCHITECTURE.md, "Outbox", "Sending"). A RawMessage is written as it is; any
// other message is encoded by encoding/json with the SDK's types, so pointers get their type
// from the SDK's MarshalJSON and values must carry it (the bot's builders set it): a value
// without it gives errUntypedMessage.
func messageBody(key string, value any, msgs []messaging_api.MessageInterface) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	if key != "" {
		v, err := json.Marshal(value)
		if err != nil {
			return nil, err
		}
		b.WriteString(`"` + key + `":`)
		b.Write(v)
		b.WriteByte(',')
	}
	b.WriteString(`"messages":[`)
	for i, m := range msgs {
		if i > 0 {
			b.WriteByte(',')
		}
		if raw, ok := m.(RawMessage); ok {
			b.Write(raw)
			continue
		}
		enc, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		if bytes.HasPrefix(enc, []byte(`{"type":""`)) {
			return nil, errUntypedMessage
		}
		b.Write(enc)
	}
	b.WriteString("]}")
	return b.Bytes(), nil
}

// postMessages sends a message request to path through the SDK's client (its base URL, access
// token and HTTP client), with X-Line-Retry-Key: retryKey unless it is empty. The body is
// messageBody's. Like the SDK's ...WithHttpInfo calls it returns the response for outcome, or
// an error without one: building the body failed, or the transport did (*url.Error). A 2xx
// body is read to its end, so the connection is kept for the next call.
func (c *Client) postMessages(ctx context.Context, path, retryKey, key string, value any, msgs []messaging_api.MessageInterface) (*http.Response, error) {
	body, err := messageBody(key, value, msgs)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.api.Url(path), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("line: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	if retryKey != "" {
		req.Header.Set("X-Line-Retry-Key", retryKey)
	}
	res, err := c.sdk(ctx).Do(req)
	if err != nil {
		return res, err
	}
	if res.StatusCode/100 == 2 {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	}
	return res, nil
}
