package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/outbox"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// flowAnnounce is the officers' announcement form (issue 5, item 3).
const flowAnnounce = "ann"

// maxAnnouncementText is the longest announcement an officer may type, in characters; with the
// header it stays far below LINE's 5,000 (line-platform.md row 15).
const maxAnnouncementText = actions.MaxAnnouncementText

// whenNow is the stored answer of "send now" in the form's "when" field.
const whenNow = "now"

// workshopAudience prefixes the form's stored audience answer for the registrants of one
// workshop: "workshop:<id>".
const workshopAudience = string(store.AudienceWorkshop) + ":"

// workshopRecent is how long after its start a workshop is still offered as an audience (a
// follow-up to those who came).
const workshopRecent = 7 * 24 * time.Hour

// audienceChoices are the audience buttons of officer w: the fixed audiences, then the
// registrants of each recent or upcoming workshop of w's provinces, as many as fit in a quick
// reply with the cancel button (line-platform.md row 17).
func (t *turn) audienceChoices(w who) ([]choice, error) {
	var cs []choice
	for _, a := range actions.Audiences(w.actor(t.member.UserID)) {
		cs = append(cs, choice{numberedLabel(len(cs)+1, t.tr("ann.aud."+string(a))), string(a)})
	}
	provinces := w.provinces()
	if provinces == nil {
		provinces = []string{""}
	}
	room := maxQuickReplies - 1 - len(cs)
	for _, p := range provinces {
		ws, err := t.store.ListWorkshops(t.ctx, store.WorkshopFilter{ProvinceCode: p, StartsAfter: t.now.Add(-workshopRecent), Limit: room})
		if err != nil {
			return nil, fmt.Errorf("bot: list workshops: %w", err)
		}
		for _, ws := range ws {
			if room == 0 {
				return cs, nil
			}
			// The day and month tell two workshops of one title apart within the 20-character label.
			date := thai.FormatDate(ws.StartsAt, t.loc)
			if t.english() {
				date = thai.FormatDateEN(ws.StartsAt, t.loc)
			}
			date = date[:strings.LastIndex(date, " ")]
			cs = append(cs, choice{numberedLabel(len(cs)+1, t.tr("ann.aud.workshop_button", "Title", ws.Title, "Date", date)), workshopAudience + ws.ID})
			room--
		}
	}
	return cs, nil
}

// numberedLabel prefixes a button label with its number, so "type the number" and the buttons agree.
func numberedLabel(n int, label string) string { return fmt.Sprintf("%d. %s", n, label) }

// announcementFlow asks audience, text and when, shows the message as recipients will see it
// with their number, and stores the announcement keyed by the form's SubmissionID.
func announcementFlow() *flow {
	return &flow{
		name: flowAnnounce,
		begin: func(t *turn) (bool, error) {
			_, ok, err := t.officerOnly()
			return ok, err
		},
		fields: []field{
			{key: "audience", parse: parseAudience, show: showAudience,
				choices: func(t *turn) []choice {
					w, err := t.who()
					if err != nil {
						return nil
					}
					cs, err := t.audienceChoices(w)
					if err != nil {
						t.log.Error("audience choices", "err", err)
					}
					return cs
				}},
			{key: "province", when: askAnnouncementProvince, choices: announcementProvinceChoices,
				parse: parseAnnouncementProvince, show: showAnnouncementProvince},
			// Sent as the officer wrote it: Thai digits and line breaks stay.
			{key: "text", parse: func(_ *turn, in string) (string, error) { return thai.ParseMessageText(in, maxAnnouncementText) },
				show: func(_ *turn, v string) string { return clipRunes(v, 60) }},
			{key: "when", parse: parseWhen, show: showWhen, picker: "datetime", askData: func(t *turn) []any { return []any{"Example", t.whenExample()} },
				choices: func(t *turn) []choice { return []choice{{t.tr("btn.send_now"), whenNow}} }},
		},
		preview: previewAnnouncement,
		submit:  submitAnnouncement,
	}
}

// allProvinces is the province answer "every province of mine".
const allProvinces = "all"

// askAnnouncementProvince reports whether the form asks which province: an officer of several
// provinces, or an admin (every province), sending to leaders or workers; a workshop's
// registrants are of the workshop's province, friends are everyone.
func askAnnouncementProvince(t *turn) bool {
	if a := t.sess.Fields["audience"]; a == string(store.AudienceFriends) || strings.HasPrefix(a, workshopAudience) {
		return false
	}
	w, err := t.who()
	return err == nil && (w.admin || len(w.provinces()) > 1)
}

