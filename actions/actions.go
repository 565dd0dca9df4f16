// Package actions is the one home of every officer's business action (issue 11, deliverable
// 4): deciding on a leader's application, creating and cancelling announcements, creating,
// changing and cancelling workshops and marking attendance, changing a referral's status,
// revealing personal data, inviting, changing and revoking officers. The LINE chat (bot), the
// JSON API (handlers) and the officers' console (console) call the same function, so each rule
// — validation, province scoping, the audit entry naming the officer, the push that follows —
// is written once. See docs/ARCHITECTURE.md.
//
// Refusals are *Error values carrying a message key of this package's catalog, translated at
// the edge with Service.Message. The package depends on store and thai only; it must not import
// gin, bot or handlers.
package actions

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssonet/ssonet/outbox"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/texts"
	"github.com/ssonet/ssonet/thai"
)

//go:embed locales/*.toml
var localeFS embed.FS

// Kind classifies a refusal; the API maps it to an HTTP status.
type Kind int

// Kinds of refusal.
const (
	Invalid   Kind = iota + 1 // the input is wrong: 400
	NotFound                  // no such record, or not one the actor may see: 404
	Conflict                  // the record changed or is in the wrong state: 409
	Forbidden                 // the actor may not do this: 403
)

// Error is a refused action. Key is a message ID of the package's catalog (translate it with
// Service.Message), Data fills its template, Field names the input at fault in the JSON
// spelling ("startsAt", "provinces") or is empty.
type Error struct {
	Kind  Kind
	Key   string
	Field string
	Data  map[string]any
}

func (e *Error) Error() string {
	if e.Field != "" {
		return "actions: " + e.Key + " (" + e.Field + ")"
	}
	return "actions: " + e.Key
}

func refuse(kind Kind, field, key string, kv ...any) *Error {
	return &Error{Kind: kind, Field: field, Key: key, Data: texts.KV(kv...)}
}

func invalid(field, key string, kv ...any) *Error { return refuse(Invalid, field, key, kv...) }

// AsError returns err's *Error, if it is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Actor is who acts: an officer of some provinces, an admin (ADMIN_LINE_USER_IDS, every
// province), or the ADMIN_TOKEN bootstrap (an admin with no LINE account).
type Actor struct {
	UserID    string   // LINE user ID; empty for the bootstrap token
	Admin     bool     // every province; may invite and revoke officers
	Provinces []string // ISO 3166-2:TH codes of a non-admin officer, sorted
}

// Bootstrap is the actor of the ADMIN_TOKEN bearer token.
var Bootstrap = Actor{Admin: true}

// AuditName is the actor as the audit log names it: "line:<userID>", or "api" for the
// bootstrap token.
func (a Actor) AuditName() string {
	if a.UserID == "" {
		return "api"
	}
	return "line:" + a.UserID
}

// by is the actor as a record's DecidedBy or CreatedBy names it: the user ID, or "api".
func (a Actor) by() string {
	if a.UserID == "" {
		return "api"
	}
	return a.UserID
}

// ActsOn reports whether the actor may act on records of province.
func (a Actor) ActsOn(province string) bool { return a.Admin || slices.Contains(a.Provinces, province) }

// Scope is the provinces the actor acts on; nil means every province (an admin).
func (a Actor) Scope() []string {
	if a.Admin {
		return nil
	}
	return a.Provinces
}

// Notifier tells members in LINE what an action did; *bot.Engine implements it. Failures are
// the notifier's to log or retry: the action is stored either way.
type Notifier interface {
	// LeaderDecided pushes the decision on l (with l.DecisionNote) to the leader.
	LeaderDecided(ctx context.Context, l store.Leader)
	// NotifyReferralStatus pushes r's last change to the referring leader with r.NoticeKey as
	// the retry key; the scheduler retries what it could not send.
	NotifyReferralStatus(ctx context.Context, r store.Referral) (sent bool, err error)
	// CaseOpened tells the officers of c's province (the admins when it has none) of a new
	// hand-off case.
	CaseOpened(ctx context.Context, c store.Case)
	// CaseAsked tells the same officers what c's member asked, when the case opened without a
	// question (the member only asked for a person) and their first line in it has come.
	CaseAsked(ctx context.Context, c store.Case)
	// CaseReplied pushes an officer's reply to c's member.
	CaseReplied(ctx context.Context, c store.Case, text string)
	// CaseClosed tells c's member that the bot speaks again (unless they closed it themselves).
	CaseClosed(ctx context.Context, c store.Case)
	// CaseWithdrawn tells the officers of c's province (the admins when it has none) that c's
	// member went back to the bot before any officer answered, so c needs no answer.
	CaseWithdrawn(ctx context.Context, c store.Case)
	// CaseUnanswered tells c's member that nobody has answered yet and gives the hotline.
	CaseUnanswered(ctx context.Context, c store.Case)
}

