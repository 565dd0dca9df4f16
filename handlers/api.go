package handlers

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// API is the officers' HTTP API under /api/v1 (docs/ARCHITECTURE.md, "Security and personal
// data": the officers' API needs a bearer token). Every request must carry `Authorization: Bearer <ADMIN_TOKEN>`, else 401. Each
// resource adds its routes through Routes; errors are rendered by one middleware so every 4xx
// has the same JSON shape:
//
//	{"error": {"code": "invalid", "field": "startsAt", "message": "start is in the past"}}
type API struct {
	Token  string                     // ADMIN_TOKEN; the API is not mounted when empty
	Logger *slog.Logger               //
	Routes []func(g *gin.RouterGroup) // one per resource, e.g. (*WorkshopAPI).Routes
}

// mount installs authentication, error rendering and every resource's routes on g.
func (a *API) mount(g *gin.RouterGroup) {
	g.Use(a.auth, a.renderErrors)
	for _, r := range a.Routes {
		r(g)
	}
}

func (a *API) auth(c *gin.Context) {
	h := c.GetHeader("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(token), []byte(a.Token)) != 1 {
		c.Header("WWW-Authenticate", `Bearer realm="ssonet"`)
		c.AbortWithStatusJSON(http.StatusUnauthorized, errorBody{Error: APIError{Code: "unauthorized", Message: "missing or wrong bearer token"}})
		return
	}
	c.Next()
}

// APIError is the body of every API error. Field names the request field that was wrong, in
// the JSON spelling of the request, when there is one.
type APIError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"` // invalid, not_found, conflict, unauthorized, internal
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

type errorBody struct {
	Error APIError `json:"error"`
}

// Invalid is a 400 naming the bad field.
func Invalid(field, message string) *APIError {
	return &APIError{Status: http.StatusBadRequest, Code: "invalid", Field: field, Message: message}
}

// renderErrors writes the last error a handler attached with c.Error: an *APIError as it is,
// store.ErrNotFound as 404, store.ErrConflict as 409, anything else as 500 (logged, not shown).
func (a *API) renderErrors(c *gin.Context) {
	c.Next()
	if len(c.Errors) == 0 || c.Writer.Written() {
		return
	}
	err := c.Errors.Last().Err
	var ae *APIError
	switch {
	case errors.As(err, &ae):
	case errors.Is(err, store.ErrNotFound):
		ae = &APIError{Status: http.StatusNotFound, Code: "not_found", Message: "no such record"}
	case errors.Is(err, store.ErrConflict):
		ae = &APIError{Status: http.StatusConflict, Code: "conflict", Message: "the record changed or already exists"}
	default:
		a.Logger.Error("api", "path", c.FullPath(), "err", err)
		ae = &APIError{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error"}
	}
	c.JSON(ae.Status, errorBody{Error: *ae})
}

// utcNow reads clock (time.Now when nil) in UTC; the API types take an injectable clock.
func utcNow(clock func() time.Time) time.Time {
	if clock == nil {
		return time.Now().UTC()
	}
	return clock().UTC()
}

// parseAPITime reads a request's time field: RFC 3339, or a Thai date and time in loc (the
// forms thai.ParseDateTime reads, e.g. "14/12/2569 09:00"). The result is UTC, to the
// millisecond (the stores' precision). A 400 naming field otherwise.
func parseAPITime(field, s string, loc *time.Location) (time.Time, *APIError) {
	if t, err := time.Parse(time.RFC3339, strings.TrimSpace(s)); err == nil {
		return t.UTC().Truncate(time.Millisecond), nil
	}
	if loc == nil {
		loc = time.FixedZone("ICT", 7*60*60) // Asia/Bangkok: UTC+7, no daylight saving
	}
	t, err := thai.ParseDateTime(s, loc)
	if err != nil {
		return time.Time{}, Invalid(field, fmt.Sprintf("%q is not a date and time: use RFC 3339 (2026-12-14T09:00:00+07:00) or day/month/Buddhist year and time (14/12/2569 09:00)", s))
	}
	return t.UTC(), nil
}
