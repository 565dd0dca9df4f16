package handlers

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
	"github.com/ssonet/ssonet/store"
)

//go:embed simulator.html
var simulatorPage []byte

// simulatorBotID is the destination of the simulator's webhook bodies: the bot's own user ID,
// which LINE puts in every body (line-platform.md row 4).
const simulatorBotID = "U5150000000000000000000000000b07e"

// StandIn is what the simulator needs from the stand-in LINE API; *linetest.Server satisfies it.
type StandIn interface {
	// IssueReplyToken returns a fresh reply token the stand-in will accept once for userID.
	IssueReplyToken(userID string) string
	// SetProfile makes GET /v2/bot/profile/{userId} answer with p.
	SetProfile(p line.Profile)
	// SetBlocked makes the stand-in treat userID as having blocked the account, or not.
	SetBlocked(userID string, blocked bool)
	// Deliveries returns everything sent to userID so far, oldest first.
	Deliveries(userID string) []linetest.Delivery
	// RichMenuOf returns the rich menu userID sees (linked, else the default).
	RichMenuOf(userID string) (linetest.RichMenu, bool)
	// RichMenuByID returns a rich menu by ID.
	RichMenuByID(id string) (linetest.RichMenu, bool)
	// SwitchRichMenu links the menu of alias aliasID to userID, as a richmenuswitch tap does.
	SwitchRichMenu(userID, aliasID string) (linetest.RichMenu, bool)
}

// SimHistory keeps the simulator's personas and chat history across restarts;
// *sqlitestore.Store satisfies it. Entries are JSON documents (simEntry).
type SimHistory interface {
	SaveSimUser(ctx context.Context, u store.SimUser, at time.Time) error
	ListSimUsers(ctx context.Context) ([]store.SimUser, error)
	AppendSimEntries(ctx context.Context, userID string, entries [][]byte) error
	SimEntries(ctx context.Context, userID string, after int64, limit int) (seqs []int64, entries [][]byte, err error)
}

// SimUser is a chat persona of the simulator.
type SimUser struct {
	UserID      string `json:"userId"`
	DisplayName string `json:"displayName"`
	Language    string `json:"language"` // "th" or "en", as in a LINE profile
	Role        string `json:"role"`     // what the persona is for: leader, worker, officer, english, new
}

// SimulatorPresets are the personas the simulator offers from the start. The officer's ID is an
// officer in simulator mode (main adds it to ADMIN_LINE_USER_IDS).
func SimulatorPresets() []SimUser {
	return []SimUser{
		{UserID: "U00000000000000000000000000000001", DisplayName: "สมหญิง ใจดี", Language: "th", Role: "leader"},
		{UserID: "U00000000000000000000000000000002", DisplayName: "Emily Carter", Language: "en", Role: "english"},
		{UserID: "U00000000000000000000000000000003", DisplayName: "สมชาย ขยันงาน", Language: "th", Role: "worker"},
		{UserID: "U00000000000000000000000000000004", DisplayName: "วิไลวรรณ ศรีสุข", Language: "th", Role: "officer"},
	}
}

// simulatorTimeout bounds the webhook call and the wait for its answer.
const simulatorTimeout = 30 * time.Second

// SimulatorConfig holds what a Simulator needs; all fields but History are required.
type SimulatorConfig struct {
	StandIn       StandIn
	ChannelSecret string           // the per-run secret the webhook verifies
	WebhookURL    string           // this server's own POST /webhook, e.g. http://127.0.0.1:8080/webhook
	Now           func() time.Time // timestamps of the events
	// Settle waits until the events the webhook accepted are handled (the inbox's WaitIdle),
	// so that an event's answer is read after it was sent.
	Settle func(ctx context.Context) error
	// History keeps personas and chats across restarts (the embedded store); nil keeps them in
	// memory for this run only.
	History SimHistory
}

// Simulator serves the chat simulator: the page at GET /simulator and its JSON API. It turns a
// person's actions into real, signed LINE webhook requests sent over HTTP to the server's own
// /webhook, and reads the answers back from the stand-in LINE API.
type Simulator struct {
	cfg    SimulatorConfig
	client *http.Client

	mu       sync.Mutex
	users    []SimUser
	blocked  map[string]bool // users whose last event was unfollow: their next follow is an unblock
	recorded map[string]int  // per user, how many stand-in deliveries are in the history
	history  SimHistory

	recordMu sync.Mutex // one recorder at a time, so no delivery is recorded twice
}

