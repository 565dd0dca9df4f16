package mongostore

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/ssonet/ssonet/store"
)

// Collections earlier versions kept to send a push once, before the outbox (issue 8).
const (
	legacyBatchesColl    = "announcement_batches"
	legacyDeliveriesColl = "workshopDeliveries"
)

// legacyBatch is an announcement batch as earlier versions stored it.
type legacyBatch struct {
	AnnouncementID string           `bson:"announcementId"`
	RetryKey       string           `bson:"retryKey"`
	UserIDs        []string         `bson:"userIds"`
	Status         store.PushStatus `bson:"status"` // "sent", "failed" or "pending", as pushes name them
	Error          string           `bson:"error"`
	DoneAt         time.Time        `bson:"doneAt,omitempty"`
}

// migrateToOutbox moves what earlier versions kept into the outbox, once: an announcement
// batch already done becomes a push of its announcement's group (so a re-plan leaves its
// recipients out), a sending announcement is planned again, and the old collections are
// dropped (workshop deliveries are replaced by pushes with derived keys). It does nothing when
// there are no old batches; replicas starting together are safe (a push inserted twice is a
// duplicate key, ignored).
func (s *Store) migrateToOutbox(ctx context.Context) error {
	old := s.db.Collection(legacyBatchesColl)
	cur, err := old.Find(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("migrate announcement batches: %w", err)
	}
	var batches []legacyBatch
	if err := cur.All(ctx, &batches); err != nil {
		return fmt.Errorf("migrate announcement batches: %w", err)
	}
	if len(batches) > 0 {
		pushes := s.db.Collection(pushesColl)
		for _, b := range batches {
			if b.Status == store.PushPending {
				continue // planned again with its derived key
			}
			d := pushDoc{RetryKey: b.RetryKey, Kind: store.PushAnnouncement, To: b.UserIDs, N: len(b.UserIDs),
				Broadcast: len(b.UserIDs) == 0, Group: store.AnnouncementGroup(b.AnnouncementID), CreatedAt: b.DoneAt,
				Status: b.Status, Attempts: 1, NextAt: b.DoneAt, DoneAt: b.DoneAt, Error: b.Error}
			if d.To == nil {
				d.To = []string{}
			}
			if _, err := pushes.InsertOne(ctx, d); err != nil && !mongo.IsDuplicateKeyError(err) {
				return fmt.Errorf("migrate announcement batches: %w", err)
			}
		}
		if _, err := s.db.Collection(announcementsColl).UpdateMany(ctx, bson.D{{Key: "status", Value: store.AnnouncementSending}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "planned", Value: false}}}}); err != nil {
			return fmt.Errorf("migrate announcement batches: %w", err)
		}
	}
	for _, c := range []string{legacyBatchesColl, legacyDeliveriesColl} {
		if err := s.db.Collection(c).Drop(ctx); err != nil {
			return fmt.Errorf("drop %s: %w", c, err)
		}
	}
	return nil
}

// legacyRecentColl is where earlier versions kept each member's recent lines: one document per
// member, all the lines sealed together, read and rewritten by every add.
const legacyRecentColl = "recent"

// dropLegacyRecent drops the recent lines of earlier versions. They are dropped, not moved to
// recentColl: they are at most a day old, so a hand-off in the day after the upgrade may start
// without the lines typed before it. Dropping a collection that is not there does nothing, so
// it runs at every Open.
func (s *Store) dropLegacyRecent(ctx context.Context) error {
	if err := s.db.Collection(legacyRecentColl).Drop(ctx); err != nil {
		return fmt.Errorf("drop %s: %w", legacyRecentColl, err)
	}
	return nil
}
