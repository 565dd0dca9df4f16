package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ssonet/ssonet/store"
)

func testCases(t *testing.T, open Opener) {
	ctx := context.Background()
	mk := func(id, user, province string, age time.Duration) store.Case {
		return store.Case{ID: id, UserID: user, ProvinceCode: province, Status: store.CaseOpen, CreatedAt: t0.Add(-age).UTC(),
			Entries: []store.CaseEntry{{At: t0.Add(-age).UTC(), From: "member", Text: "ขอคุยกับเจ้าหน้าที่ค่ะ " + PlainPhone}}}
	}

	t.Run("Lifecycle", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		c, err := st.CreateCase(ctx, mk("c1", "U-m", "TH-76", time.Hour))
		wantErr(t, "CreateCase", err, nil)
		if c.Version != 1 {
			t.Errorf("created version %d, want 1", c.Version)
		}
		_, err = st.CreateCase(ctx, mk("c1", "U-x", "TH-76", 0))
		wantErr(t, "CreateCase same ID", err, store.ErrConflict)
		got, err := st.OpenCaseOf(ctx, "U-m")
		wantErr(t, "OpenCaseOf", err, nil)
		diff(t, "open case", c, got)
		c.Entries = append(c.Entries, store.CaseEntry{At: t0.UTC(), From: "officer:U-o", Text: "สวัสดีค่ะ"})
		c.FirstResponseAt = t0.UTC()
		c2, err := st.UpdateCase(ctx, c)
		wantErr(t, "UpdateCase", err, nil)
		_, err = st.UpdateCase(ctx, c) // the old version again
		wantErr(t, "UpdateCase stale", err, store.ErrConflict)
		_, err = st.UpdateCase(ctx, store.Case{ID: "none", Version: 1})
		wantErr(t, "UpdateCase unknown", err, store.ErrNotFound)
		got, err = st.GetCase(ctx, "c1")
		wantErr(t, "GetCase", err, nil)
		diff(t, "updated case", c2, got)
		c2.Status, c2.ClosedAt, c2.ClosedBy = store.CaseClosed, t0.Add(time.Hour).UTC(), "officer:U-o"
		if _, err := st.UpdateCase(ctx, c2); err != nil {
			t.Fatal(err)
		}
		_, err = st.OpenCaseOf(ctx, "U-m")
		wantErr(t, "OpenCaseOf after close", err, store.ErrNotFound)
		n, err := st.DeleteCasesClosedBefore(ctx, t0.Add(time.Hour))
		wantErr(t, "DeleteCasesClosedBefore at the close", err, nil)
		if n != 0 {
			t.Errorf("deleted %d cases closed at the bound", n)
		}
		n, _ = st.DeleteCasesClosedBefore(ctx, t0.Add(2*time.Hour))
		if _, err := st.GetCase(ctx, "c1"); n != 1 || err == nil {
			t.Errorf("retention deleted %d, case still there: %v", n, err)
		}
	})

	t.Run("ListAndUnanswered", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		for _, c := range []store.Case{mk("a", "U-a", "TH-76", 3*time.Hour), mk("b", "U-b", "TH-76", 2*time.Hour), mk("c", "U-c", "TH-10", time.Hour)} {
			if _, err := st.CreateCase(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		b, _ := st.GetCase(ctx, "b")
		b.FirstResponseAt = t0.UTC()
		if _, err := st.UpdateCase(ctx, b); err != nil {
			t.Fatal(err)
		}
		ids := func(cs []store.Case) []string {
			var out []string
			for _, c := range cs {
				out = append(out, c.ID)
			}
			return out
		}
		got, err := st.ListCases(ctx, "TH-76", store.CaseOpen, 0)
		wantErr(t, "ListCases", err, nil)
		diff(t, "open cases of TH-76, newest first", struct{ IDs []string }{[]string{"b", "a"}}, struct{ IDs []string }{ids(got)})
		all, _ := st.ListCases(ctx, "", "", 2)
		diff(t, "two newest of all", struct{ IDs []string }{[]string{"c", "b"}}, struct{ IDs []string }{ids(all)})
		un, err := st.CasesUnanswered(ctx, t0.Add(-90*time.Minute))
		wantErr(t, "CasesUnanswered", err, nil)
		diff(t, "unanswered for 90 minutes", struct{ IDs []string }{[]string{"a"}}, struct{ IDs []string }{ids(un)})
		a := un[0]
		a.HotlineAt = t0.UTC()
		if _, err := st.UpdateCase(ctx, a); err != nil {
			t.Fatal(err)
		}
		if un, _ := st.CasesUnanswered(ctx, t0); len(un) != 1 || un[0].ID != "c" {
			t.Errorf("after the hotline notice, unanswered = %v", ids(un))
		}
		n, err := st.DeleteCasesOf(ctx, "U-a")
		wantErr(t, "DeleteCasesOf", err, nil)
		if _, gerr := st.GetCase(ctx, "a"); n != 1 || gerr == nil {
			t.Errorf("DeleteCasesOf removed %d; case a: %v", n, gerr)
		}
		if _, err := st.GetCase(ctx, "b"); err != nil {
			t.Errorf("another member's case went too: %v", err)
		}
	})
}

