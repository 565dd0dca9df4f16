package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// migrations build the schema, in order; the schema version is the number applied, kept in
// schema_version. Append to add a table or an index; never edit or reorder one that shipped.
// Times are INTEGER Unix milliseconds (see millis); sealed columns hold Sealer output.
var migrations = []func(ctx context.Context, tx *sql.Tx) error{
	// 1: members.
	execAll(`
		CREATE TABLE members (
			user_id      TEXT PRIMARY KEY,
			display_name TEXT NOT NULL,
			language     TEXT NOT NULL,
			blocked      INTEGER NOT NULL,
			followed_at  INTEGER,
			updated_at   INTEGER
		) STRICT`),
	// 2: leaders. The UNIQUE constraint on submission_id makes a repeated submit a conflict.
	execAll(`
		CREATE TABLE leaders (
			user_id       TEXT PRIMARY KEY,
			submission_id TEXT NOT NULL UNIQUE,
			full_name     TEXT NOT NULL,
			phone_sealed  TEXT NOT NULL,
			province_code TEXT NOT NULL,
			district      TEXT NOT NULL,
			organisation  TEXT NOT NULL,
			status        TEXT NOT NULL,
			consent_at    INTEGER,
			created_at    INTEGER,
			decided_at    INTEGER,
			decided_by    TEXT NOT NULL
		) STRICT`),
	// 3: sessions, with the index the clean-up job deletes by.
	execAll(`
		CREATE TABLE sessions (
			user_id       TEXT PRIMARY KEY,
			id            TEXT NOT NULL,
			flow          TEXT NOT NULL,
			step          INTEGER NOT NULL,
			fields_sealed TEXT NOT NULL,
			history       TEXT NOT NULL,
			tries         INTEGER NOT NULL,
			editing       INTEGER NOT NULL,
			submission_id TEXT NOT NULL,
			expires_at    INTEGER,
			updated_at    INTEGER,
			version       INTEGER NOT NULL
		) STRICT`,
		`CREATE INDEX sessions_expires_at ON sessions (expires_at)`),
	// 4: webhook events, with the index the clean-up job deletes by. completed_at is NULL while
	// the event is only claimed.
	execAll(`
		CREATE TABLE events (
			id           TEXT PRIMARY KEY,
			claimed_at   INTEGER NOT NULL,
			completed_at INTEGER
		) STRICT`,
		`CREATE INDEX events_claimed_at ON events (claimed_at)`),
	// 5: the audit log, listed newest first (audit_at) or by record (audit_subject).
	execAll(`
		CREATE TABLE audit (
			id       TEXT PRIMARY KEY,
			at       INTEGER NOT NULL,
			actor    TEXT NOT NULL,
			action   TEXT NOT NULL,
			subject  TEXT NOT NULL,
			province TEXT NOT NULL,
			detail   TEXT NOT NULL
		) STRICT`,
		`CREATE INDEX audit_at ON audit (at, id)`,
		`CREATE INDEX audit_subject ON audit (subject, at)`),
	// 6: referrals. national_id_hash is the keyed hash of the national ID, NULL for a
	// self-referral (no ID asked), so the UNIQUE index binds only referrals that have one.
	execAll(`
		CREATE TABLE referrals (
			id                 TEXT PRIMARY KEY,
			submission_id      TEXT NOT NULL UNIQUE,
			source             TEXT NOT NULL,
			leader_id          TEXT NOT NULL,
			worker_user_id     TEXT NOT NULL,
			full_name          TEXT NOT NULL,
			national_id_sealed TEXT NOT NULL,
			national_id_hash   TEXT,
			phone_sealed       TEXT NOT NULL,
			birth_date         INTEGER,
			age                INTEGER NOT NULL,
			age_uncertain      INTEGER NOT NULL,
			occupation         TEXT NOT NULL,
			province_code      TEXT NOT NULL,
			district           TEXT NOT NULL,
			option             TEXT NOT NULL,
			status             TEXT NOT NULL,
			status_note        TEXT NOT NULL,
			status_at          INTEGER,
			closed_at          INTEGER,
			notice_key         TEXT NOT NULL,
			notified_at        INTEGER,
			consent_at         INTEGER,
			created_at         INTEGER NOT NULL
		) STRICT`,
		`CREATE UNIQUE INDEX referrals_national_id_hash ON referrals (national_id_hash) WHERE national_id_hash IS NOT NULL`,
		`CREATE INDEX referrals_leader ON referrals (leader_id, created_at)`,
		`CREATE INDEX referrals_province ON referrals (province_code, created_at)`,
		`CREATE INDEX referrals_created ON referrals (created_at)`,
		`CREATE INDEX referrals_closed ON referrals (closed_at) WHERE closed_at IS NOT NULL`,
		`CREATE INDEX referrals_notice_due ON referrals (status_at) WHERE notified_at IS NULL AND notice_key != ''`),
	// 7: a worker's own referrals, looked up when they say "สนใจสมัคร" again.
	execAll(`CREATE INDEX referrals_worker ON referrals (worker_user_id, created_at) WHERE worker_user_id != ''`),
	// 8 (issue 5): officers and their provinces (officer_provinces serves "officers of a
	// province"), invite codes by hash, leaders by province and status, announcements by status
	// and send time, and their batches.
	execAll(`
		CREATE TABLE officers (
			user_id    TEXT PRIMARY KEY,
			created_at INTEGER,
			updated_at INTEGER
		) STRICT`,
		`CREATE TABLE officer_provinces (
			province TEXT NOT NULL,
			user_id  TEXT NOT NULL REFERENCES officers (user_id),
			PRIMARY KEY (province, user_id)
		) STRICT, WITHOUT ROWID`,
		`CREATE INDEX officer_provinces_user ON officer_provinces (user_id)`,
		`CREATE TABLE officer_invites (
			code_hash  TEXT PRIMARY KEY,
			provinces  TEXT NOT NULL,
			created_at INTEGER,
			expires_at INTEGER NOT NULL,
			used_by    TEXT NOT NULL,
			used_at    INTEGER
		) STRICT`,
		`CREATE INDEX leaders_province_status ON leaders (province_code, status, created_at)`,
		`CREATE TABLE announcements (
			id          TEXT PRIMARY KEY,
			created_by  TEXT NOT NULL,
			audience    TEXT NOT NULL,
			provinces   TEXT NOT NULL,
			workshop_id TEXT NOT NULL,
			text        TEXT NOT NULL,
			send_at     INTEGER NOT NULL,
			status      TEXT NOT NULL,
			created_at  INTEGER,
			updated_at  INTEGER,
			lease_until INTEGER,
			planned     INTEGER NOT NULL,
			recipients  INTEGER NOT NULL,
			batches     INTEGER NOT NULL,
			sent        INTEGER NOT NULL,
			failed      INTEGER NOT NULL
		) STRICT`,
		`CREATE INDEX announcements_status_send_at ON announcements (status, send_at)`,
		`CREATE INDEX announcements_status_lease ON announcements (status, lease_until)`,
		`CREATE TABLE announcement_batches (
			announcement_id TEXT NOT NULL REFERENCES announcements (id),
			idx             INTEGER NOT NULL,
			retry_key       TEXT NOT NULL,
			user_ids        TEXT NOT NULL,
			status          TEXT NOT NULL,
			error           TEXT NOT NULL,
			done_at         INTEGER,
			PRIMARY KEY (announcement_id, idx)
		) STRICT`),
	// 9: workshops, registrations and workshop deliveries (issue 3). workshops_reminder_due
	// serves the scheduler tick, workshops_province_starts the leaders' schedule,
	// registrations_user "my workshops"; deliveries' primary key makes each push claimable once.
	execAll(`
		CREATE TABLE workshops (
			id                TEXT PRIMARY KEY,
			title             TEXT NOT NULL,
			description       TEXT NOT NULL,
			province_code     TEXT NOT NULL,
			venue_name        TEXT NOT NULL,
			venue_address     TEXT NOT NULL,
			venue_map_url     TEXT NOT NULL,
			starts_at         INTEGER NOT NULL,
			ends_at           INTEGER NOT NULL,
			capacity          INTEGER NOT NULL,
			deadline          INTEGER NOT NULL,
			status            TEXT NOT NULL,
			registered        INTEGER NOT NULL,
			waitlisted        INTEGER NOT NULL,
			wait_seq          INTEGER NOT NULL,
			created_by        TEXT NOT NULL,
			created_at        INTEGER,
			updated_at        INTEGER,
			revision          INTEGER NOT NULL,
			notified_revision INTEGER NOT NULL,
			reminder_due_at   INTEGER,
			version           INTEGER NOT NULL
		) STRICT`,
		`CREATE INDEX workshops_province_starts ON workshops (province_code, starts_at)`,
		`CREATE INDEX workshops_starts ON workshops (starts_at)`,
		`CREATE INDEX workshops_reminder_due ON workshops (reminder_due_at) WHERE reminder_due_at IS NOT NULL`,
		`CREATE TABLE registrations (
			workshop_id TEXT NOT NULL REFERENCES workshops (id),
			user_id     TEXT NOT NULL,
			status      TEXT NOT NULL,
			wait_seq    INTEGER NOT NULL,
			promoted_at INTEGER,
			created_at  INTEGER,
			updated_at  INTEGER,
			PRIMARY KEY (workshop_id, user_id)
		) STRICT`,
		`CREATE INDEX registrations_user ON registrations (user_id, created_at)`,
		`CREATE INDEX registrations_waitlist ON registrations (workshop_id, status, wait_seq)`,
		`CREATE TABLE workshop_deliveries (
			workshop_id TEXT NOT NULL,
			user_id     TEXT NOT NULL,
			kind        TEXT NOT NULL,
			retry_key   TEXT NOT NULL,
			claimed_at  INTEGER NOT NULL,
			done_at     INTEGER,
			outcome     TEXT NOT NULL,
			PRIMARY KEY (workshop_id, user_id, kind)
		) STRICT`),
	// 10: the inbox (docs/ARCHITECTURE.md, "Inbox") replaces the webhook events table.
	// inbox_user_order finds a user's first pending event, inbox_state_next the due users,
	// inbox_state_received the metrics' counts and the clean-up. Ping writes its one row to
	// probe.
	execAll(`DROP TABLE events`,
		`CREATE TABLE probe (id INTEGER PRIMARY KEY, at INTEGER NOT NULL) STRICT`,
		`CREATE TABLE inbox (
			id          TEXT PRIMARY KEY,
			user_id     TEXT NOT NULL,
			event_at    INTEGER NOT NULL,
			seq         INTEGER NOT NULL,
			received_at INTEGER NOT NULL,
			body_sealed TEXT NOT NULL,
			state       TEXT NOT NULL,
			attempts    INTEGER NOT NULL,
			next_at     INTEGER NOT NULL,
			token       TEXT NOT NULL,
			lease_until INTEGER NOT NULL
		) STRICT`,
		`CREATE INDEX inbox_user_order ON inbox (user_id, event_at, seq, id) WHERE state = 'pending'`,
		`CREATE INDEX inbox_state_next ON inbox (state, next_at)`,
		`CREATE INDEX inbox_state_received ON inbox (state, received_at)`),
	// 11: the outbox (docs/ARCHITECTURE.md, "Outbox"): every push, multicast batch and
	// broadcast, and the quota state. pushes_status_next_at serves the outbox's claim and the
	// pending counts, pushes_grp an announcement's progress (covering: status and the recipient
	// count n), pushes_done_at the clean-up. Announcement batches already done become pushes of
	// their announcement's group; a sending announcement is planned again, without the
	// recipients of those, and its pending batches keep their derived retry keys. Workshop
	// deliveries are replaced by pushes with derived retry keys.
	execAll(`
		CREATE TABLE pushes (
			retry_key       TEXT PRIMARY KEY,
			kind            TEXT NOT NULL,
			recipients      TEXT NOT NULL,
			n               INTEGER NOT NULL,
			broadcast       INTEGER NOT NULL,
			messages_sealed TEXT NOT NULL,
			grp             TEXT NOT NULL,
			not_after       INTEGER,
			created_at      INTEGER,
			status          TEXT NOT NULL,
			attempts        INTEGER NOT NULL,
			next_at         INTEGER NOT NULL,
			token           TEXT NOT NULL,
			done_at         INTEGER,
			error           TEXT NOT NULL
		) STRICT`,
		`CREATE INDEX pushes_status_next_at ON pushes (status, next_at)`,
		`CREATE INDEX pushes_grp ON pushes (grp, status, n) WHERE grp != ''`,
		`CREATE INDEX pushes_done_at ON pushes (done_at) WHERE done_at IS NOT NULL`,
		`CREATE TABLE quota_state (
			id         INTEGER PRIMARY KEY CHECK (id = 1),
			exhausted  INTEGER NOT NULL,
			since      INTEGER,
			resume_at  INTEGER,
			resumed_by TEXT NOT NULL,
			updated_at INTEGER
		) STRICT`,
		`INSERT INTO pushes (retry_key, kind, recipients, n, broadcast, messages_sealed, grp, not_after, created_at, status,
			attempts, next_at, token, done_at, error)
		SELECT b.retry_key, 'announcement', b.user_ids, COALESCE(json_array_length(b.user_ids), 0),
			b.user_ids = '[]' OR b.user_ids = 'null', '', 'announcement:' || b.announcement_id,
			NULL, b.done_at, b.status, 1, COALESCE(b.done_at, 0), '', b.done_at, b.error
		FROM announcement_batches b WHERE b.status != 'pending'`,
		`UPDATE announcements SET planned = 0 WHERE status = 'sending'`,
		`DROP TABLE announcement_batches`,
		`DROP TABLE workshop_deliveries`),
	// 12: Section 40 answer feedback, one tally per knowledge topic (issue 10).
	execAll(`CREATE TABLE knowledge_feedback (
			topic       TEXT PRIMARY KEY,
			helpful     INTEGER NOT NULL,
			not_helpful INTEGER NOT NULL,
			updated_at  INTEGER NOT NULL
		) STRICT`),
	// 13 (issue 11): a decision's reason told to the leader; officers' credentials (sign-in
	// links, browser sessions, API tokens) by hash, by user, and by expiry for the clean-up.
	execAll(`ALTER TABLE leaders ADD COLUMN decision_note TEXT NOT NULL DEFAULT ''`,
		`CREATE TABLE credentials (
			hash       TEXT PRIMARY KEY,
			kind       TEXT NOT NULL,
			user_id    TEXT NOT NULL,
			label      TEXT NOT NULL,
			created_at INTEGER,
			expires_at INTEGER NOT NULL
		) STRICT`,
		`CREATE INDEX credentials_user ON credentials (user_id, kind, created_at)`,
		`CREATE INDEX credentials_expires ON credentials (expires_at)`),
	// 14 (issue 11): hand-off cases, the transcript sealed; by member, by province and status,
	// unanswered ones for the hotline notice, closed ones for the retention job.
	execAll(`
		CREATE TABLE cases (
			id                TEXT PRIMARY KEY,
			user_id           TEXT NOT NULL,
			province_code     TEXT NOT NULL,
			status            TEXT NOT NULL,
			entries_sealed    TEXT NOT NULL,
			created_at        INTEGER,
			first_response_at INTEGER,
			hotline_at        INTEGER,
			closed_at         INTEGER,
			closed_by         TEXT NOT NULL,
			version           INTEGER NOT NULL
		) STRICT`,
		`CREATE INDEX cases_user ON cases (user_id, status)`,
		`CREATE INDEX cases_province ON cases (province_code, status, created_at)`,
		`CREATE INDEX cases_unanswered ON cases (created_at) WHERE status = 'open' AND first_response_at IS NULL AND hotline_at IS NULL`,
		`CREATE INDEX cases_closed ON cases (closed_at) WHERE closed_at IS NOT NULL`),
	// 15 (issue 11): the first answers of API POSTs with an Idempotency-Key, the body sealed.
	execAll(`
		CREATE TABLE idempotency (
			key          TEXT PRIMARY KEY,
			body_sum     TEXT NOT NULL,
			status       INTEGER NOT NULL,
			content_type TEXT NOT NULL,
			body_sealed  TEXT NOT NULL,
			created_at   INTEGER NOT NULL
		) STRICT`,
		`CREATE INDEX idempotency_created ON idempotency (created_at)`),
	// 16 (issue 11): each member's recent lines with the bot, sealed, for a hand-off's transcript.
	execAll(`
		CREATE TABLE recent (
			user_id        TEXT PRIMARY KEY,
			entries_sealed TEXT NOT NULL,
			updated_at     INTEGER NOT NULL
		) STRICT`,
		`CREATE INDEX recent_updated ON recent (updated_at)`),
	// 17: the simulator's users and chat history (simulator mode only, simulator.go).
	execAll(`
		CREATE TABLE sim_users (
			user_id      TEXT PRIMARY KEY,
			display_name TEXT NOT NULL,
			language     TEXT NOT NULL,
			role         TEXT NOT NULL,
			created_at   INTEGER NOT NULL
		) STRICT`,
		`CREATE TABLE sim_entries (
			seq     INTEGER PRIMARY KEY AUTOINCREMENT,
			user_id TEXT NOT NULL,
			entry   TEXT NOT NULL
		) STRICT`,
		`CREATE INDEX sim_entries_user ON sim_entries (user_id, seq)`),
	// 18: named leases (lease.go).
	execAll(`
		CREATE TABLE leases (
			name   TEXT PRIMARY KEY,
			holder TEXT NOT NULL,
			until  INTEGER NOT NULL
		) STRICT`),
	// 19 (issue 8): recent lines one row each, so the per-message write inserts a member's new
	// lines and deletes their oldest instead of reading, opening, sealing and rewriting all of
	// them (handoff.go). seq is the order of adding; recent_lines_user serves the add's trim
	// (at is in it so that the trim's condition is read from the index alone), Recent and
	// DeleteRecent, recent_lines_at the clean-up. The old table's lines are dropped, not moved:
	// a migration has no Sealer to open them, and they are at most a day old, so a hand-off in
	// the day after the upgrade may start without the lines typed before it.
	execAll(`DROP TABLE recent`,
		`CREATE TABLE recent_lines (
			seq         INTEGER PRIMARY KEY,
			user_id     TEXT NOT NULL,
			at          INTEGER NOT NULL,
			from_who    TEXT NOT NULL,
			event       TEXT NOT NULL,
			text_sealed TEXT NOT NULL
		) STRICT`,
		`CREATE INDEX recent_lines_user ON recent_lines (user_id, seq, at)`,
		`CREATE INDEX recent_lines_at ON recent_lines (at)`),
	// 20 (issue 8): the inbox's indexes by state become one partial index per state, so an
	// event's store adds one entry (to inbox_pending) and its done mark moves it to inbox_done,
	// instead of adding and rewriting an entry in each of inbox_state_next and
	// inbox_state_received. inbox_pending serves the due users (in the order received) and the
	// pending counts, inbox_done and inbox_parked the clean-up and the parked count (inbox.go).
	execAll(`DROP INDEX inbox_state_next`,
		`DROP INDEX inbox_state_received`,
		`CREATE INDEX inbox_pending ON inbox (received_at) WHERE state = 'pending'`,
		`CREATE INDEX inbox_done ON inbox (received_at) WHERE state = 'done'`,
		`CREATE INDEX inbox_parked ON inbox (received_at) WHERE state = 'parked'`),
}

// execAll is a migration that runs statements in order.
func execAll(stmts ...string) func(context.Context, *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		for _, q := range stmts {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	}
}

// migrate applies the migrations the database has not seen, each in its own transaction
// together with the new version number.
func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL) STRICT`); err != nil {
		return err
	}
	for {
		done, err := migrateOne(ctx, db)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the next pending migration; done reports that there was none.
func migrateOne(ctx context.Context, db *sql.DB) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	version, err := schemaVersion(ctx, tx)
	if err != nil {
		return false, err
	}
	switch {
	case version > len(migrations):
		return false, fmt.Errorf("database schema version %d is newer than this program's %d", version, len(migrations))
	case version == len(migrations):
		return true, nil
	}
	if err := migrations[version](ctx, tx); err != nil {
		return false, fmt.Errorf("migration %d: %w", version+1, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM schema_version`); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (?)`, version+1); err != nil {
		return false, err
	}
	return false, tx.Commit()
}

// schemaVersion reads the number of migrations applied; 0 for a new database.
func schemaVersion(ctx context.Context, tx *sql.Tx) (int, error) {
	var v int
	err := tx.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return v, err
}