// Coster tells what an announcement uses of LINE's monthly message quota (-1: a broadcast,
// counted by LINE) and what is left of the month.
type Coster interface {
	AnnouncementCost(ctx context.Context, a store.Announcement) (cost int, budget outbox.Budget, err error)
}

// Config holds what a Service needs. Store and Notifier are required.
type Config struct {
	Store    store.Store
	Notifier Notifier
	Sealer   *store.Sealer    // hashes invite codes and credentials; required for those
	Admins   []string         // ADMIN_LINE_USER_IDS
	Now      func() time.Time // the clock; time.Now when nil
	Location *time.Location   // TZ_DISPLAY; Asia/Bangkok when nil
	Logger   *slog.Logger     // slog.Default() when nil
	// Kick asks for immediate delivery of due announcements (the scheduler's Kick); may be nil.
	Kick func()
	// Costs tells an announcement's cost against the month's LINE quota (*bot.Engine); nil: no
	// quota rule.
	Costs Coster
	// Registerer receives the hand-off metrics (ssonet_handoff_*); none when nil.
	Registerer prometheus.Registerer
	// RoleChanged is called after a member's role changed (a leader approved or rejected, an
	// officer added by an invite, or revoked), so their LINE rich menu can be relinked to the
	// role they have now (a revoked officer's goes back to their leader or worker menu); may be
	// nil.
	RoleChanged func(ctx context.Context, userID string)
}

// Service runs the actions. It is safe for concurrent use.
type Service struct {
	cfg         Config
	admins      map[string]bool
	cat         *texts.Catalog
	inviteFails attempts // wrong invite codes per LINE user
	metrics     *caseMetrics
}

// New checks cfg and returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Notifier == nil {
		return nil, errors.New("actions: Store and Notifier are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.FixedZone("ICT", 7*60*60) // Asia/Bangkok: UTC+7, no daylight saving
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cat, err := texts.Load(localeFS, "locales/*.toml")
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, admins: map[string]bool{}, cat: cat}
	if s.metrics, err = newCaseMetrics(cfg.Registerer); err != nil {
		return nil, err
	}
	for _, id := range cfg.Admins {
		s.admins[id] = true
	}
	return s, nil
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

// Now is the service's clock, in UTC to the millisecond.
func (s *Service) Now() time.Time { return s.now() }

// Location is the display zone (TZ_DISPLAY).
func (s *Service) Location() *time.Location { return s.cfg.Location }

// IsAdmin reports whether userID is listed in ADMIN_LINE_USER_IDS.
func (s *Service) IsAdmin(userID string) bool { return s.admins[userID] }

// ErrNotOfficer is returned by Officer for a LINE user who is neither an admin nor a stored
// officer.
var ErrNotOfficer = refuse(Forbidden, "", "act.not_officer")

// Officer returns the actor of LINE user userID: an admin, a stored officer, or ErrNotOfficer.
func (s *Service) Officer(ctx context.Context, userID string) (Actor, error) {
	if s.admins[userID] {
		return Actor{UserID: userID, Admin: true}, nil
	}
	o, err := s.cfg.Store.GetOfficer(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return Actor{}, ErrNotOfficer
	}
	if err != nil {
		return Actor{}, fmt.Errorf("actions: get officer: %w", err)
	}
	return Actor{UserID: userID, Provinces: o.Provinces}, nil
}