func testRecent(t *testing.T, open Opener) {
	ctx := context.Background()
	line := func(min int, from, text string) store.CaseEntry {
		return store.CaseEntry{At: t0.Add(time.Duration(min) * time.Minute).UTC(), From: from, Text: text}
	}
	said := func(min int, text string) store.CaseEntry {
		e := line(min, "member", text)
		e.Event = fmt.Sprintf("ev-%d", min)
		return e
	}
	recent := func(t *testing.T, st store.Store, user string, want ...store.CaseEntry) {
		t.Helper()
		got, err := st.Recent(ctx, user)
		wantErr(t, "Recent", err, nil)
		diff(t, "recent lines of "+user, struct{ E []store.CaseEntry }{want}, struct{ E []store.CaseEntry }{got})
	}
	// held is how many lines the store holds before t (DeleteRecentBefore removes and counts them).
	held := func(t *testing.T, st store.Store, before time.Time) int {
		t.Helper()
		n, err := st.DeleteRecentBefore(ctx, before, 1000)
		wantErr(t, "DeleteRecentBefore", err, nil)
		return n
	}

	t.Run("KeepAndSince", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		recent(t, st, "U-r")
		wantErr(t, "AddRecent", st.AddRecent(ctx, "U-r", []store.CaseEntry{said(0, "a"), line(0, "bot", "b")}, 3, t0.UTC()), nil)
		wantErr(t, "AddRecent", st.AddRecent(ctx, "U-r", []store.CaseEntry{said(2, "c"), line(2, "bot", "d")}, 3, t0.UTC()), nil)
		recent(t, st, "U-r", line(0, "bot", "b"), said(2, "c"), line(2, "bot", "d"))
		wantErr(t, "AddRecent", st.AddRecent(ctx, "U-r", []store.CaseEntry{said(10, "e")}, 3, t0.Add(2*time.Minute).UTC()), nil)
		recent(t, st, "U-r", said(2, "c"), line(2, "bot", "d"), said(10, "e"))
		wantErr(t, "AddRecent", st.AddRecent(ctx, "U-r", []store.CaseEntry{said(11, "f")}, 3, t0.Add(5*time.Minute).UTC()), nil)
		recent(t, st, "U-r", said(10, "e"), said(11, "f"))
		wantErr(t, "AddRecent other", st.AddRecent(ctx, "U-s", []store.CaseEntry{said(0, "x")}, 3, t0.UTC()), nil)
		recent(t, st, "U-r", said(10, "e"), said(11, "f"))
		if n := held(t, st, t0.Add(time.Hour)); n != 3 {
			t.Errorf("the store holds %d lines, want 3: those dropped are deleted", n)
		}
	})

	t.Run("ChattyMemberStaysBounded", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		var want []store.CaseEntry
		for i := range 40 { // a message and its answer at the same instant, 40 times
			msg := []store.CaseEntry{said(i, fmt.Sprintf("m%d", i)), line(i, "bot", fmt.Sprintf("b%d", i))}
			wantErr(t, "AddRecent", st.AddRecent(ctx, "U-c", msg, 10, t0.UTC()), nil)
			want = append(want, msg...)
		}
		recent(t, st, "U-c", want[len(want)-10:]...)
		if n := held(t, st, t0.Add(time.Hour)); n != 10 {
			t.Errorf("the store holds %d lines of a member who sent 40 messages, want 10", n)
		}
	})

	t.Run("Cleanup", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		for _, u := range []string{"U-a", "U-b"} {
			for _, min := range []int{0, 1, 2, 30} {
				wantErr(t, "AddRecent", st.AddRecent(ctx, u, []store.CaseEntry{said(min, u)}, 10, t0.UTC()), nil)
			}
		}
		var chunks []int
		for {
			n, err := st.DeleteRecentBefore(ctx, t0.Add(10*time.Minute), 4)
			wantErr(t, "DeleteRecentBefore", err, nil)
			chunks = append(chunks, n)
			if n < 4 {
				break
			}
		}
		if !slices.Equal(chunks, []int{4, 2}) {
			t.Errorf("chunks of 4 removed %v, want [4 2] (6 lines before minute 10)", chunks)
		}
		recent(t, st, "U-a", said(30, "U-a"))
		recent(t, st, "U-b", said(30, "U-b"))
	})

	t.Run("DeleteRecent", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		wantErr(t, "DeleteRecent of nobody", st.DeleteRecent(ctx, "U-x"), nil)
		wantErr(t, "AddRecent", st.AddRecent(ctx, "U-x", []store.CaseEntry{said(0, "x"), said(1, "y")}, 10, t0.UTC()), nil)
		wantErr(t, "AddRecent", st.AddRecent(ctx, "U-y", []store.CaseEntry{said(0, "z")}, 10, t0.UTC()), nil)
		wantErr(t, "DeleteRecent", st.DeleteRecent(ctx, "U-x"), nil)
		recent(t, st, "U-x")
		recent(t, st, "U-y", said(0, "z"))
	})
}
