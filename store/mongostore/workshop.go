package mongostore

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ssonet/ssonet/store"
)

// Capacity on MongoDB without transactions (issue 3, item 4).
//
// A workshop's registrations live inside its own document: regs maps a key of each leader
// (regKey) to their registration with its status, next to the counter free (= capacity − seats
// taken) and users (the active leaders). Every change of seats is therefore ONE single-document
// update whose filter is the guard: a join takes a seat with {free > 0, users ≠ u} → {$inc free
// −1, $set regs.<u> registered}; a leave matches {regs.<u>.st: registered} and gives the seat
// back with $inc free +1 in the same update. So a crash between two writes can never count a
// seat twice or lose one: no second write carries seat state. The only two-step operation is
// leave-then-promote; a crash between them leaves a free seat with a non-empty waitlist, which
// the next join, leave or update repairs first (fill) before anything else, so the waitlist
// keeps its order. Waitlist places come from a counter (waitSeq) taken with $inc before the
// registration is written; a crash between them only leaves a gap in the numbers.

const (
	workshopsColl = "workshops"
)

// maxAttempts bounds the optimistic retries of one join or leave; each lost race means another
// leader's change went through, so it is never reached in practice.
const maxAttempts = 1000

// regElem is one registration inside a workshop document.
type regElem struct {
	U          string    `bson:"u"`
	St         string    `bson:"st"`
	Seq        int64     `bson:"seq"`
	PromotedAt time.Time `bson:"promotedAt,omitempty"`
	CreatedAt  time.Time `bson:"createdAt"`
	UpdatedAt  time.Time `bson:"updatedAt"`
}

// regKey is the field name of a leader's registration under regs: "u" and the user ID in hex,
// so no user ID can smuggle a dot or a dollar into a field path.
func regKey(userID string) string { return "u" + hex.EncodeToString([]byte(userID)) }

// regPath is the dotted path of field f of a leader's registration ("" for the whole of it).
func regPath(userID, f string) string {
	p := "regs." + regKey(userID)
	if f != "" {
		p += "." + f
	}
	return p
}

type workshopDoc struct {
	ID               string             `bson:"_id"`
	Title            string             `bson:"title"`
	Description      string             `bson:"description"`
	ProvinceCode     string             `bson:"provinceCode"`
	VenueName        string             `bson:"venueName"`
	VenueAddress     string             `bson:"venueAddress"`
	VenueMapURL      string             `bson:"venueMapUrl"`
	StartsAt         time.Time          `bson:"startsAt"`
	EndsAt           time.Time          `bson:"endsAt"`
	Capacity         int                `bson:"capacity"`
	Deadline         time.Time          `bson:"deadline"`
	Status           string             `bson:"status"`
	Free             int                `bson:"free"`
	WaitSeq          int64              `bson:"waitSeq"`
	CreatedBy        string             `bson:"createdBy"`
	CreatedAt        time.Time          `bson:"createdAt,omitempty"`
	UpdatedAt        time.Time          `bson:"updatedAt,omitempty"`
	Revision         int                `bson:"revision"`
	NotifiedRevision int                `bson:"notifiedRevision"`
	ReminderDueAt    time.Time          `bson:"reminderDueAt,omitempty"`
	Version          int64              `bson:"version"`
	Regs             map[string]regElem `bson:"regs"`
	Users            []string           `bson:"users"` // active: registered, attended, waitlisted
	Ever             []string           `bson:"ever"`  // everyone who ever signed up; index for ListRegistrationsOf
}

func (d workshopDoc) workshop() store.Workshop {
	return store.Workshop{
		ID: d.ID, Title: d.Title, Description: d.Description, ProvinceCode: d.ProvinceCode,
		Venue:    store.Venue{Name: d.VenueName, Address: d.VenueAddress, MapURL: d.VenueMapURL},
		StartsAt: d.StartsAt, EndsAt: d.EndsAt, Capacity: d.Capacity, RegistrationDeadline: d.Deadline,
		Status: store.WorkshopStatus(d.Status), Registered: d.Capacity - d.Free, Waitlisted: d.count(store.RegWaitlisted),
		CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, Revision: d.Revision,
		NotifiedRevision: d.NotifiedRevision, ReminderDueAt: d.ReminderDueAt, Version: d.Version,
	}
}

func (d workshopDoc) count(st store.RegistrationStatus) int {
	n := 0
	for _, e := range d.Regs {
		if e.St == string(st) {
			n++
		}
	}
	return n
}

// find returns u's registration in d; ok false when there is none.
func (d workshopDoc) find(u string) (regElem, store.RegistrationStatus, bool) {
	e, ok := d.Regs[regKey(u)]
	return e, store.RegistrationStatus(e.St), ok
}

