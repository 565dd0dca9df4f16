// Package handlers is ssonet's HTTP surface on Gin: the LINE webhook, health and readiness
// probes, Prometheus metrics, and the local chat simulator.
package handlers

import (
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
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
	r.GET("/favicon.ico", favicon)
	r.HEAD("/favicon.ico", favicon)

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

// requestLog writes one line per request: method, route, path, status, duration and bytes. The
// route is the pattern ("/console/login/:token"), never the path with its values; the path is the
// route again where one matched (a catch-all's value, such as an asset's file name, filled in
// with logPath), else the request's path through logPath, so a 404 says what was asked for.
// The query string is always left out: it may carry user IDs and sign-in tokens.
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
		route, path := c.FullPath(), ""
		if route == "" {
			route, path = "(no route)", logPath(c.Request.URL.Path)
		} else {
			path = routePath(route, c.Params)
		}
		log.LogAttrs(c.Request.Context(), level, "http request",
			slog.String("method", c.Request.Method), slog.String("route", route), slog.String("path", path),
			slog.Int("status", status), slog.Duration("duration", time.Since(start)), slog.Int("bytes", max(c.Writer.Size(), 0)))
	}
}

// routePath is the path of a request that matched route: the route itself, with the value of a
// catch-all ("/console/assets/*filepath") filled in through logPath. Named parameters stay as
// their names: they are IDs and tokens.
func routePath(route string, params gin.Params) string {
	for _, p := range params {
		if wild := "/*" + p.Key; strings.HasSuffix(route, wild) {
			return strings.TrimSuffix(route, wild) + logPath(p.Value)
		}
	}
	return route
}

// Bounds of a logged path (logPath).
const (
	logPathSegments = 8  // segments kept; "/..." stands for the rest
	logSegmentBytes = 32 // a longer segment is replaced
	logSegmentDigit = 4  // digits a kept segment may hold: phone numbers and national IDs have more
)

// redacted stands for a path segment left out of the log.
const redacted = ":redacted"

// logPath is path as the request log may show it: each segment that looks like a word of a
// route or a file name (lowercase ASCII letters, digits, '.', '_', '-'; at most
// logSegmentBytes long, at most logSegmentDigit digits) is kept, any other is replaced by
// ":redacted". What a member or officer might have typed, a LINE user ID, a record ID or a
// sign-in token (mixed case, uppercase or long) never reaches the log (docs/ARCHITECTURE.md,
// "Observability").
func logPath(path string) string {
	if path == "" {
		return "/"
	}
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	more := len(segs) > logPathSegments
	if more {
		segs = segs[:logPathSegments]
	}
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		if loggable(s) {
			b.WriteString(s)
		} else {
			b.WriteString(redacted)
		}
	}
	if more {
		b.WriteString("/...")
	}
	return b.String()
}

// loggable reports whether a path segment may be logged as it is (logPath).
func loggable(s string) bool {
	if len(s) > logSegmentBytes {
		return false
	}
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'a' && c <= 'z', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return digits <= logSegmentDigit
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
