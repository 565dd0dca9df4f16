package bot

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
	"github.com/ssonet/ssonet/outbox/outboxtest"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/store/sqlitestore"
	"github.com/ssonet/ssonet/store/storetest"
)

// countingStore is a real store that counts the reads of a member's own records.
type countingStore struct {
	store.Store
	mu    sync.Mutex
	reads map[string]int // by method
}

func (c *countingStore) count(method string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads[method]++
}

// take returns the reads counted so far and starts counting again.
func (c *countingStore) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.reads
	c.reads = map[string]int{}
	return r
}

func (c *countingStore) GetMemberRecords(ctx context.Context, userID string) (store.MemberRecords, error) {
	c.count("GetMemberRecords")
	return c.Store.GetMemberRecords(ctx, userID)
}

func (c *countingStore) GetMember(ctx context.Context, userID string) (store.Member, error) {
	c.count("GetMember")
	return c.Store.GetMember(ctx, userID)
}

func (c *countingStore) GetSession(ctx context.Context, userID string) (store.Session, error) {
	c.count("GetSession")
	return c.Store.GetSession(ctx, userID)
}

func (c *countingStore) GetLeader(ctx context.Context, userID string) (store.Leader, error) {
	c.count("GetLeader")
	return c.Store.GetLeader(ctx, userID)
}

func (c *countingStore) GetOfficer(ctx context.Context, userID string) (store.Officer, error) {
	c.count("GetOfficer")
	return c.Store.GetOfficer(ctx, userID)
}

func (c *countingStore) OpenCaseOf(ctx context.Context, userID string) (store.Case, error) {
	c.count("OpenCaseOf")
	return c.Store.OpenCaseOf(ctx, userID)
}

// recordsRig is an engine on a counting SQLite store, the stand-in LINE API and an outbox that
// sends at once.
type recordsRig struct {
	t    *testing.T
	st   *countingStore
	lapi *linetest.Server
	eng  *Engine
	seq  int
}

const recordsAdmin = "U000000000000000000000000000ad001"

