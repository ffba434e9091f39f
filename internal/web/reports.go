package web

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/report"
)

// Periodic reports (báo cáo định kỳ): the list of report definitions
// with a form to define one, and an agency's report for a period with
// its figures from the data, the corrections (each explained), the
// leader's sign-off, the sub-agencies' reports and the downloads. The
// report service decides who may do what; the pages only hide what the
// user could not use anyway.

// periodKinds are the periods a report may run on, in display order.
var periodKinds = []string{report.Month, report.Quarter, report.Half, report.Year}

// reportsStart is the common start: a signed-in official who may read
// statistics somewhere.
func (s *Server) reportsStart(w http.ResponseWriter, r *http.Request, p *Page) *authz.Principal {
	pr := s.staff(w, r, p)
	if pr == nil {
		return nil
	}
	if !authz.CanSomewhere(pr, authz.ReadStats) {
		s.fail(w, r, errs.E("web.reports", errs.Forbidden, "error.forbidden"), "", p)
		return nil
	}
	return pr
}

// reportsData loads the list page: the definitions and, for those who
// may define reports, the agencies they may address them to.
func (s *Server) reportsData(r *http.Request, pr *authz.Principal, p *Page) error {
	defs, err := s.cfg.Reports.Definitions(r.Context())
	if err != nil {
		return err
	}
	p.with("Defs", defs).with("Kinds", periodKinds).with("Metrics", report.Metrics)
	if authz.CanSomewhere(pr, authz.ManageAgency) {
		to, err := s.agenciesWhere(r, pr, authz.ManageAgency)
		if err != nil {
			return err
		}
		p.with("Recipients", to)
	}
	return nil
}

// agenciesWhere lists the agencies where the principal may take action a.
func (s *Server) agenciesWhere(r *http.Request, pr *authz.Principal, a authz.Action) ([]agency.Agency, error) {
	all, err := s.cfg.Agencies.List(r.Context())
	if err != nil {
		return nil, err
	}
	var out []agency.Agency
	for _, ag := range all {
		if authz.Can(pr, a, authz.Object{AgencyPath: ag.Path}) {
			out = append(out, ag)
		}
	}
	return out, nil
}

func (s *Server) reportList(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "reports.title")
	pr := s.reportsStart(w, r, p)
	if pr == nil {
		return
	}
	if err := s.reportsData(r, pr, p); err != nil {
		s.fail(w, r, errs.Wrap("web.reports", err), "", p)
		return
	}
	p.Form.Set("period_kind", report.Month)
	p.Form.Set("deadline_days", "5")
	p.Form.Set("recipient", pr.AgencyCode)
	s.render(w, r, "reports", p.with("Action", "/office/reports"))
}

// reportCreate defines a periodic report.
func (s *Server) reportCreate(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "reports.title")
	pr := s.reportsStart(w, r, p)
	if pr == nil {
		return
	}
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, errs.E("web.reports", errs.Invalid, "error.invalid"), "", p)
		return
	}
	p.Form = r.PostForm
	if err := s.reportsData(r, pr, p); err != nil {
		s.fail(w, r, errs.Wrap("web.reports", err), "", p)
		return
	}
	p.with("Action", "/office/reports")
	in := report.DefinitionInput{Code: r.PostForm.Get("code"), NameVI: r.PostForm.Get("name_vi"), NameEN: r.PostForm.Get("name_en"),
		Indicators: r.PostForm["indicators"], PeriodKind: r.PostForm.Get("period_kind"), RecipientCode: r.PostForm.Get("recipient")}
	days, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("deadline_days")))
	if err != nil {
		days = -1 // out of range: the service names the field
	}
	in.DeadlineDays = days
	d, err := s.cfg.Reports.CreateDefinition(r.Context(), pr, in)
	if err != nil {
		s.fail(w, r, err, "reports", p)
		return
	}
	http.Redirect(w, r, "/office/reports/"+url.PathEscape(d.Code)+"?ok=report_created", http.StatusSeeOther)
}

// reportTarget reads which report the request is about: the definition
// (404 if there is none), the agency (the user's own by default) and the
// period (by default the last one that has ended).
func (s *Server) reportTarget(r *http.Request, pr *authz.Principal, v url.Values) (report.Definition, string, string, error) {
	defs, err := s.cfg.Reports.Definitions(r.Context())
	if err != nil {
		return report.Definition{}, "", "", errs.Wrap("web.reports", err)
	}
	code := r.PathValue("code")
	i := slices.IndexFunc(defs, func(d report.Definition) bool { return d.Code == code })
	if i < 0 {
		return report.Definition{}, "", "", errs.E("web.reports", errs.NotFound, "report.def.not_found", code)
	}
	def := defs[i]
	ag := strings.TrimSpace(v.Get("agency"))
	if ag == "" {
		ag = pr.AgencyCode
	}
	per := strings.TrimSpace(v.Get("period"))
	if per == "" {
		per = report.Previous(def.PeriodKind, report.Current(def.PeriodKind, s.cfg.Reports.Today())).Name
	}
	return def, ag, per, nil
}

