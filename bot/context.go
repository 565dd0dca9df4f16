package bot

import (
	"strconv"
	"strings"
)

// What the member was last shown and asked is kept in the session, so that what they type next
// means what they saw: a number typed after a numbered list names that list's item even when
// the list has changed since; "ใช่" answers only the question just asked; a tapped choice is
// looked up in the choices offered, so no postback data carries the member's own text
// (line-platform.md row 19).
//
// These entries live in Session.Fields under keys that begin with "_", which no form field's
// key does. The list outlives a form's start and end; the question lasts one message; the
// offered choices last as long as the form. All of it ends with the session's idle timeout.
const (
	ctxList    = "_list"  // the numbered list last shown: "<kind>:<id>,<id>,…" (kinds list*); "_list.<kind>" the last of each kind
	ctxAsk     = "_ask"   // the question waiting for its answer: a question name (ask*)
	ctxOffer   = "_offer" // values offered as form buttons, separated by offerSep; buttons carry the index
	ctxCaseAck = "_case"  // the hand-off case whose first message was acknowledged: its ID
)

const offerSep = "\x1f"

// Kinds of numbered lists.
const (
	listSchedule      = "ws"   // the workshop schedule: "สมัคร 2", "ยกเลิกอบรม 2"
	listMine          = "mine" // the leader's own workshops: "ยกเลิกอบรม 2", "ยกเลิก 2"
	listAnnouncements = "ann"  // an officer's scheduled announcements: "ยกเลิก 2"
)

// Names of questions.
const (
	askErase   = "erase"   // "ลบข้อมูล": erase my data?
	askDecline = "decline" // after "ไม่ยินยอม": sure, nothing is kept?
	askField   = "field"   // at a form's summary, after "แก้ไข": which field?
)

// loadContext readies the session's context for this turn: an expired session's context is
// gone, and the question asked last turn is taken out (it is answered now or never).
func (t *turn) loadContext() {
	if t.sess.Fields == nil {
		t.sess.Fields = map[string]string{}
	}
	if t.sess.Version > 0 && t.now.After(t.sess.ExpiresAt) {
		for k := range t.sess.Fields {
			if strings.HasPrefix(k, "_") {
				delete(t.sess.Fields, k)
			}
		}
	}
	if q, ok := t.sess.Fields[ctxAsk]; ok {
		t.lastAsk = q
		delete(t.sess.Fields, ctxAsk)
		t.sessChanged = true
	}
}

// setAsk sets the question the member's next message answers.
func (t *turn) setAsk(name string) { t.setContext(ctxAsk, name) }

// setList records the numbered list shown: ids[i] is number i+1. It is the list last shown,
// and the last one of its kind, so that a command belonging to a kind ("สมัคร 3" to the
// schedule) means that kind's list even when another list was shown since.
func (t *turn) setList(kind string, ids []string) {
	v := kind + ":" + strings.Join(ids, ",")
	t.setContext(ctxList, v)
	t.setContext(ctxList+"."+kind, v)
}

// listOf returns the last numbered list of kind shown, if it is still there.
func (t *turn) listOf(kind string) ([]string, bool) {
	for _, key := range []string{ctxList + "." + kind, ctxList} {
		if k, ids, ok := t.listAt(key); ok && k == kind {
			return ids, true
		}
	}
	return nil, false
}

func (t *turn) setContext(key, v string) {
	if t.sess.Fields == nil { // a turn built for a push has no session loaded
		t.sess.Fields = map[string]string{}
	}
	t.sess.Fields[key] = v
	t.sessChanged = true
}

// list returns the numbered list last shown, if it is still there.
func (t *turn) list() (kind string, ids []string, ok bool) { return t.listAt(ctxList) }

func (t *turn) listAt(key string) (kind string, ids []string, ok bool) {
	v, found := t.sess.Fields[key]
	if !found {
		return "", nil, false
	}
	kind, rest, _ := strings.Cut(v, ":")
	if rest != "" {
		ids = strings.Split(rest, ",")
	}
	return kind, ids, true
}

// offer returns the index under which form button value v is offered, adding it if new.
func (t *turn) offer(v string) string {
	var vs []string
	if s, ok := t.sess.Fields[ctxOffer]; ok {
		vs = strings.Split(s, offerSep)
	}
	for i, o := range vs {
		if o == v {
			return strconv.Itoa(i)
		}
	}
	t.setContext(ctxOffer, strings.Join(append(vs, v), offerSep))
	return strconv.Itoa(len(vs))
}

// offered returns the value offered under index i; false if there is none (a forged tap).
func (t *turn) offered(i string) (string, bool) {
	n, err := strconv.Atoi(i)
	s, ok := t.sess.Fields[ctxOffer]
	if err != nil || !ok || n < 0 {
		return "", false
	}
	vs := strings.Split(s, offerSep)
	if n >= len(vs) {
		return "", false
	}
	return vs[n], true
}

// keptContext is what survives the end of a form: the numbered lists.
func (t *turn) keptContext() map[string]string {
	kept := map[string]string{}
	for k, v := range t.sess.Fields {
		if k == ctxList || strings.HasPrefix(k, ctxList+".") {
			kept[k] = v
		}
	}
	return kept
}
