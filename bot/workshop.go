package bot

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// Workshops for leaders (issue 3): the schedule of their province as a carousel, join (or the
// waitlist when full), cancel, and "my workshops".
//
// Every button can be typed. The schedule numbers its workshops 1, 2, … in start order (the
// same list "ตารางอบรม" shows, at most 12), and these work as text:
//
//	ตารางอบรม | อบรม | workshops          the schedule
//	อบรมของฉัน | my workshops             the leader's upcoming sign-ups
//	สมัคร 2 | สมัครอบรม 2 | join 2         join the second workshop of the schedule
//	ยกเลิกอบรม 2 | leave 2                 cancel the sign-up for the second workshop
//
// Postback data: a=ws.list, a=ws.mine, a=ws.join&id=<workshop id>, a=ws.leave&id=<workshop id>.

// Typed words, compared after keywordOf.
var (
	wsListWords  = words("ตารางอบรม", "อบรม", "ดูตารางอบรม", "workshops", "workshop", "schedule", "training")
	wsMineWords  = words("อบรมของฉัน", "การอบรมของฉัน", "myworkshops", "myworkshop")
	wsJoinWords  = words("สมัคร", "สมัครอบรม", "join")
	wsLeaveWords = words("ยกเลิกอบรม", "ยกเลิกการอบรม", "ยกเลิกสมัคร", "ยกเลิกการสมัคร", "ไม่ไปอบรม", "leave", "cancelworkshop")
)

// maxShown is how many workshops the schedule shows: one carousel (line-platform.md row 22).
const maxShown = maxCarouselBubble

func workshopFeature() feature {
	return feature{
		keywords: []keyword{
			{match: func(w string) bool { return wsListWords[w] }, do: func(t *turn) error { return t.workshopList() }},
			{match: func(w string) bool { return wsMineWords[w] }, do: func(t *turn) error { return t.myWorkshops() }},
			{match: numbered(wsJoinWords), do: func(t *turn) error { return t.workshopByNumber(wsJoinWords, t.joinWorkshop) }},
			{match: numbered(wsLeaveWords), do: func(t *turn) error { return t.workshopByNumber(wsLeaveWords, t.leaveWorkshop) }},
		},
		postbacks: map[string]func(t *turn, q url.Values) error{
			"ws.list":  func(t *turn, _ url.Values) error { return t.workshopList() },
			"ws.mine":  func(t *turn, _ url.Values) error { return t.myWorkshops() },
			"ws.join":  func(t *turn, q url.Values) error { return t.joinWorkshop(q.Get("id")) },
			"ws.leave": func(t *turn, q url.Values) error { return t.leaveWorkshop(q.Get("id")) },
		},
		menu: []menuItem{
			{label: "btn.ws_list", data: "a=ws.list", show: isActiveLeader},
			{label: "btn.ws_mine", data: "a=ws.mine", show: isActiveLeader},
		},
	}
}

// numbered matches one of set followed by a number: "สมัคร2" after keywordOf.
func numbered(set map[string]bool) func(string) bool {
	return func(w string) bool {
		rest := trimPrefixWord(w, set)
		if rest == w || rest == "" {
			return false
		}
		_, err := strconv.Atoi(rest)
		return err == nil
	}
}

// workshopByNumber runs do on the workshop the typed number names in the schedule.
func (t *turn) workshopByNumber(set map[string]bool, do func(id string) error) error {
	n, _ := strconv.Atoi(trimPrefixWord(keywordOf(t.ev.Text), set))
	l, ok, err := t.leaderFor()
	if err != nil || !ok {
		return err
	}
	ws, err := t.schedule(l.ProvinceCode)
	if err != nil {
		return err
	}
	if n < 1 || n > len(ws) {
		t.out.text(t.tr("ws.unknown", "N", n))
		t.out.buttons(t.wsListAction(), t.menuAction())
		return nil
	}
	return do(ws[n-1].ID)
}

func (t *turn) wsListAction() action { return action{Label: t.tr("btn.ws_list"), Data: "a=ws.list"} }
func (t *turn) wsMineAction() action { return action{Label: t.tr("btn.ws_mine"), Data: "a=ws.mine"} }

