// Command ssonet is the backend of the LINE Official Account of Thailand's Social Security Office
// network: it receives LINE webhooks, runs the conversations and sends the answers.
//
// Configuration is environment variables (see config.go and README.md). With none set it runs in
// simulator mode with the embedded store: `go run .` and open http://localhost:8080/simulator.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
	_ "time/tzdata" // TZ_DISPLAY must load even where the system has no zoneinfo (distroless)

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssonet/ssonet/bot"
	"github.com/ssonet/ssonet/console"
	"github.com/ssonet/ssonet/handlers"
	"github.com/ssonet/ssonet/inbox"
	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
	"github.com/ssonet/ssonet/outbox"
	"github.com/ssonet/ssonet/richmenu"
	"github.com/ssonet/ssonet/scheduler"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/store/mongostore"
	"github.com/ssonet/ssonet/store/sqlitestore"
)

// shutdownTimeout bounds the graceful shutdown after SIGINT/SIGTERM: in-flight webhooks finish,
// running jobs finish, then the store closes.
const shutdownTimeout = 20 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) > 1 {
		if err := command(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "ssonet:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(ctx, os.Getenv, os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "ssonet:", err)
		os.Exit(1)
	}
}

// started is what a running server tells its caller once requests are accepted.
type started struct {
	addr   string          // host:port it listens on; with PORT=0 that is how a caller learns the port
	inbox  *inbox.Inbox    // the workers, which tests wait for (WaitIdle) and drive (Poll)
	outbox *outbox.Outbox  // the pushes, which tests wait for (WaitIdle)
	menus  <-chan struct{} // closed once the start-up rich menu sync is over (benchmarks time after it)
}

// run reads the configuration from getenv, opens the store and serves until ctx ends. Logs go to
// stdout. ready, when not nil, is called once requests are accepted.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer, ready func(started)) (err error) {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	return runConfig(ctx, cfg, stdout, ready)
}

// runConfig is run after the configuration is read: it opens the store and serves until ctx
// ends. Tests call it with Config.Now set to drive the clock.
func runConfig(ctx context.Context, cfg Config, stdout io.Writer, ready func(started)) (err error) {
	log := newLogger(cfg, stdout)
	gin.SetMode(gin.ReleaseMode) // no debug route listing on stdout; requests are logged through slog
	sealer, err := store.NewSealer(cfg.EncryptionKey)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, sealer)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		err = errors.Join(err, st.Close(cctx))
	}()
	return serve(ctx, cfg, log, st, stdout, ready)
}

