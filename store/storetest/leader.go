package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/ssonet/ssonet/store"
)

// leader returns a pending leader with every other field set.
func leader(userID, submissionID string) store.Leader {
	return store.Leader{
		UserID:       userID,
		SubmissionID: submissionID,
		FullName:     "สมชาย ใจดี",
		Phone:        "0898765432",
		ProvinceCode: "TH-76",
		District:     "เมืองเพชรบุรี",
		Organisation: "กลุ่มอาชีพทอผ้า",
		Status:       store.LeaderPending,
		ConsentAt:    t0,
		CreatedAt:    t0.Add(time.Second),
	}
}

func testLeaders(t *testing.T, open Opener) {
	ctx := context.Background()

	t.Run("NotFound", func(t *testing.T) {
		t.Parallel()
		_, err := open(t).GetLeader(ctx, "U-missing")
		wantErr(t, "GetLeader", err, store.ErrNotFound)
	})

	t.Run("RoundTrip", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		pending := leader("U-pending", "sub-1")
		decided := leader("U-decided", "sub-2")
		decided.Status, decided.DecidedAt, decided.DecidedBy = store.LeaderApproved, t0.Add(time.Hour), "U-officer"
		for _, l := range []store.Leader{pending, decided} {
			wantErr(t, "CreateLeader", st.CreateLeader(ctx, l), nil)
			got, err := st.GetLeader(ctx, l.UserID)
			wantErr(t, "GetLeader", err, nil)
			diff(t, "leader", l, got)
		}
	})

	t.Run("DuplicateUser", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		first := leader("U-dup", "sub-1")
		wantErr(t, "CreateLeader", st.CreateLeader(ctx, first), nil)
		again := leader("U-dup", "sub-2")
		again.FullName = "someone else"
		wantErr(t, "CreateLeader same user", st.CreateLeader(ctx, again), store.ErrConflict)
		got, err := st.GetLeader(ctx, first.UserID)
		wantErr(t, "GetLeader", err, nil)
		diff(t, "leader after conflict", first, got)
	})

	t.Run("DuplicateSubmission", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		wantErr(t, "CreateLeader", st.CreateLeader(ctx, leader("U-first", "sub-same")), nil)
		wantErr(t, "CreateLeader same submission", st.CreateLeader(ctx, leader("U-second", "sub-same")), store.ErrConflict)
		_, err := st.GetLeader(ctx, "U-second")
		wantErr(t, "GetLeader of the refused", err, store.ErrNotFound)
	})

	t.Run("Delete", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		wantErr(t, "CreateLeader", st.CreateLeader(ctx, leader("U-gone", "sub-gone")), nil)
		wantErr(t, "CreateLeader", st.CreateLeader(ctx, leader("U-stays", "sub-stays")), nil)
		wantErr(t, "DeleteLeader", st.DeleteLeader(ctx, "U-gone"), nil)
		_, err := st.GetLeader(ctx, "U-gone")
		wantErr(t, "GetLeader after delete", err, store.ErrNotFound)
		_, err = st.GetLeader(ctx, "U-stays")
		wantErr(t, "GetLeader of the other", err, nil)
		wantErr(t, "DeleteLeader again", st.DeleteLeader(ctx, "U-gone"), nil)
		wantErr(t, "CreateLeader after delete", st.CreateLeader(ctx, leader("U-gone", "sub-new")), nil)
	})
}
