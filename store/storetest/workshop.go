package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ssonet/ssonet/store"
)

// Workshop returns an open workshop in Phetchaburi starting two days after t0, with capacity
// seats, for the suite and for other packages' tests.
func Workshop(id string, capacity int) store.Workshop {
	start := t0.Add(48 * time.Hour).UTC().Truncate(time.Millisecond)
	return store.Workshop{
		ID:                   id,
		Title:                "อบรมเสริมศักยภาพแกนนำ",
		Description:          "สิทธิประโยชน์มาตรา 40 และการชักชวนแรงงานนอกระบบ",
		ProvinceCode:         "TH-76",
		Venue:                store.Venue{Name: "โรงแรมเพชรบุรี ห้อง 2", Address: "ถ.ราชวิถี อ.เมือง", MapURL: "https://maps.example/p"},
		StartsAt:             start,
		EndsAt:               start.Add(7 * time.Hour),
		Capacity:             capacity,
		RegistrationDeadline: start.Add(-24 * time.Hour),
		Status:               store.WorkshopOpen,
		CreatedBy:            "api",
		CreatedAt:            t0.UTC(),
		UpdatedAt:            t0.UTC(),
	}
}

func mustCreate(t *testing.T, st store.Store, w store.Workshop) store.Workshop {
	t.Helper()
	got, err := st.CreateWorkshop(context.Background(), w)
	wantErr(t, "CreateWorkshop", err, nil)
	return got
}

