package richmenu

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// Store is what the menus read and the lease they take; store.Store satisfies it.
type Store interface {
	GetLeader(ctx context.Context, userID string) (store.Leader, error)
	GetOfficer(ctx context.Context, userID string) (store.Officer, error)
	ListLeaders(ctx context.Context, province string, status store.LeaderStatus) ([]store.Leader, error)
	ListOfficers(ctx context.Context, province string) ([]store.Officer, error)
	// AcquireLease and ReleaseLease keep replicas from syncing at once (syncLeaseName).
	AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) error
	ReleaseLease(ctx context.Context, name, holder string) error
}

// LINE is the part of the Messaging API the menus use; *line.Client satisfies it.
type LINE interface {
	CreateRichMenu(ctx context.Context, m *messaging_api.RichMenuRequest) (string, error)
	UploadRichMenuImage(ctx context.Context, richMenuID, contentType string, img []byte) error
	HasRichMenuImage(ctx context.Context, richMenuID string) (bool, error)
	ListRichMenus(ctx context.Context) ([]messaging_api.RichMenuResponse, error)
	DeleteRichMenu(ctx context.Context, richMenuID string) error
	DefaultRichMenu(ctx context.Context) (string, error)
	SetDefaultRichMenu(ctx context.Context, richMenuID string) error
	LinkRichMenu(ctx context.Context, userID, richMenuID string) error
	UnlinkRichMenu(ctx context.Context, userID string) error
	LinkRichMenuBulk(ctx context.Context, userIDs []string, richMenuID string) error
	ListRichMenuAliases(ctx context.Context) (map[string]string, error)
	SetRichMenuAlias(ctx context.Context, aliasID, richMenuID string, exists bool) error
	DeleteRichMenuAlias(ctx context.Context, aliasID string) error
}

// syncLeaseName is the store lease a sync holds: one replica at a time syncs, a crashed one's
// lease is taken over once it expired, and it is released when the sync ends, so every start
// syncs (cheaply when nothing changed) and no two replicas sync at once.
const syncLeaseName = "richmenu.sync"

// syncLease bounds one sync. A sync takes seconds, but after a redesign within the same hour
// the client's budget of 100 creates and deletes per hour (§2) can space the calls 40 s apart.
const syncLease = 15 * time.Minute

// leaseWait bounds the wait for the store when taking the lease.
const leaseWait = 2 * time.Second

// ErrBusy is returned by Sync when another replica holds the sync lease; that replica makes
// the menus, and Start retries later to learn their IDs.
var ErrBusy = errors.New("richmenu: another replica is syncing the menus")

// ErrNotSynced is returned by Relink before the first successful sync; the member is relinked
// as soon as it succeeds.
var ErrNotSynced = errors.New("richmenu: menus not synced yet")

// Config holds what Menus needs. Store and LINE are required.
type Config struct {
	Store Store
	LINE  LINE
	// Admins are ADMIN_LINE_USER_IDS: officers of every province.
	Admins []string
	Logger *slog.Logger     // slog.Default() when nil
	Now    func() time.Time // time.Now when nil
	// After waits between failed syncs in Start; time.After when nil (tests pass their own).
	After func(time.Duration) <-chan time.Time
}

// Menus keeps ssonet's rich menus on LINE and links each member's. Build it with New; it is
// safe for concurrent use.
type Menus struct {
	st     Store
	api    LINE
	admins map[string]bool
	log    *slog.Logger
	now    func() time.Time
	after  func(time.Duration) <-chan time.Time
	build  func() ([]Built, error) // built; tests change the definitions through it
	holder string                  // this process's name on the sync lease

	mu      sync.Mutex
	ids     map[string]string // menu key → rich menu ID, after a sync
	waiting map[string]bool   // members whose relink waits for the first sync
}

// New checks cfg and returns Menus; nothing is sent to LINE before Sync or Start.
func New(cfg Config) (*Menus, error) {
	if cfg.Store == nil || cfg.LINE == nil {
		return nil, errors.New("richmenu: Store and LINE are required")
	}
	m := &Menus{st: cfg.Store, api: cfg.LINE, admins: map[string]bool{}, log: cfg.Logger, now: cfg.Now, after: cfg.After,
		waiting: map[string]bool{}, build: built, holder: uuid.NewString()}
	for _, id := range cfg.Admins {
		m.admins[id] = true
	}
	if m.log == nil {
		m.log = slog.Default()
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.after == nil {
		m.after = time.After
	}
	return m, nil
}

// built caches Build: the images depend on nothing but the code, and drawing them takes a few
// seconds of CPU.
var built = sync.OnceValues(Build)

// Start syncs in the background until a sync succeeds: a failure (LINE down, another replica
// holding the lease) is logged and retried after 1, 2, 4 … up to 30 minutes. The bot works
// without menus meanwhile. done is closed when Start gives up because ctx ended or a sync
// succeeded.
func (m *Menus) Start(ctx context.Context) (done <-chan struct{}) {
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		wait := time.Minute
		for {
			err := m.Sync(ctx)
			if err == nil {
				return
			}
			if ctx.Err() != nil {
				return
			}
			level := slog.LevelWarn
			if errors.Is(err, ErrBusy) {
				level = slog.LevelInfo
			}
			m.log.Log(ctx, level, "rich menu sync failed; the bot works without menus until it succeeds", "err", err, "retry_in", wait.String())
			select {
			case <-ctx.Done():
				return
			case <-m.after(wait):
			}
			wait = min(2*wait, 30*time.Minute)
		}
	}()
	return ch
}

