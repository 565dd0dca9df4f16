// Package sqlitestore implements store.Store on an embedded SQLite database (modernc.org/sqlite,
// pure Go): one file, WAL mode, schema migrations kept in the code. It is meant for one process.
package sqlitestore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/ssonet/ssonet/store"
)

// readConns is the size of the read pool: enough for the inbox's workers and the API on a few
// cores; more readers only wait for the disk and each other.
const readConns = 8

// FileName is the database file Open creates in its directory (with -wal and -shm beside it).
const FileName = "ssonet.db"

// Store is the SQLite implementation of store.Store. It is safe for concurrent use.
//
// Writes go through a single connection, so concurrent writers queue in database/sql instead
// of failing with SQLITE_BUSY, and a guarded statement (UPDATE ... WHERE version = ?) sees the
// result of the write before it. Reads use a pool of read-only connections, which WAL lets run
// beside the writer.
type Store struct {
	write  *pool
	read   *pool
	batch  *batcher // the inbox's writes, grouped (batch.go)
	sealer *store.Sealer
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) dir/ssonet.db and applies any pending migrations. Personal
// data is sealed with sealer.
func Open(dir string, sealer *store.Sealer) (*Store, error) {
	if sealer == nil {
		return nil, errors.New("sqlitestore: nil sealer")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sqlitestore: %w", err)
	}
	path, err := filepath.Abs(filepath.Join(dir, FileName))
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: %w", err)
	}
	write, err := openDB(path, false)
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	ctx := context.Background()
	if err := migrate(ctx, write); err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlitestore: migrate: %w", err)
	}
	read, err := openDB(path, true)
	if err != nil {
		write.Close()
		return nil, err
	}
	// A small pool kept open: with database/sql's default of 2 idle connections, concurrent
	// readers opened and closed a connection (and prepared its statements again) per query.
	read.SetMaxOpenConns(readConns)
	read.SetMaxIdleConns(readConns)
	s := &Store{write: newPool(write), read: newPool(read), sealer: sealer}
	if err := s.write.warm(ctx, batched...); err != nil {
		s.write.Close()
		s.read.Close()
		return nil, err
	}
	s.batch = newBatcher(s.write)
	return s, nil
}

// openDB opens a pool on the database file. busy_timeout comes first so that switching to WAL
// waits for other connections; IMMEDIATE transactions take the write lock at BEGIN, never
// halfway through.
func openDB(path string, readOnly bool) (*sql.DB, error) {
	q := url.Values{}
	q.Set("_busy_timeout", "10000")
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL") // safe with WAL: a power cut may lose the last commits, never corrupts
	q.Set("_foreign_keys", "1")
	q.Set("_txlock", "immediate")
	if readOnly {
		q.Set("_query_only", "1")
	}
	dsn := (&url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: %w", err)
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	return db, nil
}

// Ping reports whether the database answers and takes a write: it rewrites the one row of
// probe, through the write connection, so a held write lock or a full disk fails it.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.read.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlitestore: %w", err)
	}
	if _, err := s.write.ExecContext(ctx, `INSERT OR REPLACE INTO probe (id, at) VALUES (1, ?)`, time.Now().UnixMilli()); err != nil {
		return fmt.Errorf("sqlitestore: write probe: %w", err)
	}
	return nil
}

// Close stops the inbox's writer, then closes both pools. The last connection to close
// checkpoints the WAL into the file.
func (s *Store) Close(context.Context) error {
	s.batch.close()
	return errors.Join(s.read.Close(), s.write.Close())
}

// millis adapts a *time.Time to the stored form, Unix milliseconds (an INTEGER, UTC by
// definition), both as a query argument and as a Scan destination. The zero time is NULL.
type millis struct{ t *time.Time }

// Value implements driver.Valuer.
func (m millis) Value() (driver.Value, error) {
	if m.t.IsZero() {
		return nil, nil
	}
	return m.t.UnixMilli(), nil
}

// Scan implements sql.Scanner.
func (m millis) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*m.t = time.Time{}
	case int64:
		*m.t = time.UnixMilli(v).UTC()
	default:
		return fmt.Errorf("sqlitestore: time stored as %T", src)
	}
	return nil
}

// at is millis for a time passed by value.
func at(t time.Time) millis { return millis{&t} }

// affected returns the number of rows a statement changed.
func affected(res sql.Result, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// notFound maps sql.ErrNoRows to store.ErrNotFound and wraps every error with what was asked.
func notFound(what string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	return fmt.Errorf("sqlitestore: %s: %w", what, err)
}
