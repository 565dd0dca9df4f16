package bot

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ssonet/ssonet/bot/knowledge"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// Flow names of the referral area (issue 4).
const (
	flowRefer = "ref"  // a leader refers an informal worker
	flowSelf  = "self" // a worker says they are interested ("สนใจสมัคร")
)

// Free-text limits of the referral's fields, in characters.
const maxOccupation = 100

// myReferralsPage is how many referrals one page of "ผู้ที่ฉันแนะนำ" lists.
const myReferralsPage = 10

// occupations are the quick replies of the occupation step: catalog ids "ref.occ.<n>".
const occupations = 9

// referralFeature is referring workers (leaders), the leader's list, and self-referral.
func referralFeature() feature {
	refer := func(t *turn) error { return t.startFlow(flowRefer) }
	self := func(t *turn) error { return t.startFlow(flowSelf) }
	mine := func(t *turn) error { return t.myReferrals(1) }
	return feature{
		flows: []*flow{referralFlow(), selfReferralFlow()},
		keywords: []keyword{
			{match: contains("ผู้ที่ฉันแนะนำ", "ที่ฉันแนะนำ", "myreferrals"), do: mine},
			{match: contains("แนะนำผู้สมัคร", "ส่งรายชื่อ", "referaworker", "refer"), do: refer},
			{match: contains("สนใจสมัคร", "อยากสมัคร", "interested", "signmeup"), do: self},
		},
		postbacks: map[string]func(t *turn, q url.Values) error{
			"ref.start":  func(t *turn, _ url.Values) error { return refer(t) },
			"self.start": func(t *turn, _ url.Values) error { return self(t) },
			"ref.mine": func(t *turn, q url.Values) error {
				p, err := strconv.Atoi(q.Get("p"))
				if err != nil || p < 1 {
					p = 1
				}
				return t.myReferrals(p)
			},
		},
	}
}

// referralFlow asks the worker's name, national ID, mobile, birth date or age, occupation,
// province, district, preferred option and consent, then stores a submitted referral keyed by
// the session's SubmissionID (issue 4, item 1).
func referralFlow() *flow {
	return &flow{
		name:  flowRefer,
		begin: beginReferral,
		fields: []field{
			{key: "name", parse: func(_ *turn, in string) (string, error) { return thai.ParseFullName(in) }},
			// In full at the review, in the referring leader's own chat; masked everywhere after.
			{key: "nid", parse: parseWorkerNationalID, show: func(_ *turn, v string) string { return thai.FormatNationalID(v) }},
			mobileField,
			{key: "birth", parse: parseBirth, show: showBirth},
			{key: "occupation", free: true, parse: func(_ *turn, in string) (string, error) { return thai.ParseFreeText(in, maxOccupation) },
				choices: func(t *turn) []choice {
					cs := make([]choice, 0, occupations)
					for i := 1; i <= occupations; i++ {
						l := t.tr("ref.occ." + strconv.Itoa(i))
						cs = append(cs, choice{l, l})
					}
					return cs
				}},
			{key: "province", parse: parseProvince, show: showProvince, choices: leaderProvince},
			{key: "district", free: true, optional: true, parse: parseDistrict, choices: leaderDistrict, askData: districtExample},
			{key: "option", parse: parseOption, show: func(t *turn, v string) string { return t.tr("ref.opt." + v) },
				choices: func(t *turn) []choice {
					var cs []choice
					for _, v := range []string{"1", "2", "3", "unsure"} {
						cs = append(cs, choice{t.tr("ref.opt." + v), v})
					}
					return cs
				}},
			{key: "consent", parse: parseConsent, show: func(t *turn, _ string) string { return t.tr("ref.consent.given") },
				choices: consentChoices, askData: answeredLabels, aside: explainConsent},
		},
		submit: submitReferral,
	}
}

// selfReferralFlow asks an interested worker's name, mobile, province and consent and stores a
// self-referral that officers of the province see (issue 4, item 6).
func selfReferralFlow() *flow {
	return &flow{
		name:  flowSelf,
		begin: beginSelfReferral,
		fields: []field{
			ownNameField,
			mobileField,
			{key: "province", parse: parseProvince, show: showProvince},
			{key: "consent", parse: parseConsent, show: func(t *turn, _ string) string { return t.tr("self.consent.given") },
				choices: consentChoices, askData: answeredLabels, aside: explainConsent},
		},
		submit: submitSelfReferral,
	}
}

