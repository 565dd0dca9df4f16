package sqlitestore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ssonet/ssonet/store"
)

const announcementColumns = `id, created_by, audience, provinces, workshop_id, text, send_at, status, created_at,
	updated_at, lease_until, planned, recipients, batches, sent, failed`

// CreateAnnouncement stores a new announcement; store.ErrConflict if the ID exists.
func (s *Store) CreateAnnouncement(ctx context.Context, a store.Announcement) error {
	provinces, err := json.Marshal(sortedSet(a.Provinces))
	if err != nil {
		return fmt.Errorf("sqlitestore: create announcement: %w", err)
	}
	n, err := affected(s.write.ExecContext(ctx, `
		INSERT INTO announcements (`+announcementColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		a.ID, a.CreatedBy, a.Audience, string(provinces), a.WorkshopID, a.Text, at(a.SendAt), a.Status, at(a.CreatedAt),
		at(a.UpdatedAt), at(a.LeaseUntil), a.Planned, a.Recipients, a.Batches, a.Sent, a.Failed))
	if err == nil && n == 0 {
		err = store.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: create announcement: %w", err)
	}
	return nil
}

// scanAnnouncement reads one row of announcementColumns.
func scanAnnouncement(row interface{ Scan(...any) error }) (store.Announcement, error) {
	var a store.Announcement
	var provinces string
	err := row.Scan(&a.ID, &a.CreatedBy, &a.Audience, &provinces, &a.WorkshopID, &a.Text, millis{&a.SendAt}, &a.Status,
		millis{&a.CreatedAt}, millis{&a.UpdatedAt}, millis{&a.LeaseUntil}, &a.Planned, &a.Recipients,
		&a.Batches, &a.Sent, &a.Failed)
	if err == nil {
		err = json.Unmarshal([]byte(provinces), &a.Provinces)
	}
	return a, err
}

// GetAnnouncement returns the announcement, or store.ErrNotFound.
// Served by the primary key announcements(id).
func (s *Store) GetAnnouncement(ctx context.Context, id string) (store.Announcement, error) {
	return getAnnouncement(ctx, s.read, id)
}

func getAnnouncement(ctx context.Context, db querier, id string) (store.Announcement, error) {
	a, err := scanAnnouncement(db.QueryRowContext(ctx, `SELECT `+announcementColumns+` FROM announcements WHERE id = ?`, id))
	if err != nil {
		return store.Announcement{}, notFound("get announcement", err)
	}
	return a, nil
}

// ListAnnouncements returns the announcements with status, by send time.
// Served by the index announcements_status_send_at.
func (s *Store) ListAnnouncements(ctx context.Context, status store.AnnouncementStatus) ([]store.Announcement, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+announcementColumns+` FROM announcements
		WHERE status = ? ORDER BY send_at, id`, status)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: list announcements: %w", err)
	}
	defer rows.Close()
	var out []store.Announcement
	for rows.Next() {
		a, err := scanAnnouncement(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlitestore: list announcements: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlitestore: list announcements: %w", err)
	}
	return out, nil
}

// guardedAnnouncementUpdate runs a guarded UPDATE on one announcement and returns the record
// after it; when no row matched, the current record with store.ErrConflict (or ErrNotFound).
func (s *Store) guardedAnnouncementUpdate(ctx context.Context, what, id, q string, args ...any) (store.Announcement, error) {
	n, err := affected(s.write.ExecContext(ctx, q, args...))
	if err != nil {
		return store.Announcement{}, fmt.Errorf("sqlitestore: %s: %w", what, err)
	}
	a, err := getAnnouncement(ctx, s.write, id)
	if err != nil {
		return store.Announcement{}, err
	}
	if n == 0 {
		return a, fmt.Errorf("sqlitestore: %s: status %s: %w", what, a.Status, store.ErrConflict)
	}
	return a, nil
}

// CancelAnnouncement cancels a scheduled announcement.
// Served by the primary key announcements(id).
func (s *Store) CancelAnnouncement(ctx context.Context, id string, now time.Time) (store.Announcement, error) {
	return s.guardedAnnouncementUpdate(ctx, "cancel announcement", id,
		`UPDATE announcements SET status = ?, updated_at = ? WHERE id = ? AND status = ?`,
		store.AnnouncementCancelled, at(now), id, store.AnnouncementScheduled)
}

// ClaimAnnouncement claims one due announcement with a single guarded UPDATE, so of racing
// workers one wins.
// Per scheduler tick; served by the indexes announcements_status_send_at and
// announcements_status_lease.
func (s *Store) ClaimAnnouncement(ctx context.Context, now time.Time, lease time.Duration) (store.Announcement, error) {
	a, err := scanAnnouncement(s.write.QueryRowContext(ctx, `
		UPDATE announcements SET status = ?1, lease_until = ?2, updated_at = ?3
		WHERE id = (
			SELECT id FROM announcements WHERE status = ?4 AND send_at <= ?3
			UNION ALL
			SELECT id FROM announcements WHERE status = ?1 AND lease_until <= ?3
			LIMIT 1)
		RETURNING `+announcementColumns,
		store.AnnouncementSending, at(now.Add(lease)), at(now), store.AnnouncementScheduled))
	if err != nil {
		return store.Announcement{}, notFound("claim announcement", err)
	}
	return a, nil
}

// PlanAnnouncement marks a sending announcement planned with its counts.
// Served by the primary key announcements(id).
func (s *Store) PlanAnnouncement(ctx context.Context, id string, batches, recipients int) (store.Announcement, error) {
	return s.guardedAnnouncementUpdate(ctx, "plan announcement", id,
		`UPDATE announcements SET planned = 1, batches = ?, recipients = ? WHERE id = ? AND status = ? AND planned = 0`,
		batches, recipients, id, store.AnnouncementSending)
}

// FinishAnnouncement marks a sending announcement sent with its counts.
// Served by the primary key announcements(id).
func (s *Store) FinishAnnouncement(ctx context.Context, id string, now time.Time, sent, failed int) (store.Announcement, error) {
	return s.guardedAnnouncementUpdate(ctx, "finish announcement", id,
		`UPDATE announcements SET status = ?, sent = ?, failed = ?, updated_at = ? WHERE id = ? AND status = ?`,
		store.AnnouncementSent, sent, failed, at(now), id, store.AnnouncementSending)
}

// blockedChunk keeps each IN list under SQLite's default limit of 32,766 parameters.
const blockedChunk = 5000

// BlockedAmong returns which of userIDs are blocked members.
// Per announcement; served by the primary key members(user_id).
func (s *Store) BlockedAmong(ctx context.Context, userIDs []string) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(userIDs); start += blockedChunk {
		chunk := userIDs[start:min(start+blockedChunk, len(userIDs))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := s.read.QueryContext(ctx, `SELECT user_id FROM members WHERE blocked = 1 AND user_id IN (?`+
			strings.Repeat(`, ?`, len(chunk)-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("sqlitestore: blocked among: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlitestore: blocked among: %w", err)
			}
			out[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("sqlitestore: blocked among: %w", err)
		}
	}
	return out, nil
}
