package sqlitestore

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/store/storetest"
)

// openTest opens a store in dir that is closed when t ends.
func openTest(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir, storetest.NewSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTest(t, t.TempDir()) })
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	sealer := storetest.NewSealer(t)
	ctx := context.Background()
	m := store.Member{UserID: "U-keep", DisplayName: "นิด", Language: store.LangThai}
	s, err := Open(dir, sealer)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UpsertMember(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}

	s = openTest(t, dir) // migrations already applied: nothing to do
	var version int
	if err := s.read.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	if version != len(migrations) {
		t.Errorf("schema version %d, want %d", version, len(migrations))
	}
	if got, err := s.GetMember(ctx, m.UserID); err != nil || got.DisplayName != m.DisplayName {
		t.Errorf("GetMember after reopen = %+v, %v", got, err)
	}
}

// TestPersonalDataSealed reads the database files as bytes (the main file and the WAL, where
// recent commits live) and looks for the plain personal values.
func TestPersonalDataSealed(t *testing.T) {
	dir := t.TempDir()
	storetest.SeedPersonalData(t, openTest(t, dir))

	var raw []byte
	files, _ := filepath.Glob(filepath.Join(dir, FileName+"*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, b...)
	}
	if !bytes.Contains(raw, []byte(storetest.VisibleName)) {
		t.Fatalf("the unsealed name is not in %v: the scan does not see the data", files)
	}
	for _, plain := range []string{storetest.PlainPhone, storetest.PlainNationalID} {
		if bytes.Contains(raw, []byte(plain)) {
			t.Errorf("%s appears in plain in the database files", plain)
		}
	}
}

func TestConnectionSettings(t *testing.T) {
	s := openTest(t, t.TempDir())
	ctx := context.Background()
	for _, c := range []struct {
		pool   string
		pragma string
		want   string
	}{
		{"write", "journal_mode", "wal"},
		{"write", "foreign_keys", "1"},
		{"write", "busy_timeout", "10000"},
		{"read", "busy_timeout", "10000"},
		{"read", "query_only", "1"},
	} {
		db := map[string]*pool{"write": s.write, "read": s.read}[c.pool]
		var got string
		if err := db.QueryRowContext(ctx, "PRAGMA "+c.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%s pool: PRAGMA %s = %s, want %s", c.pool, c.pragma, got, c.want)
		}
	}
}

// openAtVersion opens a database in dir with the first n migrations applied, as an older
// release left it, for the migration tests.
func openAtVersion(t *testing.T, dir string, n int) *sql.DB {
	t.Helper()
	ctx := context.Background()
	db, err := openDB(filepath.Join(dir, FileName), false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT`); err != nil {
		t.Fatal(err)
	}
	for range n {
		if _, err := migrateOne(ctx, db); err != nil {
			t.Fatal(err)
		}
	}
	return db
}
