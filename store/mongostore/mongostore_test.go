package mongostore

import (
	"bytes"
	"context"
	"testing"
	"time"

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

// TestOpenMovesAnnouncementBatches writes an announcement half sent as earlier versions kept it
// and opens the store again: its done batches are pushes of its group, the pending one is
// dropped, the announcement is planned again and the old collections are gone.
func TestOpenMovesAnnouncementBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	uri := ferrettest.URI(t)
	sealer := storetest.NewSealer(t)
	first, err := Open(ctx, uri, sealer)
	if err != nil {
		t.Fatal(err)
	}
	db := first.db
	at := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	if err := first.CreateAnnouncement(ctx, store.Announcement{ID: "a-1", CreatedBy: "api", Audience: store.AudienceApprovedLeaders,
		Text: "ประชุม", SendAt: at, Status: store.AnnouncementSending, Planned: true, Recipients: 4, Batches: 3}); err != nil {
		t.Fatal(err)
	}
	docs := []any{
		bson.D{{Key: "_id", Value: "a-1:0"}, {Key: "announcementId", Value: "a-1"}, {Key: "index", Value: 0},
			{Key: "retryKey", Value: "00000000-0000-4000-8000-000000000000"}, {Key: "userIds", Value: bson.A{"U1", "U2"}},
			{Key: "status", Value: "sent"}, {Key: "error", Value: ""}, {Key: "doneAt", Value: at}},
		bson.D{{Key: "_id", Value: "a-1:1"}, {Key: "announcementId", Value: "a-1"}, {Key: "index", Value: 1},
			{Key: "retryKey", Value: "00000000-0000-4000-8000-000000000001"}, {Key: "userIds", Value: bson.A{"U3"}},
			{Key: "status", Value: "failed"}, {Key: "error", Value: "status 400"}, {Key: "doneAt", Value: at}},
		bson.D{{Key: "_id", Value: "a-1:2"}, {Key: "announcementId", Value: "a-1"}, {Key: "index", Value: 2},
			{Key: "retryKey", Value: "00000000-0000-4000-8000-000000000002"}, {Key: "userIds", Value: bson.A{"U4"}},
			{Key: "status", Value: "pending"}, {Key: "error", Value: ""}},
	}
	if _, err := db.Collection(legacyBatchesColl).InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection(legacyDeliveriesColl).InsertOne(ctx, bson.D{{Key: "_id", Value: "w:U1:remind"}}); err != nil {
		t.Fatal(err)
	}
	first.Close(ctx)

	st := openTest(t, uri)
	a, err := st.GetAnnouncement(ctx, "a-1")
	if err != nil || a.Planned || a.Status != store.AnnouncementSending {
		t.Fatalf("announcement after the move: %+v, %v; want sending, to be planned again", a, err)
	}
	pr, err := st.PushGroupProgress(ctx, store.AnnouncementGroup("a-1"))
	if err != nil || pr != (store.PushProgress{Sent: 1, Failed: 1, SentTo: 2, FailedTo: 1}) {
		t.Errorf("progress %+v, %v", pr, err)
	}
	names, err := st.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if n == legacyBatchesColl || n == legacyDeliveriesColl {
			t.Errorf("collection %s is still there", n)
		}
	}
	// A second start changes nothing: the announcement planned by then stays planned.
	if _, err := st.PlanAnnouncement(ctx, "a-1", 3, 4); err != nil {
		t.Fatal(err)
	}
	again := openTest(t, uri)
	if a, _ := again.GetAnnouncement(ctx, "a-1"); !a.Planned {
		t.Error("a later start planned the announcement again")
	}
}

// TestOpenDropsLegacyRecent writes a member's recent lines as earlier versions kept them (one
// document, all lines sealed together) and opens the store again: the old collection is gone.
func TestOpenDropsLegacyRecent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	uri := ferrettest.URI(t)
	first := openTest(t, uri)
	if _, err := first.db.Collection(legacyRecentColl).InsertOne(ctx, bson.D{{Key: "_id", Value: "U1"},
		{Key: "entriesSealed", Value: "sealed"}, {Key: "updatedAt", Value: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	st := openTest(t, uri)
	names, err := st.db.ListCollectionNames(ctx, bson.D{{Key: "name", Value: legacyRecentColl}})
	if err != nil || len(names) != 0 {
		t.Errorf("collections named %s after Open: %v, %v", legacyRecentColl, names, err)
	}
	if got, err := st.Recent(ctx, "U1"); err != nil || len(got) != 0 {
		t.Errorf("Recent after Open = %v, %v; want none", got, err)
	}
}
