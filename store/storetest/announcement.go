package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ssonet/ssonet/store"
)

// announcement returns a scheduled announcement due at sendAt.
func announcement(id string, sendAt time.Time) store.Announcement {
	return store.Announcement{
		ID: id, CreatedBy: "line:U-officer", Audience: store.AudienceApprovedLeaders,
		Provinces: []string{"TH-10", "TH-76"}, WorkshopID: "ws-" + id, Text: "อบรมแกนนำ 14 ธ.ค. ค่ะ", SendAt: sendAt,
		Status: store.AnnouncementScheduled, CreatedAt: t0, UpdatedAt: t0,
	}
}

func testAnnouncements(t *testing.T, open Opener) {
	ctx := context.Background()
	const lease = 5 * time.Minute

	t.Run("RoundTripAndCancel", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		_, err := st.GetAnnouncement(ctx, "a-missing")
		wantErr(t, "GetAnnouncement", err, store.ErrNotFound)
		a := announcement("a-1", t0.Add(time.Hour))
		wantErr(t, "CreateAnnouncement", st.CreateAnnouncement(ctx, a), nil)
		wantErr(t, "CreateAnnouncement again", st.CreateAnnouncement(ctx, a), store.ErrConflict)
		got, err := st.GetAnnouncement(ctx, "a-1")
		wantErr(t, "GetAnnouncement", err, nil)
		diff(t, "announcement", a, got)
		list, err := st.ListAnnouncements(ctx, store.AnnouncementScheduled)
		wantErr(t, "ListAnnouncements", err, nil)
		if len(list) != 1 || list[0].ID != "a-1" {
			t.Errorf("scheduled = %+v", list)
		}
		c, err := st.CancelAnnouncement(ctx, "a-1", t0.Add(time.Minute))
		wantErr(t, "CancelAnnouncement", err, nil)
		if c.Status != store.AnnouncementCancelled {
			t.Errorf("status after cancel = %s", c.Status)
		}
		c, err = st.CancelAnnouncement(ctx, "a-1", t0.Add(2*time.Minute))
		wantErr(t, "CancelAnnouncement twice", err, store.ErrConflict)
		if c.Status != store.AnnouncementCancelled {
			t.Errorf("record with conflict: status %s", c.Status)
		}
		_, err = st.CancelAnnouncement(ctx, "a-missing", t0)
		wantErr(t, "CancelAnnouncement missing", err, store.ErrNotFound)
		_, err = st.ClaimAnnouncement(ctx, t0.Add(2*time.Hour), lease)
		wantErr(t, "ClaimAnnouncement of a cancelled one", err, store.ErrNotFound)
	})

	t.Run("ClaimWhenDueOnce", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		wantErr(t, "CreateAnnouncement", st.CreateAnnouncement(ctx, announcement("a-due", t0.Add(time.Hour))), nil)
		_, err := st.ClaimAnnouncement(ctx, t0.Add(time.Hour-time.Millisecond), lease)
		wantErr(t, "ClaimAnnouncement early", err, store.ErrNotFound)
		now := t0.Add(time.Hour)
		errs := race(4, func(int) error { _, err := st.ClaimAnnouncement(ctx, now, lease); return err })
		winners := 0
		for i, err := range errs {
			switch {
			case err == nil:
				winners++
			case !isNotFound(err):
				t.Errorf("claim %d: %v", i, err)
			}
		}
		if winners != 1 {
			t.Fatalf("%d claims won, want 1", winners)
		}
		_, err = st.CancelAnnouncement(ctx, "a-due", now)
		wantErr(t, "CancelAnnouncement while sending", err, store.ErrConflict)
		// The lease runs out: another worker takes over.
		_, err = st.ClaimAnnouncement(ctx, now.Add(lease-time.Millisecond), lease)
		wantErr(t, "ClaimAnnouncement within the lease", err, store.ErrNotFound)
		a, err := st.ClaimAnnouncement(ctx, now.Add(lease), lease)
		wantErr(t, "ClaimAnnouncement after the lease", err, nil)
		if a.ID != "a-due" || a.Status != store.AnnouncementSending || !a.LeaseUntil.Equal(now.Add(2*lease)) {
			t.Errorf("reclaimed = %+v", a)
		}
	})

	t.Run("PlanAndFinish", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		wantErr(t, "CreateAnnouncement", st.CreateAnnouncement(ctx, announcement("a-p", t0)), nil)
		_, err := st.PlanAnnouncement(ctx, "a-p", 3, 6)
		wantErr(t, "PlanAnnouncement before the claim", err, store.ErrConflict)
		if _, err := st.ClaimAnnouncement(ctx, t0, lease); err != nil {
			t.Fatal(err)
		}
		a, err := st.PlanAnnouncement(ctx, "a-p", 3, 6)
		wantErr(t, "PlanAnnouncement", err, nil)
		if !a.Planned || a.Batches != 3 || a.Recipients != 6 {
			t.Errorf("planned = %+v", a)
		}
		_, err = st.PlanAnnouncement(ctx, "a-p", 1, 1)
		wantErr(t, "PlanAnnouncement twice", err, store.ErrConflict)
		a, err = st.FinishAnnouncement(ctx, "a-p", t0.Add(time.Minute), 4, 2)
		wantErr(t, "FinishAnnouncement", err, nil)
		if a.Status != store.AnnouncementSent || a.Sent != 4 || a.Failed != 2 {
			t.Errorf("finished = %+v", a)
		}
		_, err = st.FinishAnnouncement(ctx, "a-p", t0.Add(time.Minute), 4, 2)
		wantErr(t, "FinishAnnouncement twice", err, store.ErrConflict)
	})

	t.Run("BlockedAmong", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		var ids []string
		for i := range 6000 { // more than one chunk of a SQL IN list
			ids = append(ids, fmt.Sprintf("U-%d", i))
		}
		for _, id := range []string{"U-1", "U-5999", "U-active"} {
			wantErr(t, "UpsertMember", st.UpsertMember(ctx, store.Member{UserID: id, Language: store.LangThai, Blocked: id != "U-active"}), nil)
		}
		got, err := st.BlockedAmong(ctx, append(ids, "U-active"))
		wantErr(t, "BlockedAmong", err, nil)
		diff(t, "blocked", struct{ M map[string]bool }{map[string]bool{"U-1": true, "U-5999": true}}, struct{ M map[string]bool }{got})
	})
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
