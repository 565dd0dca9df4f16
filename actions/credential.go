package actions

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ssonet/ssonet/store"
)

// Officers' credentials (issue 11, deliverables 1 and 5).
const (
	// LoginTTL is how long a sign-in link sent in LINE works.
	LoginTTL = 10 * time.Minute
	// SessionIdle is how long a console session lasts without a request.
	SessionIdle = 8 * time.Hour
	// maxLoginLinks is how many unexpired sign-in links one officer may hold: asking again and
	// again is refused until the older ones expire.
	maxLoginLinks = 5
	// MaxAPITokenTTL is the longest life of an API token.
	MaxAPITokenTTL = 365 * 24 * time.Hour
	// inviteTries and inviteWindow limit wrong invite codes per LINE user: after inviteTries in
	// inviteWindow, codes are refused until the window passes (40-bit codes cannot be guessed).
	inviteTries  = 5
	inviteWindow = time.Hour
)

// newSecret is 256 random bits, URL-safe (43 characters).
func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// IssueLoginLink makes a one-time sign-in token for officer a (a LINE user), valid LoginTTL.
// Only its hash is stored. Refusals: Conflict "act.login.too_many" when the officer already
// holds maxLoginLinks unexpired links.
func (s *Service) IssueLoginLink(ctx context.Context, a Actor) (string, error) {
	if a.UserID == "" {
		return "", refuse(Forbidden, "", "act.not_officer")
	}
	now := s.now()
	held, err := s.cfg.Store.ListCredentials(ctx, a.UserID, store.CredentialLogin)
	if err != nil {
		return "", fmt.Errorf("actions: login links: %w", err)
	}
	live := 0
	for _, c := range held {
		if c.ExpiresAt.After(now) {
			live++
		}
	}
	if live >= maxLoginLinks {
		return "", refuse(Conflict, "", "act.login.too_many")
	}
	token := newSecret()
	h, err := s.hash("console-login", token)
	if err != nil {
		return "", err
	}
	if err := s.cfg.Store.CreateCredential(ctx, store.Credential{Hash: h, Kind: store.CredentialLogin, UserID: a.UserID,
		CreatedAt: now, ExpiresAt: now.Add(LoginTTL)}); err != nil {
		return "", fmt.Errorf("actions: store login link: %w", err)
	}
	return token, nil
}

// LoginLinkOwner is the LINE user ID of the officer a live sign-in token stands for, without
// spending it: the confirmation page speaks their language. Refusals: NotFound
// "act.login.invalid" (unknown, used or expired).
func (s *Service) LoginLinkOwner(ctx context.Context, token string) (string, error) {
	h, err := s.hash("console-login", token)
	if err != nil {
		return "", err
	}
	c, err := s.cfg.Store.GetCredential(ctx, h, store.CredentialLogin, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return "", refuse(NotFound, "", "act.login.invalid")
	}
	if err != nil {
		return "", fmt.Errorf("actions: login link: %w", err)
	}
	return c.UserID, nil
}

// SignIn spends a sign-in token (once) and starts a console session for its officer, who must
// still be one; "console.signin" is written. It returns the session secret (the cookie's
// value) and the actor. Refusals: NotFound "act.login.invalid" (unknown, used or expired),
// ErrNotOfficer.
func (s *Service) SignIn(ctx context.Context, token string) (string, Actor, error) {
	h, err := s.hash("console-login", token)
	if err != nil {
		return "", Actor{}, err
	}
	now := s.now()
	c, err := s.cfg.Store.UseCredential(ctx, h, store.CredentialLogin, now)
	if errors.Is(err, store.ErrNotFound) {
		return "", Actor{}, refuse(NotFound, "", "act.login.invalid")
	}
	if err != nil {
		return "", Actor{}, fmt.Errorf("actions: use login link: %w", err)
	}
	a, err := s.Officer(ctx, c.UserID)
	if err != nil {
		return "", Actor{}, err
	}
	secret := newSecret()
	sh, _ := s.hash("console-session", secret)
	if err := s.cfg.Store.CreateCredential(ctx, store.Credential{Hash: sh, Kind: store.CredentialSession, UserID: a.UserID,
		CreatedAt: now, ExpiresAt: now.Add(SessionIdle)}); err != nil {
		return "", Actor{}, fmt.Errorf("actions: store session: %w", err)
	}
	return secret, a, s.audit(ctx, a, "console.signin", a.UserID, "", "")
}

