package web

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/locale"
	"github.com/motcua/motcua/internal/report"
)

// The back office's statistics: the figures of a period with the
// dossiers behind each (this file), the 766 index (index766.go) and the
// leaders' dashboard (dashboard.go). They share one filter form. The
// report service decides who may see which agency; the pages only offer
// the agencies it would allow.

// statsSection is a block of figures on the page, by their metric names.
type statsSection struct {
	Key     string
	Metrics []string
}

var statsSections = []statsSection{
	{"received", []string{"carried_over", "received", "received_counter", "received_post", "received_online",
		"received_online_full", "received_online_partial", "rejected"}},
	{"resolved", []string{"resolved", "early", "on_time", "late", "refusals", "withdrawn", "returned"}},
	{"open", []string{"in_progress", "in_progress_on_time", "overdue"}},
	{"digital", []string{"digitized", "reused", "electronic", "with_fee", "paid_online"}},
	{"ratings", []string{"rated_satisfied", "rated_neutral", "rated_unsatisfied"}},
}

// Fig returns the figure named metric.
func (v *statsView) Fig(f report.Figures, metric string) int64 {
	n, _ := f.Count(metric)
	return n
}

// statsFilter is the filter form's choices.
type statsFilter struct {
	Agencies []agency.Agency // the agencies the user may see, in tree order
	Platform bool            // the user may choose the whole platform
	Tiers    []agency.Tier
	Fields   []catalog.FieldInfo
	Groups   []string
}

// statsView is what a statistics page shows, with the links behind the
// figures.
type statsView struct {
	Q     report.Query
	Res   report.Result
	base  url.Values // the filter, as links repeat it
	names map[string]string
	page  *Page
}

// filter loads the form's choices for pr.
func (s *Server) statsFilter(r *http.Request, pr *authz.Principal) (statsFilter, error) {
	mine, err := s.agenciesWhere(r, pr, authz.ReadStats)
	if err != nil {
		return statsFilter{}, err
	}
	f := statsFilter{Platform: authz.Can(pr, authz.ReadStats, authz.Object{}), Groups: report.Groups, Agencies: mine}
	if f.Tiers, err = s.cfg.Agencies.Tiers(r.Context()); err != nil {
		return f, err
	}
	if f.Fields, err = s.cfg.Catalog.Fields(r.Context()); err != nil {
		return f, err
	}
	return f, nil
}

// statsQuery reads the filter from the URL into p.Form (defaults filled
// in) and a report query. Without agency the user's own agency is
// counted (or the first they may see); an empty agency is the whole
// platform. A named period wins over from/to; with neither, the current
// reporting period of kind def.
func (s *Server) statsQuery(r *http.Request, pr *authz.Principal, p *Page, f statsFilter, def string) (report.Query, error) {
	v := r.URL.Query()
	form := url.Values{}
	for _, k := range []string{"tier", "procedure", "field", "officer", "group", "period", "from", "to"} {
		if x := strings.TrimSpace(v.Get(k)); x != "" {
			form.Set(k, x)
		}
	}
	agencyCode := pr.AgencyCode
	if v.Has("agency") {
		agencyCode = strings.TrimSpace(v.Get("agency"))
	} else if !authz.Can(pr, authz.ReadStats, authz.Object{AgencyPath: homePath(f, pr)}) && len(f.Agencies) > 0 {
		agencyCode = f.Agencies[0].Code.String()
	}
	form.Set("agency", agencyCode)
	q := report.Query{Agency: agencyCode, Tier: form.Get("tier"), Procedure: form.Get("procedure"), Field: form.Get("field"), Group: form.Get("group")}
	today := s.cfg.Reports.Today()
	if form.Get("period") == "" && form.Get("from") == "" && form.Get("to") == "" {
		form.Set("period", report.Current(def, today).Name)
	}
	p.Form = form
	if o := form.Get("officer"); o != "" {
		n, err := report.ParseOfficer(o)
		if err != nil {
			return q, err
		}
		q.Officer = n
	}
	per, err := report.PeriodOf(form.Get("period"), form.Get("from"), form.Get("to"))
	if err != nil && form.Get("period") != "" {
		return q, fieldErr(err, "period")
	}
	q.Period = per
	return q, err
}

// fieldErr attaches a report error to the form field it is about.
func fieldErr(err error, field string) error {
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		var val errs.Validation
		val.Add(field, e.Msg.Key, e.Msg.Args...)
		out := val.Err("web.stats").(*errs.Error)
		out.Msg = e.Msg
		return out
	}
	return err
}

func homePath(f statsFilter, pr *authz.Principal) string {
	for _, a := range f.Agencies {
		if a.ID == pr.AgencyID {
			return a.Path
		}
	}
	return "/nowhere/"
}