// reportRow is one indicator of a report as the page shows it.
type reportRow struct {
	Key         string
	Data, Value int64
	Corrected   bool
	Note        string
}

// renderReport opens the report and renders its page with status. With
// keep the form keeps what the user typed (after a refused change);
// otherwise it shows the report's corrections.
func (s *Server) renderReport(w http.ResponseWriter, r *http.Request, p *Page, pr *authz.Principal, def report.Definition, ag, per string, status int, keep bool) {
	p.with("Def", def).with("Action", "/office/reports")
	if !keep {
		p.Form = url.Values{}
	}
	p.Form.Set("agency", ag)
	p.Form.Set("period", per)
	if err := s.reportChoices(r, pr, p); err != nil {
		s.fail(w, r, errs.Wrap("web.reports", err), "", p)
		return
	}
	in, err := s.cfg.Reports.Open(r.Context(), pr, def.Code, ag, per)
	if err != nil {
		s.reportFail(w, r, err, p, "report")
		return
	}
	p.Title = p.Pick(def.NameVI, def.NameEN)
	rows := make([]reportRow, 0, len(def.Indicators))
	for _, ind := range in.Def.Indicators {
		o, corrected := in.Overrides[ind]
		rows = append(rows, reportRow{Key: ind, Data: in.Data[ind], Value: in.Values[ind], Corrected: corrected, Note: o.Note})
		if !keep && corrected {
			p.Form.Set("value."+ind, strconv.FormatInt(o.Value, 10))
			p.Form.Set("note."+ind, o.Note)
		}
	}
	obj := authz.Object{AgencyPath: in.Agency.Path}
	q := url.Values{"agency": {in.Agency.Code.String()}, "period": {in.Period.Name}}
	base := "/office/reports/" + url.PathEscape(def.Code)
	next := report.Current(def.PeriodKind, in.Period.To.AddDays(1))
	prev := report.Previous(def.PeriodKind, in.Period)
	link := func(agencyCode, period string) string {
		return base + "?" + url.Values{"agency": {agencyCode}, "period": {period}}.Encode()
	}
	p.with("Inst", in).with("Rows", rows).with("Base", base).with("Query", q.Encode()).
		with("CanEdit", in.Status != report.Signed && authz.Can(pr, authz.EditReport, obj)).
		with("CanSign", in.Status != report.Signed && authz.Can(pr, authz.SignReport, obj)).
		with("PrevLink", link(in.Agency.Code.String(), prev.Name)).with("PrevName", prev.Name).
		with("NextLink", link(in.Agency.Code.String(), next.Name)).with("NextName", next.Name).
		with("ChildLink", func(a agency.Agency) string { return link(a.Code.String(), in.Period.Name) })
	s.renderStatus(w, r, status, "report", p)
}

// reportChoices lists the agencies the user may open reports of.
func (s *Server) reportChoices(r *http.Request, pr *authz.Principal, p *Page) error {
	mine, err := s.agenciesWhere(r, pr, authz.ReadStats)
	if err != nil {
		return err
	}
	p.with("Agencies", mine)
	return nil
}

// reportFail shows what the user can correct on the page: a bad agency
// or period (400), a change refused (403 with why, 409 for a signed or
// stale report, 422 for the corrections). A report that does not exist
// and anything else go to the error page.
func (s *Server) reportFail(w http.ResponseWriter, r *http.Request, err error, p *Page, name string) {
	kind := errs.KindOf(err)
	switch kind {
	case errs.Invalid, errs.Forbidden, errs.Conflict:
	default:
		s.fail(w, r, err, "", p)
		return
	}
	p.problem(err)
	status := kind.HTTPStatus()
	if kind == errs.Invalid && len(p.Errors) == 0 {
		status = http.StatusBadRequest
	}
	s.renderStatus(w, r, status, name, p)
}

func (s *Server) reportPage(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "reports.title")
	pr := s.reportsStart(w, r, p)
	if pr == nil {
		return
	}
	def, ag, per, err := s.reportTarget(r, pr, r.URL.Query())
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	s.renderReport(w, r, p, pr, def, ag, per, http.StatusOK, false)
}

// reportChange is the common part of the corrections and the sign-off:
// the form, the report it is about and its version. After change
// succeeds, back to the report with the flash (a "&ok=…" suffix);
// otherwise the report as it now is, with the problem and what the user
// typed.
func (s *Server) reportChange(w http.ResponseWriter, r *http.Request, flash string,
	change func(pr *authz.Principal, def report.Definition, ag, per string, version int) error) {
	p := s.page(r, "reports.title")
	pr := s.reportsStart(w, r, p)
	if pr == nil {
		return
	}
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, errs.E("web.reports", errs.Invalid, "error.invalid"), "", p)
		return
	}
	def, ag, per, err := s.reportTarget(r, pr, r.PostForm)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	version, err := strconv.Atoi(r.PostForm.Get("version"))
	if err != nil {
		// A form without the version it was made from cannot be
		// checked against later changes.
		err = errs.E("web.reports", errs.Conflict, "report.stale")
	} else {
		err = change(pr, def, ag, per, version)
	}
	if err == nil {
		u := url.Values{"agency": {ag}, "period": {per}}
		http.Redirect(w, r, "/office/reports/"+url.PathEscape(def.Code)+"?"+u.Encode()+flash, http.StatusSeeOther)
		return
	}
	kind := errs.KindOf(err)
	if kind != errs.Invalid && kind != errs.Forbidden && kind != errs.Conflict {
		s.fail(w, r, err, "", p)
		return
	}
	p.problem(err)
	p.Form = r.PostForm
	s.renderReport(w, r, p, pr, def, ag, per, kind.HTTPStatus(), true)
}

