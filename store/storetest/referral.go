package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ssonet/ssonet/store"
)

// National IDs for the referral section: 13 digits (the store does not check the check digit).
var nids = []string{"1101700203451", "3101700203451", "1234567890121", "5100100001019"}

// referral returns a submitted leader referral with every field set.
func referral(i int, leaderID, nationalID string) store.Referral {
	created := t0.Add(time.Duration(i) * time.Minute)
	return store.Referral{
		ID:           fmt.Sprintf("ref-%03d", i),
		SubmissionID: fmt.Sprintf("sub-%03d", i),
		Source:       store.SourceLeader,
		LeaderID:     leaderID,
		FullName:     "มานี มีนา",
		NationalID:   nationalID,
		Phone:        "0891112222",
		BirthDate:    time.Date(1980, 5, 1, 0, 0, 0, 0, time.UTC),
		Age:          44,
		Occupation:   "ค้าขาย",
		ProvinceCode: "TH-76",
		District:     "ชะอำ",
		Option:       "2",
		Status:       store.ReferralSubmitted,
		StatusAt:     created,
		ConsentAt:    created,
		CreatedAt:    created,
	}
}

// selfReferral returns a self-referral: no leader, no national ID.
func selfReferral(i int, workerID string) store.Referral {
	r := referral(i, "", "")
	r.Source, r.WorkerUserID, r.BirthDate, r.Age, r.Occupation, r.District, r.Option = store.SourceSelf, workerID, time.Time{}, 0, "", "", ""
	return r
}