// announcementProvinceChoices are "all my provinces" and then each of the officer's
// provinces, numbered, as many as fit in a quick reply with the cancel button
// (line-platform.md row 17); the others can be typed by name.
func announcementProvinceChoices(t *turn) []choice {
	w, err := t.who()
	if err != nil {
		return nil
	}
	cs := []choice{{numberedLabel(1, t.tr("ann.province.all")), allProvinces}}
	for _, code := range w.provinces() {
		if len(cs) == maxQuickReplies-1 {
			break
		}
		cs = append(cs, choice{numberedLabel(len(cs)+1, showProvince(t, code)), code})
	}
	return cs
}

// parseAnnouncementProvince accepts a tapped choice, its number or label, "all", or a province
// typed as anywhere else (name, short form or ISO code, thai.MatchProvince) that is one of the
// officer's own (any, for an admin); another province is refused naming the officer's, and an
// admin's unreadable one is re-asked with the provinces it may mean.
func parseAnnouncementProvince(t *turn, in string) (string, error) {
	w, err := t.who()
	if err != nil {
		return "", err
	}
	k := keywordOf(in)
	for i, c := range announcementProvinceChoices(t) {
		if k == keywordOf(c.Value) || k == strconv.Itoa(i+1) || k == keywordOf(c.Label) {
			return c.Value, nil
		}
	}
	if k == keywordOf(t.cat.text(store.LangThai, "ann.province.all", nil)) || k == keywordOf(t.cat.text(store.LangEnglish, "ann.province.all", nil)) || k == "ทุกจังหวัด" {
		return allProvinces, nil
	}
	m := thai.MatchProvince(in)
	if m.OK && (w.admin || slices.Contains(w.provinces(), m.Province.Code)) {
		return m.Province.Code, nil
	}
	if w.admin {
		var cs []choice
		for _, p := range m.Suggestions[:min(len(m.Suggestions), maxQuickReplies-2)] {
			cs = append(cs, choice{showProvince(t, p.Code), p.Code})
		}
		return "", &reprompt{key: "err.ann.province_unknown", choices: cs}
	}
	return "", &reprompt{key: "err.ann.province", data: []any{"Provinces", t.provinceNames(w.provinces())}}
}

// showAnnouncementProvince names the province answer.
func showAnnouncementProvince(t *turn, v string) string {
	if v == allProvinces {
		return t.tr("ann.province.all")
	}
	return showProvince(t, v)
}

// parseAudience accepts a tapped audience, its label in either language, or its number in the
// list of buttons.
func parseAudience(t *turn, in string) (string, error) {
	w, err := t.who()
	if err != nil {
		return "", err
	}
	cs, err := t.audienceChoices(w)
	if err != nil {
		return "", err
	}
	k := keywordOf(in)
	for i, c := range cs {
		fixed := !strings.HasPrefix(c.Value, workshopAudience)
		if k == keywordOf(c.Value) || k == strconv.Itoa(i+1) || k == keywordOf(c.Label) ||
			(fixed && (k == keywordOf(t.cat.text(store.LangThai, "ann.aud."+c.Value, nil)) ||
				k == keywordOf(t.cat.text(store.LangEnglish, "ann.aud."+c.Value, nil)))) {
			return c.Value, nil
		}
	}
	return "", &reprompt{key: "err.ann.audience"}
}

// audienceAnswer is announcement a's audience in the form's stored shape.
func audienceAnswer(a store.Announcement) string {
	if a.Audience == store.AudienceWorkshop {
		return workshopAudience + a.WorkshopID
	}
	return string(a.Audience)
}

// showAudience names a stored audience answer; a workshop by its title.
func showAudience(t *turn, v string) string {
	id, ok := strings.CutPrefix(v, workshopAudience)
	if !ok {
		return t.tr("ann.aud." + v)
	}
	ws, err := t.store.GetWorkshop(t.ctx, id)
	if err != nil {
		return t.tr("ann.aud.workshop", "Title", "?")
	}
	return t.tr("ann.aud.workshop", "Title", ws.Title)
}

// parseWhen accepts "send now" or a date and time that is not in the past (the one rule,
// actions.Service.CheckSendAt; the confirm checks it again).
func parseWhen(t *turn, in string) (string, error) {
	if k := keywordOf(in); k == whenNow || k == keywordOf(t.tr("btn.send_now")) || k == "ส่งทันที" || k == "ทันที" || k == "sendnow" {
		return whenNow, nil
	}
	at, err := thai.ParseDateTimeFrom(in, t.now, t.loc)
	var ie *thai.InputError
	if errors.As(err, &ie) && ie.Key != "datetime.need_time" { // say it with a date ahead
		return "", &reprompt{key: "err.ann.when", data: []any{"Example", t.whenExample()}, choices: []choice{{t.tr("btn.send_now"), whenNow}}}
	}
	if err != nil {
		return "", err
	}
	if at, err = t.actions.CheckSendAt(at); err != nil {
		return "", &reprompt{key: "err.ann.past", choices: []choice{{t.tr("btn.send_now"), whenNow}}}
	}
	return at.Format(time.RFC3339), nil
}

