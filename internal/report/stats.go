package report

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/identity"
)

// Agencies is what reports need from the agency directory.
type Agencies interface {
	ByCode(ctx context.Context, code string) (agency.Agency, error)
	ByIDs(ctx context.Context, ids []int64) (map[int64]agency.Agency, error)
	Subtree(ctx context.Context, path string) ([]agency.Agency, error)
	List(ctx context.Context) ([]agency.Agency, error)
}

// Officials names the officials of figures per officer and the agency
// (unit) each works in.
type Officials interface {
	Officials(ctx context.Context, ids []int64) (map[int64]identity.Official, error)
}

// Service answers statistics questions.
type Service struct {
	db       *db.DB
	audit    *audit.Log
	agencies Agencies
	loc      *time.Location
	now      func() time.Time
	index    IndexConfig
	names    Officials
}

// SetOfficials installs the directory that names officers in figures per
// officer (Result.Officers).
func (s *Service) SetOfficials(o Officials) { s.names = o }

// NewService returns a Service counting days in loc.
func NewService(d *db.DB, ags Agencies, loc *time.Location, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, agencies: ags, loc: loc, now: now, index: DefaultIndexConfig()}
}

// Today is the current local day.
func (s *Service) Today() calendar.Date { return calendar.DateIn(s.now(), s.loc) }

// Groupings of statistics rows.
const (
	ByNone      = ""
	ByAgency    = "agency"
	ByProcedure = "procedure"
	ByField     = "field"
	ByOfficer   = "officer"
	ByMonth     = "month" // reporting months (15th to 14th)
	ByDay       = "day"
)

// Groups lists the groupings.
var Groups = []string{ByNone, ByAgency, ByProcedure, ByField, ByOfficer, ByMonth, ByDay}

// Query selects dossiers for statistics.
type Query struct {
	Agency    string // agency code: the agency and its sub-tree; "" = the whole platform
	Tier      string // only agencies of this tier (level) in the sub-tree; "" = all
	Procedure string
	Field     string
	Officer   int64
	Period    Period
	Group     string
}

// Figures are the statistics of a set of dossiers over a period. Counts of
// the period are by the day of the event: received on the day of
// acceptance, resolved and withdrawn on the day processing ended,
// returned on the day of return, rated on the day of the rating. States
// (carried over, in progress, overdue) are at the start or the end of the
// period.
type Figures struct {
	CarriedOver           int64   `json:"carried_over"` // received before the period and still in progress at its start
	Received              int64   `json:"received"`
	ReceivedCounter       int64   `json:"received_counter"`
	ReceivedPost          int64   `json:"received_post"`
	ReceivedOnline        int64   `json:"received_online"`
	ReceivedOnlineFull    int64   `json:"received_online_full"`    // toàn trình
	ReceivedOnlinePartial int64   `json:"received_online_partial"` // một phần
	Resolved              int64   `json:"resolved"`                // results, refusals after appraisal included
	Early                 int64   `json:"early"`
	OnTime                int64   `json:"on_time"`
	Late                  int64   `json:"late"`
	Refusals              int64   `json:"refusals"`
	Withdrawn             int64   `json:"withdrawn"`
	Returned              int64   `json:"returned"`
	Rejected              int64   `json:"rejected"` // refused at reception: never received
	InProgress            int64   `json:"in_progress"`
	InProgressOnTime      int64   `json:"in_progress_on_time"` // within the deadline (or paused) at the end
	Overdue               int64   `json:"overdue"`             // past the deadline at the end of the period
	Digitized             int64   `json:"digitized"`           // received with a component digitised
	Reused                int64   `json:"reused"`              // received with a component reused from the data store
	WithFee               int64   `json:"with_fee"`
	PaidOnline            int64   `json:"paid_online"`
	Electronic            int64   `json:"electronic"` // resolved with an electronic result
	RatedSatisfied        int64   `json:"rated_satisfied"`
	RatedNeutral          int64   `json:"rated_neutral"`
	RatedUnsatisfied      int64   `json:"rated_unsatisfied"`
	WorkDaysSum           float64 `json:"work_days_sum"`  // of the resolved
	LegalDaysSum          float64 `json:"legal_days_sum"` // of the resolved
}

