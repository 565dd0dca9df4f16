package actions

import (
	"context"
	"fmt"

	"github.com/ssonet/ssonet/store"
)

// Audit lists the audit entries f selects that a may read, newest first: every entry for an
// admin; for an officer, the entries of their provinces and their own.
func (s *Service) Audit(ctx context.Context, a Actor, f store.AuditFilter) ([]store.AuditEntry, error) {
	want := f.Limit
	if want == 0 {
		want = store.DefaultAuditLimit
	}
	if !a.Admin {
		f.Limit = min(want*4, 1000) // officers see a part: read more and keep theirs
	}
	es, err := s.cfg.Store.ListAudit(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("actions: list audit: %w", err)
	}
	if a.Admin {
		return es, nil
	}
	out := es[:0]
	for _, e := range es {
		if (e.Province != "" && a.ActsOn(e.Province)) || e.Actor == a.AuditName() {
			out = append(out, e)
		}
	}
	return out[:min(len(out), want)], nil
}