// reportCorrect saves the corrections of a draft report. The form has a
// figure and an explanation for each indicator; a figure left empty
// keeps the one from the data, so the corrections are exactly the
// figures filled in, and emptying a figure withdraws its correction.
func (s *Server) reportCorrect(w http.ResponseWriter, r *http.Request) {
	s.reportChange(w, r, "&ok=saved", func(pr *authz.Principal, def report.Definition, ag, per string, version int) error {
		var v errs.Validation
		overrides := map[string]report.Override{}
		for _, ind := range def.Indicators {
			val := strings.TrimSpace(r.PostForm.Get("value." + ind))
			note := strings.TrimSpace(r.PostForm.Get("note." + ind))
			if val == "" {
				if note != "" {
					v.Add("value."+ind, "reports.value.missing")
				}
				continue
			}
			n, err := strconv.ParseInt(strings.NewReplacer(".", "", ",", "", " ", "").Replace(val), 10, 64)
			if err != nil {
				v.Add("value."+ind, "reports.value.invalid")
				continue
			}
			overrides[ind] = report.Override{Value: n, Note: note}
		}
		if !v.OK() {
			return v.Err("web.reports")
		}
		_, err := s.cfg.Reports.Edit(r.Context(), pr, def.Code, ag, per, version, overrides)
		if errs.KindOf(err) == errs.Forbidden {
			return errs.E("web.reports", errs.Forbidden, "reports.edit.forbidden")
		}
		// The service names a correction by its indicator; the form's
		// figure and explanation are separate fields.
		if e, ok := errs.As(err); ok && len(e.Fields) > 0 {
			fields := map[string]errs.Msg{}
			for f, m := range e.Fields {
				prefix := "value."
				if m.Key == "report.override.note" {
					prefix = "note."
				}
				fields[prefix+f] = m
			}
			e.Fields = fields
		}
		return err
	})
}

// reportSign signs a report off. Only a leader of the agency may (the
// service says so in words to anyone else).
func (s *Server) reportSign(w http.ResponseWriter, r *http.Request) {
	s.reportChange(w, r, "&ok=report_signed", func(pr *authz.Principal, def report.Definition, ag, per string, version int) error {
		_, err := s.cfg.Reports.Sign(r.Context(), pr, def.Code, ag, per, version)
		return err
	})
}

// reportFile serves GET /office/reports/{code}/export.{xlsx,pdf}.
func (s *Server) reportFile(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := s.page(r, "reports.title")
		pr := s.reportsStart(w, r, p)
		if pr == nil {
			return
		}
		def, ag, per, err := s.reportTarget(r, pr, r.URL.Query())
		if err != nil {
			s.fail(w, r, err, "", p)
			return
		}
		in, err := s.cfg.Reports.Open(r.Context(), pr, def.Code, ag, per)
		if err != nil {
			s.renderReport(w, r, p, pr, def, ag, per, http.StatusOK, false)
			return
		}
		t := s.instanceText(p, in)
		var body []byte
		if format == "xlsx" {
			var buf bytes.Buffer
			err = in.XLSX(&buf, t)
			body = buf.Bytes()
		} else {
			body, err = in.PDF(t, s.cfg.Now())
		}
		if err != nil {
			s.fail(w, r, errs.Wrap("web.reports", err), "", p)
			return
		}
		blob.ServeGenerated(w, blob.FileName("bao-cao", def.Code, in.Agency.Code.String(), in.Period.Name)+"."+format, blob.FormatType(format), body)
	}
}

// instanceText is what an exported report prints besides its numbers,
// in the user's language.
func (s *Server) instanceText(p *Page, in report.Instance) report.InstanceText {
	lines := []string{
		p.T("reports.export.agency", in.Agency.Name(string(p.Lang))+" ("+in.Agency.Code.String()+")"),
		p.T("reports.export.period", in.Period.Name, p.periodText(in.Period)),
		p.T("reports.export.due", p.CivilDate(in.Due.String())),
	}
	if in.Status == report.Signed {
		lines = append(lines, p.T("reports.export.signed", in.SignedBy, p.DateTime(in.SignedAt)))
	} else {
		lines = append(lines, p.T("reports.export.draft"))
	}
	lines = append(lines, p.T("stats.export.at", p.DateTime(s.cfg.Now())))
	return report.InstanceText{Title: p.Pick(in.Def.NameVI, in.Def.NameEN), Lines: lines, Indicator: p.T("reports.indicator"),
		Data: p.T("reports.data"), Value: p.T("reports.value"), Note: p.T("reports.note"),
		Label: func(ind string) string { return p.T("stats.m." + ind) }}
}