// newLogger logs JSON in production and text in simulator mode, where a person reads it.
func newLogger(cfg Config, w io.Writer) *slog.Logger {
	if cfg.Simulator {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

// openStore opens MongoDB when MONGODB_URI is set, else the embedded SQLite store in DATA_DIR.
func openStore(ctx context.Context, cfg Config, sealer *store.Sealer) (store.Store, error) {
	if cfg.MongoURI != "" {
		return mongostore.Open(ctx, cfg.MongoURI, sealer)
	}
	return sqlitestore.Open(cfg.DataDir, sealer)
}

// serve wires the LINE client, the engine, the inbox's workers, the scheduler and the HTTP server
// around st (docs/ARCHITECTURE.md), and runs them until ctx ends; then it stops them in reverse
// order within shutdownTimeout: the HTTP server first (no new events), then the workers (what
// they hold is finished or released), then the scheduler.
func serve(ctx context.Context, cfg Config, log *slog.Logger, st store.Store, stdout io.Writer, ready func(started)) (err error) {
	var stops []func(context.Context) error // run in reverse order on return
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		for i := len(stops) - 1; i >= 0; i-- {
			err = errors.Join(err, stops[i](sctx))
		}
	}()

	// LINE: the real Messaging API, or in simulator mode the in-process stand-in with a channel
	// secret and token made up for this run.
	secret, token, apiURL, dataURL := cfg.ChannelSecret, cfg.AccessToken, cfg.APIBaseURL, cfg.DataAPIBaseURL
	var standIn *linetest.Server
	var rateLimits map[string]line.RateLimit // nil: LINE's published limits
	if cfg.Simulator {
		secret, token = randomHex(16), randomHex(32)
		standIn = linetest.NewServer(token)
		stops = append(stops, func(context.Context) error { standIn.Close(); return nil })
		apiURL, dataURL = standIn.URL(), standIn.DataURL()
		rateLimits = map[string]line.RateLimit{} // the stand-in has no budget to protect
	}
	if !cfg.LineRateLimit {
		rateLimits = map[string]line.RateLimit{} // LINE_RATE_LIMIT=off: a stand-in for benchmarks
	}
	client, err := line.New(line.Config{BaseURL: apiURL, DataBaseURL: dataURL, AccessToken: token, Logger: log, RateLimits: rateLimits})
	if err != nil {
		return err
	}

	metrics := prometheus.NewRegistry()
	sealer, err := store.NewSealer(cfg.EncryptionKey) // hashes officer invite codes
	if err != nil {
		return err
	}
	admins := cfg.AdminUserIDs
	if cfg.Simulator { // the simulator's officer persona is an admin, so a person can try that side
		for _, u := range handlers.SimulatorPresets() {
			if u.Role == "officer" {
				admins = append(admins, u.UserID)
			}
		}
	}
	// Listen before building the engine: PUBLIC_URL's default names the port actually bound.
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(cfg.Port))
	if err != nil {
		return fmt.Errorf("PORT: %w", err)
	}
	stops = append(stops, func(context.Context) error { ln.Close(); return nil }) // before Serve; closed again harmlessly after
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	local := net.JoinHostPort("127.0.0.1", port) // how this process reaches itself
	publicURL := cfg.PublicURL
	if publicURL == "" {
		publicURL = "http://localhost:" + port
	}

	menus, err := richmenu.New(richmenu.Config{Store: st, LINE: client, Admins: admins, Logger: log, Now: cfg.Now})
	if err != nil {
		return err
	}
	var kick func() // the scheduler's Kick, set below before any event is handled
	var announcements *scheduler.Announcements
	out, err := outbox.New(outbox.Config{Store: st, LINE: client, Location: cfg.Location, Now: cfg.Now, Logger: log,
		Registerer: metrics, OnDone: func(ctx context.Context, p store.Push) { announcements.PushDone(ctx, p) }})
	if err != nil {
		return err
	}
	engine, err := bot.New(bot.Config{Store: st, Messenger: client, Outbox: out, Location: cfg.Location, Logger: log, Now: cfg.Now,
		Sealer: sealer, Admins: admins, OnAnnouncement: func() { kick() }, Knowledge: cfg.Knowledge, Registerer: metrics, PublicURL: publicURL,
		RoleChanged: relinker(menus, log), ReferralRetention: cfg.ReferralRetention})
	if err != nil {
		return err
	}
	if cfg.KnowledgeFile != "" {
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); watchKnowledge(wctx, hup, cfg.KnowledgeFile, engine.SetKnowledge, log) }()
		stops = append(stops, func(context.Context) error { signal.Stop(hup); cancel(); <-done; return nil })
	}
	menuCtx, stopMenus := context.WithCancel(ctx)
	menusDone := menus.Start(menuCtx)
	stops = append(stops, func(context.Context) error { stopMenus(); <-menusDone; return nil })
	announcements, err = scheduler.NewAnnouncements(scheduler.AnnouncementsConfig{Store: st, Outbox: out, Announcer: engine, Logger: log, Now: cfg.Now})
	if err != nil {
		return err
	}

	sched, err := scheduler.New(scheduler.Config{Store: st, Location: cfg.Location, Logger: log, Registerer: metrics, Now: cfg.Now,
		ReferralRetention: cfg.ReferralRetention, Notifier: engine, Announcements: announcements,
		Workshops: st, Notices: engine, Outbox: out, Reminders: cfg.Reminders,
		Cases: engine.Actions(), CaseAnswerWithin: cfg.HandoffAnswerWithin, CaseRetention: cfg.HandoffRetention})
	if err != nil {
		return err
	}
	kick = sched.Kick
	// The outbox sends until shutdown. It stops after the scheduler (stops run in reverse), then
	// sends what is due once more within the shutdown's time, so a reminder queued by the last
	// job run goes out; a push in flight when the time is up is put back for the next start (or
	// another replica) without waiting out its lease.
	outCtx, stopOut := context.WithCancel(context.Background())
	outDone := make(chan struct{})
	go func() { defer close(outDone); out.Run(outCtx) }()
	stops = append(stops, func(ctx context.Context) error {
		stopOut()
		<-outDone
		if _, err := out.SendDue(ctx); err != nil && ctx.Err() == nil {
			return fmt.Errorf("outbox: last pass: %w", err)
		}
		return nil
	})
	sched.Start()
	stops = append(stops, sched.Stop)

	workers, err := inbox.New(inbox.Config{Store: st, Handler: engine, Now: cfg.Now, Logger: log, Metrics: metrics})
	if err != nil {
		return err
	}
	workers.Start()
	stops = append(stops, workers.Stop)

	webhook, err := handlers.NewWebhook(handlers.WebhookConfig{ChannelSecret: secret, Inbox: workers, Logger: log, Registerer: metrics})
	if err != nil {
		return err
	}
	var sim *handlers.Simulator
	if cfg.Simulator {
		history, _ := st.(handlers.SimHistory) // the embedded store keeps it; MongoDB does not
		sim, err = handlers.NewSimulator(ctx, handlers.SimulatorConfig{
			StandIn: standIn, ChannelSecret: secret, WebhookURL: "http://" + local + "/webhook", Now: time.Now,
			History: history, Settle: workers.WaitIdle,
		})
		if err != nil {
			return err
		}
	}
	acts := engine.Actions()
	api := &handlers.API{Token: cfg.AdminToken, Actions: acts, Logger: log, Idempotency: &handlers.Idempotency{Store: st, Now: cfg.Now, Logger: log},
		Routes: []func(*gin.RouterGroup){
			(&handlers.AuditAPI{Actions: acts, Location: cfg.Location}).Routes,
			(&handlers.ReferralAPI{Actions: acts, Notifier: engine, Now: time.Now, Location: cfg.Location}).Routes,
			(&handlers.OfficerAPI{Actions: acts, Location: cfg.Location}).Routes,
			(&handlers.AnnouncementAPI{Actions: acts, Store: st, Location: cfg.Location, Costs: engine}).Routes,
			(&handlers.QuotaAPI{Quota: out}).Routes,
			(&handlers.KnowledgeAPI{Store: st, Title: engine.TopicTitle}).Routes,
			(&handlers.WorkshopAPI{Actions: acts, Location: cfg.Location, Now: cfg.Now}).Routes,
		}}
	con, err := console.New(console.Config{Actions: acts, Quota: out, Store: st, Announcer: engine, PublicURL: publicURL, Logger: log})
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: handlers.NewRouter(handlers.RouterConfig{
			Logger:    log,
			Webhook:   webhook,
			Store:     st,
			Metrics:   prometheus.Gatherers{prometheus.DefaultGatherer, metrics}, // default: Go runtime and LINE client metrics
			Simulator: sim,
			API:       api,
			Console:   con,
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	stops = append(stops, srv.Shutdown)

	log.Info("ssonet listening", "addr", ln.Addr().String(), "simulator", cfg.Simulator, "store", storeKind(cfg))
	if cfg.Simulator {
		fmt.Fprintf(stdout, simulatorBanner, "http://localhost:"+port+"/simulator")
	}
	if ready != nil {
		ready(started{addr: local, inbox: workers, outbox: out, menus: menusDone})
	}

	select {
	case <-ctx.Done():
		log.Info("shutting down")
		return nil
	case err := <-served:
		return fmt.Errorf("http server: %w", err)
	}
}

const simulatorBanner = `
================================================================================
  ssonet is running in SIMULATOR MODE (no LINE channel configured)
  Chat with the bot:  %s
  LINE API calls go to a built-in stand-in; nothing reaches LINE.
  Personal data is sealed with a fixed DEV key: do not enter real people's data.
================================================================================

`

func storeKind(cfg Config) string {
	if cfg.MongoURI != "" {
		return "mongodb"
	}
	return "sqlite:" + cfg.DataDir
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
