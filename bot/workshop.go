package bot

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// Workshops for leaders (issue 3): the schedule of their province as a carousel, join (or the
// waitlist when full), cancel, and "my workshops".
//
// Every button can be typed. The schedule and "my workshops" number their workshops 1, 2, …
// and the session keeps the list shown (context.go), so a typed number means the workshop the
// member saw, even if one was added since; with no list on screen the list is shown and the
// member asked again. These work as text:
//
//	ตารางอบรม | อบรม | workshops          the schedule
//	อบรมของฉัน | my workshops             the leader's upcoming sign-ups
//	สมัคร 2 | สมัครอบรม 2 | join 2         join workshop 2 of the list shown
//	ยกเลิกอบรม 2 | ยกเลิก 2 | leave 2       cancel the sign-up for workshop 2 of the list shown
//
// Postback data: a=ws.list[&from=<n>], a=ws.mine[&from=<n>] (n: index of the first card, for
// "more"), a=ws.join&id=<workshop id>, a=ws.leave&id=<workshop id>.

// Typed words, compared after keywordOf.
var (
	wsListWords  = words("ตารางอบรม", "อบรม", "ดูตารางอบรม", "workshops", "workshop", "schedule", "training")
	wsMineWords  = words("อบรมของฉัน", "การอบรมของฉัน", "myworkshops", "myworkshop")
	wsJoinWords  = words("สมัคร", "สมัครอบรม", "join")
	wsLeaveWords = words("ยกเลิกอบรม", "ยกเลิกการอบรม", "ยกเลิกสมัคร", "ยกเลิกการสมัคร", "ไม่ไปอบรม", "leave", "cancelworkshop")
	// numberCancelWords with a number cancel item n of whatever list is on screen: a workshop
	// sign-up, or an officer's scheduled announcement ("ยกเลิกข้อ 2" is that list's button).
	numberCancelWords = words("ยกเลิก", "ยกเลิกข้อ", "cancel")
)

// maxListed is how many upcoming workshops the schedule numbers; they are shown a carousel
// at a time with a "more" button.
const maxListed = 60

func workshopFeature() feature {
	return feature{
		keywords: []keyword{
			{match: func(w string) bool { return wsListWords[w] }, do: func(t *turn) error { return t.workshopList(0) }},
			{match: func(w string) bool { return wsMineWords[w] }, do: func(t *turn) error { return t.myWorkshops(0) }},
			{match: numbered(wsJoinWords), do: func(t *turn) error { return t.workshopByNumber(wsJoinWords, false) }},
			{match: numbered(wsLeaveWords), do: func(t *turn) error { return t.workshopByNumber(wsLeaveWords, true) }},
			{match: numbered(numberCancelWords), do: func(t *turn) error { return t.cancelByNumber() }},
			// Any other line about workshops that does not name Section 40 ("อบรมได้อะไรบ้าง",
			// "อบรมวันไหน"): the schedule (router.go, other areas' subjects).
			{matchTurn: func(t *turn) bool { return t.aboutArea(workshopSubject) }, do: func(t *turn) error { return t.workshopList(0) }},
		},
		postbacks: map[string]func(t *turn, q url.Values) error{
			"ws.list":  func(t *turn, q url.Values) error { return t.workshopList(fromOf(q)) },
			"ws.mine":  func(t *turn, q url.Values) error { return t.myWorkshops(fromOf(q)) },
			"ws.join":  func(t *turn, q url.Values) error { return t.joinWorkshop(q.Get("id")) },
			"ws.leave": func(t *turn, q url.Values) error { return t.leaveWorkshop(q.Get("id")) },
		},
	}
}

