package api

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/report"
)

// Statistics: the figures of a period (GET /api/v1/stats), the dossiers
// behind one figure (GET /api/v1/stats/dossiers) and the 766 index (GET
// /api/v1/index766). The report service decides who may see which
// agency's figures; they are aggregates, and the lists name dossiers by
// code and procedure only.

// StatsPeriod is the range of days counted.
type StatsPeriod struct {
	Name string `json:"name"` // "2026-Q1", "c2026-03"; "" for a free range
	From string `json:"from"`
	To   string `json:"to"`
}

// StatsQuery is what was counted: the filters as the server understood
// them, defaults filled in.
type StatsQuery struct {
	Agency    *string     `json:"agency"` // null: the whole platform
	Tier      string      `json:"tier"`
	Procedure string      `json:"procedure"`
	Field     string      `json:"field"`
	Officer   *int64      `json:"officer"`
	Group     string      `json:"group"`
	Period    StatsPeriod `json:"period"`
}

// StatsFigures are report.Figures with the rates derived from them; a
// rate or average is null when there is nothing to divide by.
type StatsFigures struct {
	report.Figures
	OnTimeRate       *float64 `json:"on_time_rate"`
	OnlineRate       *float64 `json:"online_rate"`
	SatisfactionRate *float64 `json:"satisfaction_rate"`
	AvgWorkDays      *float64 `json:"avg_work_days"`
	AvgLegalDays     *float64 `json:"avg_legal_days"`
}

// StatsRow is the figures of one group: an agency (key = its code), a
// procedure or field (its code), an officer (account id) or a period (its
// first day).
type StatsRow struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	StatsFigures
}

// Stats is the answer to GET /api/v1/stats.
type Stats struct {
	StatsQuery
	Agencies int          `json:"agencies"` // how many agencies were counted
	Total    StatsFigures `json:"total"`
	Rows     []StatsRow   `json:"rows"`
}

// StatsDossier is one dossier behind a figure: no personal data.
type StatsDossier struct {
	ID            int64      `json:"id"`
	Code          *string    `json:"code"`
	ProcedureCode string     `json:"procedure_code"`
	ProcedureName string     `json:"procedure_name"`
	Status        string     `json:"status"`
	Channel       string     `json:"channel"`
	ReceivedAt    *time.Time `json:"received_at"`
	DueAt         *time.Time `json:"due_at"`
	FinishedAt    *time.Time `json:"finished_at"`
	Timeliness    *string    `json:"timeliness"`
}

// StatsDossierList is a page of the dossiers behind a figure.
type StatsDossierList struct {
	StatsQuery
	Metric string         `json:"metric"`
	Page   int            `json:"page"`
	More   bool           `json:"more"`
	Items  []StatsDossier `json:"items"`
}

// IndexItemScore is one data point of the 766 index: its raw rate and the
// points it earns. Numerator, denominator and rate are null when the
// point has no data, and reason says why.
type IndexItemScore struct {
	Code        string   `json:"code"`
	Max         float64  `json:"max"`
	Points      float64  `json:"points"`
	Available   bool     `json:"available"`
	Numerator   *float64 `json:"numerator"`
	Denominator *float64 `json:"denominator"`
	Rate        *float64 `json:"rate"`
	Reason      *string  `json:"reason"`
}

// IndexGroupScore is one of the five groups.
type IndexGroupScore struct {
	Code   string           `json:"code"`
	NameVI string           `json:"name_vi"`
	NameEN string           `json:"name_en"`
	Max    float64          `json:"max"`
	Points float64          `json:"points"`
	Items  []IndexItemScore `json:"items"`
}

// IndexGroupPoints is a group's points in a row.
type IndexGroupPoints struct {
	Code   string  `json:"code"`
	Points float64 `json:"points"`
}

// IndexRow is the index of one group row (an agency, for the ranking).
type IndexRow struct {
	Key        string             `json:"key"`
	Label      string             `json:"label"`
	Points     float64            `json:"points"`
	OnTimeRate *float64           `json:"on_time_rate"`
	Groups     []IndexGroupPoints `json:"groups"`
}

// Index766 is the answer to GET /api/v1/index766.
type Index766 struct {
	StatsQuery
	Points float64           `json:"points"`
	Groups []IndexGroupScore `json:"groups"`
	Rows   []IndexRow        `json:"rows"`
}

func rate(v float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	return &v
}