// add sums one stat row's period counters into f.
func (f *Figures) add(c *counts) {
	f.ReceivedCounter += c[cRecvCounter]
	f.ReceivedPost += c[cRecvPost]
	f.ReceivedOnlineFull += c[cRecvOnlineFull]
	f.ReceivedOnlinePartial += c[cRecvOnlinePartial]
	f.Digitized += c[cRecvDigitized]
	f.Reused += c[cRecvReused]
	f.WithFee += c[cRecvWithFee]
	f.PaidOnline += c[cRecvPaidOnline]
	f.Early += c[cResEarly]
	f.OnTime += c[cResOnTime]
	f.Late += c[cResLate]
	f.Refusals += c[cResRefusal]
	f.Electronic += c[cResElectronic]
	f.WorkDaysSum += float64(c[cResWorkUWD]) / 1e6
	f.LegalDaysSum += float64(c[cResLegalUWD]) / 1e6
	f.Withdrawn += c[cWithdrawn]
	f.Rejected += c[cRejected]
	f.Returned += c[cReturned]
	f.RatedSatisfied += c[cRatedSatisfied]
	f.RatedNeutral += c[cRatedNeutral]
	f.RatedUnsatisfied += c[cRatedUnsatisfied]
}

// finish derives the totals.
func (f *Figures) finish() {
	f.ReceivedOnline = f.ReceivedOnlineFull + f.ReceivedOnlinePartial
	f.Received = f.ReceivedCounter + f.ReceivedPost + f.ReceivedOnline
	f.Resolved = f.Early + f.OnTime + f.Late
	f.InProgressOnTime = f.InProgress - f.Overdue
}

// Plus returns the sum of two sets of figures (of disjoint dossiers).
func (f Figures) Plus(g Figures) Figures {
	f.CarriedOver += g.CarriedOver
	f.InProgress += g.InProgress
	f.Overdue += g.Overdue
	c := g.asCounts()
	f.add(&c)
	f.finish()
	return f
}

func (f Figures) asCounts() counts {
	var c counts
	c[cRecvCounter], c[cRecvPost], c[cRecvOnlineFull], c[cRecvOnlinePartial] = f.ReceivedCounter, f.ReceivedPost, f.ReceivedOnlineFull, f.ReceivedOnlinePartial
	c[cRecvDigitized], c[cRecvReused], c[cRecvWithFee], c[cRecvPaidOnline] = f.Digitized, f.Reused, f.WithFee, f.PaidOnline
	c[cResEarly], c[cResOnTime], c[cResLate], c[cResRefusal], c[cResElectronic] = f.Early, f.OnTime, f.Late, f.Refusals, f.Electronic
	c[cResWorkUWD], c[cResLegalUWD] = micro(f.WorkDaysSum), micro(f.LegalDaysSum)
	c[cWithdrawn], c[cRejected], c[cReturned] = f.Withdrawn, f.Rejected, f.Returned
	c[cRatedSatisfied], c[cRatedNeutral], c[cRatedUnsatisfied] = f.RatedSatisfied, f.RatedNeutral, f.RatedUnsatisfied
	return c
}

// OnTimeRate is (early + on time) / resolved, in [0, 1]; ok is false when
// nothing was resolved.
func (f Figures) OnTimeRate() (float64, bool) { return ratio(f.Early+f.OnTime, f.Resolved) }

// OnlineRate is received online / received.
func (f Figures) OnlineRate() (float64, bool) { return ratio(f.ReceivedOnline, f.Received) }

// Count is the figure named metric (one of Metrics, the JSON names);
// known is false for any other name.
func (f Figures) Count(metric string) (n int64, known bool) {
	switch metric {
	case "carried_over":
		return f.CarriedOver, true
	case "received":
		return f.Received, true
	case "received_counter":
		return f.ReceivedCounter, true
	case "received_post":
		return f.ReceivedPost, true
	case "received_online":
		return f.ReceivedOnline, true
	case "received_online_full":
		return f.ReceivedOnlineFull, true
	case "received_online_partial":
		return f.ReceivedOnlinePartial, true
	case "resolved":
		return f.Resolved, true
	case "early":
		return f.Early, true
	case "on_time":
		return f.OnTime, true
	case "late":
		return f.Late, true
	case "refusals":
		return f.Refusals, true
	case "withdrawn":
		return f.Withdrawn, true
	case "returned":
		return f.Returned, true
	case "rejected":
		return f.Rejected, true
	case "in_progress":
		return f.InProgress, true
	case "in_progress_on_time":
		return f.InProgressOnTime, true
	case "overdue":
		return f.Overdue, true
	case "digitized":
		return f.Digitized, true
	case "reused":
		return f.Reused, true
	case "with_fee":
		return f.WithFee, true
	case "paid_online":
		return f.PaidOnline, true
	case "electronic":
		return f.Electronic, true
	case "rated_satisfied":
		return f.RatedSatisfied, true
	case "rated_neutral":
		return f.RatedNeutral, true
	case "rated_unsatisfied":
		return f.RatedUnsatisfied, true
	}
	return 0, false
}

