package api

import (
	"bytes"
	"cmp"
	"net/http"
	"time"

	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/locale"
	"github.com/motcua/motcua/internal/report"
)

// Periodic reports (GET and POST /api/v1/reports, GET
// /api/v1/reports/{code}/{agency}/{period}, PUT …/corrections, POST
// …/sign) and the downloads of statistics and reports (format=xlsx or
// pdf). The report service decides who may do what.

// ReportDefinition is a periodic report: what it asks, for which periods,
// by when and to whom.
type ReportDefinition struct {
	Code         string    `json:"code"`
	NameVI       string    `json:"name_vi"`
	NameEN       string    `json:"name_en"`
	Indicators   []string  `json:"indicators"`
	PeriodKind   string    `json:"period_kind"`
	DeadlineDays int       `json:"deadline_days"`
	Recipient    AgencyRef `json:"recipient"`
}

// ReportDefinitionList is the answer to GET /api/v1/reports.
type ReportDefinitionList struct {
	Items []ReportDefinition `json:"items"`
}

// ReportDefinitionRequest defines a periodic report.
type ReportDefinitionRequest struct {
	Code         string   `json:"code"`
	NameVI       string   `json:"name_vi"`
	NameEN       string   `json:"name_en"`
	Indicators   []string `json:"indicators"`
	PeriodKind   string   `json:"period_kind"`
	DeadlineDays int      `json:"deadline_days"`
	Recipient    string   `json:"recipient"`
}

// ReportIndicator is one figure of a report: from the data, as reported,
// and the explanation of a correction.
type ReportIndicator struct {
	Code      string  `json:"code"`
	Data      int64   `json:"data"`
	Value     int64   `json:"value"`
	Corrected bool    `json:"corrected"`
	Note      *string `json:"note"`
}

// ReportChild is where a sub-agency's report stands.
type ReportChild struct {
	Agency  AgencyRef `json:"agency"`
	Status  string    `json:"status"` // none, draft, signed
	Overdue bool      `json:"overdue"`
}

// ReportInstance is an agency's report for a period.
type ReportInstance struct {
	Report     string            `json:"report"`
	Agency     AgencyRef         `json:"agency"`
	Period     StatsPeriod       `json:"period"`
	Status     string            `json:"status"`
	Version    int               `json:"version"`
	Due        string            `json:"due"`
	Overdue    bool              `json:"overdue"`
	SignedAt   *time.Time        `json:"signed_at"`
	SignedBy   *string           `json:"signed_by"`
	Indicators []ReportIndicator `json:"indicators"`
	Children   []ReportChild     `json:"children"`
}

// ReportCorrection replaces a figure, with the reason.
type ReportCorrection struct {
	Value int64  `json:"value"`
	Note  string `json:"note"`
}

// ReportCorrections are all the corrections of a draft report, against
// the version they were made from.
type ReportCorrections struct {
	Version     int                         `json:"version"`
	Corrections map[string]ReportCorrection `json:"corrections"`
}

// ReportSignRequest signs off the version the leader has read.
type ReportSignRequest struct {
	Version int `json:"version"`
}

func toDefinition(d report.Definition) ReportDefinition {
	inds := d.Indicators
	if inds == nil {
		inds = []string{}
	}
	return ReportDefinition{Code: d.Code, NameVI: d.NameVI, NameEN: d.NameEN, Indicators: inds, PeriodKind: d.PeriodKind,
		DeadlineDays: d.DeadlineDays, Recipient: AgencyRef{Code: d.Recipient.Code.String(), NameVI: d.Recipient.NameVI}}
}

