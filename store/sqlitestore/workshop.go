package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ssonet/ssonet/store"
)

// Capacity on SQLite: every join, leave and capacity change runs in one IMMEDIATE transaction on
// the single write connection, so reading the workshop's counters and writing the registration
// and the counters happen with no other writer in between.

const workshopColumns = `id, title, description, province_code, venue_name, venue_address,
	venue_map_url, starts_at, ends_at, capacity, deadline, status, registered, waitlisted,
	created_by, created_at, updated_at, revision, notified_revision, reminder_due_at, version`

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanWorkshop(r scanner) (store.Workshop, error) {
	var w store.Workshop
	err := r.Scan(&w.ID, &w.Title, &w.Description, &w.ProvinceCode, &w.Venue.Name, &w.Venue.Address,
		&w.Venue.MapURL, millis{&w.StartsAt}, millis{&w.EndsAt}, &w.Capacity, millis{&w.RegistrationDeadline},
		&w.Status, &w.Registered, &w.Waitlisted, &w.CreatedBy, millis{&w.CreatedAt}, millis{&w.UpdatedAt},
		&w.Revision, &w.NotifiedRevision, millis{&w.ReminderDueAt}, &w.Version)
	return w, err
}

// CreateWorkshop stores w with Version 1 and empty counters.
func (s *Store) CreateWorkshop(ctx context.Context, w store.Workshop) (store.Workshop, error) {
	n, err := affected(s.write.ExecContext(ctx, `
		INSERT INTO workshops (`+workshopColumns+`, wait_seq)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?, ?, 1, 0)
		ON CONFLICT DO NOTHING`,
		w.ID, w.Title, w.Description, w.ProvinceCode, w.Venue.Name, w.Venue.Address, w.Venue.MapURL,
		at(w.StartsAt), at(w.EndsAt), w.Capacity, at(w.RegistrationDeadline), w.Status, w.CreatedBy,
		at(w.CreatedAt), at(w.UpdatedAt), w.Revision, w.NotifiedRevision, at(w.ReminderDueAt)))
	if err == nil && n == 0 {
		err = store.ErrConflict
	}
	if err == nil {
		w, err = scanWorkshop(s.write.QueryRowContext(ctx, `SELECT `+workshopColumns+` FROM workshops WHERE id = ?`, w.ID))
	}
	if err != nil {
		return store.Workshop{}, fmt.Errorf("sqlitestore: create workshop: %w", err)
	}
	return w, nil
}

// GetWorkshop returns a workshop by ID. Per message (join, cancel); served by the primary key.
func (s *Store) GetWorkshop(ctx context.Context, id string) (store.Workshop, error) {
	w, err := scanWorkshop(s.read.QueryRowContext(ctx, `SELECT `+workshopColumns+` FROM workshops WHERE id = ?`, id))
	if err != nil {
		return store.Workshop{}, notFound("get workshop", err)
	}
	return w, nil
}