// beginSelfReferral tells a worker whose earlier request is still open where it stands instead
// of taking a second one. Served by the worker index of ListReferrals.
func beginSelfReferral(t *turn) (bool, error) {
	rs, err := t.store.ListReferrals(t.ctx, store.ReferralFilter{WorkerUserID: t.member.UserID, Source: store.SourceSelf, Limit: 1})
	if err != nil {
		return false, fmt.Errorf("bot: list own referrals: %w", err)
	}
	if len(rs) == 0 || rs[0].Status.Closed() {
		return true, nil
	}
	t.out.text(t.tr("self.already", "Date", t.date(rs[0].CreatedAt), "Status", t.tr("ref.status."+string(rs[0].Status)), "Phone", thai.MaskPhone(rs[0].Phone)))
	t.out.buttons(t.section40Action(), t.menuAction())
	return false, nil
}

// beginReferral lets approved leaders in; others are told why not.
func beginReferral(t *turn) (bool, error) {
	w, err := t.who()
	switch {
	case err != nil:
		return false, err
	case w.leader == nil:
		t.out.text(t.tr("ref.not_leader"))
		t.out.buttons(action{Label: t.tr("btn.leader"), Data: "a=reg.start"}, t.menuAction())
		return false, nil
	case w.leader.Status != store.LeaderApproved:
		t.out.text(t.tr("ref.not_approved."+string(w.leader.Status), "InProvince", inProvince(t, w.leader.ProvinceCode)))
		t.out.buttons(action{Label: t.tr("btn.reg_status"), Data: "a=reg.status"}, t.menuAction())
		return false, nil
	}
	return true, nil
}

// leaderProvince offers the leader's own province as the default answer.
func leaderProvince(t *turn) []choice {
	w, err := t.who()
	if err != nil || w.leader == nil || w.leader.ProvinceCode == "" {
		return nil
	}
	return []choice{{showProvince(t, w.leader.ProvinceCode), w.leader.ProvinceCode}}
}

// leaderDistrict offers the leader's own district, when they gave one, as the default answer.
func leaderDistrict(t *turn) []choice {
	w, err := t.who()
	if err != nil || w.leader == nil || w.leader.District == "" {
		return nil
	}
	return []choice{{w.leader.District, w.leader.District}}
}

// parseWorkerNationalID checks the ID's form and check digit, then looks its keyed hash up: a
// worker already referred ends the flow with the duplicate answer (issue 4, item 2).
func parseWorkerNationalID(t *turn, in string) (string, error) {
	nid, err := thai.ParseNationalID(in)
	if err != nil {
		return "", err
	}
	r, err := t.store.FindReferralByNationalID(t.ctx, nid)
	switch {
	case isNotFound(err):
		return nid, nil
	case err != nil:
		return "", fmt.Errorf("bot: find referral: %w", err)
	}
	t.showDuplicate(r)
	return "", errEnded
}

// showDuplicate answers a national ID that is already referred: its status when this leader
// referred the worker, else only that the worker is in the system (never who referred them).
func (t *turn) showDuplicate(r store.Referral) {
	if r.LeaderID == t.member.UserID {
		t.out.text(t.tr("ref.dup_mine", "Name", r.FullName, "NID", thai.MaskNationalID(r.NationalID),
			"Date", t.date(r.CreatedAt), "Status", t.tr("ref.status."+string(r.Status))))
	} else {
		t.out.text(t.tr("ref.dup_other", "NID", thai.MaskNationalID(r.NationalID)))
	}
	t.out.buttons(action{Label: t.tr("btn.my_referrals"), Data: "a=ref.mine"}, action{Label: t.tr("ref.restart"), Data: "a=ref.start"}, t.menuAction())
}

// date shows t's day in the member's language.
func (t *turn) date(tm time.Time) string {
	if t.english() {
		return thai.FormatDateEN(tm, t.loc)
	}
	return thai.FormatDate(tm, t.loc)
}

// The birth step stores "d:2006-01-02" (a date of birth) or "a:45" (an age in years).
const (
	birthDatePrefix = "d:"
	birthAgePrefix  = "a:"
)

