package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
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
	counts  map[eventLabels]prometheus.Counter // every series of count, resolved once
	latency prometheus.Histogram
}

// eventLabels are the labels of one ssonet_webhook_events_total series.
type eventLabels struct{ kind, outcome string }

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
		counts: map[eventLabels]prometheus.Counter{},
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "ssonet_webhook_accept_seconds",
			Help:    "Time the inbox took to store one webhook request's events, in seconds.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 1.5, 2},
		}),
	}
	for _, kind := range []bot.EventKind{bot.KindFollow, bot.KindUnfollow, bot.KindMessage, bot.KindPostback, bot.KindOther} {
		for _, outcome := range []string{outcomeAccepted, outcomeError, outcomeIgnored} {
			w.counts[eventLabels{string(kind), outcome}] = w.count.WithLabelValues(string(kind), outcome)
		}
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

// The outcomes of ssonet_webhook_events_total.
const (
	outcomeAccepted = "accepted"
	outcomeError    = "error"
	outcomeIgnored  = "ignored"
)

// Serve handles POST /webhook.
//
//   - The body is read through http.MaxBytesReader: over MaxWebhookBody → 413.
//   - The SDK's webhook.ValidateSignature checks the signature over the raw bytes before any
//     JSON work (line-platform.md rows 1–2): missing or wrong → 400, nothing stored.
//   - Malformed JSON, an event without a type, or an event of a handled type (follow, unfollow,
//     message, postback) whose properties have the wrong JSON types → 400. The body holds
//     personal data, so neither it nor the decoder's error is logged.
//   - Empty events (the console's Verify, row 6) → 200.
//   - Group/room sources, standby mode, other types (even ones that do not decode as an event
//     of ours) and events without a webhookEventId (rows 12, 32, 33) are logged, ignored.
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
	in, err := w.parse(http.MaxBytesReader(rw, c.Request.Body, MaxWebhookBody), c.GetHeader("X-Line-Signature"))
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

	evs := make([]bot.Event, 0, len(in))
	for _, e := range in {
		ev, reason := convert(e)
		if reason != "" {
			w.observe(e.WebhookEventID, kindLabel(e.Type), outcomeIgnored, slog.String("type", e.Type), slog.String("reason", reason))
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
	outcome := outcomeAccepted
	if err != nil {
		outcome = outcomeError
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
// attributes, never the text or other personal data. kind is a kindLabel.
func (w *Webhook) observe(id, kind, outcome string, extra ...slog.Attr) {
	w.counts[eventLabels{kind, outcome}].Inc()
	level := slog.LevelInfo
	if outcome == outcomeError {
		level = slog.LevelError
	}
	if !w.log.Enabled(context.Background(), level) {
		return
	}
	attrs := append(make([]slog.Attr, 0, 5), slog.String("id", id), slog.String("kind", kind), slog.String("outcome", outcome))
	w.log.LogAttrs(context.Background(), level, "webhook event", append(attrs, extra...)...)
}

// handled reports whether lineType is one of the event types the engine acts on.
func handled(lineType string) bool {
	switch bot.EventKind(lineType) {
	case bot.KindFollow, bot.KindUnfollow, bot.KindMessage, bot.KindPostback:
		return true
	}
	return false
}

// kindLabel keeps the metric's kind label bounded: LINE adds event types over time.
func kindLabel(lineType string) string {
	if handled(lineType) {
		return lineType
	}
	return string(bot.KindOther)
}

// lineEvent is what the webhook reads of one of LINE's webhook event objects (webhook.yml, the
// shape of the SDK's webhook event types); every other property is skipped, as LINE asks bots
// to tolerate new ones (line-platform.md rows 33 and 41).
type lineEvent struct {
	Type           string `json:"type"`
	Mode           string `json:"mode"`      // "active" or "standby"
	Timestamp      int64  `json:"timestamp"` // ms since the epoch
	WebhookEventID string `json:"webhookEventId"`
	ReplyToken     string `json:"replyToken"`
	Source         struct {
		Type   string `json:"type"` // "user", "group" or "room"
		UserID string `json:"userId"`
	} `json:"source"`
	DeliveryContext struct {
		IsRedelivery bool `json:"isRedelivery"`
	} `json:"deliveryContext"`
	Follow struct {
		IsUnblocked bool `json:"isUnblocked"`
	} `json:"follow"`
	Message struct {
		Type string `json:"type"`
		Text string `json:"text"` // type "text" only
	} `json:"message"`
	Postback struct {
		Data   string            `json:"data"`
		Params map[string]string `json:"params"`
	} `json:"postback"`
}

// errMalformed is parse's error for a body that is JSON but not a webhook request of LINE's.
var errMalformed = errors.New("handlers: malformed webhook body")

// bodies are parse's read buffers. The decoded events copy what they keep, so a buffer is free
// again once its body is decoded; one grown past maxPooledBody is left to the collector.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledBody = 64 << 10 // bytes

// parse reads the request body r, checks signature (x-line-signature) over its raw bytes with
// the SDK's webhook.ValidateSignature, and decodes its events: webhook.ErrInvalidSignature,
// the reader's error (an *http.MaxBytesError when the body is too large), or a decoding error
// as Serve's doc comment describes. The body is decoded only as far as convert reads it: the
// SDK's ParseRequest decodes every event three times over, through maps, for typed values that
// would be thrown away after convert.
func (w *Webhook) parse(r io.Reader, signature string) ([]lineEvent, error) {
	buf := bodies.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBody {
			buf.Reset()
			bodies.Put(buf)
		}
	}()
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, err
	}
	if !webhook.ValidateSignature(w.secret, signature, buf.Bytes()) {
		return nil, webhook.ErrInvalidSignature
	}
	var req struct {
		Events []json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(buf.Bytes(), &req); err != nil {
		return nil, errMalformed
	}
	evs := make([]lineEvent, len(req.Events))
	for k, raw := range req.Events {
		// An event of another type may use one of our property names for something else: it
		// is ignored, not a reason to refuse the request (and so make LINE redeliver it).
		err := json.Unmarshal(raw, &evs[k])
		if evs[k].Type == "" || err != nil && handled(evs[k].Type) {
			return nil, errMalformed
		}
	}
	return evs, nil
}

// convert turns a webhook event into a bot.Event, or returns why it is ignored.
func convert(e lineEvent) (ev bot.Event, ignored string) {
	kind := bot.EventKind(e.Type)
	switch {
	case !handled(e.Type):
		return bot.Event{}, "unsupported event type"
	case e.Mode == "standby":
		return bot.Event{}, "standby mode"
	case e.Source.Type != "user" || e.Source.UserID == "":
		return bot.Event{}, "not a one-to-one chat"
	case e.WebhookEventID == "":
		return bot.Event{}, "no webhookEventId"
	}
	ev = bot.Event{Kind: kind, ID: e.WebhookEventID, UserID: e.Source.UserID,
		Redelivery: e.DeliveryContext.IsRedelivery, Time: time.UnixMilli(e.Timestamp).UTC()}
	switch kind {
	case bot.KindFollow:
		ev.ReplyToken, ev.Unblocked = e.ReplyToken, e.Follow.IsUnblocked
	case bot.KindMessage:
		ev.ReplyToken = e.ReplyToken
		if e.Message.Type == "text" {
			ev.Text = e.Message.Text
		}
	case bot.KindPostback:
		ev.ReplyToken, ev.Postback, ev.Params = e.ReplyToken, e.Postback.Data, e.Postback.Params
	}
	return ev, ""
}
