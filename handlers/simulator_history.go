package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/store"
)

// simEntry is one line of a simulator chat, as kept in the history and served by
// GET /simulator/api/history.
type simEntry struct {
	Seq      int64           `json:"seq,omitempty"` // set when served
	From     string          `json:"from"`          // me, bot or sys
	At       time.Time       `json:"at"`
	Text     string          `json:"text,omitempty"`     // me: typed text or a postback's display; sys: the notice
	Via      string          `json:"via,omitempty"`      // bot: reply, push, multicast or broadcast
	Message  json.RawMessage `json:"message,omitempty"`  // bot: the LINE message object as sent
	Sticker  *SimSticker     `json:"sticker,omitempty"`  // me
	Image    string          `json:"image,omitempty"`    // me: data: URL
	Location *SimLocation    `json:"location,omitempty"` // me
	Err      bool            `json:"err,omitempty"`      // sys: something went wrong
}

// userEntry is what the chat shows for the user's own event.
func userEntry(in SimEvent, at time.Time) simEntry {
	e := simEntry{From: "me", At: at}
	switch in.Type {
	case "follow":
		e.From, e.Text = "sys", "— เพิ่มเพื่อนแล้ว / added as friend —"
	case "unfollow":
		e.From, e.Text = "sys", "— บล็อกแล้ว / blocked —"
	case "postback": // LINE shows the displayText, if any; a tab switch shows nothing
		e.Text = in.Display
		if in.RichMenuAliasID != "" || in.Display == "" {
			e.From, e.Text = "sys", ""
		}
	default:
		switch in.MessageType {
		case "sticker":
			e.Sticker = in.Sticker
		case "image":
			e.Image = in.Image
		case "location":
			e.Location = in.Location
		default:
			e.Text = in.Text
		}
	}
	return e
}

// appendEntries stores entries in userID's history, skipping empty system lines.
func (s *Simulator) appendEntries(ctx context.Context, userID string, entries ...simEntry) error {
	var docs [][]byte
	for _, e := range entries {
		if e.From == "sys" && e.Text == "" {
			continue
		}
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		docs = append(docs, b)
	}
	if len(docs) == 0 {
		return nil
	}
	if err := s.history.AppendSimEntries(ctx, userID, docs); err != nil {
		return fmt.Errorf("simulator history: %w", err)
	}
	return nil
}

// record moves what the stand-in delivered to userID since the last call into the history:
// each message of each reply or push becomes a bot entry.
func (s *Simulator) record(ctx context.Context, userID string) error {
	s.recordMu.Lock()
	defer s.recordMu.Unlock()
	all := s.cfg.StandIn.Deliveries(userID)
	s.mu.Lock()
	from := s.recorded[userID]
	s.mu.Unlock()
	var entries []simEntry
	for _, d := range all[min(from, len(all)):] {
		for _, m := range d.Messages {
			entries = append(entries, simEntry{From: "bot", At: d.At, Via: d.Endpoint, Message: m})
		}
	}
	if err := s.appendEntries(ctx, userID, entries...); err != nil {
		return err
	}
	s.mu.Lock()
	s.recorded[userID] = len(all)
	s.mu.Unlock()
	return nil
}

// maxHistoryPage is the most entries one history answer holds.
const maxHistoryPage = 500

// getHistory serves GET /simulator/api/history?userId=U...&after=N: the chat (the user's own
// messages and the bot's, across reloads and restarts) after sequence number N, oldest first,
// and next, the number to pass as after next time.
func (s *Simulator) getHistory(c *gin.Context) {
	user := c.Query("userId")
	after, err := strconv.ParseInt(c.DefaultQuery("after", "0"), 10, 64)
	if !line.IsUserID(user) || err != nil || after < 0 {
		c.JSON(http.StatusBadRequest, gin.H{"error": "need userId (U + 32 hex digits) and after (a sequence number, 0 or more)"})
		return
	}
	ctx := c.Request.Context()
	if err := s.record(ctx, user); err != nil { // pushes that came while nobody looked
		c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
		return
	}
	seqs, docs, err := s.history.SimEntries(ctx, user, after, maxHistoryPage)
	if err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
		return
	}
	out := []simEntry{}
	next := after
	for i, d := range docs {
		var e simEntry
		if json.Unmarshal(d, &e) != nil {
			continue
		}
		e.Seq, next = seqs[i], seqs[i]
		out = append(out, e)
	}
	c.JSON(http.StatusOK, gin.H{"entries": out, "next": next})
}

