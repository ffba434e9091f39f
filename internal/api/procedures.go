package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/errs"
)

// ProcedureSummary is a procedure in a search result.
type ProcedureSummary struct {
	Code        string `json:"code"`
	NameVI      string `json:"name_vi"`
	NameEN      string `json:"name_en"`
	Field       string `json:"field"`
	OnlineLevel string `json:"online_level"`
	Version     int    `json:"version"`
}

// ProcedureList is one page of a search.
type ProcedureList struct {
	Items   []ProcedureSummary `json:"items"`
	Total   int                `json:"total"`
	Page    int                `json:"page"`
	PerPage int                `json:"per_page"`
	Pages   int                `json:"pages"`
}

// Procedure is one version of a procedure with its whole content.
type Procedure struct {
	Code        string           `json:"code"`
	Version     int              `json:"version"`
	Status      string           `json:"status"`
	PublishedAt *time.Time       `json:"published_at"`
	Document    catalog.Document `json:"document"`
	// Lock is the procedure's lock version, given to those who may edit
	// it, to send with the next draft.
	Lock *int `json:"lock,omitempty"`
}

// FieldEntry is a field with its count of published procedures.
type FieldEntry struct {
	Code       string `json:"code"`
	NameVI     string `json:"name_vi"`
	NameEN     string `json:"name_en"`
	Procedures int    `json:"procedures"`
}

// FieldList lists the fields.
type FieldList struct {
	Items []FieldEntry `json:"items"`
}

// intParam reads an optional positive integer query parameter.
func intParam(r *http.Request, name string, def, max int) (int, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		var val errs.Validation
		val.Add(name, "api.int_range", max)
		return 0, val.Err("api")
	}
	return n, nil
}

func (s *Server) searchProcedures(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, err := intParam(r, "page", 1, 100000)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	per, err := intParam(r, "per_page", 20, 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.cfg.Catalog.Search(r.Context(), catalog.Query{Text: q.Get("q"), Field: q.Get("field"), Level: q.Get("level"),
		Agency: q.Get("agency"), Applicant: q.Get("applicant"), Online: q.Get("online"), Page: page, PerPage: per})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := ProcedureList{Items: make([]ProcedureSummary, 0, len(res.Items)), Total: res.Total, Page: res.Page, PerPage: res.PerPage, Pages: res.Pages()}
	for _, it := range res.Items {
		out.Items = append(out.Items, ProcedureSummary(it))
	}
	writeJSON(w, http.StatusOK, out)
}

func toProcedure(v catalog.Version) Procedure {
	p := Procedure{Code: v.Doc.Code, Version: v.Number, Status: v.Status, Document: v.Doc}
	if !v.PublishedAt.IsZero() {
		t := v.PublishedAt.UTC()
		p.PublishedAt = &t
	}
	return p
}

func (s *Server) getProcedure(w http.ResponseWriter, r *http.Request) {
	version := 0
	if r.URL.Query().Get("version") != "" {
		n, err := intParam(r, "version", 0, 1<<30)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		version = n
	}
	v, err := s.cfg.Catalog.Published(r.Context(), r.PathValue("code"), version)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toProcedure(v))
}

func (s *Server) listFields(w http.ResponseWriter, r *http.Request) {
	fs, err := s.cfg.Catalog.Fields(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := FieldList{Items: make([]FieldEntry, 0, len(fs))}
	for _, f := range fs {
		out.Items = append(out.Items, FieldEntry{Code: f.Code, NameVI: f.NameVI, NameEN: f.NameEN, Procedures: f.Procedures})
	}
	writeJSON(w, http.StatusOK, out)
}

// DraftRequest saves a draft: the document and the lock version the client
// read (0 for a new procedure).
type DraftRequest struct {
	Lock     int              `json:"lock"`
	Document catalog.Document `json:"document"`
}

// maxBody bounds JSON request bodies; a whole catalogue fits easily.
const maxBody = 32 << 20

// decodeBody reads a JSON body strictly into v.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			err = errors.New("data after the JSON value")
		}
	}
	if err != nil {
		var val errs.Validation
		val.Add("body", "api.bad_json", err.Error())
		return val.Err("api")
	}
	return nil
}