// newStatsView prepares the links and labels of a result.
func (s *Server) newStatsView(r *http.Request, p *Page, q report.Query, res report.Result) (*statsView, error) {
	v := &statsView{Q: q, Res: res, base: url.Values{}, names: map[string]string{}, page: p}
	for _, k := range []string{"agency", "tier", "procedure", "field", "officer", "period", "from", "to"} {
		if x, ok := p.Form[k]; ok && (x[0] != "" || k == "agency") {
			v.base.Set(k, x[0])
		}
	}
	if v.base.Get("period") != "" {
		v.base.Del("from")
		v.base.Del("to")
	}
	for _, a := range res.Scope {
		v.names["a"+strconv.FormatInt(a.ID, 10)] = a.Name(string(p.Lang))
		v.names["c"+strconv.FormatInt(a.ID, 10)] = a.Code.String()
	}
	if q.Group == report.ByField {
		fs, err := s.cfg.Catalog.Fields(r.Context())
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			v.names["f"+f.Code] = p.Pick(f.NameVI, f.NameEN)
		}
	}
	return v, nil
}

// filter is a copy of the page's filter, for a link to change.
func (v *statsView) filter() url.Values {
	u := url.Values{}
	maps.Copy(u, v.base)
	return u
}

// rowFilter narrows the filter to one row of a grouping.
func (v *statsView) rowFilter(key string) url.Values {
	u := v.filter()
	switch v.Q.Group {
	case report.ByAgency:
		u.Set("agency", v.names["c"+key])
	case report.ByProcedure:
		u.Set("procedure", key)
	case report.ByField:
		u.Set("field", key)
	case report.ByOfficer:
		u.Set("officer", key)
	case report.ByMonth, report.ByDay:
		from, err := calendar.ParseDate(key)
		if err != nil {
			break
		}
		to := from
		if v.Q.Group == report.ByMonth {
			to = report.Current(report.Month, from).To
		}
		if to.After(v.Q.Period.To) {
			to = v.Q.Period.To
		}
		u.Del("period")
		u.Set("from", from.String())
		u.Set("to", to.String())
	}
	return u
}

// Link is the list of dossiers behind a figure of the total (key "") or
// of a row.
func (v *statsView) Link(metric, key string, row bool) string {
	q := v.filter()
	if row {
		q = v.rowFilter(key) // a copy already
	}
	q.Set("metric", metric)
	return "/office/stats/dossiers?" + q.Encode()
}

// ExportQuery is the query string of the downloads: the page's filter
// and grouping.
func (v *statsView) ExportQuery() string {
	u := v.filter()
	if v.Q.Group != report.ByNone {
		u.Set("group", v.Q.Group)
	}
	return u.Encode()
}

// RowLink opens a page (stats, index) on one row.
func (v *statsView) RowLink(path, key string) string {
	return path + "?" + v.rowFilter(key).Encode()
}

// Label names a row.
func (v *statsView) Label(key string) string {
	switch v.Q.Group {
	case report.ByAgency:
		if n, ok := v.names["a"+key]; ok {
			return n
		}
	case report.ByField:
		if n := v.names["f"+key]; n != "" {
			return n + " (" + key + ")"
		}
	case report.ByOfficer:
		if key == "0" || key == "" {
			return v.page.T("dashboard.unassigned")
		}
		if id, err := strconv.ParseInt(key, 10, 64); err == nil && v.Res.Officers[id] != "" {
			return v.Res.Officers[id]
		}
		return v.page.T("stats.officer_n", key)
	case report.ByMonth:
		if d, err := calendar.ParseDate(key); err == nil {
			return report.Current(report.Month, d).Name
		}
	case report.ByDay:
		return v.page.CivilDate(key)
	}
	return key
}

// Sections lists the blocks of figures.
func (v *statsView) Sections() []statsSection { return statsSections }

// Pct formats a rate as a percentage, or "—" without data.
func (p *Page) Pct(x float64, ok bool) string {
	if !ok {
		return "—"
	}
	return p.Dec(x*100, 1) + " %"
}

