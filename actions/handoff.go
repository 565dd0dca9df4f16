package actions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// Hand-off to a person (issue 11, deliverable 3): a member's case, the officers' replies and
// closing, the hotline notice for a case nobody answered, and the retention of closed cases.

// maxCaseText is the longest message of a case, in characters.
const maxCaseText = 1000

// Who said a case entry.
const (
	FromMember = "member"
	FromBot    = "bot"
)

// fromOfficer is the From of an officer's entry.
func fromOfficer(a Actor) string { return officerPrefix + a.by() }

// officerPrefix starts the From of an officer's entry, before their LINE user ID.
const officerPrefix = "officer:"

// caseMetrics are the first-response and resolution times per province (ssonet_handoff_*).
type caseMetrics struct {
	firstResponse, resolution *prometheus.HistogramVec
}

func newCaseMetrics(reg prometheus.Registerer) (*caseMetrics, error) {
	buckets := []float64{60, 300, 900, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 24 * 3600, 3 * 24 * 3600}
	m := &caseMetrics{
		firstResponse: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "ssonet_handoff_first_response_seconds",
			Help: "Time from a hand-off case's opening to an officer's first reply, by province.", Buckets: buckets}, []string{"province"}),
		resolution: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "ssonet_handoff_resolution_seconds",
			Help: "Time from a hand-off case's opening to its closing, by province.", Buckets: buckets}, []string{"province"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.firstResponse, m.resolution} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("actions: register metrics: %w", err)
			}
		}
	}
	return m, nil
}

func provinceLabel(p string) string {
	if p == "" {
		return "none"
	}
	return p
}

// OpenCase opens a hand-off case for member userID of province (empty when unknown: admins
// answer) starting with entries (what the member said), and tells the province's officers. A
// member with an open case gets that one back, entries added; created reports which. Entries
// of an event already in the case (a retried event) are not added again.
func (s *Service) OpenCase(ctx context.Context, userID, province string, entries []store.CaseEntry) (c store.Case, created bool, err error) {
	c, err = s.cfg.Store.OpenCaseOf(ctx, userID)
	switch {
	case err == nil:
		c, err = s.changeCase(ctx, c.ID, func(c *store.Case) error { c.Entries = addEntries(c.Entries, entries...); return nil })
		return c, false, err
	case !errors.Is(err, store.ErrNotFound):
		return c, false, fmt.Errorf("actions: open case: %w", err)
	}
	now := s.now()
	c, err = s.cfg.Store.CreateCase(ctx, store.Case{ID: uuid.NewString(), UserID: userID, ProvinceCode: province, Status: store.CaseOpen,
		Entries: entries, CreatedAt: now})
	if err != nil {
		return c, false, fmt.Errorf("actions: open case: %w", err)
	}
	s.cfg.Notifier.CaseOpened(ctx, c)
	return c, true, nil
}

// MemberSaid adds what member userID typed to their open case: said's Text (cut to 1,000
// characters), Event (the webhook event, so it is added once however often the event is
// handled) and Command; its time and author are the service's. False when they have no case.
func (s *Service) MemberSaid(ctx context.Context, userID string, said store.CaseEntry) (bool, error) {
	c, err := s.cfg.Store.OpenCaseOf(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("actions: open case: %w", err)
	}
	entry := store.CaseEntry{At: s.now(), From: FromMember, Text: clip(said.Text, maxCaseText), Event: said.Event, Command: said.Command}
	unasked := askedAfter(c) == ""
	c, err = s.changeCase(ctx, c.ID, func(c *store.Case) error { c.Entries = addEntries(c.Entries, entry); return nil })
	if err == nil && unasked && c.FirstResponseAt.IsZero() && askedAfter(c) != "" {
		s.cfg.Notifier.CaseAsked(ctx, c) // the officers were told of the case before its question
	}
	return true, err
}

// addEntries appends the entries whose event is not in have yet (entries without one always).
func addEntries(have []store.CaseEntry, add ...store.CaseEntry) []store.CaseEntry {
	seen := map[string]bool{}
	for _, e := range have {
		if e.Event != "" {
			seen[e.Event] = true
		}
	}
	for _, e := range add {
		if e.Event == "" || !seen[e.Event] {
			have = append(have, e)
		}
	}
	return have
}

// EndCaseByMember closes member userID's open case (they went back to the bot); false when they
// had none. The officers who were told of the case are told it is closed unless one of them
// answered it (Notifier.CaseWithdrawn): a member who goes back seconds after asking for a
// person would otherwise leave them a case they take for open (found by a fresh tester).
func (s *Service) EndCaseByMember(ctx context.Context, userID string) (bool, error) {
	c, err := s.cfg.Store.OpenCaseOf(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("actions: open case: %w", err)
	}
	c, err = s.closeCase(ctx, c.ID, FromMember)
	if err == nil && c.FirstResponseAt.IsZero() {
		s.cfg.Notifier.CaseWithdrawn(ctx, c)
	}
	return true, err
}