// waiting returns the waitlist in WaitSeq order.
func (d workshopDoc) waiting() []regElem {
	var out []regElem
	for _, e := range d.Regs {
		if e.St == string(store.RegWaitlisted) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b regElem) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}

func registration(id string, e regElem) store.Registration {
	return store.Registration{WorkshopID: id, UserID: e.U, Status: store.RegistrationStatus(e.St), WaitSeq: e.Seq, PromotedAt: e.PromotedAt, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
}

// msUTC is t in UTC to the millisecond, as MongoDB keeps it.
func msUTC(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func byID(id string) bson.D { return bson.D{{Key: "_id", Value: id}} }

// CreateWorkshop stores w with empty registrations; store.ErrConflict on a used ID (_id).
func (s *Store) CreateWorkshop(ctx context.Context, w store.Workshop) (store.Workshop, error) {
	d := workshopDoc{
		ID: w.ID, Title: w.Title, Description: w.Description, ProvinceCode: w.ProvinceCode,
		VenueName: w.Venue.Name, VenueAddress: w.Venue.Address, VenueMapURL: w.Venue.MapURL,
		StartsAt: msUTC(w.StartsAt), EndsAt: msUTC(w.EndsAt), Capacity: w.Capacity, Deadline: msUTC(w.RegistrationDeadline),
		Status: string(w.Status), Free: w.Capacity, CreatedBy: w.CreatedBy, CreatedAt: msUTC(w.CreatedAt),
		UpdatedAt: msUTC(w.UpdatedAt), Revision: w.Revision, NotifiedRevision: w.NotifiedRevision,
		ReminderDueAt: msUTC(w.ReminderDueAt), Version: 1,
		Regs: map[string]regElem{}, Users: []string{}, Ever: []string{},
	}
	if _, err := s.db.Collection(workshopsColl).InsertOne(ctx, d); err != nil {
		return store.Workshop{}, wrap("create workshop", err)
	}
	return d.workshop(), nil
}

func (s *Store) getDoc(ctx context.Context, id string) (workshopDoc, error) {
	var d workshopDoc
	err := s.db.Collection(workshopsColl).FindOne(ctx, byID(id)).Decode(&d)
	return d, err
}

// GetWorkshop returns a workshop by ID. Per message: _id.
func (s *Store) GetWorkshop(ctx context.Context, id string) (store.Workshop, error) {
	d, err := s.getDoc(ctx, id)
	if err != nil {
		return store.Workshop{}, wrap("get workshop", err)
	}
	return d.workshop(), nil
}

// UpdateWorkshop replaces the editable fields under the guard {version, capacity as read,
// free ≥ capacity cut}, then gives new seats to the waitlist. Per API call: _id.
func (s *Store) UpdateWorkshop(ctx context.Context, w store.Workshop) (store.Workshop, error) {
	coll := s.db.Collection(workshopsColl)
	for range maxAttempts {
		cur, err := s.getDoc(ctx, w.ID)
		if err != nil {
			return store.Workshop{}, wrap("update workshop", err)
		}
		switch {
		case cur.Version != w.Version:
			return store.Workshop{}, wrap("update workshop", store.ErrConflict)
		case w.Capacity < cur.Capacity-cur.Free:
			return store.Workshop{}, wrap("update workshop", store.ErrCapacityBelowRegistered)
		}
		set := bson.D{
			{Key: "title", Value: w.Title}, {Key: "description", Value: w.Description},
			{Key: "provinceCode", Value: w.ProvinceCode}, {Key: "venueName", Value: w.Venue.Name},
			{Key: "venueAddress", Value: w.Venue.Address}, {Key: "venueMapUrl", Value: w.Venue.MapURL},
			{Key: "startsAt", Value: msUTC(w.StartsAt)}, {Key: "endsAt", Value: msUTC(w.EndsAt)},
			{Key: "capacity", Value: w.Capacity}, {Key: "deadline", Value: msUTC(w.RegistrationDeadline)},
			{Key: "status", Value: string(w.Status)}, {Key: "updatedAt", Value: msUTC(w.UpdatedAt)},
			{Key: "revision", Value: w.Revision}, {Key: "notifiedRevision", Value: w.NotifiedRevision},
		}
		update := bson.D{{Key: "$inc", Value: bson.D{{Key: "free", Value: w.Capacity - cur.Capacity}, {Key: "version", Value: 1}}}}
		if w.ReminderDueAt.IsZero() {
			update = append(update, bson.E{Key: "$unset", Value: bson.D{{Key: "reminderDueAt", Value: ""}}})
		} else {
			set = append(set, bson.E{Key: "reminderDueAt", Value: msUTC(w.ReminderDueAt)})
		}
		update = append(update, bson.E{Key: "$set", Value: set})
		filter := bson.D{{Key: "_id", Value: w.ID}, {Key: "version", Value: w.Version}, {Key: "capacity", Value: cur.Capacity},
			{Key: "free", Value: bson.D{{Key: "$gte", Value: cur.Capacity - w.Capacity}}}}
		res, err := coll.UpdateOne(ctx, filter, update)
		if err != nil {
			return store.Workshop{}, wrap("update workshop", err)
		}
		if res.MatchedCount == 0 {
			continue // a join or leave moved free meanwhile: look again
		}
		if w.Status != store.WorkshopCancelled {
			if _, err := s.fill(ctx, w.ID, msUTC(w.UpdatedAt)); err != nil {
				return store.Workshop{}, wrap("update workshop", err)
			}
		}
		return s.GetWorkshop(ctx, w.ID)
	}
	return store.Workshop{}, wrap("update workshop", errors.New("too many concurrent changes"))
}

// fill gives free seats to the waitlist in WaitSeq order, one guarded update per leader
// ({free > 0, regs.<u>.st waitlisted} → registered, free −1), and sets ReminderDueAt to now so
// the scheduler tells them. It returns whom it promoted. Per join, leave and update: _id.
func (s *Store) fill(ctx context.Context, id string, now time.Time) ([]store.Registration, error) {
	var promoted []store.Registration
	for range maxAttempts {
		d, err := s.getDoc(ctx, id)
		if err != nil {
			return nil, err
		}
		waiting := d.waiting()
		if d.Free <= 0 || len(waiting) == 0 || d.Status == string(store.WorkshopCancelled) {
			return promoted, nil
		}
		e := waiting[0]
		e.St, e.PromotedAt, e.UpdatedAt = string(store.RegRegistered), now, now
		res, err := s.db.Collection(workshopsColl).UpdateOne(ctx,
			bson.D{{Key: "_id", Value: id}, {Key: "free", Value: bson.D{{Key: "$gt", Value: 0}}},
				{Key: regPath(e.U, "st"), Value: string(store.RegWaitlisted)}},
			bson.D{
				{Key: "$set", Value: bson.D{{Key: regPath(e.U, ""), Value: e}, {Key: "reminderDueAt", Value: now}}},
				{Key: "$inc", Value: bson.D{{Key: "free", Value: -1}}},
			})
		if err != nil {
			return nil, err
		}
		if res.ModifiedCount == 1 {
			promoted = append(promoted, registration(id, e))
		}
	}
	return promoted, errors.New("too many concurrent changes")
}

// ListWorkshops returns workshops matching f by startsAt. Per "ตารางอบรม" message: the index
// provinceCode_startsAt (or startsAt without a province).
func (s *Store) ListWorkshops(ctx context.Context, f store.WorkshopFilter) ([]store.Workshop, error) {
	filter := bson.D{}
	if f.ProvinceCode != "" {
		filter = append(filter, bson.E{Key: "provinceCode", Value: f.ProvinceCode})
	}
	if !f.StartsAfter.IsZero() {
		filter = append(filter, bson.E{Key: "startsAt", Value: bson.D{{Key: "$gt", Value: msUTC(f.StartsAfter)}}})
	}
	if !f.WithCancelled {
		filter = append(filter, bson.E{Key: "status", Value: bson.D{{Key: "$ne", Value: string(store.WorkshopCancelled)}}})
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	return s.findWorkshops(ctx, "list workshops", filter, options.Find().
		SetSort(bson.D{{Key: "startsAt", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
}

// WorkshopsDue returns workshops whose reminderDueAt has come. Per scheduler tick: the index
// reminderDueAt (documents without the field are not in it), so the cost follows the due ones.
func (s *Store) WorkshopsDue(ctx context.Context, now time.Time, limit int) ([]store.Workshop, error) {
	return s.findWorkshops(ctx, "workshops due",
		bson.D{{Key: "reminderDueAt", Value: bson.D{{Key: "$lte", Value: msUTC(now)}}}},
		options.Find().SetSort(bson.D{{Key: "reminderDueAt", Value: 1}}).SetLimit(int64(limit)))
}

func (s *Store) findWorkshops(ctx context.Context, what string, filter bson.D, opts *options.FindOptionsBuilder) ([]store.Workshop, error) {
	cur, err := s.db.Collection(workshopsColl).Find(ctx, filter, opts)
	if err != nil {
		return nil, wrap(what, err)
	}
	var docs []workshopDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(what, err)
	}
	out := make([]store.Workshop, len(docs))
	for i, d := range docs {
		out[i] = d.workshop()
	}
	return out, nil
}

// AdvanceReminder moves reminderDueAt from from to next (compare-and-set). Per due workshop: _id.
func (s *Store) AdvanceReminder(ctx context.Context, id string, from, next time.Time, notified int) error {
	filter := bson.D{{Key: "_id", Value: id}, {Key: "reminderDueAt", Value: msUTC(from)}}
	if from.IsZero() {
		filter[1].Value = bson.D{{Key: "$exists", Value: false}}
	}
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "reminderDueAt", Value: msUTC(next)}, {Key: "notifiedRevision", Value: notified}}}}
	if next.IsZero() {
		update = bson.D{
			{Key: "$set", Value: bson.D{{Key: "notifiedRevision", Value: notified}}},
			{Key: "$unset", Value: bson.D{{Key: "reminderDueAt", Value: ""}}},
		}
	}
	res, err := s.db.Collection(workshopsColl).UpdateOne(ctx, filter, update)
	if err == nil && res.MatchedCount == 0 {
		if _, err = s.getDoc(ctx, id); err == nil {
			err = store.ErrConflict
		}
	}
	if err != nil {
		return wrap("advance reminder", err)
	}
	return nil
}

// JoinWorkshop takes a seat or a waitlist place with one guarded update (see the comment at the
// top). Per join: _id.
func (s *Store) JoinWorkshop(ctx context.Context, workshopID, userID string, now time.Time) (store.Registration, error) {
	now = msUTC(now)
	coll := s.db.Collection(workshopsColl)
	for range maxAttempts {
		if _, err := s.fill(ctx, workshopID, now); err != nil {
			return store.Registration{}, wrap("join workshop", err)
		}
		d, err := s.getDoc(ctx, workshopID)
		if err != nil {
			return store.Registration{}, wrap("join workshop", err)
		}
		if e, st, ok := d.find(userID); ok && st != store.RegCancelled {
			return registration(workshopID, e), nil
		}
		if st := d.workshop().StatusAt(now); st == store.WorkshopClosed || st == store.WorkshopCancelled {
			return store.Registration{}, wrap("join workshop", store.ErrWorkshopClosed)
		}
		e := regElem{U: userID, St: string(store.RegRegistered), CreatedAt: now, UpdatedAt: now}
		free, inc := bson.D{{Key: "$gt", Value: 0}}, -1
		if d.Free <= 0 {
			var seq struct {
				WaitSeq int64 `bson:"waitSeq"`
			}
			if err := coll.FindOneAndUpdate(ctx, byID(workshopID), bson.D{{Key: "$inc", Value: bson.D{{Key: "waitSeq", Value: 1}}}},
				options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&seq); err != nil {
				return store.Registration{}, wrap("join workshop", err)
			}
			e.St, e.Seq = string(store.RegWaitlisted), seq.WaitSeq
			free, inc = bson.D{{Key: "$lte", Value: 0}}, 0
		}
		res, err := coll.UpdateOne(ctx,
			bson.D{{Key: "_id", Value: workshopID}, {Key: "status", Value: string(store.WorkshopOpen)},
				{Key: "users", Value: bson.D{{Key: "$ne", Value: userID}}}, {Key: "free", Value: free}},
			bson.D{
				{Key: "$set", Value: bson.D{{Key: regPath(userID, ""), Value: e}}},
				{Key: "$push", Value: bson.D{{Key: "users", Value: userID}}},
				{Key: "$addToSet", Value: bson.D{{Key: "ever", Value: userID}}},
				{Key: "$inc", Value: bson.D{{Key: "free", Value: inc}}},
			})
		if err != nil {
			return store.Registration{}, wrap("join workshop", err)
		}
		if res.ModifiedCount == 1 {
			return registration(workshopID, e), nil
		}
	}
	return store.Registration{}, wrap("join workshop", errors.New("too many concurrent changes"))
}

// LeaveWorkshop marks the registration cancelled and, for a seat, gives it back in the same
// guarded update; then fill promotes. Per cancel: _id.
func (s *Store) LeaveWorkshop(ctx context.Context, workshopID, userID string, now time.Time) (store.Registration, *store.Registration, error) {
	now = msUTC(now)
	d, err := s.getDoc(ctx, workshopID)
	if err != nil {
		return store.Registration{}, nil, wrap("leave workshop", err)
	}
	e, st, ok := d.find(userID)
	if !ok || (st != store.RegRegistered && st != store.RegWaitlisted) {
		return store.Registration{}, nil, wrap("leave workshop", store.ErrNotFound)
	}
	inc := 0
	if st == store.RegRegistered {
		inc = 1
	}
	e.St, e.UpdatedAt = string(store.RegCancelled), now
	res, err := s.db.Collection(workshopsColl).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: workshopID}, {Key: regPath(userID, "st"), Value: string(st)}},
		bson.D{
			{Key: "$set", Value: bson.D{{Key: regPath(userID, ""), Value: e}}},
			{Key: "$pull", Value: bson.D{{Key: "users", Value: userID}}},
			{Key: "$inc", Value: bson.D{{Key: "free", Value: inc}}},
		})
	if err == nil && res.ModifiedCount == 0 {
		err = store.ErrNotFound // left or changed meanwhile (a double tap)
	}
	if err != nil {
		return store.Registration{}, nil, wrap("leave workshop", err)
	}
	left := registration(workshopID, e)
	if inc == 0 {
		return left, nil, nil
	}
	promoted, err := s.fill(ctx, workshopID, now)
	if err != nil {
		return store.Registration{}, nil, wrap("leave workshop", err)
	}
	if len(promoted) == 0 {
		return left, nil, nil
	}
	return left, &promoted[0], nil
}