// NewSimulator registers the preset personas' profiles, and those History kept, with the
// stand-in.
func NewSimulator(ctx context.Context, cfg SimulatorConfig) (*Simulator, error) {
	if cfg.StandIn == nil || cfg.ChannelSecret == "" || cfg.WebhookURL == "" || cfg.Now == nil || cfg.Settle == nil {
		return nil, errors.New("handlers: simulator needs StandIn, ChannelSecret, WebhookURL, Now and Settle")
	}
	s := &Simulator{
		cfg:      cfg,
		client:   &http.Client{Timeout: simulatorTimeout},
		blocked:  map[string]bool{},
		recorded: map[string]int{},
		history:  cfg.History,
	}
	if s.history == nil {
		s.history = &memHistory{}
	}
	for _, u := range SimulatorPresets() {
		s.addUser(u)
	}
	kept, err := s.history.ListSimUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("handlers: simulator users: %w", err)
	}
	for _, u := range kept {
		s.addUser(SimUser{UserID: u.UserID, DisplayName: u.DisplayName, Language: u.Language, Role: u.Role})
	}
	return s, nil
}

// addUser lists u and gives the stand-in u's LINE profile.
func (s *Simulator) addUser(u SimUser) {
	s.cfg.StandIn.SetProfile(line.Profile{UserID: u.UserID, DisplayName: u.DisplayName, Language: u.Language})
	s.mu.Lock()
	s.users = append(s.users, u)
	s.mu.Unlock()
}

// page serves GET /simulator: one self-contained HTML page (no CDN) using the JSON API below.
func (s *Simulator) page(c *gin.Context) {
	c.Data(http.StatusOK, "text/html; charset=utf-8", simulatorPage)
}

// listUsers serves GET /simulator/api/users → {"users": [SimUser...]}.
func (s *Simulator) listUsers(c *gin.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.JSON(http.StatusOK, gin.H{"users": s.users})
}

// createUser serves POST /simulator/api/users {"displayName", "language"} → the new SimUser: a
// fresh random user ID whose LINE profile the stand-in now answers.
func (s *Simulator) createUser(c *gin.Context) {
	var in struct {
		DisplayName string `json:"displayName"`
		Language    string `json:"language"`
	}
	if err := c.ShouldBindJSON(&in); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": "body must be JSON: {\"displayName\":..., \"language\":\"th|en\"}"})
		return
	}
	if in.Language != "en" {
		in.Language = "th"
	}
	if in.DisplayName == "" {
		in.DisplayName = "ผู้ใช้ใหม่"
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id) // crypto/rand.Read never fails on supported platforms
	u := SimUser{UserID: "U" + hex.EncodeToString(id), DisplayName: in.DisplayName, Language: in.Language, Role: "new"}
	if err := s.history.SaveSimUser(c.Request.Context(), store.SimUser{UserID: u.UserID, DisplayName: u.DisplayName,
		Language: u.Language, Role: u.Role}, s.cfg.Now()); err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
		return
	}
	s.addUser(u)
	c.JSON(http.StatusOK, u)
}

// SimEvent is the body of POST /simulator/api/events: one thing a user does in the chat.
type SimEvent struct {
	UserID string            `json:"userId"` // U + 32 hex digits
	Type   string            `json:"type"`   // message, postback, follow or unfollow
	Text   string            `json:"text"`   // message: what the user typed
	Data   string            `json:"data"`   // postback: the button's data
	Params map[string]string `json:"params"` // postback: datetime picker value ("date", "time" or "datetime")
	// MessageType is the message's type: "text" (also when empty), "sticker", "image" or
	// "location", with Sticker, Image or Location.
	MessageType string       `json:"messageType"`
	Sticker     *SimSticker  `json:"sticker"`
	Image       string       `json:"image"` // a data: URL of the picture (JPEG or PNG), shown in the history
	Location    *SimLocation `json:"location"`
	// Display is what the chat shows for a postback (the button's displayText or label).
	Display string `json:"display"`
	// RichMenuAliasID makes the postback a richmenuswitch tap: the user's menu becomes the one
	// the alias names, and the postback carries LINE's switch params.
	RichMenuAliasID string `json:"richMenuAliasId"`
}

// SimSticker is a sticker message's package and sticker IDs (LINE's own sticker lists).
type SimSticker struct {
	PackageID string `json:"packageId"`
	StickerID string `json:"stickerId"`
}