// leaderFor returns the member's leader record; ok is false (and the turn has replied with a
// way to register) when they are not a leader.
func (t *turn) leaderFor() (store.Leader, bool, error) {
	w, err := t.who()
	if err != nil {
		return store.Leader{}, false, err
	}
	if w.leader == nil {
		t.out.text(t.tr("ws.not_leader"))
		t.out.buttons(action{Label: t.tr("btn.leader"), Data: "a=reg.start"}, t.menuAction())
		return store.Leader{}, false, nil
	}
	return *w.leader, true, nil
}

// schedule lists the upcoming workshops of a province, numbered by position.
// Served by the index workshops(province_code, starts_at).
func (t *turn) schedule(province string) ([]store.Workshop, error) {
	ws, err := t.store.ListWorkshops(t.ctx, store.WorkshopFilter{ProvinceCode: province, StartsAfter: t.now, Limit: maxShown})
	if err != nil {
		return nil, fmt.Errorf("bot: list workshops: %w", err)
	}
	return ws, nil
}

// workshopList shows the schedule of the leader's province as a carousel.
func (t *turn) workshopList() error {
	l, ok, err := t.leaderFor()
	if err != nil || !ok {
		return err
	}
	ws, err := t.schedule(l.ProvinceCode)
	if err != nil {
		return err
	}
	province := showProvince(t, l.ProvinceCode)
	if len(ws) == 0 {
		t.out.text(t.tr("ws.none", "Province", province))
		t.out.buttons(t.menuAction())
		return nil
	}
	mine, err := t.registrationsByWorkshop()
	if err != nil {
		return err
	}
	var bubbles []messaging_api.FlexBubble
	for i, w := range ws {
		bubbles = append(bubbles, *t.workshopBubble(i+1, w, mine[w.ID], l))
	}
	if l.Status == store.LeaderPending {
		t.out.text(t.tr("ws.pending"))
	}
	t.out.flex(t.tr("ws.list_alt", "Province", province), carousel(bubbles))
	if l.Status == store.LeaderApproved {
		t.out.text(t.tr("ws.list_hint"))
	}
	t.out.buttons(t.wsMineAction(), t.menuAction())
	return nil
}

// registrationsByWorkshop returns the member's registrations keyed by workshop ID.
// Served by the index registrations(user_id, created_at).
func (t *turn) registrationsByWorkshop() (map[string]store.Registration, error) {
	regs, err := t.store.ListRegistrationsOf(t.ctx, t.member.UserID)
	if err != nil {
		return nil, fmt.Errorf("bot: list registrations: %w", err)
	}
	m := make(map[string]store.Registration, len(regs))
	for _, r := range regs {
		m[r.WorkshopID] = r
	}
	return m, nil
}

// state is the one word a leader reads at a glance on a workshop card: open, full, joined,
// waitlisted, closed or cancelled.
func (t *turn) state(w store.Workshop, r store.Registration) string {
	switch st := w.StatusAt(t.now); {
	case st == store.WorkshopCancelled:
		return t.tr("ws.state.cancelled")
	case r.Status.HoldsSeat():
		return t.tr("ws.state.joined")
	case r.Status == store.RegWaitlisted:
		return t.tr("ws.state.waitlisted")
	default:
		return t.tr("ws.state." + string(st))
	}
}

// when shows a workshop's date and times in the display zone: "วันจันทร์ 14 ธ.ค. 2569
// 09:00–16:00 น." (Buddhist-era year) or "Mon 14 Dec 2026, 09:00–16:00".
func (t *turn) when(w store.Workshop) string {
	if t.english() {
		return w.StartsAt.In(t.loc).Format("Mon 2 Jan 2006, 15:04") + "–" + w.EndsAt.In(t.loc).Format("15:04")
	}
	return thai.WeekdayTH(w.StartsAt, t.loc) + " " + thai.FormatDate(w.StartsAt, t.loc) + " " +
		w.StartsAt.In(t.loc).Format("15:04") + "–" + thai.FormatTime(w.EndsAt, t.loc)
}

// deadline shows the registration deadline: "13 ธ.ค. 2569 09:00 น." or "13 Dec 2026, 09:00".
func (t *turn) deadline(w store.Workshop) string {
	if t.english() {
		return thai.FormatDateTimeEN(w.RegistrationDeadline, t.loc)
	}
	return thai.FormatDateTime(w.RegistrationDeadline, t.loc)
}

