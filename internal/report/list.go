package report

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

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

// openRow is a dossier open at a past day, with its current state.
type openRow struct {
	id           int64
	open, paused bool
	due, changed time.Time
}

// openAt lists, newest first, the dossiers of the query that were open
// at the end of day at: those still open now, and those closed after that
// day. The second kind are found by their day of receipt, in a window
// before the day that widens until as many dossiers are found as the
// daily counts say were open; searching all receipts up to the day would
// read most of the table for a day in the past.
func (s *Service) openAt(ctx context.Context, q Query, scope []agency.Agency, at calendar.Date) ([]openRow, error) {
	day := dayNum(at)
	filter, fargs := where(q, scope, q.Agency == "" && q.Tier == "")
	var want int64
	err := s.query(ctx, `SELECT 0, SUM(open_delta) FROM stat_days WHERE day <= ?`+filter, append([]any{day}, fargs...),
		func(_ string, c *counts) { want = c[0] })
	if err != nil {
		return nil, err
	}
	still, err := s.openRows(ctx, `closed_day IS NULL AND received_day <= ?`+filter, append([]any{day}, fargs...))
	if err != nil {
		return nil, err
	}
	var closed []openRow
	for _, back := range []int{31, 183, 731, 3653, -1} {
		cond, args := "received_day <= ? AND closed_day > ?", []any{day, day}
		if back > 0 {
			cond += " AND received_day >= ?"
			args = append(args, dayNum(at.AddDays(-back)))
		}
		// Closed since: open then, changed after; only the ids matter.
		ids, err := s.ids(ctx, `SELECT dossier_id FROM dossier_facts WHERE `+cond+filter, append(args, fargs...)...)
		if err != nil {
			return nil, err
		}
		closed = closed[:0]
		for _, id := range ids {
			closed = append(closed, openRow{id: id, open: true})
		}
		if int64(len(still)+len(closed)) >= want {
			break
		}
	}
	out := append(still, closed...)
	slices.SortFunc(out, func(a, b openRow) int { return cmp.Compare(b.id, a.id) })
	return out, nil
}

func (s *Service) openRows(ctx context.Context, where string, args []any) ([]openRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT dossier_id, is_open, paused, due_at, changed_at FROM dossier_facts WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []openRow
	for rows.Next() {
		var o openRow
		var due, changed db.Time
		if err := rows.Scan(&o.id, &o.open, &o.paused, &due, &changed); err != nil {
			return nil, err
		}
		o.due, o.changed = due.Time, changed.Time
		out = append(out, o)
	}
	return out, rows.Err()
}

// Item is one dossier of a list behind a figure: no personal data.
type Item struct {
	ID            int64
	Code          string
	ProcedureCode string
	ProcedureName string
	Status        dossier.Status
	Channel       string
	ReceivedAt    time.Time
	DueAt         time.Time
	FinishedAt    time.Time
	Timeliness    string
}

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
	filter, fargs := where(q, scope, q.Agency == "" && q.Tier == "")
	args = append(args, fargs...)
	page = max(page, 0)
	var ids []int64
	switch metric {
	case "carried_over", "in_progress", "in_progress_on_time", "overdue":
		// The dossiers open at a day: found by their day of receipt,
		// looking further back until as many as the counts say are found.
		at := q.Period.To
		if metric == "carried_over" {
			at = q.Period.From.AddDays(-1)
		}
		var open []openRow
		open, err = s.openAt(ctx, q, scope, at)
		if err != nil {
			break
		}
		var over map[int64]bool
		if metric == "in_progress_on_time" || metric == "overdue" {
			over, err = s.overdueAt(ctx, open, at)
		}
		for _, o := range open {
			if metric == "carried_over" || metric == "in_progress" || over[o.id] == (metric == "overdue") {
				ids = append(ids, o.id)
			}
		}
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

func idList(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

// overdueAt tells which of the dossiers open at the end of day at were
// past the deadline then in force, and not paused. A dossier unchanged
// since before that moment is as it is now; the others have their events
// replayed up to it.
func (s *Service) overdueAt(ctx context.Context, open []openRow, at calendar.Date) (map[int64]bool, error) {
	end := at.AddDays(1).In(s.loc)
	endDay := dayNum(at)
	out := map[int64]bool{}
	var replay []int64
	for _, o := range open {
		if !o.changed.IsZero() && o.changed.Before(end) {
			out[o.id] = o.open && !o.paused && !o.due.IsZero() && dayOf(o.due, s.loc) <= endDay
		} else {
			replay = append(replay, o.id)
		}
	}
	for len(replay) > 0 {
		batch := replay[:min(len(replay), 500)]
		replay = replay[len(batch):]
		rows, err := s.db.QueryContext(ctx, `SELECT dossier_id, to_status, due_after FROM dossier_events
			WHERE dossier_id IN (`+idList(batch)+`) AND at < ? ORDER BY dossier_id, id`, db.T(end))
		if err != nil {
			return nil, err
		}
		type state struct {
			status string
			due    time.Time
		}
		states := map[int64]*state{}
		for rows.Next() {
			var id int64
			var st string
			var due db.Time
			if err := rows.Scan(&id, &st, &due); err != nil {
				rows.Close()
				return nil, err
			}
			x := states[id]
			if x == nil {
				x = &state{}
				states[id] = x
			}
			x.status = st
			if !due.Time.IsZero() {
				x.due = due.Time
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
		for id, x := range states {
			out[id] = !dossier.Status(x.status).Paused() && !x.due.IsZero() && dayOf(x.due, s.loc) <= endDay
		}
	}
	return out, nil
}

// items reads the public columns of dossiers, in the order of ids.
func (s *Service) items(ctx context.Context, ids []int64) ([]Item, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, COALESCE(code, ''), procedure_code, procedure_name, status, channel,
		received_at, due_at, finished_at, timeliness FROM dossiers WHERE id IN (`+idList(ids)+`)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := map[int64]Item{}
	for rows.Next() {
		var it Item
		var rec, due, fin db.Time
		if err := rows.Scan(&it.ID, &it.Code, &it.ProcedureCode, &it.ProcedureName, &it.Status, &it.Channel, &rec, &due, &fin, &it.Timeliness); err != nil {
			return nil, err
		}
		it.ReceivedAt, it.DueAt, it.FinishedAt = rec.Time, due.Time, fin.Time
		byID[it.ID] = it
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Item, 0, len(ids))
	for _, id := range ids {
		if it, ok := byID[id]; ok {
			out = append(out, it)
		}
	}
	return out, nil
}
