// Package storetest is the conformance suite every store.Store implementation passes (the
// pattern of dexidp/dex's storage/conformance). An implementation's test calls Run with a
// function that opens a fresh, empty store; each entity has its own file and section here.
package storetest

import (
	"context"
	"crypto/rand"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ssonet/ssonet/store"
)

// Opener returns a new, empty store for one test and arranges for it to be closed when the
// test ends.
type Opener func(t *testing.T) store.Store

// sections are the suite's parts, one per entity; a new entity appends its section.
var sections = []struct {
	name string
	run  func(t *testing.T, open Opener)
}{
	{"Ping", testPing},
	{"Member", testMembers},
	{"Leader", testLeaders},
	{"Session", testSessions},
	{"Inbox", testInbox},
	{"Officer", testOfficers},
	{"LeaderDecision", testLeaderDecisions},
	{"Announcement", testAnnouncements},
	{"Audit", testAudit},
	{"Referral", testReferrals},
	{"Workshop", testWorkshops},
	{"Outbox", testOutbox},
	{"KnowledgeFeedback", testKnowledgeFeedback},
	{"OfficerChange", testOfficerChanges},
	{"Credential", testCredentials},
	{"Case", testCases},
	{"Recent", testRecent},
	{"Idempotency", testIdempotency},
	{"Lease", testLeases},
	{"MemberRecords", testMemberRecords},
}

// Run runs the whole conformance suite against the stores open returns. Subtests run in
// parallel, each on its own store.
func Run(t *testing.T, open Opener) {
	for _, s := range sections {
		t.Run(s.name, func(t *testing.T) { s.run(t, open) })
	}
}

// NewSealer returns a Sealer with a random key, for implementations' tests.
func NewSealer(t testing.TB) *store.Sealer {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key) // never fails (crypto/rand)
	s, err := store.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Personal values SeedPersonalData writes; implementations' tests check that neither appears
// in plain in the database's raw bytes.
const (
	PlainPhone      = "0812345678"
	PlainNationalID = "3101700203451"
	// VisibleName is stored unsealed next to PlainPhone: finding it proves the raw-bytes scan
	// reads the data that was written.
	VisibleName = "สมหญิง ใจดี"
)

// SeedPersonalData writes a leader whose phone is PlainPhone, a session holding
// PlainNationalID in its fields, a referral of PlainNationalID with PlainPhone, an inbox event
// whose body holds both (what a user typed), a hand-off case whose transcript holds both, a
// recent line that holds both, and an API answer kept for its Idempotency-Key that shows both.
func SeedPersonalData(t testing.TB, st store.Store) {
	t.Helper()
	ctx := context.Background()
	l := leader("U-personal", "sub-personal")
	l.Phone, l.FullName = PlainPhone, VisibleName
	if err := st.CreateLeader(ctx, l); err != nil {
		t.Fatal(err)
	}
	sess := session("U-personal")
	sess.Fields = map[string]string{"national_id": PlainNationalID, "phone": PlainPhone}
	if _, err := st.SaveSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	r := referral(1, "U-personal", PlainNationalID)
	r.Phone = PlainPhone
	if err := st.CreateReferral(ctx, r); err != nil {
		t.Fatal(err)
	}
	ev := store.InboxEvent{ID: "ev-personal", UserID: "U-personal", Body: []byte(`{"text":"` + PlainNationalID + " " + PlainPhone + `"}`), EventAt: t0, ReceivedAt: t0}
	if _, err := st.AddInbox(ctx, []store.InboxEvent{ev}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.BeginIdempotent(ctx, store.IdempotentAnswer{Key: "idem-personal", BodySum: "s", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishIdempotent(ctx, "idem-personal", 200, "application/json", []byte(`{"nationalId":"`+PlainNationalID+`","phone":"`+PlainPhone+`"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateCase(ctx, store.Case{ID: "case-personal", UserID: "U-personal", Status: store.CaseOpen, CreatedAt: t0,
		Entries: []store.CaseEntry{{At: t0, From: "member", Text: "โทรกลับ " + PlainPhone + " บัตร " + PlainNationalID}}}); err != nil {
		t.Fatal(err)
	}
	if err := st.AddRecent(ctx, "U-personal", []store.CaseEntry{{At: t0, From: "member", Text: "บัตร " + PlainNationalID + " โทร " + PlainPhone}},
		10, t0); err != nil {
		t.Fatal(err)
	}
}

func testPing(t *testing.T, open Opener) {
	t.Parallel()
	if err := open(t).Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

// t0 is the suite's "now": a time in Bangkok with milliseconds, so that round trips show both
// the conversion to UTC and the kept precision.
var t0 = time.Date(2025, time.March, 14, 9, 30, 15, 123_000_000, time.FixedZone("ICT", 7*60*60))

// diff fails t when the entity got differs from want. Times compare as instants (go-cmp uses
// time.Time.Equal), so every time in got is also checked to be in UTC; nil and empty maps and
// slices are alike.
func diff[E any](t *testing.T, what string, want, got E) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
	v := reflect.ValueOf(got)
	for i := range v.NumField() {
		if tm, ok := v.Field(i).Interface().(time.Time); ok && tm.Location() != time.UTC {
			t.Errorf("%s: %s is in %v, want UTC", what, v.Type().Field(i).Name, tm.Location())
		}
	}
}

// wantErr fails t unless errors.Is(err, target); a nil target means no error.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

// race runs n calls of f at once and returns their errors by index.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Go(func() {
			start.Wait()
			errs[i] = f(i)
		})
	}
	start.Done()
	done.Wait()
	return errs
}

// exactlyOneWins fails t unless exactly one of errs is nil and all others are store.ErrConflict.
// It returns the winner's index.
func exactlyOneWins(t *testing.T, errs []error) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("calls %d and %d both succeeded", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("call %d: got %v, want nil or ErrConflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no call succeeded")
	}
	return winner
}
