package sqlitestore

import (
	"context"
	"fmt"
	"strings"

	"github.com/ssonet/ssonet/store"
)

// AppendAudit adds e; store.ErrConflict if e.ID exists.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) error {
	n, err := affected(s.write.ExecContext(ctx, `
		INSERT INTO audit (id, at, actor, action, subject, province, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		e.ID, at(e.At), e.Actor, e.Action, e.Subject, e.Province, e.Detail))
	if err == nil && n == 0 {
		err = store.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: append audit: %w", err)
	}
	return nil
}

// ListAudit returns the entries f selects, newest first. Served by audit_subject when a subject
// is given, else by audit_at (walked backwards).
func (s *Store) ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error) {
	var where []string
	var args []any
	if f.Action != "" {
		// A prefix as a range, so no LIKE wildcards in the action need escaping.
		where = append(where, `action >= ? AND action < ?`)
		args = append(args, f.Action, f.Action+"\U0010FFFF")
	}
	if f.Subject != "" {
		where = append(where, `subject = ?`)
		args = append(args, f.Subject)
	}
	if !f.Since.IsZero() {
		where = append(where, `at >= ?`)
		args = append(args, at(f.Since))
	}
	if !f.Until.IsZero() {
		where = append(where, `at < ?`)
		args = append(args, at(f.Until))
	}
	q := `SELECT id, at, actor, action, subject, province, detail FROM audit`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = store.DefaultAuditLimit
	}
	q += ` ORDER BY at DESC, id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: list audit: %w", err)
	}
	defer rows.Close()
	var out []store.AuditEntry
	for rows.Next() {
		var e store.AuditEntry
		if err := rows.Scan(&e.ID, millis{&e.At}, &e.Actor, &e.Action, &e.Subject, &e.Province, &e.Detail); err != nil {
			return nil, fmt.Errorf("sqlitestore: list audit: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlitestore: list audit: %w", err)
	}
	return out, nil
}