// parseBirth reads an age ("45", "45 ปี") or a date of birth in any form thai.ParseDate reads,
// and applies the Section 40 age rule of the knowledge data (knowledge.AgeRule): under the
// minimum or over the highest age accepted is refused with the reason; an age above the
// confirmed maximum is accepted with a note that the upper limit is being confirmed.
func parseBirth(t *turn, in string) (string, error) {
	age, v, err := t.ageOf(in, "err.birth")
	if err != nil {
		return "", err
	}
	rule := t.kb().Age
	switch rule.Verdict(age) {
	case knowledge.AgeUnder:
		return "", &reprompt{key: "err.age_under", data: []any{"Age", age, "Min", rule.Min}}
	case knowledge.AgeOver:
		return "", &reprompt{key: "err.age_over", data: []any{"Age", age, "Max", rule.Max, "AskUpTo", rule.AskUpTo, "Hotline", t.kb().Hotline}}
	case knowledge.AgeAsk:
		t.out.text(t.tr("ref.age_uncertain", "Age", age, "Max", rule.Max, "AskUpTo", rule.AskUpTo, "Hotline", t.kb().Hotline, "Website", t.kb().Website))
	}
	return v, nil
}

// ageOf reads an age (a guessed one too: "ประมาณ 40") or a date of birth (either era) and
// returns the age in completed years today and the stored form ("a:45" or "d:1980-05-12").
// "I don't know" (unsureWords) is answered kindly with catalog key unreadable+"_unsure", which
// says what to type instead and is no failed try; other text that is neither is re-prompted
// with unreadable; a birth date in the future with err.birth_future.
func (t *turn) ageOf(in, unreadable string) (int, string, error) {
	if unsureWords[keywordOf(in)] {
		return 0, "", &reprompt{key: unreadable + "_unsure", data: []any{"Minutes", int(t.ttl.Minutes())}, kind: true}
	}
	a, aerr := thai.ParseAge(in)
	if aerr == nil {
		return a, birthAgePrefix + strconv.Itoa(a), nil
	}
	d, derr := thai.ParseDate(in, t.loc)
	if derr != nil {
		var ie *thai.InputError
		switch {
		case errors.As(aerr, &ie) && ie.Key == "age.range": // a number too big for an age: "200"
			return 0, "", aerr
		case errors.As(derr, &ie) && ie.Key == "date.format":
			return 0, "", &reprompt{key: unreadable}
		}
		return 0, "", derr
	}
	today := t.now.In(t.loc)
	if d.After(today) {
		return 0, "", &reprompt{key: "err.birth_future"}
	}
	return thai.AgeOn(d, today), birthDatePrefix + d.Format(time.DateOnly), nil
}

// birthOf decodes the birth step's value: the birth date (zero when an age was typed) and the
// age in completed years on now.
func (t *turn) birthOf(v string) (time.Time, int) {
	if a, ok := strings.CutPrefix(v, birthAgePrefix); ok {
		n, _ := strconv.Atoi(a)
		return time.Time{}, n
	}
	d, err := time.ParseInLocation(time.DateOnly, strings.TrimPrefix(v, birthDatePrefix), t.loc)
	if err != nil {
		return time.Time{}, 0
	}
	return d, thai.AgeOn(d, t.now.In(t.loc))
}

func showBirth(t *turn, v string) string {
	d, age := t.birthOf(v)
	s := t.tr("ref.age", "Age", age)
	if !d.IsZero() {
		s = t.date(d) + " (" + s + ")"
	}
	if t.kb().Age.Verdict(age) == knowledge.AgeAsk {
		s += " " + t.tr("ref.age_to_confirm")
	}
	return s
}

// Option answers, after keywordOf and without the words around the number.
var (
	optionWords  = map[string]string{"unsure": "unsure", "ไม่แน่ใจ": "unsure", "ยังไม่แน่ใจ": "unsure", "ไม่รู้": "unsure", "notsure": "unsure"}
	optionPrefix = words("ทางเลือกที่", "ทางเลือก", "เลือกทางเลือกที่", "เลือกทางเลือก", "เลือกที่", "เลือก", "ข้อที่", "ข้อ", "แบบที่", "แบบ",
		"อันที่", "อัน", "ตัวที่", "option", "optionno", "no", "choice", "plan")
	// optionNames are the numbers written as words: Thai ones are read by thai.LeadingNumber.
	optionNames = map[string]string{"แรก": "1", "one": "1", "first": "1", "two": "2", "second": "2", "three": "3", "third": "3"}
)

// parseOption reads the preferred Section 40 option: 1, 2, 3 or not sure. The number may stand
// after ทางเลือก, ทางเลือกที่, ข้อ or option, in Thai or ASCII digits or as a word ("ทางเลือกที่ ๒",
// "ทางเลือกสอง", "option two"). Another number is asked again, as an answer (reprompt.sure),
// not a question about the options; other text is asked again or left to the router.
func parseOption(_ *turn, in string) (string, error) {
	k := keywordOf(in)
	if v, ok := optionWords[k]; ok {
		return v, nil
	}
	n := trimPrefixWord(k, optionPrefix)
	if v, ok := optionNames[n]; ok {
		return v, nil
	}
	if d, rest, ok := thai.LeadingNumber(n); ok && rest == "" {
		if d >= 1 && d <= 3 {
			return strconv.Itoa(d), nil
		}
		return "", &reprompt{key: "err.option", sure: true}
	}
	return "", &reprompt{key: "err.option"}
}

