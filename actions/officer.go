package actions

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// Officer invite codes (issue 5, item 1): "SSO-" and 8 characters of an alphabet without
// look-alikes (no 0/O, 1/I), 40 bits, typed by the person in chat. Only Sealer.Hash of the
// normalised code is stored.
const (
	invitePrefix   = "SSO"
	inviteAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	inviteLen      = 8
)

// Limits of an invite's life.
const (
	DefaultInviteTTL = 72 * time.Hour
	MaxInviteTTL     = 720 * time.Hour
)

// NormaliseInvite reads a typed code in any case, with or without dashes and spaces (fold
// folds the text as the chat's keywords are folded); ok is false when it does not have the
// code's shape.
func NormaliseInvite(folded string) (code string, ok bool) {
	s := strings.ToUpper(folded)
	rest, found := strings.CutPrefix(s, invitePrefix)
	if !found || len(rest) != inviteLen {
		return "", false
	}
	for _, r := range rest {
		if !strings.ContainsRune(inviteAlphabet, r) {
			return "", false
		}
	}
	return s, true
}

func (s *Service) hash(purpose, secret string) (string, error) {
	if s.cfg.Sealer == nil {
		return "", errors.New("actions: Config.Sealer is required for " + purpose)
	}
	return s.cfg.Sealer.Hash(purpose + ":" + secret), nil
}

// CreateInvite makes a one-time invite code for provinces (names, short forms or codes, at
// least one), valid for ttl (1 hour to 30 days), stores its hash and writes
// "officer.invite.create". Admins only. It returns the code, shown once ("SSO-ABCD-EFGH"), and
// the stored invite.
func (s *Service) CreateInvite(ctx context.Context, a Actor, provinces []string, ttl time.Duration) (string, store.OfficerInvite, error) {
	if !a.Admin {
		return "", store.OfficerInvite{}, refuse(Forbidden, "", "act.admins_only")
	}
	ps, err := ParseProvinces("provinces", provinces)
	if err != nil {
		return "", store.OfficerInvite{}, err
	}
	if len(ps) == 0 {
		return "", store.OfficerInvite{}, invalid("provinces", "act.provinces_required")
	}
	if ttl < time.Hour || ttl > MaxInviteTTL {
		return "", store.OfficerInvite{}, invalid("expiresInHours", "act.invite.ttl")
	}
	b := make([]byte, inviteLen)
	rand.Read(b) // never fails (crypto/rand)
	for i := range b {
		b[i] = inviteAlphabet[int(b[i])%len(inviteAlphabet)] // 256 is a multiple of 32: uniform
	}
	code := invitePrefix + string(b)
	h, err := s.hash("officer-invite", code)
	if err != nil {
		return "", store.OfficerInvite{}, err
	}
	now := s.now()
	inv := store.OfficerInvite{CodeHash: h, Provinces: ps, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := s.cfg.Store.CreateInvite(ctx, inv); err != nil {
		return "", store.OfficerInvite{}, fmt.Errorf("actions: create invite: %w", err)
	}
	if err := s.audit(ctx, a, "officer.invite.create", "", store.AuditProvince(ps),
		"provinces="+strings.Join(ps, ",")+" expires="+thai.FormatInstant(inv.ExpiresAt, s.cfg.Location)); err != nil {
		return "", store.OfficerInvite{}, err
	}
	return invitePrefix + "-" + code[3:7] + "-" + code[7:], inv, nil
}

// UseInvite spends a typed invite code (normalised by NormaliseInvite) for LINE user userID,
// who becomes an officer of its provinces; "officer.invite.use" is written. Refusals: NotFound
// "act.invite.invalid" (unknown or expired), Conflict "act.invite.used".
//
// After 5 wrong codes in an hour a user's codes are refused (Conflict "act.invite.too_many")
// until the hour passes.
func (s *Service) UseInvite(ctx context.Context, userID, code string) (store.Officer, error) {
	h, err := s.hash("officer-invite", code)
	if err != nil {
		return store.Officer{}, err
	}
	now := s.now()
	if !s.inviteFails.allow(userID, now, inviteTries, inviteWindow) {
		return store.Officer{}, refuse(Conflict, "", "act.invite.too_many")
	}
	o, err := s.cfg.Store.UseInvite(ctx, h, userID, now)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.inviteFails.fail(userID, now)
		return o, refuse(NotFound, "", "act.invite.invalid")
	case errors.Is(err, store.ErrConflict):
		return o, refuse(Conflict, "", "act.invite.used")
	case err != nil:
		return o, fmt.Errorf("actions: use invite: %w", err)
	}
	if err := s.audit(ctx, Actor{UserID: userID}, "officer.invite.use", userID, store.AuditProvince(o.Provinces), "provinces="+strings.Join(o.Provinces, ",")); err != nil {
		return o, err
	}
	s.roleChanged(ctx, userID)
	return o, nil
}

