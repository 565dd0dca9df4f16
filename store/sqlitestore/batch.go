package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
)

// maxBatch is the most writes one transaction of the batcher carries.
const maxBatch = 64

// batchYields is how often the writer lets other goroutines run before it commits a batch
// that could take more writes. The webhooks and workers that are about to write are usually
// runnable; yielding lets their writes join this commit instead of the next one. With nothing
// else to run, Gosched returns at once, so a lone write waits no longer. Measured in
// BenchmarkWebhook: 2 writes a commit without it, 7–8 with it, and about 12% less CPU per event.
const batchYields = 3

// errClosed is what a write gets after Close.
var errClosed = errors.New("sqlitestore: store closed")

// batcher is the single writer of the per-event writes (the inbox's store, claim, heartbeat,
// complete, retry, park, and the member's recent lines; docs/ARCHITECTURE.md, "The store"):
// writes that arrive while one transaction runs are grouped into the next, so concurrent
// webhooks and workers share commits instead of queueing for the write connection one commit
// each. A write's own context only decides
// whether it is still wanted when its batch starts; the statements run on the batch's context,
// because interrupting one statement would roll back the whole transaction.
type batcher struct {
	db       *pool
	ops      chan *batchOp
	quit     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// batchOp is one write: run executes its statements on tx and keeps their results itself; an
// error from run is an SQL failure, which sends the batch's writes to run one by one.
type batchOp struct {
	ctx     context.Context
	run     func(tx *batchTx) error
	err     chan error // buffered: the writer never waits for the caller
	skipped bool       // its caller had left when the batch started
}

func newBatcher(db *pool) *batcher {
	b := &batcher{db: db, ops: make(chan *batchOp), quit: make(chan struct{}), done: make(chan struct{})}
	go b.loop()
	return b
}

// do runs run in the next batch and waits for its commit, or for ctx. A write abandoned by its
// caller may still commit; the inbox's writes are all safe to repeat or to find done, and the
// recent lines are a bounded transcript in which a repeated line does no harm.
func (b *batcher) do(ctx context.Context, run func(tx *batchTx) error) error {
	op := &batchOp{ctx: ctx, run: run, err: make(chan error, 1)}
	select {
	case b.ops <- op:
	case <-ctx.Done():
		return ctx.Err()
	case <-b.quit:
		return errClosed
	}
	select {
	case err := <-op.err:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *batcher) loop() {
	defer close(b.done)
	for {
		var batch []*batchOp
		select {
		case op := <-b.ops:
			batch = append(batch, op)
		case <-b.quit:
			return
		}
		yields := 0
	fill:
		for len(batch) < maxBatch {
			select {
			case op := <-b.ops:
				batch = append(batch, op)
			default:
				if yields >= batchYields {
					break fill
				}
				yields++
				runtime.Gosched()
			}
		}
		if err := b.commit(batch); err != nil {
			if len(batch) == 1 {
				batch[0].err <- err
				continue
			}
			for _, op := range batch { // one by one, so one failing write fails alone
				if err := op.ctx.Err(); err != nil {
					op.err <- err
					continue
				}
				op.err <- b.commit([]*batchOp{op})
			}
			continue
		}
		for _, op := range batch {
			if op.skipped {
				op.err <- op.ctx.Err()
			} else {
				op.err <- nil
			}
		}
	}
}

// commit runs the wanted writes of batch in one transaction.
func (b *batcher) commit(batch []*batchOp) error {
	ctx := context.Background()
	sqlTx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer sqlTx.Rollback()
	tx := &batchTx{tx: sqlTx, db: b.db}
	for _, op := range batch {
		if op.skipped = op.ctx.Err() != nil; op.skipped {
			continue
		}
		if err := op.run(tx); err != nil {
			return err
		}
	}
	return sqlTx.Commit()
}

// batchTx is the transaction of one batch. Its statements are bound to the transaction once
// per batch, not once per write: binding (sql.Tx.Stmt) allocates and registers the statement
// with the pool under its lock, which was 5% of the batch's CPU when each write bound its own
// (BenchmarkEventWrites).
type batchTx struct {
	tx    *sql.Tx
	db    *pool
	stmts map[string]*sql.Stmt
}

// stmt is the pool's prepared statement of q (see warm) bound to the transaction.
func (t *batchTx) stmt(q string) *sql.Stmt {
	if st, ok := t.stmts[q]; ok {
		return st
	}
	if t.stmts == nil {
		t.stmts = make(map[string]*sql.Stmt, len(batched))
	}
	st := t.tx.Stmt(t.db.stmt(context.Background(), q))
	t.stmts[q] = st
	return st
}

// close stops the writer once the batch it runs is committed.
func (b *batcher) close() {
	b.stopOnce.Do(func() { close(b.quit) })
	<-b.done
}

// warm prepares qs on p now, so that batchTx.stmt finds them without the connection a
// transaction holds.
func (p *pool) warm(ctx context.Context, qs ...string) error {
	for _, q := range qs {
		if p.stmt(ctx, q) == nil {
			_, err := p.DB.PrepareContext(ctx, q) // the preparing error
			return fmt.Errorf("sqlitestore: prepare %q: %w", q, err)
		}
	}
	return nil
}
