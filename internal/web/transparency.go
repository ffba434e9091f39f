package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/report"
)

// PublicStats computes the aggregates the public transparency page
// publishes, with no principal: it is the report service's own decision
// what anyone may see (report.Service.Public), never a principal made up
// at the edge.
type PublicStats interface {
	Public(ctx context.Context, q report.Query) (report.Result, error)
}

// transparencyRow is one agency's published rates, current then previous
// period.
type transparencyRow struct {
	Agency agency.Agency
	Cells  [2]transparencyCell
}

type transparencyCell struct {
	OnTime, Online, Satisfied string
	Resolved                  int64
	Any                       bool
}

// transparencyPage publishes, per agency, the on-time, online and
// satisfaction rates of the current and the previous reporting quarter
// (ND 09/2019, 15th to 14th). A quarter rather than a month: a commune
// resolves a few dozen dossiers a month, too few for a rate to mean much,
// and the national portal's assessments (QĐ 766) are quarterly.
func (s *Server) transparencyPage(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "transparency.title")
	if s.cfg.Public == nil {
		p.Problem = p.T("transparency.unavailable")
		s.renderStatus(w, r, http.StatusServiceUnavailable, "transparency", p)
		return
	}
	cur := report.Current(report.Quarter, calendar.DateIn(s.cfg.Now(), calendar.VietnamLocation()))
	prev := report.Previous(report.Quarter, cur)
	periods := [2]report.Period{cur, prev}
	rows := map[int64]*transparencyRow{}
	var scope []agency.Agency // in tree order
	for i, per := range periods {
		res, err := s.cfg.Public.Public(r.Context(), report.Query{Period: per, Group: report.ByAgency})
		if err != nil {
			s.fail(w, r, errs.Wrap("web.transparency", err), "", p)
			return
		}
		byID := map[string]agency.Agency{}
		for _, a := range res.Scope {
			byID[strconv.FormatInt(a.ID, 10)] = a
		}
		if len(res.Scope) > len(scope) {
			scope = res.Scope
		}
		for _, row := range res.Rows {
			a, ok := byID[row.Key]
			if !ok {
				continue
			}
			t := rows[a.ID]
			if t == nil {
				t = &transparencyRow{Agency: a}
				rows[a.ID] = t
			}
			on, onOK := row.OnTimeRate()
			onl, onlOK := row.OnlineRate()
			sat, satOK := row.SatisfactionRate()
			t.Cells[i] = transparencyCell{OnTime: p.Pct(on, onOK), Online: p.Pct(onl, onlOK), Satisfied: p.Pct(sat, satOK),
				Resolved: row.Resolved, Any: true}
		}
	}
	out := make([]transparencyRow, 0, len(rows))
	for _, a := range scope {
		if t, ok := rows[a.ID]; ok {
			out = append(out, *t)
		}
	}
	s.render(w, r, "transparency", p.with("Rows", out).with("Periods", periods))
}