// AwaitsReply reports whether open case c waits for an officer: no officer has answered yet, or
// the member wrote again after the last answer. An open case an officer answered last is being
// talked about ("กำลังคุย"), not waiting. The console's inbox and overview count both apart.
func AwaitsReply(c store.Case) bool {
	if c.Status != store.CaseOpen {
		return false
	}
	for i := len(c.Entries) - 1; i >= 0; i-- {
		switch from := c.Entries[i].From; {
		case from == FromMember:
			return true
		case strings.HasPrefix(from, officerPrefix):
			return false
		}
	}
	return true
}

// CaseQuestion is what the member of c asked, to quote in the officers' pushes and the inbox,
// with phone numbers and national IDs masked (thai.MaskPersonalNumbers): their first line after
// their first request for a person (store.CaseEntry.Request), else their last line before it;
// empty when there is neither. Only a line that can be a question counts (asks).
func CaseQuestion(c store.Case) string {
	if q := askedAfter(c); q != "" {
		return q
	}
	start := requestAt(c)
	if start < 0 {
		start = len(c.Entries)
	}
	for i := start - 1; i >= 0; i-- {
		if e := c.Entries[i]; asks(e) {
			return thai.MaskPersonalNumbers(e.Text)
		}
	}
	return ""
}

// askedAfter is the member's first line with a letter after their first request for a person
// in c, masked; empty until they type one. A fresh tester's officer was quoted "สวัสดีครับ",
// typed before the request, while the member's question came after: MemberSaid tells the
// officers this line too (CaseAsked).
func askedAfter(c store.Case) string {
	start := requestAt(c)
	if start < 0 {
		return ""
	}
	for _, e := range c.Entries[start+1:] {
		if asks(e) {
			return thai.MaskPersonalNumbers(e.Text)
		}
	}
	return ""
}

// requestAt is the index of the first request for a person in c's entries, or -1.
func requestAt(c store.Case) int {
	return slices.IndexFunc(c.Entries, func(e store.CaseEntry) bool { return e.Request })
}

// asks reports whether e is a line of the member's that can be a question. These cannot: a
// request for a person, a line the bot took as a command (store.CaseEntry.Command: a menu word,
// a button's label, the way back), a line without a letter (an emoji, a sticker, a number
// alone) and keyboard mash (thai.IsKeyboardMash: "asdfgh"). A fresh tester's officers were
// quoted "asdfgh" and "คุยกับบอท".
func asks(e store.CaseEntry) bool {
	return e.From == FromMember && !e.Request && !e.Command && strings.ContainsFunc(e.Text, unicode.IsLetter) &&
		!thai.IsKeyboardMash(e.Text)
}

// Cases lists the cases of a's provinces with status (every status when empty), newest first.
// Cases of no known province are the admins'.
func (s *Service) Cases(ctx context.Context, a Actor, status store.CaseStatus) ([]store.Case, error) {
	provinces, err := s.within(a, "")
	if err != nil {
		return nil, err
	}
	var out []store.Case
	for _, p := range provinces {
		cs, err := s.cfg.Store.ListCases(ctx, p, status, 200)
		if err != nil {
			return nil, fmt.Errorf("actions: list cases: %w", err)
		}
		out = append(out, cs...)
	}
	return out, nil
}

// Case returns a case a may see; NotFound otherwise.
func (s *Service) Case(ctx context.Context, a Actor, id string) (store.Case, error) {
	c, err := s.cfg.Store.GetCase(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !a.ActsOn(c.ProvinceCode)) {
		return store.Case{}, refuse(NotFound, "", "act.case.missing")
	}
	if err != nil {
		return store.Case{}, fmt.Errorf("actions: get case: %w", err)
	}
	return c, nil
}

// RevealCase returns a case of a's provinces whose transcript is shown with its phone numbers
// and national IDs in plain, after writing the "case.reveal" audit entry naming a. Everywhere
// else a transcript is shown masked (thai.MaskPersonalNumbers). Refusals: NotFound.
func (s *Service) RevealCase(ctx context.Context, a Actor, id string) (store.Case, error) {
	c, err := s.Case(ctx, a, id)
	if err != nil {
		return store.Case{}, err
	}
	if err := s.audit(ctx, a, "case.reveal", c.ID, c.ProvinceCode, "console"); err != nil {
		return store.Case{}, err
	}
	return c, nil
}