// UpdateWorkshop replaces the editable fields under the Version guard, in one transaction with
// the promotions a raised capacity allows.
func (s *Store) UpdateWorkshop(ctx context.Context, w store.Workshop) (store.Workshop, error) {
	var out store.Workshop
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := scanWorkshop(tx.QueryRowContext(ctx, `SELECT `+workshopColumns+` FROM workshops WHERE id = ?`, w.ID))
		if err != nil {
			return err
		}
		if cur.Version != w.Version {
			return store.ErrConflict
		}
		if w.Capacity < cur.Registered {
			return store.ErrCapacityBelowRegistered
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE workshops SET title = ?, description = ?, province_code = ?, venue_name = ?,
				venue_address = ?, venue_map_url = ?, starts_at = ?, ends_at = ?, capacity = ?,
				deadline = ?, status = ?, updated_at = ?, revision = ?, notified_revision = ?,
				reminder_due_at = ?, version = version + 1
			WHERE id = ?`,
			w.Title, w.Description, w.ProvinceCode, w.Venue.Name, w.Venue.Address, w.Venue.MapURL,
			at(w.StartsAt), at(w.EndsAt), w.Capacity, at(w.RegistrationDeadline), w.Status,
			at(w.UpdatedAt), w.Revision, w.NotifiedRevision, at(w.ReminderDueAt), w.ID); err != nil {
			return err
		}
		if w.Status != store.WorkshopCancelled {
			if _, err := promote(ctx, tx, w.ID, w.UpdatedAt); err != nil {
				return err
			}
		}
		out, err = scanWorkshop(tx.QueryRowContext(ctx, `SELECT `+workshopColumns+` FROM workshops WHERE id = ?`, w.ID))
		return err
	})
	if err != nil {
		return store.Workshop{}, notFound("update workshop", err)
	}
	return out, nil
}

// promote gives free seats to the waitlist in WaitSeq order (index registrations_waitlist),
// sets their PromotedAt and sets the workshop's ReminderDueAt to now so the scheduler tells
// them (a due time already past stays due). It returns the promoted registrations.
func promote(ctx context.Context, tx *sql.Tx, id string, now time.Time) ([]store.Registration, error) {
	var free int
	if err := tx.QueryRowContext(ctx, `SELECT capacity - registered FROM workshops WHERE id = ?`, id).Scan(&free); err != nil {
		return nil, err
	}
	if free <= 0 {
		return nil, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+registrationColumns+` FROM registrations
		WHERE workshop_id = ? AND status = ? ORDER BY wait_seq LIMIT ?`, id, store.RegWaitlisted, free)
	if err != nil {
		return nil, err
	}
	regs, err := scanRegistrations(rows)
	if err != nil || len(regs) == 0 {
		return nil, err
	}
	for i := range regs {
		regs[i].Status, regs[i].PromotedAt, regs[i].UpdatedAt = store.RegRegistered, now, now
		if _, err := tx.ExecContext(ctx, `UPDATE registrations SET status = ?, promoted_at = ?, updated_at = ?
			WHERE workshop_id = ? AND user_id = ?`, store.RegRegistered, at(now), at(now), id, regs[i].UserID); err != nil {
			return nil, err
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE workshops SET registered = registered + ?1, waitlisted = waitlisted - ?1,
		reminder_due_at = ?2 WHERE id = ?3`, len(regs), at(now), id)
	return regs, err
}

// ListWorkshops returns workshops matching f by StartsAt. Per "ตารางอบรม" message: served by
// workshops_province_starts (with a province) or workshops_starts.
func (s *Store) ListWorkshops(ctx context.Context, f store.WorkshopFilter) ([]store.Workshop, error) {
	var where []string
	var args []any
	if f.ProvinceCode != "" {
		where, args = append(where, "province_code = ?"), append(args, f.ProvinceCode)
	}
	if !f.StartsAfter.IsZero() {
		where, args = append(where, "starts_at > ?"), append(args, at(f.StartsAfter))
	}
	if !f.WithCancelled {
		where, args = append(where, "status <> ?"), append(args, store.WorkshopCancelled)
	}
	q := `SELECT ` + workshopColumns + ` FROM workshops`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q += ` ORDER BY starts_at, id LIMIT ?`
	return s.queryWorkshops(ctx, "list workshops", q, append(args, limit)...)
}

// WorkshopsDue returns workshops whose ReminderDueAt is not after now. Per scheduler tick:
// served by the partial index workshops_reminder_due, so the cost follows the due workshops.
func (s *Store) WorkshopsDue(ctx context.Context, now time.Time, limit int) ([]store.Workshop, error) {
	return s.queryWorkshops(ctx, "workshops due", `SELECT `+workshopColumns+` FROM workshops
		WHERE reminder_due_at IS NOT NULL AND reminder_due_at <= ? ORDER BY reminder_due_at LIMIT ?`, at(now), limit)
}

func (s *Store) queryWorkshops(ctx context.Context, what, q string, args ...any) ([]store.Workshop, error) {
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: %s: %w", what, err)
	}
	defer rows.Close()
	var out []store.Workshop
	for rows.Next() {
		w, err := scanWorkshop(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlitestore: %s: %w", what, err)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlitestore: %s: %w", what, err)
	}
	return out, nil
}

