package bot

import (
	"testing"

	"github.com/ssonet/ssonet/bot/knowledge"
)

// TestKnowledgeFlowsExist: every check a knowledge file may offer is a form of the bot, with
// its button and texts in both catalogs (the catalog test checks the two agree).
func TestKnowledgeFlowsExist(t *testing.T) {
	flows := map[string]bool{}
	for _, f := range features() {
		for _, fl := range f.flows {
			flows[fl.name] = true
		}
	}
	cat, err := newCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range knowledge.Flows {
		if !flows[name] {
			t.Errorf("knowledge.Flows names %q, which no feature defines", name)
		}
		for _, id := range []string{".button", ".intro", ".restart", ".cancelled"} {
			if got := cat.text("th", name+id, nil); got == name+id {
				t.Errorf("catalog has no %s%s", name, id)
			}
		}
	}
}
