package sqlitestore

import (
	"context"
	"testing"
	"time"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/store/storetest"
)

// BenchmarkMemberRecords is a turn's read of its member (GetMemberRecords) for a member with no
// other record, as most who write are (workers asking about Section 40), and for a leader:
//
//	go test -run '^$' -bench MemberRecords ./store/sqlitestore
func BenchmarkMemberRecords(b *testing.B) {
	st, err := Open(b.TempDir(), storetest.NewSealer(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close(context.Background()) })
	ctx := context.Background()
	now := time.Now()
	for _, id := range []string{"Umember", "Uleader"} {
		if err := st.UpsertMember(ctx, store.Member{UserID: id, DisplayName: "สมชาย", Language: store.LangThai, FollowedAt: now, UpdatedAt: now}); err != nil {
			b.Fatal(err)
		}
	}
	if err := st.CreateLeader(ctx, store.Leader{UserID: "Uleader", SubmissionID: "s1", FullName: "สมใจ ใจดี", Phone: "0812345678",
		ProvinceCode: "TH-10", Status: store.LeaderPending, CreatedAt: now, ConsentAt: now}); err != nil {
		b.Fatal(err)
	}
	for _, id := range []string{"Umember", "Uleader"} {
		b.Run(id[1:], func(b *testing.B) {
			for b.Loop() {
				if _, err := st.GetMemberRecords(ctx, id); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
