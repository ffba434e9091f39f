package report

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/dossier"
)

// The daily counters, in the order of stat_days' columns.
const (
	cRecvCounter = iota
	cRecvPost
	cRecvOnlineFull
	cRecvOnlinePartial
	cRecvDigitized
	cRecvReused
	cRecvWithFee
	cRecvPaidOnline
	cResEarly
	cResOnTime
	cResLate
	cResRefusal
	cResElectronic
	cResWorkUWD
	cResLegalUWD
	cWithdrawn
	cRejected
	cReturned
	cRatedSatisfied
	cRatedNeutral
	cRatedUnsatisfied
	cOpenDelta
	cOverdueDelta
	nCounters
)

var counterCols = [nCounters]string{
	"recv_counter", "recv_post", "recv_online_full", "recv_online_partial", "recv_digitized", "recv_reused",
	"recv_with_fee", "recv_paid_online", "res_early", "res_on_time", "res_late", "res_refusal", "res_electronic",
	"res_work_uwd", "res_legal_uwd", "withdrawn", "rejected", "returned", "rated_satisfied", "rated_neutral",
	"rated_unsatisfied", "open_delta", "overdue_delta",
}

// counts is one stat_days row's counters.
type counts [nCounters]int64

// statKey is one stat_days row.
type statKey struct {
	Day       int64
	Agency    int64
	Procedure string
	Field     string
	Officer   int64
}

func compareKeys(a, b statKey) int {
	return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.Agency, b.Agency),
		cmp.Compare(a.Procedure, b.Procedure), cmp.Compare(a.Field, b.Field), cmp.Compare(a.Officer, b.Officer))
}

// fact is a dossier_facts row: dossier.Facts with days instead of instants,
// which is all the counts depend on (and the deadline, for overdue).
type fact struct {
	Dossier                                            int64
	Agency                                             int64
	Procedure, Field                                   string
	Officer                                            int64
	Channel                                            string
	OnlineFull                                         bool
	ReceivedDay, ClosedDay, ReturnedDay, RejectedDay   int64
	RatedDay                                           int64
	Outcome, Timeliness, Rating                        string
	WorkUWD, LegalUWD                                  int64 // millionths of a working day
	Electronic, Digitized, Reused, WithFee, PaidOnline bool
	Open, Paused                                       bool
	Due                                                time.Time
	Changed                                            time.Time // the last change: the state has held since
	// The last run of days the dossier was overdue before its last change,
	// [RunFrom, RunTo), and how many runs it has had; Runs < 0: not known
	// (facts recorded before runs were kept). See overdueOn.
	RunFrom, RunTo, Runs int64
}

// micro is a number of working days in millionths: exact for the halves,
// quarters and sixteenths of a day that working hours give, and within half
// a second for any minute.
func micro(days float64) int64 { return int64(math.Round(days * 1e6)) }

