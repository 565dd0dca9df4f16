package store

import (
	"context"
	"time"
)

// KnowledgeFeedback is the tally of the "ช่วยได้ / ไม่ช่วย" pair under one Section 40 topic's
// answers (issue 10, item 4): officers see which answers confuse people.
type KnowledgeFeedback struct {
	Topic      string    // knowledge topic id, e.g. "inpatient"
	Helpful    int       // taps on "helpful"
	NotHelpful int       // taps on "not helpful"
	UpdatedAt  time.Time // the last tap, UTC
}

// KnowledgeFeedbackStore keeps the feedback tallies, one per topic.
type KnowledgeFeedbackStore interface {
	// AddKnowledgeFeedback counts one tap on topic's answer (helpful or not) at at. Concurrent
	// taps are all counted.
	AddKnowledgeFeedback(ctx context.Context, topic string, helpful bool, at time.Time) error
	// ListKnowledgeFeedback returns every topic's tally, by topic id.
	ListKnowledgeFeedback(ctx context.Context) ([]KnowledgeFeedback, error)
}