// whenExample is a time to send an announcement, a week from today at 09:00, typed as the
// member would type it: "8/12/2569 09:00" (Buddhist era) or "8/12/2026 09:00".
func (t *turn) whenExample() string {
	d := t.now.In(t.loc).AddDate(0, 0, 7)
	y := d.Year()
	if !t.english() {
		y += 543
	}
	return fmt.Sprintf("%d/%d/%d 09:00", d.Day(), d.Month(), y)
}

func showWhen(t *turn, v string) string {
	if v == whenNow || v == "" {
		return t.tr("ann.when_now")
	}
	at, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return v
	}
	return t.formatTime(at)
}

// draft is the announcement the form describes, as it would be stored now
// (actions.Service.DraftAnnouncement: the officer's provinces; a workshop's registrants in its
// province).
func (t *turn) draft(w who) (store.Announcement, error) {
	return t.actions.DraftAnnouncement(t.ctx, w.actor(t.member.UserID), t.announcementInput())
}

// announcementInput is the form's answers as the announcement actions take them.
func (t *turn) announcementInput() actions.AnnouncementInput {
	f := t.sess.Fields
	in := actions.AnnouncementInput{ID: t.sess.SubmissionID, Audience: store.Audience(f["audience"]), Text: f["text"]}
	if p := f["province"]; p != "" && p != allProvinces && askAnnouncementProvince(t) {
		in.Provinces = []string{p}
	}
	if at, err := time.Parse(time.RFC3339, f["when"]); err == nil {
		in.SendAt = at
	}
	if id, ok := strings.CutPrefix(f["audience"], workshopAudience); ok {
		in.Audience, in.WorkshopID = store.AudienceWorkshop, id
	}
	in.ConfirmOverQuota = f[overQuotaField] != "" // confirmed a second time (confirmOverQuota)
	return in
}

// refused answers a refused action in the member's language with the officer's buttons; false
// when err is no refusal (a store failure the caller returns).
func (t *turn) refused(err error) bool {
	if _, ok := actions.AsError(err); !ok {
		return false
	}
	t.out.text(t.actions.Message(t.member.Language, err))
	t.out.buttons(t.officerActions()...)
	return true
}

// previewAnnouncement shows, before the summary, the messages exactly as recipients will get
// them and how many will get them.
func previewAnnouncement(t *turn) error {
	w, err := t.who()
	if err != nil {
		return err
	}
	a, err := t.draft(w)
	if t.refused(err) {
		return nil
	}
	if err != nil {
		return err
	}
	cost, budget, err := t.AnnouncementCost(t.ctx, a)
	if err != nil {
		return err
	}
	count := t.tr("ann.count_friends")
	if cost >= 0 {
		count = t.tr("ann.count", "Count", cost)
	}
	t.out.text(t.tr("ann.preview", "Recipients", count, "Provinces", t.provinceNames(a.Provinces)) + "\n" + t.costLine(cost, budget))
	t.out.msgs = append(t.out.msgs, t.AnnouncementMessages(a)...)
	return nil
}

// AnnouncementCost is what announcement a will use of LINE's monthly message quota: one message
// per recipient (cost; -1 for a broadcast, whose cost is the number of friends LINE counts),
// against what is left of the month (budget, from LINE's quota and consumption and the pushes
// still queued). When LINE cannot be asked the budget is Unknown (it fits) and the error is
// logged: the officer is not stopped by a failing look-up. The LINE form and the officers' API both
// use it; a cost that does not fit (budget.Fits) needs a second confirmation.
func (e *Engine) AnnouncementCost(ctx context.Context, a store.Announcement) (cost int, budget outbox.Budget, err error) {
	cost = -1
	if a.Audience != store.AudienceFriends {
		ids, err := e.Recipients(ctx, a)
		if err != nil {
			return 0, outbox.Budget{}, err
		}
		cost = len(ids)
	}
	budget, err = e.outbox.Budget(ctx)
	if err != nil {
		e.log.Warn("monthly quota not known", "err", err)
		return cost, outbox.Budget{Unknown: true}, nil
	}
	return cost, budget, nil
}