// fromOf reads the "from" of a "more" button: the index of the first card to show.
func fromOf(q url.Values) int {
	n, err := strconv.Atoi(q.Get("from"))
	if err != nil || n < 0 {
		return 0
	}
	return n
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

// typedNumber is the number after one of set in the typed text.
func (t *turn) typedNumber(set map[string]bool) int {
	n, _ := strconv.Atoi(trimPrefixWord(keywordOf(t.ev.Text), set))
	return n
}

// workshopByNumber joins (or with leave, cancels) workshop n of the list the command belongs
// to, as the member saw it: a join means the last schedule shown; a leave the last workshop
// list shown (the schedule or their own). With no such list, or no number n on it, it shows
// the list again (the schedule, or for leave their own) and asks them to type the number
// again: a number never names a workshop the member did not see under it.
func (t *turn) workshopByNumber(set map[string]bool, leave bool) error {
	n := t.typedNumber(set)
	var ids []string
	ok := false
	if kind, last, shown := t.list(); leave && shown && (kind == listSchedule || kind == listMine) {
		ids, ok = last, true
	} else if leave {
		ids, ok = t.listOf(listMine)
	} else {
		ids, ok = t.listOf(listSchedule)
	}
	if !ok || n < 1 || n > len(ids) {
		t.which = n
		if leave {
			return t.myWorkshops(0)
		}
		return t.workshopList(0)
	}
	if leave {
		return t.leaveWorkshop(ids[n-1])
	}
	return t.joinWorkshop(ids[n-1])
}

// cancelByNumber answers "ยกเลิก 2": item 2 of the list on screen, a workshop sign-up or an
// officer's scheduled announcement; with neither on screen, the member's own list is shown.
func (t *turn) cancelByNumber() error {
	n := t.typedNumber(numberCancelWords)
	kind, ids, ok := t.list()
	switch {
	case ok && kind == listAnnouncements && n >= 1 && n <= len(ids):
		return t.cancelAnnouncement(ids[n-1])
	case ok && kind != listAnnouncements:
		return t.workshopByNumber(numberCancelWords, true)
	}
	w, err := t.who()
	if err != nil {
		return err
	}
	t.which = n
	if isOfficer(w) {
		return t.scheduledAnnouncements()
	}
	return t.myWorkshops(0)
}

func (t *turn) wsListAction() action { return action{Label: t.tr("btn.ws_list"), Data: "a=ws.list"} }
func (t *turn) wsMineAction() action { return action{Label: t.tr("btn.ws_mine"), Data: "a=ws.mine"} }

// leaderFor returns the member's leader record; ok is false (and the turn has replied with
// what they can do instead) when they are not a leader or were not approved.
func (t *turn) leaderFor() (store.Leader, bool, error) {
	w, err := t.who()
	if err != nil {
		return store.Leader{}, false, err
	}
	switch RoleOf(w.leader, false) {
	case RoleNewcomer:
		t.out.text(t.tr("ws.not_leader"))
		t.out.buttons(t.navAction(navLeader), t.menuAction())
		return store.Leader{}, false, nil
	case RoleRejected:
		t.out.text(t.tr("ws.rejected"))
		t.out.buttons(t.navAction(navReapply), t.menuAction())
		return store.Leader{}, false, nil
	}
	return *w.leader, true, nil
}

// schedule lists the upcoming workshops of a province in start order.
// Served by the index workshops(province_code, starts_at).
func (t *turn) schedule(province string) ([]store.Workshop, error) {
	ws, err := t.store.ListWorkshops(t.ctx, store.WorkshopFilter{ProvinceCode: province, StartsAfter: t.now, Limit: maxListed})
	if err != nil {
		return nil, fmt.Errorf("bot: list workshops: %w", err)
	}
	return ws, nil
}

// workshopList shows the schedule of the leader's province from card from on. A "more" tap
// (from > 0) pages through the list already numbered; anything else numbers it afresh.
func (t *turn) workshopList(from int) error {
	l, ok, err := t.leaderFor()
	if err != nil || !ok {
		return err
	}
	ids, shown := t.listOf(listSchedule)
	if from == 0 || !shown {
		ws, err := t.schedule(l.ProvinceCode)
		if err != nil {
			return err
		}
		ids, from = make([]string, len(ws)), 0
		for i, w := range ws {
			ids[i] = w.ID
		}
		t.setList(listSchedule, ids)
	}
	province, in := showProvince(t, l.ProvinceCode), inProvince(t, l.ProvinceCode)
	if len(ids) == 0 {
		t.out.text(t.tr("ws.none", "Province", province, "InProvince", in))
		t.out.buttons(t.menuAction())
		return nil
	}
	if l.Status == store.LeaderPending && from == 0 {
		t.out.text(t.tr("ws.pending"))
	}
	more, err := t.workshopCards(listSchedule, ids, from, l, t.tr("ws.list_alt", "Province", province, "InProvince", in))
	if err != nil {
		return err
	}
	if l.Status == store.LeaderApproved {
		t.out.text(t.tr("ws.list_hint"))
	}
	t.out.buttons(append(more, t.wsMineAction(), t.menuAction())...)
	return nil
}

// workshopCards shows the workshops ids[from:] of list kind as numbered cards, as many as one
// carousel holds within LINE's limits (fitCarousel), and returns the "more" button for the
// rest (none when all were shown). Workshops deleted since the list was made are skipped.
func (t *turn) workshopCards(kind string, ids []string, from int, l store.Leader, alt string) ([]action, error) {
	mine, err := t.registrationsByWorkshop()
	if err != nil {
		return nil, err
	}
	var bubbles []messaging_api.FlexBubble
	var numbers []int
	for i := from; i < len(ids) && len(bubbles) < maxCarouselBubble; i++ {
		w, err := t.store.GetWorkshop(t.ctx, ids[i])
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("bot: get workshop: %w", err)
		}
		bubbles = append(bubbles, t.workshopBubble(i+1, w, mine[w.ID], l))
		numbers = append(numbers, i)
	}
	if len(bubbles) == 0 {
		t.out.text(t.tr("ws.gone"))
		return nil, nil
	}
	c, n := fitCarousel(bubbles)
	t.out.flex(alt, c)
	t.askWhich()
	next := numbers[n-1] + 1
	if next >= len(ids) {
		return nil, nil
	}
	data := "a=ws.list&from="
	if kind == listMine {
		data = "a=ws.mine&from="
	}
	return []action{{Label: t.tr("btn.ws_more", "From", next+1), Data: data + strconv.Itoa(next)}}, nil
}

