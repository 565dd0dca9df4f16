// Package console is the officers' web console (issue 11): server-rendered pages under
// /console for an officer signed in from LINE, scoped to their provinces. Every change goes
// through the one home of its business action (package actions), exactly as the chat and the
// JSON API do; the console only reads forms, calls the action and draws the answer.
//
// Security: a session cookie (HttpOnly, SameSite=Lax, Secure on https) whose secret is kept
// hashed; a CSRF token derived from the session on every form; a content-security policy that
// allows only this origin's scripts and styles (no inline script); no personal data in URLs
// (reveals are POSTs) or logs; Referrer-Policy no-referrer so a sign-in link never leaks.
package console

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/outbox"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/texts"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

//go:embed locales/*.toml
var localeFS embed.FS

// Store is what the console reads besides the actions: names, delivery progress, counts.
type Store interface {
	GetMember(ctx context.Context, userID string) (store.Member, error)
	PushGroupProgress(ctx context.Context, group string) (store.PushProgress, error)
}

// Announcer previews announcements as recipients get them and what they cost of the month's
// quota; *bot.Engine implements it.
type Announcer interface {
	// AnnouncementCost is a's cost in messages (-1 for a broadcast) and what is left this month.
	AnnouncementCost(ctx context.Context, a store.Announcement) (cost int, budget outbox.Budget, err error)
	// AnnouncementMessages are the messages a recipient gets.
	AnnouncementMessages(a store.Announcement) []messaging_api.MessageInterface
}

// Quota is the outbox's monthly-quota state (*outbox.Outbox).
type Quota interface {
	QuotaState() store.QuotaState
	Budget(ctx context.Context) (outbox.Budget, error)
}

// Config holds what the console needs. All fields but Logger are required.
type Config struct {
	Actions   *actions.Service
	Quota     Quota // the outbox's monthly-quota state, on the overview
	Store     Store
	Announcer Announcer
	PublicURL string // PUBLIC_URL: https here makes the cookie Secure
	Logger    *slog.Logger
}

// Console serves the pages.
type Console struct {
	cfg    Config
	cat    *texts.Catalog
	pages  map[string]*template.Template
	secure bool
}

// CookieName is the session cookie; Path=/ so the API's GET exports accept it too.
const CookieName = "ssonet_console"