func (s *Server) saveDraft(w http.ResponseWriter, r *http.Request) {
	var req DraftRequest
	if err := decodeBody(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.Document.Code == "" {
		req.Document.Code = r.PathValue("code")
	}
	if req.Document.Code != r.PathValue("code") {
		var v errs.Validation
		v.Add("document.code", "api.code_mismatch")
		s.fail(w, r, v.Err("api.saveDraft"))
		return
	}
	v, err := s.cfg.Catalog.SaveDraft(r.Context(), authz.PrincipalFrom(r.Context()), req.Document, req.Lock)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		// Problems are located in the request body, under "document".
		c := *e
		c.Fields = map[string]errs.Msg{}
		for k, m := range e.Fields {
			c.Fields["document."+k] = m
		}
		err = &c
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeWithLock(w, r, v)
}

func (s *Server) publishProcedure(w http.ResponseWriter, r *http.Request) {
	v, err := s.cfg.Catalog.Publish(r.Context(), authz.PrincipalFrom(r.Context()), r.PathValue("code"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeWithLock(w, r, v)
}

// writeWithLock answers a write with the version and the procedure's lock
// version, which the client sends with its next draft.
func (s *Server) writeWithLock(w http.ResponseWriter, r *http.Request, v catalog.Version) {
	out := toProcedure(v)
	if _, lock, err := s.cfg.Catalog.Edit(r.Context(), authz.PrincipalFrom(r.Context()), v.Doc.Code); err == nil {
		out.Lock = &lock
	}
	writeJSON(w, http.StatusOK, out)
}

// WithdrawRequest gives the reason a procedure is withdrawn.
type WithdrawRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) withdrawProcedure(w http.ResponseWriter, r *http.Request) {
	var req WithdrawRequest
	if err := decodeBody(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.cfg.Catalog.Withdraw(r.Context(), authz.PrincipalFrom(r.Context()), r.PathValue("code"), req.Reason); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ImportResult says what an import did.
type ImportResult struct {
	Fields     int `json:"fields"`
	Procedures int `json:"procedures"`
	Published  int `json:"published"`
}

// importCatalog takes a JSON bundle or an XLSX workbook (by Content-Type)
// and imports it all or nothing; problems come back as field errors keyed
// by path ("procedures[1].cases[0].fees[0].amount_vnd") or by cell
// ("Phí lệ phí!F7").
func (s *Server) importCatalog(w http.ResponseWriter, r *http.Request) {
	p := authz.PrincipalFrom(r.Context())
	if !authz.CanSomewhere(p, authz.ManageCatalog) {
		s.fail(w, r, authz.Authorize("api.import", p, authz.ManageCatalog, authz.Object{AgencyPath: "-"}))
		return
	}
	publish := r.URL.Query().Get("publish") == "true"
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var v errs.Validation
		v.Add("body", "api.body_too_large", maxBody>>20)
		s.fail(w, r, v.Err("api.import"))
		return
	}
	var b catalog.Bundle
	var locate func(map[string]errs.Msg) map[string]errs.Msg
	if strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") {
		bundle, cells, m, err := catalog.ReadXLSXMapped(strings.NewReader(string(raw)))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(cells) > 0 {
			s.fail(w, r, cellErrors(cells))
			return
		}
		b = bundle
		locate = func(fields map[string]errs.Msg) map[string]errs.Msg { return cellFields(m.Locate(fields)) }
	} else {
		if b, err = catalog.DecodeBundle(raw); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	res, err := s.cfg.Catalog.Import(r.Context(), p, b, publish)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid && locate != nil {
		c := *e
		c.Fields = locate(e.Fields)
		err = &c
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ImportResult(res))
}

// cellFields keys workbook problems by sheet and cell ("Phí lệ phí!F7",
// "Thủ tục!3:3" for a row, "Thủ tục" for a sheet); several problems at one
// place get "#2", "#3" … so that none is lost.
func cellFields(cells []catalog.CellProblem) map[string]errs.Msg {
	out := map[string]errs.Msg{}
	for _, c := range cells {
		key := c.Sheet
		if cell := c.Cell(); cell != "" {
			key += "!" + cell
		}
		if key == "" {
			key = "file"
			if c.Path != "" {
				key = c.Path
			}
		}
		k := key
		for n := 2; ; n++ {
			if _, taken := out[k]; !taken {
				break
			}
			k = fmt.Sprintf("%s #%d", key, n)
		}
		out[k] = errs.Msg{Key: c.Key, Args: c.Args}
	}
	return out
}

func cellErrors(cells []catalog.CellProblem) error {
	return &errs.Error{Op: "api.import", Kind: errs.Invalid, Msg: errs.Msg{Key: "error.invalid"}, Fields: cellFields(cells)}
}

func (s *Server) exportCatalog(w http.ResponseWriter, r *http.Request) {
	b, err := s.cfg.Catalog.Export(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}
