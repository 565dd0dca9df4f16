// Package bot is ssonet's conversation engine: it turns webhook events into replies, runs the
// flows (leader registration, ...), and builds every message within LINE's limits.
package bot

import (
	"context"
	"log/slog"
	"time"

	"github.com/ssonet/ssonet/store"
)

// Config holds what an Engine needs. Store and Messenger are required.
type Config struct {
	Store      store.Store
	Messenger  Messenger
	Now        func() time.Time // the clock; time.Now when nil
	Location   *time.Location   // TZ_DISPLAY; Asia/Bangkok when nil
	Logger     *slog.Logger     // slog.Default() when nil
	SessionTTL time.Duration    // idle timeout of a form; 30 minutes when zero
}

// Engine handles webhook events. It is safe for concurrent use by different users; the caller
// serialises events of one user.
type Engine struct {
	cfg Config
}

// New checks cfg and returns an Engine.
func New(cfg Config) (*Engine, error) {
	return &Engine{cfg: cfg}, nil
}

// Handle acts on one event: deduplicates it, updates the session and the store, and replies.
// It returns nil for a duplicate event, and an error only when the store failed, in which case
// nothing was kept and the caller should answer the webhook with 500 so LINE redelivers it.
func (e *Engine) Handle(ctx context.Context, ev Event) error {
	return nil // TODO(engine): being written
}