// contribution is what one dossier adds to the daily counts, given that
// its state has held since time at (dayAt, in the platform's zone). Every
// part but the overdue one depends on the dossier's state only; the
// overdue part is "overdue from the day of the deadline, or from today if
// that day is past", so that the difference of two contributions at the
// same instant ends the old projection and starts the new one (see
// Recorder.Record).
func (f *fact) contribution(dayAt int64, loc *time.Location) delta {
	out := delta{}
	add := func(day int64, c int, n int64) {
		k := statKey{day, f.Agency, f.Procedure, f.Field, f.Officer}
		v := out[k]
		if v == nil {
			v = new(counts)
			out[k] = v
		}
		v[c] += n
	}
	if f.RejectedDay != 0 {
		add(f.RejectedDay, cRejected, 1)
	}
	if f.ReceivedDay == 0 {
		return out
	}
	r := f.ReceivedDay
	switch {
	case f.Channel == "post":
		add(r, cRecvPost, 1)
	case f.Channel == "online" && f.OnlineFull:
		add(r, cRecvOnlineFull, 1)
	case f.Channel == "online":
		add(r, cRecvOnlinePartial, 1)
	default:
		add(r, cRecvCounter, 1)
	}
	for c, on := range map[int]bool{cRecvDigitized: f.Digitized, cRecvReused: f.Reused, cRecvWithFee: f.WithFee, cRecvPaidOnline: f.PaidOnline} {
		if on {
			add(r, c, 1)
		}
	}
	add(r, cOpenDelta, 1)
	if c := f.ClosedDay; c != 0 {
		add(c, cOpenDelta, -1)
		if f.Outcome == "stop" {
			add(c, cWithdrawn, 1)
		} else {
			switch dossier.Timeliness(f.Timeliness) {
			case dossier.Early:
				add(c, cResEarly, 1)
			case dossier.Late:
				add(c, cResLate, 1)
			default:
				add(c, cResOnTime, 1)
			}
			if f.Outcome == "refusal" {
				add(c, cResRefusal, 1)
			}
			if f.Electronic {
				add(c, cResElectronic, 1)
			}
			add(c, cResWorkUWD, f.WorkUWD)
			add(c, cResLegalUWD, f.LegalUWD)
		}
	}
	if f.ReturnedDay != 0 {
		add(f.ReturnedDay, cReturned, 1)
	}
	switch f.Rating {
	case "satisfied":
		add(f.RatedDay, cRatedSatisfied, 1)
	case "neutral":
		add(f.RatedDay, cRatedNeutral, 1)
	case "unsatisfied":
		add(f.RatedDay, cRatedUnsatisfied, 1)
	}
	if f.Open && !f.Paused && !f.Due.IsZero() {
		add(max(f.dueDay(loc), dayAt), cOverdueDelta, 1)
	}
	return out
}

// projection is the first day from which the current state counts the
// dossier overdue (the deadline's day, or the day of the last change if
// that is later); ok is false when it does not (closed, paused, no
// deadline).
func (f *fact) projection(loc *time.Location) (day int64, ok bool) {
	if !f.Open || f.Paused || f.Due.IsZero() {
		return 0, false
	}
	return max(f.dueDay(loc), dayOf(f.Changed, loc)), true
}

// carryRuns gives f, the facts after a change on day dayAt, the runs of
// overdue days of before (the facts until then; found false: none): the
// days its projection had reached by then are history now, a run of
// their own or the continuation of the last one.
func (f *fact) carryRuns(before *fact, found bool, dayAt int64, loc *time.Location) {
	if !found {
		f.RunFrom, f.RunTo, f.Runs = 0, 0, 0
		return
	}
	f.RunFrom, f.RunTo, f.Runs = before.RunFrom, before.RunTo, before.Runs
	if f.Runs < 0 {
		return
	}
	if p, ok := before.projection(loc); ok && p < dayAt {
		if f.Runs > 0 && f.RunTo == p {
			f.RunTo = dayAt
		} else {
			f.RunFrom, f.RunTo, f.Runs = p, dayAt, f.Runs+1
		}
	}
}

// overdueOn tells whether the dossier was overdue at the end of day d
// (counted as the daily counts count it); known is false when only a
// replay of its events can tell: runs not kept for it, or d before its
// last run and it has had others.
func (f *fact) overdueOn(d int64, loc *time.Location) (overdue, known bool) {
	if p, ok := f.projection(loc); ok && p <= d {
		return true, true
	}
	switch {
	case f.Runs < 0:
		// The state since the last change is all that is known.
		return false, dayOf(f.Changed, loc) <= d
	case f.Runs > 0 && f.RunFrom <= d && d < f.RunTo:
		return true, true
	case f.Runs > 1 && d < f.RunFrom:
		return false, false
	}
	return false, true
}

// dueDay is the first day at whose end the dossier is past its deadline:
// the deadline's own day (a deadline at 17:00 has passed by midnight).
func (f *fact) dueDay(loc *time.Location) int64 { return dayOf(f.Due, loc) }

// Recorder keeps dossier_facts and stat_days in step with dossiers; the
// dossier service calls it inside the transaction of every change.
type Recorder struct {
	loc *time.Location
}

// NewRecorder returns a Recorder that counts days in loc, the platform's
// time zone.
func NewRecorder(loc *time.Location) *Recorder { return &Recorder{loc: loc} }

