package dossier

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/db"
)

// Facts is what the statistics need to know of a dossier after a change:
// where it counts, how it came in, how it ended. The recorder compares it
// with what it knew before and adjusts its counts in the same transaction,
// so that a period's figures never drift from the dossiers behind them.
type Facts struct {
	DossierID  int64
	Agency     int64  // the processing agency: the one the figures are about
	Procedure  string // procedure code
	Field      string // the procedure's field (lĩnh vực)
	Officer    int64  // the official last put in charge (assign, claim); 0 keeps the one recorded
	Channel    string // counter, post, online
	OnlineFull bool   // online, for a procedure offered fully online (toàn trình)
	Received   time.Time
	Closed     time.Time // processing ended: a result, a refusal or a withdrawal
	Outcome    string    // result, refusal, stop (withdrawn)
	Timeliness Timeliness
	WorkDays   float64 // working days the processing took, pauses excluded, from the clock's last (re)start
	LegalDays  float64 // the legal time, in working days
	Electronic bool    // the result was issued as an electronic file
	Digitized  bool    // a component was digitised at reception
	Reused     bool    // a component was taken from the applicant's data store
	WithFee    bool    // fees were asked for (a payment request): the catalogue's fees are often waived or optional
	PaidOnline bool    // and paid online
	Returned   time.Time
	Rejected   time.Time // refused at reception (never received)
	Rating     string
	Rated      time.Time
	Open       bool // received and still being processed
	Paused     bool // waiting for the applicant (supplement, payment)
	Due        time.Time
}

// FactsRecorder keeps the statistics in step with dossiers, inside the
// transaction of each change. at is the time of the change.
type FactsRecorder interface {
	Record(ctx context.Context, tx *db.Tx, f Facts, at time.Time) error
}

// SetFacts installs the statistics' recorder.
func (s *Service) SetFacts(r FactsRecorder) { s.facts = r }

// recordFacts hands the dossier's facts after action a to the recorder.
// A dossier that was never received nor refused at the desk is not in the
// statistics yet.
func (x *actx) recordFacts(a Action) error {
	var officer int64
	if a == Assign || a == Claim {
		officer = x.d.AssigneeID
	}
	return x.recordFactsAs(officer)
}

// factsOf is what the statistics know of d from its row and its
// procedure, with the official in charge (0: keep the one recorded); the
// caller adds what its files, payments, rating and processing time say.
func factsOf(d *Dossier, ver catalog.Version, c *catalog.Case, cal *calendar.Calendar, officer int64) Facts {
	f := Facts{
		DossierID: d.ID, Agency: d.ProcessingAgency, Procedure: d.ProcedureCode, Field: ver.Doc.Field, Officer: officer, Channel: d.Channel,
		OnlineFull: d.Channel == "online" && ver.Doc.OnlineLevel == catalog.OnlineFull,
		Received:   d.ReceivedAt, Outcome: d.ResultKind, Timeliness: d.Timeliness, Returned: d.ReturnedAt,
		Open: !d.ReceivedAt.IsZero() && d.Status.Active(), Paused: d.Status.Paused(), Due: d.DueAt,
		LegalDays: legalDays(c.Time, cal),
	}
	if d.Status == Rejected {
		// Terminal: the refusal's time is the row's last update.
		f.Rejected, f.Open = d.UpdatedAt, false
	}
	if !d.ReceivedAt.IsZero() {
		f.Closed = d.FinishedAt
	}
	return f
}

