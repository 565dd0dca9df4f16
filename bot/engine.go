// Package bot is ssonet's conversation engine: it turns webhook events into replies, runs the
// flows (leader registration, ...), and builds every message within LINE's limits.
//
// Each event goes through one dispatch order (docs/ARCHITECTURE.md, "The conversation engine"):
// session expiry → global words → the active flow's step → keyword router → "not understood"
// help. Events arrive deduplicated, one user's in order, from the inbox's workers.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/bot/knowledge"
	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/store"
)

// replyTokenLife is how long after the webhook received an event its reply token is used: LINE
// promises one minute (line-platform.md row 11; 20 minutes after the event happened at most,
// even for a redelivery). A little is kept back for the reply's own trip.
const (
	replyTokenLife    = 50 * time.Second
	replyTokenMaxAge  = 20 * time.Minute
	fallbackNamespace = "ssonet reply fallback v1"
)

// fallbackSpace is the UUID namespace of the push fallback's retry keys.
var fallbackSpace = uuid.NewSHA1(uuid.NameSpaceOID, []byte(fallbackNamespace))

// Config holds what an Engine needs. Store, Messenger and Outbox are required.
type Config struct {
	Store      store.Store
	Messenger  Messenger
	Outbox     Outbox           // every push goes through it (docs/ARCHITECTURE.md, "Outbox")
	Now        func() time.Time // the clock; time.Now when nil
	Location   *time.Location   // TZ_DISPLAY; Asia/Bangkok when nil
	Logger     *slog.Logger     // slog.Default() when nil
	SessionTTL time.Duration    // idle timeout of a form; 30 minutes when zero
	// Sealer hashes officer invite codes; without it invite codes are not recognised.
	Sealer *store.Sealer
	// Admins are the LINE user IDs of ADMIN_LINE_USER_IDS: officers of every province.
	Admins []string
	// OnAnnouncement is called after an announcement due now was stored, to deliver it at
	// once (the scheduler's Kick); nil leaves it to the next scheduler tick.
	OnAnnouncement func()
	// Knowledge is the Section 40 knowledge (KNOWLEDGE_FILE); the embedded data when nil.
	// SetKnowledge replaces it while running.
	Knowledge *knowledge.Base
	// Registerer receives the Section 40 answer and feedback counters and the hand-off
	// metrics (actions.Config.Registerer); none when nil.
	Registerer prometheus.Registerer
	// RoleChanged is called with a member's user ID after their role changed: a leader
	// application stored, approved or rejected, an officer added by an invite or revoked, the
	// member's data erased. The rich menus relink the member's menu there
	// (richmenu.Menus.Relink); nil does nothing.
	RoleChanged func(ctx context.Context, userID string)
	// PublicURL is where people reach this service (PUBLIC_URL, no trailing slash): the
	// officers' sign-in links point under it.
	PublicURL string
	// ReferralRetention is how long a closed referral is kept (REFERRAL_RETENTION_DAYS), as the
	// consent step tells who asks; DefaultReferralRetention when zero.
	ReferralRetention time.Duration
}

// DefaultReferralRetention is REFERRAL_RETENTION_DAYS's default, 365 days.
const DefaultReferralRetention = 365 * 24 * time.Hour

// Engine handles webhook events. It is safe for concurrent use by different users; the caller
// serialises events of one user.
type Engine struct {
	store  store.Store
	msg    Messenger
	outbox Outbox
	now    func() time.Time
	loc    *time.Location
	log    *slog.Logger
	ttl    time.Duration
	cards  kept // flex messages many members get alike, encoded once (card.go)
	cat    *catalog
	know   atomic.Pointer[knowledge.Base] // kb() reads it; SetKnowledge swaps it
	s40m   *s40Metrics

	sealer  *store.Sealer
	admins  map[string]bool
	actions *actions.Service // the officers' business actions, shared with the API and console

	publicURL         string
	roleChanged       func(ctx context.Context, userID string) // Config.RoleChanged
	referralRetention time.Duration                            // Config.ReferralRetention

	// Collected from features() by New.
	flows     map[string]*flow
	keywords  []keyword
	postbacks map[string]func(t *turn, q url.Values) error
	navWords  map[string]bool // what the menus send (navWordsOf), for isCommandLine
}

