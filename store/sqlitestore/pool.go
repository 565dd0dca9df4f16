package sqlitestore

import (
	"context"
	"database/sql"
	"sync"
)

// maxStmts bounds a pool's statement cache. The code has far fewer distinct statements; SQL
// built from a variable number of parts beyond it simply runs unprepared.
const maxStmts = 512

// pool is a *sql.DB whose ExecContext, QueryContext and QueryRowContext prepare each distinct
// SQL text once and reuse the statement: the driver would otherwise parse the SQL on every call,
// a fifth of the store's CPU on the per-message path. Transactions (BeginTx) are unchanged.
type pool struct {
	*sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

func newPool(db *sql.DB) *pool { return &pool{DB: db, stmts: map[string]*sql.Stmt{}} }

// stmt returns the prepared statement of q, preparing it on first use; nil (run q unprepared)
// when the cache is full or q does not prepare (the error then comes from running it).
func (p *pool) stmt(ctx context.Context, q string) *sql.Stmt {
	p.mu.RLock()
	st, ok := p.stmts[q]
	full := len(p.stmts) >= maxStmts
	p.mu.RUnlock()
	if ok || full {
		return st
	}
	// Prepared outside the lock: on the write pool it waits for the one connection.
	st, err := p.DB.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if prev, ok := p.stmts[q]; ok {
		st.Close()
		return prev
	}
	if len(p.stmts) >= maxStmts {
		st.Close()
		return nil
	}
	p.stmts[q] = st
	return st
}

// ExecContext runs q through its prepared statement.
func (p *pool) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := p.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return p.DB.ExecContext(ctx, q, args...)
}

// QueryContext runs q through its prepared statement.
func (p *pool) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := p.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return p.DB.QueryContext(ctx, q, args...)
}

// QueryRowContext runs q through its prepared statement.
func (p *pool) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := p.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.DB.QueryRowContext(ctx, q, args...)
}

// Close closes the statements, then the pool.
func (p *pool) Close() error {
	p.mu.Lock()
	for q, st := range p.stmts {
		st.Close()
		delete(p.stmts, q)
	}
	p.mu.Unlock()
	return p.DB.Close()
}