// AdvanceReminder moves ReminderDueAt from from to next. Per due workshop per tick: primary key.
func (s *Store) AdvanceReminder(ctx context.Context, id string, from, next time.Time, notified int) error {
	n, err := affected(s.write.ExecContext(ctx, `UPDATE workshops SET reminder_due_at = ?, notified_revision = ?
		WHERE id = ? AND reminder_due_at IS ?`, at(next), notified, id, at(from)))
	if err == nil && n == 0 {
		var one int
		err = s.write.QueryRowContext(ctx, `SELECT 1 FROM workshops WHERE id = ?`, id).Scan(&one)
		if err == nil {
			err = store.ErrConflict
		}
	}
	if err != nil {
		return notFound("advance reminder", err)
	}
	return nil
}

const registrationColumns = `workshop_id, user_id, status, wait_seq, promoted_at, created_at, updated_at`

func scanRegistration(r scanner) (store.Registration, error) {
	var g store.Registration
	err := r.Scan(&g.WorkshopID, &g.UserID, &g.Status, &g.WaitSeq, millis{&g.PromotedAt}, millis{&g.CreatedAt}, millis{&g.UpdatedAt})
	return g, err
}

func scanRegistrations(rows *sql.Rows) ([]store.Registration, error) {
	defer rows.Close()
	var out []store.Registration
	for rows.Next() {
		g, err := scanRegistration(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// JoinWorkshop decides registered or waitlisted inside one transaction.
// Per join: primary keys of workshops and registrations.
func (s *Store) JoinWorkshop(ctx context.Context, workshopID, userID string, now time.Time) (store.Registration, error) {
	var reg store.Registration
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		w, err := scanWorkshop(tx.QueryRowContext(ctx, `SELECT `+workshopColumns+` FROM workshops WHERE id = ?`, workshopID))
		if err != nil {
			return err
		}
		reg, err = scanRegistration(tx.QueryRowContext(ctx, `SELECT `+registrationColumns+` FROM registrations
			WHERE workshop_id = ? AND user_id = ?`, workshopID, userID))
		exists := err == nil
		switch {
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return err
		case exists && reg.Status != store.RegCancelled:
			return nil
		}
		if st := w.StatusAt(now); st == store.WorkshopClosed || st == store.WorkshopCancelled {
			return store.ErrWorkshopClosed
		}
		reg = store.Registration{WorkshopID: workshopID, UserID: userID, Status: store.RegRegistered, CreatedAt: now, UpdatedAt: now}
		seats, waits := 1, 0
		if w.Registered >= w.Capacity {
			reg.Status, seats, waits = store.RegWaitlisted, 0, 1
			if err := tx.QueryRowContext(ctx, `UPDATE workshops SET wait_seq = wait_seq + 1 WHERE id = ? RETURNING wait_seq`, workshopID).Scan(&reg.WaitSeq); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO registrations (`+registrationColumns+`) VALUES (?, ?, ?, ?, NULL, ?, ?)
			ON CONFLICT (workshop_id, user_id) DO UPDATE SET status = excluded.status,
				wait_seq = excluded.wait_seq, promoted_at = NULL, created_at = excluded.created_at,
				updated_at = excluded.updated_at`,
			workshopID, userID, reg.Status, reg.WaitSeq, at(now), at(now)); err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, `UPDATE workshops SET registered = registered + ?, waitlisted = waitlisted + ?
			WHERE id = ?`, seats, waits, workshopID); err != nil {
			return err
		}
		reg, err = scanRegistration(tx.QueryRowContext(ctx, `SELECT `+registrationColumns+` FROM registrations
			WHERE workshop_id = ? AND user_id = ?`, workshopID, userID))
		return err
	})
	if err != nil {
		return store.Registration{}, notFound("join workshop", err)
	}
	return reg, nil
}

// LeaveWorkshop cancels a registration and promotes the first waitlisted leader, in one
// transaction. Per cancel: primary keys and registrations_waitlist.
func (s *Store) LeaveWorkshop(ctx context.Context, workshopID, userID string, now time.Time) (store.Registration, *store.Registration, error) {
	var left store.Registration
	var promoted *store.Registration
	now = now.UTC().Truncate(time.Millisecond)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		left, err = scanRegistration(tx.QueryRowContext(ctx, `SELECT `+registrationColumns+` FROM registrations
			WHERE workshop_id = ? AND user_id = ? AND status IN (?, ?)`, workshopID, userID, store.RegRegistered, store.RegWaitlisted))
		if err != nil {
			return err
		}
		seats, waits := 0, 0
		if left.Status.HoldsSeat() {
			seats = 1
		} else {
			waits = 1
		}
		left.Status, left.UpdatedAt = store.RegCancelled, now
		if _, err := tx.ExecContext(ctx, `UPDATE registrations SET status = ?, updated_at = ? WHERE workshop_id = ? AND user_id = ?`,
			left.Status, at(now), workshopID, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE workshops SET registered = registered - ?, waitlisted = waitlisted - ?
			WHERE id = ?`, seats, waits, workshopID); err != nil {
			return err
		}
		if seats == 0 {
			return nil
		}
		var status store.WorkshopStatus
		if err := tx.QueryRowContext(ctx, `SELECT status FROM workshops WHERE id = ?`, workshopID).Scan(&status); err != nil || status == store.WorkshopCancelled {
			return err
		}
		regs, err := promote(ctx, tx, workshopID, now)
		if len(regs) > 0 {
			promoted = &regs[0]
		}
		return err
	})
	if err != nil {
		return store.Registration{}, nil, notFound("leave workshop", err)
	}
	return left, promoted, nil
}

// GetRegistration returns one registration. Per message: primary key.
func (s *Store) GetRegistration(ctx context.Context, workshopID, userID string) (store.Registration, error) {
	g, err := scanRegistration(s.read.QueryRowContext(ctx, `SELECT `+registrationColumns+` FROM registrations
		WHERE workshop_id = ? AND user_id = ?`, workshopID, userID))
	if err != nil {
		return store.Registration{}, notFound("get registration", err)
	}
	return g, nil
}

// ListRegistrations returns a workshop's registrations, seat holders first. Per due workshop per
// tick: the primary key's workshop_id prefix.
func (s *Store) ListRegistrations(ctx context.Context, workshopID string) ([]store.Registration, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+registrationColumns+` FROM registrations WHERE workshop_id = ?
		ORDER BY CASE status WHEN 'registered' THEN 0 WHEN 'attended' THEN 0 WHEN 'waitlisted' THEN 1 ELSE 2 END,
			CASE WHEN status = 'waitlisted' THEN wait_seq ELSE created_at END, user_id`, workshopID)
	if err == nil {
		var out []store.Registration
		if out, err = scanRegistrations(rows); err == nil {
			return out, nil
		}
	}
	return nil, fmt.Errorf("sqlitestore: list registrations: %w", err)
}

