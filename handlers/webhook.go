package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/line/line-bot-sdk-go/v8/linebot/webhook"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssonet/ssonet/bot"
)

// MaxWebhookBody caps a webhook request body (docs/ARCHITECTURE.md, "Security and personal data": body size
// is capped). LINE's own requests are far smaller; a larger body is answered 413.
const MaxWebhookBody = 1 << 20 // bytes

// Acceptor is what the webhook needs from the inbox; *inbox.Inbox satisfies it.
type Acceptor interface {
	// Accept stores one request's events durably, within its own bound (1.5 s), and returns;
	// an error means LINE should redeliver.
	Accept(ctx context.Context, evs []bot.Event) error
}

// WebhookConfig holds what a Webhook needs. ChannelSecret and Inbox are required.
type WebhookConfig struct {
	ChannelSecret string                // verifies x-line-signature
	Inbox         Acceptor              // where events go (docs/ARCHITECTURE.md, "Inbox")
	Logger        *slog.Logger          // slog.Default() when nil
	Registerer    prometheus.Registerer // where the webhook metrics are registered; none when nil
}

// Webhook serves POST /webhook: it verifies LINE's signature, converts the events of one-to-one
// chats to bot.Event and stores them in the inbox; the inbox's workers hand them to the engine
// later. The answer never waits for the engine or for LINE (docs/ARCHITECTURE.md, "Webhook").
type Webhook struct {
	secret  string
	inbox   Acceptor
	log     *slog.Logger
	count   *prometheus.CounterVec
	latency prometheus.Histogram
}

// NewWebhook builds a Webhook and registers its metrics:
// ssonet_webhook_events_total{kind,outcome} and ssonet_webhook_accept_seconds.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	if cfg.ChannelSecret == "" || cfg.Inbox == nil {
		return nil, errors.New("handlers: webhook needs ChannelSecret and Inbox")
	}
	w := &Webhook{
		secret: cfg.ChannelSecret,
		inbox:  cfg.Inbox,
		log:    cfg.Logger,
		count: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ssonet_webhook_events_total",
			Help: "Webhook events by kind (follow, unfollow, message, postback, other) and outcome (accepted, error, ignored).",
		}, []string{"kind", "outcome"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "ssonet_webhook_accept_seconds",
			Help:    "Time the inbox took to store one webhook request's events, in seconds.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 1.5, 2},
		}),
	}
	if w.log == nil {
		w.log = slog.Default()
	}
	if cfg.Registerer != nil {
		for _, c := range []prometheus.Collector{w.count, w.latency} {
			if err := cfg.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("handlers: register webhook metrics: %w", err)
			}
		}
	}
	return w, nil
}

// Serve handles POST /webhook.
//
//   - The body is read through http.MaxBytesReader: over MaxWebhookBody → 413.
//   - webhook.ParseRequest checks the signature over the raw bytes before any JSON work
//     (line-platform.md rows 1–2): missing or wrong → 400, nothing stored.
//   - Malformed JSON → 400. The SDK's error text quotes the whole body, which holds personal
//     data, so it is never logged.
//   - Empty events (the console's Verify, row 6) → 200.
//   - Group/room sources, standby mode, unknown types and events without a webhookEventId
//     (rows 12, 32, 33) are logged, ignored.
//   - The rest go to the inbox in one write; if it cannot be made in time → 500, so LINE
//     redelivers (rows 7–9); a redelivery of what was stored is a no-op. Otherwise → 200.
func (w *Webhook) Serve(c *gin.Context) {
	// MaxBytesReader gets net/http's own ResponseWriter, not gin's wrapper: only then does the
	// server learn that the limit was hit and close the connection instead of reading the rest
	// of the body as the next request.
	var rw http.ResponseWriter = c.Writer
	if u, ok := rw.(interface{ Unwrap() http.ResponseWriter }); ok {
		rw = u.Unwrap()
	}
	c.Request.Body = http.MaxBytesReader(rw, c.Request.Body, MaxWebhookBody)
	cb, err := webhook.ParseRequest(w.secret, c.Request)
	if err != nil {
		status, reason := http.StatusBadRequest, "malformed body"
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			status, reason = http.StatusRequestEntityTooLarge, "body too large"
		case errors.Is(err, webhook.ErrInvalidSignature):
			reason = "invalid signature"
		}
		w.log.Warn("webhook rejected", "status", status, "reason", reason)
		c.AbortWithStatusJSON(status, gin.H{"error": reason})
		return
	}

	evs := make([]bot.Event, 0, len(cb.Events))
	for _, e := range cb.Events {
		ev, reason := convert(e)
		if reason != "" {
			w.observe(eventID(e), kindLabel(e.GetType()), "ignored", "type", e.GetType(), "reason", reason)
			continue
		}
		evs = append(evs, ev)
	}
	if len(evs) == 0 {
		c.Status(http.StatusOK)
		return
	}
	start := time.Now()
	err = w.inbox.Accept(c.Request.Context(), evs)
	w.latency.Observe(time.Since(start).Seconds())
	outcome := "accepted"
	if err != nil {
		outcome = "error"
	}
	for _, ev := range evs {
		w.observe(ev.ID, string(ev.Kind), outcome)
	}
	if err != nil {
		w.log.Error("webhook: inbox write failed; LINE may redeliver", "events", len(evs), "err", err)
		c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "could not store the events"})
		return
	}
	c.Status(http.StatusOK)
}