func testWorkshops(t *testing.T, open Opener) {
	ctx := context.Background()

	t.Run("RoundTrip", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		w := Workshop("w-1", 30)
		w.Registered = 7 // ignored: the store keeps the count
		w.ReminderDueAt = t0
		created := mustCreate(t, st, w)
		w.Registered, w.Version = 0, 1
		diff(t, "created", w, created)
		got, err := st.GetWorkshop(ctx, "w-1")
		wantErr(t, "GetWorkshop", err, nil)
		diff(t, "workshop", w, got)
		_, err = st.CreateWorkshop(ctx, w)
		wantErr(t, "CreateWorkshop again", err, store.ErrConflict)
		_, err = st.GetWorkshop(ctx, "w-missing")
		wantErr(t, "GetWorkshop missing", err, store.ErrNotFound)
	})

	t.Run("List", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		later := Workshop("w-later", 5)
		later.StartsAt = later.StartsAt.Add(time.Hour)
		other := Workshop("w-other", 5)
		other.ProvinceCode = "TH-10"
		past := Workshop("w-past", 5)
		past.StartsAt = t0.Add(-time.Hour)
		gone := Workshop("w-cancelled", 5)
		gone.Status = store.WorkshopCancelled
		for _, w := range []store.Workshop{later, Workshop("w-first", 5), other, past, gone} {
			mustCreate(t, st, w)
		}
		got, err := st.ListWorkshops(ctx, store.WorkshopFilter{ProvinceCode: "TH-76", StartsAfter: t0})
		wantErr(t, "ListWorkshops", err, nil)
		var ids []string
		for _, w := range got {
			ids = append(ids, w.ID)
		}
		diff(t, "ids", struct{ IDs []string }{[]string{"w-first", "w-later"}}, struct{ IDs []string }{ids})
		all, err := st.ListWorkshops(ctx, store.WorkshopFilter{WithCancelled: true, Limit: 10})
		wantErr(t, "ListWorkshops all", err, nil)
		if len(all) != 5 {
			t.Errorf("all workshops: got %d, want 5", len(all))
		}
	})

	t.Run("Update", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		w := mustCreate(t, st, Workshop("w-up", 2))
		for _, u := range []string{"U1", "U2"} {
			_, err := st.JoinWorkshop(ctx, w.ID, u, t0)
			wantErr(t, "JoinWorkshop", err, nil)
		}
		w, _ = st.GetWorkshop(ctx, w.ID)
		small := w
		small.Capacity = 1
		_, err := st.UpdateWorkshop(ctx, small)
		wantErr(t, "UpdateWorkshop below registered", err, store.ErrCapacityBelowRegistered)
		stale := w
		stale.Version--
		_, err = st.UpdateWorkshop(ctx, stale)
		wantErr(t, "UpdateWorkshop stale", err, store.ErrConflict)
		w.Title, w.Revision = "ใหม่", 1
		got, err := st.UpdateWorkshop(ctx, w)
		wantErr(t, "UpdateWorkshop", err, nil)
		if got.Title != "ใหม่" || got.Revision != 1 || got.Registered != 2 || got.Version != w.Version+1 {
			t.Errorf("updated = %+v", got)
		}
		missing := w
		missing.ID = "w-none"
		_, err = st.UpdateWorkshop(ctx, missing)
		wantErr(t, "UpdateWorkshop missing", err, store.ErrNotFound)
	})

	t.Run("JoinLeavePromote", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		w := mustCreate(t, st, Workshop("w-j", 1))
		a, err := st.JoinWorkshop(ctx, w.ID, "UA", t0)
		wantErr(t, "join A", err, nil)
		diff(t, "A", store.Registration{WorkshopID: w.ID, UserID: "UA", Status: store.RegRegistered, CreatedAt: t0, UpdatedAt: t0}, a)
		again, err := st.JoinWorkshop(ctx, w.ID, "UA", t0.Add(time.Minute))
		wantErr(t, "join A again", err, nil)
		diff(t, "A again", a, again)
		b, err := st.JoinWorkshop(ctx, w.ID, "UB", t0.Add(time.Second))
		wantErr(t, "join B", err, nil)
		c, err := st.JoinWorkshop(ctx, w.ID, "UC", t0.Add(2*time.Second))
		wantErr(t, "join C", err, nil)
		if b.Status != store.RegWaitlisted || c.Status != store.RegWaitlisted || b.WaitSeq >= c.WaitSeq {
			t.Fatalf("B %+v C %+v: want both waitlisted, B first", b, c)
		}
		got, _ := st.GetWorkshop(ctx, w.ID)
		if got.Registered != 1 || got.Waitlisted != 2 || got.StatusAt(t0) != store.WorkshopFull {
			t.Errorf("after joins: %+v status %s", got, got.StatusAt(t0))
		}
		leaveAt := t0.Add(time.Hour)
		left, promoted, err := st.LeaveWorkshop(ctx, w.ID, "UA", leaveAt)
		wantErr(t, "leave A", err, nil)
		if left.Status != store.RegCancelled || promoted == nil || promoted.UserID != "UB" ||
			promoted.Status != store.RegRegistered || !promoted.PromotedAt.Equal(leaveAt) {
			t.Fatalf("left %+v promoted %+v", left, promoted)
		}
		got, _ = st.GetWorkshop(ctx, w.ID)
		if got.Registered != 1 || got.Waitlisted != 1 || !got.ReminderDueAt.Equal(leaveAt) {
			t.Errorf("after leave: %+v", got)
		}
		_, _, err = st.LeaveWorkshop(ctx, w.ID, "UA", leaveAt)
		wantErr(t, "leave A twice", err, store.ErrNotFound)
		// A waitlisted leader leaving frees no seat.
		_, promoted, err = st.LeaveWorkshop(ctx, w.ID, "UC", leaveAt)
		wantErr(t, "leave C", err, nil)
		if promoted != nil {
			t.Errorf("leaving the waitlist promoted %+v", promoted)
		}
		// A cancelled leader may join again, at the back.
		a, err = st.JoinWorkshop(ctx, w.ID, "UA", leaveAt)
		wantErr(t, "rejoin A", err, nil)
		if a.Status != store.RegWaitlisted {
			t.Errorf("rejoin A: %+v", a)
		}
		// Raising the capacity gives the seat to the waitlist.
		got, _ = st.GetWorkshop(ctx, w.ID)
		got.Capacity, got.UpdatedAt = 3, leaveAt.Add(time.Minute)
		got, err = st.UpdateWorkshop(ctx, got)
		wantErr(t, "raise capacity", err, nil)
		if got.Registered != 2 || got.Waitlisted != 0 {
			t.Errorf("after raising capacity: %+v", got)
		}
		a, _ = st.GetRegistration(ctx, w.ID, "UA")
		if a.Status != store.RegRegistered || a.PromotedAt.IsZero() {
			t.Errorf("A after raising capacity: %+v", a)
		}
		regs, err := st.ListRegistrations(ctx, w.ID)
		wantErr(t, "ListRegistrations", err, nil)
		var order []string
		for _, r := range regs {
			order = append(order, r.UserID+":"+string(r.Status))
		}
		diff(t, "registrations", struct{ O []string }{[]string{"UB:registered", "UA:registered", "UC:cancelled"}}, struct{ O []string }{order})
		mine, err := st.ListRegistrationsOf(ctx, "UA")
		wantErr(t, "ListRegistrationsOf", err, nil)
		if len(mine) != 1 || mine[0].WorkshopID != w.ID {
			t.Errorf("registrations of A: %+v", mine)
		}
		_, err = st.GetRegistration(ctx, w.ID, "U-none")
		wantErr(t, "GetRegistration missing", err, store.ErrNotFound)
	})

	t.Run("JoinClosed", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		w := mustCreate(t, st, Workshop("w-c", 5))
		_, err := st.JoinWorkshop(ctx, w.ID, "UA", w.RegistrationDeadline)
		wantErr(t, "join at the deadline", err, store.ErrWorkshopClosed)
		w.Status = store.WorkshopCancelled
		_, err = st.UpdateWorkshop(ctx, w)
		wantErr(t, "cancel", err, nil)
		_, err = st.JoinWorkshop(ctx, w.ID, "UA", t0)
		wantErr(t, "join cancelled", err, store.ErrWorkshopClosed)
		_, err = st.JoinWorkshop(ctx, "w-none", "UA", t0)
		wantErr(t, "join missing", err, store.ErrNotFound)
		if regs, _ := st.ListRegistrations(ctx, w.ID); len(regs) != 0 {
			t.Errorf("refused joins stored %+v", regs)
		}
	})

	t.Run("Attendance", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		w := mustCreate(t, st, Workshop("w-a", 1))
		st.JoinWorkshop(ctx, w.ID, "UA", t0)
		st.JoinWorkshop(ctx, w.ID, "UB", t0)
		g, err := st.SetAttendance(ctx, w.ID, "UA", true, t0.Add(time.Hour))
		wantErr(t, "attended", err, nil)
		if g.Status != store.RegAttended {
			t.Errorf("A: %+v", g)
		}
		_, err = st.SetAttendance(ctx, w.ID, "UB", true, t0)
		wantErr(t, "waitlisted attended", err, store.ErrNotFound)
		g, err = st.SetAttendance(ctx, w.ID, "UA", false, t0.Add(time.Hour))
		wantErr(t, "not attended", err, nil)
		if g.Status != store.RegRegistered {
			t.Errorf("A: %+v", g)
		}
	})

	// Issue 3, "how it is checked": 200 simultaneous joins for 20 seats.
	t.Run("CapacityUnderConcurrency", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		w := mustCreate(t, st, Workshop("w-race", 20))
		regs := make([]store.Registration, 200)
		errs := race(200, func(i int) error {
			var err error
			regs[i], err = st.JoinWorkshop(ctx, w.ID, fmt.Sprintf("U%03d", i), t0)
			return err
		})
		count := map[store.RegistrationStatus]int{}
		seqs := map[int64]bool{}
		for i, err := range errs {
			wantErr(t, fmt.Sprintf("join %d", i), err, nil)
			count[regs[i].Status]++
			if regs[i].Status == store.RegWaitlisted {
				seqs[regs[i].WaitSeq] = true
			}
		}
		if count[store.RegRegistered] != 20 || count[store.RegWaitlisted] != 180 || len(seqs) != 180 {
			t.Errorf("joins gave %v with %d distinct waitlist places; want 20 registered, 180 waitlisted", count, len(seqs))
		}
		stored, _ := st.ListRegistrations(ctx, w.ID)
		held := 0
		for _, r := range stored {
			if r.Status.HoldsSeat() {
				held++
			}
		}
		got, _ := st.GetWorkshop(ctx, w.ID)
		if held != 20 || got.Registered != 20 || got.Waitlisted != 180 {
			t.Errorf("stored: %d seat holders, workshop counts %d/%d", held, got.Registered, got.Waitlisted)
		}
		// 20 leave at once: 20 promotions, never more seats than capacity.
		errs = race(20, func(i int) error {
			_, _, err := st.LeaveWorkshop(ctx, w.ID, regs[indexOf(regs, store.RegRegistered, i)].UserID, t0)
			return err
		})
		for i, err := range errs {
			wantErr(t, fmt.Sprintf("leave %d", i), err, nil)
		}
		got, _ = st.GetWorkshop(ctx, w.ID)
		if got.Registered != 20 || got.Waitlisted != 160 {
			t.Errorf("after leaves: counts %d/%d, want 20/160", got.Registered, got.Waitlisted)
		}
	})

	t.Run("DueAndAdvance", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		due := Workshop("w-due", 5)
		due.ReminderDueAt = t0
		notYet := Workshop("w-later", 5)
		notYet.ReminderDueAt = t0.Add(time.Hour)
		for _, w := range []store.Workshop{due, notYet, Workshop("w-none", 5)} {
			mustCreate(t, st, w)
		}
		got, err := st.WorkshopsDue(ctx, t0, 10)
		wantErr(t, "WorkshopsDue", err, nil)
		if len(got) != 1 || got[0].ID != "w-due" {
			t.Fatalf("due: %+v", got)
		}
		wantErr(t, "AdvanceReminder stale", st.AdvanceReminder(ctx, "w-due", t0.Add(-time.Second), time.Time{}, 0), store.ErrConflict)
		wantErr(t, "AdvanceReminder missing", st.AdvanceReminder(ctx, "w-x", t0, time.Time{}, 0), store.ErrNotFound)
		wantErr(t, "AdvanceReminder", st.AdvanceReminder(ctx, "w-due", t0, time.Time{}, 3), nil)
		w, _ := st.GetWorkshop(ctx, "w-due")
		if !w.ReminderDueAt.IsZero() || w.NotifiedRevision != 3 {
			t.Errorf("after advance: %+v", w)
		}
		if got, _ := st.WorkshopsDue(ctx, t0.Add(2*time.Hour), 10); len(got) != 1 || got[0].ID != "w-later" {
			t.Errorf("due later: %+v", got)
		}
	})
}

// indexOf returns the index in regs of the n-th (from 0) registration with status s.
func indexOf(regs []store.Registration, s store.RegistrationStatus, n int) int {
	for i, r := range regs {
		if r.Status == s {
			if n == 0 {
				return i
			}
			n--
		}
	}
	return -1
}
