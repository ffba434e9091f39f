package report

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/dossier"
	"github.com/motcua/motcua/internal/errs"
)

// Metrics are the figures whose dossiers can be listed, by their JSON names.
var Metrics = []string{"carried_over", "received", "received_counter", "received_post", "received_online",
	"received_online_full", "received_online_partial", "resolved", "early", "on_time", "late", "refusals", "withdrawn",
	"returned", "rejected", "in_progress", "in_progress_on_time", "overdue", "digitized", "reused", "with_fee",
	"paid_online", "electronic", "rated_satisfied", "rated_neutral", "rated_unsatisfied"}

// metricWhere is the condition on dossier_facts that selects the dossiers
// behind a figure; the same definitions as the counts (facts.go).
func metricWhere(m string, from, to int64) (string, []any) {
	in := func(col string) (string, []any) { return col + " BETWEEN ? AND ?", []any{from, to} }
	open := func() (string, []any) {
		return "received_day <= ? AND (closed_day IS NULL OR closed_day > ?)", []any{to, to}
	}
	switch m {
	case "carried_over":
		return "received_day < ? AND (closed_day IS NULL OR closed_day >= ?)", []any{from, from}
	case "received":
		return in("received_day")
	case "received_counter", "received_post":
		c, a := in("received_day")
		return c + " AND channel = ?", append(a, strings.TrimPrefix(m, "received_"))
	case "received_online":
		c, a := in("received_day")
		return c + " AND channel = 'online'", a
	case "received_online_full":
		c, a := in("received_day")
		return c + " AND channel = 'online' AND online_full", a
	case "received_online_partial":
		c, a := in("received_day")
		return c + " AND channel = 'online' AND NOT online_full", a
	case "digitized", "reused", "with_fee", "paid_online":
		c, a := in("received_day")
		return c + " AND " + m, a
	case "resolved":
		c, a := in("closed_day")
		return c + " AND outcome <> 'stop'", a
	case "early", "on_time", "late":
		c, a := in("closed_day")
		return c + " AND outcome <> 'stop' AND timeliness = ?", append(a, m)
	case "refusals":
		c, a := in("closed_day")
		return c + " AND outcome = 'refusal'", a
	case "electronic":
		c, a := in("closed_day")
		return c + " AND outcome = 'result' AND electronic", a
	case "withdrawn":
		c, a := in("closed_day")
		return c + " AND outcome = 'stop'", a
	case "returned":
		return in("returned_day")
	case "rejected":
		return in("rejected_day")
	case "rated_satisfied", "rated_neutral", "rated_unsatisfied":
		c, a := in("rated_day")
		return c + " AND rating = ?", append(a, strings.TrimPrefix(m, "rated_"))
	case "in_progress", "in_progress_on_time", "overdue":
		return open()
	}
	return "", nil
}

// openList returns the first n dossiers, newest received first, of those
// open at the end of day at (carried_over, in_progress) or, among them,
// of those then overdue or not (overdue, in_progress_on_time). It reads
// the open dossiers a batch at a time, newest first, and stops when it
// has n: a page costs what it shows, not the thousands of dossiers open
// at a busy province's period end.
func (s *Service) openList(ctx context.Context, q Query, scope []agency.Agency, at calendar.Date, metric string, n int) ([]int64, error) {
	var out []int64
	for limit := 4 * n; ; limit *= 4 {
		open, all, err := s.openAt(ctx, q, scope, at, limit)
		if err != nil {
			return nil, err
		}
		out = out[:0]
		var over map[int64]bool
		if metric == "overdue" || metric == "in_progress_on_time" {
			if over, err = s.overdueAt(ctx, open, at); err != nil {
				return nil, err
			}
		}
		for _, o := range open {
			if metric == "carried_over" || metric == "in_progress" || over[o.Dossier] == (metric == "overdue") {
				out = append(out, o.Dossier)
			}
		}
		if len(out) >= n || all {
			return out, nil
		}
	}
}

// openAt returns the newest limit dossiers (by day of receipt, then
// number) of the query that were open at the end of day at: those still
// open now, and those closed after that day; all reports whether there
// are no more. Both are read backwards along an index on the day of
// receipt from that day, so the first ones come at once.
func (s *Service) openAt(ctx context.Context, q Query, scope []agency.Agency, at calendar.Date, limit int) (rows []fact, all bool, err error) {
	day := dayNum(at)
	filter, fargs := where(q, scope)
	// SQLite, without statistics, would take the index of all closing
	// days for "closed_day IS NULL" and sort every open dossier; the
	// partial index of the open ones, by day of receipt, is the one.
	from := "dossier_facts"
	if s.db.Dialect() == db.SQLite {
		from = "dossier_facts INDEXED BY dossier_facts_still_open"
	}
	still, err := s.facts(ctx, from, `closed_day IS NULL AND received_day <= ?`+filter, append([]any{day}, fargs...), limit)
	if err != nil {
		return nil, false, err
	}
	closed, err := s.facts(ctx, "dossier_facts", `received_day <= ? AND closed_day > ?`+filter, append([]any{day, day}, fargs...), limit)
	if err != nil {
		return nil, false, err
	}
	rows = append(still, closed...)
	slices.SortFunc(rows, func(a, b fact) int {
		return cmp.Or(cmp.Compare(b.ReceivedDay, a.ReceivedDay), cmp.Compare(b.Dossier, a.Dossier))
	})
	all = len(still) < limit && len(closed) < limit
	if len(rows) > limit {
		// Beyond the limit, one of the two lists may be missing rows that
		// come before the other's: keep only what both have covered.
		rows = rows[:limit]
	}
	return rows, all, nil
}