// Officers lists the stored officers (admins only; the configured admins are not stored).
func (s *Service) Officers(ctx context.Context, a Actor) ([]store.Officer, error) {
	if !a.Admin {
		return nil, refuse(Forbidden, "", "act.admins_only")
	}
	os, err := s.cfg.Store.ListOfficers(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("actions: list officers: %w", err)
	}
	return os, nil
}

// SetOfficerProvinces replaces an invited officer's provinces (names, short forms or codes, at
// least one) and writes "officer.provinces". Admins only; NotFound for a user who is no
// invited officer (the configured admins cannot be changed here).
func (s *Service) SetOfficerProvinces(ctx context.Context, a Actor, userID string, provinces []string) (store.Officer, error) {
	if !a.Admin {
		return store.Officer{}, refuse(Forbidden, "", "act.admins_only")
	}
	ps, err := ParseProvinces("provinces", provinces)
	if err != nil {
		return store.Officer{}, err
	}
	if len(ps) == 0 {
		return store.Officer{}, invalid("provinces", "act.provinces_required")
	}
	o, err := s.cfg.Store.SetOfficerProvinces(ctx, userID, ps, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return o, refuse(NotFound, "", "act.officer.missing")
	}
	if err != nil {
		return o, fmt.Errorf("actions: set officer provinces: %w", err)
	}
	return o, s.audit(ctx, a, "officer.provinces", userID, store.AuditProvince(ps), "provinces="+strings.Join(ps, ","))
}

// RevokeOfficer takes the officer role from an invited officer: the record goes, and with it
// at once every sign-in link, console session and API token of theirs; "officer.revoke" is
// written and the role-change hook relinks their LINE menu. Admins only; the configured admins
// (ADMIN_LINE_USER_IDS) cannot be revoked here (Invalid "act.officer.configured").
func (s *Service) RevokeOfficer(ctx context.Context, a Actor, userID string) error {
	if !a.Admin {
		return refuse(Forbidden, "", "act.admins_only")
	}
	if s.admins[userID] {
		return invalid("userId", "act.officer.configured")
	}
	o, err := s.cfg.Store.GetOfficer(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return refuse(NotFound, "", "act.officer.missing")
	}
	if err != nil {
		return fmt.Errorf("actions: get officer: %w", err)
	}
	if err := s.cfg.Store.DeleteOfficer(ctx, userID); err != nil {
		return fmt.Errorf("actions: revoke officer: %w", err)
	}
	n, err := s.cfg.Store.DeleteCredentialsOf(ctx, userID)
	if err != nil {
		return fmt.Errorf("actions: revoke officer's credentials: %w", err)
	}
	if err := s.audit(ctx, a, "officer.revoke", userID, store.AuditProvince(o.Provinces),
		fmt.Sprintf("provinces=%s credentials=%d", strings.Join(o.Provinces, ","), n)); err != nil {
		return err
	}
	s.roleChanged(ctx, userID)
	return nil
}

// roleChanged runs the role-change hook: the rich-menu link follows the member's new role.
func (s *Service) roleChanged(ctx context.Context, userID string) {
	if s.cfg.RoleChanged != nil {
		s.cfg.RoleChanged(ctx, userID)
	}
}
