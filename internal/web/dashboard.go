package web

import (
	"cmp"
	"html/template"
	"net/http"
	"slices"
	"strconv"

	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/report"
)

// chartBlock is one chart of the dashboard with the table beside it.
type chartBlock struct {
	ID, Title, Desc string
	SVG             template.HTML
	Head            []string   // the table's column headers after the first
	Rows            [][]string // first cell the row's label
	Links           []string   // optional link of each row's label
}

// overdueByUnit adds up the officers' overdue dossiers by the unit each
// officer works in (a division of a department, the People's Committee of
// a ward): figures are the processing agency's, so the unit is the
// officer's. Dossiers nobody was put in charge of make a row of their own.
func overdueByUnit(p *Page, byOfficer report.Result) chartBlock {
	names := map[int64]string{}
	for _, a := range byOfficer.Scope {
		names[a.ID] = a.Name(string(p.Lang))
	}
	type unit struct {
		key                 string
		overdue, inProgress int64
	}
	units := map[int64]*unit{}
	for _, row := range byOfficer.Rows {
		id, _ := strconv.ParseInt(row.Key, 10, 64)
		u := byOfficer.Units[id] // 0: unassigned
		x := units[u]
		if x == nil {
			x = &unit{key: strconv.FormatInt(u, 10)}
			units[u] = x
		}
		x.overdue += row.Overdue
		x.inProgress += row.InProgress
	}
	var list []*unit
	for _, x := range units {
		if x.overdue > 0 {
			list = append(list, x)
		}
	}
	slices.SortFunc(list, func(a, b *unit) int { return cmp.Or(cmp.Compare(b.overdue, a.overdue), cmp.Compare(a.key, b.key)) })
	b := chartBlock{ID: "overdue_unit", Title: p.T("dashboard.overdue_unit"), Desc: p.T("dashboard.overdue_unit_desc"),
		Head: []string{p.T("stats.m.overdue"), p.T("stats.m.in_progress")}}
	var labels []string
	var vals []float64
	for _, x := range list {
		id, _ := strconv.ParseInt(x.key, 10, 64)
		label := names[id]
		switch {
		case id == 0:
			label = p.T("dashboard.unassigned")
		case label == "":
			label = x.key
		}
		labels, vals = append(labels, label), append(vals, float64(x.overdue))
		b.Rows = append(b.Rows, []string{label, p.Num(x.overdue), p.Num(x.inProgress)})
	}
	b.SVG = barChart(b.ID, b.Title, b.Desc, labels, vals, 0, func(x float64) string { return p.Num(int64(x)) })
	return b
}

