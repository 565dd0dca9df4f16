package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// env returns a getenv over vars.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

const testKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" // bytes 0..31, base64

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := loadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Simulator || cfg.Port != 8080 || cfg.DataDir != "./data" || cfg.Location.String() != "Asia/Bangkok" ||
		cfg.APIBaseURL != "https://api.line.me" || cfg.DataAPIBaseURL != "https://api-data.line.me" || len(cfg.EncryptionKey) != 32 ||
		cfg.ReferralRetention != 365*24*time.Hour || !cfg.LineRateLimit || cfg.PublicURL != "" || cfg.HandoffAnswerWithin != 2*time.Hour ||
		cfg.HandoffRetention != 90*24*time.Hour {
		t.Errorf("defaults: %+v", cfg)
	}
	cfg, err = loadConfig(env(map[string]string{"PUBLIC_URL": "https://sso.example.go.th/"}))
	if err != nil || cfg.PublicURL != "https://sso.example.go.th" {
		t.Errorf("PUBLIC_URL read as %q, %v (want no trailing slash)", cfg.PublicURL, err)
	}
}

func TestLoadConfigProduction(t *testing.T) {
	cfg, err := loadConfig(env(map[string]string{
		"PORT":                      "9000",
		"LINE_CHANNEL_SECRET":       "s",
		"LINE_CHANNEL_ACCESS_TOKEN": "t",
		"LINE_API_BASE_URL":         "http://127.0.0.1:1234/base/",
		"MONGODB_URI":               "mongodb://db:27017/ssonet",
		"ADMIN_LINE_USER_IDS":       " U0123456789abcdef0123456789abcdef ,, U00000000000000000000000000000004",
		"TZ_DISPLAY":                "UTC",
		"ENCRYPTION_KEY":            testKey,
		"REFERRAL_RETENTION_DAYS":   "30",
		"LINE_RATE_LIMIT":           "off", // allowed: the API is a stand-in
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Simulator || cfg.Port != 9000 || cfg.APIBaseURL != "http://127.0.0.1:1234/base" || len(cfg.AdminUserIDs) != 2 ||
		cfg.EncryptionKey[31] != 31 || cfg.Location.String() != "UTC" || cfg.ReferralRetention != 30*24*time.Hour ||
		cfg.LineRateLimit {
		t.Errorf("production: %+v", cfg)
	}
}

func TestLoadConfigErrorsNameTheVariable(t *testing.T) {
	channel := map[string]string{"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t", "ENCRYPTION_KEY": testKey}
	with := func(base map[string]string, k, v string) map[string]string {
		m := map[string]string{k: v}
		for bk, bv := range base {
			if bk != k {
				m[bk] = bv
			}
		}
		if v == "" {
			delete(m, k)
		}
		return m
	}
	for _, tc := range []struct {
		name string
		vars map[string]string
		want string
	}{
		{"port not a number", with(nil, "PORT", "http"), "PORT"},
		{"port out of range", with(nil, "PORT", "70000"), "PORT"},
		{"secret without token", with(channel, "LINE_CHANNEL_ACCESS_TOKEN", ""), "LINE_CHANNEL_ACCESS_TOKEN: missing"},
		{"token without secret", with(channel, "LINE_CHANNEL_SECRET", ""), "LINE_CHANNEL_SECRET: missing"},
		{"no key with a channel", with(channel, "ENCRYPTION_KEY", ""), "ENCRYPTION_KEY: required"},
		{"key not base64", with(channel, "ENCRYPTION_KEY", "not base64!"), "ENCRYPTION_KEY"},
		{"key too short", with(nil, "ENCRYPTION_KEY", "c2hvcnQ="), "ENCRYPTION_KEY"},
		{"bad time zone", with(nil, "TZ_DISPLAY", "Asia/Bangkock"), "TZ_DISPLAY"},
		{"bad API URL", with(nil, "LINE_API_BASE_URL", "api.line.me"), "LINE_API_BASE_URL"},
		{"bad data API URL", with(nil, "LINE_DATA_API_BASE_URL", "ftp://x"), "LINE_DATA_API_BASE_URL"},
		{"bad mongo URI", with(nil, "MONGODB_URI", "localhost:27017"), "MONGODB_URI"},
		{"bad admin ID", with(nil, "ADMIN_LINE_USER_IDS", "U123"), "ADMIN_LINE_USER_IDS"},
		{"retention not a number", with(nil, "REFERRAL_RETENTION_DAYS", "หนึ่งปี"), "REFERRAL_RETENTION_DAYS"},
		{"retention zero", with(nil, "REFERRAL_RETENTION_DAYS", "0"), "REFERRAL_RETENTION_DAYS"},
		{"public URL not http", with(nil, "PUBLIC_URL", "sso.example.go.th"), "PUBLIC_URL"},
		{"public URL with a query", with(nil, "PUBLIC_URL", "https://sso.example.go.th/?x=1"), "PUBLIC_URL"},
		{"hand-off wait too short", with(nil, "HANDOFF_ANSWER_MINUTES", "1"), "HANDOFF_ANSWER_MINUTES"},
		{"hand-off retention not a number", with(nil, "HANDOFF_RETENTION_DAYS", "สามเดือน"), "HANDOFF_RETENTION_DAYS"},
		{"bad reminder schedule", with(nil, "REMINDER_SCHEDULE", "1d@9am,2h"), `REMINDER_SCHEDULE: reminder "1d@9am"`},
		{"rate limit neither on nor off", with(nil, "LINE_RATE_LIMIT", "false"), `LINE_RATE_LIMIT: "false"`},
		{"rate limit off against LINE", with(channel, "LINE_RATE_LIMIT", "off"), "LINE_RATE_LIMIT: off"},
		{"rate limit off against LINE named in capitals", with(with(channel, "LINE_RATE_LIMIT", "off"), "LINE_API_BASE_URL", "https://API.LINE.ME/"), "LINE_RATE_LIMIT: off"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadConfig(env(tc.vars))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one naming %s", err, tc.want)
			}
		})
	}
}

func TestRunRefusesBadConfig(t *testing.T) {
	var out bytes.Buffer
	err := run(t.Context(), env(map[string]string{"LINE_CHANNEL_SECRET": "s"}), &out, func(started) { t.Error("server started") })
	if err == nil || !strings.Contains(err.Error(), "LINE_CHANNEL_ACCESS_TOKEN") {
		t.Errorf("err = %v", err)
	}
}
