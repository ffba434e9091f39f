package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/errs"
)

func (s *Server) catalogList(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "catalog_admin.title")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	p.Form.Set("q", r.URL.Query().Get("q"))
	list, err := s.cfg.Catalog.AdminList(r.Context(), pr, r.URL.Query().Get("q"), 500)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	s.render(w, r, "catalog_admin", p.with("List", list))
}

// editorData adds the choices of the procedure editor.
func (s *Server) editorData(r *http.Request, p *Page) error {
	fields, err := s.cfg.Catalog.Fields(r.Context())
	if err != nil {
		return err
	}
	p.with("Fields", fields).with("Levels", catalog.Levels).with("Applicants", catalog.ApplicantTypes).with("OnlineLevels", catalog.OnlineLevels)
	return nil
}

// docToForm fills the editor from a document.
func docToForm(d catalog.Document, f url.Values) {
	f.Set("code", d.Code)
	f.Set("name_vi", d.NameVI)
	f.Set("name_en", d.NameEN)
	f.Set("field", d.Field)
	f["levels"] = d.Levels
	f["applicants"] = d.Applicants
	f.Set("online_level", d.OnlineLevel)
	f.Set("agencies", strings.Join(d.Agencies, ", "))
	f.Set("receivers", strings.Join(d.Receivers, ", "))
	f.Set("agency_text", d.AgencyText)
	f.Set("description", d.Description)
	f.Set("steps", d.Steps)
	f.Set("conditions", d.Conditions)
	f.Set("publication", d.Publication)
	var res, legal []string
	for _, x := range d.Results {
		res = append(res, strings.TrimRight(strings.Join([]string{x.NameVI, x.Kind, x.Validity, x.NameEN}, " | "), " |"))
	}
	for _, x := range d.LegalBasis {
		legal = append(legal, strings.TrimRight(strings.Join([]string{x.Number, x.Title, x.Date}, " | "), " |"))
	}
	f.Set("results", strings.Join(res, "\n"))
	f.Set("legal_basis", strings.Join(legal, "\n"))
	b, _ := json.MarshalIndent(d.Cases, "", "  ")
	f.Set("cases", string(b))
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// pipeLines reads "a | b | c" lines into their parts.
func pipeLines(s string) [][]string {
	var out [][]string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		parts := strings.Split(l, "|")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		for len(parts) < 4 {
			parts = append(parts, "")
		}
		out = append(out, parts)
	}
	return out
}

// formToDoc reads the editor. A cases block that is not valid JSON is a
// field error like any other.
func formToDoc(f url.Values) (catalog.Document, error) {
	d := catalog.Document{Code: strings.TrimSpace(f.Get("code")), NameVI: f.Get("name_vi"), NameEN: f.Get("name_en"), Field: f.Get("field"),
		Levels: f["levels"], Applicants: f["applicants"], OnlineLevel: f.Get("online_level"), Agencies: splitList(f.Get("agencies")),
		Receivers: splitList(f.Get("receivers")), AgencyText: strings.TrimSpace(f.Get("agency_text")), Description: strings.TrimSpace(f.Get("description")),
		Steps: strings.TrimSpace(strings.ReplaceAll(f.Get("steps"), "\r\n", "\n")), Conditions: strings.TrimSpace(strings.ReplaceAll(f.Get("conditions"), "\r\n", "\n")),
		Publication: strings.TrimSpace(f.Get("publication"))}
	for _, p := range pipeLines(f.Get("results")) {
		d.Results = append(d.Results, catalog.Result{NameVI: p[0], Kind: p[1], Validity: p[2], NameEN: p[3]})
	}
	for _, p := range pipeLines(f.Get("legal_basis")) {
		d.LegalBasis = append(d.LegalBasis, catalog.Legal{Number: p[0], Title: p[1], Date: p[2]})
	}
	if strings.TrimSpace(f.Get("cases")) != "" {
		dec := json.NewDecoder(strings.NewReader(f.Get("cases")))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&d.Cases); err != nil {
			var v errs.Validation
			v.Add("cases", "catalog_admin.cases_json", err.Error())
			return d, v.Err("web.formToDoc")
		}
	}
	return d, nil
}

// editorErrors moves problems located inside lists onto the form control
// that edits the list, keeping the location in the message.
func editorErrors(p *Page, err error) {
	e, ok := errs.As(err)
	if !ok {
		return
	}
	byControl := map[string][]string{}
	for path, m := range e.Fields {
		control := path
		if i := strings.IndexAny(path, "[."); i >= 0 {
			control = path[:i]
		}
		msg := p.T(m.Key, m.Args...)
		if control != path {
			msg = path + ": " + msg
		}
		byControl[control] = append(byControl[control], msg)
	}
	p.Errors = map[string]string{}
	for c, ms := range byControl {
		sort.Strings(ms)
		p.Errors[c] = strings.Join(ms, " · ")
	}
}