// New parses the embedded templates and catalogs.
func New(cfg Config) (*Console, error) {
	if cfg.Actions == nil || cfg.Store == nil || cfg.Announcer == nil || cfg.Quota == nil {
		return nil, errors.New("console: Actions, Store, Announcer and Quota are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cat, err := texts.Load(localeFS, "locales/*.toml")
	if err != nil {
		return nil, err
	}
	c := &Console{cfg: cfg, cat: cat, pages: map[string]*template.Template{}, secure: strings.HasPrefix(cfg.PublicURL, "https://")}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		t, err := template.New("layout.html").Funcs(c.funcs()).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", f)
		if err != nil {
			return nil, err
		}
		c.pages[name] = t
	}
	return c, nil
}

// Mount installs the console's routes on r.
func (c *Console) Mount(r gin.IRouter) {
	g := r.Group("/console", c.headers)
	assets, _ := fs.Sub(assetFS, "assets")
	g.StaticFS("/assets", http.FS(assets))
	g.GET("/login/:token", c.loginPage)
	g.POST("/login/:token", c.login)
	in := g.Group("", c.session)
	in.GET("", c.overview)
	in.POST("/logout", c.csrf, c.logout)
	c.leaderRoutes(in)
	c.workshopRoutes(in)
	c.referralRoutes(in)
	c.announcementRoutes(in)
	c.officerRoutes(in)
	c.caseRoutes(in)
	in.GET("/audit", c.audit)
}

// headers sets the security headers of every console answer.
func (c *Console) headers(ctx *gin.Context) {
	h := ctx.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	ctx.Next()
}

// page is what every template gets.
type page struct {
	Lang    store.Language
	Officer actions.Actor
	Name    string // the officer's LINE display name
	CSRF    string
	Nav     string // the current section
	Flash   string // a message after a change
	Error   string // a refusal, translated
	Data    any
}

// keys of the gin context.
const (
	actorKey  = "console.actor"
	secretKey = "console.secret"
)

// session loads the signed-in officer or redirects to the sign-in help page.
func (c *Console) session(ctx *gin.Context) {
	cookie, err := ctx.Cookie(CookieName)
	if err == nil && cookie != "" {
		a, serr := c.cfg.Actions.Session(ctx.Request.Context(), cookie)
		if serr == nil {
			ctx.Set(actorKey, a)
			ctx.Set(secretKey, cookie)
			ctx.Next()
			return
		}
		if _, refused := actions.AsError(serr); !refused {
			c.fail(ctx, serr)
			return
		}
	}
	c.clearCookie(ctx)
	c.render(ctx, http.StatusUnauthorized, "signedout", page{Lang: store.LangThai}, nil)
	ctx.Abort()
}

func (c *Console) actor(ctx *gin.Context) actions.Actor {
	a, _ := ctx.Get(actorKey)
	return a.(actions.Actor)
}

// csrfToken is the form token of a session: a keyed hash of its secret, so it needs no storage
// and another site cannot know it.
func (c *Console) csrfToken(ctx *gin.Context) string {
	s, _ := ctx.Get(secretKey)
	secret, _ := s.(string)
	return c.cfg.Actions.FormToken(secret)
}

// csrf refuses a POST whose form token is not the session's.
func (c *Console) csrf(ctx *gin.Context) {
	if ctx.PostForm("csrf") == "" || ctx.PostForm("csrf") != c.csrfToken(ctx) {
		ctx.AbortWithStatus(http.StatusForbidden)
		return
	}
	ctx.Next()
}

// base is the page frame of the signed-in officer for section nav.
func (c *Console) base(ctx *gin.Context, nav string) page {
	a := c.actor(ctx)
	p := page{Lang: store.LangThai, Officer: a, CSRF: c.csrfToken(ctx), Nav: nav}
	if m, err := c.cfg.Store.GetMember(ctx.Request.Context(), a.UserID); err == nil {
		p.Lang, p.Name = m.Language, m.DisplayName
	}
	if key := "done." + ctx.Query("done"); c.cat.Has(store.LangThai, key) { // only the console's own messages
		p.Flash = c.text(p.Lang, key)
	}
	return p
}

// refused renders page name again with a refusal's message, or fails on another error.
func (c *Console) refused(ctx *gin.Context, p page, name string, err error) {
	if c.refusal(ctx, &p, err) {
		c.render(ctx, http.StatusOK, name, p, nil)
	}
}

// refusal puts a refused action's message on p and reports true; for another error it fails
// the request and reports false.
func (c *Console) refusal(ctx *gin.Context, p *page, err error) bool {
	if _, ok := actions.AsError(err); !ok {
		c.fail(ctx, err)
		return false
	}
	p.Error = c.cfg.Actions.Message(p.Lang, err)
	return true
}

// fail answers a store failure with a plain error page; the error is logged without input.
func (c *Console) fail(ctx *gin.Context, err error) {
	c.cfg.Logger.Error("console", "path", ctx.FullPath(), "err", err)
	c.render(ctx, http.StatusInternalServerError, "error", page{Lang: store.LangThai}, nil)
	ctx.Abort()
}

// done redirects after a change (POST, redirect, GET), with a message key shown once.
func (c *Console) done(ctx *gin.Context, path, key string) {
	ctx.Redirect(http.StatusSeeOther, path+sep(path)+"done="+key)
}

func sep(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}

func (c *Console) render(ctx *gin.Context, status int, name string, p page, data any) {
	if data != nil {
		p.Data = data
	}
	t, ok := c.pages[name]
	if !ok {
		c.cfg.Logger.Error("console: no template", "name", name)
		ctx.Status(http.StatusInternalServerError)
		return
	}
	ctx.Status(status)
	ctx.Header("Content-Type", "text/html; charset=utf-8")
	if err := t.Execute(ctx.Writer, p); err != nil {
		c.cfg.Logger.Error("console: render", "page", name, "err", err)
	}
}

func (c *Console) text(lang store.Language, id string, kv ...any) string {
	return c.cat.Text(lang, id, texts.KV(kv...))
}

func (c *Console) setCookie(ctx *gin.Context, secret string) {
	http.SetCookie(ctx.Writer, &http.Cookie{Name: CookieName, Value: secret, Path: "/", HttpOnly: true, Secure: c.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(actions.SessionIdle / time.Second)})
}

func (c *Console) clearCookie(ctx *gin.Context) {
	http.SetCookie(ctx.Writer, &http.Cookie{Name: CookieName, Value: "", Path: "/", HttpOnly: true, Secure: c.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// loginPage is the confirmation a link preview can fetch without using the link up, in the
// officer's language; a link already used or expired gets the page that says so instead.
func (c *Console) loginPage(ctx *gin.Context) {
	owner, err := c.cfg.Actions.LoginLinkOwner(ctx.Request.Context(), ctx.Param("token"))
	if err != nil {
		c.deadLink(ctx, err)
		return
	}
	p := page{Lang: store.LangThai}
	if m, err := c.cfg.Store.GetMember(ctx.Request.Context(), owner); err == nil {
		p.Lang = m.Language
	}
	c.render(ctx, http.StatusOK, "login", p, nil)
}

// deadLink answers a sign-in link that no longer works: what happened and how to get a new one
// (type เข้าระบบ in LINE), with no button. Whose link it was is no longer known, so the page
// speaks the browser's language (Thai unless it prefers English).
func (c *Console) deadLink(ctx *gin.Context, err error) {
	if _, ok := actions.AsError(err); !ok {
		c.fail(ctx, err)
		return
	}
	p := page{Lang: store.LangThai}
	if strings.HasPrefix(strings.ToLower(ctx.GetHeader("Accept-Language")), "en") {
		p.Lang = store.LangEnglish
	}
	c.render(ctx, http.StatusOK, "linkdead", p, nil)
}

func (c *Console) login(ctx *gin.Context) {
	secret, _, err := c.cfg.Actions.SignIn(ctx.Request.Context(), ctx.Param("token"))
	if err != nil {
		c.deadLink(ctx, err)
		return
	}
	c.setCookie(ctx, secret)
	ctx.Redirect(http.StatusSeeOther, "/console")
}

func (c *Console) logout(ctx *gin.Context) {
	s, _ := ctx.Get(secretKey)
	if err := c.cfg.Actions.SignOut(ctx.Request.Context(), c.actor(ctx), s.(string)); err != nil {
		c.fail(ctx, err)
		return
	}
	c.clearCookie(ctx)
	c.render(ctx, http.StatusOK, "signedout", page{Lang: store.LangThai, Flash: c.text(store.LangThai, "signed_out")}, nil)
}