// askWhich follows a numbered list shown because the member typed a number with none on
// screen: which number of this list did they mean?
func (t *turn) askWhich() {
	if t.which > 0 {
		t.out.text(t.tr("ws.which", "N", t.which))
	}
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

// seat is where a leader stands with one workshop. The card's state line and button and the
// answers to join and leave all follow from it, so they never disagree.
type seat string

// Seats; each is also the catalog suffix "ws.state.<seat>" of the card's state line.
const (
	seatCancelled  seat = "cancelled"  // the workshop is cancelled, whatever the registration
	seatAttended   seat = "attended"   // an officer marked the leader attended
	seatJoined     seat = "joined"     // holds a seat
	seatWaitlisted seat = "waitlisted" // on the waitlist
	seatOpen       seat = "open"       // not signed up; seats left
	seatFull       seat = "full"       // not signed up; the waitlist is open
	seatClosed     seat = "closed"     // not signed up; sign-up is over
)

// seatOf is where registration r (zero when none) puts its leader with workshop w at now.
func seatOf(w store.Workshop, r store.Registration, now time.Time) seat {
	st := w.StatusAt(now)
	switch {
	case st == store.WorkshopCancelled:
		return seatCancelled
	case r.Status == store.RegAttended:
		return seatAttended
	case r.Status == store.RegRegistered:
		return seatJoined
	case r.Status == store.RegWaitlisted:
		return seatWaitlisted
	}
	return seat(st) // open, full or closed
}

// canLeave reports whether the leader may cancel their sign-up from this seat.
func (s seat) canLeave() bool { return s == seatJoined || s == seatWaitlisted }

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

// workshopBubble is card n of a list: number, title, when, where, seats, state, and the
// button its seat allows (join, join the waitlist, cancel; joining only in the leader's own
// province once approved).
func (t *turn) workshopBubble(n int, w store.Workshop, r store.Registration, l store.Leader) messaging_api.FlexBubble {
	st := seatOf(w, r, t.now)
	body := []messaging_api.FlexComponentInterface{
		fText(t.tr("ws.state."+string(st)), bold),
		fText(t.when(w), small),
		fText(w.Venue.Name, small),
	}
	if w.Venue.Address != "" {
		body = append(body, fText(w.Venue.Address, small, grey))
	}
	body = append(body,
		fText(t.tr("ws.seats", "Count", w.SeatsLeft(), "Capacity", w.Capacity), small),
		fText(t.tr("ws.deadline", "Date", t.deadline(w)), small, grey))
	if w.Description != "" {
		body = append(body, fText(clipRunes(w.Description, 300), small, grey))
	}
	var footer []messaging_api.FlexComponentInterface
	id := url.QueryEscape(w.ID)
	mayJoin := l.Status == store.LeaderApproved && w.ProvinceCode == l.ProvinceCode
	switch {
	case st.canLeave():
		footer = append(footer, fButton(action{Label: t.tr("btn.ws_leave"), Data: "a=ws.leave&id=" + id}, false))
	case st == seatOpen && mayJoin:
		footer = append(footer, fButton(action{Label: t.tr("btn.ws_join"), Data: "a=ws.join&id=" + id}, true))
	case st == seatFull && mayJoin:
		footer = append(footer, fButton(action{Label: t.tr("btn.ws_join_wait"), Data: "a=ws.join&id=" + id}, true))
	}
	// A link stored before links were normalised is encoded here; one that cannot fit is left out.
	if u, err := line.NormalizeLink(w.Venue.MapURL); err == nil {
		footer = append(footer, fButton(action{Label: t.tr("btn.ws_map"), URI: u}, false))
	}
	return bubble(t.tr("ws.number", "N", n)+" "+w.Title, body, footer)
}

// joinWorkshop signs the leader up (or onto the waitlist). Only approved leaders may join, and
// only their own province's workshops (postback data can be forged); the answer names the
// workshop.
func (t *turn) joinWorkshop(id string) error {
	l, ok, err := t.leaderFor()
	if err != nil || !ok {
		return err
	}
	if l.Status != store.LeaderApproved {
		t.out.text(t.tr("ws.join_pending"))
		t.out.buttons(t.wsListAction(), t.menuAction())
		return nil
	}
	w, before, ok, err := t.workshopSeat(id)
	if !ok {
		return err
	}
	if w.ProvinceCode != l.ProvinceCode {
		t.out.text(t.tr("ws.other_province", "Title", w.Title, "Province", showProvince(t, w.ProvinceCode), "InProvince", inProvince(t, w.ProvinceCode)))
		t.out.buttons(t.wsListAction(), t.menuAction())
		return nil
	}
	switch seatOf(w, before, t.now) {
	case seatCancelled:
		t.out.text(t.tr("ws.is_cancelled", "Title", w.Title, "When", t.when(w)))
		t.out.buttons(t.wsListAction(), t.menuAction())
		return nil
	case seatJoined, seatAttended:
		t.out.text(t.tr("ws.already_joined", "Title", w.Title, "When", t.when(w)))
		t.out.buttons(t.wsMineAction(), t.wsListAction(), t.menuAction())
		return nil
	case seatWaitlisted:
		return t.waitlistedAnswer("ws.already_waitlisted", w, before)
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
	if r.Status == store.RegWaitlisted {
		return t.waitlistedAnswer("ws.waitlisted", w, r)
	}
	t.out.text(t.tr("ws.joined", "Title", w.Title, "When", t.when(w), "Venue", w.Venue.Name))
	t.out.buttons(t.wsMineAction(), t.wsListAction(), t.menuAction())
	return nil
}

// waitlistedAnswer tells the leader their place on w's waitlist with catalog text key.
func (t *turn) waitlistedAnswer(key string, w store.Workshop, r store.Registration) error {
	place, err := t.waitPlace(r)
	if err != nil {
		return err
	}
	t.out.text(t.tr(key, "Title", w.Title, "Place", place))
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

// workshopSeat reads workshop id and the member's registration for it (zero when none); when
// the workshop no longer exists it answers so and returns ok false with a nil error.
func (t *turn) workshopSeat(id string) (store.Workshop, store.Registration, bool, error) {
	w, err := t.store.GetWorkshop(t.ctx, id)
	if isNotFound(err) {
		t.out.text(t.tr("ws.gone"))
		t.out.buttons(t.wsListAction(), t.menuAction())
		return w, store.Registration{}, false, nil
	}
	if err != nil {
		return w, store.Registration{}, false, fmt.Errorf("bot: get workshop: %w", err)
	}
	r, err := t.store.GetRegistration(t.ctx, id, t.member.UserID)
	if err != nil && !isNotFound(err) {
		return w, r, false, fmt.Errorf("bot: get registration: %w", err)
	}
	return w, r, true, nil
}

// leaveWorkshop cancels the leader's sign-up; a freed seat goes to the first on the waitlist,
// whom the scheduler tells by push (the store brings the workshop's ReminderDueAt forward).
// A cancelled workshop, or one the leader was marked attending, has nothing to cancel, and the
// answer says why.
func (t *turn) leaveWorkshop(id string) error {
	w, r, ok, err := t.workshopSeat(id)
	if !ok {
		return err
	}
	switch st := seatOf(w, r, t.now); {
	case st == seatCancelled:
		t.out.text(t.tr("ws.is_cancelled", "Title", w.Title, "When", t.when(w)))
		t.out.buttons(t.wsListAction(), t.menuAction())
		return nil
	case st == seatAttended:
		t.out.text(t.tr("ws.leave_attended", "Title", w.Title))
		t.out.buttons(action{Label: t.tr("btn.contact"), Data: "a=contact"}, t.menuAction())
		return nil
	case !st.canLeave():
		t.out.text(t.tr("ws.not_joined", "Title", w.Title))
		t.out.buttons(t.wsListAction(), t.menuAction())
		return nil
	}
	_, _, err = t.store.LeaveWorkshop(t.ctx, id, t.member.UserID, t.now)
	if isNotFound(err) { // cancelled meanwhile (a double tap)
		t.out.text(t.tr("ws.not_joined", "Title", w.Title))
		t.out.buttons(t.wsListAction(), t.menuAction())
		return nil
	}
	if err != nil {
		return fmt.Errorf("bot: leave workshop: %w", err)
	}
	t.out.text(t.tr("ws.left", "Title", w.Title, "When", t.when(w)))
	t.out.buttons(t.wsListAction(), t.menuAction())
	return nil
}

// myWorkshops shows the leader's upcoming sign-ups (registered, waitlisted, attended, and
// those of workshops cancelled since) as numbered cards, in start order, from card from on.
func (t *turn) myWorkshops(from int) error {
	l, ok, err := t.leaderFor()
	if err != nil || !ok {
		return err
	}
	ids, shown := t.listOf(listMine)
	if from == 0 || !shown {
		if ids, err = t.mySignUps(); err != nil {
			return err
		}
		from = 0
		t.setList(listMine, ids)
	}
	if len(ids) == 0 {
		t.out.text(t.tr("ws.mine_none"))
		t.out.buttons(t.wsListAction(), t.menuAction())
		return nil
	}
	more, err := t.workshopCards(listMine, ids, from, l, t.tr("ws.mine_alt"))
	if err != nil {
		return err
	}
	t.out.text(t.tr("ws.mine_hint"))
	t.out.buttons(append(more, t.wsListAction(), t.menuAction())...)
	return nil
}

// mySignUps returns the IDs of the workshops the member signed up for that have not ended, in
// start order, at most maxListed.
func (t *turn) mySignUps() ([]string, error) {
	regs, err := t.store.ListRegistrationsOf(t.ctx, t.member.UserID)
	if err != nil {
		return nil, fmt.Errorf("bot: list registrations: %w", err)
	}
	var ws []store.Workshop
	for _, r := range regs {
		if r.Status == store.RegCancelled {
			continue
		}
		w, err := t.store.GetWorkshop(t.ctx, r.WorkshopID)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("bot: get workshop: %w", err)
		}
		if w.EndsAt.After(t.now) {
			ws = append(ws, w)
		}
	}
	slices.SortFunc(ws, func(a, b store.Workshop) int { return a.StartsAt.Compare(b.StartsAt) })
	ids := make([]string, 0, min(len(ws), maxListed))
	for _, w := range ws[:min(len(ws), maxListed)] {
		ids = append(ids, w.ID)
	}
	return ids, nil
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