// Session returns the officer of a console session secret and starts its idle period again.
// Refusals: NotFound "act.login.expired" (unknown, ended or idle too long), ErrNotOfficer (the
// role was taken away; RevokeOfficer also removes the session).
func (s *Service) Session(ctx context.Context, secret string) (Actor, error) {
	h, err := s.hash("console-session", secret)
	if err != nil {
		return Actor{}, err
	}
	now := s.now()
	c, err := s.cfg.Store.GetCredential(ctx, h, store.CredentialSession, now)
	if errors.Is(err, store.ErrNotFound) {
		return Actor{}, refuse(NotFound, "", "act.login.expired")
	}
	if err != nil {
		return Actor{}, fmt.Errorf("actions: get session: %w", err)
	}
	a, err := s.Officer(ctx, c.UserID)
	if err != nil {
		return Actor{}, err
	}
	if now.Add(SessionIdle).Sub(c.ExpiresAt) > time.Minute { // at most one write a minute
		if err := s.cfg.Store.ExtendCredential(ctx, h, now.Add(SessionIdle)); err != nil && !errors.Is(err, store.ErrNotFound) {
			return Actor{}, fmt.Errorf("actions: extend session: %w", err)
		}
	}
	return a, nil
}

// SignOut ends a console session.
func (s *Service) SignOut(ctx context.Context, a Actor, secret string) error {
	h, err := s.hash("console-session", secret)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.DeleteCredential(ctx, h, a.UserID); err != nil {
		return fmt.Errorf("actions: sign out: %w", err)
	}
	return nil
}

// CreateAPIToken makes an API token for officer a (scoped to a's provinces, as a's own
// actions are), named label, valid ttl (1 hour to a year); "api.token.create" is written. The
// token is returned once; only its hash is kept.
func (s *Service) CreateAPIToken(ctx context.Context, a Actor, label string, ttl time.Duration) (string, store.Credential, error) {
	if a.UserID == "" {
		return "", store.Credential{}, refuse(Forbidden, "", "act.not_officer")
	}
	label, err := freeText("label", label, 60, false)
	if err != nil {
		return "", store.Credential{}, err
	}
	if ttl < time.Hour || ttl > MaxAPITokenTTL {
		return "", store.Credential{}, invalid("expiresInDays", "act.token.ttl")
	}
	token := "ssot_" + newSecret()
	h, err := s.hash("api-token", token)
	if err != nil {
		return "", store.Credential{}, err
	}
	now := s.now()
	c := store.Credential{Hash: h, Kind: store.CredentialAPI, UserID: a.UserID, Label: label, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := s.cfg.Store.CreateCredential(ctx, c); err != nil {
		return "", store.Credential{}, fmt.Errorf("actions: store API token: %w", err)
	}
	return token, c, s.audit(ctx, a, "api.token.create", a.UserID, "", label)
}

// APIToken returns the officer of an API token. Refusals: NotFound "act.token.invalid",
// ErrNotOfficer.
func (s *Service) APIToken(ctx context.Context, token string) (Actor, error) {
	h, err := s.hash("api-token", token)
	if err != nil {
		return Actor{}, err
	}
	c, err := s.cfg.Store.GetCredential(ctx, h, store.CredentialAPI, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return Actor{}, refuse(NotFound, "", "act.token.invalid")
	}
	if err != nil {
		return Actor{}, fmt.Errorf("actions: get API token: %w", err)
	}
	return s.Officer(ctx, c.UserID)
}

// APITokens lists a's API tokens, oldest first.
func (s *Service) APITokens(ctx context.Context, a Actor) ([]store.Credential, error) {
	cs, err := s.cfg.Store.ListCredentials(ctx, a.UserID, store.CredentialAPI)
	if err != nil {
		return nil, fmt.Errorf("actions: list API tokens: %w", err)
	}
	return cs, nil
}

// RevokeAPIToken removes one of a's API tokens, named by its hash (as APITokens lists it), and
// writes "api.token.revoke".
func (s *Service) RevokeAPIToken(ctx context.Context, a Actor, hash string) error {
	if err := s.cfg.Store.DeleteCredential(ctx, hash, a.UserID); err != nil {
		return fmt.Errorf("actions: revoke API token: %w", err)
	}
	return s.audit(ctx, a, "api.token.revoke", a.UserID, "", "")
}

// attempts is a per-key count of recent failures (wrong invite codes), in memory: a replica
// restart forgets it, which the code's 40 bits tolerate.
type attempts struct {
	mu   sync.Mutex
	seen map[string][]time.Time
}

// allow reports whether key has fewer than n failures since now-window.
func (t *attempts) allow(key string, now time.Time, n int, window time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	recent := t.seen[key][:0]
	for _, at := range t.seen[key] {
		if now.Sub(at) < window {
			recent = append(recent, at)
		}
	}
	if len(recent) == 0 {
		delete(t.seen, key)
	} else {
		t.seen[key] = recent
	}
	return len(recent) < n
}

func (t *attempts) fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.seen == nil {
		t.seen = map[string][]time.Time{}
	}
	t.seen[key] = append(t.seen[key], now)
}

// FormToken is the CSRF token of a console session: a keyed hash of its secret, so another site
// cannot know it and nothing more is stored.
func (s *Service) FormToken(secret string) string {
	h, err := s.hash("console-form", secret)
	if err != nil || secret == "" {
		return ""
	}
	return h
}
