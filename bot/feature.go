package bot

import (
	"net/url"
	"strings"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/store"
)

// feature is one area of the bot: its forms, typed keywords and postback actions. What the
// menu and help offer is in nav.go, by role.
// New collects them from features(); a new area is a file with its feature function and one
// line in features().
type feature struct {
	flows     []*flow
	keywords  []keyword                                    // tried in features() order, first match wins
	postbacks map[string]func(t *turn, q url.Values) error // by the "a" of the postback data
}

// features lists the bot's areas. Order matters for keywords only: the officers' and workshop
// commands ("ไม่อนุมัติ สมศรี", "สมัคร 2") first, then Section 40's topics ("สมัครอย่างไร")
// before the registration words, and the Section 40 "did you mean" after every other area's.
// A line that names another area's subject and not Section 40 ("สมัครแกนนำยังไง",
// "อบรมได้อะไรบ้าง") is never a Section 40 topic's: see "other areas' subjects" in router.go.
func features() []feature {
	return []feature{officerFeature(), workshopFeature(), quotaFeature(), handoffFeature(), section40Feature(), registrationFeature(), referralFeature(), coreFeature(), eraseFeature(), section40Fallback()}
}

// keyword is a typed phrase the router recognises outside a form.
type keyword struct {
	match func(w string) bool // w is keywordOf(text)
	// matchTurn, when set instead of match, decides from the turn (the Section 40 matcher reads
	// the engine's current knowledge).
	matchTurn func(t *turn) bool
	do        func(t *turn) error
}

// who is what the engine knows of a member's standing, for menus and permissions.
type who struct {
	leader  *store.Leader  // nil when the member never registered
	officer *store.Officer // nil unless the member used an invite code
	admin   bool           // listed in ADMIN_LINE_USER_IDS: an officer of every province
}

func isOfficer(w who) bool { return w.admin || w.officer != nil }

// actor is officer w (LINE user userID) as the business actions take them.
func (w who) actor(userID string) actions.Actor {
	return actions.Actor{UserID: userID, Admin: w.admin, Provinces: w.provinces()}
}

// provinces are the provinces an officer acts on; nil for an admin (every province).
func (w who) provinces() []string {
	if w.admin || w.officer == nil {
		return nil
	}
	return w.officer.Provinces
}

// who is the member's standing, from the records the turn read (records); the error is the
// store's when they had to be read again.
func (t *turn) who() (who, error) {
	r, err := t.records()
	if err != nil {
		return who{}, err
	}
	return who{leader: r.Leader, officer: r.Officer, admin: t.admins[t.member.UserID]}, nil
}

func is(ws ...string) func(string) bool {
	set := words(ws...)
	return func(w string) bool { return set[w] }
}

func contains(ws ...string) func(string) bool {
	set := words(ws...)
	return func(w string) bool {
		for k := range set {
			if k != "" && strings.Contains(w, k) {
				return true
			}
		}
		return false
	}
}

// coreFeature is what every member has: menu, help, contact, greetings.
func coreFeature() feature {
	return feature{
		keywords: []keyword{
			{match: is("สวัสดี", "หวัดดี", "hello", "hi"), do: func(t *turn) error { t.hello(); return nil }},
			{match: isSmallTalk, do: func(t *turn) error { t.smallTalk(); return nil }},
			{match: is("สมัคร", "apply", "join"), do: func(t *turn) error { return t.applyWhat() }},
		},
		postbacks: map[string]func(t *turn, q url.Values) error{
			"menu": func(t *turn, _ url.Values) error { return t.menu() },
			"help": func(t *turn, _ url.Values) error { return t.help() },
			// A rich menu tab (richmenuswitch) was tapped: LINE already shows the other page.
			"rm.tab": func(*turn, url.Values) error { return nil },
		},
	}
}

// smallTalkWords are thanks, acknowledgements and emoji that deserve a kind word, not "sorry".
var smallTalkWords = words("ขอบคุณ", "ขอบใจ", "ขอบคุณมาก", "thanks", "thankyou", "thx", "โอเค", "ok", "okay",
	"ค่ะ", "คะ", "ครับ", "จ้า", "ได้เลย", "รับทราบ", "👍", "🙏", "😊", "❤️")

func isSmallTalk(w string) bool {
	return smallTalkWords[w] || strings.HasPrefix(w, "555") || isThanks(w)
}

// thanksWords are the small talk that thanks, answered "you're welcome"; laughter, stickers,
// "okay" and the other emoji are not thanks and get a smile instead (a fresh tester found
// "ยินดีค่ะ" after "555" and a sticker odd).
var thanksWords = words("ขอบคุณ", "ขอบใจ", "ขอบคุณมาก", "thanks", "thankyou", "thx", "🙏")

func isThanks(w string) bool { return thanksWords[w] || strings.HasPrefix(w, "ขอบคุณ") }

// registrationFeature is leader registration and its status.
func registrationFeature() feature {
	start := func(t *turn) error { return t.startFlow(flowRegister) }
	return feature{
		flows: []*flow{leaderRegistration()},
		keywords: []keyword{
			{match: is("สถานะ", "สถานะใบสมัคร", "ตรวจสอบสถานะ", "ตรวจสอบสถานะการสมัคร", "status"), do: func(t *turn) error { return t.leaderStatus() }},
			{match: contains("แกนนำ", "สมัครแกนนำ", "leader", "register"), do: start},
			// "สมัครแกนนำยังไง": the leader's application, unless it names Section 40; an
			// application it does not name ("ส่งใบสมัครยังไง") is asked about (router.go, other
			// areas' subjects).
			{matchTurn: func(t *turn) bool { return t.aboutArea(leaderSubject) }, do: start},
			{matchTurn: func(t *turn) bool { return t.aboutArea(applicationSubject) }, do: func(t *turn) error { return t.applyWhat() }},
		},
		postbacks: map[string]func(t *turn, q url.Values) error{
			"reg.start":  func(t *turn, _ url.Values) error { return start(t) },
			"reg.status": func(t *turn, _ url.Values) error { return t.leaderStatus() },
		},
	}
}