// GetRegistration returns one registration. Per message: _id.
func (s *Store) GetRegistration(ctx context.Context, workshopID, userID string) (store.Registration, error) {
	d, err := s.getDoc(ctx, workshopID)
	if err != nil {
		return store.Registration{}, wrap("get registration", err)
	}
	e, _, ok := d.find(userID)
	if !ok {
		return store.Registration{}, wrap("get registration", store.ErrNotFound)
	}
	return registration(workshopID, e), nil
}

// ListRegistrations returns seat holders by CreatedAt, the waitlist by WaitSeq, then cancelled
// ones. Per due workshop per tick: _id.
func (s *Store) ListRegistrations(ctx context.Context, workshopID string) ([]store.Registration, error) {
	d, err := s.getDoc(ctx, workshopID)
	if err != nil {
		return nil, wrap("list registrations", err)
	}
	var out []store.Registration
	for _, e := range d.Regs {
		out = append(out, registration(d.ID, e))
	}
	rank := map[store.RegistrationStatus]int{store.RegRegistered: 0, store.RegAttended: 0, store.RegWaitlisted: 1, store.RegCancelled: 2}
	slices.SortFunc(out, func(a, b store.Registration) int {
		ka, kb := a.CreatedAt.UnixMilli(), b.CreatedAt.UnixMilli()
		if a.Status == store.RegWaitlisted {
			ka, kb = a.WaitSeq, b.WaitSeq
		}
		return cmp.Or(cmp.Compare(rank[a.Status], rank[b.Status]), cmp.Compare(ka, kb), cmp.Compare(a.UserID, b.UserID))
	})
	return out, nil
}

