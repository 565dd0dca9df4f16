package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/ssonet/ssonet/store"
)

func testIdempotency(t *testing.T, open Opener) {
	ctx := context.Background()
	t.Run("FirstAnswerStands", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		a := store.IdempotentAnswer{Key: "k1", BodySum: "sum1", CreatedAt: t0.UTC()}
		errs := race(4, func(int) error {
			_, began, err := st.BeginIdempotent(ctx, a)
			if err == nil && !began {
				return store.ErrConflict
			}
			return err
		})
		exactlyOneWins(t, errs)
		wantErr(t, "FinishIdempotent unknown", st.FinishIdempotent(ctx, "none", 201, "x", nil), store.ErrNotFound)
		wantErr(t, "FinishIdempotent", st.FinishIdempotent(ctx, "k1", 201, "application/json", []byte(`{"code":"SSO-ABCD-EFGH"}`)), nil)
		got, began, err := st.BeginIdempotent(ctx, store.IdempotentAnswer{Key: "k1", BodySum: "other", CreatedAt: t0.Add(time.Hour).UTC()})
		wantErr(t, "BeginIdempotent again", err, nil)
		want := store.IdempotentAnswer{Key: "k1", BodySum: "sum1", Status: 201, ContentType: "application/json", Body: []byte(`{"code":"SSO-ABCD-EFGH"}`), CreatedAt: t0.UTC()}
		if began {
			t.Error("a repeat began again")
		}
		diff(t, "the first answer", want, got)
		wantErr(t, "ForgetIdempotent", st.ForgetIdempotent(ctx, "k1"), nil)
		if _, began, _ := st.BeginIdempotent(ctx, a); !began {
			t.Error("after forgetting, a retry did not begin afresh")
		}
		n, err := st.DeleteIdempotentBefore(ctx, t0.Add(time.Second))
		wantErr(t, "DeleteIdempotentBefore", err, nil)
		if n != 1 {
			t.Errorf("deleted %d, want 1", n)
		}
	})
}
