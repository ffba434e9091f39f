package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/errs"
)

// searchForm reads a catalogue query from the URL.
func searchForm(v url.Values) catalog.Query {
	page, _ := strconv.Atoi(v.Get("page"))
	return catalog.Query{Text: v.Get("q"), Field: v.Get("field"), Level: v.Get("level"), Agency: v.Get("agency"),
		Applicant: v.Get("applicant"), Online: v.Get("online"), Page: page, PerPage: 20}
}

// agencyIndex maps codes to agencies for naming them on pages.
func (s *Server) agencyIndex(r *http.Request) (map[string]agency.Agency, []agency.Agency, error) {
	all, err := s.cfg.Agencies.List(r.Context())
	if err != nil {
		return nil, nil, err
	}
	m := make(map[string]agency.Agency, len(all))
	for _, a := range all {
		m[a.Code.String()] = a
	}
	return m, all, nil
}

func (s *Server) procedureSearch(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "procedures.title")
	q := r.URL.Query()
	for _, k := range []string{"q", "field", "level", "agency", "applicant", "online"} {
		p.Form.Set(k, q.Get(k))
	}
	query := searchForm(q)
	res, err := s.cfg.Catalog.Search(r.Context(), query)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	fields, err := s.cfg.Catalog.Fields(r.Context())
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	_, agencies, err := s.agencyIndex(r)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	fieldNames := map[string]string{}
	for _, f := range fields {
		fieldNames[f.Code] = p.Pick(f.NameVI, f.NameEN)
	}
	// Links to other pages keep the filters.
	base := url.Values{}
	for _, k := range []string{"q", "field", "level", "agency", "applicant", "online"} {
		if v := q.Get(k); v != "" {
			base.Set(k, v)
		}
	}
	var pages []pageLink
	for i := 1; i <= res.Pages(); i++ {
		if i == 1 || i == res.Pages() || (i >= res.Page-2 && i <= res.Page+2) {
			base.Set("page", strconv.Itoa(i))
			pages = append(pages, pageLink{N: i, Href: "/procedures?" + base.Encode(), Current: i == res.Page})
		} else if len(pages) > 0 && pages[len(pages)-1].N != 0 {
			pages = append(pages, pageLink{})
		}
	}
	if q.Get("q") != "" {
		p.Title = p.T("procedures.results_for", q.Get("q"))
	}
	s.render(w, r, "procedures", p.with("Results", res).with("Fields", fields).with("FieldNames", fieldNames).
		with("Agencies", agencies).with("Pages", pages).with("Levels", catalog.Levels).with("Applicants", catalog.ApplicantTypes).
		with("OnlineLevels", catalog.OnlineLevels))
}

type pageLink struct {
	N       int // 0 = a gap
	Href    string
	Current bool
}

func (s *Server) procedurePage(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "procedures.title")
	version := 0
	if v := r.URL.Query().Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			s.fail(w, r, errs.E("web.procedure", errs.NotFound, "catalog.not_found"), "", p)
			return
		}
		version = n
	}
	v, err := s.cfg.Catalog.Published(r.Context(), r.PathValue("code"), version)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	s.showProcedure(w, r, p, v, false)
}

// showProcedure renders a version as citizens see it; preview marks an
// administrator's preview of a draft.
func (s *Server) showProcedure(w http.ResponseWriter, r *http.Request, p *Page, v catalog.Version, preview bool) {
	byCode, _, err := s.agencyIndex(r)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	field, err := s.cfg.Catalog.Field(r.Context(), v.Doc.Field)
	if err != nil {
		field = catalog.Field{Code: v.Doc.Field, NameVI: v.Doc.Field}
	}
	receivers := v.Doc.Receivers
	if len(receivers) == 0 {
		receivers = v.Doc.Agencies
	}
	var current catalog.Version
	if !preview {
		current, _ = s.cfg.Catalog.Published(r.Context(), v.Doc.Code, 0)
	}
	p.Title = p.Pick(v.Doc.NameVI, v.Doc.NameEN)
	s.render(w, r, "procedure", p.with("V", v).with("D", v.Doc).with("Field", field).with("Agencies", byCode).
		with("Receivers", receivers).with("Preview", preview).with("Current", current.Number))
}

func (s *Server) fieldList(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "fields.title")
	fields, err := s.cfg.Catalog.Fields(r.Context())
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	s.render(w, r, "fields", p.with("Fields", fields))
}

func (s *Server) agencyBrowse(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "browse_agencies.title")
	counts, err := s.cfg.Catalog.AgencyCounts(r.Context())
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	_, all, err := s.agencyIndex(r)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	type row struct {
		agency.Agency
		Count int
	}
	var rows []row
	for _, a := range all {
		if n := counts[a.Code.String()]; n > 0 && a.Active {
			rows = append(rows, row{a, n})
		}
	}
	s.render(w, r, "browse_agencies", p.with("Agencies", rows))
}

func (s *Server) procedureFormPDF(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "procedures.title")
	version, _ := strconv.Atoi(r.URL.Query().Get("version"))
	v, err := s.cfg.Catalog.Published(r.Context(), r.PathValue("code"), version)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	var c *catalog.Case
	for i := range v.Doc.Cases {
		if v.Doc.Cases[i].Code == r.PathValue("case") {
			c = &v.Doc.Cases[i]
		}
	}
	if c == nil || len(c.Form) == 0 {
		s.fail(w, r, errs.E("web.formPDF", errs.NotFound, "catalog.form.none"), "", p)
		return
	}
	b, err := catalog.BlankForm(v.Doc, *c, v.Number)
	if err != nil {
		s.fail(w, r, errs.Wrap("web.formPDF", err), "", p)
		return
	}
	name := "to-khai-" + strings.ReplaceAll(v.Doc.Code, ".", "-") + "-" + strings.ToLower(c.Code) + ".pdf"
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(b)
}
