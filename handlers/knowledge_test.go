package handlers

import (
	"net/http"
	"testing"
	"time"
)

func TestKnowledgeFeedbackAPI(t *testing.T) {
	st := openSQLite(t)
	at := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	for _, tap := range []struct {
		topic   string
		helpful bool
	}{{"inpatient", true}, {"claim", false}, {"claim", false}, {"inpatient", false}, {"apply", true}} {
		if err := st.AddKnowledgeFeedback(t.Context(), tap.topic, tap.helpful, at); err != nil {
			t.Fatal(err)
		}
	}
	titles := map[string]string{"claim": "เบิกอย่างไร", "inpatient": "นอนโรงพยาบาล"}
	r := newAPIRouter(t, nil, (&KnowledgeAPI{Store: st, Title: func(id string) string { return titles[id] }}).Routes)
	rec := apiDo(r, http.MethodGet, "/api/v1/knowledge/feedback", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET knowledge/feedback = %d %s", rec.Code, rec.Body)
	}
	var body struct{ Topics []feedbackJSON }
	decode(t, rec, &body)
	want := []feedbackJSON{
		{Topic: "claim", Title: "เบิกอย่างไร", NotHelpful: 2, UpdatedAt: at},
		{Topic: "inpatient", Title: "นอนโรงพยาบาล", Helpful: 1, NotHelpful: 1, UpdatedAt: at},
		{Topic: "apply", Helpful: 1, UpdatedAt: at},
	}
	if len(body.Topics) != len(want) {
		t.Fatalf("topics = %+v, want %+v", body.Topics, want)
	}
	for i := range want {
		if g := body.Topics[i]; g.Topic != want[i].Topic || g.Title != want[i].Title || g.Helpful != want[i].Helpful || g.NotHelpful != want[i].NotHelpful || !g.UpdatedAt.Equal(at) {
			t.Errorf("topic %d = %+v, want %+v", i, g, want[i])
		}
	}
	if rec := get(r, "/api/v1/knowledge/feedback"); rec.Code != http.StatusUnauthorized {
		t.Errorf("without a token = %d, want 401", rec.Code)
	}
}