// Dec formats a number with n decimals in the page's language.
func (p *Page) Dec(x float64, n int) string {
	s := strconv.FormatFloat(x, 'f', n, 64)
	if p.Lang == locale.VI {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Num formats a count with the language's grouping.
func (p *Page) Num(n int64) string { return p.cat.Number(p.Lang, n) }

// Rates are the derived figures of f, formatted for the page.
func (v *statsView) Rates(f report.Figures) []rateLine {
	p := v.page
	days := func(x float64, ok bool) string {
		if !ok {
			return "—"
		}
		return p.Dec(x, 2)
	}
	on, onOK := f.OnTimeRate()
	onl, onlOK := f.OnlineRate()
	pay, payOK := f.PaymentRate()
	sat, satOK := f.SatisfactionRate()
	w, wOK := f.AvgWorkDays()
	l, lOK := f.AvgLegalDays()
	return []rateLine{
		{"stats.on_time_rate", p.Pct(on, onOK)},
		{"stats.online_rate", p.Pct(onl, onlOK)},
		{"stats.payment_rate", p.Pct(pay, payOK)},
		{"stats.satisfaction_rate", p.Pct(sat, satOK)},
		{"stats.avg_days", days(w, wOK)},
		{"stats.legal_days", days(l, lOK)},
	}
}

// rateLine is a derived figure and its formatted value.
type rateLine struct{ Key, Value string }

// statsFail shows a problem with the filter on the page itself: bad input
// is a 400 with the form to correct it, an agency out of reach a 403;
// anything else goes to the error page.
func (s *Server) statsFail(w http.ResponseWriter, r *http.Request, err error, name string, p *Page) {
	switch errs.KindOf(err) {
	case errs.Invalid, errs.Forbidden:
		if errs.KindOf(err) == errs.Forbidden && !authz.CanSomewhere(authz.PrincipalFrom(r.Context()), authz.ReadStats) {
			break
		}
		p.problem(err)
		status := http.StatusBadRequest
		if errs.KindOf(err) == errs.Forbidden {
			status = http.StatusForbidden
		}
		s.renderStatus(w, r, status, name, p)
		return
	}
	s.fail(w, r, err, "", p)
}

// statsStart is the common start of the statistics pages: a signed-in
// official who may read statistics somewhere, and the filter's choices.
func (s *Server) statsStart(w http.ResponseWriter, r *http.Request, p *Page) (*authz.Principal, bool) {
	pr := s.staff(w, r, p)
	if pr == nil {
		return nil, false
	}
	if !authz.CanSomewhere(pr, authz.ReadStats) {
		s.fail(w, r, errs.E("web.stats", errs.Forbidden, "error.forbidden"), "", p)
		return nil, false
	}
	f, err := s.statsFilter(r, pr)
	if err != nil {
		s.fail(w, r, errs.Wrap("web.stats", err), "", p)
		return nil, false
	}
	p.with("Filter", f)
	return pr, true
}

func (s *Server) statsPage(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "stats.title")
	if v, ok := s.statsResult(w, r, p); ok {
		s.render(w, r, "stats", p.with("View", v))
	}
}

// statsResult answers the statistics query of the request, for the page
// and its downloads; false when it has already answered with the error.
func (s *Server) statsResult(w http.ResponseWriter, r *http.Request, p *Page) (*statsView, bool) {
	pr, ok := s.statsStart(w, r, p)
	if !ok {
		return nil, false
	}
	p.with("Action", "/office/stats")
	q, err := s.statsQuery(r, pr, p, p.Data["Filter"].(statsFilter), report.Month)
	var res report.Result
	if err == nil {
		res, err = s.cfg.Reports.Stats(r.Context(), pr, q)
	}
	if err != nil {
		s.statsFail(w, r, err, "stats", p)
		return nil, false
	}
	v, err := s.newStatsView(r, p, q, res)
	if err != nil {
		s.fail(w, r, errs.Wrap("web.stats", err), "", p)
		return nil, false
	}
	return v, true
}

// statsDossiers lists the dossiers behind one figure, a page at a time.
func (s *Server) statsDossiers(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "stats.list.title")
	pr, ok := s.statsStart(w, r, p)
	if !ok {
		return
	}
	p.with("Action", "/office/stats")
	q, err := s.statsQuery(r, pr, p, p.Data["Filter"].(statsFilter), report.Month)
	metric := r.URL.Query().Get("metric")
	page := 1
	if x := r.URL.Query().Get("page"); x != "" {
		if page, err = strconv.Atoi(x); err != nil || page < 1 || page > 100000 {
			err = errs.E("web.stats", errs.Invalid, "api.int_range", 100000)
		}
	}
	var items []report.Item
	var more bool
	if err == nil {
		items, more, err = s.cfg.Reports.Dossiers(r.Context(), pr, q, metric, page-1)
	}
	p.with("Metric", metric).with("Page", page)
	if err != nil {
		p.with("Metric", "")
		s.statsFail(w, r, err, "stats_list", p)
		return
	}
	v, err := s.newStatsView(r, p, q, report.Result{Query: q})
	if err != nil {
		s.fail(w, r, errs.Wrap("web.stats", err), "", p)
		return
	}
	pageLink := func(n int) string {
		u := v.filter()
		u.Set("metric", metric)
		u.Set("page", strconv.Itoa(n))
		return "/office/stats/dossiers?" + u.Encode()
	}
	if page > 1 {
		p.with("Prev", pageLink(page-1))
	}
	if more {
		p.with("Next", pageLink(page+1))
	}
	p.Title = p.T("stats.list.metric", p.T("stats.m."+metric))
	s.render(w, r, "stats_list", p.with("View", v).with("Items", items).with("Back", "/office/stats?"+v.base.Encode()).
		with("CanRead", p.Can(string(authz.ReadDossier))))
}

// periodText says a period in words.
func (p *Page) periodText(per report.Period) string {
	return p.T("stats.range", p.CivilDate(per.From.String()), p.CivilDate(per.To.String()))
}

// Range says the view's period.
func (v *statsView) Range() string { return v.page.periodText(v.Q.Period) }

// GroupLabel names the view's grouping.
func (v *statsView) GroupLabel() string { return v.page.T(groupKey(v.Q.Group)) }

func groupKey(g string) string {
	if g == "" {
		return "stats.group.none"
	}
	return fmt.Sprintf("stats.group.%s", g)
}
