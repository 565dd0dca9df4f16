package sqlitestore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ssonet/ssonet/store"
)

// referralColumns are the columns scanReferral reads, in order.
const referralColumns = `id, submission_id, source, leader_id, worker_user_id, full_name,
	national_id_sealed, phone_sealed, birth_date, age, age_uncertain, occupation, province_code,
	district, option, status, status_note, status_at, closed_at, notice_key, notified_at,
	consent_at, created_at`

// nationalIDHash is the stored lookup key of a national ID: its keyed hash, NULL when empty.
func (s *Store) nationalIDHash(nid string) any {
	if nid == "" {
		return nil
	}
	return s.sealer.Hash(nid)
}

// CreateReferral stores r with the national ID and phone sealed. store.ErrConflict when the
// submission ID or the national ID (by its hash) is taken: ON CONFLICT DO NOTHING covers the
// primary key and both unique indexes.
func (s *Store) CreateReferral(ctx context.Context, r store.Referral) error {
	n, err := affected(s.write.ExecContext(ctx, `
		INSERT INTO referrals (`+referralColumns+`, national_id_hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`,
		r.ID, r.SubmissionID, r.Source, r.LeaderID, r.WorkerUserID, r.FullName,
		s.sealer.Seal(r.NationalID), s.sealer.Seal(r.Phone), at(r.BirthDate), r.Age, r.AgeUncertain,
		r.Occupation, r.ProvinceCode, r.District, r.Option, r.Status, r.StatusNote, at(r.StatusAt),
		at(r.ClosedAt), r.NoticeKey, at(r.NotifiedAt), at(r.ConsentAt), at(r.CreatedAt),
		s.nationalIDHash(r.NationalID)))
	if err == nil && n == 0 {
		err = store.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: create referral: %w", err)
	}
	return nil
}

// scanReferral reads one row of referralColumns and opens the sealed values.
func (s *Store) scanReferral(row interface{ Scan(...any) error }) (store.Referral, error) {
	var r store.Referral
	var nid, phone string
	err := row.Scan(&r.ID, &r.SubmissionID, &r.Source, &r.LeaderID, &r.WorkerUserID, &r.FullName,
		&nid, &phone, millis{&r.BirthDate}, &r.Age, &r.AgeUncertain, &r.Occupation, &r.ProvinceCode,
		&r.District, &r.Option, &r.Status, &r.StatusNote, millis{&r.StatusAt}, millis{&r.ClosedAt},
		&r.NoticeKey, millis{&r.NotifiedAt}, millis{&r.ConsentAt}, millis{&r.CreatedAt})
	if err != nil {
		return store.Referral{}, err
	}
	if r.NationalID, err = s.sealer.Open(nid); err != nil {
		return store.Referral{}, err
	}
	if r.Phone, err = s.sealer.Open(phone); err != nil {
		return store.Referral{}, err
	}
	return r, nil
}

// getReferralWhere reads the one referral matching cond (a column = ? condition).
func (s *Store) getReferralWhere(ctx context.Context, what, cond string, arg any) (store.Referral, error) {
	r, err := s.scanReferral(s.read.QueryRowContext(ctx, `SELECT `+referralColumns+` FROM referrals WHERE `+cond, arg))
	if err != nil {
		return store.Referral{}, notFound(what, err)
	}
	return r, nil
}

// GetReferral returns the referral with that ID. Served by the primary key.
func (s *Store) GetReferral(ctx context.Context, id string) (store.Referral, error) {
	return s.getReferralWhere(ctx, "get referral", `id = ?`, id)
}

// GetReferralBySubmission returns the referral a flow run stored. Served by the UNIQUE
// submission_id index.
func (s *Store) GetReferralBySubmission(ctx context.Context, submissionID string) (store.Referral, error) {
	return s.getReferralWhere(ctx, "get referral by submission", `submission_id = ?`, submissionID)
}

// FindReferralByNationalID returns the referral of a national ID. Per national ID typed in the
// referral flow; served by referrals_national_id_hash.
func (s *Store) FindReferralByNationalID(ctx context.Context, nationalID string) (store.Referral, error) {
	if nationalID == "" {
		return store.Referral{}, fmt.Errorf("sqlitestore: find referral: %w", store.ErrNotFound)
	}
	return s.getReferralWhere(ctx, "find referral", `national_id_hash = ?`, s.sealer.Hash(nationalID))
}

// ListReferrals returns the referrals f selects, newest first. Served by referrals_leader when
// a leader is given (the leader's list in the chat), referrals_worker for a worker (their
// "สนใจสมัคร"), referrals_province for a province, else referrals_created.
func (s *Store) ListReferrals(ctx context.Context, f store.ReferralFilter) ([]store.Referral, error) {
	q, args := referralQuery(f)
	return s.queryReferrals(ctx, "list referrals", q, args...)
}