// observe counts an event and writes its one log line: id, kind, outcome and any extra
// attributes, never the text or other personal data.
func (w *Webhook) observe(id, kind, outcome string, extra ...any) {
	w.count.WithLabelValues(kind, outcome).Inc()
	level := slog.LevelInfo
	if outcome == "error" {
		level = slog.LevelError
	}
	w.log.Log(context.Background(), level, "webhook event", append([]any{"id", id, "kind", kind, "outcome", outcome}, extra...)...)
}

// kindLabel keeps the metric's kind label bounded: LINE adds event types over time.
func kindLabel(lineType string) string {
	switch bot.EventKind(lineType) {
	case bot.KindFollow, bot.KindUnfollow, bot.KindMessage, bot.KindPostback:
		return lineType
	}
	return string(bot.KindOther)
}

// eventID returns the webhookEventId of any event: the SDK's event types share no accessor for
// it, so typed events are read by field name and unknown ones from their raw JSON.
func eventID(e webhook.EventInterface) string {
	if u, ok := e.(webhook.UnknownEvent); ok {
		var id string
		_ = json.Unmarshal(u.Raw["webhookEventId"], &id) // absent or not a string: no id
		return id
	}
	v := reflect.Indirect(reflect.ValueOf(e))
	if v.Kind() != reflect.Struct {
		return ""
	}
	if f := v.FieldByName("WebhookEventId"); f.Kind() == reflect.String {
		return f.String()
	}
	return ""
}

// convert turns a webhook event into a bot.Event, or returns why it is ignored.
func convert(e webhook.EventInterface) (ev bot.Event, ignored string) {
	var (
		source   webhook.SourceInterface
		mode     webhook.EventMode
		ts       int64
		delivery *webhook.DeliveryContext
	)
	switch e := e.(type) {
	case webhook.FollowEvent:
		source, mode, ts, delivery = e.Source, e.Mode, e.Timestamp, e.DeliveryContext
		ev = bot.Event{Kind: bot.KindFollow, ID: e.WebhookEventId, ReplyToken: e.ReplyToken,
			Unblocked: e.Follow != nil && e.Follow.IsUnblocked}
	case webhook.UnfollowEvent:
		source, mode, ts, delivery = e.Source, e.Mode, e.Timestamp, e.DeliveryContext
		ev = bot.Event{Kind: bot.KindUnfollow, ID: e.WebhookEventId}
	case webhook.MessageEvent:
		source, mode, ts, delivery = e.Source, e.Mode, e.Timestamp, e.DeliveryContext
		ev = bot.Event{Kind: bot.KindMessage, ID: e.WebhookEventId, ReplyToken: e.ReplyToken}
		if text, ok := e.Message.(webhook.TextMessageContent); ok {
			ev.Text = text.Text
		}
	case webhook.PostbackEvent:
		source, mode, ts, delivery = e.Source, e.Mode, e.Timestamp, e.DeliveryContext
		ev = bot.Event{Kind: bot.KindPostback, ID: e.WebhookEventId, ReplyToken: e.ReplyToken}
		if e.Postback != nil {
			ev.Postback, ev.Params = e.Postback.Data, e.Postback.Params
		}
	default:
		return bot.Event{}, "unsupported event type"
	}
	if mode == webhook.EventMode_STANDBY {
		return bot.Event{}, "standby mode"
	}
	user, ok := source.(webhook.UserSource)
	if !ok || user.UserId == "" {
		return bot.Event{}, "not a one-to-one chat"
	}
	if ev.ID == "" {
		return bot.Event{}, "no webhookEventId"
	}
	ev.UserID = user.UserId
	ev.Redelivery = delivery != nil && delivery.IsRedelivery
	ev.Time = time.UnixMilli(ts).UTC()
	return ev, ""
}
