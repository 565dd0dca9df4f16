package scheduler

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/outbox"
	"github.com/ssonet/ssonet/store"
)

// testLease is the outbox lease in these tests: a restarted process resumes a dead one's pushes
// this long after the crash.
const testLease = 15 * time.Second

// newOutbox is one process's outbox on st, sending through sender with the injected clock.
func newOutbox(t testing.TB, st outbox.Store, sender outbox.Sender, now func() time.Time, workers int, onDone func(context.Context, store.Push)) *outbox.Outbox {
	t.Helper()
	o, err := outbox.New(outbox.Config{Store: st, LINE: sender, Location: bangkok, Now: now, Lease: testLease, Workers: workers,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), OnDone: onDone})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// drain sends what the outbox holds, moving the clock past every back-off, until nothing is
// pending (at most 30 passes).
func drain(t testing.TB, o *outbox.Outbox, st outbox.Store, advance func(time.Duration)) {
	t.Helper()
	for range 30 {
		if _, err := o.SendDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		byKind, _, err := st.PendingPushes(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(byKind) == 0 {
			return
		}
		advance(5 * time.Minute)
	}
	t.Fatal("the outbox did not drain")
}

// errKilled is what a killed process's hung calls return when the test releases them; nothing
// they do afterwards may count.
var errKilled = errors.New("process was killed")

// dyingSender is the LINE client of a process killed with -9 mid-way: the first `ok` sends go
// through as usual; the next one reaches LINE (LINE delivers it) but the process dies before
// it hears the answer; every later one dies before reaching LINE. dead is closed at the death;
// the hung calls return errKilled only once release is closed, long after a fresh process
// took their pushes over.
type dyingSender struct {
	*line.Client
	ok      int
	okDone  sync.WaitGroup // the first ok sends have their answers
	mu      sync.Mutex
	n       int
	dead    chan struct{}
	release chan struct{}
}

func newDyingSender(c *line.Client, ok int) *dyingSender {
	d := &dyingSender{Client: c, ok: ok, dead: make(chan struct{}), release: make(chan struct{})}
	d.okDone.Add(ok)
	return d
}

// call runs send per the sender's fate.
func (d *dyingSender) call(send func() error) error {
	d.mu.Lock()
	d.n++
	n := d.n
	d.mu.Unlock()
	switch {
	case n <= d.ok:
		defer d.okDone.Done()
		return send()
	case n == d.ok+1:
		d.okDone.Wait() // the death comes after the earlier sends, however the workers raced
		_ = send()
		close(d.dead)
	}
	<-d.release
	return errKilled
}

func (d *dyingSender) Push(ctx context.Context, to string, msgs []messaging_api.MessageInterface, key string) error {
	return d.call(func() error { return d.Client.Push(ctx, to, msgs, key) })
}

func (d *dyingSender) Multicast(ctx context.Context, to []string, msgs []messaging_api.MessageInterface, key string) error {
	return d.call(func() error { return d.Client.Multicast(ctx, to, msgs, key) })
}

func (d *dyingSender) Broadcast(ctx context.Context, msgs []messaging_api.MessageInterface, key string) error {
	return d.call(func() error { return d.Client.Broadcast(ctx, msgs, key) })
}

// store is the doomed process's view of st: once it is dead it claims and records nothing more
// (its calls hang like its sends), as a process killed with -9 would.
func (d *dyingSender) store(st outbox.Store) outbox.Store { return &dyingStore{st, d} }

type dyingStore struct {
	outbox.Store
	d *dyingSender
}

// alive reports whether the process still runs; after its death the call hangs until release.
func (s *dyingStore) alive() bool {
	select {
	case <-s.d.dead:
		<-s.d.release
		return false
	default:
		return true
	}
}

func (s *dyingStore) ClaimPushes(ctx context.Context, now time.Time, lease time.Duration, token string, limit int) ([]store.Push, error) {
	if !s.alive() {
		return nil, errKilled
	}
	return s.Store.ClaimPushes(ctx, now, lease, token, limit)
}

func (s *dyingStore) RetryPush(ctx context.Context, key, token string, next time.Time, errText string) error {
	if !s.alive() {
		return errKilled
	}
	return s.Store.RetryPush(ctx, key, token, next, errText)
}

func (s *dyingStore) FinishPush(ctx context.Context, key, token string, status store.PushStatus, errText string, at time.Time) error {
	if !s.alive() {
		return errKilled
	}
	return s.Store.FinishPush(ctx, key, token, status, errText, at)
}

// killed runs one pass of the doomed process's outbox in the background and waits for its
// death. The returned function releases the hung calls and waits for the pass to end; call it
// when the test is done with the survivors.
func killed(t testing.TB, o *outbox.Outbox, d *dyingSender) (cleanup func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = o.SendDue(context.Background())
	}()
	select {
	case <-d.dead:
	case <-done:
		t.Fatal("the doomed process finished before it died")
	}
	return func() {
		close(d.release)
		<-done
	}
}