// textID is a value of a refusal's Data that is itself a message ID (a status name), translated
// with the message.
type textID string

// Message is err's text in lang: a refusal's message, or a generic "something went wrong".
func (s *Service) Message(lang store.Language, err error) string {
	e, ok := AsError(err)
	if !ok {
		return s.cat.Text(lang, "act.internal", nil)
	}
	data := maps.Clone(e.Data)
	for k, v := range data {
		if id, ok := v.(textID); ok {
			data[k] = s.cat.Text(lang, string(id), nil)
		}
	}
	return s.cat.Text(lang, e.Key, data)
}

// Text is message id of the actions catalog in lang (the edges also show a few of its words,
// such as status and audience names).
func (s *Service) Text(lang store.Language, id string, kv ...any) string {
	return s.cat.Text(lang, id, texts.KV(kv...))
}

// audit appends the entry of an action; it fails the action when it cannot be written, so no
// change goes unrecorded.
func (s *Service) audit(ctx context.Context, a Actor, action, subject, province, detail string) error {
	return s.auditAs(ctx, a.AuditName(), action, subject, province, detail)
}

// auditAs appends an entry for actor as the audit log names it ("system" for the jobs).
func (s *Service) auditAs(ctx context.Context, actor, action, subject, province, detail string) error {
	err := s.cfg.Store.AppendAudit(ctx, store.AuditEntry{ID: uuid.NewString(), At: s.now(), Actor: actor,
		Action: action, Subject: subject, Province: province, Detail: detail})
	if err != nil {
		return fmt.Errorf("actions: audit %s: %w", action, err)
	}
	return nil
}

// ParseProvince reads a province as every surface takes it: a Thai or English name, a short
// form ("เพชร" when it names one province only, "กทม") or an ISO 3166-2:TH code ("TH-76"). It
// returns the code, or an invalid-input refusal on field.
func ParseProvince(field, in string) (string, error) {
	m := thai.MatchProvince(in)
	if !m.OK {
		return "", invalid(field, "act.province_unknown")
	}
	return m.Province.Code, nil
}

// ParseProvinces reads several provinces (ParseProvince), sorted without duplicates. Blank
// entries (an empty box of a form) are no province, so none at all means "every province of
// the actor" where the action says so.
func ParseProvinces(field string, in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, p := range in {
		if strings.TrimSpace(p) == "" {
			continue
		}
		code, err := ParseProvince(field, p)
		if err != nil {
			return nil, err
		}
		out = append(out, code)
	}
	return slices.Compact(slices.Sorted(slices.Values(out))), nil
}

// ParseTime reads a moment on field as every surface takes it (thai.ParseInstant).
func (s *Service) ParseTime(field, in string) (time.Time, error) {
	t, err := thai.ParseInstant(in, s.cfg.Location)
	if err != nil {
		return time.Time{}, invalid(field, "act.time_unreadable")
	}
	return t, nil
}

// scoped checks that a may act on every one of provinces (ISO codes); an empty list — every
// province — is for admins only.
func scoped(a Actor, field string, provinces []string) error {
	if len(provinces) == 0 && !a.Admin {
		return refuse(Forbidden, field, "act.every_province_admins")
	}
	for _, p := range provinces {
		if !a.ActsOn(p) {
			return notYours(field, p)
		}
	}
	return nil
}

// notYours refuses an action on a record of province p, naming it in both languages.
func notYours(field, p string) *Error {
	pr, _ := thai.ProvinceByCode(p)
	return refuse(Forbidden, field, "act.not_your_province", "Province", pr.NameTH, "ProvinceEN", pr.NameEN, "InProvince", thai.ProvincePhrase(p))
}

// freeText reads a note or text an officer wrote for others (at most max characters; empty
// allowed when optional), kept as written: Thai digits and line breaks stay
// (thai.ParseMessageText).
func freeText(field, in string, max int, optional bool) (string, error) {
	if optional && strings.TrimSpace(in) == "" {
		return "", nil
	}
	v, err := thai.ParseMessageText(in, max)
	if err != nil {
		return "", invalid(field, "act.text_invalid", "Max", max)
	}
	return v, nil
}