func testReferrals(t *testing.T, open Opener) {
	ctx := context.Background()

	t.Run("NotFound", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		_, err := st.GetReferral(ctx, "ref-missing")
		wantErr(t, "GetReferral", err, store.ErrNotFound)
		_, err = st.GetReferralBySubmission(ctx, "sub-missing")
		wantErr(t, "GetReferralBySubmission", err, store.ErrNotFound)
		_, err = st.FindReferralByNationalID(ctx, nids[0])
		wantErr(t, "FindReferralByNationalID", err, store.ErrNotFound)
		_, err = st.FindReferralByNationalID(ctx, "")
		wantErr(t, "FindReferralByNationalID empty", err, store.ErrNotFound)
		wantErr(t, "DeleteReferral", st.DeleteReferral(ctx, "ref-missing"), store.ErrNotFound)
		_, err = st.ChangeReferralStatus(ctx, "ref-missing", store.StatusChange{From: store.ReferralSubmitted, To: store.ReferralContacted, At: t0})
		wantErr(t, "ChangeReferralStatus", err, store.ErrNotFound)
		wantErr(t, "MarkReferralNotified", st.MarkReferralNotified(ctx, "ref-missing", "k", t0), store.ErrNotFound)
	})

	t.Run("RoundTrip", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		full := referral(1, "U-leader", nids[0])
		full.AgeUncertain = true
		self := selfReferral(2, "U-worker")
		for _, r := range []store.Referral{full, self} {
			wantErr(t, "CreateReferral", st.CreateReferral(ctx, r), nil)
			got, err := st.GetReferral(ctx, r.ID)
			wantErr(t, "GetReferral", err, nil)
			diff(t, "referral", r, got)
			got, err = st.GetReferralBySubmission(ctx, r.SubmissionID)
			wantErr(t, "GetReferralBySubmission", err, nil)
			diff(t, "referral by submission", r, got)
		}
		got, err := st.FindReferralByNationalID(ctx, nids[0])
		wantErr(t, "FindReferralByNationalID", err, nil)
		diff(t, "referral by national ID", full, got)
	})

	t.Run("Duplicates", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		first := referral(1, "U-a", nids[0])
		wantErr(t, "CreateReferral", st.CreateReferral(ctx, first), nil)
		sameNID := referral(2, "U-b", nids[0])
		wantErr(t, "same national ID", st.CreateReferral(ctx, sameNID), store.ErrConflict)
		sameSub := referral(3, "U-a", nids[1])
		sameSub.SubmissionID = first.SubmissionID
		wantErr(t, "same submission", st.CreateReferral(ctx, sameSub), store.ErrConflict)
		sameID := referral(4, "U-a", nids[2])
		sameID.ID = first.ID
		wantErr(t, "same ID", st.CreateReferral(ctx, sameID), store.ErrConflict)
		// Self-referrals have no national ID: any number of them coexist.
		for i := 10; i < 13; i++ {
			wantErr(t, "self-referral", st.CreateReferral(ctx, selfReferral(i, "U-w")), nil)
		}
		all, err := st.ListReferrals(ctx, store.ReferralFilter{})
		wantErr(t, "ListReferrals", err, nil)
		if len(all) != 4 {
			t.Errorf("stored %d referrals, want 4 (one leader referral, three self)", len(all))
		}
	})

	t.Run("ConcurrentSameNationalID", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		const n = 8
		errs := race(n, func(i int) error { return st.CreateReferral(ctx, referral(i, fmt.Sprintf("U-%d", i), nids[3])) })
		w := exactlyOneWins(t, errs)
		got, err := st.FindReferralByNationalID(ctx, nids[3])
		wantErr(t, "FindReferralByNationalID", err, nil)
		if got.ID != referral(w, "", "").ID {
			t.Errorf("stored %s, want the winner ref-%03d", got.ID, w)
		}
		all, _ := st.ListReferrals(ctx, store.ReferralFilter{})
		if len(all) != 1 {
			t.Errorf("stored %d referrals, want 1", len(all))
		}
	})

	t.Run("ListFiltersAndPaging", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		rs := []store.Referral{
			referral(1, "U-a", nids[0]),
			referral(2, "U-b", nids[1]),
			referral(3, "U-a", nids[2]),
			selfReferral(4, "U-w"),
		}
		rs[1].ProvinceCode = "TH-10"
		rs[2].Status = store.ReferralContacted
		for _, r := range rs {
			wantErr(t, "CreateReferral", st.CreateReferral(ctx, r), nil)
		}
		for _, c := range []struct {
			name string
			f    store.ReferralFilter
			want []int
		}{
			{"all newest first", store.ReferralFilter{}, []int{4, 3, 2, 1}},
			{"leader", store.ReferralFilter{LeaderID: "U-a"}, []int{3, 1}},
			{"province", store.ReferralFilter{ProvinceCode: "TH-76"}, []int{4, 3, 1}},
			{"status", store.ReferralFilter{Status: store.ReferralContacted}, []int{3}},
			{"source", store.ReferralFilter{Source: store.SourceSelf}, []int{4}},
			{"worker", store.ReferralFilter{WorkerUserID: "U-w"}, []int{4}},
			{"other worker", store.ReferralFilter{WorkerUserID: "U-a"}, nil},
			{"since", store.ReferralFilter{Since: rs[2].CreatedAt}, []int{4, 3}},
			{"until", store.ReferralFilter{Until: rs[1].CreatedAt}, []int{1}},
			{"page 1", store.ReferralFilter{Limit: 2}, []int{4, 3}},
			{"page 2", store.ReferralFilter{Limit: 2, Offset: 2}, []int{2, 1}},
			{"past the end", store.ReferralFilter{Limit: 2, Offset: 4}, nil},
			{"combined", store.ReferralFilter{LeaderID: "U-a", Status: store.ReferralSubmitted, ProvinceCode: "TH-76"}, []int{1}},
		} {
			got, err := st.ListReferrals(ctx, c.f)
			wantErr(t, c.name, err, nil)
			var gotIDs, wantIDs []string
			for _, r := range got {
				gotIDs = append(gotIDs, r.ID)
			}
			for _, i := range c.want {
				wantIDs = append(wantIDs, rs[i-1].ID)
			}
			diff(t, c.name, struct{ IDs []string }{wantIDs}, struct{ IDs []string }{gotIDs})
		}
		got, _ := st.ListReferrals(ctx, store.ReferralFilter{LeaderID: "U-b"})
		if len(got) == 1 {
			diff(t, "listed referral", rs[1], got[0]) // sealed values are opened in lists too
		}
		counts, err := st.CountReferralsByStatus(ctx, "U-a")
		wantErr(t, "CountReferralsByStatus", err, nil)
		diff(t, "counts", struct{ C map[store.ReferralStatus]int }{map[store.ReferralStatus]int{store.ReferralSubmitted: 1, store.ReferralContacted: 1}}, struct{ C map[store.ReferralStatus]int }{counts})
		counts, err = st.CountProvinceReferrals(ctx, "TH-76")
		wantErr(t, "CountProvinceReferrals", err, nil)
		diff(t, "province counts", struct{ C map[store.ReferralStatus]int }{map[store.ReferralStatus]int{store.ReferralSubmitted: 2, store.ReferralContacted: 1}}, struct{ C map[store.ReferralStatus]int }{counts})
		counts, err = st.CountProvinceReferrals(ctx, "")
		wantErr(t, "CountProvinceReferrals of every province", err, nil)
		diff(t, "every province's counts", struct{ C map[store.ReferralStatus]int }{map[store.ReferralStatus]int{store.ReferralSubmitted: 3, store.ReferralContacted: 1}}, struct{ C map[store.ReferralStatus]int }{counts})
		counts, err = st.CountReferralsByStatus(ctx, "U-nobody")
		wantErr(t, "CountReferralsByStatus of nobody", err, nil)
		if len(counts) != 0 {
			t.Errorf("counts of a leader with no referrals = %v", counts)
		}
	})

	t.Run("StatusChangeAndNotice", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		r := referral(1, "U-a", nids[0])
		wantErr(t, "CreateReferral", st.CreateReferral(ctx, r), nil)
		at1 := t0.Add(time.Hour)
		got, err := st.ChangeReferralStatus(ctx, r.ID, store.StatusChange{From: store.ReferralSubmitted, To: store.ReferralContacted, Note: "โทรแล้ว", At: at1, NoticeKey: "key-1"})
		wantErr(t, "ChangeReferralStatus", err, nil)
		want := r
		want.Status, want.StatusNote, want.StatusAt, want.NoticeKey = store.ReferralContacted, "โทรแล้ว", at1, "key-1"
		diff(t, "after contacted", want, got)

		// A change decided on the old status loses.
		_, err = st.ChangeReferralStatus(ctx, r.ID, store.StatusChange{From: store.ReferralSubmitted, To: store.ReferralWithdrawn, At: at1, NoticeKey: "key-x"})
		wantErr(t, "stale change", err, store.ErrConflict)

		due, err := st.ListReferralNoticesDue(ctx, at1.Add(time.Second), 10)
		wantErr(t, "ListReferralNoticesDue", err, nil)
		if len(due) != 1 || due[0].ID != r.ID {
			t.Errorf("notices due = %v, want %s", due, r.ID)
		}
		if due, _ := st.ListReferralNoticesDue(ctx, at1, 10); len(due) != 0 {
			t.Errorf("notices due before the change = %v, want none", due)
		}
		wantErr(t, "MarkReferralNotified", st.MarkReferralNotified(ctx, r.ID, "key-1", at1.Add(time.Second)), nil)
		if due, _ := st.ListReferralNoticesDue(ctx, at1.Add(time.Hour), 10); len(due) != 0 {
			t.Errorf("notices due after the notice = %v, want none", due)
		}
		want.NotifiedAt = at1.Add(time.Second)
		got, _ = st.GetReferral(ctx, r.ID)
		diff(t, "after notice", want, got)

		at2 := t0.Add(2 * time.Hour)
		got, err = st.ChangeReferralStatus(ctx, r.ID, store.StatusChange{From: store.ReferralContacted, To: store.ReferralEnrolled, At: at2, NoticeKey: "key-2"})
		wantErr(t, "ChangeReferralStatus to closed", err, nil)
		want.Status, want.StatusNote, want.StatusAt, want.ClosedAt, want.NoticeKey, want.NotifiedAt = store.ReferralEnrolled, "", at2, at2, "key-2", time.Time{}
		diff(t, "after enrolled", want, got)
		wantErr(t, "MarkReferralNotified with an old key", st.MarkReferralNotified(ctx, r.ID, "key-1", at2), store.ErrConflict)
	})

	t.Run("Retention", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		for i, to := range []store.ReferralStatus{store.ReferralIneligible, store.ReferralWithdrawn, store.ReferralContacted, ""} {
			r := referral(i, "U-a", nids[i])
			wantErr(t, "CreateReferral", st.CreateReferral(ctx, r), nil)
			if to != "" {
				_, err := st.ChangeReferralStatus(ctx, r.ID, store.StatusChange{From: store.ReferralSubmitted, To: to, At: t0.Add(time.Duration(10-i) * time.Hour), NoticeKey: "k"})
				wantErr(t, "ChangeReferralStatus", err, nil)
			}
		}
		// ref-000 closed at t0+10h, ref-001 at t0+9h; ref-002 is open (contacted), ref-003 submitted.
		got, err := st.ListReferralsClosedBefore(ctx, t0.Add(11*time.Hour), 10)
		wantErr(t, "ListReferralsClosedBefore", err, nil)
		if len(got) != 2 || got[0].ID != "ref-001" || got[1].ID != "ref-000" {
			t.Fatalf("closed before +11h = %v, want ref-001 then ref-000", got)
		}
		got, _ = st.ListReferralsClosedBefore(ctx, t0.Add(10*time.Hour), 10)
		if len(got) != 1 || got[0].ID != "ref-001" {
			t.Errorf("closed before +10h = %v, want ref-001", got)
		}
		got, _ = st.ListReferralsClosedBefore(ctx, t0.Add(11*time.Hour), 1)
		if len(got) != 1 {
			t.Errorf("limit 1 gave %d", len(got))
		}
		wantErr(t, "DeleteReferral", st.DeleteReferral(ctx, "ref-001"), nil)
		_, err = st.GetReferral(ctx, "ref-001")
		wantErr(t, "GetReferral after delete", err, store.ErrNotFound)
		// The national ID is free again once the referral is gone.
		wantErr(t, "CreateReferral after delete", st.CreateReferral(ctx, referral(9, "U-b", nids[1])), nil)
	})
}