func (s *Service) facts(ctx context.Context, from, where string, args []any, limit int) ([]fact, error) {
	return s.states(ctx, `SELECT `+stateCols+` FROM `+from+` WHERE `+where+
		` ORDER BY received_day DESC, dossier_id DESC LIMIT ?`, append(args, limit)...)
}

// stateCols are the columns of a facts row that tell whether its dossier
// was overdue at a past day (fact.overdueOn).
const stateCols = `dossier_id, received_day, is_open, paused, due_at, changed_at, overdue_from, overdue_to, overdue_runs`

// states reads facts rows by a query that selects stateCols.
func (s *Service) states(ctx context.Context, query string, args ...any) ([]fact, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fact
	for rows.Next() {
		var f fact
		var due, changed db.Time
		var received, runFrom, runTo, runs sql.NullInt64 // received: NULL for dossiers refused at the desk
		if err := rows.Scan(&f.Dossier, &received, &f.Open, &f.Paused, &due, &changed, &runFrom, &runTo, &runs); err != nil {
			return nil, err
		}
		f.ReceivedDay, f.Due, f.Changed = received.Int64, due.Time, changed.Time
		f.RunFrom, f.RunTo, f.Runs = runFrom.Int64, runTo.Int64, runsOrUnknown(runs)
		out = append(out, f)
	}
	return out, rows.Err()
}

// Item is one dossier of a list behind a figure: no personal data.
type Item = dossier.Summary

// ListPage is at most this many dossiers.
const ListPage = 50

// Dossiers lists the dossiers behind one figure of a query, newest first,
// a page at a time (page from 0). more reports whether another page
// follows.
func (s *Service) Dossiers(ctx context.Context, p *authz.Principal, q Query, metric string, page int) (items []Item, more bool, err error) {
	const op = "report.Dossiers"
	if !slices.Contains(Metrics, metric) {
		return nil, false, errs.E(op, errs.Invalid, "report.metric.unknown", metric)
	}
	if _, err := Range(q.Period.From, q.Period.To); err != nil {
		return nil, false, err
	}
	scope, err := s.scope(ctx, op, p, q)
	if err != nil {
		return nil, false, err
	}
	cond, args := metricWhere(metric, dayNum(q.Period.From), dayNum(q.Period.To))
	filter, fargs := where(q, scope)
	args = append(args, fargs...)
	page = max(page, 0)
	var ids []int64
	switch metric {
	case "carried_over", "in_progress", "in_progress_on_time", "overdue":
		at := q.Period.To
		if metric == "carried_over" {
			at = q.Period.From.AddDays(-1)
		}
		ids, err = s.openList(ctx, q, scope, at, metric, (page+1)*ListPage+1)
		lo := min(page*ListPage, len(ids))
		ids = ids[lo:min(lo+ListPage+1, len(ids))]
	default:
		// Newest first by the day of the event the figure counts (the
		// column every condition of a count starts with): read backwards
		// along that day's index, the first page stops early, where
		// ordering by number alone would sort every match of the period.
		day, _, _ := strings.Cut(cond, " ")
		ids, err = s.ids(ctx, `SELECT dossier_id FROM dossier_facts WHERE `+cond+filter+` ORDER BY `+day+` DESC, dossier_id DESC LIMIT ? OFFSET ?`,
			append(args, ListPage+1, page*ListPage)...)
	}
	if err != nil {
		return nil, false, errs.Wrap(op, err)
	}
	if len(ids) > ListPage {
		ids, more = ids[:ListPage], true
	}
	items, err = s.items(ctx, ids)
	if err != nil {
		return nil, false, errs.Wrap(op, err)
	}
	return items, more, nil
}

func (s *Service) ids(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// idList inlines integer ids (never user input) into an IN list.
func idList(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

// overdueAt tells which of the dossiers open at the end of day at were
// past the deadline then in force, and not paused. Their facts rows tell
// (the current state's projection and the last run of overdue days);
// the few they cannot tell (several runs, or facts older than the runs)
// have their events replayed up to that moment.
func (s *Service) overdueAt(ctx context.Context, open []fact, at calendar.Date) (map[int64]bool, error) {
	end := at.AddDays(1).In(s.loc)
	endDay := dayNum(at)
	out := map[int64]bool{}
	var replay []int64
	for _, o := range open {
		if over, known := o.overdueOn(endDay, s.loc); known {
			out[o.Dossier] = over
		} else {
			replay = append(replay, o.Dossier)
		}
	}
	for len(replay) > 0 {
		batch := replay[:min(len(replay), 500)]
		replay = replay[len(batch):]
		last := map[int64]dossier.StateChange{}
		err := dossier.StateChanges(ctx, s.db, batch, end, func(c dossier.StateChange) {
			if c.Due.IsZero() {
				c.Due = last[c.Dossier].Due
			}
			last[c.Dossier] = c
		})
		if err != nil {
			return nil, err
		}
		for id, c := range last {
			out[id] = !c.Status.Paused() && !c.Due.IsZero() && dayOf(c.Due, s.loc) <= endDay
		}
	}
	return out, nil
}

// items reads the public columns of dossiers, in the order of ids.
func (s *Service) items(ctx context.Context, ids []int64) ([]Item, error) {
	return dossier.Summaries(ctx, s.db, ids)
}
