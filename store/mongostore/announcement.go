package mongostore

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ssonet/ssonet/store"
)

type announcementDoc struct {
	ID         string                   `bson:"_id"`
	CreatedBy  string                   `bson:"createdBy"`
	Audience   store.Audience           `bson:"audience"`
	Provinces  []string                 `bson:"provinces"`
	WorkshopID string                   `bson:"workshopId"`
	Text       string                   `bson:"text"`
	SendAt     time.Time                `bson:"sendAt"`
	Status     store.AnnouncementStatus `bson:"status"`
	CreatedAt  time.Time                `bson:"createdAt,omitempty"`
	UpdatedAt  time.Time                `bson:"updatedAt,omitempty"`
	LeaseUntil time.Time                `bson:"leaseUntil,omitempty"`
	Planned    bool                     `bson:"planned"`
	Recipients int                      `bson:"recipients"`
	Batches    int                      `bson:"batches"`
	Sent       int                      `bson:"sent"`
	Failed     int                      `bson:"failed"`
}

// CreateAnnouncement stores a new announcement; store.ErrConflict if the ID exists (_id).
func (s *Store) CreateAnnouncement(ctx context.Context, a store.Announcement) error {
	d := announcementDoc(a)
	d.Provinces = sortedSet(d.Provinces)
	if _, err := s.db.Collection(announcementsColl).InsertOne(ctx, d); err != nil {
		return wrap("create announcement", err)
	}
	return nil
}

// GetAnnouncement returns the announcement, or store.ErrNotFound. Served by _id.
func (s *Store) GetAnnouncement(ctx context.Context, id string) (store.Announcement, error) {
	var d announcementDoc
	if err := s.db.Collection(announcementsColl).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return store.Announcement{}, wrap("get announcement", err)
	}
	return store.Announcement(d), nil
}

// ListAnnouncements returns the announcements with status, by send time.
// Served by the index status_sendAt.
func (s *Store) ListAnnouncements(ctx context.Context, status store.AnnouncementStatus) ([]store.Announcement, error) {
	cur, err := s.db.Collection(announcementsColl).Find(ctx, bson.D{{Key: "status", Value: status}},
		options.Find().SetSort(bson.D{{Key: "sendAt", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, wrap("list announcements", err)
	}
	var docs []announcementDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap("list announcements", err)
	}
	out := make([]store.Announcement, len(docs))
	for i, d := range docs {
		out[i] = store.Announcement(d)
	}
	return out, nil
}

// guardedUpdate applies update to the announcement if filter (with its _id) matches and
// returns it after; when nothing matched, the current record with store.ErrConflict (or
// store.ErrNotFound).
func (s *Store) guardedUpdate(ctx context.Context, what, id string, filter, update bson.D) (store.Announcement, error) {
	var d announcementDoc
	err := s.db.Collection(announcementsColl).FindOneAndUpdate(ctx, append(bson.D{{Key: "_id", Value: id}}, filter...), update,
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		a, err := s.GetAnnouncement(ctx, id)
		if err != nil {
			return store.Announcement{}, err
		}
		return a, wrap(what+": status "+string(a.Status), store.ErrConflict)
	}
	if err != nil {
		return store.Announcement{}, wrap(what, err)
	}
	return store.Announcement(d), nil
}

// CancelAnnouncement cancels a scheduled announcement. Served by _id.
func (s *Store) CancelAnnouncement(ctx context.Context, id string, now time.Time) (store.Announcement, error) {
	return s.guardedUpdate(ctx, "cancel announcement", id,
		bson.D{{Key: "status", Value: store.AnnouncementScheduled}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: store.AnnouncementCancelled}, {Key: "updatedAt", Value: now}}}})
}

// ClaimAnnouncement claims one due announcement with one guarded FindOneAndUpdate, so of racing
// workers one wins.
// Per scheduler tick; served by the indexes status_sendAt and status_leaseUntil.
func (s *Store) ClaimAnnouncement(ctx context.Context, now time.Time, lease time.Duration) (store.Announcement, error) {
	var d announcementDoc
	err := s.db.Collection(announcementsColl).FindOneAndUpdate(ctx,
		bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "status", Value: store.AnnouncementScheduled}, {Key: "sendAt", Value: bson.D{{Key: "$lte", Value: now}}}},
			bson.D{{Key: "status", Value: store.AnnouncementSending}, {Key: "leaseUntil", Value: bson.D{{Key: "$lte", Value: now}}}},
		}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: store.AnnouncementSending},
			{Key: "leaseUntil", Value: now.Add(lease)}, {Key: "updatedAt", Value: now}}}},
		options.FindOneAndUpdate().SetSort(bson.D{{Key: "sendAt", Value: 1}}).SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return store.Announcement{}, wrap("claim announcement", err)
	}
	return store.Announcement(d), nil
}

// PlanAnnouncement marks a sending announcement planned with its counts, with a guarded
// update. Served by _id.
func (s *Store) PlanAnnouncement(ctx context.Context, id string, batches, recipients int) (store.Announcement, error) {
	return s.guardedUpdate(ctx, "plan announcement", id,
		bson.D{{Key: "status", Value: store.AnnouncementSending}, {Key: "planned", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "planned", Value: true}, {Key: "batches", Value: batches}, {Key: "recipients", Value: recipients}}}})
}

// FinishAnnouncement marks a sending announcement sent with its counts. Served by _id.
func (s *Store) FinishAnnouncement(ctx context.Context, id string, now time.Time, sent, failed int) (store.Announcement, error) {
	return s.guardedUpdate(ctx, "finish announcement", id,
		bson.D{{Key: "status", Value: store.AnnouncementSending}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: store.AnnouncementSent}, {Key: "sent", Value: sent},
			{Key: "failed", Value: failed}, {Key: "updatedAt", Value: now}}}})
}

// blockedChunk bounds one $in list, keeping the query document far below 16 MB.
const blockedChunk = 10000

// BlockedAmong returns which of userIDs are blocked members.
// Per announcement; served by _id.
func (s *Store) BlockedAmong(ctx context.Context, userIDs []string) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(userIDs); start += blockedChunk {
		chunk := userIDs[start:min(start+blockedChunk, len(userIDs))]
		cur, err := s.db.Collection(membersColl).Find(ctx,
			bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: chunk}}}, {Key: "blocked", Value: true}},
			options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			return nil, wrap("blocked among", err)
		}
		var docs []struct {
			ID string `bson:"_id"`
		}
		if err := cur.All(ctx, &docs); err != nil {
			return nil, wrap("blocked among", err)
		}
		for _, d := range docs {
			out[d.ID] = true
		}
	}
	return out, nil
}
