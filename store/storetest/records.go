package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ssonet/ssonet/store"
)

// testMemberRecords checks GetMemberRecords against the single reads it stands for: each record
// is what GetMember, GetSession, GetLeader, GetOfficer and OpenCaseOf return, or nil where they
// return ErrNotFound, and nothing of another user or of a closed case shows.
func testMemberRecords(t *testing.T, open Opener) {
	ctx := context.Background()
	// same fails t unless r holds what the single reads give for userID.
	same := func(t *testing.T, st store.Store, userID string, r store.MemberRecords) {
		t.Helper()
		sameAs(t, "member", r.Member)(st.GetMember(ctx, userID))
		sameAs(t, "session", r.Session)(st.GetSession(ctx, userID))
		sameAs(t, "leader", r.Leader)(st.GetLeader(ctx, userID))
		sameAs(t, "officer", r.Officer)(st.GetOfficer(ctx, userID))
		sameAs(t, "open case", r.OpenCase)(st.OpenCaseOf(ctx, userID))
	}
	read := func(t *testing.T, st store.Store, userID string) store.MemberRecords {
		t.Helper()
		r, err := st.GetMemberRecords(ctx, userID)
		wantErr(t, "GetMemberRecords", err, nil)
		return r
	}
	mkCase := func(id, userID string, status store.CaseStatus, age time.Duration) store.Case {
		return store.Case{ID: id, UserID: userID, ProvinceCode: "TH-76", Status: status, CreatedAt: t0.Add(-age).UTC(),
			Entries: []store.CaseEntry{{At: t0.Add(-age).UTC(), From: "member", Text: "ขอคุยกับเจ้าหน้าที่ " + PlainPhone, Request: true}}}
	}

	t.Run("Unknown", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		diff(t, "records of an unknown user", store.MemberRecords{}, read(t, st, "U-missing"))
	})

	t.Run("All", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		const u = "U-all"
		wantErr(t, "UpsertMember", st.UpsertMember(ctx, store.Member{UserID: u, DisplayName: "นิด", Language: store.LangEnglish, FollowedAt: t0, UpdatedAt: t0}), nil)
		if _, err := st.SaveSession(ctx, session(u)); err != nil {
			t.Fatal(err)
		}
		wantErr(t, "CreateLeader", st.CreateLeader(ctx, leader(u, "sub-all")), nil)
		wantErr(t, "CreateInvite", st.CreateInvite(ctx, invite("h-all", "TH-76", "TH-10", "TH-50")), nil)
		if _, err := st.UseInvite(ctx, "h-all", u, t0); err != nil {
			t.Fatal(err)
		}
		for _, c := range []store.Case{mkCase("old", u, store.CaseOpen, 2*time.Hour), mkCase("new", u, store.CaseOpen, time.Hour), mkCase("done", u, store.CaseClosed, 0)} {
			if _, err := st.CreateCase(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		// Another user's records do not show.
		wantErr(t, "UpsertMember other", st.UpsertMember(ctx, store.Member{UserID: "U-other", Language: store.LangThai}), nil)
		wantErr(t, "CreateLeader other", st.CreateLeader(ctx, leader("U-other", "sub-other")), nil)
		if _, err := st.CreateCase(ctx, mkCase("other", "U-other", store.CaseOpen, 0)); err != nil {
			t.Fatal(err)
		}
		r := read(t, st, u)
		if r.Member == nil || r.Session == nil || r.Leader == nil || r.Officer == nil || r.OpenCase == nil {
			t.Fatalf("records %+v, want all five", r)
		}
		same(t, st, u, r)
		if r.OpenCase.ID != "new" || r.Leader.Phone != "0898765432" || len(r.Session.Fields) != 2 {
			t.Errorf("open case %s, leader's phone %q, session fields %v: want the newest open case and the fields unsealed", r.OpenCase.ID, r.Leader.Phone, r.Session.Fields)
		}
		diff(t, "officer's provinces, sorted", struct{ P []string }{[]string{"TH-10", "TH-50", "TH-76"}}, struct{ P []string }{r.Officer.Provinces})
	})

	t.Run("Some", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		// A session without a member record, and a case that is closed.
		const u = "U-some"
		if _, err := st.SaveSession(ctx, session(u)); err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateCase(ctx, mkCase("closed", u, store.CaseClosed, 0)); err != nil {
			t.Fatal(err)
		}
		r := read(t, st, u)
		if r.Member != nil || r.Session == nil || r.Leader != nil || r.Officer != nil || r.OpenCase != nil {
			t.Errorf("records %+v, want the session only", r)
		}
		same(t, st, u, r)
		// A member who is a leader only; after the leader record is deleted, none.
		const v = "U-leader"
		wantErr(t, "UpsertMember", st.UpsertMember(ctx, store.Member{UserID: v, Language: store.LangThai, FollowedAt: t0}), nil)
		wantErr(t, "CreateLeader", st.CreateLeader(ctx, leader(v, "sub-leader")), nil)
		r = read(t, st, v)
		if r.Member == nil || r.Session != nil || r.Leader == nil || r.Officer != nil || r.OpenCase != nil {
			t.Errorf("records %+v, want member and leader", r)
		}
		same(t, st, v, r)
		wantErr(t, "DeleteLeader", st.DeleteLeader(ctx, v), nil)
		if r := read(t, st, v); r.Leader != nil {
			t.Errorf("leader after delete: %+v", r.Leader)
		}
	})
}

// sameAs returns a check that rec is what a single read gave: nil where it found none
// (store.ErrNotFound), else the same record.
func sameAs[T any](t *testing.T, what string, rec *T) func(T, error) {
	return func(v T, err error) {
		t.Helper()
		switch {
		case errors.Is(err, store.ErrNotFound):
			if rec != nil {
				t.Errorf("%s: records hold %+v, the single read finds none", what, *rec)
			}
		case err != nil:
			t.Fatalf("%s: %v", what, err)
		case rec == nil:
			t.Errorf("%s: records hold none, the single read finds %+v", what, v)
		default:
			diff(t, what, v, *rec)
		}
	}
}
