package web

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/report"
)

// indexRank is one agency of the ranking.
type indexRank struct {
	Key    string
	Label  string
	Link   string
	Points float64
	OnTime string
}

// index766Page shows the 766 index of an agency's sub-tree for a period:
// the five groups with each data point's raw rate next to its points, and
// the agencies ranked by their total.
func (s *Server) index766Page(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "index.title")
	pr, ok := s.statsStart(w, r, p)
	if !ok {
		return
	}
	p.with("Action", "/office/index766").with("NoGroup", true)
	q, err := s.statsQuery(r, pr, p, p.Data["Filter"].(statsFilter), report.Quarter)
	var res report.IndexResult
	if err == nil {
		// The ranking is the index of each agency of the scope.
		q.Group = report.ByAgency
		res, err = s.cfg.Reports.Index766(r.Context(), pr, q)
	}
	if err != nil {
		s.statsFail(w, r, err, "index766", p)
		return
	}
	v, err := s.newStatsView(r, p, q, res.Result)
	if err != nil {
		s.fail(w, r, errs.Wrap("web.index766", err), "", p)
		return
	}
	ranks := make([]indexRank, 0, len(res.Rows))
	for _, row := range res.Rows {
		on, ok := row.Index.Figures.OnTimeRate()
		ranks = append(ranks, indexRank{Key: row.Key, Label: v.Label(row.Key), Link: v.RowLink("/office/index766", row.Key),
			Points: row.Index.Points, OnTime: p.Pct(on, ok)})
	}
	slices.SortStableFunc(ranks, func(a, b indexRank) int {
		return cmp.Or(cmp.Compare(b.Points, a.Points), cmp.Compare(a.Label, b.Label))
	})
	s.render(w, r, "index766", p.with("View", v).with("Index", res.Index).with("Ranks", ranks))
}

// Points formats points with one decimal.
func (p *Page) Points(x float64) string { return p.Dec(x, 1) }

// Raw says a data point's numerator and denominator: whole counts, or
// working days for the time against the legal time.
func (p *Page) Raw(v report.Value) string {
	if v.Num == float64(int64(v.Num)) && v.Den == float64(int64(v.Den)) {
		return p.Num(int64(v.Num)) + " / " + p.Num(int64(v.Den))
	}
	return p.Dec(v.Num, 2) + " / " + p.Dec(v.Den, 2)
}
