package line

import (
	"encoding/json"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
)

// RawMessage is one message object already encoded as JSON, e.g. read back from the outbox.
// The SDK writes it into the request body as it is (encoding/json only compacts it), so a
// message is built and encoded once however often it is sent.
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
