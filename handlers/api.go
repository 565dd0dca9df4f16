package handlers

import (
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/console"
	"github.com/ssonet/ssonet/store"
)

// API is the officers' HTTP API under /api/v1 (docs/ARCHITECTURE.md, "Security and personal
// data": the officers' API needs a bearer token). Every request must carry
// `Authorization: Bearer <token>`, else 401: the bootstrap ADMIN_TOKEN (an admin of every
// province, audited as "api") or an officer's own API token made in the console (that officer,
// scoped to their provinces, audited by name). Each resource adds its routes through Routes;
// errors are rendered by one middleware so every 4xx has the same JSON shape, the message in
// the requester's language (Accept-Language th, else English):
//
//	{"error": {"code": "invalid", "field": "startsAt", "message": "The start is in the past."}}
type API struct {
	Token   string                     // ADMIN_TOKEN; empty: only officers' tokens work
	Actions *actions.Service           // resolves officers' tokens and translates refusals
	Logger  *slog.Logger               //
	Routes  []func(g *gin.RouterGroup) // one per resource, e.g. (*WorkshopAPI).Routes
	// Idempotency replays the first answer of a repeated POST with the same Idempotency-Key;
	// nil turns the header off.
	Idempotency *Idempotency
}

// mount installs authentication, error rendering and every resource's routes on g.
func (a *API) mount(g *gin.RouterGroup) {
	g.Use(a.auth)
	if a.Idempotency != nil { // outside renderErrors, so it keeps the rendered error too
		g.Use(a.Idempotency.middleware)
	}
	g.Use(a.renderErrors)
	for _, r := range a.Routes {
		r(g)
	}
}

// actorKey is the gin context key of the request's actions.Actor.
const actorKey = "ssonet.actor"

func (a *API) auth(c *gin.Context) {
	token, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if cookie, err := c.Cookie(console.CookieName); !ok && err == nil && c.Request.Method == http.MethodGet && a.Actions != nil {
		// A signed-in console's exports (GET only: no form, so no CSRF to fear).
		if actor, err := a.Actions.Session(c.Request.Context(), cookie); err == nil {
			c.Set(actorKey, actor)
			c.Next()
			return
		}
	}
	switch {
	case ok && a.Token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(a.Token)) == 1:
		c.Set(actorKey, actions.Bootstrap)
	case ok && token != "" && a.Actions != nil:
		actor, err := a.Actions.APIToken(c.Request.Context(), token)
		if _, refused := actions.AsError(err); err != nil && !refused {
			a.Logger.Error("api token", "err", err)
			c.AbortWithStatusJSON(http.StatusInternalServerError, errorBody{Error: APIError{Code: "internal", Message: "internal error"}})
			return
		}
		if err == nil {
			c.Set(actorKey, actor)
			break
		}
		fallthrough
	default:
		c.Header("WWW-Authenticate", `Bearer realm="ssonet"`)
		c.AbortWithStatusJSON(http.StatusUnauthorized, errorBody{Error: APIError{Code: "unauthorized", Message: "missing or wrong bearer token"}})
		return
	}
	c.Next()
}

// actor is the officer the request acts for (set by auth).
func actor(c *gin.Context) actions.Actor {
	a, _ := c.Get(actorKey)
	return a.(actions.Actor)
}

// requestLanguage is the language of the API's messages: Thai when Accept-Language asks for it
// first, else English.
func requestLanguage(c *gin.Context) store.Language {
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(c.GetHeader("Accept-Language"))), "th") {
		return store.LangThai
	}
	return store.LangEnglish
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

// refusalStatus maps a refused action to its HTTP status and code.
var refusalStatus = map[actions.Kind]struct {
	status int
	code   string
}{
	actions.Invalid:   {http.StatusBadRequest, "invalid"},
	actions.NotFound:  {http.StatusNotFound, "not_found"},
	actions.Conflict:  {http.StatusConflict, "conflict"},
	actions.Forbidden: {http.StatusForbidden, "forbidden"},
}

// renderErrors writes the last error a handler attached with c.Error: an *APIError as it is,
// a refused action (*actions.Error) by its kind with its message in the requester's language,
// store.ErrNotFound as 404, store.ErrConflict as 409, anything else as 500 (logged, not shown).
func (a *API) renderErrors(c *gin.Context) {
	c.Next()
	if len(c.Errors) == 0 || c.Writer.Written() {
		return
	}
	err := c.Errors.Last().Err
	var ae *APIError
	refusal, refused := actions.AsError(err)
	switch {
	case refused:
		st := refusalStatus[refusal.Kind]
		ae = &APIError{Status: st.status, Code: st.code, Field: refusal.Field, Message: a.Actions.Message(requestLanguage(c), err)}
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

// reveal reads the reveal flag: absent or false masks, true reveals (audited by the action).
func reveal(c *gin.Context) (bool, error) {
	switch c.Query("reveal") {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, Invalid("reveal", "want true or false")
}

// queryProvince reads the province query parameter as every surface reads a province (a name,
// short form or ISO code); "" when absent.
func queryProvince(c *gin.Context) (string, error) {
	p := c.Query("province")
	if p == "" {
		return "", nil
	}
	return actions.ParseProvince("province", p)
}
