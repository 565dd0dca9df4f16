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

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/bot"
	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
	"github.com/ssonet/ssonet/outbox/outboxtest"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/store/sqlitestore"
	"github.com/ssonet/ssonet/store/storetest"
)

const testAdminToken = "test-admin-token"

var bangkok = time.FixedZone("ICT", 7*60*60)

// newAPIRouter returns the full router with the officers' API mounted with routes, acts
// resolving tokens and translating refusals.
func newAPIRouter(t *testing.T, acts *actions.Service, routes ...func(*gin.RouterGroup)) *gin.Engine {
	t.Helper()
	return routerWithAPI(t, &API{Token: testAdminToken, Actions: acts, Logger: discardLogger(), Routes: routes})
}

// routerWithAPI returns the full router with api mounted.
func routerWithAPI(t *testing.T, api *API) *gin.Engine {
	t.Helper()
	logger := discardLogger()
	reg := prometheus.NewRegistry()
	w, err := NewWebhook(WebhookConfig{ChannelSecret: sdkSecret, Inbox: &recorder{}, Logger: logger, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	return NewRouter(RouterConfig{Logger: logger, Webhook: w, Store: fakePinger{}, Metrics: reg, API: api})
}

// newEngine is a bot engine on st with the stand-in LINE API (closed when t ends) and clock.
func newEngine(t *testing.T, st store.Store, clock func() time.Time) (*bot.Engine, *linetest.Server) {
	t.Helper()
	lapi := linetest.NewServer("tok")
	t.Cleanup(lapi.Close)
	client, err := line.New(line.Config{BaseURL: lapi.URL(), AccessToken: "tok", RateLimits: map[string]line.RateLimit{}, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := bot.New(bot.Config{Store: st, Messenger: client, Outbox: outboxtest.New(t, st, client, clock, nil), Now: clock, Location: bangkok,
		Logger: discardLogger(), Sealer: storetest.NewSealer(t)})
	if err != nil {
		t.Fatal(err)
	}
	return eng, lapi
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