// costLine tells the officer the announcement's cost against the month's quota.
func (t *turn) costLine(cost int, b outbox.Budget) string {
	switch {
	case b.Unknown:
		return t.tr("ann.cost_unknown")
	case !b.Limited:
		return t.tr("ann.cost_unlimited")
	case !b.Fits(cost):
		return t.tr("ann.cost_over", "Remaining", b.Remaining, "Limit", b.Limit)
	case cost < 0:
		return t.tr("ann.cost_friends", "Remaining", b.Remaining, "Limit", b.Limit)
	}
	return t.tr("ann.cost", "Cost", cost, "Remaining", b.Remaining, "Limit", b.Limit)
}

// overQuotaField keeps, in the form, the cost the officer confirmed although it exceeds the
// month's quota.
const overQuotaField = "over_quota"

// confirmOverQuota asks for a second confirmation of an announcement whose cost exceeds what is
// left of the month's quota, once per cost; it reports whether the submit must wait for it.
func (t *turn) confirmOverQuota(a store.Announcement) (wait bool, err error) {
	cost, budget, err := t.AnnouncementCost(t.ctx, a)
	if err != nil || budget.Fits(cost) || t.sess.Fields[overQuotaField] == strconv.Itoa(cost) {
		return false, err
	}
	t.sess.Fields[overQuotaField] = strconv.Itoa(cost)
	t.sessChanged = true
	t.out.text(t.tr("ann.over_quota_confirm", "Remaining", budget.Remaining))
	t.out.buttons(t.formAction(t.tr("btn.send_over_quota"), ctlConfirm), t.formAction(t.tr("btn.cancel"), ctlCancel))
	return true, nil
}

