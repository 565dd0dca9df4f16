package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/ssonet/ssonet/store"
)

func testOfficers(t *testing.T, open Opener) {
	ctx := context.Background()

	t.Run("UseOnce", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		_, err := st.GetOfficer(ctx, "U-off")
		wantErr(t, "GetOfficer before", err, store.ErrNotFound)
		_, err = st.UseInvite(ctx, "h-missing", "U-off", t0)
		wantErr(t, "UseInvite unknown", err, store.ErrNotFound)

		wantErr(t, "CreateInvite", st.CreateInvite(ctx, invite("h1", "TH-76", "TH-10")), nil)
		wantErr(t, "CreateInvite again", st.CreateInvite(ctx, invite("h1", "TH-50")), store.ErrConflict)
		o, err := st.UseInvite(ctx, "h1", "U-off", t0.Add(time.Hour))
		wantErr(t, "UseInvite", err, nil)
		diff(t, "officer", store.Officer{UserID: "U-off", Provinces: []string{"TH-10", "TH-76"}, CreatedAt: t0.Add(time.Hour), UpdatedAt: t0.Add(time.Hour)}, o)
		_, err = st.UseInvite(ctx, "h1", "U-off", t0.Add(2*time.Hour))
		wantErr(t, "UseInvite twice by the same user", err, store.ErrConflict)
		_, err = st.UseInvite(ctx, "h1", "U-other", t0.Add(2*time.Hour))
		wantErr(t, "UseInvite by another", err, store.ErrConflict)
		_, err = st.GetOfficer(ctx, "U-other")
		wantErr(t, "GetOfficer of the refused", err, store.ErrNotFound)

		// A second invite adds provinces to the same officer.
		wantErr(t, "CreateInvite 2", st.CreateInvite(ctx, invite("h2", "TH-50", "TH-76")), nil)
		o, err = st.UseInvite(ctx, "h2", "U-off", t0.Add(3*time.Hour))
		wantErr(t, "UseInvite 2", err, nil)
		diff(t, "officer after second invite", store.Officer{UserID: "U-off", Provinces: []string{"TH-10", "TH-50", "TH-76"}, CreatedAt: t0.Add(time.Hour), UpdatedAt: t0.Add(3 * time.Hour)}, o)
		got, err := st.GetOfficer(ctx, "U-off")
		wantErr(t, "GetOfficer", err, nil)
		diff(t, "stored officer", o, got)
	})

	t.Run("Expired", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		wantErr(t, "CreateInvite", st.CreateInvite(ctx, invite("h-exp", "TH-76")), nil)
		_, err := st.UseInvite(ctx, "h-exp", "U-late", t0.Add(48*time.Hour))
		wantErr(t, "UseInvite at expiry", err, store.ErrNotFound)
		_, err = st.GetOfficer(ctx, "U-late")
		wantErr(t, "GetOfficer", err, store.ErrNotFound)
	})

	t.Run("Race", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		wantErr(t, "CreateInvite", st.CreateInvite(ctx, invite("h-race", "TH-76")), nil)
		users := []string{"U-a", "U-b", "U-c", "U-d"}
		errs := race(len(users), func(i int) error {
			_, err := st.UseInvite(ctx, "h-race", users[i], t0)
			return err
		})
		w := exactlyOneWins(t, errs)
		for i, u := range users {
			_, err := st.GetOfficer(ctx, u)
			if i == w {
				wantErr(t, "GetOfficer winner", err, nil)
			} else {
				wantErr(t, "GetOfficer loser", err, store.ErrNotFound)
			}
		}
	})

	t.Run("ListByProvince", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		wantErr(t, "CreateInvite", st.CreateInvite(ctx, invite("h-a", "TH-76")), nil)
		wantErr(t, "CreateInvite", st.CreateInvite(ctx, invite("h-b", "TH-76", "TH-10")), nil)
		for h, u := range map[string]string{"h-a": "U-b76", "h-b": "U-a76"} {
			if _, err := st.UseInvite(ctx, h, u, t0); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			province string
			want     []string
		}{{"TH-76", []string{"U-a76", "U-b76"}}, {"TH-10", []string{"U-a76"}}, {"TH-50", nil}, {"", []string{"U-a76", "U-b76"}}} {
			got, err := st.ListOfficers(ctx, c.province)
			wantErr(t, "ListOfficers", err, nil)
			var ids []string
			for _, o := range got {
				ids = append(ids, o.UserID)
			}
			diff(t, "officers of "+c.province, struct{ IDs []string }{c.want}, struct{ IDs []string }{ids})
		}
	})
}