func toFigures(f report.Figures) StatsFigures {
	return StatsFigures{Figures: f, OnTimeRate: rate(f.OnTimeRate()), OnlineRate: rate(f.OnlineRate()),
		SatisfactionRate: rate(f.SatisfactionRate()), AvgWorkDays: rate(f.AvgWorkDays()), AvgLegalDays: rate(f.AvgLegalDays())}
}

// statsQuery reads the filters. Without agency the caller's own agency is
// counted; an empty agency= asks for the whole platform (platform
// administrators). A named period wins over from/to; with neither, the
// current reporting month (ND 09/2019).
func (s *Server) statsQuery(r *http.Request, p *authz.Principal) (report.Query, error) {
	v := r.URL.Query()
	q := report.Query{Tier: strings.TrimSpace(v.Get("tier")), Procedure: strings.TrimSpace(v.Get("procedure")),
		Field: strings.TrimSpace(v.Get("field")), Group: v.Get("group"), Agency: p.AgencyCode}
	if v.Has("agency") {
		q.Agency = strings.TrimSpace(v.Get("agency"))
	}
	if o := strings.TrimSpace(v.Get("officer")); o != "" {
		n, err := report.ParseOfficer(o)
		if err != nil {
			return q, err
		}
		q.Officer = n
	}
	name, from, to := strings.TrimSpace(v.Get("period")), strings.TrimSpace(v.Get("from")), strings.TrimSpace(v.Get("to"))
	if name == "" && from == "" && to == "" {
		q.Period = report.Current(report.Month, s.cfg.Reports.Today())
		return q, nil
	}
	var err error
	q.Period, err = report.PeriodOf(name, from, to)
	return q, err
}

// toQuery echoes the query, the agency's code in its canonical form
// whatever form the caller typed (the service has already resolved it).
func (s *Server) toQuery(r *http.Request, q report.Query) StatsQuery {
	out := StatsQuery{Agency: strPtr(q.Agency), Tier: q.Tier, Procedure: q.Procedure, Field: q.Field, Officer: idPtr(q.Officer),
		Group: q.Group, Period: StatsPeriod{Name: q.Period.Name, From: q.Period.From.String(), To: q.Period.To.String()}}
	if out.Agency != nil {
		if a, err := s.cfg.Agencies.ByCode(r.Context(), q.Agency); err == nil {
			*out.Agency = a.Code.String()
		}
	}
	return out
}

// labels names the keys of grouped rows.
func (s *Server) labels(r *http.Request, res report.Result) (func(string) (string, string), error) {
	byID := map[string]agency.Agency{}
	for _, a := range res.Scope {
		byID[strconv.FormatInt(a.ID, 10)] = a
	}
	fields := map[string]string{}
	if res.Query.Group == report.ByField {
		fs, err := s.cfg.Catalog.Fields(r.Context())
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			fields[f.Code] = f.NameVI
		}
	}
	return func(key string) (string, string) {
		switch res.Query.Group {
		case report.ByAgency:
			if a, ok := byID[key]; ok {
				return a.Code.String(), a.NameVI
			}
		case report.ByField:
			return key, fields[key]
		case report.ByMonth:
			if d, err := calendar.ParseDate(key); err == nil {
				return key, report.Current(report.Month, d).Name
			}
		case report.ByOfficer:
			if id, err := strconv.ParseInt(key, 10, 64); err == nil {
				return key, res.Officers[id]
			}
		}
		return key, ""
	}, nil
}

// statsRequest authenticates a statistics request and reads its query;
// false when it has already answered with the error.
func (s *Server) statsRequest(w http.ResponseWriter, r *http.Request, op string) (*authz.Principal, report.Query, bool) {
	p := authz.PrincipalFrom(r.Context())
	if !p.Authenticated() {
		s.fail(w, r, unauthenticated(op))
		return nil, report.Query{}, false
	}
	q, err := s.statsQuery(r, p)
	if err != nil {
		s.fail(w, r, err)
		return nil, report.Query{}, false
	}
	return p, q, true
}

