package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/ssonet/ssonet/bot/knowledge"
)

// watchKnowledge re-reads the KNOWLEDGE_FILE at path on every signal from sig (SIGHUP) until
// ctx ends. A file that checks is installed with set; a bad one is refused and logged with the
// reason (file, fact id and row, problem), and the data in use stays.
func watchKnowledge(ctx context.Context, sig <-chan os.Signal, path string, set func(*knowledge.Base), log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-sig:
			kb, err := knowledge.LoadFile(path)
			if err != nil {
				log.Error("knowledge reload refused; the data in use stays", "file", path, "err", err)
				continue
			}
			set(kb)
			log.Info("knowledge reloaded", "file", path, "asOf", kb.AsOf, "facts", len(kb.Facts), "topics", len(kb.Topics))
		}
	}
}