// simRichMenu is the rich menu a simulator user sees, for the page to draw.
type simRichMenu struct {
	ID          string          `json:"id"`
	ChatBarText string          `json:"chatBarText"`
	Width       int             `json:"width"`
	Height      int             `json:"height"`
	Selected    bool            `json:"selected"`
	Areas       json.RawMessage `json:"areas"`
	Image       string          `json:"image"` // URL of the PNG
}

// getRichMenu serves GET /simulator/api/richmenu?userId=U...: {"menu": simRichMenu} for the
// menu the user sees in LINE (their own, else the default), {"menu": null} when there is none.
func (s *Simulator) getRichMenu(c *gin.Context) {
	user := c.Query("userId")
	if !line.IsUserID(user) {
		c.JSON(http.StatusBadRequest, gin.H{"error": "need userId (U + 32 hex digits)"})
		return
	}
	m, ok := s.cfg.StandIn.RichMenuOf(user)
	if !ok || m.Image == nil {
		c.JSON(http.StatusOK, gin.H{"menu": nil})
		return
	}
	var obj struct {
		Selected bool            `json:"selected"`
		Areas    json.RawMessage `json:"areas"`
	}
	_ = json.Unmarshal(m.Object, &obj)
	c.JSON(http.StatusOK, gin.H{"menu": simRichMenu{ID: m.ID, ChatBarText: m.ChatBarText, Width: m.Width, Height: m.Height,
		Selected: obj.Selected, Areas: obj.Areas, Image: "/simulator/api/richmenu/" + m.ID + "/image"}})
}

// getRichMenuImage serves GET /simulator/api/richmenu/{id}/image: the menu's uploaded image.
func (s *Simulator) getRichMenuImage(c *gin.Context) {
	m, ok := s.cfg.StandIn.RichMenuByID(c.Param("id"))
	if !ok || m.Image == nil {
		c.JSON(http.StatusNotFound, gin.H{"error": "no such rich menu image"})
		return
	}
	c.Header("Cache-Control", "max-age=86400, immutable") // an image is never replaced (row 34)
	c.Data(http.StatusOK, m.ContentType, m.Image)
}

// memHistory is the history kept in memory when no embedded store is at hand (MongoDB in
// simulator mode): it lasts for the run.
type memHistory struct {
	mu      sync.Mutex
	users   []store.SimUser
	seq     int64
	entries map[string][]memEntry
}

type memEntry struct {
	seq int64
	doc []byte
}

func (h *memHistory) SaveSimUser(_ context.Context, u store.SimUser, _ time.Time) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.users = append(h.users, u)
	return nil
}

func (h *memHistory) ListSimUsers(context.Context) ([]store.SimUser, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]store.SimUser(nil), h.users...), nil
}

func (h *memHistory) AppendSimEntries(_ context.Context, userID string, docs [][]byte) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.entries == nil {
		h.entries = map[string][]memEntry{}
	}
	for _, d := range docs {
		h.seq++
		h.entries[userID] = append(h.entries[userID], memEntry{seq: h.seq, doc: d})
	}
	return nil
}

func (h *memHistory) SimEntries(_ context.Context, userID string, after int64, limit int) ([]int64, [][]byte, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var seqs []int64
	var docs [][]byte
	for _, e := range h.entries[userID] {
		if e.seq > after && len(seqs) < limit {
			seqs, docs = append(seqs, e.seq), append(docs, e.doc)
		}
	}
	return seqs, docs, nil
}
