package line_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"sync"
	"testing"
	"time"

	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
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

// barrier holds every request until n have arrived, so that n calls are in flight at once and
// each needs a connection of its own.
type barrier struct {
	h       http.Handler
	n       int
	mu      sync.Mutex
	arrived int
	open    chan struct{}
}

func (b *barrier) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	if b.arrived%b.n == 0 {
		b.open = make(chan struct{})
	}
	b.arrived++
	open := b.open
	if b.arrived%b.n == 0 {
		close(open)
	}
	b.mu.Unlock()
	<-open
	b.h.ServeHTTP(w, r)
}

// TestKeepAlivePoolServesConcurrentCalls: 16 pushes in flight at once, twice. With the client's
// pool the second round reuses the first round's connections; through Go's default transport
// (2 idle connections per host), measured in the same run, at most 2 are reused.
func TestKeepAlivePoolServesConcurrentCalls(t *testing.T) {
	const n = 16
	standIn := linetest.NewServer(token)
	t.Cleanup(standIn.Close)
	ts := httptest.NewServer(&barrier{h: standIn, n: n})
	t.Cleanup(ts.Close)
	pooled, err := line.New(line.Config{BaseURL: ts.URL, AccessToken: token, RateLimits: map[string]line.RateLimit{}})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := line.New(line.Config{BaseURL: ts.URL, AccessToken: token, RateLimits: map[string]line.RateLimit{},
		HTTPClient: &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}})
	if err != nil {
		t.Fatal(err)
	}
	round := func(c *line.Client) (reused int) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{GotConn: func(ci httptrace.GotConnInfo) {
					if ci.Reused {
						mu.Lock()
						reused++
						mu.Unlock()
					}
				}})
				if err := c.Push(ctx, userID(i+1), text("x"), ""); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		return reused
	}
	round(pooled)
	round(plain)
	p, d := round(pooled), round(plain)
	// A connection may still be on its way back to the pool when the next round starts.
	if p < n-2 || d > 2 {
		t.Errorf("second round reused %d of %d connections with the client's pool, %d with Go's default", p, n, d)
	}
}
