package main

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ssonet/ssonet/bot/knowledge"
	"github.com/ssonet/ssonet/scheduler"
	"github.com/ssonet/ssonet/store"
)

// simulatorDevKeyLabel derives the fixed ENCRYPTION_KEY of simulator mode. It is public on
// purpose: data sealed with it is not protected, which is fine for a local simulator only.
const simulatorDevKeyLabel = "ssonet simulator DEV KEY - not secret, never use with a real LINE channel"

// userIDPattern is the shape of a LINE user ID (line-platform.md row 31).
var userIDPattern = regexp.MustCompile(`^U[0-9a-f]{32}$`)

// Config is the process configuration, read from the environment variables in README.md
// ("Configuration"). Build it with loadConfig.
type Config struct {
	Port           int    // PORT; 0 picks a free port
	ChannelSecret  string // LINE_CHANNEL_SECRET; empty in simulator mode
	AccessToken    string // LINE_CHANNEL_ACCESS_TOKEN; empty in simulator mode
	APIBaseURL     string // LINE_API_BASE_URL, without a trailing slash
	DataAPIBaseURL string // LINE_DATA_API_BASE_URL, without a trailing slash
	MongoURI       string // MONGODB_URI; empty selects the embedded store
	DataDir        string // DATA_DIR, where the embedded store keeps its files
	AdminToken     string // ADMIN_TOKEN; empty: only officers' own API tokens work
	// PublicURL is PUBLIC_URL without a trailing slash: where people reach the service (the
	// officers' sign-in links). Empty here means http://localhost:<the port actually bound>.
	PublicURL     string
	AdminUserIDs  []string
	Location      *time.Location       // TZ_DISPLAY
	EncryptionKey []byte               // ENCRYPTION_KEY decoded: 32 bytes
	Reminders     []scheduler.Reminder // REMINDER_SCHEDULE: when workshop reminders go out
	// Now is the clock of the engine, the scheduler and the API; time.Now when nil. It is not
	// read from the environment: tests set it.
	Now func() time.Time
	// ReferralRetention is how long a closed referral is kept before the scheduler deletes it:
	// REFERRAL_RETENTION_DAYS whole days, 1–3650, default 365.
	ReferralRetention time.Duration
	// LineRateLimit is LINE_RATE_LIMIT: true (unset or "on") keeps the client-side budget of
	// LINE's rate limits; false ("off") drops it, for benchmarks against a stand-in only.
	LineRateLimit bool
	// KnowledgeFile is KNOWLEDGE_FILE: a Section 40 knowledge file replacing the embedded one,
	// re-read on SIGHUP; "" for the embedded data. Knowledge is that file, checked.
	KnowledgeFile string
	Knowledge     *knowledge.Base
	// HandoffAnswerWithin is how long a hand-off case may wait for an officer's first reply
	// before the member is told the hotline: HANDOFF_ANSWER_MINUTES, 5–10080, default 120.
	HandoffAnswerWithin time.Duration
	// HandoffRetention is how long a closed hand-off case (its transcript) is kept:
	// HANDOFF_RETENTION_DAYS, 1–3650, default 90.
	HandoffRetention time.Duration
	// Simulator is true when no LINE channel is configured: LINE API calls go to the in-process
	// stand-in and /simulator is served.
	Simulator bool
}

