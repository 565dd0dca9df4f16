package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/ssonet/ssonet/store"
)

// qMemberRest is GetMemberRecords' second statement, for a user whom qMemberOnly found to have
// a leader record, an officer record or an open case: those three. The one-row subquery u
// carries the user ID; every table joins on its primary key (leaders, officers by user_id; the
// open case by id), the officer's provinces come from officer_provinces_user, and the open case
// is found through cases_user, as OpenCaseOf finds it (its status a literal for the same
// reason). Each table's "user_id IS NOT NULL" (the case's id) tells whether the user has that
// record. Checked with EXPLAIN QUERY PLAN in TestMemberRecordsQueryPlan.
var qMemberRest = `
	SELECT l.user_id IS NOT NULL, ` + qualified("l", leaderColumns) + `,
		o.user_id IS NOT NULL, o.created_at, o.updated_at,
		(SELECT group_concat(province, ',') FROM officer_provinces WHERE user_id = u.user_id),
		c.id IS NOT NULL, ` + qualified("c", caseColumns) + `
	FROM (SELECT ?1 AS user_id) AS u
	LEFT JOIN leaders l ON l.user_id = u.user_id
	LEFT JOIN officers o ON o.user_id = u.user_id
	LEFT JOIN cases c ON c.id = (SELECT id FROM cases WHERE user_id = u.user_id AND status = '` + string(store.CaseOpen) + `'
		ORDER BY created_at DESC LIMIT 1)`

// qMemberOnly is GetMemberRecords' first statement: the member's and the session's columns
// (members and sessions by their primary keys) and whether the user has a leader record, an
// officer record or an open case (their primary keys; cases_user). Most who write have none of
// those three (workers asking about Section 40), and then this row is the whole read.
var qMemberOnly = `
	SELECT m.user_id IS NOT NULL, ` + qualified("m", memberColumns) + `,
		s.user_id IS NOT NULL, ` + qualified("s", sessionColumns) + `,
		EXISTS (SELECT 1 FROM leaders WHERE user_id = u.user_id)
		OR EXISTS (SELECT 1 FROM officers WHERE user_id = u.user_id)
		OR EXISTS (SELECT 1 FROM cases WHERE user_id = u.user_id AND status = '` + string(store.CaseOpen) + `')
	FROM (SELECT ?1 AS user_id) AS u
	LEFT JOIN members m ON m.user_id = u.user_id
	LEFT JOIN sessions s ON s.user_id = u.user_id`

// GetMemberRecords reads a user's member record, session, leader record, officer record and
// open case, once per webhook event: one statement (qMemberOnly) for a user with no leader
// record, officer record or open case, a second (qMemberRest) for one with any of them. A
// statement of fewer columns costs far less in database/sql and the driver than one row of all
// of them (BenchmarkMemberRecords).
func (s *Store) GetMemberRecords(ctx context.Context, userID string) (store.MemberRecords, error) {
	m, sess := store.Member{UserID: userID}, store.Session{UserID: userID}
	var hasM, hasS, more bool
	var fields, history string
	dests := append([]any{&hasM}, memberDests(&m)...)
	dests = append(append(dests, &hasS), sessionDests(&sess, &fields, &history)...)
	err := s.read.QueryRowContext(ctx, qMemberOnly, userID).Scan(append(dests, &more)...)
	var r store.MemberRecords
	if err == nil && hasM {
		r.Member = &m
	}
	if err == nil && hasS {
		err = s.openSession(&sess, fields, history)
		r.Session = &sess
	}
	if err == nil && more {
		err = s.memberRest(ctx, userID, &r)
	}
	if err != nil {
		return store.MemberRecords{}, fmt.Errorf("sqlitestore: member records: %w", err)
	}
	return r, nil
}

// memberRest reads the user's leader record, officer record and open case into r
// (qMemberRest).
func (s *Store) memberRest(ctx context.Context, userID string, r *store.MemberRecords) error {
	l, o, c := store.Leader{UserID: userID}, store.Officer{UserID: userID}, store.Case{}
	var hasL, hasO, hasC bool
	var phone, provinces, entries string
	dests := append([]any{&hasL}, leaderDests(&l, &phone)...)
	dests = append(dests, &hasO, millis{&o.CreatedAt}, millis{&o.UpdatedAt}, orZero(&provinces))
	dests = append(append(dests, &hasC), caseDests(&c, &entries)...)
	err := s.read.QueryRowContext(ctx, qMemberRest, userID).Scan(dests...)
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
	return err
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
