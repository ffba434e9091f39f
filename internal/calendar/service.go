package calendar

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/errs"
)

// AgencyPaths tells the calendar where an agency sits in the tree, for
// authorisation. The agency service implements it.
type AgencyPaths interface {
	PathOf(ctx context.Context, agencyID int64) (string, error)
}

// Service stores holidays and make-up days and builds agencies' calendars.
type Service struct {
	db       *db.DB
	audit    *audit.Log
	agencies AgencyPaths
	loc      *time.Location
	now      func() time.Time
}

// NewService returns a Service for calendars in loc (VietnamLocation if nil).
func NewService(d *db.DB, log *audit.Log, agencies AgencyPaths, loc *time.Location, now func() time.Time) *Service {
	if loc == nil {
		loc = VietnamLocation()
	}
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, audit: log, agencies: agencies, loc: loc, now: now}
}

// Location is the time zone of every calendar.
func (s *Service) Location() *time.Location { return s.loc }

// Stored is an exception as stored, with its scope.
type Stored struct {
	ID       int64
	AgencyID int64 // 0 = every agency
	Exception
	Shipped bool
}

const seedKey = "calendar.shipped_holidays"

// SeedShipped stores the holidays shipped with this binary that the
// database does not have yet. A dataset is applied once (its hash is
// remembered), so a holiday an administrator deleted is not brought back on
// the next start, while a newer binary's additional years are added.
func (s *Service) SeedShipped(ctx context.Context, ex []Exception) (int, error) {
	const op = "calendar.SeedShipped"
	h := sha256.New()
	for _, e := range ex {
		h.Write([]byte(e.Date.String() + e.Kind.String() + e.NameVI + "\n"))
	}
	sum := hex.EncodeToString(h.Sum(nil))
	added := 0
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		seen, _, err := db.Setting(ctx, tx, seedKey)
		if err != nil {
			return err
		}
		if strings.Contains(seen, sum) {
			return nil
		}
		at := s.now()
		now := db.T(at)
		for _, e := range ex {
			res, err := tx.ExecContext(ctx, `INSERT INTO calendar_exceptions (agency_id, day, kind, name_vi, name_en, source, shipped, created_at)
				SELECT NULL, ?, ?, ?, ?, ?, TRUE, ? WHERE NOT EXISTS (SELECT 1 FROM calendar_exceptions WHERE agency_id IS NULL AND day = ?)`,
				e.Date.String(), e.Kind.String(), e.NameVI, e.NameEN, e.Source, now, e.Date.String())
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			added += int(n)
		}
		return db.SetSetting(ctx, tx, seedKey, seen+sum+" ", at)
	})
	return added, errs.Wrap(op, err)
}