// workshopBubble is one card of the schedule: number, title, when, where, seats, state, and
// the button that fits (join, join the waitlist, cancel).
func (t *turn) workshopBubble(n int, w store.Workshop, r store.Registration, l store.Leader) *messaging_api.FlexBubble {
	body := []messaging_api.FlexComponentInterface{
		fText(t.state(w, r), bold),
		fText(t.when(w), small),
		fText(w.Venue.Name, small),
	}
	if w.Venue.Address != "" {
		body = append(body, fText(w.Venue.Address, small, grey))
	}
	body = append(body,
		fText(t.tr("ws.seats", "Left", w.SeatsLeft(), "Capacity", w.Capacity), small),
		fText(t.tr("ws.deadline", "Date", t.deadline(w)), small, grey))
	if w.Description != "" {
		body = append(body, fText(clipRunes(w.Description, 300), small, grey))
	}
	var footer []messaging_api.FlexComponentInterface
	st := w.StatusAt(t.now)
	id := url.QueryEscape(w.ID)
	switch {
	case r.Status == store.RegRegistered || r.Status == store.RegWaitlisted:
		footer = append(footer, fButton(action{Label: t.tr("btn.ws_leave"), Data: "a=ws.leave&id=" + id}, false))
	case l.Status == store.LeaderApproved && st == store.WorkshopOpen:
		footer = append(footer, fButton(action{Label: t.tr("btn.ws_join"), Data: "a=ws.join&id=" + id}, true))
	case l.Status == store.LeaderApproved && st == store.WorkshopFull:
		footer = append(footer, fButton(action{Label: t.tr("btn.ws_join_wait"), Data: "a=ws.join&id=" + id}, true))
	}
	if u := w.Venue.MapURL; u != "" && len(u) <= maxURI {
		footer = append(footer, fButton(action{Label: t.tr("btn.ws_map"), URI: u}, false))
	}
	title := w.Title
	if n > 0 {
		title = t.tr("ws.number", "N", n) + " " + title
	}
	return bubble(title, body, footer)
}

// joinWorkshop signs the leader up (or onto the waitlist). Only approved leaders may join;
// pending and rejected ones are told why.
func (t *turn) joinWorkshop(id string) error {
	l, ok, err := t.leaderFor()
	if err != nil || !ok {
		return err
	}
	if l.Status != store.LeaderApproved {
		t.out.text(t.tr("ws.join_" + string(l.Status)))
		t.out.buttons(t.wsListAction(), t.menuAction())
		return nil
	}
	w, ok, err := t.workshopOrGone(id)
	if !ok {
		return err
	}
	before, err := t.store.GetRegistration(t.ctx, id, t.member.UserID)
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("bot: get registration: %w", err)
	}
	r, err := t.store.JoinWorkshop(t.ctx, id, t.member.UserID, t.now)
	if errors.Is(err, store.ErrWorkshopClosed) {
		t.out.text(t.tr("ws.closed", "Title", w.Title))
		t.out.buttons(t.wsListAction(), t.menuAction())
		return nil
	}
	if err != nil {
		return fmt.Errorf("bot: join workshop: %w", err)
	}
	again := before.Status == r.Status && r.Status != store.RegCancelled
	switch {
	case r.Status == store.RegWaitlisted:
		place, err := t.waitPlace(r)
		if err != nil {
			return err
		}
		key := "ws.waitlisted"
		if again {
			key = "ws.already_waitlisted"
		}
		t.out.text(t.tr(key, "Title", w.Title, "Place", place))
	case again:
		t.out.text(t.tr("ws.already_joined", "Title", w.Title, "When", t.when(w)))
	default:
		t.out.text(t.tr("ws.joined", "Title", w.Title, "When", t.when(w), "Venue", w.Venue.Name))
	}
	t.out.buttons(t.wsMineAction(), t.wsListAction(), t.menuAction())
	return nil
}

// waitPlace is r's place in the waitlist, from 1. Served by registrations(workshop_id, …).
func (t *turn) waitPlace(r store.Registration) (int, error) {
	regs, err := t.store.ListRegistrations(t.ctx, r.WorkshopID)
	if err != nil {
		return 0, fmt.Errorf("bot: list registrations: %w", err)
	}
	place := 1
	for _, o := range regs {
		if o.Status == store.RegWaitlisted && o.WaitSeq < r.WaitSeq {
			place++
		}
	}
	return place, nil
}

