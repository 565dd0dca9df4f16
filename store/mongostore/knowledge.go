package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ssonet/ssonet/store"
)

// feedbackDoc is a store.KnowledgeFeedback as stored, keyed by topic.
type feedbackDoc struct {
	Topic      string    `bson:"_id"`
	Helpful    int       `bson:"helpful"`
	NotHelpful int       `bson:"notHelpful"`
	UpdatedAt  time.Time `bson:"updatedAt"`
}

// AddKnowledgeFeedback counts one tap in topic's tally: one upsert with $inc, so concurrent
// taps all count.
func (s *Store) AddKnowledgeFeedback(ctx context.Context, topic string, helpful bool, at time.Time) error {
	yes, no := 0, 1
	if helpful {
		yes, no = 1, 0
	}
	update := bson.D{
		{Key: "$inc", Value: bson.D{{Key: "helpful", Value: yes}, {Key: "notHelpful", Value: no}}},
		{Key: "$max", Value: bson.D{{Key: "updatedAt", Value: at.UTC().Truncate(time.Millisecond)}}},
	}
	_, err := s.db.Collection(feedbackColl).UpdateOne(ctx, bson.D{{Key: "_id", Value: topic}}, update, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return wrap("add knowledge feedback", err)
	}
	return nil
}

// ListKnowledgeFeedback returns every topic's tally, by topic (_id).
func (s *Store) ListKnowledgeFeedback(ctx context.Context) ([]store.KnowledgeFeedback, error) {
	cur, err := s.db.Collection(feedbackColl).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, wrap("list knowledge feedback", err)
	}
	var docs []feedbackDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap("list knowledge feedback", err)
	}
	out := make([]store.KnowledgeFeedback, len(docs))
	for i, d := range docs {
		out[i] = store.KnowledgeFeedback{Topic: d.Topic, Helpful: d.Helpful, NotHelpful: d.NotHelpful, UpdatedAt: utc(d.UpdatedAt)}
	}
	return out, nil
}
