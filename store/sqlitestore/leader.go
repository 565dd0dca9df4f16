package sqlitestore

import (
	"context"
	"fmt"

	"github.com/ssonet/ssonet/store"
)

// CreateLeader stores a new leader with the phone number sealed. It returns store.ErrConflict
// when the user already has a leader record or the SubmissionID was used: ON CONFLICT DO
// NOTHING (without a target) covers both the primary key and the UNIQUE submission_id.
func (s *Store) CreateLeader(ctx context.Context, l store.Leader) error {
	n, err := affected(s.write.ExecContext(ctx, `
		INSERT INTO leaders (user_id, submission_id, full_name, phone_sealed, province_code,
			district, organisation, status, consent_at, created_at, decided_at, decided_by, decision_note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`,
		l.UserID, l.SubmissionID, l.FullName, s.sealer.Seal(l.Phone), l.ProvinceCode,
		l.District, l.Organisation, l.Status, at(l.ConsentAt), at(l.CreatedAt), at(l.DecidedAt), l.DecidedBy, l.DecisionNote))
	if err == nil && n == 0 {
		err = store.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: create leader: %w", err)
	}
	return nil
}

// leaderColumns are a leader's columns but its key, in the order of leaderDests.
const leaderColumns = `submission_id, full_name, phone_sealed, province_code, district, organisation,
	status, consent_at, created_at, decided_at, decided_by, decision_note`

// leaderDests are where a row's leaderColumns go, the sealed phone into phone (orZero:
// GetMemberRecords reads them through a LEFT JOIN).
func leaderDests(l *store.Leader, phone *string) []any {
	return []any{orZero(&l.SubmissionID), orZero(&l.FullName), orZero(phone), orZero(&l.ProvinceCode), orZero(&l.District),
		orZero(&l.Organisation), orZero(&l.Status), millis{&l.ConsentAt}, millis{&l.CreatedAt}, millis{&l.DecidedAt},
		orZero(&l.DecidedBy), orZero(&l.DecisionNote)}
}

// GetLeader returns the leader record of a LINE user, or store.ErrNotFound.
// Served by the primary key leaders(user_id).
func (s *Store) GetLeader(ctx context.Context, userID string) (store.Leader, error) {
	l := store.Leader{UserID: userID}
	var phone string
	err := s.read.QueryRowContext(ctx, `SELECT `+leaderColumns+` FROM leaders WHERE user_id = ?`, userID).Scan(leaderDests(&l, &phone)...)
	if err == nil {
		l.Phone, err = s.sealer.Open(phone)
	}
	if err != nil {
		return store.Leader{}, notFound("get leader", err)
	}
	return l, nil
}

// DeleteLeader removes the user's leader record, if any. Served by the primary key.
func (s *Store) DeleteLeader(ctx context.Context, userID string) error {
	if _, err := s.write.ExecContext(ctx, `DELETE FROM leaders WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("sqlitestore: delete leader: %w", err)
	}
	return nil
}
