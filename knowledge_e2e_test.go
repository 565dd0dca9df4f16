package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// httpGet returns the status and body of GET url, with a bearer token when token is not "".
func httpGet(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestKnowledgeEndToEnd: with KNOWLEDGE_FILE set the answers come from that file; an answer
// and a feedback tap are counted on /metrics and listed by the officers' API.
func TestKnowledgeEndToEnd(t *testing.T) {
	file := knowledgeFile(t, func(s string) string { return strings.Replace(s, `"hotline": "1506"`, `"hotline": "1555"`, 1) })
	s := startServer(t, map[string]string{"KNOWLEDGE_FILE": file, "ADMIN_TOKEN": "kb-officer"})
	user := newUser()

	ev := event{UserID: user, EventID: newEventID(), ReplyToken: s.standIn.IssueReplyToken(user), Text: "ลดหย่อนภาษีได้ไหมคะ"}
	if code := s.postSigned(t, fixture(t, "text.json", ev)); code != http.StatusOK {
		t.Fatalf("text: status %d", code)
	}
	d := s.standIn.Deliveries(user)
	if len(d) != 1 || !strings.Contains(string(d[0].Messages[0]), "ลดหย่อนภาษี") || !strings.Contains(string(d[0].Messages[0]), "1555") {
		t.Fatalf("tax answer with the file's hotline: %v", d)
	}
	tap := event{UserID: user, EventID: newEventID(), ReplyToken: s.standIn.IssueReplyToken(user), Text: "a=s40fb&t=tax&v=n"}
	if code := s.postSigned(t, fixture(t, "postback.json", tap)); code != http.StatusOK {
		t.Fatalf("feedback: status %d", code)
	}

	_, metrics := httpGet(t, s.url+"/metrics", "")
	for _, want := range []string{`ssonet_knowledge_answers_total{topic="tax"} 1`, `ssonet_knowledge_feedback_total{topic="tax",vote="not_helpful"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	code, body := httpGet(t, s.url+"/api/v1/knowledge/feedback", "kb-officer")
	if code != http.StatusOK || !strings.Contains(body, `"topic":"tax"`) || !strings.Contains(body, `"notHelpful":1`) || !strings.Contains(body, `"title":"ลดหย่อนภาษี"`) {
		t.Errorf("GET /api/v1/knowledge/feedback = %d %s", code, body)
	}
}
