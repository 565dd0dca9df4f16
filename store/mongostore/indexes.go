package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Collections, one per entity. Each keys its documents by the entity's natural key in _id
// (the LINE user ID, the webhook event ID), so _id's unique index serves lookups by it.
const (
	membersColl   = "members"
	leadersColl   = "leaders"
	sessionsColl  = "sessions"
	inboxColl     = "inbox"
	probeColl     = "probe"
	auditColl     = "audit"
	referralsColl = "referrals"
	feedbackColl  = "knowledge_feedback" // _id is the topic id
)

// index is one index of one collection.
type index struct {
	coll  string
	model mongo.IndexModel
}

// indexes lists the indexes created, in order, at every Open. Creating an index that exists
// with the same definition does nothing, so replicas starting together are safe. Append to add
// an index; to change one, append it under a new name (and drop the old by hand).
//
// It is a function, not a variable, because the driver writes to the options of a model it is
// given: each Open needs its own.
func indexes() []index {
	return []index{
		// A repeated registration submit is a duplicate key (store.ErrConflict).
		{leadersColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "submissionId", Value: 1}},
			Options: options.Index().SetName("submissionId_unique").SetUnique(true),
		}},
		// The clean-up job deletes expired sessions by expiresAt.
		{sessionsColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "expiresAt", Value: 1}},
			Options: options.Index().SetName("expiresAt"),
		}},
		// The inbox (docs/ARCHITECTURE.md, "Inbox"): a user's first pending event, the due
		// users, and the metrics' counts and the clean-up.
		{inboxColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "userId", Value: 1}, {Key: "state", Value: 1}, {Key: "eventAt", Value: 1}, {Key: "seq", Value: 1}, {Key: "_id", Value: 1}},
			Options: options.Index().SetName("userId_state_order"),
		}},
		{inboxColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "state", Value: 1}, {Key: "nextAt", Value: 1}},
			Options: options.Index().SetName("state_nextAt"),
		}},
		{inboxColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "state", Value: 1}, {Key: "receivedAt", Value: 1}},
			Options: options.Index().SetName("state_receivedAt"),
		}},
		// The audit log is listed newest first, overall or by record.
		{auditColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: -1}},
			Options: options.Index().SetName("at_id"),
		}},
		{auditColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "subject", Value: 1}, {Key: "at", Value: -1}},
			Options: options.Index().SetName("subject_at"),
		}},
		// Referrals: a repeated submit and a second referral of one national ID are duplicate
		// keys. nidKey is the ID's keyed hash, or "self:<id>" for a self-referral (no ID), so a
		// plain unique index works without partial-index support.
		{referralsColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "submissionId", Value: 1}},
			Options: options.Index().SetName("submissionId_unique").SetUnique(true),
		}},
		{referralsColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "nidKey", Value: 1}},
			Options: options.Index().SetName("nidKey_unique").SetUnique(true),
		}},
		// A leader's list in the chat; officers' lists by province or overall, newest first.
		{referralsColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "leaderId", Value: 1}, {Key: "createdAt", Value: -1}},
			Options: options.Index().SetName("leaderId_createdAt"),
		}},
		{referralsColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "workerUserId", Value: 1}, {Key: "createdAt", Value: -1}},
			Options: options.Index().SetName("workerUserId_createdAt"),
		}},
		{referralsColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "provinceCode", Value: 1}, {Key: "createdAt", Value: -1}},
			Options: options.Index().SetName("provinceCode_createdAt"),
		}},
		{referralsColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "createdAt", Value: -1}},
			Options: options.Index().SetName("createdAt"),
		}},
		// The retention job (closedAt) and the notice retry job (noticeDue, statusAt).
		{referralsColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "closedAt", Value: 1}},
			Options: options.Index().SetName("closedAt"),
		}},
		{referralsColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "noticeDue", Value: 1}, {Key: "statusAt", Value: 1}},
			Options: options.Index().SetName("noticeDue_statusAt"),
		}},
		// Issue 5: officers of a province (multikey), leaders by province and status, due
		// announcements by status and send time or lease.
		{officersColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "provinces", Value: 1}},
			Options: options.Index().SetName("provinces"),
		}},
		{leadersColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "provinceCode", Value: 1}, {Key: "status", Value: 1}, {Key: "createdAt", Value: 1}},
			Options: options.Index().SetName("provinceCode_status_createdAt"),
		}},
		{announcementsColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "status", Value: 1}, {Key: "sendAt", Value: 1}},
			Options: options.Index().SetName("status_sendAt"),
		}},
		{announcementsColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "status", Value: 1}, {Key: "leaseUntil", Value: 1}},
			Options: options.Index().SetName("status_leaseUntil"),
		}},
		// Workshops (issue 3): the leaders' schedule by province and start, the officers' list
		// by start, the scheduler tick by reminderDueAt, "my workshops" by ever (multikey).
		{workshopsColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "provinceCode", Value: 1}, {Key: "startsAt", Value: 1}},
			Options: options.Index().SetName("provinceCode_startsAt"),
		}},
		{workshopsColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "startsAt", Value: 1}},
			Options: options.Index().SetName("startsAt"),
		}},
		{workshopsColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "reminderDueAt", Value: 1}},
			Options: options.Index().SetName("reminderDueAt"),
		}},
		{workshopsColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "ever", Value: 1}},
			Options: options.Index().SetName("ever"),
		}},
		// The outbox (issue 8): the claim and the pending counts by status and nextAt, an
		// announcement's pushes and (covered) its progress by group_status_n, the clean-up by
		// doneAt.
		{pushesColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "status", Value: 1}, {Key: "nextAt", Value: 1}},
			Options: options.Index().SetName("status_nextAt"),
		}},
		{pushesColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "group", Value: 1}, {Key: "status", Value: 1}, {Key: "n", Value: 1}},
			Options: options.Index().SetName("group_status_n"),
		}},
		{pushesColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "doneAt", Value: 1}},
			Options: options.Index().SetName("doneAt"),
		}},
		// Officers' credentials (issue 11): by user and kind, and by expiry for the clean-up.
		{credentialsColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "userId", Value: 1}, {Key: "kind", Value: 1}, {Key: "createdAt", Value: 1}},
			Options: options.Index().SetName("userId_kind_createdAt"),
		}},
		{credentialsColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "expiresAt", Value: 1}},
			Options: options.Index().SetName("expiresAt"),
		}},
		// Hand-off cases (issue 11): a member's open case, the inbox by province, the hotline
		// notice by age, the retention job by closedAt.
		{casesColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "userId", Value: 1}, {Key: "status", Value: 1}},
			Options: options.Index().SetName("userId_status"),
		}},
		{casesColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "provinceCode", Value: 1}, {Key: "status", Value: 1}, {Key: "createdAt", Value: -1}},
			Options: options.Index().SetName("provinceCode_status_createdAt"),
		}},
		{casesColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "status", Value: 1}, {Key: "createdAt", Value: 1}},
			Options: options.Index().SetName("status_createdAt"),
		}},
		{casesColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "closedAt", Value: 1}},
			Options: options.Index().SetName("closedAt"),
		}},
		// Idempotency-Key answers (issue 11): the clean-up by createdAt.
		{idempotencyColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "createdAt", Value: 1}},
			Options: options.Index().SetName("createdAt"),
		}},
		// Members' recent lines (issue 8): a member's lines in order, for the add and its trim,
		// Recent and DeleteRecent; the clean-up by at.
		{recentColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "userId", Value: 1}, {Key: "at", Value: 1}, {Key: "_id", Value: 1}},
			Options: options.Index().SetName("userId_at_id"),
		}},
		{recentColl, mongo.IndexModel{
			Keys:    bson.D{{Key: "at", Value: 1}},
			Options: options.Index().SetName("at"),
		}},
	}
}

// createIndexes creates every index in indexes().
func (s *Store) createIndexes(ctx context.Context) error {
	for _, ix := range indexes() {
		if _, err := s.db.Collection(ix.coll).Indexes().CreateOne(ctx, ix.model); err != nil {
			return fmt.Errorf("create index on %s: %w", ix.coll, err)
		}
	}
	return nil
}