// workshopOrGone reads workshop id; when it no longer exists it answers so and returns ok
// false with a nil error.
func (t *turn) workshopOrGone(id string) (store.Workshop, bool, error) {
	w, err := t.store.GetWorkshop(t.ctx, id)
	if isNotFound(err) {
		t.out.text(t.tr("ws.gone"))
		t.out.buttons(t.wsListAction(), t.menuAction())
		return w, false, nil
	}
	if err != nil {
		return w, false, fmt.Errorf("bot: get workshop: %w", err)
	}
	return w, true, nil
}

// leaveWorkshop cancels the leader's sign-up; a freed seat goes to the first on the waitlist,
// whom the scheduler tells by push (the store brings the workshop's ReminderDueAt forward).
func (t *turn) leaveWorkshop(id string) error {
	w, ok, err := t.workshopOrGone(id)
	if !ok {
		return err
	}
	_, _, err = t.store.LeaveWorkshop(t.ctx, id, t.member.UserID, t.now)
	if isNotFound(err) {
		t.out.text(t.tr("ws.not_joined", "Title", w.Title))
		t.out.buttons(t.wsListAction(), t.menuAction())
		return nil
	}
	if err != nil {
		return fmt.Errorf("bot: leave workshop: %w", err)
	}
	t.out.text(t.tr("ws.left", "Title", w.Title))
	t.out.buttons(t.wsListAction(), t.menuAction())
	return nil
}

// myWorkshops shows the leader's upcoming sign-ups (registered or waitlisted) as a carousel.
func (t *turn) myWorkshops() error {
	l, ok, err := t.leaderFor()
	if err != nil || !ok {
		return err
	}
	regs, err := t.store.ListRegistrationsOf(t.ctx, t.member.UserID)
	if err != nil {
		return fmt.Errorf("bot: list registrations: %w", err)
	}
	sched, err := t.schedule(l.ProvinceCode)
	if err != nil {
		return err
	}
	number := map[string]int{}
	for i, w := range sched {
		number[w.ID] = i + 1
	}
	var bubbles []messaging_api.FlexBubble
	for _, r := range regs {
		if r.Status == store.RegCancelled || len(bubbles) == maxShown {
			continue
		}
		w, err := t.store.GetWorkshop(t.ctx, r.WorkshopID)
		if err != nil {
			return fmt.Errorf("bot: get workshop: %w", err)
		}
		if !w.EndsAt.After(t.now) {
			continue
		}
		bubbles = append(bubbles, *t.workshopBubble(number[w.ID], w, r, l))
	}
	if len(bubbles) == 0 {
		t.out.text(t.tr("ws.mine_none"))
		t.out.buttons(t.wsListAction(), t.menuAction())
		return nil
	}
	t.out.flex(t.tr("ws.mine_alt"), carousel(bubbles))
	t.out.text(t.tr("ws.mine_hint"))
	t.out.buttons(t.wsListAction(), t.menuAction())
	return nil
}

// Kinds of workshop pushes, the prefix of store.Delivery.Kind.
const (
	NoticeReminder  = "remind"
	NoticeChanged   = "changed"
	NoticeCancelled = "cancelled"
	NoticePromoted  = "promoted"
)

// WorkshopNotice builds the push telling member m about workshop w: kind is a store.Delivery
// Kind whose prefix before ":" is one of the Notice* constants. The text is in m's language,
// with the date in the display zone (Buddhist-era year in Thai), and a quick reply to "my
// workshops".
func (e *Engine) WorkshopNotice(m store.Member, w store.Workshop, kind string) []messaging_api.MessageInterface {
	t := &turn{Engine: e, member: m, now: e.now()}
	prefix, _, _ := strings.Cut(kind, ":")
	t.out.text(t.tr("ws.notice."+prefix, "Title", w.Title, "When", t.when(w), "Venue", w.Venue.Name, "Address", w.Venue.Address))
	if prefix != NoticeCancelled {
		t.out.buttons(t.wsMineAction())
	}
	return t.out.messages()
}