func testLeaderDecisions(t *testing.T, open Opener) {
	ctx := context.Background()

	t.Run("DecideOnce", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		_, err := st.DecideLeader(ctx, "U-nobody", decision("sub-x", store.LeaderApproved, "U-off", t0))
		wantErr(t, "DecideLeader unknown", err, store.ErrNotFound)
		l := leader("U-l", "sub-l")
		wantErr(t, "CreateLeader", st.CreateLeader(ctx, l), nil)
		errs := race(4, func(i int) error {
			status := store.LeaderApproved
			if i%2 == 1 {
				status = store.LeaderRejected
			}
			_, err := st.DecideLeader(ctx, "U-l", decision("sub-l", status, "U-off"+string(rune('a'+i)), t0.Add(time.Hour)))
			return err
		})
		w := exactlyOneWins(t, errs)
		got, err := st.DecideLeader(ctx, "U-l", decision("sub-l", store.LeaderRejected, "U-late", t0.Add(2*time.Hour)))
		wantErr(t, "DecideLeader after decision", err, store.ErrConflict)
		want := l
		want.Status, want.DecidedBy, want.DecidedAt, want.DecisionNote = store.LeaderApproved, "U-off"+string(rune('a'+w)), t0.Add(time.Hour), "note"
		if w%2 == 1 {
			want.Status = store.LeaderRejected
		}
		diff(t, "the already-decided record", want, got)
	})

	t.Run("NamesTheApplication", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		l := leader("U-re", "sub-second")
		wantErr(t, "CreateLeader", st.CreateLeader(ctx, l), nil)
		got, err := st.DecideLeader(ctx, "U-re", decision("sub-first", store.LeaderApproved, "U-off", t0))
		wantErr(t, "DecideLeader on an older application", err, store.ErrConflict)
		diff(t, "the current, undecided application", l, got)
		got, err = st.DecideLeader(ctx, "U-re", decision("sub-second", store.LeaderApproved, "U-off", t0))
		wantErr(t, "DecideLeader on the current application", err, nil)
		if got.Status != store.LeaderApproved || got.DecisionNote != "note" {
			t.Errorf("decided = %+v", got)
		}
	})

	t.Run("List", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		mk := func(id, province string, age time.Duration) store.Leader {
			l := leader(id, "sub-"+id)
			l.ProvinceCode, l.CreatedAt = province, t0.Add(-age)
			wantErr(t, "CreateLeader", st.CreateLeader(ctx, l), nil)
			return l
		}
		a := mk("U-a", "TH-76", time.Hour)
		mk("U-b", "TH-76", 2*time.Hour)
		mk("U-c", "TH-10", 3*time.Hour)
		b, err := st.DecideLeader(ctx, "U-b", decision("sub-U-b", store.LeaderApproved, "api", t0))
		wantErr(t, "DecideLeader", err, nil)
		pending, err := st.ListLeaders(ctx, "TH-76", store.LeaderPending)
		wantErr(t, "ListLeaders pending", err, nil)
		diff(t, "pending of TH-76", struct{ L []store.Leader }{[]store.Leader{a}}, struct{ L []store.Leader }{pending})
		all, err := st.ListLeaders(ctx, "TH-76", "")
		wantErr(t, "ListLeaders all", err, nil)
		diff(t, "all of TH-76, oldest first", struct{ L []store.Leader }{[]store.Leader{b, a}}, struct{ L []store.Leader }{all})
		every, err := st.ListLeaders(ctx, "", "")
		wantErr(t, "ListLeaders everywhere", err, nil)
		if len(every) != 3 || every[0].UserID != "U-c" {
			t.Errorf("ListLeaders everywhere = %d leaders, first %v", len(every), every)
		}
	})
}

// decision is a decision on application sub with the note "note".
func decision(sub string, status store.LeaderStatus, by string, at time.Time) store.LeaderDecision {
	return store.LeaderDecision{SubmissionID: sub, Status: status, By: by, Note: "note", At: at}
}

func testOfficerChanges(t *testing.T, open Opener) {
	ctx := context.Background()
	t.Run("SetProvincesAndDelete", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		_, err := st.SetOfficerProvinces(ctx, "U-none", []string{"TH-10"}, t0)
		wantErr(t, "SetOfficerProvinces unknown", err, store.ErrNotFound)
		wantErr(t, "CreateInvite", st.CreateInvite(ctx, invite("h-s", "TH-76", "TH-10")), nil)
		if _, err := st.UseInvite(ctx, "h-s", "U-o", t0); err != nil {
			t.Fatal(err)
		}
		o, err := st.SetOfficerProvinces(ctx, "U-o", []string{"TH-50", "TH-12", "TH-50"}, t0.Add(time.Hour))
		wantErr(t, "SetOfficerProvinces", err, nil)
		diff(t, "provinces", struct{ P []string }{[]string{"TH-12", "TH-50"}}, struct{ P []string }{o.Provinces})
		got, err := st.GetOfficer(ctx, "U-o")
		wantErr(t, "GetOfficer", err, nil)
		diff(t, "stored officer", o, got)
		if of76, _ := st.ListOfficers(ctx, "TH-76"); len(of76) != 0 {
			t.Errorf("officers of TH-76 after the change = %v", of76)
		}
		wantErr(t, "DeleteOfficer", st.DeleteOfficer(ctx, "U-o"), nil)
		_, err = st.GetOfficer(ctx, "U-o")
		wantErr(t, "GetOfficer after delete", err, store.ErrNotFound)
		if of50, _ := st.ListOfficers(ctx, "TH-50"); len(of50) != 0 {
			t.Errorf("officers of TH-50 after delete = %v", of50)
		}
		wantErr(t, "DeleteOfficer again", st.DeleteOfficer(ctx, "U-o"), nil)
	})
}

func invite(hash string, provinces ...string) store.OfficerInvite {
	return store.OfficerInvite{CodeHash: hash, Provinces: provinces, CreatedAt: t0, ExpiresAt: t0.Add(48 * time.Hour)}
}
