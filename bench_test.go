package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
	"github.com/line/line-bot-sdk-go/v8/linebot/webhook"

	"github.com/ssonet/ssonet/handlers"
	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/store/sqlitestore"
)

// The webhook benchmarks compare the full path (Gin, signature, inbox write, workers, engine,
// SQLite store, reply through the LINE client) with a bare SDK bot that verifies the signature
// and replies the very messages the full path answers "เมนู" with, through the SDK's own client
// and request types, to the same stand-in LINE API. Both run with LINE_RATE_LIMIT=off: the client-side budget of
// LINE's limits is not what is measured. Run them in one go so the ratio compares like with
// like:
//
//	go test -run '^$' -bench 'Webhook' -benchtime 5000x .

// benchUsers is how many LINE users send the events. A provincial account's traffic is many
// people each sending a message now and then, not a few people typing dozens a second; with
// 1,000 users at 1,000 events/s each sends about one a second.
const benchUsers = 1000

// knownUsers returns benchUsers new users, each of whom has already talked to t once (so the
// timed events are not first contacts, which fetch a LINE profile and add a member).
func knownUsers(b *testing.B, t benchTarget) []string {
	users := make([]string, benchUsers)
	var wg sync.WaitGroup
	for i := range users {
		users[i] = newUser()
	}
	for w := range 16 {
		wg.Go(func() {
			for i := w; i < len(users); i += 16 {
				post(b, t, users[i], "เมนู")
			}
		})
	}
	wg.Wait()
	if t.settle != nil {
		if err := t.settle(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	return users
}

// benchTarget is a webhook under test: its URL, the stand-in it replies to, and how to wait
// until every accepted event is answered (nil when answers come with the webhook's own).
type benchTarget struct {
	url     string
	standIn *linetest.Server
	settle  func(context.Context) error
}

// startFull starts the whole server against a fresh SQLite store and waits until its start-up
// rich menu sync (drawing eight images, about a second of CPU once per start) is over, so that
// what is timed is the steady state.
func startFull(b *testing.B) benchTarget {
	standIn := linetest.NewServer(testToken)
	b.Cleanup(standIn.Close)
	return startedTarget(b, standIn, startRun(b, productionEnv(b, standIn, map[string]string{"LINE_RATE_LIMIT": "off"}), io.Discard))
}

// startedTarget is the benchTarget of srv once its start-up rich menu sync is over.
func startedTarget(b *testing.B, standIn *linetest.Server, srv started) benchTarget {
	<-srv.menus
	return benchTarget{url: srv.addr, standIn: standIn, settle: srv.inbox.WaitIdle}
}

// menuReply is what the full path replies to "เมนู": the messages of one reply call.
func menuReply(b *testing.B) []messaging_api.MessageInterface {
	t := startFull(b)
	user := newUser()
	post(b, t, user, "เมนู")
	if err := t.settle(context.Background()); err != nil {
		b.Fatal(err)
	}
	calls := t.standIn.Calls()
	var body struct{ Messages []json.RawMessage }
	if err := json.Unmarshal(calls[len(calls)-1].Body, &body); err != nil || len(body.Messages) == 0 {
		b.Fatalf("no reply captured: %v", err)
	}
	msgs := make([]messaging_api.MessageInterface, len(body.Messages))
	for i, raw := range body.Messages {
		m, err := messaging_api.UnmarshalMessage(raw)
		if err != nil {
			b.Fatal(err)
		}
		msgs[i] = m
	}
	return msgs
}

// startBare starts the bare SDK bot replying msgs to every text message: the SDK's own client
// and request types, as the SDK's examples use them, with a keep-alive pool as large as the
// full path's (line.DefaultConns) so that both keep their connections to the stand-in.
func startBare(b *testing.B, msgs []messaging_api.MessageInterface) benchTarget {
	standIn := linetest.NewServer(testToken)
	b.Cleanup(standIn.Close)
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConns, transport.MaxIdleConnsPerHost = line.DefaultConns, line.DefaultConns
	api, err := messaging_api.NewMessagingApiAPI(testToken, messaging_api.WithEndpoint(standIn.URL()),
		messaging_api.WithHTTPClient(&http.Client{Transport: transport}))
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cb, err := webhook.ParseRequest(testSecret, r)
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		for _, e := range cb.Events {
			if m, ok := e.(webhook.MessageEvent); ok {
				if _, err := api.ReplyMessage(&messaging_api.ReplyMessageRequest{ReplyToken: m.ReplyToken, Messages: msgs}); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
			}
		}
	}))
	b.Cleanup(srv.Close)
	return benchTarget{url: srv.URL, standIn: standIn}
}

var benchClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}