// Sync makes LINE's rich menus match the definitions with one list call: a menu whose name
// (prefix, key, content hash) is already there is kept (its image uploaded if a crash left it
// without one), a missing one is created with its image; aliases point at the current menus;
// the members of every menu that was created (a first deployment, a redesign) are linked to it
// in bulk (500 per call); the newcomer menu becomes the default; then our older versions and
// the aliases of removed menus are deleted. Menus not named by us are never touched. Nothing
// is created when nothing changed, so Sync is idempotent across restarts. It returns ErrBusy
// when another replica is syncing.
func (m *Menus) Sync(ctx context.Context) error {
	all, err := m.build()
	if err != nil {
		return err
	}
	// A store that is busy (its write lock held) fails the attempt soon rather than keeping the
	// store's one write connection waiting behind this background job; Start retries.
	lctx, cancel := context.WithTimeout(ctx, leaseWait)
	err = m.st.AcquireLease(lctx, syncLeaseName, m.holder, m.now().UTC(), syncLease)
	cancel()
	switch {
	case errors.Is(err, store.ErrConflict):
		return ErrBusy
	case err != nil:
		return fmt.Errorf("richmenu: lease: %w", err)
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := m.st.ReleaseLease(rctx, syncLeaseName, m.holder); err != nil {
			m.log.Warn("rich menu lease release", "err", err)
		}
	}()

	listed, err := m.api.ListRichMenus(ctx)
	if err != nil {
		return fmt.Errorf("richmenu: list: %w", err)
	}
	existing := map[string]string{} // name → ID
	var stale []string              // IDs of our menus that no definition names any more
	relink := map[string]bool{}     // menus whose members are linked again at the end
	current, keys := map[string]bool{}, map[string]bool{}
	for _, b := range all {
		current[b.Name], keys[b.Key] = true, true
	}
	for _, r := range listed {
		key, _, ours := parseName(r.Name)
		switch {
		case !ours:
		case current[r.Name]:
			existing[r.Name] = r.RichMenuId
		default:
			stale = append(stale, r.RichMenuId)
			relink[key] = true
			if !keys[key] { // a menu that no longer exists: its members may go anywhere
				for k := range keys {
					relink[k] = true
				}
			}
		}
	}

	ids, created := map[string]string{}, map[string]bool{}
	for _, b := range all {
		id, ok := existing[b.Name]
		if ok {
			has, err := m.api.HasRichMenuImage(ctx, id)
			if err != nil {
				return fmt.Errorf("richmenu: %s image: %w", b.Key, err)
			}
			if !has {
				if err := m.api.UploadRichMenuImage(ctx, id, "image/png", b.PNG); err != nil {
					return fmt.Errorf("richmenu: upload %s: %w", b.Key, err)
				}
			}
		} else {
			req := b.Request
			if id, err = m.api.CreateRichMenu(ctx, &req); err != nil {
				return fmt.Errorf("richmenu: create %s: %w", b.Key, err)
			}
			if err := m.api.UploadRichMenuImage(ctx, id, "image/png", b.PNG); err != nil {
				return fmt.Errorf("richmenu: upload %s: %w", b.Key, err)
			}
			m.log.Info("rich menu created", "menu", b.Key, "name", b.Name, "id", id)
			relink[b.Key], created[b.Key] = true, true // its members move to it
		}
		ids[b.Key] = id
	}

	aliases, err := m.api.ListRichMenuAliases(ctx)
	if err != nil {
		return fmt.Errorf("richmenu: list aliases: %w", err)
	}
	for _, b := range all {
		a := aliasID(b.Key)
		if cur, ok := aliases[a]; !ok || cur != ids[b.Key] {
			if err := m.api.SetRichMenuAlias(ctx, a, ids[b.Key], ok); err != nil {
				return fmt.Errorf("richmenu: alias %s: %w", a, err)
			}
		}
	}

	// The default is set after the members are linked, so a default that is not the current
	// newcomer menu means this is the first sync of these menus or the last one stopped before
	// the linking was done: every member is linked again.
	def := "" // a newcomer menu made just now cannot be the default yet
	if !created[KeyNewcomer] {
		if def, err = m.api.DefaultRichMenu(ctx); err != nil {
			return fmt.Errorf("richmenu: default: %w", err)
		}
	}
	if def != ids[KeyNewcomer] {
		for k := range keys {
			relink[k] = true
		}
	}

	m.mu.Lock()
	m.ids = ids
	waiting := m.waiting
	m.waiting = map[string]bool{}
	m.mu.Unlock()

	if len(relink) > 0 {
		if err := m.relinkAll(ctx, relink); err != nil {
			return err
		}
	}
	for u := range waiting {
		if err := m.Relink(ctx, u); err != nil {
			m.log.Warn("rich menu relink after sync", "err", err)
		}
	}
	if def != ids[KeyNewcomer] {
		if err := m.api.SetDefaultRichMenu(ctx, ids[KeyNewcomer]); err != nil {
			return fmt.Errorf("richmenu: set default: %w", err)
		}
	}
	for _, id := range stale {
		if err := m.api.DeleteRichMenu(ctx, id); err != nil && !line.IsNotFound(err) {
			return fmt.Errorf("richmenu: delete old menu: %w", err)
		}
		m.log.Info("old rich menu deleted", "id", id)
	}
	for a := range aliases {
		key, ours := strings.CutPrefix(a, aliasID(""))
		if ours && ids[key] == "" {
			if err := m.api.DeleteRichMenuAlias(ctx, a); err != nil {
				return fmt.Errorf("richmenu: delete alias %s: %w", a, err)
			}
		}
	}
	return nil
}

