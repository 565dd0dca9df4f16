package sqlitestore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/store/storetest"
)

// seedReferrals stores n referrals from n/10 leaders.
func seedReferrals(b *testing.B, s *Store, n int) {
	b.Helper()
	ctx := context.Background()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		r := store.Referral{ID: fmt.Sprintf("ref-%06d", i), SubmissionID: fmt.Sprintf("sub-%06d", i), Source: store.SourceLeader,
			LeaderID: fmt.Sprintf("U-%05d", i/10), FullName: "มานี มีนา", NationalID: fmt.Sprintf("1%012d", i), Phone: "0891112222",
			ProvinceCode: "TH-76", Status: store.ReferralSubmitted, StatusAt: at, CreatedAt: at.Add(time.Duration(i) * time.Second)}
		if err := s.CreateReferral(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReferralLookup measures the per-message queries of the referral flow against the
// primary-key read as the baseline, at two table sizes: with the indexes, each query's time
// should not grow with the table. Compare ns/op of the sub-benchmarks within one run.
func BenchmarkReferralLookup(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		s, err := Open(b.TempDir(), storetest.NewSealer(b))
		if err != nil {
			b.Fatal(err)
		}
		seedReferrals(b, s, n)
		ctx := context.Background()
		mid := n / 2
		b.Run(fmt.Sprintf("rows=%d/baseline-GetReferral", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.GetReferral(ctx, fmt.Sprintf("ref-%06d", mid)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("rows=%d/FindReferralByNationalID", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.FindReferralByNationalID(ctx, fmt.Sprintf("1%012d", mid)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("rows=%d/ListReferrals-leader-page", n), func(b *testing.B) {
			for b.Loop() {
				if rs, err := s.ListReferrals(ctx, store.ReferralFilter{LeaderID: fmt.Sprintf("U-%05d", mid/10), Limit: 10}); err != nil || len(rs) != 10 {
					b.Fatal(len(rs), err)
				}
			}
		})
		b.Run(fmt.Sprintf("rows=%d/ListReferrals-worker", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.ListReferrals(ctx, store.ReferralFilter{WorkerUserID: "U-worker", Limit: 10}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("rows=%d/CountReferralsByStatus", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.CountReferralsByStatus(ctx, fmt.Sprintf("U-%05d", mid/10)); err != nil {
					b.Fatal(err)
				}
			}
		})
		s.Close(ctx)
	}
}
