// Package handlers is ssonet's HTTP surface on Gin: the LINE webhook, health and readiness
// probes, Prometheus metrics, and the local chat simulator.
package handlers

import (
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ssonet/ssonet/console"
)

// RouterConfig holds what the router serves. Logger, Webhook, Store and Metrics are required.
type RouterConfig struct {
	Logger    *slog.Logger
	Webhook   *Webhook
	Store     Pinger              // checked by GET /readyz
	Metrics   prometheus.Gatherer // served at GET /metrics
	Simulator *Simulator          // mounted under /simulator when not nil (simulator mode only)
	API       *API                // officers' API, mounted under /api/v1 when not nil
	Console   *console.Console    // officers' console, mounted under /console when not nil
}

// NewRouter builds the Gin engine: middleware, then every route, in one place.
func NewRouter(cfg RouterConfig) *gin.Engine {
	r := gin.New()
	// Order matters: the request log is outermost so it also records the 500 of a recovered panic.
	r.Use(requestLog(cfg.Logger), recovery(cfg.Logger))

	r.POST("/webhook", cfg.Webhook.Serve)
	r.GET("/healthz", healthz)
	r.GET("/readyz", readyz(cfg.Store, cfg.Logger))
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(cfg.Metrics, promhttp.HandlerOpts{})))

	if cfg.API != nil {
		cfg.API.mount(r.Group("/api/v1"))
	}
	if cfg.Console != nil {
		cfg.Console.Mount(r)
	}
	if s := cfg.Simulator; s != nil {
		sim := r.Group("/simulator")
		sim.GET("", s.page)
		sim.GET("/api/users", s.listUsers)
		sim.POST("/api/users", s.createUser)
		sim.POST("/api/events", s.postEvent)
		sim.GET("/api/messages", s.getMessages)
		sim.GET("/api/history", s.getHistory)
		sim.GET("/api/richmenu", s.getRichMenu)
		sim.GET("/api/richmenu/:id/image", s.getRichMenuImage)
	}
	return r
}

// requestLog writes one line per request: method, route, status and duration. The route is the
// pattern ("/console/login/:token"), never the path with its values, and the query string is left
// out: they may carry user IDs and sign-in tokens.
func requestLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		status := c.Writer.Status()
		level := slog.LevelInfo
		switch {
		case status >= 500:
			level = slog.LevelError
		case status >= 400:
			level = slog.LevelWarn
		}
		route := c.FullPath()
		if route == "" {
			route = "(no route)"
		}
		// LogAttrs with typed attributes: five fit in the record without an allocation.
		log.LogAttrs(c.Request.Context(), level, "http request",
			slog.String("method", c.Request.Method), slog.String("route", route), slog.Int("status", status),
			slog.Duration("duration", time.Since(start)), slog.Int("bytes", max(c.Writer.Size(), 0)))
	}
}

// recovery turns a panic in a handler into a logged 500 instead of a dropped connection.
func recovery(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler { // net/http's signal to abort the response quietly
				panic(p)
			}
			log.Error("panic in handler", "route", c.FullPath(), "panic", p, "stack", string(debug.Stack()))
			c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
		}()
		c.Next()
	}
}
