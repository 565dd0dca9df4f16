package sqlitestore

import (
	"context"
	"fmt"
	"time"

	"github.com/ssonet/ssonet/store"
)

// AddKnowledgeFeedback counts one tap in topic's tally; a single upsert, so concurrent taps
// all count.
func (s *Store) AddKnowledgeFeedback(ctx context.Context, topic string, helpful bool, t time.Time) error {
	yes, no := 0, 1
	if helpful {
		yes, no = 1, 0
	}
	_, err := s.write.ExecContext(ctx, `
		INSERT INTO knowledge_feedback (topic, helpful, not_helpful, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (topic) DO UPDATE SET helpful = helpful + excluded.helpful,
			not_helpful = not_helpful + excluded.not_helpful, updated_at = MAX(updated_at, excluded.updated_at)`,
		topic, yes, no, at(t))
	if err != nil {
		return fmt.Errorf("sqlitestore: add knowledge feedback: %w", err)
	}
	return nil
}

// ListKnowledgeFeedback returns every topic's tally, by topic (the primary key).
func (s *Store) ListKnowledgeFeedback(ctx context.Context) ([]store.KnowledgeFeedback, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT topic, helpful, not_helpful, updated_at FROM knowledge_feedback ORDER BY topic`)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: list knowledge feedback: %w", err)
	}
	defer rows.Close()
	var out []store.KnowledgeFeedback
	for rows.Next() {
		var f store.KnowledgeFeedback
		if err := rows.Scan(&f.Topic, &f.Helpful, &f.NotHelpful, millis{&f.UpdatedAt}); err != nil {
			return nil, fmt.Errorf("sqlitestore: list knowledge feedback: %w", err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlitestore: list knowledge feedback: %w", err)
	}
	return out, nil
}