// Relink links userID's menu to their current standing: the leader's, officer's … menu, or no
// linked menu (the default newcomer menu) for a member with no application, a rejected one, or
// erased data. Call it after anything that changes a member's standing; main wires it as
// bot.Config.RoleChanged, which the engine calls for applications and erasure and the
// officers' actions for invites, decisions and revocations. Before the first successful sync
// it returns ErrNotSynced and relinks the member once the sync succeeds.
func (m *Menus) Relink(ctx context.Context, userID string) error {
	key, err := m.keyOf(ctx, userID)
	if err != nil {
		return err
	}
	m.mu.Lock()
	id, synced := m.ids[key], m.ids != nil
	if !synced {
		m.waiting[userID] = true
	}
	m.mu.Unlock()
	switch {
	case !synced:
		return ErrNotSynced
	case key == KeyNewcomer:
		err = m.api.UnlinkRichMenu(ctx, userID)
	default:
		err = m.api.LinkRichMenu(ctx, userID, id)
	}
	if err != nil {
		return fmt.Errorf("richmenu: relink %s menu: %w", key, err)
	}
	return nil
}

// relinkAll links every member whose menu is one of keys (leaders pending or approved,
// officers, admins) to its current version, in bulk calls of at most 500 users (the bulk link
// limit). Sync calls it after a redesign.
func (m *Menus) relinkAll(ctx context.Context, keys map[string]bool) error {
	m.mu.Lock()
	ids := m.ids
	m.mu.Unlock()
	if ids == nil {
		return ErrNotSynced
	}
	users := map[string]bool{}
	for a := range m.admins {
		users[a] = true
	}
	for _, s := range []store.LeaderStatus{store.LeaderPending, store.LeaderApproved} {
		ls, err := m.st.ListLeaders(ctx, "", s)
		if err != nil {
			return fmt.Errorf("richmenu: list leaders: %w", err)
		}
		for _, l := range ls {
			users[l.UserID] = true
		}
	}
	for _, p := range thai.Provinces() {
		os, err := m.st.ListOfficers(ctx, p.Code)
		if err != nil {
			return fmt.Errorf("richmenu: list officers: %w", err)
		}
		for _, o := range os {
			users[o.UserID] = true
		}
	}
	byKey := map[string][]string{}
	for u := range users {
		key, err := m.keyOf(ctx, u)
		if err != nil {
			return err
		}
		if key != KeyNewcomer && keys[key] {
			byKey[key] = append(byKey[key], u)
		}
	}
	for key, us := range byKey {
		slices.Sort(us)
		for chunk := range slices.Chunk(us, line.MaxBulkLinkUsers) {
			if err := m.api.LinkRichMenuBulk(ctx, chunk, ids[key]); err != nil {
				return fmt.Errorf("richmenu: bulk link %s: %w", key, err)
			}
		}
	}
	return nil
}