// submitReferral stores the referral. A repeated submit of the same form finds its own record
// and answers as the first did; a worker referred meanwhile by someone else gets the duplicate
// answer.
func submitReferral(t *turn) error {
	f := t.sess.Fields
	birth, age := t.birthOf(f["birth"])
	r := store.Referral{
		ID: uuid.NewString(), SubmissionID: t.sess.SubmissionID, Source: store.SourceLeader,
		LeaderID: t.member.UserID, FullName: f["name"], NationalID: f["nid"], Phone: f["phone"],
		Age: age, AgeUncertain: t.kb().Age.Verdict(age) == knowledge.AgeAsk,
		Occupation: f["occupation"], ProvinceCode: f["province"], District: f["district"], Option: f["option"],
		Status: store.ReferralSubmitted, StatusAt: t.now, ConsentAt: t.now, CreatedAt: t.now,
	}
	if !birth.IsZero() { // the calendar day, kept as midnight UTC (store.Referral.BirthDate)
		r.BirthDate = time.Date(birth.Year(), birth.Month(), birth.Day(), 0, 0, 0, 0, time.UTC)
	}
	stored, dup, err := t.createReferral(r)
	if err != nil || dup {
		return err
	}
	t.out.text(t.tr("ref.done", "Name", stored.FullName, "NID", thai.MaskNationalID(stored.NationalID), "Province", showProvince(t, stored.ProvinceCode),
		"InProvince", inProvince(t, stored.ProvinceCode)))
	t.out.buttons(action{Label: t.tr("ref.restart"), Data: "a=ref.start"}, action{Label: t.tr("btn.my_referrals"), Data: "a=ref.mine"}, t.menuAction())
	return nil
}

// submitSelfReferral stores an interested worker's own referral.
func submitSelfReferral(t *turn) error {
	f := t.sess.Fields
	r := store.Referral{
		ID: uuid.NewString(), SubmissionID: t.sess.SubmissionID, Source: store.SourceSelf,
		WorkerUserID: t.member.UserID, FullName: f["name"], Phone: f["phone"], ProvinceCode: f["province"],
		Status: store.ReferralSubmitted, StatusAt: t.now, ConsentAt: t.now, CreatedAt: t.now,
	}
	stored, _, err := t.createReferral(r)
	if err != nil {
		return err
	}
	t.out.text(t.tr("self.done", "Province", showProvince(t, stored.ProvinceCode), "InProvince", inProvince(t, stored.ProvinceCode),
		"Phone", thai.MaskPhone(stored.Phone)))
	t.out.buttons(t.section40Action(), t.menuAction())
	return nil
}

// createReferral stores r. On a conflict it returns the record this submission already stored
// (a double tap or redelivered event), or, when another referral holds the national ID, shows
// the duplicate answer and reports dup.
func (t *turn) createReferral(r store.Referral) (stored store.Referral, dup bool, err error) {
	err = t.store.CreateReferral(t.ctx, r)
	if !errors.Is(err, store.ErrConflict) {
		if err != nil {
			return r, false, fmt.Errorf("bot: create referral: %w", err)
		}
		return r, false, nil
	}
	mine, err := t.store.GetReferralBySubmission(t.ctx, r.SubmissionID)
	if err == nil {
		return mine, false, nil
	}
	if !isNotFound(err) {
		return r, false, fmt.Errorf("bot: get referral after conflict: %w", err)
	}
	other, err := t.store.FindReferralByNationalID(t.ctx, r.NationalID)
	if err != nil {
		return r, false, fmt.Errorf("bot: find referral after conflict: %w", err)
	}
	t.showDuplicate(other)
	return other, true, nil
}