// loadConfig reads and validates the configuration. Every error names the variable at fault.
func loadConfig(getenv func(string) string) (Config, error) {
	env := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	var cfg Config
	var errs []error

	port, err := strconv.Atoi(env("PORT", "8080"))
	if err != nil || port < 0 || port > 65535 {
		errs = append(errs, fmt.Errorf("PORT: %q is not a port number (0-65535)", getenv("PORT")))
	}
	cfg.Port = port

	cfg.ChannelSecret = env("LINE_CHANNEL_SECRET", "")
	cfg.AccessToken = env("LINE_CHANNEL_ACCESS_TOKEN", "")
	switch {
	case cfg.ChannelSecret == "" && cfg.AccessToken == "":
		cfg.Simulator = true
	case cfg.ChannelSecret == "":
		errs = append(errs, errors.New("LINE_CHANNEL_SECRET: missing while LINE_CHANNEL_ACCESS_TOKEN is set (set both for a real channel, neither for simulator mode)"))
	case cfg.AccessToken == "":
		errs = append(errs, errors.New("LINE_CHANNEL_ACCESS_TOKEN: missing while LINE_CHANNEL_SECRET is set (set both for a real channel, neither for simulator mode)"))
	}

	for _, u := range []struct {
		name string
		dst  *string
		def  string
	}{
		{"LINE_API_BASE_URL", &cfg.APIBaseURL, "https://api.line.me"},
		{"LINE_DATA_API_BASE_URL", &cfg.DataAPIBaseURL, "https://api-data.line.me"},
	} {
		v := strings.TrimRight(env(u.name, u.def), "/")
		if p, err := url.Parse(v); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			errs = append(errs, fmt.Errorf("%s: %q is not an http(s) URL", u.name, v))
		}
		*u.dst = v
	}

	switch v := env("LINE_RATE_LIMIT", "on"); v {
	case "on":
		cfg.LineRateLimit = true
	case "off":
		if u, err := url.Parse(cfg.APIBaseURL); err == nil && strings.EqualFold(u.Hostname(), "api.line.me") {
			errs = append(errs, errors.New("LINE_RATE_LIMIT: off is for benchmarks against a stand-in only, but LINE_API_BASE_URL is api.line.me"))
		}
	default:
		errs = append(errs, fmt.Errorf("LINE_RATE_LIMIT: %q is neither on nor off", v))
	}

	cfg.MongoURI = env("MONGODB_URI", "")
	if cfg.MongoURI != "" && !strings.HasPrefix(cfg.MongoURI, "mongodb://") && !strings.HasPrefix(cfg.MongoURI, "mongodb+srv://") {
		errs = append(errs, errors.New("MONGODB_URI: must start with mongodb:// or mongodb+srv://"))
	}
	cfg.DataDir = env("DATA_DIR", "./data")
	cfg.AdminToken = env("ADMIN_TOKEN", "")
	if v := strings.TrimRight(env("PUBLIC_URL", ""), "/"); v != "" {
		if p, err := url.Parse(v); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.RawQuery != "" || p.Fragment != "" {
			errs = append(errs, fmt.Errorf("PUBLIC_URL: %q is not an http(s) URL such as https://sso.example.go.th", v))
		}
		cfg.PublicURL = v
	}

	for _, id := range strings.Split(getenv("ADMIN_LINE_USER_IDS"), ",") {
		if id = strings.TrimSpace(id); id == "" {
			continue
		}
		if !userIDPattern.MatchString(id) {
			errs = append(errs, fmt.Errorf("ADMIN_LINE_USER_IDS: %q is not a LINE user ID (U followed by 32 lowercase hex digits)", id))
			continue
		}
		cfg.AdminUserIDs = append(cfg.AdminUserIDs, id)
	}

	tz := env("TZ_DISPLAY", "Asia/Bangkok")
	if cfg.Location, err = time.LoadLocation(tz); err != nil {
		errs = append(errs, fmt.Errorf("TZ_DISPLAY: %q is not a known time zone (e.g. Asia/Bangkok)", tz))
	}

	days, err := strconv.Atoi(env("REFERRAL_RETENTION_DAYS", "365"))
	if err != nil || days < 1 || days > 3650 {
		errs = append(errs, fmt.Errorf("REFERRAL_RETENTION_DAYS: %q is not a whole number of days from 1 to 3650", getenv("REFERRAL_RETENTION_DAYS")))
	}
	cfg.ReferralRetention = time.Duration(days) * 24 * time.Hour
	minutes, err := strconv.Atoi(env("HANDOFF_ANSWER_MINUTES", "120"))
	if err != nil || minutes < 5 || minutes > 10080 {
		errs = append(errs, fmt.Errorf("HANDOFF_ANSWER_MINUTES: %q is not a whole number of minutes from 5 to 10080", getenv("HANDOFF_ANSWER_MINUTES")))
	}
	cfg.HandoffAnswerWithin = time.Duration(minutes) * time.Minute
	keep, err := strconv.Atoi(env("HANDOFF_RETENTION_DAYS", "90"))
	if err != nil || keep < 1 || keep > 3650 {
		errs = append(errs, fmt.Errorf("HANDOFF_RETENTION_DAYS: %q is not a whole number of days from 1 to 3650", getenv("HANDOFF_RETENTION_DAYS")))
	}
	cfg.HandoffRetention = time.Duration(keep) * 24 * time.Hour
	if cfg.Reminders, err = scheduler.ParseReminders(env("REMINDER_SCHEDULE", scheduler.DefaultReminders)); err != nil {
		errs = append(errs, fmt.Errorf("REMINDER_SCHEDULE: %v", err))
	}

	if cfg.KnowledgeFile = env("KNOWLEDGE_FILE", ""); cfg.KnowledgeFile != "" {
		if cfg.Knowledge, err = knowledge.LoadFile(cfg.KnowledgeFile); err != nil {
			errs = append(errs, fmt.Errorf("KNOWLEDGE_FILE: %v", err))
		}
	}

	switch key := getenv("ENCRYPTION_KEY"); {
	case key != "":
		if cfg.EncryptionKey, err = store.ParseSealerKey(key); err != nil {
			errs = append(errs, fmt.Errorf("ENCRYPTION_KEY: %v (generate one with: openssl rand -base64 32)", err))
		}
	case cfg.Simulator:
		sum := sha256.Sum256([]byte(simulatorDevKeyLabel))
		cfg.EncryptionKey = sum[:]
	default:
		errs = append(errs, errors.New("ENCRYPTION_KEY: required when a LINE channel is configured (32 bytes, base64; generate one with: openssl rand -base64 32)"))
	}

	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("configuration: %w", err)
	}
	return cfg, nil
}
