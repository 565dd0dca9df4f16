package bot

import (
	"context"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/line"
)

// EventKind names the webhook event kinds the engine acts on.
type EventKind string

// Event kinds. Anything else is converted to KindOther by the webhook handler and only logged.
const (
	KindFollow   EventKind = "follow"
	KindUnfollow EventKind = "unfollow"
	KindMessage  EventKind = "message"  // text messages carry Text; other message types have it empty
	KindPostback EventKind = "postback" // Postback holds the postback data, Params the picker's value
	KindOther    EventKind = "other"
)

// Event is one webhook event from a one-to-one chat, already verified and parsed by the
// webhook handler. Group and room events and standby-mode events never reach the engine.
type Event struct {
	ID         string            // webhookEventId (ULID); the deduplication key
	Kind       EventKind         //
	UserID     string            // LINE user ID of the source
	ReplyToken string            // empty for unfollow
	Text       string            // message text as typed (not yet normalised)
	Postback   string            // postback data, a short query string such as "a=menu"
	Params     map[string]string // postback params (datetime picker: "date", "time" or "datetime")
	Unblocked  bool              // follow.isUnblocked: the user blocked the account before
	Redelivery bool              // deliveryContext.isRedelivery
	Time       time.Time         // when the event happened (webhook timestamp)
	ReceivedAt time.Time         // when the webhook stored it in the inbox; the reply token counts from here
}

// Messenger is what the engine calls on LINE directly; line.Client implements it. Pushes go
// through the outbox (Config.Outbox), never from here.
type Messenger interface {
	// Reply answers an event with 1 to 5 messages through its one-use reply token.
	Reply(ctx context.Context, replyToken string, msgs []messaging_api.MessageInterface) error
	// Profile reads a user's LINE profile.
	Profile(ctx context.Context, userID string) (line.Profile, error)
}
