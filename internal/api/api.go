// Package api serves Motcua's JSON API under /api/v1, described by the
// OpenAPI 3 document it also serves at /api/v1/openapi.json.
//
// Every error has one shape: {"error":{"code":…,"message":…,"fields":{…}}},
// where code is the machine-readable kind and message is in the language
// the client asked for (Accept-Language; Vietnamese by default).
package api

import (
	"embed"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/dossier"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/locale"
	"github.com/motcua/motcua/internal/ratelimit"
	"github.com/motcua/motcua/internal/report"
)

//go:embed openapi.json
var openapiFS embed.FS

// Config is what the API needs.
type Config struct {
	Agencies *agency.Service
	Units    *agency.AdminUnits
	Catalog  *catalog.Service
	Dossiers *dossier.Service
	Reports  *report.Service // statistics, the 766 index, periodic reports
	Blobs    blob.Store      // the files of dossiers
	Upload   blob.Policy     // what an uploaded file may be
	// LookupLimit limits public lookups by dossier code per client; nil
	// for no limit.
	LookupLimit *ratelimit.Keyed
	Locale      *locale.Catalog
	Logger      *slog.Logger
	Now         func() time.Time // the time printed on exports; nil for the real one
}

// Server is the JSON edge.
type Server struct {
	cfg     Config
	openapi []byte
}

// New returns a Server.
func New(cfg Config) (*Server, error) {
	doc, err := openapiFS.ReadFile("openapi.json")
	if err != nil {
		return nil, err
	}
	var check map[string]any
	if err := json.Unmarshal(doc, &check); err != nil {
		return nil, err
	}
	return &Server{cfg: cfg, openapi: doc}, nil
}

// Register adds the API routes to mux.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/openapi.json", s.openAPI)
	mux.HandleFunc("GET /api/v1/agencies", s.listAgencies)
	mux.HandleFunc("GET /api/v1/agencies/{code}", s.getAgency)
	mux.HandleFunc("GET /api/v1/admin-units", s.searchAdminUnits)
	mux.HandleFunc("GET /api/v1/admin-units/{code}", s.getAdminUnit)
	mux.HandleFunc("GET /api/v1/me", s.me)
	mux.HandleFunc("GET /api/v1/procedures", s.searchProcedures)
	mux.HandleFunc("GET /api/v1/procedures/{code}", s.getProcedure)
	mux.HandleFunc("PUT /api/v1/procedures/{code}/draft", s.saveDraft)
	mux.HandleFunc("POST /api/v1/procedures/{code}/publish", s.publishProcedure)
	mux.HandleFunc("POST /api/v1/procedures/{code}/withdraw", s.withdrawProcedure)
	mux.HandleFunc("GET /api/v1/fields", s.listFields)
	mux.HandleFunc("POST /api/v1/catalog/import", s.importCatalog)
	mux.HandleFunc("GET /api/v1/catalog/export", s.exportCatalog)
	mux.HandleFunc("POST /api/v1/files", s.uploadFile)
	mux.HandleFunc("POST /api/v1/dossiers", s.submitDossier)
	mux.HandleFunc("GET /api/v1/dossiers/{ref}", s.getDossier)
	mux.HandleFunc("GET /api/v1/dossiers/{ref}/files/{id}", s.dossierFile)
	mux.HandleFunc("POST /api/v1/dossiers/{ref}/actions/{action}", s.actOnDossier)
	mux.HandleFunc("GET /api/v1/inbox", s.listInbox)
	mux.HandleFunc("GET /api/v1/lookup/{code}", s.lookupDossier)
	mux.HandleFunc("GET /api/v1/stats", s.getStats)
	mux.HandleFunc("GET /api/v1/stats/dossiers", s.getStatsDossiers)
	mux.HandleFunc("GET /api/v1/index766", s.getIndex766)
	mux.HandleFunc("GET /api/v1/reports", s.listReports)
	mux.HandleFunc("POST /api/v1/reports", s.createReport)
	mux.HandleFunc("GET /api/v1/reports/{code}/{agency}/{period}", s.getReport)
	mux.HandleFunc("PUT /api/v1/reports/{code}/{agency}/{period}/corrections", s.correctReport)
	mux.HandleFunc("POST /api/v1/reports/{code}/{agency}/{period}/sign", s.signReport)
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(s.openapi)
}

// NotFound answers a path no API route matches, in the error shape.
func (s *Server) NotFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, errs.E("api", errs.NotFound, "api.no_such_endpoint"))
}

// writeJSON sends v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// Error is the body of every error response.
type Error struct {
	Error ErrorBody `json:"error"`
}

// ErrorBody describes what went wrong.
type ErrorBody struct {
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

// fail maps err to its status and the one error shape.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	kind := errs.KindOf(err)
	lang := s.cfg.Locale.Match(r.Header.Get("Accept-Language"))
	if kind == errs.Internal {
		s.cfg.Logger.Error("api request failed", "err", err, "path", r.URL.Path, "request_id", audit.MetaFrom(r.Context()).RequestID)
	}
	key, args := errs.MessageKey(err)
	body := ErrorBody{Code: kind.String(), Message: s.cfg.Locale.T(lang, key, args...), RequestID: audit.MetaFrom(r.Context()).RequestID}
	if e, ok := errs.As(err); ok && len(e.Fields) > 0 {
		body.Fields = map[string]string{}
		for f, m := range e.Fields {
			body.Fields[f] = s.cfg.Locale.T(lang, m.Key, m.Args...)
		}
	}
	if kind == errs.Unauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer realm="motcua"`)
	}
	writeJSON(w, kind.HTTPStatus(), Error{Error: body})
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	p := authz.PrincipalFrom(r.Context())
	if !p.Authenticated() {
		s.fail(w, r, errs.E("api.me", errs.Unauthenticated, "error.unauthenticated"))
		return
	}
	out := Me{Kind: principalKind(p), Name: p.Name}
	switch p.Kind {
	case authz.Citizen:
		out.NationalID = p.NationalID
	default:
		out.Username = p.Username
		out.Agency = &AgencyRef{Code: p.AgencyCode, NameVI: p.AgencyName}
		out.Roles = []Role{}
		for _, g := range p.Grants {
			out.Roles = append(out.Roles, Role{Role: string(g.Role), AgencyCode: g.AgencyCode, Subtree: g.Subtree})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func principalKind(p *authz.Principal) string {
	switch p.Kind {
	case authz.Citizen:
		return "citizen"
	case authz.System:
		return "system"
	}
	return "official"
}

// Me describes the caller.
type Me struct {
	Kind       string     `json:"kind"`
	Name       string     `json:"name"`
	Username   string     `json:"username,omitempty"`
	NationalID string     `json:"national_id,omitempty"`
	Agency     *AgencyRef `json:"agency,omitempty"`
	Roles      []Role     `json:"roles,omitempty"`
}

// AgencyRef names an agency.
type AgencyRef struct {
	Code   string `json:"code"`
	NameVI string `json:"name_vi"`
}

// Role is a role held at an agency.
type Role struct {
	Role       string `json:"role"`
	AgencyCode string `json:"agency_code"`
	Subtree    bool   `json:"subtree"`
}

// limitParam reads a page size between 1 and max, def when absent.
func limitParam(r *http.Request, def, max int) (int, error) {
	v := strings.TrimSpace(r.URL.Query().Get("limit"))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		var val errs.Validation
		val.Add("limit", "api.limit", max)
		return 0, val.Err("api")
	}
	return n, nil
}
