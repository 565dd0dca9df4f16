package line_test

import (
	"context"
	"testing"
	"time"

	"github.com/ssonet/ssonet/line"
)

func TestMessageQuotaAndMonthlyLimit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	q, err := f.client.MessageQuota(ctx)
	if err != nil || q.Limited || q.Remaining() != -1 {
		t.Fatalf("unlimited plan: got %+v, %v", q, err)
	}
	f.srv.SetMonthlyQuota(3, 1)
	q, err = f.client.MessageQuota(ctx)
	if err != nil || q != (line.MessageQuota{Limited: true, Limit: 3, Used: 1}) || q.Remaining() != 2 {
		t.Fatalf("limited plan: got %+v, %v", q, err)
	}
	// A multicast to two uses the rest; the next push is refused with LINE's monthly-limit 429.
	if err := f.client.Multicast(ctx, []string{userID(1), userID(2)}, text("ข่าว"), ""); err != nil {
		t.Fatal(err)
	}
	err = f.client.Push(ctx, userID(3), text("ข่าว"), "")
	if !line.IsMonthlyLimit(err) || !line.IsRetryable(err) {
		t.Fatalf("push over the quota: got %v, want the monthly limit", err)
	}
	if got := len(f.srv.Deliveries(userID(3))); got != 0 {
		t.Fatalf("refused push delivered %d times", got)
	}
	q, _ = f.client.MessageQuota(ctx)
	if q.Used != 3 || q.Remaining() != 0 {
		t.Fatalf("after: %+v", q)
	}
}

func TestRetryAfterIsRead(t *testing.T) {
	f := newFixture(t)
	f.srv.FailNextRetryAfter(line.EndpointPush, "7", 1)
	err := f.client.Push(context.Background(), userID(1), text("x"), "")
	ae := apiError(t, err)
	if ae.Status != 429 || ae.RetryAfter != 7*time.Second || line.IsMonthlyLimit(err) {
		t.Fatalf("got %+v", ae)
	}
	date := time.Now().Add(90 * time.Second).UTC().Format(http1123)
	f.srv.FailNextRetryAfter(line.EndpointPush, date, 1)
	ae = apiError(t, f.client.Push(context.Background(), userID(1), text("x"), ""))
	if ae.RetryAfter < 80*time.Second || ae.RetryAfter > 91*time.Second {
		t.Fatalf("HTTP-date Retry-After read as %v", ae.RetryAfter)
	}
}

const http1123 = "Mon, 02 Jan 2006 15:04:05 GMT"