// PaymentRate is fees paid online / dossiers with fees asked.
func (f Figures) PaymentRate() (float64, bool) { return ratio(f.PaidOnline, f.WithFee) }

// SatisfactionRate is satisfied ratings / ratings.
func (f Figures) SatisfactionRate() (float64, bool) {
	return ratio(f.RatedSatisfied, f.RatedSatisfied+f.RatedNeutral+f.RatedUnsatisfied)
}

// AvgWorkDays is the average processing time of the resolved dossiers, in
// working days, and AvgLegalDays their average legal time.
func (f Figures) AvgWorkDays() (float64, bool) { return avg(f.WorkDaysSum, f.Resolved) }

// AvgLegalDays is the average legal time of the resolved dossiers.
func (f Figures) AvgLegalDays() (float64, bool) { return avg(f.LegalDaysSum, f.Resolved) }

func ratio(a, b int64) (float64, bool) {
	if b == 0 {
		return 0, false
	}
	return float64(a) / float64(b), true
}

func avg(sum float64, n int64) (float64, bool) {
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}

// Row is the figures of one group.
type Row struct {
	Key string // agency id, procedure code, field code, officer id, or the period's first day
	Figures
}

// Result is the answer to a Query.
type Result struct {
	Query    Query
	Scope    []agency.Agency // the agencies counted
	Total    Figures
	Rows     []Row
	Officers map[int64]string // names of the officers of rows per officer
	Units    map[int64]int64  // the agency (unit) each of those officers works in
	Asked    time.Time
}

// scope resolves the query's agencies and checks that p may see them.
func (s *Service) scope(ctx context.Context, op string, p *authz.Principal, q Query) ([]agency.Agency, error) {
	path, root, err := s.resolve(ctx, op, q)
	if err != nil {
		return nil, err
	}
	if !authz.Can(p, authz.ReadStats, authz.Object{AgencyPath: path}) {
		if !authz.CanSomewhere(p, authz.ReadStats) {
			return nil, errs.E(op, errs.Forbidden, "error.forbidden")
		}
		return nil, errs.E(op, errs.Forbidden, "report.agency.forbidden")
	}
	return byTier(root, q.Tier), nil
}

// resolve finds the query's agency (path "" for the whole platform) and
// its sub-tree.
func (s *Service) resolve(ctx context.Context, op string, q Query) (string, []agency.Agency, error) {
	if q.Agency == "" {
		all, err := s.agencies.List(ctx)
		if err != nil {
			return "", nil, errs.Wrap(op, err)
		}
		return "", all, nil
	}
	a, err := s.agencies.ByCode(ctx, q.Agency)
	if errs.Is(err, errs.NotFound) {
		return "", nil, errs.E(op, errs.Invalid, "report.agency.unknown", q.Agency)
	}
	if err != nil {
		return "", nil, errs.Wrap(op, err)
	}
	root, err := s.agencies.Subtree(ctx, a.Path)
	if err != nil {
		return "", nil, errs.Wrap(op, err)
	}
	return a.Path, root, nil
}

func byTier(as []agency.Agency, tier string) []agency.Agency {
	if tier == "" {
		return as
	}
	var out []agency.Agency
	for _, a := range as {
		if a.Tier == tier {
			out = append(out, a)
		}
	}
	return out
}