// dashboardPage is the leaders' view: received against resolved over the
// period, the agencies ranked by their on-time rate, the dossiers overdue
// now by agency, by unit and by officer, and the online, online-payment and
// satisfaction rates. Charts are SVG drawn here; each has its data table.
func (s *Server) dashboardPage(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "dashboard.title")
	pr, ok := s.statsStart(w, r, p)
	if !ok {
		return
	}
	p.with("Action", "/office/dashboard").with("NoGroup", true).with("Compact", true)
	q, err := s.statsQuery(r, pr, p, p.Data["Filter"].(statsFilter), report.Year)
	if err != nil {
		s.statsFail(w, r, err, "dashboard", p)
		return
	}
	ctx := r.Context()
	// Over time: months, or days for a period of two months or less.
	series := q
	series.Group = report.ByMonth
	if !q.Period.From.AddDays(62).Before(q.Period.To) {
		series.Group = report.ByDay
	}
	flow, err := s.cfg.Reports.Stats(ctx, pr, series)
	if err != nil {
		s.statsFail(w, r, err, "dashboard", p)
		return
	}
	byAgency := q
	byAgency.Group = report.ByAgency
	agencies, err := s.cfg.Reports.Stats(ctx, pr, byAgency)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	// Overdue now: the state at the end of today, whatever the period.
	today := s.cfg.Reports.Today()
	now := q
	now.Period = report.Period{From: today, To: today}
	now.Group = report.ByAgency
	overA, err := s.cfg.Reports.Stats(ctx, pr, now)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	now.Group = report.ByOfficer
	overO, err := s.cfg.Reports.Stats(ctx, pr, now)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	v, err := s.newStatsView(r, p, byAgency, agencies)
	if err != nil {
		s.fail(w, r, errs.Wrap("web.dashboard", err), "", p)
		return
	}
	count := func(x float64) string { return p.Num(int64(x)) }
	pct := func(x float64) string { return p.Dec(x, 0) + "%" }
	var blocks []chartBlock

	// Received against resolved.
	fv := &statsView{Q: series, page: p}
	b := chartBlock{ID: "flow", Title: p.T("dashboard.flow"), Desc: p.T("dashboard.flow_desc"),
		Head: []string{p.T("stats.m.received"), p.T("stats.m.resolved")}}
	if series.Group == report.ByDay {
		b.Title, b.Desc = p.T("dashboard.flow_day"), p.T("dashboard.flow_day_desc")
	}
	var labels []string
	recv, res := chartSeries{Name: p.T("stats.m.received")}, chartSeries{Name: p.T("stats.m.resolved")}
	for _, row := range flow.Rows {
		l := fv.Label(row.Key)
		short := l
		if series.Group == report.ByMonth && len(l) == 7 {
			short = l[5:] + "/" + l[2:4]
		} else if series.Group == report.ByDay && len(row.Key) == 10 {
			short = row.Key[8:] + "/" + row.Key[5:7]
		}
		labels = append(labels, short)
		recv.Values = append(recv.Values, float64(row.Received))
		res.Values = append(res.Values, float64(row.Resolved))
		b.Rows = append(b.Rows, []string{l, p.Num(row.Received), p.Num(row.Resolved)})
	}
	b.SVG = columnChart(b.ID, b.Title, b.Desc, labels, []chartSeries{recv, res}, count)
	blocks = append(blocks, b)

	// On-time rate by agency, ranked.
	type ranked struct {
		key, label string
		rate       float64
		resolved   int64
	}
	var rs []ranked
	for _, row := range agencies.Rows {
		if rate, ok := row.OnTimeRate(); ok {
			rs = append(rs, ranked{row.Key, v.Label(row.Key), rate * 100, row.Resolved})
		}
	}
	slices.SortStableFunc(rs, func(a, b ranked) int { return cmp.Or(cmp.Compare(b.rate, a.rate), cmp.Compare(a.label, b.label)) })
	b = chartBlock{ID: "ontime", Title: p.T("dashboard.on_time"), Desc: p.T("dashboard.on_time_desc"),
		Head: []string{p.T("dashboard.percent"), p.T("stats.m.resolved")}}
	labels = nil
	var vals []float64
	for _, x := range rs {
		labels, vals = append(labels, x.label), append(vals, x.rate)
		b.Rows = append(b.Rows, []string{x.label, p.Dec(x.rate, 1), p.Num(x.resolved)})
		b.Links = append(b.Links, v.RowLink("/office/stats", x.key))
	}
	b.SVG = barChart(b.ID, b.Title, b.Desc, labels, vals, 100, pct)
	blocks = append(blocks, b)

	// Overdue now, by agency and by officer.
	for _, o := range []struct {
		id  string
		res report.Result
	}{{"overdue_agency", overA}, {"overdue_officer", overO}} {
		ov := &statsView{Q: o.res.Query, Res: o.res, page: p, names: map[string]string{}}
		for _, a := range o.res.Scope {
			ov.names["a"+strconv.FormatInt(a.ID, 10)] = a.Name(string(p.Lang))
			ov.names["c"+strconv.FormatInt(a.ID, 10)] = a.Code.String()
		}
		// The lists behind these bars are of today's state.
		ov.base = v.filter()
		ov.base.Del("period")
		ov.base.Set("from", today.String())
		ov.base.Set("to", today.String())
		rows := slices.Clone(o.res.Rows)
		rows = slices.DeleteFunc(rows, func(r report.Row) bool { return r.Overdue == 0 })
		slices.SortStableFunc(rows, func(a, b report.Row) int { return cmp.Compare(b.Overdue, a.Overdue) })
		b = chartBlock{ID: o.id, Title: p.T("dashboard." + o.id), Desc: p.T("dashboard." + o.id + "_desc"),
			Head: []string{p.T("stats.m.overdue"), p.T("stats.m.in_progress")}}
		labels, vals = nil, nil
		for _, row := range rows {
			l := ov.Label(row.Key)
			labels, vals = append(labels, l), append(vals, float64(row.Overdue))
			b.Rows = append(b.Rows, []string{l, p.Num(row.Overdue), p.Num(row.InProgress)})
			b.Links = append(b.Links, ov.Link("overdue", row.Key, true))
		}
		b.SVG = barChart(b.ID, b.Title, b.Desc, labels, vals, 0, count)
		blocks = append(blocks, b)
	}
	blocks = append(blocks, overdueByUnit(p, overO))

	// Online, online payment, satisfaction.
	t := agencies.Total
	b = chartBlock{ID: "rates", Title: p.T("dashboard.rates"), Desc: p.T("dashboard.rates_desc"), Head: []string{p.T("dashboard.percent")}}
	labels, vals = nil, nil
	for _, x := range []struct {
		key    string
		rate   func() (float64, bool)
		metric string
	}{
		{"stats.online_rate", t.OnlineRate, "received_online"},
		{"stats.payment_rate", t.PaymentRate, "paid_online"},
		{"stats.satisfaction_rate", t.SatisfactionRate, "rated_satisfied"},
	} {
		rate, ok := x.rate()
		labels, vals = append(labels, p.T(x.key)), append(vals, rate*100)
		b.Rows = append(b.Rows, []string{p.T(x.key), p.Pct(rate, ok)})
		b.Links = append(b.Links, v.Link(x.metric, "", false))
	}
	b.SVG = barChart(b.ID, b.Title, b.Desc, labels, vals, 100, pct)
	blocks = append(blocks, b)

	s.render(w, r, "dashboard", p.with("View", v).with("Blocks", blocks))
}