func toInstance(in report.Instance) ReportInstance {
	out := ReportInstance{Report: in.Def.Code, Agency: AgencyRef{Code: in.Agency.Code.String(), NameVI: in.Agency.NameVI},
		Period: StatsPeriod{Name: in.Period.Name, From: in.Period.From.String(), To: in.Period.To.String()}, Status: in.Status,
		Version: in.Version, Due: in.Due.String(), Overdue: in.Overdue, SignedAt: timePtr(in.SignedAt), SignedBy: strPtr(in.SignedBy),
		Indicators: make([]ReportIndicator, 0, len(in.Def.Indicators)), Children: make([]ReportChild, 0, len(in.Children))}
	for _, ind := range in.Def.Indicators {
		o, ok := in.Overrides[ind]
		out.Indicators = append(out.Indicators, ReportIndicator{Code: ind, Data: in.Data[ind], Value: in.Values[ind], Corrected: ok,
			Note: strPtr(o.Note)})
	}
	for _, c := range in.Children {
		st := c.Status
		if st == "" {
			st = "none"
		}
		out.Children = append(out.Children, ReportChild{Agency: AgencyRef{Code: c.Agency.Code.String(), NameVI: c.Agency.NameVI},
			Status: st, Overdue: c.Overdue})
	}
	return out
}

// reportCaller is the common start: a signed-in caller who may read
// statistics somewhere.
func (s *Server) reportCaller(w http.ResponseWriter, r *http.Request) *authz.Principal {
	p := authz.PrincipalFrom(r.Context())
	if !p.Authenticated() {
		s.fail(w, r, unauthenticated("api.reports"))
		return nil
	}
	if !authz.CanSomewhere(p, authz.ReadStats) {
		s.fail(w, r, errs.E("api.reports", errs.Forbidden, "error.forbidden"))
		return nil
	}
	return p
}