// SimLocation is a location message.
type SimLocation struct {
	Title     string  `json:"title"`
	Address   string  `json:"address"`
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

// maxSimImage bounds the picture a simulator user sends (a data: URL kept in the history).
const maxSimImage = 300 << 10

// simDeliveries is the answer of the events and messages endpoints: what the stand-in delivered
// to the user from index Since (inclusive) to Next (exclusive). Pass Next as ?since= next time.
type simDeliveries struct {
	WebhookStatus int           `json:"webhookStatus,omitempty"` // events endpoint only: /webhook's HTTP status
	Since         int           `json:"since"`
	Next          int           `json:"next"`
	Deliveries    []simDelivery `json:"deliveries"`
}

// simDelivery is one request the bot made to LINE for this user.
type simDelivery struct {
	Type     string            `json:"type"`     // reply, push, multicast or broadcast
	Messages []json.RawMessage `json:"messages"` // LINE message objects as the bot sent them
}

// postEvent serves POST /simulator/api/events: it builds a LINE webhook body for the event (fresh
// webhookEventId, a reply token issued by the stand-in), signs it with the channel secret as
// LINE does (HMAC-SHA256, base64), POSTs it to /webhook, and answers with what the stand-in
// delivered to the user meanwhile.
func (s *Simulator) postEvent(c *gin.Context) {
	var in SimEvent
	if err := c.ShouldBindJSON(&in); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": "body must be JSON: {\"userId\", \"type\", \"text\", \"data\", \"params\"}"})
		return
	}
	body, err := s.webhookBody(in)
	if err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
		return
	}
	ctx := c.Request.Context()
	// What the bot said before (pushes), then what the user did, then the answer.
	if err := s.record(ctx, in.UserID); err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
		return
	}
	if err := s.appendEntries(ctx, in.UserID, userEntry(in, s.cfg.Now())); err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
		return
	}
	since := len(s.cfg.StandIn.Deliveries(in.UserID))

	req, err := http.NewRequestWithContext(c.Request.Context(), http.MethodPost, s.cfg.WebhookURL, bytes.NewReader(body))
	if err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Line-Signature", Sign(s.cfg.ChannelSecret, body))
	res, err := s.client.Do(req)
	if err != nil {
		c.JSON(http.StatusBadGateway, gin.H{"error": "posting to /webhook: " + err.Error()})
		return
	}
	res.Body.Close()
	sctx, cancel := context.WithTimeout(c.Request.Context(), simulatorTimeout)
	defer cancel()
	if err := s.cfg.Settle(sctx); err != nil {
		c.JSON(http.StatusGatewayTimeout, gin.H{"error": "the bot did not answer in time: " + err.Error()})
		return
	}

	out := s.deliveries(in.UserID, since)
	out.WebhookStatus = res.StatusCode
	if err := s.record(ctx, in.UserID); err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
		return
	}
	if res.StatusCode != http.StatusOK {
		_ = s.appendEntries(ctx, in.UserID, simEntry{From: "sys", At: s.cfg.Now(), Text: "webhook answered " + strconv.Itoa(res.StatusCode), Err: true})
	}
	c.JSON(http.StatusOK, out)
}

// getMessages serves GET /simulator/api/messages?userId=U...&since=N: deliveries from index N on,
// for pushes that arrive outside an event (reminders, announcements).
func (s *Simulator) getMessages(c *gin.Context) {
	user := c.Query("userId")
	since, err := strconv.Atoi(c.DefaultQuery("since", "0"))
	if !line.IsUserID(user) || err != nil || since < 0 {
		c.JSON(http.StatusBadRequest, gin.H{"error": "need userId (U + 32 hex digits) and since (an index, 0 or more)"})
		return
	}
	c.JSON(http.StatusOK, s.deliveries(user, since))
}

func (s *Simulator) deliveries(user string, since int) simDeliveries {
	all := s.cfg.StandIn.Deliveries(user)
	out := simDeliveries{Since: min(since, len(all)), Next: len(all), Deliveries: []simDelivery{}}
	for _, d := range all[out.Since:] {
		out.Deliveries = append(out.Deliveries, simDelivery{Type: d.Endpoint, Messages: d.Messages})
	}
	return out
}