func (s *Server) catalogNew(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "catalog_admin.new")
	if s.staff(w, r, p) == nil {
		return
	}
	if err := s.editorData(r, p); err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	docToForm(catalog.Document{OnlineLevel: catalog.OnlineNone, Cases: []catalog.Case{{Code: "TH1", Time: catalog.Duration{Unit: catalog.WorkingDays}}}}, p.Form)
	s.render(w, r, "catalog_edit", p)
}

func (s *Server) catalogEdit(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "catalog_admin.edit")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	d, lock, err := s.cfg.Catalog.Edit(r.Context(), pr, r.PathValue("code"))
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	if err := s.editorData(r, p); err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	docToForm(d, p.Form)
	p.Form.Set("lock", strconv.Itoa(lock))
	s.render(w, r, "catalog_edit", p.with("Code", d.Code))
}

func (s *Server) catalogSave(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "catalog_admin.edit")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	if err := parseForm(w, r); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	p.Form = r.PostForm
	if code := r.PathValue("code"); code != "" {
		p.with("Code", code)
		p.Form.Set("code", code)
	}
	if err := s.editorData(r, p); err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	d, err := formToDoc(r.PostForm)
	if err == nil {
		lock, _ := strconv.Atoi(r.PostForm.Get("lock"))
		_, err = s.cfg.Catalog.SaveDraft(r.Context(), pr, d, lock)
	}
	if err != nil {
		if s.formErrors(p, err) {
			editorErrors(p, err)
			s.renderStatus(w, r, errs.KindOf(err).HTTPStatus(), "catalog_edit", p)
			return
		}
		s.fail(w, r, err, "", p)
		return
	}
	http.Redirect(w, r, "/office/catalog/"+url.PathEscape(d.Code)+"?ok=saved", http.StatusSeeOther)
}

func (s *Server) catalogView(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "catalog_admin.view")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	a, err := s.cfg.Catalog.AdminView(r.Context(), pr, r.PathValue("code"))
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	p.Title = a.Versions[0].Doc.NameVI
	s.render(w, r, "catalog_view", p.with("A", a))
}

func (s *Server) catalogPublish(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "catalog_admin.view")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	if _, err := s.cfg.Catalog.Publish(r.Context(), pr, r.PathValue("code")); err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	http.Redirect(w, r, "/office/catalog/"+url.PathEscape(r.PathValue("code"))+"?ok=published", http.StatusSeeOther)
}

func (s *Server) catalogWithdraw(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "catalog_admin.view")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	if err := parseForm(w, r); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	if err := s.cfg.Catalog.Withdraw(r.Context(), pr, r.PathValue("code"), r.PostForm.Get("reason")); err != nil {
		if errs.KindOf(err) == errs.Invalid {
			a, aerr := s.cfg.Catalog.AdminView(r.Context(), pr, r.PathValue("code"))
			if aerr == nil {
				s.formErrors(p, err)
				p.Title = a.Versions[0].Doc.NameVI
				s.renderStatus(w, r, http.StatusUnprocessableEntity, "catalog_view", p.with("A", a))
				return
			}
		}
		s.fail(w, r, err, "", p)
		return
	}
	http.Redirect(w, r, "/office/catalog/"+url.PathEscape(r.PathValue("code"))+"?ok=withdrawn", http.StatusSeeOther)
}

func (s *Server) catalogPreview(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "catalog_admin.view")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	a, err := s.cfg.Catalog.AdminView(r.Context(), pr, r.PathValue("code"))
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	s.showProcedure(w, r, p, a.Versions[0], a.Versions[0].Status == catalog.Draft)
}

func (s *Server) catalogCompare(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "catalog_admin.compare")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	a, err := s.cfg.Catalog.AdminView(r.Context(), pr, r.PathValue("code"))
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	byNum := map[int]catalog.Version{}
	for _, v := range a.Versions {
		byNum[v.Number] = v
	}
	na, _ := strconv.Atoi(r.URL.Query().Get("a"))
	nb, _ := strconv.Atoi(r.URL.Query().Get("b"))
	va, oka := byNum[na]
	vb, okb := byNum[nb]
	if !oka || !okb {
		s.fail(w, r, errs.E("web.compare", errs.NotFound, "catalog_admin.no_version"), "", p)
		return
	}
	s.render(w, r, "catalog_compare", p.with("A", a).with("VA", va).with("VB", vb).with("Changes", catalog.Compare(va.Doc, vb.Doc)))
}

func (s *Server) catalogImportPage(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "catalog_admin.import")
	if s.staff(w, r, p) == nil {
		return
	}
	s.render(w, r, "catalog_import", p)
}

// maxImport bounds an uploaded catalogue file.
const maxImport = 32 << 20

