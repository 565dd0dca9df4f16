package mongostore

import (
	"context"
	"errors"
	"sync"

	"github.com/ssonet/ssonet/store"
)

// GetMemberRecords reads a user's records with five finds at once, each of one document
// through an index: members, sessions, leaders and officers by _id, the open case by
// userId_status (OpenCaseOf). Not one query: FerretDB 1.x has no $lookup (see the package
// comment), and a $lookup pipeline would have to start from a member document the user may
// not have yet. Run concurrently, the five take about one round trip to the server instead of
// five. They are not one snapshot; neither were the separate reads they replace, and one user's
// events are handled one at a time.
func (s *Store) GetMemberRecords(ctx context.Context, userID string) (store.MemberRecords, error) {
	var r store.MemberRecords
	errs := make([]error, 5)
	var wg sync.WaitGroup
	wg.Go(func() { r.Member, errs[0] = found(s.GetMember(ctx, userID)) })
	wg.Go(func() { r.Session, errs[1] = found(s.GetSession(ctx, userID)) })
	wg.Go(func() { r.Leader, errs[2] = found(s.GetLeader(ctx, userID)) })
	wg.Go(func() { r.Officer, errs[3] = found(s.GetOfficer(ctx, userID)) })
	wg.Go(func() { r.OpenCase, errs[4] = found(s.OpenCaseOf(ctx, userID)) })
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return store.MemberRecords{}, wrap("member records", err)
	}
	return r, nil
}

// found is a single read's record, nil when the read found none (store.ErrNotFound).
func found[T any](v T, err error) (*T, error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return &v, nil
}