// referralQuery is ListReferrals' SQL and arguments for f (checked with EXPLAIN QUERY PLAN in
// TestReferralQueryPlans).
func referralQuery(f store.ReferralFilter) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if f.LeaderID != "" {
		add(`leader_id = ?`, f.LeaderID)
	}
	if f.ProvinceCode != "" {
		add(`province_code = ?`, f.ProvinceCode)
	}
	if f.Status != "" {
		add(`status = ?`, f.Status)
	}
	if f.Source != "" {
		add(`source = ?`, f.Source)
	}
	if f.WorkerUserID != "" {
		// referrals_worker is a partial index (WHERE worker_user_id != ''); SQLite uses it only
		// when the query states that condition itself, "= ?" alone does not imply it.
		add(`worker_user_id = ? AND worker_user_id != ''`, f.WorkerUserID)
	}
	if !f.Since.IsZero() {
		add(`created_at >= ?`, at(f.Since))
	}
	if !f.Until.IsZero() {
		add(`created_at < ?`, at(f.Until))
	}
	q := `SELECT ` + referralColumns + ` FROM referrals`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = store.DefaultReferralLimit
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`
	return q, append(args, limit, max(f.Offset, 0))
}

func (s *Store) queryReferrals(ctx context.Context, what, q string, args ...any) ([]store.Referral, error) {
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: %s: %w", what, err)
	}
	defer rows.Close()
	var out []store.Referral
	for rows.Next() {
		r, err := s.scanReferral(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlitestore: %s: %w", what, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlitestore: %s: %w", what, err)
	}
	return out, nil
}

// CountReferralsByStatus counts a leader's referrals by status. Served by referrals_leader.
func (s *Store) CountReferralsByStatus(ctx context.Context, leaderID string) (map[store.ReferralStatus]int, error) {
	return s.countReferrals(ctx, `SELECT status, COUNT(*) FROM referrals WHERE leader_id = ? GROUP BY status`, leaderID)
}

// CountProvinceReferrals counts a province's referrals (every province's when empty) by
// status. Served by referrals_province (a scan of the table for every province).
func (s *Store) CountProvinceReferrals(ctx context.Context, province string) (map[store.ReferralStatus]int, error) {
	if province == "" {
		return s.countReferrals(ctx, `SELECT status, COUNT(*) FROM referrals GROUP BY status`)
	}
	return s.countReferrals(ctx, `SELECT status, COUNT(*) FROM referrals WHERE province_code = ? GROUP BY status`, province)
}

// countReferrals runs a (status, count) query.
func (s *Store) countReferrals(ctx context.Context, query string, args ...any) (map[store.ReferralStatus]int, error) {
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: count referrals: %w", err)
	}
	defer rows.Close()
	out := map[store.ReferralStatus]int{}
	for rows.Next() {
		var st store.ReferralStatus
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("sqlitestore: count referrals: %w", err)
		}
		out[st] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlitestore: count referrals: %w", err)
	}
	return out, nil
}

// ChangeReferralStatus applies c guarded by the stored status (UPDATE ... WHERE status = from).
func (s *Store) ChangeReferralStatus(ctx context.Context, id string, c store.StatusChange) (store.Referral, error) {
	var closed time.Time
	if c.To.Closed() {
		closed = c.At
	}
	n, err := affected(s.write.ExecContext(ctx, `
		UPDATE referrals SET status = ?, status_note = ?, status_at = ?, closed_at = ?,
			notice_key = ?, notified_at = NULL
		WHERE id = ? AND status = ?`,
		c.To, c.Note, at(c.At), at(closed), c.NoticeKey, id, c.From))
	if err != nil {
		return store.Referral{}, fmt.Errorf("sqlitestore: change referral status: %w", err)
	}
	r, err := s.getReferralWhere(ctx, "change referral status", `id = ?`, id)
	if err == nil && n == 0 {
		err = fmt.Errorf("sqlitestore: change referral status: %w", store.ErrConflict)
	}
	if err != nil {
		return store.Referral{}, err
	}
	return r, nil
}

// MarkReferralNotified records the accepted push, guarded by its key. Served by the primary key.
func (s *Store) MarkReferralNotified(ctx context.Context, id, noticeKey string, t time.Time) error {
	n, err := affected(s.write.ExecContext(ctx,
		`UPDATE referrals SET notified_at = ? WHERE id = ? AND notice_key = ?`, at(t), id, noticeKey))
	if err == nil && n == 0 {
		if _, gerr := s.GetReferral(ctx, id); gerr != nil {
			return gerr
		}
		err = store.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: mark referral notified: %w", err)
	}
	return nil
}

// ListReferralNoticesDue returns the pushes to retry, oldest first. Per scheduler tick;
// served by the partial index referrals_notice_due.
func (s *Store) ListReferralNoticesDue(ctx context.Context, t time.Time, limit int) ([]store.Referral, error) {
	return s.queryReferrals(ctx, "list referral notices due", `SELECT `+referralColumns+` FROM referrals
		WHERE notified_at IS NULL AND notice_key != '' AND status_at < ? ORDER BY status_at, id LIMIT ?`, at(t), limit)
}

// ListReferralsClosedBefore returns the retention job's work, oldest first. Per scheduler
// tick; served by referrals_closed.
func (s *Store) ListReferralsClosedBefore(ctx context.Context, t time.Time, limit int) ([]store.Referral, error) {
	return s.queryReferrals(ctx, "list closed referrals", `SELECT `+referralColumns+` FROM referrals
		WHERE closed_at IS NOT NULL AND closed_at < ? ORDER BY closed_at, id LIMIT ?`, at(t), limit)
}

// DeleteReferral removes a referral. Served by the primary key.
func (s *Store) DeleteReferral(ctx context.Context, id string) error {
	n, err := affected(s.write.ExecContext(ctx, `DELETE FROM referrals WHERE id = ?`, id))
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: delete referral: %w", err)
	}
	return nil
}
