package store

import (
	"context"
	"time"
)

// AuditEntry is one line of the audit log: who did what to which record, when
// (docs/ARCHITECTURE.md, "Security and personal data": each change is audit-logged). Entries are only appended, never changed.
type AuditEntry struct {
	ID       string    // UUID; unique
	At       time.Time // UTC, to the millisecond
	Actor    string    // "api", "system", or "line:<userID>"
	Action   string    // dotted, e.g. "referral.reveal", "referral.status", "referral.delete", "leader.approve", "officer.invite.use", "announcement.send"
	Subject  string    // the record's ID
	Province string    // ISO 3166-2:TH code, e.g. "TH-76"; may be empty
	Detail   string    // short text; never plain personal data (mask it first)
}

// AuditFilter selects entries; zero values match everything. Limit 0 means 100.
type AuditFilter struct {
	Action  string    // prefix of Action: "referral." matches every referral action
	Subject string    // exact record ID
	Since   time.Time // At >= Since
	Until   time.Time // At < Until
	Limit   int       // at most this many entries; 0 means DefaultAuditLimit
}

// DefaultAuditLimit is the number of entries ListAudit returns when AuditFilter.Limit is 0.
const DefaultAuditLimit = 100

// AuditStore keeps the audit log.
type AuditStore interface {
	// AppendAudit adds e. It returns ErrConflict if an entry with e.ID already exists.
	AppendAudit(ctx context.Context, e AuditEntry) error
	// ListAudit returns the entries f selects, newest first (ties by ID, descending).
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}