// ListRegistrationsOf returns a leader's registrations. Per "อบรมของฉัน": registrations_user.
func (s *Store) ListRegistrationsOf(ctx context.Context, userID string) ([]store.Registration, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+registrationColumns+` FROM registrations WHERE user_id = ?
		ORDER BY created_at DESC, workshop_id`, userID)
	if err == nil {
		var out []store.Registration
		if out, err = scanRegistrations(rows); err == nil {
			return out, nil
		}
	}
	return nil, fmt.Errorf("sqlitestore: list registrations of leader: %w", err)
}

// SetAttendance flips a seat holder between registered and attended. Primary key.
func (s *Store) SetAttendance(ctx context.Context, workshopID, userID string, attended bool, now time.Time) (store.Registration, error) {
	status := store.RegRegistered
	if attended {
		status = store.RegAttended
	}
	g, err := scanRegistration(s.write.QueryRowContext(ctx, `UPDATE registrations SET status = ?, updated_at = ?
		WHERE workshop_id = ? AND user_id = ? AND status IN (?, ?) RETURNING `+registrationColumns,
		status, at(now), workshopID, userID, store.RegRegistered, store.RegAttended))
	if err != nil {
		return store.Registration{}, notFound("set attendance", err)
	}
	return g, nil
}

// inTx runs f in one IMMEDIATE transaction on the write connection and commits when f returns nil.
func (s *Store) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}
