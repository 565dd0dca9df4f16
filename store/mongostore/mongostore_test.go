package mongostore

import (
	"bytes"
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/store/mongostore/ferrettest"
	"github.com/ssonet/ssonet/store/storetest"
)

// openTest opens a store on uri that is closed when t ends.
func openTest(t *testing.T, uri string) *Store {
	t.Helper()
	s, err := Open(context.Background(), uri, storetest.NewSealer(t))
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
	storetest.Run(t, func(t *testing.T) store.Store { return openTest(t, ferrettest.URI(t)) })
}

func TestOpenTwice(t *testing.T) {
	t.Parallel()
	uri := ferrettest.URI(t)
	first := openTest(t, uri)
	second := openTest(t, uri) // the indexes exist already
	if first.db.Name() != second.db.Name() || first.db.Name() == DefaultDatabase {
		t.Errorf("databases %q and %q, want the URI's", first.db.Name(), second.db.Name())
	}
}

// TestPersonalDataSealed reads every stored document as raw BSON through a plain client and
// looks for the plain personal values.
func TestPersonalDataSealed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	uri := ferrettest.URI(t)
	st := openTest(t, uri)
	storetest.SeedPersonalData(t, st)

	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(ctx)
	db := client.Database(st.db.Name())
	colls, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var raw []byte
	for _, c := range colls {
		cur, err := db.Collection(c).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		for cur.Next(ctx) {
			raw = append(raw, bson.Raw(cur.Current)...)
		}
		if err := cur.Err(); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Contains(raw, []byte(storetest.VisibleName)) {
		t.Fatalf("the unsealed name is not in the documents of %v: the scan does not see the data", colls)
	}
	for _, plain := range []string{storetest.PlainPhone, storetest.PlainNationalID} {
		if bytes.Contains(raw, []byte(plain)) {
			t.Errorf("%s appears in plain in a stored document", plain)
		}
	}
}