// Record implements dossier.FactsRecorder: it compares the new facts with
// the stored ones and adds the difference of their contributions to the
// daily counts. Contributions at the same instant differ only where the
// state changed, so a change that moves nothing writes nothing but the
// facts row; the rows are written in key order, so that two transactions
// never wait for each other's rows in opposite orders.
func (r *Recorder) Record(ctx context.Context, tx *db.Tx, in dossier.Facts, at time.Time) error {
	before, found, err := loadFact(ctx, tx, in.DossierID)
	if err != nil {
		return fmt.Errorf("report: facts of dossier %d: %w", in.DossierID, err)
	}
	after, d := change(before, found, in, at, r.loc)
	for _, k := range d.keys() {
		if err := addCounts(ctx, tx, k, d[k]); err != nil {
			return fmt.Errorf("report: counts of dossier %d: %w", in.DossierID, err)
		}
	}
	if err := saveFact(ctx, tx, &after); err != nil {
		return fmt.Errorf("report: facts of dossier %d: %w", in.DossierID, err)
	}
	return nil
}

// change is what a change of a dossier at instant at does: its facts
// after (from in, with the officer and the runs of overdue days carried
// from before, if found) and the difference it makes to the daily counts.
func change(before fact, found bool, in dossier.Facts, at time.Time, loc *time.Location) (fact, delta) {
	after := fromFacts(in, loc)
	after.Changed = at
	if after.Officer == 0 && found {
		after.Officer = before.Officer
	}
	dayAt := dayOf(at, loc)
	after.carryRuns(&before, found, dayAt, loc)
	d := after.contribution(dayAt, loc)
	if found {
		d.add(before.contribution(dayAt, loc), -1)
	}
	return after, d
}

// delta is a difference of daily counts, by row.
type delta map[statKey]*counts

// add adds sign times c to d.
func (d delta) add(c delta, sign int64) {
	for k, v := range c {
		x := d[k]
		if x == nil {
			x = new(counts)
			d[k] = x
		}
		for i := range v {
			x[i] += sign * v[i]
		}
	}
}

// keys are the rows d changes, in key order: rows are written in that
// order, so that two transactions never wait for each other's rows in
// opposite orders.
func (d delta) keys() []statKey {
	keys := make([]statKey, 0, len(d))
	for k, v := range d {
		if *v != (counts{}) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, compareKeys)
	return keys
}

func fromFacts(in dossier.Facts, loc *time.Location) fact {
	return fact{
		Dossier: in.DossierID, Agency: in.Agency, Procedure: in.Procedure, Field: in.Field, Officer: in.Officer,
		Channel: in.Channel, OnlineFull: in.OnlineFull,
		ReceivedDay: dayOf(in.Received, loc), ClosedDay: dayOf(in.Closed, loc),
		ReturnedDay: dayOf(in.Returned, loc), RejectedDay: dayOf(in.Rejected, loc), RatedDay: dayOf(in.Rated, loc),
		Outcome: in.Outcome, Timeliness: string(in.Timeliness), Rating: in.Rating,
		WorkUWD: micro(in.WorkDays), LegalUWD: micro(in.LegalDays),
		Electronic: in.Electronic, Digitized: in.Digitized, Reused: in.Reused, WithFee: in.WithFee, PaidOnline: in.PaidOnline,
		Open: in.Open, Paused: in.Paused, Due: in.Due,
	}
}

var addCountsSQL = func() string {
	cols := strings.Join(counterCols[:], ", ")
	marks := strings.Repeat(", ?", nCounters)
	sets := make([]string, nCounters)
	for i, c := range counterCols {
		sets[i] = c + " = stat_days." + c + " + excluded." + c
	}
	return `INSERT INTO stat_days (day, agency_id, procedure_code, field_code, officer_id, ` + cols + `) VALUES (?, ?, ?, ?, ?` + marks + `)
		ON CONFLICT (day, agency_id, procedure_code, field_code, officer_id) DO UPDATE SET ` + strings.Join(sets, ", ")
}()

func countArgs(k statKey, c *counts) []any {
	args := make([]any, 0, 5+nCounters)
	args = append(args, k.Day, k.Agency, k.Procedure, k.Field, k.Officer)
	for _, v := range c {
		args = append(args, v)
	}
	return args
}

func addCounts(ctx context.Context, tx *db.Tx, k statKey, c *counts) error {
	_, err := tx.ExecContext(ctx, addCountsSQL, countArgs(k, c)...)
	return err
}

