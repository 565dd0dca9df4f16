package handlers

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssonet/ssonet/store/sqlitestore"
	"github.com/ssonet/ssonet/store/storetest"
)

const testAdminToken = "test-admin-token"

var bangkok = time.FixedZone("ICT", 7*60*60)

// newAPIRouter returns the full router with the officers' API mounted with routes, and a fresh
// SQLite store for the resources to use.
func newAPIRouter(t *testing.T, routes ...func(*gin.RouterGroup)) *gin.Engine {
	t.Helper()
	logger := discardLogger()
	reg := prometheus.NewRegistry()
	w, err := NewWebhook(WebhookConfig{ChannelSecret: sdkSecret, Inbox: &recorder{}, Logger: logger, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	return NewRouter(RouterConfig{Logger: logger, Webhook: w, Store: fakePinger{}, Metrics: reg,
		API: &API{Token: testAdminToken, Logger: logger, Routes: routes}})
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// openSQLite opens a fresh SQLite store closed when t ends.
func openSQLite(t *testing.T) *sqlitestore.Store {
	t.Helper()
	st, err := sqlitestore.Open(t.TempDir(), storetest.NewSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(t.Context()) })
	return st
}

// apiDo sends an authenticated request and returns the recorder.
func apiDo(h http.Handler, method, path string, body io.Reader) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, body)
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// decode unmarshals the recorder's body into v, failing t on bad JSON.
func decode(t *testing.T, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("body %q: %v", rec.Body.String(), err)
	}
}

// wantAPIError fails t unless rec is the error shape with status and field.
func wantAPIError(t *testing.T, rec *httptest.ResponseRecorder, status int, field string) {
	t.Helper()
	var body errorBody
	decode(t, rec, &body)
	if rec.Code != status || body.Error.Field != field || body.Error.Message == "" {
		t.Errorf("got %d %s, want %d naming field %q", rec.Code, rec.Body.String(), status, field)
	}
}
