package bot

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/line"
)

// maxKept bounds each cache of encoded JSON; a role's menu comes in a handful of forms per
// language (an officer's provinces, a rejected leader's reason make more), and the quick reply
// rows in a few dozen, so a cache is emptied and refilled if it ever grows past this.
const maxKept = 512

// kept is JSON encoded once and kept by a key that names everything in it: encoding a card or a
// row of quick replies of Thai text is most of what a reply costs, and many members get the
// same ones (docs/ARCHITECTURE.md, "The conversation engine"). It is safe for concurrent use.
type kept struct {
	mu    sync.Mutex
	byKey map[string][]byte
}

// get returns the JSON kept under key, or encodes it, keeps it and returns it. An encoding
// error is returned and nothing is kept.
func (k *kept) get(key string, encode func() ([]byte, error)) ([]byte, error) {
	k.mu.Lock()
	enc, ok := k.byKey[key]
	k.mu.Unlock()
	if ok {
		return enc, nil
	}
	enc, err := encode()
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.byKey == nil || len(k.byKey) >= maxKept {
		k.byKey = map[string][]byte{}
	}
	k.byKey[key] = enc
	return enc, nil
}

// card returns the flex message that build makes, encoded once per key (a line.RawMessage) in
// the engine's cards. key must name everything the card shows; build must return a message
// without quick replies (reply.messages adds them to a copy when the card ends the reply). A
// card that does not encode is returned as built.
func (e *Engine) card(key string, build func() messaging_api.MessageInterface) messaging_api.MessageInterface {
	var built messaging_api.MessageInterface
	enc, err := e.cards.get(key, func() ([]byte, error) {
		built = build()
		return json.Marshal(built)
	})
	if err != nil {
		return built
	}
	return line.RawMessage(enc)
}

// quickReplies keeps the encoded quick reply objects of reply.messages by their buttons.
var quickReplies kept

// quickReplyJSON is the encoded quick reply object of acts (at most 13 buttons, quickReply),
// kept by every field of the buttons.
func quickReplyJSON(acts []action) ([]byte, error) {
	var key strings.Builder
	for _, a := range acts {
		for _, f := range []string{a.Label, a.URI, a.Text, a.Data, a.Display, a.Picker, a.Min} {
			key.WriteString(f)
			key.WriteByte(0)
		}
		key.WriteByte(1)
	}
	return quickReplies.get(key.String(), func() ([]byte, error) { return json.Marshal(quickReply(acts)) })
}

// withQuickReply returns m, an encoded message object without "quickReply", with the encoded
// quick reply object q added as its last member.
func withQuickReply(m line.RawMessage, q []byte) line.RawMessage {
	end := bytes.LastIndexByte(m, '}')
	out := make(line.RawMessage, 0, len(m)+len(q)+len(`,"quickReply":`))
	out = append(out, m[:end]...)
	out = append(out, `,"quickReply":`...)
	out = append(out, q...)
	return append(out, m[end:]...)
}
