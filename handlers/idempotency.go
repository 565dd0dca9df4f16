package handlers

import (
	"bytes"
	"crypto/sha256"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// IdempotencyTTL is how long the first answer of a POST with an Idempotency-Key is replayed.
const IdempotencyTTL = 24 * time.Hour

// maxIdempotencyKey bounds the header's length.
const maxIdempotencyKey = 200

// Idempotency makes a POST carrying an `Idempotency-Key` header safe to repeat (issue 11,
// deliverable 5): a repeat by the same caller to the same path with the same key within
// IdempotencyTTL gets the first answer again (status, type and body) and does nothing; a
// repeat while the first is still running waits for it. The same key with a different body is
// a 422. Answers of 5xx are not kept, so a retry after a failure runs again. Kept in memory:
// one replica's restart forgets them (the actions' own idempotent IDs still guard the LINE and
// console paths).
type Idempotency struct {
	Now func() time.Time // time.Now when nil

	mu      sync.Mutex
	entries map[string]*idemEntry
}

type idemEntry struct {
	at      time.Time
	bodySum [32]byte
	done    chan struct{} // closed when the first answer is kept
	status  int
	ctype   string
	body    []byte
}

func (m *Idempotency) now() time.Time {
	if m.Now == nil {
		return time.Now()
	}
	return m.Now()
}

// idemWriter keeps a copy of what the handler writes.
type idemWriter struct {
	gin.ResponseWriter
	buf bytes.Buffer
}

func (w *idemWriter) Write(b []byte) (int, error) {
	w.buf.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *idemWriter) WriteString(s string) (int, error) {
	w.buf.WriteString(s)
	return w.ResponseWriter.WriteString(s)
}

func (m *Idempotency) middleware(c *gin.Context) {
	key := c.GetHeader("Idempotency-Key")
	if c.Request.Method != http.MethodPost || key == "" {
		c.Next()
		return
	}
	if len(key) > maxIdempotencyKey {
		c.AbortWithStatusJSON(http.StatusBadRequest, errorBody{Error: APIError{Code: "invalid", Field: "Idempotency-Key", Message: "at most 200 characters"}})
		return
	}
	body, err := readCapped(c)
	if err != nil {
		c.Error(err)
		c.Abort()
		return
	}
	sum := sha256.Sum256(body)
	id := actor(c).AuditName() + " " + c.Request.URL.Path + " " + key
	now := m.now()
	m.mu.Lock()
	if m.entries == nil {
		m.entries = map[string]*idemEntry{}
	}
	for k, e := range m.entries { // drop expired answers; the map stays as small as a day's POSTs
		if now.Sub(e.at) > IdempotencyTTL {
			delete(m.entries, k)
		}
	}
	e, seen := m.entries[id]
	if !seen {
		e = &idemEntry{at: now, bodySum: sum, done: make(chan struct{})}
		m.entries[id] = e
	}
	m.mu.Unlock()
	if seen {
		if e.bodySum != sum {
			c.AbortWithStatusJSON(http.StatusUnprocessableEntity, errorBody{Error: APIError{Code: "invalid", Field: "Idempotency-Key",
				Message: "this key was used with a different request body"}})
			return
		}
		select {
		case <-e.done:
		case <-c.Request.Context().Done():
			c.Abort()
			return
		}
		c.Header("Idempotent-Replayed", "true")
		c.Data(e.status, e.ctype, e.body)
		c.Abort()
		return
	}
	w := &idemWriter{ResponseWriter: c.Writer}
	c.Writer = w
	c.Next()
	m.mu.Lock()
	if w.Status() >= 500 {
		delete(m.entries, id)
	}
	e.status, e.ctype, e.body = w.Status(), w.Header().Get("Content-Type"), w.buf.Bytes()
	m.mu.Unlock()
	close(e.done)
}