// submitAnnouncement stores the announcement through the one action (idempotent on the
// SubmissionID; audit; immediate delivery when due).
func submitAnnouncement(t *turn) error {
	w, err := t.who()
	if err != nil {
		return err
	}
	if !isOfficer(w) { // the role was taken away while the form was open
		t.out.text(t.tr("off.only"))
		return nil
	}
	draft, err := t.draft(w)
	if t.refused(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if wait, err := t.confirmOverQuota(draft); err != nil || wait {
		if err == nil {
			err = errKeepForm
		}
		return err
	}
	a, err := t.actions.CreateAnnouncement(t.ctx, w.actor(t.member.UserID), t.announcementInput())
	if t.refused(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if a.SendAt.After(t.now) {
		t.out.text(t.tr("ann.scheduled", "When", t.formatTime(a.SendAt)))
	} else {
		t.out.text(t.tr("ann.sending"))
	}
	t.out.buttons(t.officerActions()...)
	return nil
}

// Recipients returns the LINE user IDs announcement a goes to: the leaders (and for
// store.AudienceLeadersAndWorkers the interested workers) of its provinces (every province when
// it has none), each once, without blocked members; nil for store.AudienceFriends, which LINE's
// broadcast reaches.
func (e *Engine) Recipients(ctx context.Context, a store.Announcement) ([]string, error) {
	var statuses []store.LeaderStatus
	switch a.Audience {
	case store.AudienceWorkshop:
		regs, err := e.store.ListRegistrations(ctx, a.WorkshopID)
		if err != nil {
			return nil, fmt.Errorf("bot: recipients: %w", err)
		}
		var ids []string
		for _, r := range regs {
			if r.Status != store.RegCancelled {
				ids = append(ids, r.UserID)
			}
		}
		return e.withoutBlocked(ctx, ids)
	case store.AudienceApprovedLeaders, store.AudienceLeadersAndWorkers:
		statuses = []store.LeaderStatus{store.LeaderApproved}
	case store.AudienceAllLeaders:
		statuses = []store.LeaderStatus{store.LeaderPending, store.LeaderApproved}
	case store.AudienceFriends:
		return nil, nil
	default:
		return nil, fmt.Errorf("bot: unknown audience %q", a.Audience)
	}
	provinces := a.Provinces
	if len(provinces) == 0 {
		provinces = []string{""}
	}
	var ids []string
	for _, p := range provinces {
		for _, s := range statuses {
			ls, err := e.store.ListLeaders(ctx, p, s)
			if err != nil {
				return nil, fmt.Errorf("bot: recipients: %w", err)
			}
			for _, l := range ls {
				ids = append(ids, l.UserID)
			}
		}
		if a.Audience == store.AudienceLeadersAndWorkers {
			workers, err := e.interestedWorkers(ctx, p)
			if err != nil {
				return nil, err
			}
			ids = append(ids, workers...)
		}
	}
	return e.withoutBlocked(ctx, ids)
}

// withoutBlocked sorts ids, drops repeats and members who blocked the account.
func (e *Engine) withoutBlocked(ctx context.Context, ids []string) ([]string, error) {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	blocked, err := e.store.BlockedAmong(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("bot: recipients: %w", err)
	}
	return slices.DeleteFunc(ids, func(id string) bool { return blocked[id] }), nil
}

// interestedWorkers returns the LINE user IDs of the workers of province ("" for every
// province) who asked to join Section 40 themselves and whose referral is still open.
func (e *Engine) interestedWorkers(ctx context.Context, province string) ([]string, error) {
	var ids []string
	const page = 500
	for offset := 0; ; offset += page {
		rs, err := e.store.ListReferrals(ctx, store.ReferralFilter{ProvinceCode: province, Source: store.SourceSelf, Offset: offset, Limit: page})
		if err != nil {
			return nil, fmt.Errorf("bot: recipients: %w", err)
		}
		for _, r := range rs {
			if r.WorkerUserID != "" && r.ClosedAt.IsZero() {
				ids = append(ids, r.WorkerUserID)
			}
		}
		if len(rs) < page {
			return ids, nil
		}
	}
}

// AnnouncementMessages returns what every recipient of a gets: one text message with the
// account's header and the officer's text. Recipients share one multicast, so it is in Thai.
func (e *Engine) AnnouncementMessages(a store.Announcement) []messaging_api.MessageInterface {
	return textMessages(e.text(store.LangThai, "ann.header") + "\n" + a.Text)
}

// AnnouncementDone queues the completion summary (sent, failed) for the officer who created a in
// LINE, in their language. Its retry key is derived from the announcement, so a second call
// (another replica, a retry) queues nothing more.
func (e *Engine) AnnouncementDone(ctx context.Context, a store.Announcement) error {
	userID, ok := strings.CutPrefix(a.CreatedBy, "line:")
	if !ok {
		return nil
	}
	m, err := e.store.GetMember(ctx, userID)
	if err != nil {
		return fmt.Errorf("bot: announcement summary: %w", err)
	}
	if m.Blocked {
		e.skipPush(store.PushAnnouncementDone, "officer blocked the account")
		return nil
	}
	t := &turn{Engine: e, ctx: ctx, now: e.now().UTC(), member: m}
	id := "ann.summary.leaders"
	if a.Audience == store.AudienceFriends {
		id = "ann.summary.friends"
	}
	t.out.text(t.tr("ann.done", "Summary", t.tr(id, "Sent", a.Sent, "Failed", a.Failed), "Text", clipRunes(a.Text, 60)))
	t.out.buttons(t.officerActions()...)
	return e.queue(ctx, store.PushAnnouncementDone, userID, t.out.messages(), outbox.Key("announcement.done", a.ID))
}

// scheduledAnnouncements lists the officer's scheduled announcements with a cancel button each.
func (t *turn) scheduledAnnouncements() error {
	w, ok, err := t.officerOnly()
	if err != nil || !ok {
		return err
	}
	all, err := t.actions.Announcements(t.ctx, w.actor(t.member.UserID), store.AnnouncementScheduled)
	if err != nil {
		return err
	}
	var lines, ids []string
	var acts []action
	for _, a := range all {
		ids = append(ids, a.ID)
		n := len(lines) + 1
		lines = append(lines, t.tr("ann.list_item", "N", n, "When", t.formatTime(a.SendAt), "Audience", showAudience(t, audienceAnswer(a)), "Text", clipRunes(a.Text, 40)))
		if len(acts) < maxQuickReplies-1 {
			acts = append(acts, action{Label: t.tr("btn.cancel_n", "N", n), Data: "a=ann.cancel&id=" + a.ID})
		}
	}
	if len(lines) == 0 {
		t.out.text(t.tr("ann.none_scheduled"))
		t.out.buttons(t.officerActions()...)
		return nil
	}
	t.setList(listAnnouncements, ids) // "ยกเลิก 2" means the second line here
	t.out.text(t.tr("ann.list", "Count", len(lines)) + "\n" + strings.Join(lines, "\n"))
	t.askWhich()
	t.out.buttons(append(acts, t.menuAction())...)
	return nil
}

// cancelAnnouncement cancels a scheduled announcement the officer may see.
func (t *turn) cancelAnnouncement(id string) error {
	w, ok, err := t.officerOnly()
	if err != nil || !ok {
		return err
	}
	a, err := t.actions.CancelAnnouncement(t.ctx, w.actor(t.member.UserID), id)
	if t.refused(err) {
		return nil
	}
	if err != nil {
		return err
	}
	t.out.text(t.tr("ann.cancelled_one", "Text", clipRunes(a.Text, 40)))
	t.out.buttons(t.officerActions()...)
	return nil
}