// webhookBody builds the webhook request body LINE would send for in (LINE's webhook.yml:
// CallbackRequest with one event from a one-to-one chat in active mode). Like LINE, it also
// keeps track of blocking: after an unfollow the stand-in delivers no pushes to the user and the
// next follow says isUnblocked (line-platform.md row 29).
func (s *Simulator) webhookBody(in SimEvent) ([]byte, error) {
	if !line.IsUserID(in.UserID) {
		return nil, fmt.Errorf("userId %q is not a LINE user ID (U + 32 lowercase hex digits)", in.UserID)
	}
	now := s.cfg.Now()
	ev := map[string]any{
		"type":            in.Type,
		"mode":            "active",
		"timestamp":       now.UnixMilli(),
		"source":          map[string]string{"type": "user", "userId": in.UserID},
		"webhookEventId":  newEventID(now),
		"deliveryContext": map[string]bool{"isRedelivery": false},
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch in.Type {
	case "message":
		msg, err := messageContent(in)
		if err != nil {
			return nil, err
		}
		ev["message"] = msg
	case "postback":
		if in.Data == "" {
			return nil, errors.New("a postback event needs data")
		}
		pb := map[string]any{"data": in.Data}
		if len(in.Params) > 0 {
			pb["params"] = in.Params
		}
		if in.RichMenuAliasID != "" {
			// LINE switches the menu on the phone, then sends the postback (webhook.yml,
			// PostbackContent.params: newRichMenuAliasId and status).
			status := "SUCCESS"
			if _, ok := s.cfg.StandIn.SwitchRichMenu(in.UserID, in.RichMenuAliasID); !ok {
				status = "RICHMENU_ALIAS_ID_NOTFOUND"
			}
			pb["params"] = map[string]string{"newRichMenuAliasId": in.RichMenuAliasID, "status": status}
		}
		ev["postback"] = pb
	case "follow":
		ev["follow"] = map[string]bool{"isUnblocked": s.blocked[in.UserID]}
		delete(s.blocked, in.UserID)
		s.cfg.StandIn.SetBlocked(in.UserID, false)
	case "unfollow":
		s.blocked[in.UserID] = true
		s.cfg.StandIn.SetBlocked(in.UserID, true) // LINE delivers no push to a user who blocked (row 29)
	default:
		return nil, fmt.Errorf("type %q: want message, postback, follow or unfollow", in.Type)
	}
	if in.Type != "unfollow" { // unfollow events carry no reply token (line-platform.md row 12)
		ev["replyToken"] = s.cfg.StandIn.IssueReplyToken(in.UserID)
	}
	return json.Marshal(map[string]any{"destination": simulatorBotID, "events": []any{ev}})
}

// messageContent is the webhook message object of a message event (webhook.yml: text, sticker,
// image with a LINE content provider, location).
func messageContent(in SimEvent) (map[string]any, error) {
	msg := map[string]any{"id": randomDigits(18), "quoteToken": randomToken()}
	switch in.MessageType {
	case "", "text":
		if in.Text == "" {
			return nil, errors.New("a text message needs text")
		}
		msg["type"], msg["text"] = "text", in.Text
	case "sticker":
		if in.Sticker == nil || in.Sticker.PackageID == "" || in.Sticker.StickerID == "" {
			return nil, errors.New("a sticker message needs sticker.packageId and sticker.stickerId")
		}
		msg["type"], msg["packageId"], msg["stickerId"], msg["stickerResourceType"] = "sticker", in.Sticker.PackageID, in.Sticker.StickerID, "STATIC"
	case "image":
		if !strings.HasPrefix(in.Image, "data:image/jpeg;base64,") && !strings.HasPrefix(in.Image, "data:image/png;base64,") || len(in.Image) > maxSimImage {
			return nil, fmt.Errorf("an image message needs image: a JPEG or PNG data: URL of at most %d KB", maxSimImage>>10)
		}
		msg["type"], msg["contentProvider"] = "image", map[string]string{"type": "line"}
	case "location":
		l := in.Location
		if l == nil || l.Latitude < -90 || l.Latitude > 90 || l.Longitude < -180 || l.Longitude > 180 {
			return nil, errors.New("a location message needs location.latitude (-90..90) and location.longitude (-180..180)")
		}
		msg["type"], msg["title"], msg["address"], msg["latitude"], msg["longitude"] = "location", l.Title, l.Address, l.Latitude, l.Longitude
	default:
		return nil, fmt.Errorf("messageType %q: want text, sticker, image or location", in.MessageType)
	}
	return msg, nil
}

// Sign returns the X-Line-Signature of body: base64 (standard) of HMAC-SHA256 keyed with the
// channel secret (line-platform.md row 2).
func Sign(channelSecret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(channelSecret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// newEventID returns a ULID like LINE's webhookEventId: 26 Crockford base32 characters, a 48-bit
// millisecond timestamp then 80 random bits.
func newEventID(now time.Time) string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	_, _ = rand.Read(b[6:])
	hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	var out [26]byte
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = alphabet[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

func randomDigits(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}

func randomToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