func newRecordsRig(t *testing.T) *recordsRig {
	sealer := storetest.NewSealer(t)
	sq, err := sqlitestore.Open(t.TempDir(), sealer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sq.Close(context.Background()) })
	st := &countingStore{Store: sq, reads: map[string]int{}}
	lapi := linetest.NewServer("records-token")
	t.Cleanup(lapi.Close)
	client, err := line.New(line.Config{BaseURL: lapi.URL(), AccessToken: "records-token"})
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC) }
	eng, err := New(Config{Store: st, Messenger: client, Outbox: outboxtest.New(t, sq, client, now, nil), Now: now,
		Sealer: sealer, Admins: []string{recordsAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	return &recordsRig{t: t, st: st, lapi: lapi, eng: eng}
}

// leader stores a leader record for userID.
func (r *recordsRig) leader(userID, submission string, status store.LeaderStatus) {
	r.t.Helper()
	if err := r.st.CreateLeader(context.Background(), store.Leader{UserID: userID, SubmissionID: submission, FullName: "สมศรี ใจดี",
		Phone: "0812345678", ProvinceCode: "TH-76", Status: status}); err != nil {
		r.t.Fatal(err)
	}
}

// event is a text message (or, starting with "a=", a postback) from userID.
func (r *recordsRig) event(userID, text string) Event {
	r.seq++
	ev := Event{ID: fmt.Sprintf("01RECORDS%017d", r.seq), Kind: KindMessage, UserID: userID, Text: text,
		ReplyToken: r.lapi.IssueReplyToken(userID), Time: r.eng.now()}
	if len(text) > 2 && text[:2] == "a=" {
		ev.Kind, ev.Text, ev.Postback = KindPostback, "", text
	}
	return ev
}

// say handles the events of texts from userID, as the inbox hands them over.
func (r *recordsRig) say(userID string, texts ...string) {
	r.t.Helper()
	for _, text := range texts {
		if err := r.eng.Handle(context.Background(), r.event(userID, text)); err != nil {
			r.t.Fatalf("%q: %v", text, err)
		}
	}
}

// turn runs the store part of the turn of text from userID (what Handle does before it
// sends) and returns the turn, to look at what it knows afterwards.
func (r *recordsRig) turn(userID, text string) *turn {
	r.t.Helper()
	t := &turn{Engine: r.eng, ctx: context.Background(), ev: r.event(userID, text), now: r.eng.now().UTC()}
	if err := t.run(); err != nil {
		r.t.Fatalf("%q: %v", text, err)
	}
	return t
}

// TestTurnReadsTheMemberOnce: a turn reads its member's records in one store read, however
// often it asks who the member is and whether they have an open case; the single reads of
// those records are not used.
func TestTurnReadsTheMemberOnce(t *testing.T) {
	r := newRecordsRig(t)
	newcomer, leader, officer := "U00000000000000000000000000000001", "U00000000000000000000000000000002", recordsAdmin
	r.say(newcomer, "สวัสดี") // the member record exists from here on
	r.leader(leader, "sub-1", store.LeaderApproved)
	r.say(officer, "คุยกับเจ้าหน้าที่") // an admin with an open case
	for _, c := range []struct{ user, text string }{
		{newcomer, "เมนู"}, {newcomer, "ช่วยเหลือ"}, {leader, "เมนู"}, {leader, "สถานะ"}, {officer, "ช่วยเหลือ"}, {officer, "เมนู"},
	} {
		r.st.take()
		r.say(c.user, c.text)
		if got := r.st.take(); len(got) != 1 || got["GetMemberRecords"] != 1 {
			t.Errorf("%q: reads %v, want GetMemberRecords once and nothing else", c.text, got)
		}
	}
}

// TestTurnSeesItsOwnWrites: a turn that changes its member's leader record, officer record or
// cases knows them as stored afterwards: who and openCaseOf do not answer from the records
// read at its start.
func TestTurnSeesItsOwnWrites(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name string
		user string
		// arrange does what the member did before and returns the text of the turn that writes.
		arrange func(r *recordsRig, user string) string
		check   func(w who, open *store.Case) error
	}{
		{"register", "U00000000000000000000000000000011", func(r *recordsRig, user string) string {
			r.say(user, "สมัครแกนนำ", "สมหญิง ใจดี", "0812345678", "เพชรบุรี", "ข้าม", "ข้าม", "ยินยอม")
			return "ยืนยันส่ง"
		}, func(w who, _ *store.Case) error {
			if w.leader == nil || w.leader.Status != store.LeaderPending {
				return fmt.Errorf("leader %+v, want the pending application", w.leader)
			}
			return nil
		}},
		{"invite", "U00000000000000000000000000000012", func(r *recordsRig, _ string) string {
			code, _, err := r.eng.Actions().CreateInvite(ctx, actions.Bootstrap, []string{"TH-76"}, 48*time.Hour)
			if err != nil {
				r.t.Fatal(err)
			}
			return code
		}, func(w who, _ *store.Case) error {
			if w.officer == nil || len(w.officer.Provinces) != 1 {
				return fmt.Errorf("officer %+v, want an officer of one province", w.officer)
			}
			return nil
		}},
		{"decide own application", recordsAdmin, func(r *recordsRig, user string) string {
			r.leader(user, "sub-own", store.LeaderPending)
			return "a=ldr.ok&u=" + user + "&s=sub-own"
		}, func(w who, _ *store.Case) error {
			if w.leader == nil || w.leader.Status != store.LeaderApproved {
				return fmt.Errorf("leader %+v, want approved", w.leader)
			}
			return nil
		}},
		{"open case", "U00000000000000000000000000000013", func(r *recordsRig, user string) string {
			r.say(user, "สวัสดี")
			return "คุยกับเจ้าหน้าที่"
		}, func(_ who, open *store.Case) error {
			if open == nil {
				return fmt.Errorf("no open case")
			}
			return nil
		}},
		{"end case", "U00000000000000000000000000000014", func(r *recordsRig, user string) string {
			r.say(user, "คุยกับเจ้าหน้าที่")
			return "กลับไปคุยกับบอท"
		}, func(_ who, open *store.Case) error {
			if open != nil {
				return fmt.Errorf("open case %s after going back to the bot", open.ID)
			}
			return nil
		}},
		{"erase", "U00000000000000000000000000000015", func(r *recordsRig, user string) string {
			r.leader(user, "sub-erase", store.LeaderApproved)
			r.say(user, "คุยกับเจ้าหน้าที่", "ลบข้อมูล")
			return "a=erase.yes"
		}, func(w who, open *store.Case) error {
			if w.leader != nil || open != nil {
				return fmt.Errorf("leader %+v, open case %+v after erasing", w.leader, open)
			}
			return nil
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRecordsRig(t)
			text := c.arrange(r, c.user)
			tr := r.turn(c.user, text)
			w, err := tr.who()
			if err != nil {
				t.Fatal(err)
			}
			open, err := tr.openCaseOf()
			if err != nil {
				t.Fatal(err)
			}
			if err := c.check(w, open); err != nil {
				t.Error(err)
			}
			// And what the turn knows is what the store holds.
			stored, err := r.st.GetMemberRecords(ctx, c.user)
			if err != nil {
				t.Fatal(err)
			}
			if (w.leader == nil) != (stored.Leader == nil) || w.leader != nil && *w.leader != *stored.Leader {
				t.Errorf("the turn knows leader %+v, the store holds %+v", w.leader, stored.Leader)
			}
			if (w.officer == nil) != (stored.Officer == nil) {
				t.Errorf("the turn knows officer %+v, the store holds %+v", w.officer, stored.Officer)
			}
			if (open == nil) != (stored.OpenCase == nil) || open != nil && open.ID != stored.OpenCase.ID {
				t.Errorf("the turn knows open case %+v, the store holds %+v", open, stored.OpenCase)
			}
		})
	}
}
