package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

type fakePinger struct{ err error }

func (p fakePinger) Ping(context.Context) error { return p.err }

func newTestRouter(t *testing.T, store Pinger) (*gin.Engine, *bytes.Buffer) {
	t.Helper()
	logs := &bytes.Buffer{}
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, nil))
	reg := prometheus.NewRegistry()
	w, err := NewWebhook(WebhookConfig{ChannelSecret: sdkSecret, Inbox: &recorder{}, Logger: logger, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	return NewRouter(RouterConfig{Logger: logger, Webhook: w, Store: store, Metrics: reg}), logs
}

func get(h http.Handler, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

func TestProbes(t *testing.T) {
	up, _ := newTestRouter(t, fakePinger{})
	down, logs := newTestRouter(t, fakePinger{err: errors.New("connection refused")})
	for _, tc := range []struct {
		name   string
		router http.Handler
		path   string
		want   int
	}{
		{"healthz", up, "/healthz", http.StatusOK},
		{"healthz while the store is down", down, "/healthz", http.StatusOK},
		{"readyz", up, "/readyz", http.StatusOK},
		{"readyz while the store is down", down, "/readyz", http.StatusServiceUnavailable},
		{"simulator is not mounted outside simulator mode", up, "/simulator", http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if rec := get(tc.router, tc.path); rec.Code != tc.want {
				t.Errorf("GET %s = %d, want %d", tc.path, rec.Code, tc.want)
			}
		})
	}
	if !strings.Contains(logs.String(), "connection refused") {
		t.Errorf("readyz failure not logged:\n%s", logs)
	}
}

func TestMetricsEndpoint(t *testing.T) {
	r, _ := newTestRouter(t, fakePinger{})
	b := body(textEvent("E1", userA, "hi"))
	req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(b))
	req.Header.Set("X-Line-Signature", Sign(sdkSecret, b))
	r.ServeHTTP(httptest.NewRecorder(), req)

	rec := get(r, "/metrics")
	for _, want := range []string{
		`ssonet_webhook_events_total{kind="message",outcome="accepted"} 1`,
		`ssonet_webhook_accept_seconds_count 1`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestRecoveryLogsAndAnswers500(t *testing.T) {
	logs := &bytes.Buffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	r := gin.New()
	r.Use(requestLog(logger), recovery(logger))
	r.GET("/boom", func(*gin.Context) { panic("boom") })
	if rec := get(r, "/boom"); rec.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", rec.Code)
	}
	// The request log runs outside recovery, so it sees the 500.
	for _, want := range []string{`"msg":"panic in handler"`, `"panic":"boom"`, `"msg":"http request"`, `"status":500`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
}

// TestRequestLogPath: every request's line names its path, so a 404 says what was asked for,
// but never its query string, a route's IDs or tokens, nor anything that looks like a value
// someone typed (a phone number, a national ID, a name in Thai, a LINE user ID, a token).
func TestRequestLogPath(t *testing.T) {
	logs := &bytes.Buffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	r := gin.New()
	r.Use(requestLog(logger))
	r.GET("/console/login/:token", func(c *gin.Context) { c.Status(http.StatusOK) })
	r.GET("/console/cases/:id", func(c *gin.Context) { c.Status(http.StatusNotFound) })
	r.StaticFS("/console/assets", http.Dir(t.TempDir()))
	const token = "q3VfZ1bXr7Kp0aLmN8sTwA" // 22 characters of base64url, as actions makes them
	for _, tc := range []struct {
		target, path string
		status       int
	}{
		{"/nothing-here?token=" + token, "/nothing-here", http.StatusNotFound},
		{"/console/casess", "/console/casess", http.StatusNotFound},
		{"/console/login/" + token + "?next=/console", "/console/login/:token", http.StatusOK},
		{"/console/cases/01M8TQEZ7HF9ZFJ3DN9XWQFJAV", "/console/cases/:id", http.StatusNotFound},
		{"/console/assets/missing.css", "/console/assets/missing.css", http.StatusNotFound},
		{"/console/assets/" + token + ".css", "/console/assets/:redacted", http.StatusNotFound},
		{"/console/logn/" + token, "/console/logn/:redacted", http.StatusNotFound},
		{"/members/0812345678/081-234-5678", "/members/:redacted/:redacted", http.StatusNotFound},
		{"/members/1101700230708", "/members/:redacted", http.StatusNotFound},
		{"/members/U00000000000000000000000000000001", "/members/:redacted", http.StatusNotFound},
		{"/members/%E0%B8%AA%E0%B8%A1%E0%B8%8A%E0%B8%B2%E0%B8%A2", "/members/:redacted", http.StatusNotFound},
		{"/a/b/c/d/e/f/g/h/i/j", "/a/b/c/d/e/f/g/h/...", http.StatusNotFound},
	} {
		logs.Reset()
		rec := get(r, tc.target)
		if rec.Code != tc.status {
			t.Errorf("GET %s = %d, want %d", tc.target, rec.Code, tc.status)
		}
		var line struct {
			Path   string `json:"path"`
			Status int    `json:"status"`
		}
		if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
			t.Fatalf("GET %s: log %q: %v", tc.target, logs, err)
		}
		if line.Path != tc.path || line.Status != tc.status {
			t.Errorf("GET %s logged path %q, status %d; want %q, %d", tc.target, line.Path, line.Status, tc.path, tc.status)
		}
		for _, secret := range []string{token, "0812345678", "1101700230708", "U00000000000000000000000000000001", "01M8TQEZ7HF9ZFJ3DN9XWQFJAV", "next="} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("GET %s: the log holds %q: %s", tc.target, secret, logs)
			}
		}
	}
}

// TestFavicon: browsers' /favicon.ico gets a small PNG, so pages leave no 404 in the log.
func TestFavicon(t *testing.T) {
	r, logs := newTestRouter(t, fakePinger{})
	rec := get(r, "/favicon.ico")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/png" {
		t.Fatalf("GET /favicon.ico = %d %q, want 200 image/png", rec.Code, rec.Header().Get("Content-Type"))
	}
	img, err := png.Decode(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 32 || b.Dy() != 32 {
		t.Errorf("icon is %v, want 32×32", b)
	}
	if strings.Contains(logs.String(), `"status":404`) {
		t.Errorf("a 404 was logged: %s", logs)
	}
}