// recordFactsAs records the facts with the official in charge (0: keep the
// one recorded).
func (x *actx) recordFactsAs(officer int64) error {
	d := x.d
	if x.s.facts == nil || (d.ReceivedAt.IsZero() && d.Status != Rejected) {
		return nil
	}
	f := factsOf(d, x.ver, x.c, x.clock.Cal, officer)
	q := `SELECT
		COALESCE(MAX(CASE WHEN kind IN ('component', 'supplement') AND digitized THEN 1 ELSE 0 END), 0),
		COALESCE(MAX(CASE WHEN kind IN ('component', 'supplement') AND reused THEN 1 ELSE 0 END), 0),
		COALESCE(MAX(CASE WHEN kind = 'result' THEN 1 ELSE 0 END), 0),
		(SELECT COUNT(*) FROM dossier_pauses WHERE dossier_id = ? AND kind = 'payment')
		FROM dossier_files WHERE dossier_id = ?`
	var dig, reu, res, pay int
	if err := x.tx.QueryRowContext(x.ctx, q, d.ID, d.ID).Scan(&dig, &reu, &res, &pay); err != nil {
		return err
	}
	f.Digitized, f.Reused = dig == 1, reu == 1
	f.Electronic = res == 1 && d.ResultKind == "result"
	f.WithFee = pay > 0
	if !f.Closed.IsZero() && d.ResultKind != "stop" {
		days, err := x.workDays()
		if err != nil {
			return err
		}
		f.WorkDays = days
	}
	if d.Status == Returned {
		var rating string
		var at db.Time
		err := x.tx.QueryRowContext(x.ctx, `SELECT rating, at FROM dossier_ratings WHERE dossier_id = ?`, d.ID).Scan(&rating, &at)
		if err == nil {
			f.Rating, f.Rated = rating, at.Time
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	return x.s.facts.Record(x.ctx, x.tx, f, x.now)
}

// workDays is how long processing took in working days on the receiving
// agency's calendar: from the start of the clock in force (reception, or
// the return of the complete dossier after a supplement, which restarts
// it) to the end, without the pauses (payment) in between.
func (x *actx) workDays() (float64, error) {
	d := x.d
	rows, err := x.tx.QueryContext(x.ctx, `SELECT kind, started_at, ended_at FROM dossier_pauses WHERE dossier_id = ? ORDER BY id`, d.ID)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	from := d.ReceivedAt
	var pauses []calendar.Interval
	for rows.Next() {
		var kind string
		var start, end db.Time
		if err := rows.Scan(&kind, &start, &end); err != nil {
			return 0, err
		}
		if end.Time.IsZero() {
			end.Time = d.FinishedAt
		}
		if kind == "supplement" {
			from, pauses = end.Time, nil
			continue
		}
		pauses = append(pauses, calendar.Interval{Start: start.Time, End: end.Time})
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	return x.clock.Cal.WorkingDaysBetween(x.clock.Start(from), d.FinishedAt, pauses), nil
}

// legalDays is a legal time in working days.
func legalDays(t catalog.Duration, cal *calendar.Calendar) float64 {
	switch t.Unit {
	case catalog.WithinDay:
		return 1
	case catalog.WorkingHours:
		return float64(time.Duration(t.Value)*time.Hour) / float64(cal.DayLength())
	}
	return float64(t.Value)
}

// RebuildFacts gives the statistics the dossiers they do not know yet:
// those received before the statistics existed (a database migrated to
// them), or left behind by a recorder installed late. Each dossier's facts
// are its current state, recorded as of its last change; what its past
// looked like in between (how many days it was overdue before that change)
// is not reconstructed, so periods before the rebuild may count fewer
// overdue dossiers than they had. It does nothing when every dossier is
// known. Once a pass has found every dossier known it says so in the
// settings, and later starts skip the search, which reads every dossier.
func (s *Service) RebuildFacts(ctx context.Context) (int, error) {
	if s.facts == nil {
		return 0, nil
	}
	const done = "dossier.facts_rebuilt"
	if _, ok, err := db.Setting(ctx, s.db, done); ok || err != nil {
		return 0, err
	}
	n := 0
	for {
		rows, err := s.db.QueryContext(ctx, `SELECT d.id FROM dossiers d LEFT JOIN dossier_facts f ON f.dossier_id = d.id
			WHERE f.dossier_id IS NULL AND (d.received_at IS NOT NULL OR d.status = 'rejected') ORDER BY d.id LIMIT 500`)
		if err != nil {
			return n, err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return n, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return n, err
		}
		if len(ids) == 0 {
			return n, db.SetSetting(ctx, s.db, done, "1", s.now())
		}
		for _, id := range ids {
			err := s.db.Tx(ctx, func(tx *db.Tx) error {
				d, err := getDossier(ctx, tx, `WHERE id = ?`+tx.Dialect().ForUpdate(), id)
				if err != nil {
					return err
				}
				ver, err := s.catalog.Published(ctx, d.ProcedureCode, d.ProcedureVersion)
				if err != nil {
					return err
				}
				c, ok := CaseOf(ver, d.CaseCode)
				if !ok {
					return fmt.Errorf("dossier %d: case %s not in %s version %d", d.ID, d.CaseCode, d.ProcedureCode, d.ProcedureVersion)
				}
				ag, err := s.agencies.Get(ctx, d.ReceivingAgency)
				if err != nil {
					return err
				}
				clock, err := s.clock(ctx, ag)
				if err != nil {
					return err
				}
				var officer int64
				// The official last put in charge, as recorded by the events.
				var data string
				err = tx.QueryRowContext(ctx, `SELECT data FROM dossier_events WHERE dossier_id = ? AND action IN ('assign', 'claim') AND data <> ''
					ORDER BY id DESC LIMIT 1`, d.ID).Scan(&data)
				if err == nil {
					var v struct {
						Assignee int64 `json:"assignee"`
					}
					if json.Unmarshal([]byte(data), &v) == nil {
						officer = v.Assignee
					}
				} else if !errors.Is(err, sql.ErrNoRows) {
					return err
				}
				x := &actx{s: s, ctx: ctx, tx: tx, d: &d, c: c, ver: ver, clock: clock, now: d.UpdatedAt, receiving: ag}
				return x.recordFactsAs(officer)
			})
			if err != nil {
				return n, fmt.Errorf("statistics of dossier %d: %w", id, err)
			}
			n++
		}
	}
}

// StateChange is what one event did to a dossier's state, as the
// statistics replay it: the status after it, the deadline it set (zero:
// unchanged), and whether the dossier had been received by then.
type StateChange struct {
	Dossier  int64
	At       time.Time
	Status   Status
	Due      time.Time
	Received bool
}

// StateChanges calls fn with the events of the dossiers ids (before the
// instant before, unless it is zero), a dossier after another, each in
// order.
func StateChanges(ctx context.Context, q db.Querier, ids []int64, before time.Time, fn func(StateChange)) error {
	if len(ids) == 0 {
		return nil
	}
	marks, args := db.In(ids)
	cond := ""
	if !before.IsZero() {
		cond, args = " AND e.at < ?", append(args, db.T(before))
	}
	rows, err := q.QueryContext(ctx, `SELECT e.dossier_id, e.at, e.to_status, e.due_after, d.received_at
		FROM dossier_events e JOIN dossiers d ON d.id = e.dossier_id
		WHERE e.dossier_id IN (`+marks+`)`+cond+` ORDER BY e.dossier_id, e.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c StateChange
		var at, due, received db.Time
		if err := rows.Scan(&c.Dossier, &at, &c.Status, &due, &received); err != nil {
			return err
		}
		c.At, c.Due = at.Time, due.Time
		c.Received = !received.Time.IsZero() && !at.Time.Before(received.Time)
		fn(c)
	}
	return rows.Err()
}