// post sends one signed text event from user and returns how long the webhook took to answer.
func post(b *testing.B, t benchTarget, user, text string) time.Duration {
	body := fixture(b, "text.json", event{UserID: user, EventID: newEventID(), ReplyToken: t.standIn.IssueReplyToken(user), Text: text})
	req, _ := http.NewRequest(http.MethodPost, t.url+"/webhook", bytes.NewReader(body))
	req.Header.Set("X-Line-Signature", handlers.Sign(testSecret, body))
	start := time.Now()
	res, err := benchClient.Do(req)
	if err != nil {
		b.Error(err)
		return 0
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	took := time.Since(start)
	if res.StatusCode != http.StatusOK {
		b.Errorf("status %d", res.StatusCode)
	}
	return took
}

// replies counts the reply calls the stand-in accepted.
func replies(s *linetest.Server) int {
	n := 0
	for _, c := range s.Calls() {
		if c.Endpoint == line.EndpointReply && c.Status == http.StatusOK {
			n++
		}
	}
	return n
}

// throughput sends b.N events from benchUsers users as fast as 32 senders can, waits until all
// are answered, and reports and returns events/s (answered, not merely accepted), and the
// process's CPU time per event.
func throughput(b *testing.B, t benchTarget) float64 {
	users := knownUsers(b, t)
	before := replies(t.standIn)
	var n atomic.Int64
	b.SetParallelism(16)
	cpu := processCPU(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			post(b, t, users[n.Add(1)%benchUsers], "เมนู")
		}
	})
	if t.settle != nil {
		if err := t.settle(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(ms(processCPU(b)-cpu)/float64(b.N), "cpu-ms/event")
	if got := replies(t.standIn) - before; got != b.N {
		b.Errorf("%d replies for %d events", got, b.N)
	}
	rate := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "events/s")

	return rate
}

// processCPU is the CPU time (user and system) this process has used so far: the whole test
// process, so it counts the senders and the stand-in LINE API too, for both targets alike.
// Unlike events/s it hardly moves when other programs load the machine.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkWebhook is the throughput of the full path and, in the same run, of the bare bot
// sending the same reply.
func BenchmarkWebhook(b *testing.B) {
	msgs := menuReply(b)
	b.Run("full", func(b *testing.B) { throughput(b, startFull(b)) })
	b.Run("bare", func(b *testing.B) { throughput(b, startBare(b, msgs)) })
}

// paced sends b.N events at rate per second (each in its own goroutine, so a slow answer does
// not slow the pace), waits until all are answered, and reports the webhook's answer time: p50
// and p99 in milliseconds, and the process's CPU time per event.
func paced(b *testing.B, t benchTarget, rate int) {
	users := knownUsers(b, t)
	took := make([]time.Duration, b.N)
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	cpu := processCPU(b)
	b.ResetTimer()
	for i := range b.N {
		<-tick.C
		wg.Go(func() { took[i] = post(b, t, users[i%benchUsers], "เมนู") })
	}
	wg.Wait()
	if t.settle != nil {
		if err := t.settle(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(ms(processCPU(b)-cpu)/float64(b.N), "cpu-ms/event")
	slices.Sort(took)
	b.ReportMetric(ms(took[len(took)/2]), "p50-ms")
	b.ReportMetric(ms(took[len(took)*99/100]), "p99-ms")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkWebhookAt1000 is the webhook's answer time at 1,000 events/s, full path and bare bot.
func BenchmarkWebhookAt1000(b *testing.B) {
	msgs := menuReply(b)
	b.Run("full", func(b *testing.B) { paced(b, startFull(b), 1000) })
	b.Run("bare", func(b *testing.B) { paced(b, startBare(b, msgs), 1000) })
}

// seedStored fills the SQLite store in dir with n members and n handled inbox events, as a
// long-running service has them, in one transaction of set-based inserts.
func seedStored(b *testing.B, dir string, n int) {
	st, err := sqlitestore.Open(dir, testSealer(b))
	if err != nil {
		b.Fatal(err)
	}
	st.Close(context.Background()) // the schema exists now
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlitestore.FileName))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	now := time.Now().Add(-time.Hour).UnixMilli()
	for _, q := range []string{
		`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?1)
		 INSERT INTO members (user_id, display_name, language, blocked, followed_at, updated_at)
		 SELECT printf('U%032x', x), 'member', 'th', 0, ?2, ?2 FROM c`,
		`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?1)
		 INSERT INTO inbox (id, user_id, event_at, seq, received_at, body_sealed, state, attempts, next_at, token, lease_until)
		 SELECT printf('01SEED%020d', x), printf('U%032x', x), ?2, 0, ?2, '', 'done', 1, 0, '', 0 FROM c`,
	} {
		if _, err := db.Exec(q, n, now); err != nil {
			b.Fatal(err)
		}
	}
}

// testSealer is the sealer of ENCRYPTION_KEY in productionEnv.
func testSealer(b *testing.B) *store.Sealer {
	key, _ := store.ParseSealerKey(testKey)
	s, err := store.NewSealer(key)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkWebhookStored is the full path's throughput with 1,000 and with 1,000,000 members and
// handled events already stored: the per-event queries go through indexes, so the two should
// be within 1.2× of each other. It logs the ratio of the two runs.
func BenchmarkWebhookStored(b *testing.B) {
	rates := map[int]float64{}
	defer func() {
		if rates[1_000] > 0 && rates[1_000_000] > 0 {
			b.Logf("growth (1,000 stored ÷ 1,000,000 stored, above 1 when more rows slow it): %.0f ÷ %.0f events/s = %.2f×", rates[1_000], rates[1_000_000], rates[1_000]/rates[1_000_000])
		}
	}()
	for _, n := range []int{1_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			standIn := linetest.NewServer(testToken)
			b.Cleanup(standIn.Close)
			vars := productionEnv(b, standIn, map[string]string{"LINE_RATE_LIMIT": "off"})
			seedStored(b, vars["DATA_DIR"], n)
			rates[n] = throughput(b, startedTarget(b, standIn, startRun(b, vars, io.Discard)))
		})
	}
}