// myReferrals answers "ผู้ที่ฉันแนะนำ": a count by status and one page of the leader's
// referrals, newest first, with masked IDs (issue 4, item 4).
func (t *turn) myReferrals(page int) error {
	w, err := t.who()
	if err != nil {
		return err
	}
	if w.leader == nil {
		t.out.text(t.tr("ref.not_leader"))
		t.out.buttons(action{Label: t.tr("btn.leader"), Data: "a=reg.start"}, t.menuAction())
		return nil
	}
	counts, err := t.store.CountReferralsByStatus(t.ctx, t.member.UserID)
	if err != nil {
		return fmt.Errorf("bot: count referrals: %w", err)
	}
	total := 0
	var parts []string
	for _, s := range store.ReferralStatuses {
		if n := counts[s]; n > 0 {
			total += n
			parts = append(parts, t.tr("ref.status."+string(s))+" "+strconv.Itoa(n))
		}
	}
	if total == 0 {
		t.out.text(t.tr("ref.mine_none"))
		t.out.buttons(action{Label: t.tr("btn.refer"), Data: "a=ref.start"}, t.menuAction())
		return nil
	}
	pages := (total + myReferralsPage - 1) / myReferralsPage
	page = min(page, pages)
	rs, err := t.store.ListReferrals(t.ctx, store.ReferralFilter{LeaderID: t.member.UserID, Offset: (page - 1) * myReferralsPage, Limit: myReferralsPage})
	if err != nil {
		return fmt.Errorf("bot: list referrals: %w", err)
	}
	var b strings.Builder
	b.WriteString(t.tr("ref.mine_title", "Total", total, "Page", page, "Pages", pages))
	b.WriteString("\n" + strings.Join(parts, " · "))
	for i, r := range rs {
		b.WriteString("\n\n" + t.tr("ref.mine_row", "N", (page-1)*myReferralsPage+i+1, "Name", r.FullName,
			"NID", thai.MaskNationalID(r.NationalID), "Date", t.date(r.CreatedAt), "Status", t.tr("ref.status."+string(r.Status))))
	}
	t.out.text(b.String())
	var acts []action
	if page < pages {
		acts = append(acts, action{Label: t.tr("btn.next_page"), Data: "a=ref.mine&p=" + strconv.Itoa(page+1)})
	}
	if page > 1 {
		acts = append(acts, action{Label: t.tr("btn.prev_page"), Data: "a=ref.mine&p=" + strconv.Itoa(page-1)})
	}
	t.out.buttons(append(acts, action{Label: t.tr("btn.refer"), Data: "a=ref.start"}, t.menuAction())...)
	return nil
}

// NotifyReferralStatus queues a push of a referral's last status change for the leader who
// referred the worker (the worker themselves for a self-referral), in their language, with the
// referral's NoticeKey as retry key so a repeated call never queues or sends twice, then
// records the notice with MarkReferralNotified. A member who blocked the account or is unknown
// is never targeted: the notice is recorded as skipped. sent reports a queued push.
func (e *Engine) NotifyReferralStatus(ctx context.Context, r store.Referral) (sent bool, err error) {
	to := r.LeaderID
	if r.Source == store.SourceSelf {
		to = r.WorkerUserID
	}
	now := e.now().UTC()
	m, err := e.store.GetMember(ctx, to)
	if errors.Is(err, store.ErrNotFound) || err == nil && m.Blocked {
		e.skipPush(store.PushReferralNotice, "recipient unknown or blocked the account")
		return false, e.markNotified(ctx, r, now)
	}
	if err != nil {
		return false, fmt.Errorf("bot: notify referral: %w", err)
	}
	t := &turn{Engine: e, ctx: ctx, member: m, now: now}
	id := "ref.notice"
	if r.Source == store.SourceSelf {
		id = "self.notice"
	}
	text := t.tr(id, "Name", r.FullName, "NID", thai.MaskNationalID(r.NationalID), "Status", t.tr("ref.status."+string(r.Status)))
	if r.StatusNote != "" {
		text += "\n" + t.tr("ref.notice_note", "Note", r.StatusNote)
	}
	t.out.text(text)
	if err := e.queue(ctx, store.PushReferralNotice, to, t.out.messages(), r.NoticeKey); err != nil {
		return false, fmt.Errorf("bot: notify referral: %w", err)
	}
	return true, e.markNotified(ctx, r, now)
}

// markNotified records r's notice as handled; a later change (new key) makes it moot.
func (e *Engine) markNotified(ctx context.Context, r store.Referral, now time.Time) error {
	if err := e.store.MarkReferralNotified(ctx, r.ID, r.NoticeKey, now); err != nil && !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("bot: notify referral: %w", err)
	}
	return nil
}

// ReferralStatusText names a referral status in Thai, as leaders read it in the chat: the
// officers' exports use it.
func (e *Engine) ReferralStatusText(s store.ReferralStatus) string {
	return e.cat.text(store.LangThai, "ref.status."+string(s), nil)
}