// List returns the exceptions that apply to the agency (national ones and
// its own; agencyID 0 gives only national ones) in the year range, by date.
func (s *Service) List(ctx context.Context, agencyID int64, fromYear, toYear int) ([]Stored, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, COALESCE(agency_id, 0), day, kind, name_vi, name_en, source, shipped
		FROM calendar_exceptions WHERE (agency_id IS NULL OR agency_id = ?) AND day >= ? AND day < ? ORDER BY day, agency_id`,
		agencyID, Date{fromYear, 1, 1}.String(), Date{toYear + 1, 1, 1}.String())
	if err != nil {
		return nil, errs.Wrap("calendar.List", err)
	}
	defer rows.Close()
	var out []Stored
	for rows.Next() {
		var st Stored
		var day, kind string
		if err := rows.Scan(&st.ID, &st.AgencyID, &day, &kind, &st.NameVI, &st.NameEN, &st.Source, &st.Shipped); err != nil {
			return nil, errs.Wrap("calendar.List", err)
		}
		if st.Date, err = ParseDate(day); err != nil {
			return nil, errs.Wrap("calendar.List", err)
		}
		if err := st.Kind.UnmarshalText([]byte(kind)); err != nil {
			return nil, errs.Wrap("calendar.List", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// Calendar builds the working calendar of an agency: national exceptions,
// overridden by the agency's own on the same day, and its working hours
// (DefaultHours if none).
func (s *Service) Calendar(ctx context.Context, agencyID int64, hours []Span) (*Calendar, error) {
	rows, err := s.List(ctx, agencyID, 1900, 9998)
	if err != nil {
		return nil, err
	}
	byDay := map[Date]Exception{}
	for _, r := range rows {
		if _, ok := byDay[r.Date]; !ok || r.AgencyID != 0 {
			byDay[r.Date] = r.Exception
		}
	}
	ex := make([]Exception, 0, len(byDay))
	for _, e := range byDay {
		ex = append(ex, e)
	}
	if len(hours) == 0 {
		hours = DefaultHours()
	}
	c, err := New(s.loc, hours, ex)
	return c, errs.Wrap("calendar.Calendar", err)
}

// Input is what an administrator enters to add holidays or make-up days:
// one row per day from From to To inclusive.
type Input struct {
	AgencyID int64 // 0 = every agency (platform administrators only)
	From, To string
	Kind     string // "holiday" or "workday"
	NameVI   string
	NameEN   string
	Source   string
}

// maxRange bounds one entry; the longest holiday (Tết) is nine days.
const maxRange = 31

// Add stores the days of in, all or none.
func (s *Service) Add(ctx context.Context, p *authz.Principal, in Input) ([]Stored, error) {
	const op = "calendar.Add"
	var v errs.Validation
	from, err := ParseDate(strings.TrimSpace(in.From))
	if err != nil {
		v.Add("from", "field.date")
	}
	to := from
	if strings.TrimSpace(in.To) != "" {
		if to, err = ParseDate(strings.TrimSpace(in.To)); err != nil {
			v.Add("to", "field.date")
		}
	}
	if !v.Has("from") && !v.Has("to") {
		switch {
		case to.Before(from):
			v.Add("to", "calendar.end_before_start")
		case from.AddDays(maxRange).Before(to) || from.AddDays(maxRange) == to:
			v.Add("to", "calendar.range_too_long", maxRange)
		}
	}
	var kind ExceptionKind
	if err := kind.UnmarshalText([]byte(in.Kind)); err != nil {
		v.Add("kind", "calendar.kind.invalid")
	}
	in.NameVI, in.NameEN, in.Source = strings.TrimSpace(in.NameVI), strings.TrimSpace(in.NameEN), strings.TrimSpace(in.Source)
	if in.NameVI == "" {
		v.Add("name_vi", "field.required")
	}
	if err := v.Err(op); err != nil {
		return nil, err
	}
	obj := authz.Object{}
	if in.AgencyID != 0 {
		path, err := s.agencies.PathOf(ctx, in.AgencyID)
		if err != nil {
			return nil, errs.Wrap(op, err)
		}
		obj.AgencyPath = path
	}
	if err := authz.Authorize(op, p, authz.ManageCalendar, obj); err != nil {
		return nil, err
	}
	// A make-up working day only makes sense on a weekend, a holiday only on
	// a day that would otherwise be worked — or a weekend, for the record.
	for d := from; !to.Before(d); d = d.AddDays(1) {
		if kind == Workday && d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			v.Add("from", "calendar.workday_not_weekend", d.String())
			return nil, v.Err(op)
		}
	}
	var out []Stored
	var agency any
	if in.AgencyID != 0 {
		agency = in.AgencyID
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		now := db.T(s.now())
		for d := from; !to.Before(d); d = d.AddDays(1) {
			var id int64
			err := tx.QueryRowContext(ctx, `INSERT INTO calendar_exceptions (agency_id, day, kind, name_vi, name_en, source, shipped, created_at)
				VALUES (?, ?, ?, ?, ?, ?, FALSE, ?) RETURNING id`, agency, d.String(), kind.String(), in.NameVI, in.NameEN, in.Source, now).Scan(&id)
			if db.IsUniqueViolation(err) {
				v.Add("from", "calendar.day_taken", d.String())
				return v.Err(op)
			}
			if err != nil {
				return errs.Wrap(op, err)
			}
			out = append(out, Stored{ID: id, AgencyID: in.AgencyID, Exception: Exception{Date: d, Kind: kind, NameVI: in.NameVI, NameEN: in.NameEN, Source: in.Source}})
		}
		return s.audit.Record(ctx, tx, audit.Entry{Actor: p.Actor(), Action: "calendar.add", ObjectType: "calendar",
			ObjectID: scopeID(in.AgencyID), Summary: map[string]any{"after": map[string]any{"from": from.String(), "to": to.String(),
				"kind": kind.String(), "name_vi": in.NameVI, "source": in.Source}}})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Delete removes one stored exception.
func (s *Service) Delete(ctx context.Context, p *authz.Principal, id int64) error {
	const op = "calendar.Delete"
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		var agencyID int64
		var day, kind, name string
		err := tx.QueryRowContext(ctx, `SELECT COALESCE(agency_id, 0), day, kind, name_vi FROM calendar_exceptions WHERE id = ?`, id).Scan(&agencyID, &day, &kind, &name)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(op, errs.NotFound, "calendar.not_found")
		}
		if err != nil {
			return errs.Wrap(op, err)
		}
		obj := authz.Object{}
		if agencyID != 0 {
			if obj.AgencyPath, err = s.agencies.PathOf(ctx, agencyID); err != nil {
				return errs.Wrap(op, err)
			}
		}
		if err := authz.Authorize(op, p, authz.ManageCalendar, obj); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM calendar_exceptions WHERE id = ?`, id); err != nil {
			return errs.Wrap(op, err)
		}
		return s.audit.Record(ctx, tx, audit.Entry{Actor: p.Actor(), Action: "calendar.delete", ObjectType: "calendar",
			ObjectID: scopeID(agencyID), Summary: map[string]any{"before": map[string]any{"day": day, "kind": kind, "name_vi": name}}})
	})
}

func scopeID(agencyID int64) string {
	if agencyID == 0 {
		return "national"
	}
	return "agency:" + strconv.FormatInt(agencyID, 10)
}