const factCols = `dossier_id, agency_id, procedure_code, field_code, officer_id, channel, online_full, received_day, closed_day,
	outcome, timeliness, work_uwd, legal_uwd, electronic, digitized, reused, with_fee, paid_online, returned_day,
	rejected_day, rating, rated_day, is_open, paused, due_at, changed_at, overdue_from, overdue_to, overdue_runs`

func nullDay(d int64) any {
	if d == 0 {
		return nil
	}
	return d
}

func loadFact(ctx context.Context, q db.Querier, id int64) (fact, bool, error) {
	var f fact
	var rec, clo, ret, rej, rat sql.NullInt64
	var due, changed db.Time
	var runFrom, runTo, runs sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT `+factCols+` FROM dossier_facts WHERE dossier_id = ?`, id).Scan(
		&f.Dossier, &f.Agency, &f.Procedure, &f.Field, &f.Officer, &f.Channel, &f.OnlineFull, &rec, &clo,
		&f.Outcome, &f.Timeliness, &f.WorkUWD, &f.LegalUWD, &f.Electronic, &f.Digitized, &f.Reused, &f.WithFee, &f.PaidOnline, &ret,
		&rej, &f.Rating, &rat, &f.Open, &f.Paused, &due, &changed, &runFrom, &runTo, &runs)
	if errors.Is(err, sql.ErrNoRows) {
		return f, false, nil
	}
	f.ReceivedDay, f.ClosedDay, f.ReturnedDay, f.RejectedDay, f.RatedDay = rec.Int64, clo.Int64, ret.Int64, rej.Int64, rat.Int64
	f.Due, f.Changed = due.Time, changed.Time
	f.RunFrom, f.RunTo, f.Runs = runFrom.Int64, runTo.Int64, runsOrUnknown(runs)
	return f, err == nil, err
}

// saveFactSQL writes a facts row, new or known.
const saveFactSQL = `INSERT INTO dossier_facts (` + factCols + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (dossier_id) DO UPDATE SET agency_id = excluded.agency_id, procedure_code = excluded.procedure_code, field_code = excluded.field_code,
		officer_id = excluded.officer_id, channel = excluded.channel, online_full = excluded.online_full,
		received_day = excluded.received_day, closed_day = excluded.closed_day, outcome = excluded.outcome,
		timeliness = excluded.timeliness, work_uwd = excluded.work_uwd, legal_uwd = excluded.legal_uwd,
		electronic = excluded.electronic, digitized = excluded.digitized, reused = excluded.reused,
		with_fee = excluded.with_fee, paid_online = excluded.paid_online, returned_day = excluded.returned_day,
		rejected_day = excluded.rejected_day, rating = excluded.rating, rated_day = excluded.rated_day,
		is_open = excluded.is_open, paused = excluded.paused, due_at = excluded.due_at, changed_at = excluded.changed_at,
		overdue_from = excluded.overdue_from, overdue_to = excluded.overdue_to, overdue_runs = excluded.overdue_runs`

func (f *fact) args() []any {
	return []any{f.Dossier, f.Agency, f.Procedure, f.Field, f.Officer, f.Channel, f.OnlineFull, nullDay(f.ReceivedDay), nullDay(f.ClosedDay),
		f.Outcome, f.Timeliness, f.WorkUWD, f.LegalUWD, f.Electronic, f.Digitized, f.Reused, f.WithFee, f.PaidOnline, nullDay(f.ReturnedDay),
		nullDay(f.RejectedDay), f.Rating, nullDay(f.RatedDay), f.Open, f.Paused, db.T(f.Due), db.T(f.Changed),
		nullDay(f.RunFrom), nullDay(f.RunTo), nullRuns(f.Runs)}
}

// runsOrUnknown reads overdue_runs: NULL is not known (-1).
func runsOrUnknown(n sql.NullInt64) int64 {
	if !n.Valid {
		return -1
	}
	return n.Int64
}

func nullRuns(n int64) any {
	if n < 0 {
		return nil
	}
	return n
}

func saveFact(ctx context.Context, tx *db.Tx, f *fact) error {
	_, err := tx.ExecContext(ctx, saveFactSQL, f.args()...)
	return err
}
