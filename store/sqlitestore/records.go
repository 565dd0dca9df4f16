package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/ssonet/ssonet/store"
)

// qMemberRecords is GetMemberRecords' one statement. The one-row subquery u carries the user
// ID, so the row exists even for a user the store knows nothing of; every table joins on its
// primary key (members, sessions, leaders, officers by user_id; the open case by id), the
// officer's provinces come from officer_provinces_user, and the open case is found through
// cases_user, as OpenCaseOf finds it (its status a literal for the same reason). Each table's
// "user_id IS NOT NULL" (the case's id) tells whether the user has that record. Checked with
// EXPLAIN QUERY PLAN in TestMemberRecordsQueryPlan.
var qMemberRecords = `
	SELECT m.user_id IS NOT NULL, ` + qualified("m", memberColumns) + `,
		s.user_id IS NOT NULL, ` + qualified("s", sessionColumns) + `,
		l.user_id IS NOT NULL, ` + qualified("l", leaderColumns) + `,
		o.user_id IS NOT NULL, o.created_at, o.updated_at,
		(SELECT group_concat(province, ',') FROM officer_provinces WHERE user_id = u.user_id),
		c.id IS NOT NULL, ` + qualified("c", caseColumns) + `
	FROM (SELECT ?1 AS user_id) AS u
	LEFT JOIN members m ON m.user_id = u.user_id
	LEFT JOIN sessions s ON s.user_id = u.user_id
	LEFT JOIN leaders l ON l.user_id = u.user_id
	LEFT JOIN officers o ON o.user_id = u.user_id
	LEFT JOIN cases c ON c.id = (SELECT id FROM cases WHERE user_id = u.user_id AND status = '` + string(store.CaseOpen) + `'
		ORDER BY created_at DESC LIMIT 1)`

// GetMemberRecords reads a user's member record, session, leader record, officer record and
// open case in one statement (qMemberRecords), once per webhook event.
func (s *Store) GetMemberRecords(ctx context.Context, userID string) (store.MemberRecords, error) {
	m, sess, l, o, c := store.Member{UserID: userID}, store.Session{UserID: userID}, store.Leader{UserID: userID}, store.Officer{UserID: userID}, store.Case{}
	var hasM, hasS, hasL, hasO, hasC bool
	var fields, history, phone, provinces, entries string
	dests := append([]any{&hasM}, memberDests(&m)...)
	dests = append(append(dests, &hasS), sessionDests(&sess, &fields, &history)...)
	dests = append(append(dests, &hasL), leaderDests(&l, &phone)...)
	dests = append(dests, &hasO, millis{&o.CreatedAt}, millis{&o.UpdatedAt}, orZero(&provinces))
	dests = append(append(dests, &hasC), caseDests(&c, &entries)...)
	err := s.read.QueryRowContext(ctx, qMemberRecords, userID).Scan(dests...)
	var r store.MemberRecords
	if err == nil && hasM {
		r.Member = &m
	}
	if err == nil && hasS {
		err = s.openSession(&sess, fields, history)
		r.Session = &sess
	}
	if err == nil && hasL {
		l.Phone, err = s.sealer.Open(phone)
		r.Leader = &l
	}
	if err == nil && hasO {
		if provinces != "" {
			o.Provinces = strings.Split(provinces, ",") // ISO 3166-2 codes hold no comma
			slices.Sort(o.Provinces)
		}
		r.Officer = &o
	}
	if err == nil && hasC {
		err = s.sealer.OpenJSON(entries, &c.Entries)
		r.OpenCase = &c
	}
	if err != nil {
		return store.MemberRecords{}, fmt.Errorf("sqlitestore: member records: %w", err)
	}
	return r, nil
}

// orZero is a Scan destination that takes NULL as the zero value of *p, so one column list
// serves both a table's own reads and GetMemberRecords, whose LEFT JOINs give NULLs for a record
// the user does not have. Anything else is converted as database/sql converts into *p.
func orZero[T any](p *T) nullAsZero[T] { return nullAsZero[T]{p} }

// nullAsZero is orZero's destination.
type nullAsZero[T any] struct{ p *T }

// Scan implements sql.Scanner.
func (o nullAsZero[T]) Scan(src any) error {
	var n sql.Null[T]
	err := n.Scan(src)
	*o.p = n.V
	return err
}

// qualified is cols, a comma-separated list of column names, with each name prefixed by alias.
func qualified(alias, cols string) string {
	names := strings.Split(cols, ",")
	for i, n := range names {
		names[i] = alias + "." + strings.TrimSpace(n)
	}
	return strings.Join(names, ", ")
}
