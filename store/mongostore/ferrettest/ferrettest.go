// Package ferrettest gives tests a MongoDB URI with a fresh database: a real server when
// MONGODB_TEST_URI is set, otherwise an in-process FerretDB (SQLite back end) started once per
// test binary, so `go test ./...` needs no server. FerretDB is reached through a relay that
// passes one command at a time, because FerretDB 1.x does not apply a guarded update
// atomically (see serialise).
package ferrettest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// EnvURI names the environment variable that points the tests at a real MongoDB.
const EnvURI = "MONGODB_TEST_URI"

var (
	startOnce sync.Once
	ferretURI string
	startErr  error
)

// URI returns a MongoDB URI whose path names a new, randomly named database that is dropped
// when t ends. The server is the one in MONGODB_TEST_URI if set, else the shared in-process
// FerretDB.
func URI(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURI)
	if base == "" {
		startOnce.Do(startFerretDB)
		if startErr != nil {
			t.Fatalf("ferrettest: %v", startErr)
		}
		base = ferretURI
	}
	name := "test_" + randomHex(8)
	uri, err := withDatabase(base, name)
	if err != nil {
		t.Fatalf("ferrettest: %s: %v", EnvURI, err)
	}
	t.Cleanup(func() {
		if err := dropDatabase(uri, name); err != nil {
			t.Errorf("ferrettest: drop %s: %v", name, err)
		}
	})
	return uri
}

// startFerretDB starts FerretDB for the rest of the process. Its SQLite files live in a new
// temporary directory; each test's file goes when the test drops its database, the empty
// directory stays. (FerretDB's in-memory mode, one connection per database, hung the suite.)
func startFerretDB() {
	dir, err := os.MkdirTemp("", "ferrettest-")
	if err != nil {
		startErr = err
		return
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		startErr = err
		return
	}
	go f.Run(context.Background())
	u, err := url.Parse(f.MongoDBURI()) // blocks until the listener is up
	if err != nil {
		startErr = err
		return
	}
	relayAddr, err := serialise(u.Host)
	if err != nil {
		startErr = err
		return
	}
	ferretURI = "mongodb://" + relayAddr + "/"
}

// withDatabase replaces the database path of a MongoDB URI. Credentials keep authenticating
// against the database they did before (the old path, else admin).
func withDatabase(uri, db string) (string, error) {
	scheme, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return "", fmt.Errorf("%q is not a mongodb:// URI", uri)
	}
	rest, query, _ := strings.Cut(rest, "?")
	hosts, oldDB, _ := strings.Cut(rest, "/")
	if strings.Contains(hosts, "@") && !strings.Contains(strings.ToLower(query), "authsource=") {
		if oldDB == "" {
			oldDB = "admin"
		}
		query = strings.TrimPrefix(query+"&authSource="+oldDB, "&")
	}
	out := scheme + "://" + hosts + "/" + db
	if query != "" {
		out += "?" + query
	}
	return out, nil
}

func dropDatabase(uri, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		return err
	}
	defer client.Disconnect(ctx)
	return client.Database(name).Drop(ctx)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