// New checks cfg and returns an Engine. It fails when Store, Messenger or Outbox is missing, or when
// the embedded catalogs or knowledge data do not load.
func New(cfg Config) (*Engine, error) {
	if cfg.Store == nil || cfg.Messenger == nil || cfg.Outbox == nil {
		return nil, errors.New("bot: Store, Messenger and Outbox are required")
	}
	e := &Engine{store: cfg.Store, msg: cfg.Messenger, outbox: cfg.Outbox, now: cfg.Now, loc: cfg.Location, log: cfg.Logger, ttl: cfg.SessionTTL,
		sealer: cfg.Sealer, admins: map[string]bool{}, publicURL: strings.TrimRight(cfg.PublicURL, "/"), roleChanged: cfg.RoleChanged,
		referralRetention: cfg.ReferralRetention}
	for _, id := range cfg.Admins {
		e.admins[id] = true
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.loc == nil {
		loc, err := time.LoadLocation("Asia/Bangkok")
		if err != nil {
			return nil, fmt.Errorf("bot: %w", err)
		}
		e.loc = loc
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	if e.ttl == 0 {
		e.ttl = 30 * time.Minute
	}
	if e.referralRetention <= 0 {
		e.referralRetention = DefaultReferralRetention
	}
	var err error
	e.actions, err = actions.New(actions.Config{Store: cfg.Store, Notifier: e, Sealer: cfg.Sealer, Admins: cfg.Admins,
		Now: e.now, Location: e.loc, Logger: e.log, Kick: cfg.OnAnnouncement, RoleChanged: cfg.RoleChanged, Registerer: cfg.Registerer, Costs: e})
	if err != nil {
		return nil, err
	}
	if e.cat, err = newCatalog(); err != nil {
		return nil, err
	}
	if err := e.initSection40(cfg); err != nil {
		return nil, err
	}
	e.flows = map[string]*flow{}
	e.postbacks = map[string]func(t *turn, q url.Values) error{}
	for _, f := range features() {
		for _, fl := range f.flows {
			e.flows[fl.name] = fl
		}
		e.keywords = append(e.keywords, f.keywords...)
		for a, h := range f.postbacks {
			if _, dup := e.postbacks[a]; dup {
				return nil, fmt.Errorf("bot: postback action %q defined twice", a)
			}
			e.postbacks[a] = h
		}
	}
	e.navWords = navWordsOf(e.cat, e.flows)
	return e, nil
}

// Actions is the engine's business actions service: the API and the console call the same
// functions as the chat.
func (e *Engine) Actions() *actions.Service { return e.actions }

// Handle acts on one event: updates the session and the store, and replies. Events come from
// the inbox's workers (docs/ARCHITECTURE.md, "Workers"), which deduplicate them and hand one
// user's events over one at a time, in order. It returns an error only when the store failed;
// the worker then retries the event later, so everything Handle writes is safe to write again.
func (e *Engine) Handle(ctx context.Context, ev Event) error {
	t := &turn{Engine: e, ctx: ctx, ev: ev, now: e.now().UTC()}
	if err := t.run(); err != nil {
		return err
	}
	t.noteQuota()
	t.keepWayBack()
	t.send()
	t.remember()
	return nil
}

// turn is the handling of one event.
type turn struct {
	*Engine
	ctx    context.Context
	ev     Event
	now    time.Time
	member store.Member
	sess   store.Session // Version 0 and Flow "" when the member has none stored

	sessChanged bool   // sess must be saved
	endSession  bool   // the form ended: only the session's kept context stays (context.go)
	lastAsk     string // the question the previous turn asked, which this message may answer
	which       int    // a number typed with no list on screen: the list shown asks for it again
	out         reply
	chat        bool // small talk or a greeting: not pushed when the reply token no longer works
	private     bool // not kept as recent lines (a form's answer, a case's message, an erase)

	// rec is what the store holds of the member, read at the start of the turn in one read
	// (load); who and openCaseOf answer from its Leader, Officer and OpenCase (records). Its
	// Member and Session are the start's only: member and sess are the turn's own.
	rec   store.MemberRecords
	known bool // rec is read, and the turn changed none of the member's records since (changedRecords)

	s40    *knowledge.Match // the Section 40 reading of the text, made once per turn (s40Match)
	turnKB *knowledge.Base  // the knowledge this turn uses from start to end (kb)
}

// run does every store read and write of the turn and fills t.out.
func (t *turn) run() error {
	if t.ev.Kind == KindUnfollow {
		return t.unfollow()
	}
	if err := t.load(); err != nil {
		return err
	}
	t.loadContext()
	t.private = t.sess.Flow != "" // a form's answers (IDs, phones) are never kept as recent lines
	if err := t.dispatch(); err != nil {
		return err
	}
	return t.saveSession()
}

// load reads everything the turn needs of its member in one store read
// (store.MemberRecords): the member, their session, and the leader record, officer record
// and open case that who and openCaseOf answer from.
func (t *turn) load() error {
	r, err := t.store.GetMemberRecords(t.ctx, t.ev.UserID)
	if err != nil {
		return fmt.Errorf("bot: read member: %w", err)
	}
	t.rec, t.known = r, true
	if err := t.loadMember(r.Member); err != nil {
		return err
	}
	t.sess = store.Session{UserID: t.ev.UserID}
	if r.Session != nil {
		t.sess = *r.Session
	}
	return nil
}

// records are the member's leader record, officer record and open case as they stand: as
// read at the start of the turn, or read again (one store read) once the turn changed one of
// them (changedRecords). A turn that did not come from Handle (a push's) reads them at first
// use.
func (t *turn) records() (store.MemberRecords, error) {
	if !t.known {
		r, err := t.store.GetMemberRecords(t.ctx, t.member.UserID)
		if err != nil {
			return store.MemberRecords{}, fmt.Errorf("bot: read member again: %w", err)
		}
		t.rec, t.known = r, true
	}
	return t.rec, nil
}

// changedRecords says the turn wrote (or may have written) its member's leader record,
// officer record or cases: who and openCaseOf read them again, so the turn sees its own write.
func (t *turn) changedRecords() { t.known = false }

// loadMember takes the member as stored, creating it from the LINE profile the first time
// (stored nil), and refreshes it on follow (the user may have unblocked the account or changed
// language).
func (t *turn) loadMember(stored *store.Member) error {
	found := stored != nil
	if found && t.ev.Kind != KindFollow {
		t.member = *stored
		return nil
	}
	m := store.Member{UserID: t.ev.UserID, Language: store.LangThai, FollowedAt: t.now}
	if found {
		m = *stored
	}
	p, err := t.msg.Profile(t.ctx, t.ev.UserID)
	if err != nil {
		// A missing profile (404: no consent, not a friend) is not a reason to fail the event.
		t.log.Warn("profile not available", "err", err, "notFound", line.IsNotFound(err))
	} else {
		m.DisplayName = p.DisplayName
		m.Language = languageOf(p.Language)
	}
	if t.ev.Kind == KindFollow {
		m.Blocked = false
		if found {
			m.FollowedAt = t.now
		}
	}
	m.UpdatedAt = t.now
	if err := t.store.UpsertMember(t.ctx, m); err != nil {
		return fmt.Errorf("bot: upsert member: %w", err)
	}
	t.member = m
	return nil
}

// languageOf maps a LINE profile language (BCP 47) to a catalog: English for "en…", else Thai.
func languageOf(tag string) store.Language {
	if strings.HasPrefix(strings.ToLower(tag), "en") {
		return store.LangEnglish
	}
	return store.LangThai
}

// unfollow marks the member blocked so nothing is ever pushed to them (line-platform.md row 29).
func (t *turn) unfollow() error {
	err := t.store.SetMemberBlocked(t.ctx, t.ev.UserID, true, t.now)
	if errors.Is(err, store.ErrNotFound) {
		err = t.store.UpsertMember(t.ctx, store.Member{UserID: t.ev.UserID, Language: store.LangThai, Blocked: true, FollowedAt: t.now, UpdatedAt: t.now})
	}
	if err != nil {
		return fmt.Errorf("bot: mark blocked: %w", err)
	}
	return nil
}

// saveSession stores or deletes the session as the turn decided; an idle session is kept only
// while it holds context (context.go).
func (t *turn) saveSession() error {
	if t.endSession {
		t.sess = store.Session{UserID: t.sess.UserID, Fields: t.keptContext(), Version: t.sess.Version}
		t.sessChanged = true
	}
	switch {
	case t.sess.Flow == "" && len(t.sess.Fields) == 0 && t.sessChanged:
		if t.sess.Version == 0 {
			return nil
		}
		if err := t.store.DeleteSession(t.ctx, t.sess.UserID, t.sess.Version); err != nil {
			return fmt.Errorf("bot: delete session: %w", err)
		}
	case t.sessChanged:
		t.sess.UpdatedAt = t.now
		t.sess.ExpiresAt = t.now.Add(t.ttl)
		if _, err := t.store.SaveSession(t.ctx, t.sess); err != nil {
			return fmt.Errorf("bot: save session: %w", err)
		}
	}
	return nil
}

// send delivers the turn's reply through the reply token while it is fresh. When the token is
// stale, or LINE refuses it (used, expired), every answer to something the user asked — lists,
// cards, confirmations, errors — is queued in the outbox as a push instead, once: the retry key
// comes from the event id, so handling the event again cannot push it twice (line-platform.md
// rows 10, 11 and 25–27).
// Small talk and greetings are dropped (docs/ARCHITECTURE.md, "Replies").
func (t *turn) send() {
	msgs := t.out.messages()
	if len(msgs) == 0 || t.ev.Kind == KindUnfollow {
		return
	}
	if t.replyFresh() {
		err := t.msg.Reply(t.ctx, t.ev.ReplyToken, msgs)
		if err == nil {
			return
		}
		if !line.IsInvalidReplyToken(err) {
			t.log.Warn("reply failed", "event", t.ev.ID, "err", err)
			return
		}
	}
	if t.chat {
		t.log.Info("reply token stale, small talk dropped", "event", t.ev.ID)
		return
	}
	// An answer that could not go out within the hour (LINE's quota ran out) would only confuse.
	if perr := t.queueUntil(t.ctx, store.PushReply, t.ev.UserID, msgs, FallbackRetryKey(t.ev.ID), t.now.Add(fallbackLife)); perr != nil {
		t.log.Error("push fallback not queued", "event", t.ev.ID, "err", perr)
	}
}

// standingChanged reports a change of userID's role to Config.RoleChanged.
func (e *Engine) standingChanged(ctx context.Context, userID string) {
	if e.roleChanged != nil {
		e.roleChanged(ctx, userID)
	}
}

// replyFresh reports whether the event's reply token may still be used: it has one, and the
// webhook received the event less than replyTokenLife ago (an event without ReceivedAt counts
// from its Time; one with neither is taken as fresh), at most replyTokenMaxAge after it
// happened.
func (t *turn) replyFresh() bool {
	if t.ev.ReplyToken == "" {
		return false
	}
	received := t.ev.ReceivedAt
	if received.IsZero() {
		received = t.ev.Time
	}
	return (received.IsZero() || t.now.Sub(received) < replyTokenLife) &&
		(t.ev.Time.IsZero() || t.now.Sub(t.ev.Time) < replyTokenMaxAge)
}

// fallbackLife is how long a pushed answer may wait in the outbox before it is dropped.
const fallbackLife = time.Hour

// FallbackRetryKey is the X-Line-Retry-Key (a UUID, version 5) of the push that stands in for
// the reply to webhook event id: the same id gives the same key, so LINE accepts the push once
// however often the event is handled.
func FallbackRetryKey(id string) string {
	return uuid.NewSHA1(fallbackSpace, []byte(id)).String()
}

// tr returns catalog text id in the member's language; kv are key, value pairs for the template.
func (t *turn) tr(id string, kv ...any) string { return t.text(t.member.Language, id, kv...) }

// text returns catalog text id in lang; kv are key, value pairs for the template. Pushes to
// someone other than the member of the turn use it with the recipient's language.
func (e *Engine) text(lang store.Language, id string, kv ...any) string {
	var data map[string]any
	if len(kv) > 0 {
		data = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			data[kv[i].(string)] = kv[i+1]
		}
	}
	return e.cat.text(lang, id, data)
}

// english reports whether the member is spoken to in English.
func (t *turn) english() bool { return t.member.Language == store.LangEnglish }