// where builds the filter on stat_days or dossier_facts.
func where(q Query, scope []agency.Agency) (string, []any) {
	var conds []string
	var args []any
	// The whole platform, every tier: no filter on the agency at all.
	if q.Agency != "" || q.Tier != "" {
		ids := []int64{0} // no agency in scope: matches nothing
		if len(scope) > 0 {
			ids = make([]int64, len(scope))
			for i, a := range scope {
				ids[i] = a.ID
			}
		}
		// Integer ids from the directory, not user input: inlined, so
		// that a province's hundreds of agencies do not become hundreds
		// of parameters.
		conds = append(conds, "agency_id IN ("+idList(ids)+")")
	}
	if q.Procedure != "" {
		conds, args = append(conds, "procedure_code = ?"), append(args, q.Procedure)
	}
	if q.Field != "" {
		conds, args = append(conds, "field_code = ?"), append(args, q.Field)
	}
	if q.Officer != 0 {
		conds, args = append(conds, "officer_id = ?"), append(args, q.Officer)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " AND " + strings.Join(conds, " AND "), args
}

// Stats computes the figures of a query.
func (s *Service) Stats(ctx context.Context, p *authz.Principal, q Query) (Result, error) {
	const op = "report.Stats"
	if err := checkQuery(op, q); err != nil {
		return Result{}, err
	}
	scope, err := s.scope(ctx, op, p, q)
	if err != nil {
		return Result{}, err
	}
	return s.compute(ctx, op, q, scope)
}

// Public computes, with no principal, the figures anyone may see: those
// of an agency's sub-tree (or of the platform) in total or by agency, as
// the national portal publishes them (DESIGN §3.5). They are counts of
// dossiers without personal data; figures per officer, procedure or day
// are not published views and are refused.
func (s *Service) Public(ctx context.Context, q Query) (Result, error) {
	const op = "report.Public"
	if q.Officer != 0 || (q.Group != ByNone && q.Group != ByAgency) {
		return Result{}, errs.E(op, errs.Invalid, "report.public.scope")
	}
	if err := checkQuery(op, q); err != nil {
		return Result{}, err
	}
	_, root, err := s.resolve(ctx, op, q)
	if err != nil {
		return Result{}, err
	}
	return s.compute(ctx, op, q, byTier(root, q.Tier))
}

func checkQuery(op string, q Query) error {
	if !slices.Contains(Groups, q.Group) {
		return errs.E(op, errs.Invalid, "report.group.unknown", q.Group)
	}
	_, err := Range(q.Period.From, q.Period.To)
	return err
}

// compute sums the figures of a query over its resolved scope.
func (s *Service) compute(ctx context.Context, op string, q Query, scope []agency.Agency) (Result, error) {
	res := Result{Query: q, Scope: scope, Asked: s.now()}
	var err error
	if q.Group != ByNone {
		if res.Rows, err = s.sum(ctx, q, scope); err != nil {
			return Result{}, errs.Wrap(op, err)
		}
	}
	switch q.Group {
	case ByAgency, ByProcedure, ByField, ByOfficer:
		// Each daily row is in exactly one group: the total is their sum.
		for _, r := range res.Rows {
			res.Total = res.Total.Plus(r.Figures)
		}
	default:
		// A time series' states are per bucket; the total's are the
		// period's own.
		total := q
		total.Group = ByNone
		rows, err := s.sum(ctx, total, scope)
		if err != nil {
			return Result{}, errs.Wrap(op, err)
		}
		if len(rows) == 1 {
			res.Total = rows[0].Figures
		}
	}
	if q.Group == ByOfficer && s.names != nil {
		var ids []int64
		for _, r := range res.Rows {
			if id, _ := strconv.ParseInt(r.Key, 10, 64); id != 0 {
				ids = append(ids, id)
			}
		}
		officials, err := s.names.Officials(ctx, ids)
		if err != nil {
			return Result{}, errs.Wrap(op, err)
		}
		res.Officers, res.Units = map[int64]string{}, map[int64]int64{}
		for id, o := range officials {
			res.Officers[id], res.Units[id] = o.Name, o.AgencyID
		}
	}
	return res, nil
}

// sum runs the two sums behind every figure: the period's counters, and
// the state deltas from the beginning of time (carried over, in progress,
// overdue), grouped.
func (s *Service) sum(ctx context.Context, q Query, scope []agency.Agency) ([]Row, error) {
	cond, args := where(q, scope)
	from, to := dayNum(q.Period.From), dayNum(q.Period.To)
	groupCol := map[string]string{ByNone: "0", ByAgency: "agency_id", ByProcedure: "procedure_code", ByField: "field_code",
		ByOfficer: "officer_id", ByMonth: "day", ByDay: "day"}[q.Group]
	sums := make([]string, nCounters)
	for i, c := range counterCols {
		sums[i] = "SUM(" + c + ")"
	}
	rows := map[string]*Row{}
	row := func(key string) *Row {
		r := rows[key]
		if r == nil {
			r = &Row{Key: key}
			rows[key] = r
		}
		return r
	}
	groupBy := " GROUP BY " + groupCol
	if q.Group == ByNone {
		groupBy = ""
	}
	key := func(g string) string {
		if q.Group == ByNone {
			return ""
		}
		if q.Group == ByMonth {
			d, _ := strconv.ParseInt(g, 10, 64)
			return Current(Month, dateOfNum(d)).From.String()
		}
		if q.Group == ByDay {
			d, _ := strconv.ParseInt(g, 10, 64)
			return dateOfNum(d).String()
		}
		return g
	}
	// The period's counts.
	err := s.query(ctx, `SELECT `+groupCol+`, `+strings.Join(sums, ", ")+` FROM stat_days WHERE day BETWEEN ? AND ?`+cond+groupBy,
		append([]any{from, to}, args...), func(g string, c *counts) {
			row(key(g)).add(c)
		})
	if err != nil {
		return nil, err
	}
	// The states: what was open before the period, open and overdue at
	// its end; a time series needs them for every bucket.
	if q.Group == ByMonth || q.Group == ByDay {
		if err := s.series(ctx, q, cond, args, row, key); err != nil {
			return nil, err
		}
	} else {
		err = s.query(ctx, `SELECT `+groupCol+`, SUM(CASE WHEN day < ? THEN open_delta ELSE 0 END), SUM(open_delta), SUM(overdue_delta)
			FROM stat_days WHERE day <= ?`+cond+groupBy, append([]any{from, to}, args...), func(g string, c *counts) {
			r := row(key(g))
			r.CarriedOver += c[0]
			r.InProgress += c[1]
			r.Overdue += c[2]
		})
		if err != nil {
			return nil, err
		}
	}
	if q.Group == ByNone && len(rows) == 0 {
		row("")
	}
	out := make([]Row, 0, len(rows))
	for _, r := range rows {
		r.finish()
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b Row) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// series fills the state figures of each bucket of a time series from the
// running sum of the daily deltas.
func (s *Service) series(ctx context.Context, q Query, cond string, args []any, row func(string) *Row, key func(string) string) error {
	type day struct {
		n             int64
		open, overdue int64
	}
	var days []day
	err := s.query(ctx, `SELECT day, 0, SUM(open_delta), SUM(overdue_delta) FROM stat_days WHERE day <= ?`+cond+` GROUP BY day ORDER BY day`,
		append([]any{dayNum(q.Period.To)}, args...), func(g string, c *counts) {
			n, _ := strconv.ParseInt(g, 10, 64)
			days = append(days, day{n, c[1], c[2]})
		})
	if err != nil {
		return err
	}
	// Buckets: every day of the period for days, every reporting month
	// for months; each gets the state before its first day and at its
	// last.
	var buckets []Period
	for d := q.Period.From; !d.After(q.Period.To); {
		var b Period
		if q.Group == ByDay {
			b = Period{From: d, To: d}
		} else {
			b = Current(Month, d)
			b.From = maxDate(b.From, q.Period.From)
			b.To = minDate(b.To, q.Period.To)
		}
		buckets = append(buckets, b)
		d = b.To.AddDays(1)
	}
	var open, overdue int64
	i := 0
	for _, b := range buckets {
		for ; i < len(days) && days[i].n < dayNum(b.From); i++ {
			open += days[i].open
			overdue += days[i].overdue
		}
		carried := open
		for ; i < len(days) && days[i].n <= dayNum(b.To); i++ {
			open += days[i].open
			overdue += days[i].overdue
		}
		r := row(key(strconv.FormatInt(dayNum(b.From), 10)))
		r.CarriedOver, r.InProgress, r.Overdue = carried, open, overdue
	}
	return nil
}

func maxDate(a, b calendar.Date) calendar.Date {
	if a.After(b) {
		return a
	}
	return b
}

func minDate(a, b calendar.Date) calendar.Date {
	if a.Before(b) {
		return a
	}
	return b
}

func dateOfNum(n int64) calendar.Date {
	return calendar.Date{Year: int(n / 10000), Month: time.Month(n / 100 % 100), Day: int(n % 100)}
}

// query runs a grouped sum and hands each row's group and counters to fn.
func (s *Service) query(ctx context.Context, sql string, args []any, fn func(string, *counts)) error {
	rows, err := s.db.QueryContext(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	for rows.Next() {
		var g any
		var c counts
		vals := make([]any, len(cols))
		vals[0] = &g
		nulls := make([]*int64, len(cols)-1)
		for i := range nulls {
			nulls[i] = new(int64)
			vals[i+1] = &nullInt{nulls[i]}
		}
		if err := rows.Scan(vals...); err != nil {
			return err
		}
		for i, v := range nulls {
			c[i] = *v
		}
		fn(groupString(g), &c)
	}
	return rows.Err()
}

func groupString(g any) string {
	switch v := g.(type) {
	case []byte:
		return string(v)
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case nil:
		return ""
	}
	return fmt.Sprint(g)
}

// nullInt scans an integer sum that may be NULL (no rows) or, on
// PostgreSQL, a numeric.
type nullInt struct{ p *int64 }

func (n *nullInt) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n.p = 0
	case int64:
		*n.p = v
	case []byte:
		return n.parse(string(v))
	case string:
		return n.parse(v)
	case float64:
		*n.p = int64(v)
	default:
		return fmt.Errorf("report: cannot scan %T as a count", src)
	}
	return nil
}

func (n *nullInt) parse(s string) error {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("report: count %q: %w", s, err)
	}
	*n.p = v
	return nil
}