func (s *Server) getStats(w http.ResponseWriter, r *http.Request) {
	p, q, ok := s.statsRequest(w, r, "api.stats")
	if !ok {
		return
	}
	f, err := format(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.cfg.Reports.Stats(r.Context(), p, q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	label, err := s.labels(r, res)
	if err != nil {
		s.fail(w, r, errs.Wrap("api.stats", err))
		return
	}
	if f != "json" {
		s.statsFile(w, r, f, res, label)
		return
	}
	out := Stats{StatsQuery: s.toQuery(r, res.Query), Agencies: len(res.Scope), Total: toFigures(res.Total), Rows: make([]StatsRow, 0, len(res.Rows))}
	for _, row := range res.Rows {
		k, l := label(row.Key)
		out.Rows = append(out.Rows, StatsRow{Key: k, Label: l, StatsFigures: toFigures(row.Figures)})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getStatsDossiers(w http.ResponseWriter, r *http.Request) {
	p, q, ok := s.statsRequest(w, r, "api.stats")
	if !ok {
		return
	}
	page, err := intParam(r, "page", 1, 100000)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	metric := r.URL.Query().Get("metric")
	if metric == "" {
		metric = "received"
	}
	items, more, err := s.cfg.Reports.Dossiers(r.Context(), p, q, metric, page-1)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := StatsDossierList{StatsQuery: s.toQuery(r, q), Metric: metric, Page: page, More: more, Items: make([]StatsDossier, 0, len(items))}
	for _, it := range items {
		out.Items = append(out.Items, StatsDossier{ID: it.ID, Code: strPtr(it.Code), ProcedureCode: it.ProcedureCode,
			ProcedureName: it.ProcedureName, Status: string(it.Status), Channel: it.Channel, ReceivedAt: timePtr(it.ReceivedAt),
			DueAt: timePtr(it.DueAt), FinishedAt: timePtr(it.FinishedAt), Timeliness: strPtr(it.Timeliness)})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getIndex766(w http.ResponseWriter, r *http.Request) {
	p, q, ok := s.statsRequest(w, r, "api.index766")
	if !ok {
		return
	}
	res, err := s.cfg.Reports.Index766(r.Context(), p, q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	label, err := s.labels(r, res.Result)
	if err != nil {
		s.fail(w, r, errs.Wrap("api.index766", err))
		return
	}
	lang := s.cfg.Locale.Match(r.Header.Get("Accept-Language"))
	out := Index766{StatsQuery: s.toQuery(r, res.Query), Points: res.Index.Points, Groups: make([]IndexGroupScore, 0, len(res.Index.Groups)),
		Rows: make([]IndexRow, 0, len(res.Rows))}
	for _, g := range res.Index.Groups {
		gs := IndexGroupScore{Code: g.Group.Code, NameVI: g.Group.NameVI, NameEN: g.Group.NameEN, Max: g.Group.Points, Points: g.Points,
			Items: make([]IndexItemScore, 0, len(g.Items))}
		for _, it := range g.Items {
			is := IndexItemScore{Code: it.Code, Max: it.Max, Points: it.Points, Available: it.Value.Available}
			if it.Value.Available {
				num, den, rt := it.Value.Num, it.Value.Den, it.Value.Rate()
				is.Numerator, is.Denominator, is.Rate = &num, &den, &rt
			} else {
				msg := s.cfg.Locale.T(lang, it.Value.Reason)
				is.Reason = &msg
			}
			gs.Items = append(gs.Items, is)
		}
		out.Groups = append(out.Groups, gs)
	}
	for _, row := range res.Rows {
		k, l := label(row.Key)
		ir := IndexRow{Key: k, Label: l, Points: row.Index.Points, OnTimeRate: rate(row.Index.Figures.OnTimeRate()),
			Groups: make([]IndexGroupPoints, 0, len(row.Index.Groups))}
		for _, g := range row.Index.Groups {
			ir.Groups = append(ir.Groups, IndexGroupPoints{Code: g.Group.Code, Points: g.Points})
		}
		out.Rows = append(out.Rows, ir)
	}
	writeJSON(w, http.StatusOK, out)
}

// statsFile sends the figures as a workbook or a PDF, with the names of
// the back office's statistics page in the caller's language.
func (s *Server) statsFile(w http.ResponseWriter, r *http.Request, f string, res report.Result, label func(string) (string, string)) {
	t := s.statsText(r, s.cfg.Locale.Match(r.Header.Get("Accept-Language")), res, label)
	var body []byte
	var err error
	if f == "xlsx" {
		var buf bytes.Buffer
		err = res.XLSX(&buf, t)
		body = buf.Bytes()
	} else {
		body, err = res.PDF(t, res.Asked)
	}
	if err != nil {
		s.fail(w, r, errs.Wrap("api.stats", err))
		return
	}
	blob.ServeGenerated(w, blob.FileName("thong-ke", res.Query.Agency, res.Query.Period.Slug())+"."+f, blob.FormatType(f), body)
}
