package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ssonet/ssonet/bot/knowledge"
)

// knowledgeFile writes the embedded knowledge, with edit applied, to a file and returns it.
func knowledgeFile(t *testing.T, edit func(string) string) string {
	t.Helper()
	data, err := os.ReadFile("bot/knowledge/section40.json")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "section40.json")
	if err := os.WriteFile(path, []byte(edit(string(data))), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadConfigKnowledgeFile(t *testing.T) {
	good := knowledgeFile(t, func(s string) string { return strings.Replace(s, `"hotline": "1506"`, `"hotline": "1507"`, 1) })
	cfg, err := loadConfig(env(map[string]string{"KNOWLEDGE_FILE": good}))
	if err != nil || cfg.Knowledge == nil || cfg.Knowledge.Hotline != "1507" {
		t.Fatalf("a good KNOWLEDGE_FILE: %v, %+v", err, cfg.Knowledge)
	}
	bad := knowledgeFile(t, func(s string) string {
		return strings.Replace(s, `"id": "B9", "row": "B9", "status": "confirmed"`, `"id": "B9", "row": "B9", "status": "probably"`, 1)
	})
	_, err = loadConfig(env(map[string]string{"KNOWLEDGE_FILE": bad}))
	for _, want := range []string{"KNOWLEDGE_FILE", bad, `fact "B9" (row B9)`, `status "probably"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("a bad KNOWLEDGE_FILE: %v; want it to name %q", err, want)
		}
	}
}

// syncBuffer is a log destination that tells, line by line, what was written.
type syncBuffer struct{ lines chan string }

func (b syncBuffer) Write(p []byte) (int, error) {
	b.lines <- string(bytes.TrimSpace(p))
	return len(p), nil
}

// TestWatchKnowledgeReloadsOnSignal: a signal installs the file as it is now; a bad file is
// refused and logged, and nothing is installed.
func TestWatchKnowledgeReloadsOnSignal(t *testing.T) {
	path := knowledgeFile(t, func(s string) string { return s })
	sig := make(chan os.Signal)
	set := make(chan *knowledge.Base)
	logs := syncBuffer{lines: make(chan string, 10)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		watchKnowledge(t.Context(), sig, path, func(kb *knowledge.Base) { set <- kb }, slog.New(slog.NewTextHandler(logs, nil)))
	}()
	t.Cleanup(func() { <-done }) // t.Context ends before cleanups run

	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(good), `"hotline": "1506"`, `"hotline": "1507"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	sig <- syscall.SIGHUP
	if kb := <-set; kb.Hotline != "1507" {
		t.Errorf("reloaded hotline = %s, want the file's 1507", kb.Hotline)
	}
	if l := <-logs.lines; !strings.Contains(l, "knowledge reloaded") {
		t.Errorf("log = %q", l)
	}

	if err := os.WriteFile(path, []byte(strings.Replace(string(good), `"until": "2026-01-01", "calc": "rest"`, `"until": "1 Jan 2026", "calc": "rest"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	sig <- syscall.SIGHUP
	l := <-logs.lines
	for _, want := range []string{"knowledge reload refused", path, `fact \"B2-3day\" (row B2)`, `until \"1 Jan 2026\" is not a date`} {
		if !strings.Contains(l, want) {
			t.Errorf("refusal log %q lacks %q", l, want)
		}
	}
	select {
	case kb := <-set:
		t.Errorf("a bad file was installed: %+v", kb.AsOf)
	default:
	}
}
