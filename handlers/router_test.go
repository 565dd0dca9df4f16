package handlers

import (
	"bytes"
	"context"
	"errors"
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