func (s *Server) catalogImport(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "catalog_admin.import")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxImport)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		p.Problem = p.T("catalog_admin.upload_failed")
		s.renderStatus(w, r, http.StatusBadRequest, "catalog_import", p)
		return
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		p.Errors["file"] = p.T("field.required")
		p.Problem = p.T("error.invalid")
		s.renderStatus(w, r, http.StatusUnprocessableEntity, "catalog_import", p)
		return
	}
	defer file.Close()
	raw, err := io.ReadAll(file)
	if err != nil {
		s.fail(w, r, errs.Wrap("web.import", err), "", p)
		return
	}
	publish := r.FormValue("publish") != ""
	if publish {
		p.Form.Set("publish", "on")
	}
	res, problems, err := s.importCatalog(r, pr, hdr.Filename, raw, publish)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	if len(problems) > 0 {
		p.Problem = p.T("catalog_admin.import_failed", len(problems))
		s.renderStatus(w, r, http.StatusUnprocessableEntity, "catalog_import", p.with("Problems", problems))
		return
	}
	p.Flash = p.T("catalog_admin.imported", res.Procedures, res.Published, res.Fields)
	s.render(w, r, "catalog_import", p)
}

// importProblem is one problem of an import, located for the reader.
type importProblem struct {
	Where   string
	Message string
}

// importCatalog reads a JSON or XLSX upload and imports it all or nothing,
// returning the problems located by path (JSON) or sheet, row and column
// (XLSX).
func (s *Server) importCatalog(r *http.Request, pr *authz.Principal, name string, raw []byte, publish bool) (catalog.ImportResult, []importProblem, error) {
	lang := s.lang(r)
	t := func(key string, args ...any) string { return s.cfg.Locale.T(lang, key, args...) }
	var b catalog.Bundle
	var located func(map[string]errs.Msg) []importProblem
	switch strings.ToLower(path.Ext(name)) {
	case ".xlsx":
		bundle, cells, m, err := catalog.ReadXLSXMapped(strings.NewReader(string(raw)))
		if err != nil {
			return catalog.ImportResult{}, nil, err
		}
		cellProblems := func(cells []catalog.CellProblem) []importProblem {
			var out []importProblem
			for _, c := range cells {
				key, args := c.Where()
				out = append(out, importProblem{Where: t(key, args...), Message: t(c.Key, c.Args...)})
			}
			return out
		}
		if len(cells) > 0 {
			return catalog.ImportResult{}, cellProblems(cells), nil
		}
		b = bundle
		located = func(fields map[string]errs.Msg) []importProblem { return cellProblems(m.Locate(fields)) }
	case ".json":
		bundle, err := catalog.DecodeBundle(raw)
		if err != nil {
			return catalog.ImportResult{}, pathProblems(t, err), nil
		}
		b = bundle
		located = func(fields map[string]errs.Msg) []importProblem { return pathProblems(t, &errs.Error{Fields: fields}) }
	default:
		return catalog.ImportResult{}, []importProblem{{Where: name, Message: t("catalog_admin.file_type")}}, nil
	}
	res, err := s.cfg.Catalog.Import(r.Context(), pr, b, publish)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		return res, located(e.Fields), nil
	}
	return res, nil, err
}

func pathProblems(t func(string, ...any) string, err error) []importProblem {
	e, ok := errs.As(err)
	if !ok {
		return []importProblem{{Message: err.Error()}}
	}
	var out []importProblem
	for path, m := range e.Fields {
		out = append(out, importProblem{Where: path, Message: t(m.Key, m.Args...)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Where < out[j].Where })
	return out
}

func (s *Server) catalogExportJSON(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "catalog_admin.title")
	if s.staff(w, r, p) == nil {
		return
	}
	b, err := s.cfg.Catalog.Export(r.Context())
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="danh-muc-thu-tuc.json"`)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	enc.Encode(b)
}

func (s *Server) catalogExportXLSX(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "catalog_admin.title")
	if s.staff(w, r, p) == nil {
		return
	}
	b, err := s.cfg.Catalog.Export(r.Context())
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	s.sendXLSX(w, r, p, "danh-muc-thu-tuc.xlsx", func(wr io.Writer) error { return catalog.WriteXLSX(wr, b) })
}

func (s *Server) catalogTemplateXLSX(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "catalog_admin.title")
	s.sendXLSX(w, r, p, "mau-nhap-thu-tuc.xlsx", catalog.TemplateXLSX)
}

func (s *Server) sendXLSX(w http.ResponseWriter, r *http.Request, p *Page, name string, write func(io.Writer) error) {
	var buf strings.Builder
	if err := write(&buf); err != nil {
		s.fail(w, r, errs.Wrap("web.xlsx", err), "", p)
		return
	}
	w.Header().Set("Content-Type", blob.XLSXType)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	io.WriteString(w, buf.String())
}
