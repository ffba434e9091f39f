package web

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/report"
)

// Downloads of the statistics page: the same query as the page, as a
// workbook or a printable PDF, with the names the page shows. The export
// answers bad input exactly as the page does (the page with the problem),
// so that a link edited by hand is corrected where it can be.

// statsExport serves GET /office/stats/export.{xlsx,pdf}.
func (s *Server) statsExport(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := s.page(r, "stats.title")
		v, ok := s.statsResult(w, r, p)
		if !ok {
			return
		}
		t := s.statsText(r, v)
		name := blob.FileName("thong-ke", p.Form.Get("agency"), v.Q.Period.Slug()) + "." + format
		var body []byte
		var err error
		if format == "xlsx" {
			var buf bytes.Buffer
			err = v.Res.XLSX(&buf, t)
			body = buf.Bytes()
		} else {
			body, err = v.Res.PDF(t, s.cfg.Now())
		}
		if err != nil {
			s.fail(w, r, errs.Wrap("web.stats.export", err), "", p)
			return
		}
		blob.ServeGenerated(w, name, blob.FormatType(format), body)
	}
}

// statsText is what an export prints besides the numbers, in the user's
// language: the page's title, the scope and filters, the time of the
// export, and the page's names of the rows and figures.
func (s *Server) statsText(r *http.Request, v *statsView) report.Text {
	p := v.page
	q := v.Q
	scope := p.T("stats.platform")
	if q.Agency != "" {
		if a, err := s.cfg.Agencies.ByCode(r.Context(), q.Agency); err == nil {
			scope = a.Name(string(p.Lang)) + " (" + a.Code.String() + ")"
		}
	}
	lines := []string{p.T("stats.export.scope", scope), p.T("stats.export.period", v.Range())}
	if q.Period.Name != "" {
		lines[1] = p.T("stats.export.period", q.Period.Name+": "+v.Range())
	}
	if f := statsFilters(v); f != "" {
		lines = append(lines, p.T("stats.export.filters", f))
	}
	if q.Group != report.ByNone {
		lines = append(lines, p.T("stats.rows", v.GroupLabel()))
	}
	lines = append(lines, p.T("stats.export.at", p.DateTime(s.cfg.Now())))
	t := report.Text{Title: p.T("stats.export.title"), Lines: lines, Total: p.T("stats.total"), RowLabel: v.Label,
		Column: func(col string) string { return p.T(columnKey(col)) }, Sheet: p.T("stats.export.sheet")}
	if q.Group != report.ByNone {
		t.Group = v.GroupLabel()
	}
	return t
}

// statsFilters says the filters other than scope and period.
func statsFilters(v *statsView) string {
	p := v.page
	var out []string
	if t := p.Form.Get("tier"); t != "" {
		out = append(out, p.T("stats.tier")+": "+p.T("tier."+t))
	}
	if f := v.Q.Field; f != "" {
		out = append(out, p.T("stats.field")+": "+f)
	}
	if c := v.Q.Procedure; c != "" {
		out = append(out, p.T("stats.procedure")+": "+c)
	}
	if v.Q.Officer != 0 {
		out = append(out, p.T("stats.officer_n", strconv.FormatInt(v.Q.Officer, 10)))
	}
	return strings.Join(out, "; ")
}

// columnKey is the message key of an export column: the page's name of
// the figure.
func columnKey(col string) string {
	switch col {
	case "avg_work_days":
		return "stats.avg_days"
	case "avg_legal_days":
		return "stats.legal_days"
	}
	return "stats.m." + col
}
