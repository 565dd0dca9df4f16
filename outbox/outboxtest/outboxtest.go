// Package outboxtest helps tests of packages that queue pushes: a real outbox on the test's
// store and LINE client whose Enqueue also sends at once, so a test sees a push reach the
// stand-in LINE API as soon as the code under test queued it.
package outboxtest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/ssonet/ssonet/outbox"
	"github.com/ssonet/ssonet/store"
)

// Immediate is an outbox whose Enqueue sends everything due before it returns (one SendDue).
// Failures LINE answers are handled as in production (retries wait for a later SendDue).
type Immediate struct{ *outbox.Outbox }

// Enqueue queues p and sends what is due now.
func (i Immediate) Enqueue(ctx context.Context, p store.Push) error {
	if err := i.Outbox.Enqueue(ctx, p); err != nil {
		return err
	}
	_, err := i.Outbox.SendDue(ctx)
	return err
}

// New returns an Immediate outbox on st sending through sender, with the clock now (time.Now
// when nil), Asia/Bangkok as TZ_DISPLAY and onDone (may be nil) as OnDone. Its logs are dropped.
func New(t testing.TB, st outbox.Store, sender outbox.Sender, now func() time.Time, onDone func(context.Context, store.Push)) Immediate {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Bangkok")
	if err != nil {
		t.Fatal(err)
	}
	o, err := outbox.New(outbox.Config{Store: st, LINE: sender, Location: loc, Now: now, OnDone: onDone,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return Immediate{o}
}
