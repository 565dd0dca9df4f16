package linetest

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestQuotaAnswersMatchSpec checks that the quota and consumption answers have the shape LINE's
// OpenAPI description gives their 200 responses, limited and unlimited.
func TestQuotaAnswersMatchSpec(t *testing.T) {
	s := NewServer("tok")
	defer s.Close()
	doc, err := spec()
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) any {
		req, _ := http.NewRequest(http.MethodGet, s.URL()+path, nil)
		req.Header.Set("Authorization", "Bearer tok")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, res.StatusCode, raw)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		schema := doc.Paths.Find(path).Get.Responses.Status(200).Value.Content.Get("application/json").Schema.Value
		if err := schema.VisitJSON(v, openapi3.MultiErrors()); err != nil {
			t.Errorf("GET %s answered %s, which the spec refuses: %v", path, raw, err)
		}
		return v
	}
	if v := get("/v2/bot/message/quota").(map[string]any); v["type"] != "none" {
		t.Errorf("unlimited quota: got %v", v)
	}
	s.SetMonthlyQuota(500, 120)
	if v := get("/v2/bot/message/quota").(map[string]any); v["type"] != "limited" || v["value"] != float64(500) {
		t.Errorf("limited quota: got %v", v)
	}
	if v := get("/v2/bot/message/quota/consumption").(map[string]any); v["totalUsage"] != float64(120) {
		t.Errorf("consumption: got %v", v)
	}
}