// ListRegistrationsOf returns a leader's registrations, newest first. Per "อบรมของฉัน": the
// multikey index ever.
func (s *Store) ListRegistrationsOf(ctx context.Context, userID string) ([]store.Registration, error) {
	cur, err := s.db.Collection(workshopsColl).Find(ctx, bson.D{{Key: "ever", Value: userID}})
	if err != nil {
		return nil, wrap("list registrations of leader", err)
	}
	var docs []workshopDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap("list registrations of leader", err)
	}
	var out []store.Registration
	for _, d := range docs {
		if e, _, ok := d.find(userID); ok {
			out = append(out, registration(d.ID, e))
		}
	}
	slices.SortFunc(out, func(a, b store.Registration) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(a.WorkshopID, b.WorkshopID))
	})
	return out, nil
}

// SetAttendance flips a seat holder between registered and attended with one update guarded on
// the registration's status. _id.
func (s *Store) SetAttendance(ctx context.Context, workshopID, userID string, attended bool, now time.Time) (store.Registration, error) {
	now = msUTC(now)
	from, to := store.RegRegistered, store.RegAttended
	if !attended {
		from, to = store.RegAttended, store.RegRegistered
	}
	var d workshopDoc
	err := s.db.Collection(workshopsColl).FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: workshopID}, {Key: regPath(userID, "st"), Value: bson.D{{Key: "$in", Value: bson.A{string(from), string(to)}}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: regPath(userID, "st"), Value: string(to)}, {Key: regPath(userID, "updatedAt"), Value: now}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return store.Registration{}, wrap("set attendance", err)
	}
	e, _, _ := d.find(userID)
	return registration(workshopID, e), nil
}
