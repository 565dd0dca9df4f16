package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/line/line-bot-sdk-go/v8/linebot/webhook"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssonet/ssonet/bot"
)

// MaxWebhookBody caps a webhook request body (DESIGN.md, "Security and personal data": body size
// is capped). LINE's own requests are far smaller; a larger body is answered 413.
const MaxWebhookBody = 1 << 20 // bytes

// handleTimeout bounds the handling of one request's events. Handling runs on a context that
// does not end when LINE hangs up, so a slow request still finishes what it started.
const handleTimeout = 30 * time.Second

// EventHandler is what the webhook needs from the conversation engine; *bot.Engine satisfies it.
type EventHandler interface {
	// Handle acts on one event; an error means nothing was kept and LINE should redeliver.
	Handle(ctx context.Context, ev bot.Event) error
}

// WebhookConfig holds what a Webhook needs. ChannelSecret and Events are required.
type WebhookConfig struct {
	ChannelSecret string                // verifies x-line-signature
	Events        EventHandler          // the engine
	Logger        *slog.Logger          // slog.Default() when nil
	Registerer    prometheus.Registerer // where the webhook metrics are registered; none when nil
}

// Webhook serves POST /webhook: it verifies LINE's signature, converts the events of one-to-one
// chats to bot.Event and hands them to the engine, in order per user and in parallel across
// users.
type Webhook struct {
	secret  string
	events  EventHandler
	log     *slog.Logger
	users   keyedMutex // serialises one user's events across concurrent requests
	count   *prometheus.CounterVec
	latency *prometheus.HistogramVec
}

// NewWebhook builds a Webhook and registers its metrics:
// ssonet_webhook_events_total{kind,outcome} and ssonet_webhook_handle_seconds{kind}.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	if cfg.ChannelSecret == "" || cfg.Events == nil {
		return nil, errors.New("handlers: webhook needs ChannelSecret and Events")
	}
	w := &Webhook{
		secret: cfg.ChannelSecret,
		events: cfg.Events,
		log:    cfg.Logger,
		count: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ssonet_webhook_events_total",
			Help: "Webhook events by kind (follow, unfollow, message, postback, other) and outcome (ok, error, skipped, ignored).",
		}, []string{"kind", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ssonet_webhook_handle_seconds",
			Help:    "Time the engine took to handle one webhook event, in seconds.",
			Buckets: prometheus.DefBuckets,
		}, []string{"kind"}),
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
//     (line-platform.md rows 1–2): missing or wrong → 400, nothing handled.
//   - Malformed JSON → 400. The SDK's error text quotes the whole body, which holds personal
//     data, so it is never logged.
//   - Empty events (the console's Verify, row 6) → 200.
//   - Group/room sources, standby mode and unknown types (rows 12, 32, 33) are logged, ignored.
//   - If the engine fails on any event → 500, so LINE redelivers (rows 7–9); the engine
//     deduplicates by webhookEventId.
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

	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), handleTimeout)
	defer cancel()
	if !w.dispatch(ctx, cb.Events) {
		c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "event handling failed"})
		return
	}
	c.Status(http.StatusOK)
}

// dispatch converts the events, groups them by user (keeping each user's order), and runs the
// groups in parallel. It reports whether every event was handled.
func (w *Webhook) dispatch(ctx context.Context, events []webhook.EventInterface) bool {
	var order []string
	byUser := map[string][]bot.Event{}
	for _, e := range events {
		ev, reason := convert(e)
		if reason != "" {
			w.observe(eventID(e), kindLabel(e.GetType()), "ignored", 0, "type", e.GetType(), "reason", reason)
			continue
		}
		if _, seen := byUser[ev.UserID]; !seen {
			order = append(order, ev.UserID)
		}
		byUser[ev.UserID] = append(byUser[ev.UserID], ev)
	}

	var failed atomic.Bool
	var wg sync.WaitGroup
	for _, user := range order {
		wg.Go(func() {
			// Gin's recovery middleware does not reach these goroutines: a panic in the engine
			// fails the request (500, LINE may redeliver) instead of killing the process.
			defer func() {
				if p := recover(); p != nil {
					w.log.Error("webhook event handler panicked", "panic", p, "stack", string(debug.Stack()))
					failed.Store(true)
				}
			}()
			if !w.handleUser(ctx, user, byUser[user]) {
				failed.Store(true)
			}
		})
	}
	wg.Wait()
	return !failed.Load()
}

// handleUser hands one user's events to the engine in order, holding the user's lock so that a
// concurrent request for the same user waits. After a failure the user's later events are
// skipped: the redelivery brings them again, in order.
func (w *Webhook) handleUser(ctx context.Context, user string, evs []bot.Event) bool {
	unlock := w.users.Lock(user)
	defer unlock()
	for i, ev := range evs {
		start := time.Now()
		err := w.events.Handle(ctx, ev)
		took := time.Since(start)
		w.latency.WithLabelValues(string(ev.Kind)).Observe(took.Seconds())
		if err != nil {
			w.observe(ev.ID, string(ev.Kind), "error", took, "err", err)
			for _, rest := range evs[i+1:] {
				w.observe(rest.ID, string(rest.Kind), "skipped", 0)
			}
			return false
		}
		w.observe(ev.ID, string(ev.Kind), "ok", took)
	}
	return true
}

// observe counts an event and writes its one log line: id, kind, outcome, duration and any extra
// attributes, never the text or other personal data.
func (w *Webhook) observe(id, kind, outcome string, took time.Duration, extra ...any) {
	w.count.WithLabelValues(kind, outcome).Inc()
	level := slog.LevelInfo
	if outcome == "error" {
		level = slog.LevelError
	}
	w.log.Log(context.Background(), level, "webhook event",
		append([]any{"id", id, "kind", kind, "outcome", outcome, "duration", took}, extra...)...)
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
	ev.UserID = user.UserId
	ev.Redelivery = delivery != nil && delivery.IsRedelivery
	ev.Time = time.UnixMilli(ts).UTC()
	return ev, ""
}
