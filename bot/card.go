package bot

import (
	"bytes"
	"encoding/json"
	"sync"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/line"
)

// maxCards bounds the cards kept; a role's menu comes in a handful of forms per language (an
// officer's provinces, a rejected leader's reason make more), so the cache is emptied and
// refilled if it ever grows past this.
const maxCards = 512

// cards keeps flex messages that many members get alike, encoded once (line.RawMessage):
// encoding a card of Thai text is most of what a reply costs, and the menu card is the same
// for everyone of one role, language and standing (docs/ARCHITECTURE.md, "The conversation
// engine"). It is safe for concurrent use.
type cards struct {
	mu   sync.Mutex
	byID map[string]line.RawMessage
}

// get returns the card kept under key, or builds it, encodes it and keeps it. key must name
// everything the card shows; build must return a message without quick replies (reply.messages
// adds them to the card when it ends the reply). A card that does not encode is returned as
// built and not kept.
func (c *cards) get(key string, build func() messaging_api.MessageInterface) messaging_api.MessageInterface {
	c.mu.Lock()
	raw, ok := c.byID[key]
	c.mu.Unlock()
	if ok {
		return raw
	}
	m := build()
	enc, err := json.Marshal(m)
	if err != nil {
		return m
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil || len(c.byID) >= maxCards {
		c.byID = map[string]line.RawMessage{}
	}
	c.byID[key] = enc
	return line.RawMessage(enc)
}

// withQuickReply returns the encoded message m (a JSON object without "quickReply") with qr
// added as its last member.
func withQuickReply(m line.RawMessage, qr *messaging_api.QuickReply) (line.RawMessage, error) {
	q, err := json.Marshal(qr)
	if err != nil {
		return nil, err
	}
	end := bytes.LastIndexByte(m, '}')
	out := make(line.RawMessage, 0, len(m)+len(q)+len(`,"quickReply":`))
	out = append(out, m[:end]...)
	out = append(out, `,"quickReply":`...)
	out = append(out, q...)
	return append(out, m[end:]...), nil
}
