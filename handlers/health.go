package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// pingTimeout bounds the store check of GET /readyz.
const pingTimeout = 2 * time.Second

// Pinger is what GET /readyz needs from the store; store.Store satisfies it.
type Pinger interface {
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
}

// healthz serves GET /healthz: 200 while the process serves HTTP at all (docs/ARCHITECTURE.md,
// "Observability").
func healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz serves GET /readyz: 200 when the store answers a ping within pingTimeout, else 503 so a
// load balancer stops sending traffic here.
func readyz(store Pinger, log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), pingTimeout)
		defer cancel()
		if err := store.Ping(ctx); err != nil {
			log.Warn("readyz: store unreachable", "err", err)
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "store unreachable"})
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	}
}
