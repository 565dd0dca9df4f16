package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ssonet/ssonet/store"
)

// sessionColumns are a session's columns but its key, in the order of sessionDests.
const sessionColumns = `id, flow, step, fields_sealed, history, tries, editing, submission_id, expires_at, updated_at, version`

// sessionDests are where a row's sessionColumns go: the sealed fields and the history's JSON
// into fields and history, for openSession (orZero: GetMemberRecords reads them through a LEFT
// JOIN).
func sessionDests(sess *store.Session, fields, history *string) []any {
	return []any{orZero(&sess.ID), orZero(&sess.Flow), orZero(&sess.Step), orZero(fields), orZero(history), orZero(&sess.Tries),
		orZero(&sess.Editing), orZero(&sess.SubmissionID), millis{&sess.ExpiresAt}, millis{&sess.UpdatedAt}, orZero(&sess.Version)}
}

// openSession unseals the fields and decodes the history sessionDests scanned.
func (s *Store) openSession(sess *store.Session, fields, history string) error {
	if err := s.sealer.OpenJSON(fields, &sess.Fields); err != nil {
		return err
	}
	return json.Unmarshal([]byte(history), &sess.History)
}

// GetSession returns the session of a user, or store.ErrNotFound.
// Served by the primary key sessions(user_id).
func (s *Store) GetSession(ctx context.Context, userID string) (store.Session, error) {
	sess := store.Session{UserID: userID}
	var fields, history string
	err := s.read.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE user_id = ?`, userID).
		Scan(sessionDests(&sess, &fields, &history)...)
	if err == nil {
		err = s.openSession(&sess, fields, history)
	}
	if err != nil {
		return store.Session{}, notFound("get session", err)
	}
	return sess, nil
}

// SaveSession inserts the session when sess.Version is 0, else replaces it if the stored
// version is still sess.Version; either way the stored version becomes sess.Version+1. A lost
// race gives store.ErrConflict and changes nothing.
// Per message; served by the primary key sessions(user_id).
func (s *Store) SaveSession(ctx context.Context, sess store.Session) (store.Session, error) {
	fields, err := s.sealer.SealJSON(sess.Fields)
	if err != nil {
		return store.Session{}, fmt.Errorf("sqlitestore: save session: %w", err)
	}
	history, err := json.Marshal(sess.History)
	if err != nil {
		return store.Session{}, fmt.Errorf("sqlitestore: save session: %w", err)
	}
	q := `
		UPDATE sessions SET id = ?2, flow = ?3, step = ?4, fields_sealed = ?5, history = ?6,
			tries = ?7, editing = ?8, submission_id = ?9, expires_at = ?10, updated_at = ?11,
			version = ?12 + 1
		WHERE user_id = ?1 AND version = ?12`
	if sess.Version == 0 {
		q = `
		INSERT INTO sessions (user_id, id, flow, step, fields_sealed, history, tries, editing,
			submission_id, expires_at, updated_at, version)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12 + 1)
		ON CONFLICT DO NOTHING`
	}
	n, err := affected(s.write.ExecContext(ctx, q,
		sess.UserID, sess.ID, sess.Flow, sess.Step, fields, string(history), sess.Tries,
		sess.Editing, sess.SubmissionID, at(sess.ExpiresAt), at(sess.UpdatedAt), sess.Version))
	if err == nil && n == 0 {
		err = store.ErrConflict
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("sqlitestore: save session: %w", err)
	}
	sess.Version++
	return sess, nil
}

// DeleteSession removes the user's session if its stored version is version; store.ErrConflict
// if it changed meanwhile; nil if there is none.
// Per flow end; served by the primary key sessions(user_id).
func (s *Store) DeleteSession(ctx context.Context, userID string, version int64) error {
	n, err := affected(s.write.ExecContext(ctx,
		`DELETE FROM sessions WHERE user_id = ? AND version = ?`, userID, version))
	if err == nil && n == 0 {
		var one int
		err = s.write.QueryRowContext(ctx, `SELECT 1 FROM sessions WHERE user_id = ?`, userID).Scan(&one)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			err = nil
		case err == nil:
			err = store.ErrConflict
		}
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: delete session: %w", err)
	}
	return nil
}

// DeleteSessionsExpiredBefore removes sessions whose ExpiresAt is before t.
// Per clean-up tick; served by the index sessions_expires_at.
func (s *Store) DeleteSessionsExpiredBefore(ctx context.Context, t time.Time) (int, error) {
	n, err := affected(s.write.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ?`, at(t)))
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: delete expired sessions: %w", err)
	}
	return n, nil
}
