package handlers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ssonet/ssonet/store"
)

// maxIdempotencyKey bounds the header's length.
const maxIdempotencyKey = 200

// Idempotency makes a POST carrying an `Idempotency-Key` header safe to repeat (issue 11,
// deliverable 5): a repeat by the same caller to the same path with the same key within
// store.IdempotencyTTL gets the first answer again (status, type and body, with
// `Idempotent-Replayed: true`) and does nothing. The answers are kept in the store (the body
// sealed), so a restart or another replica replays them too. The same key with another body
// is a 422; a repeat while the first request still runs is a 409 to try again. An answer of 5xx
// is not kept, so a retry after a failure runs again. The scheduler's clean-up deletes answers
// older than store.IdempotencyTTL.
type Idempotency struct {
	Store  store.IdempotencyStore
	Now    func() time.Time // time.Now when nil
	Logger *slog.Logger
}

func (m *Idempotency) now() time.Time {
	if m.Now == nil {
		return time.Now().UTC()
	}
	return m.Now().UTC()
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

func idemRefuse(c *gin.Context, status int, message string) {
	c.AbortWithStatusJSON(status, errorBody{Error: APIError{Code: map[int]string{400: "invalid", 409: "conflict", 422: "invalid"}[status],
		Field: "Idempotency-Key", Message: message}})
}

func (m *Idempotency) middleware(c *gin.Context) {
	header := c.GetHeader("Idempotency-Key")
	if c.Request.Method != http.MethodPost || header == "" {
		c.Next()
		return
	}
	if len(header) > maxIdempotencyKey {
		idemRefuse(c, http.StatusBadRequest, "at most 200 characters")
		return
	}
	body, err := readCapped(c)
	if err != nil {
		c.Error(err)
		c.Abort()
		return
	}
	bodySum := sha256.Sum256(body)
	keySum := sha256.Sum256([]byte(actor(c).AuditName() + "\n" + c.Request.URL.Path + "\n" + header))
	ask := store.IdempotentAnswer{Key: hex.EncodeToString(keySum[:]), BodySum: hex.EncodeToString(bodySum[:]), CreatedAt: m.now()}
	ctx := c.Request.Context()
	got, began, err := m.Store.BeginIdempotent(ctx, ask)
	if err == nil && !began && ask.CreatedAt.Sub(got.CreatedAt) > store.IdempotencyTTL { // a day old: a new request
		if err = m.Store.ForgetIdempotent(ctx, ask.Key); err == nil {
			got, began, err = m.Store.BeginIdempotent(ctx, ask)
		}
	}
	switch {
	case err != nil:
		c.Error(err)
		c.Abort()
		return
	case !began && got.BodySum != ask.BodySum:
		idemRefuse(c, http.StatusUnprocessableEntity, "this key was used with a different request body")
		return
	case !began && got.Status == 0:
		idemRefuse(c, http.StatusConflict, "the first request with this key is still running; try again in a moment")
		return
	case !began:
		c.Header("Idempotent-Replayed", "true")
		c.Data(got.Status, got.ContentType, got.Body)
		c.Abort()
		return
	}
	w := &idemWriter{ResponseWriter: c.Writer}
	c.Writer = w
	c.Next()
	keep := context.WithoutCancel(ctx) // the answer is kept even if the caller hung up
	if w.Status() >= 500 {
		err = m.Store.ForgetIdempotent(keep, ask.Key)
	} else {
		err = m.Store.FinishIdempotent(keep, ask.Key, w.Status(), w.Header().Get("Content-Type"), w.buf.Bytes())
	}
	if err != nil && m.Logger != nil {
		m.Logger.Error("idempotency answer not kept", "err", err)
	}
}