func (s *Server) listReports(w http.ResponseWriter, r *http.Request) {
	if s.reportCaller(w, r) == nil {
		return
	}
	defs, err := s.cfg.Reports.Definitions(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := ReportDefinitionList{Items: make([]ReportDefinition, 0, len(defs))}
	for _, d := range defs {
		out.Items = append(out.Items, toDefinition(d))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createReport(w http.ResponseWriter, r *http.Request) {
	p := authz.PrincipalFrom(r.Context())
	if !p.Authenticated() {
		s.fail(w, r, unauthenticated("api.reports"))
		return
	}
	var req ReportDefinitionRequest
	if err := decodeBody(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.cfg.Reports.CreateDefinition(r.Context(), p, report.DefinitionInput{Code: req.Code, NameVI: req.NameVI, NameEN: req.NameEN,
		Indicators: req.Indicators, PeriodKind: req.PeriodKind, DeadlineDays: req.DeadlineDays, RecipientCode: req.Recipient})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/reports")
	writeJSON(w, http.StatusCreated, toDefinition(d))
}

// format reads the format parameter: json (the default), xlsx or pdf.
func format(r *http.Request) (string, error) {
	f := r.URL.Query().Get("format")
	switch f {
	case "", "json":
		return "json", nil
	case "xlsx", "pdf":
		return f, nil
	}
	var v errs.Validation
	v.Add("format", "api.format")
	return "", v.Err("api")
}

func (s *Server) getReport(w http.ResponseWriter, r *http.Request) {
	p := s.reportCaller(w, r)
	if p == nil {
		return
	}
	f, err := format(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in, err := s.cfg.Reports.Open(r.Context(), p, r.PathValue("code"), r.PathValue("agency"), r.PathValue("period"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if f == "json" {
		writeJSON(w, http.StatusOK, toInstance(in))
		return
	}
	lang := s.cfg.Locale.Match(r.Header.Get("Accept-Language"))
	t := s.instanceText(lang, in)
	var body []byte
	if f == "xlsx" {
		var buf bytes.Buffer
		err = in.XLSX(&buf, t)
		body = buf.Bytes()
	} else {
		body, err = in.PDF(t, s.now())
	}
	if err != nil {
		s.fail(w, r, errs.Wrap("api.reports", err))
		return
	}
	blob.ServeGenerated(w, blob.FileName("bao-cao", in.Def.Code, in.Agency.Code.String(), in.Period.Name)+"."+f, blob.FormatType(f), body)
}

func (s *Server) correctReport(w http.ResponseWriter, r *http.Request) {
	p := s.reportCaller(w, r)
	if p == nil {
		return
	}
	var req ReportCorrections
	if err := decodeBody(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	ov := make(map[string]report.Override, len(req.Corrections))
	for k, c := range req.Corrections {
		ov[k] = report.Override{Value: c.Value, Note: c.Note}
	}
	in, err := s.cfg.Reports.Edit(r.Context(), p, r.PathValue("code"), r.PathValue("agency"), r.PathValue("period"), req.Version, ov)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toInstance(in))
}

func (s *Server) signReport(w http.ResponseWriter, r *http.Request) {
	p := s.reportCaller(w, r)
	if p == nil {
		return
	}
	var req ReportSignRequest
	if err := decodeBody(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	in, err := s.cfg.Reports.Sign(r.Context(), p, r.PathValue("code"), r.PathValue("agency"), r.PathValue("period"), req.Version)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toInstance(in))
}

// instanceText is what an exported report prints besides its numbers.
func (s *Server) instanceText(lang locale.Lang, in report.Instance) report.InstanceText {
	t := func(key string, args ...any) string { return s.cfg.Locale.T(lang, key, args...) }
	name := in.Def.NameVI
	ag := in.Agency.NameVI
	if lang == locale.EN {
		name, ag = cmp.Or(in.Def.NameEN, name), in.Agency.Name("en")
	}
	lines := []string{t("reports.export.agency", ag+" ("+in.Agency.Code.String()+")"),
		t("reports.export.period", in.Period.Name, s.rangeText(lang, in.Period)), t("reports.export.due", civil(lang, in.Due.String()))}
	if in.Status == report.Signed {
		lines = append(lines, t("reports.export.signed", in.SignedBy, s.cfg.Locale.DateTime(lang, in.SignedAt)))
	} else {
		lines = append(lines, t("reports.export.draft"))
	}
	lines = append(lines, t("stats.export.at", s.cfg.Locale.DateTime(lang, s.now())))
	return report.InstanceText{Title: name, Lines: lines, Indicator: t("reports.indicator"), Data: t("reports.data"), Value: t("reports.value"),
		Note: t("reports.note"), Label: func(ind string) string { return t("stats.m." + ind) }}
}

// statsText is what an exported statistics table prints besides its
// numbers: the same names as the back office's page.
func (s *Server) statsText(r *http.Request, lang locale.Lang, res report.Result, label func(string) (string, string)) report.Text {
	t := func(key string, args ...any) string { return s.cfg.Locale.T(lang, key, args...) }
	scope := t("stats.platform")
	if res.Query.Agency != "" {
		if a, err := s.cfg.Agencies.ByCode(r.Context(), res.Query.Agency); err == nil {
			scope = a.Name(string(lang)) + " (" + a.Code.String() + ")"
		}
	}
	per := s.rangeText(lang, res.Query.Period)
	if res.Query.Period.Name != "" {
		per = res.Query.Period.Name + ": " + per
	}
	lines := []string{t("stats.export.scope", scope), t("stats.export.period", per)}
	if res.Query.Group != report.ByNone {
		lines = append(lines, t("stats.rows", t("stats.group."+res.Query.Group)))
	}
	lines = append(lines, t("stats.export.at", s.cfg.Locale.DateTime(lang, res.Asked)))
	out := report.Text{Title: t("stats.export.title"), Lines: lines, Total: t("stats.total"), Sheet: t("stats.export.sheet"),
		RowLabel: func(key string) string {
			code, name := label(key)
			if name == "" {
				return code
			}
			return name
		},
		Column: func(col string) string {
			switch col {
			case "avg_work_days":
				return t("stats.avg_days")
			case "avg_legal_days":
				return t("stats.legal_days")
			}
			return t("stats.m." + col)
		}}
	if res.Query.Group != report.ByNone {
		out.Group = t("stats.group." + res.Query.Group)
	}
	return out
}

func (s *Server) rangeText(lang locale.Lang, p report.Period) string {
	return s.cfg.Locale.T(lang, "stats.range", civil(lang, p.From.String()), civil(lang, p.To.String()))
}

// civil writes a YYYY-MM-DD day as the language does.
func civil(lang locale.Lang, day string) string {
	d, err := time.Parse("2006-01-02", day)
	if err != nil {
		return day
	}
	if lang == locale.EN {
		return d.Format("2 Jan 2006")
	}
	return d.Format("02/01/2006")
}

func (s *Server) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}
