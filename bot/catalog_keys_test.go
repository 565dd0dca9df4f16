package bot

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ssonet/ssonet/bot/knowledge"
	"github.com/ssonet/ssonet/store"
)

// TestCatalogHasEveryKeyTheCodeBuilds: every message id the code can ask for at run time exists
// in the Thai and in the English catalog (issue 9 item 16). The English localizer falls back to
// Thai, so a key missing in English would silently show Thai; a key missing in both shows the
// id itself. It reads the package's source:
//   - every string literal shaped like a message id ("ws.joined", "err.consent") whose first
//     part names a catalog table must be a message (or a postback action's name);
//   - every id built by concatenation in a call to tr or text ("ws.state." + seat) has a shape
//     ("ws.state.*") that must be listed in dynamicKeys with all the values the code can put in;
//     a new shape fails here until it is listed.
func TestCatalogHasEveryKeyTheCodeBuilds(t *testing.T) {
	th, en := messages(t, "th"), messages(t, "en")
	exists := func(where, id string) {
		t.Helper()
		if !th[id] {
			t.Errorf("%s: %q is not in the Thai catalogs", where, id)
		}
		if !en[id] {
			t.Errorf("%s: %q is not in the English catalogs", where, id)
		}
	}
	tables := map[string]bool{}
	for id := range th {
		first, _, _ := strings.Cut(id, ".")
		tables[first] = true
	}
	postbacks := map[string]bool{}
	for _, f := range features() {
		for a := range f.postbacks {
			postbacks[a] = true
		}
	}
	keyShape := regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]*[a-z0-9])+$`)
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	shapes := map[string]string{} // shape → where first seen
	record := func(shape, where string) {
		if _, seen := shapes[shape]; !seen {
			shapes[shape] = where
		}
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		notIDs := map[token.Pos]bool{} // literals handed to other calls: push kinds, retry keys
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				s, err := strconv.Unquote(n.Value)
				if n.Kind != token.STRING || err != nil || !keyShape.MatchString(s) || notIDs[n.Pos()] {
					return true
				}
				first, _, _ := strings.Cut(s, ".")
				if tables[first] && !postbacks[s] {
					exists(fset.Position(n.Pos()).String(), s)
				}
			case *ast.CallExpr:
				if messageArg(n) == nil {
					for _, a := range n.Args {
						if l, ok := a.(*ast.BasicLit); ok {
							notIDs[l.Pos()] = true
						}
					}
				}
				if id := messageArg(n); id != nil {
					if shape, dynamic := shapeOf(id); dynamic {
						record(shape, fset.Position(n.Pos()).String())
					}
				}
			case *ast.BinaryExpr: // an id built elsewhere: reprompt{key: "err." + ie.Key}
				if shape, dynamic := shapeOf(n); dynamic {
					if first, _, ok := strings.Cut(shape, "."); ok && tables[first] {
						record(shape, fset.Position(n.Pos()).String())
						return false // its parts are not ids of their own
					}
				}
			}
			return true
		})
	}
	dyn := dynamicKeys()
	for shape, where := range shapes {
		ids, ok := dyn[shape]
		if !ok {
			t.Errorf("%s: message ids of shape %q are built at run time; list their values in dynamicKeys", where, shape)
			continue
		}
		for _, id := range ids {
			exists(where+" ("+shape+")", id)
		}
	}
	for shape := range dyn {
		if _, ok := shapes[shape]; !ok {
			t.Errorf("dynamicKeys lists %q, which the code no longer builds", shape)
		}
	}
}

// messageArg returns the message-id argument of a call to tr(id, …) or text(lang, id, …).
func messageArg(c *ast.CallExpr) ast.Expr {
	sel, ok := c.Fun.(*ast.SelectorExpr)
	switch {
	case !ok:
		return nil
	case sel.Sel.Name == "tr" && len(c.Args) >= 1:
		return c.Args[0]
	case sel.Sel.Name == "text" && len(c.Args) >= 2:
		return c.Args[1]
	}
	return nil
}

// shapeOf renders a concatenation of literals and other values as its literals with "*" for
// each other value; dynamic is false for anything but a concatenation with a literal in it.
func shapeOf(e ast.Expr) (shape string, dynamic bool) {
	var b strings.Builder
	var walk func(e ast.Expr) bool
	walk = func(e ast.Expr) bool {
		switch e := e.(type) {
		case *ast.BinaryExpr:
			if e.Op != token.ADD {
				return false
			}
			return walk(e.X) && walk(e.Y)
		case *ast.BasicLit:
			s, err := strconv.Unquote(e.Value)
			b.WriteString(s)
			return err == nil
		case *ast.ParenExpr:
			return walk(e.X)
		default:
			b.WriteString("*")
			return true
		}
	}
	if _, ok := e.(*ast.BinaryExpr); !ok || !walk(e) {
		return "", false
	}
	return b.String(), true
}

// dynamicKeys lists, per shape, every id the code builds in that shape, from the values the
// code can put in.
func dynamicKeys() map[string][]string {
	each := func(prefix string, suffixes ...string) []string {
		out := make([]string, len(suffixes))
		for i, s := range suffixes {
			out[i] = prefix + s
		}
		return out
	}
	var flows, consented, explained, fields, pickers []string
	for _, f := range features() {
		for _, fl := range f.flows {
			flows = append(flows, fl.name)
			for _, fd := range fl.fields {
				fields = append(fields, fl.name+"."+fd.key)
				if fd.picker != "" {
					pickers = append(pickers, fd.picker)
				}
				if fd.key == "consent" { // a refused consent is the one way a form is declined
					consented = append(consented, fl.name+".declined")
					if fd.aside != nil { // explainConsent
						explained = append(explained, fl.name+".consent.explain")
					}
				}
			}
		}
	}
	flowKeys := func(suffix string) []string {
		var out []string
		for _, f := range flows {
			out = append(out, f+suffix)
		}
		return out
	}
	fieldKeys := func(suffix string) []string {
		var out []string
		for _, f := range fields {
			out = append(out, f+suffix)
		}
		return out
	}
	var navKeys []string
	for _, r := range Roles {
		for _, e := range navigation[r] {
			navKeys = append(navKeys, e.key)
		}
	}
	var applyRoles []string
	for r := range applyWhats {
		applyRoles = append(applyRoles, string(r))
	}
	var refStatuses []string
	for _, s := range store.ReferralStatuses {
		refStatuses = append(refStatuses, string(s))
	}
	var occ []string
	for i := 1; i <= occupations; i++ {
		occ = append(occ, strconv.Itoa(i))
	}
	leader := []string{string(store.LeaderPending), string(store.LeaderApproved), string(store.LeaderRejected)}
	return map[string][]string{
		"*.intro":            flowKeys(".intro"),
		"*.cancelled":        flowKeys(".cancelled"),
		"*.declined":         consented,
		"*.consent.explain":  explained,
		"*.button":           flowButtons(),
		"s40.ans.*":          each("s40.ans.", ansYes, ansNo, ansUnsure),
		"s40join.age_*":      each("s40join.age_", knowledge.AgeUnder, knowledge.AgeYes, knowledge.AgeAsk, knowledge.AgeOver),
		"s40calc.kind.*":     each("s40calc.kind.", calcKinds...),
		"s40calc.line.*":     each("s40calc.line.", calcKinds...),
		"*.restart":          flowKeys(".restart"),
		"*.*.ask":            fieldKeys(".ask"),
		"*.*.label":          fieldKeys(".label"),
		"btn.*":              append(each("btn.", navKeys...), "btn."+navHelp.key),
		"help.*":             each("help.", navKeys...),
		"btn.pick_*":         each("btn.pick_", pickers...),
		"apply_what.*":       each("apply_what.", applyRoles...),
		"ws.state.*":         each("ws.state.", string(seatCancelled), string(seatAttended), string(seatJoined), string(seatWaitlisted), string(seatOpen), string(seatFull), string(seatClosed)),
		"ws.notice.*":        each("ws.notice.", NoticeReminder, NoticeChanged, NoticeCancelled, NoticePromoted),
		"reg.status.*":       each("reg.status.", leader...),
		"off.decision.*":     each("off.decision.", string(store.LeaderApproved), string(store.LeaderRejected)),
		"ref.not_approved.*": each("ref.not_approved.", string(store.LeaderPending), string(store.LeaderRejected)),
		"ref.status.*":       each("ref.status.", refStatuses...),
		"ref.occ.*":          each("ref.occ.", occ...),
		"ref.opt.*":          each("ref.opt.", "1", "2", "3", "unsure"),
		"ann.aud.*": each("ann.aud.", string(store.AudienceApprovedLeaders), string(store.AudienceAllLeaders),
			string(store.AudienceLeadersAndWorkers), string(store.AudienceFriends)),
		"err.*": each("err.", inputErrorKeys...),
	}
}

// flowButtons are the buttons of the checks a knowledge file may offer under an answer.
func flowButtons() []string {
	var out []string
	for _, f := range knowledge.Flows {
		out = append(out, f+".button")
	}
	return out
}

// inputErrorKeys are the keys of every *thai.InputError the parsers return.
var inputErrorKeys = []string{
	"phone.empty", "phone.not_digits", "phone.landline", "phone.too_short", "phone.too_long", "phone.not_mobile",
	"nid.empty", "nid.not_digits", "nid.too_short", "nid.too_long", "nid.check_digit",
	"name.empty", "name.need_surname", "name.has_digits", "name.bad_chars", "name.too_long",
	"text.empty", "text.too_long", "text.bad_chars", "district.unknown", "district.province",
	"date.empty", "date.format", "date.invalid", "date.year",
	"time.format", "time.invalid", "datetime.need_time", "age.format", "age.range",
}

// messages returns the ids of every message in the catalogs of lang ("th" or "en"); a table
// of plural forms (one, other) is one message.
func messages(t *testing.T, lang string) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("locales/*." + lang + ".toml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no %s catalogs: %v", lang, err)
	}
	ids := map[string]bool{}
	for _, f := range files {
		for _, k := range catalogKeys(t, f) {
			ids[k] = true
		}
	}
	if !slices.ContainsFunc(files, func(f string) bool { return strings.HasPrefix(filepath.Base(f), "common.") }) {
		t.Fatalf("no common.%s.toml", lang)
	}
	return ids
}