// ReplyToCase sends an officer's reply (1–1,000 characters) to the member of an open case of
// a's provinces, keeps it in the transcript, writes "case.reply" naming a (without the text)
// and, for the first reply, observes the first-response time. Refusals: Invalid "text";
// NotFound; Conflict "act.case.closed".
func (s *Service) ReplyToCase(ctx context.Context, a Actor, id, text string) (store.Case, error) {
	text, err := freeText("text", text, maxCaseText, false)
	if err != nil {
		return store.Case{}, err
	}
	if _, err := s.Case(ctx, a, id); err != nil {
		return store.Case{}, err
	}
	now := s.now()
	first := false
	c, err := s.changeCase(ctx, id, func(c *store.Case) error {
		if c.Status != store.CaseOpen {
			return refuse(Conflict, "", "act.case.closed")
		}
		c.Entries = append(c.Entries, store.CaseEntry{At: now, From: fromOfficer(a), Text: text})
		first = c.FirstResponseAt.IsZero()
		if first {
			c.FirstResponseAt = now
		}
		return nil
	})
	if err != nil {
		return c, err
	}
	if first {
		s.metrics.firstResponse.WithLabelValues(provinceLabel(c.ProvinceCode)).Observe(now.Sub(c.CreatedAt).Seconds())
	}
	if err := s.audit(ctx, a, "case.reply", c.ID, c.ProvinceCode, ""); err != nil {
		return c, err
	}
	s.cfg.Notifier.CaseReplied(ctx, c, text)
	return c, nil
}

// CloseCase closes an open case of a's provinces: the member is told and the bot speaks again;
// "case.close" is written. Refusals: NotFound; Conflict "act.case.closed".
func (s *Service) CloseCase(ctx context.Context, a Actor, id string) (store.Case, error) {
	if _, err := s.Case(ctx, a, id); err != nil {
		return store.Case{}, err
	}
	c, err := s.closeCase(ctx, id, fromOfficer(a))
	if err != nil {
		return c, err
	}
	return c, s.audit(ctx, a, "case.close", c.ID, c.ProvinceCode, "")
}

func (s *Service) closeCase(ctx context.Context, id, by string) (store.Case, error) {
	now := s.now()
	c, err := s.changeCase(ctx, id, func(c *store.Case) error {
		if c.Status != store.CaseOpen {
			return refuse(Conflict, "", "act.case.closed")
		}
		c.Status, c.ClosedAt, c.ClosedBy = store.CaseClosed, now, by
		return nil
	})
	if err != nil {
		return c, err
	}
	s.metrics.resolution.WithLabelValues(provinceLabel(c.ProvinceCode)).Observe(now.Sub(c.CreatedAt).Seconds())
	s.cfg.Notifier.CaseClosed(ctx, c)
	return c, nil
}

// changeCase applies change to the stored case and saves it, reading it again when the member
// or another officer changed it meanwhile.
func (s *Service) changeCase(ctx context.Context, id string, change func(c *store.Case) error) (store.Case, error) {
	for range 5 {
		c, err := s.cfg.Store.GetCase(ctx, id)
		if err != nil {
			return c, fmt.Errorf("actions: get case: %w", err)
		}
		if err := change(&c); err != nil {
			return c, err
		}
		saved, err := s.cfg.Store.UpdateCase(ctx, c)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return c, fmt.Errorf("actions: update case: %w", err)
		}
		return saved, nil
	}
	return store.Case{}, fmt.Errorf("actions: update case %s: %w", id, store.ErrConflict)
}

// TellHotline tells the member of every case no officer answered within after that they can
// call the hotline (once per case, the case staying open), and returns how many were told.
func (s *Service) TellHotline(ctx context.Context, after time.Duration) (int, error) {
	now := s.now()
	cs, err := s.cfg.Store.CasesUnanswered(ctx, now.Add(-after))
	if err != nil {
		return 0, fmt.Errorf("actions: unanswered cases: %w", err)
	}
	n := 0
	for _, c := range cs {
		c, err := s.changeCase(ctx, c.ID, func(c *store.Case) error {
			if !c.FirstResponseAt.IsZero() || !c.HotlineAt.IsZero() || c.Status != store.CaseOpen {
				return errAnswered
			}
			c.HotlineAt = now
			return nil
		})
		if errors.Is(err, errAnswered) {
			continue
		}
		if err != nil {
			return n, err
		}
		s.cfg.Notifier.CaseUnanswered(ctx, c)
		n++
	}
	return n, nil
}

var errAnswered = errors.New("answered meanwhile")

// DeleteOldCases deletes the cases closed more than retention ago, transcripts and all, writes
// one "case.delete" entry for the run, and returns how many.
func (s *Service) DeleteOldCases(ctx context.Context, retention time.Duration) (int, error) {
	n, err := s.cfg.Store.DeleteCasesClosedBefore(ctx, s.now().Add(-retention))
	if err != nil || n == 0 {
		return n, err
	}
	return n, s.auditAs(ctx, "system", "case.delete", "", "", fmt.Sprintf("%d cases closed before the retention period", n))
}

// clip cuts s to at most n characters.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// CaseProvince names a case's province in lang, as the console and the officers' push show it:
// the province's name, or "province unknown" for a member of no known province (whose cases
// the admins answer).
func (s *Service) CaseProvince(lang store.Language, code string) string {
	p, ok := thai.ProvinceByCode(code)
	switch {
	case !ok:
		return s.Text(lang, "case.no_province")
	case lang == store.LangEnglish:
		return p.NameEN
	}
	return p.NameTH
}
