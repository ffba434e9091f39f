// Package web serves Motcua's HTML: the public portal, the citizens' and
// officials' sign-in pages, the back office and its administration pages.
//
// Pages are server-rendered with html/template, parsed and checked at
// start-up, and work without JavaScript. Every string comes from the
// locale catalogue. Handlers only parse input, call one service method and
// render: rules live in the domain packages.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/dossier"
	"github.com/motcua/motcua/internal/identity"
	"github.com/motcua/motcua/internal/locale"
	"github.com/motcua/motcua/internal/ratelimit"
	"github.com/motcua/motcua/internal/report"
)

// DemoAccount is a demo official shown on the sign-in page in demo mode.
type DemoAccount struct {
	Username, Password, Role, Agency string
}

// Config is what the web edge needs.
type Config struct {
	Agencies     *agency.Service
	Units        *agency.AdminUnits
	Calendar     *calendar.Service
	Catalog      *catalog.Service
	Dossiers     *dossier.Service
	Reports      *report.Service // statistics, the 766 index, the dashboard, the register book, periodic reports
	Public       PublicStats     // the transparency page's figures (report.Service.Public)
	Blobs        blob.Store
	Upload       blob.Policy
	LookupLimit  *ratelimit.Keyed
	Identity     *identity.Service
	CitizenLogin *identity.CitizenLogin // nil when citizen sign-in is not configured
	Audit        *audit.Log
	DB           *db.DB
	Locale       *locale.Catalog
	Logger       *slog.Logger

	// SecureCookies marks cookies Secure (and names the session cookie
	// with the __Host- prefix): on whenever the public URL is https.
	SecureCookies bool
	Demo          bool
	DemoAccounts  []DemoAccount
	DevIdP        bool // the development identity provider is on: say so
	Now           func() time.Time
	// VerifyTemplates renders every page a second time from the templates
	// as written and fails the request if the page with its words folded
	// in differs (fold.go): for tests, at twice the cost.
	VerifyTemplates bool
}

// Server is the HTML edge.
type Server struct {
	cfg   Config
	pages *pages
}

// New parses the templates (failing on any error, so a broken template
// stops the start rather than a user's request) and returns the Server.
func New(cfg Config) (*Server, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p, err := parsePages(cfg.Locale, cfg.VerifyTemplates)
	if err != nil {
		return nil, err
	}
	return &Server{cfg: cfg, pages: p}, nil
}

// Register adds the HTML routes to mux. Every route is in this one table.
func (s *Server) Register(mux *http.ServeMux) {
	mux.Handle("GET /static/", staticHandler())
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("POST /lang", s.setLang)

	// The procedure catalogue.
	mux.HandleFunc("GET /procedures", s.procedureSearch)
	mux.HandleFunc("GET /procedures/{code}", s.procedurePage)
	mux.HandleFunc("GET /procedures/{code}/cases/{case}/form.pdf", s.procedureFormPDF)
	mux.HandleFunc("GET /fields", s.fieldList)
	mux.HandleFunc("GET /agencies", s.agencyBrowse)

	// Dossiers: applying, following, the public lookup.
	mux.HandleFunc("GET /procedures/{code}/apply", s.applyPage)
	mux.HandleFunc("POST /procedures/{code}/apply", s.applySubmit)
	mux.HandleFunc("GET /me/dossiers", s.myDossiers)
	mux.HandleFunc("GET /me/store", s.dataStore)
	mux.HandleFunc("GET /me/store/{id}", s.dataStoreFile)
	mux.HandleFunc("GET /me/dossiers/{id}", s.myDossier)
	mux.HandleFunc("POST /me/dossiers/{id}/actions/{action}", s.dossierAction)
	mux.HandleFunc("GET /dossiers/{id}/files/{file}", s.dossierFile)
	mux.HandleFunc("GET /dossiers/{id}/control-slip.pdf", s.controlSlip)
	mux.HandleFunc("GET /lookup", s.lookupPage)
	mux.HandleFunc("GET /transparency", s.transparencyPage)

	// Sign-in and out.
	mux.HandleFunc("GET /login", s.citizenLoginPage)
	mux.HandleFunc("POST /login/citizen", s.citizenLoginStart)
	mux.HandleFunc("GET /auth/callback", s.citizenLoginCallback)
	mux.HandleFunc("GET /office/login", s.officialLoginPage)
	mux.HandleFunc("POST /office/login", s.officialLogin)
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("POST /logout/everywhere", s.logoutEverywhere)

	// Citizens.
	mux.HandleFunc("GET /me", s.citizenHome)

	// Back office.
	mux.HandleFunc("GET /office", s.officeHome)
	mux.HandleFunc("GET /office/agencies", s.agencyList)
	mux.HandleFunc("GET /office/agencies/new", s.agencyNew)
	mux.HandleFunc("POST /office/agencies", s.agencyCreate)
	mux.HandleFunc("GET /office/agencies/{code}", s.agencyEdit)
	mux.HandleFunc("POST /office/agencies/{code}", s.agencyUpdate)
	mux.HandleFunc("GET /office/accounts", s.accountList)
	mux.HandleFunc("GET /office/accounts/new", s.accountNew)
	mux.HandleFunc("POST /office/accounts", s.accountCreate)
	mux.HandleFunc("GET /office/accounts/{id}", s.accountEdit)
	mux.HandleFunc("POST /office/accounts/{id}", s.accountUpdate)
	mux.HandleFunc("GET /office/calendar", s.calendarPage)
	mux.HandleFunc("POST /office/calendar", s.calendarAdd)
	mux.HandleFunc("POST /office/calendar/{id}/delete", s.calendarDelete)
	mux.HandleFunc("GET /office/audit", s.auditPage)
	mux.HandleFunc("GET /office/messages", s.messages)
	mux.HandleFunc("POST /office/messages/{id}/retry", s.retryMessage)
	mux.HandleFunc("GET /office/dossiers", s.inbox)
	mux.HandleFunc("GET /office/reception", s.receptionStart)
	mux.HandleFunc("GET /office/reception/{code}", s.receptionForm)
	mux.HandleFunc("POST /office/reception/{code}", s.receptionSubmit)
	mux.HandleFunc("GET /office/dossiers/{id}", s.officeDossier)
	mux.HandleFunc("POST /office/dossiers/{id}/actions/{action}", s.dossierAction)
	mux.HandleFunc("GET /office/catalog", s.catalogList)
	mux.HandleFunc("GET /office/catalog/new", s.catalogNew)
	mux.HandleFunc("POST /office/catalog", s.catalogSave)
	mux.HandleFunc("GET /office/catalog/import", s.catalogImportPage)
	mux.HandleFunc("POST /office/catalog/import", s.catalogImport)
	mux.HandleFunc("GET /office/catalog/export.json", s.catalogExportJSON)
	mux.HandleFunc("GET /office/catalog/export.xlsx", s.catalogExportXLSX)
	mux.HandleFunc("GET /office/catalog/template.xlsx", s.catalogTemplateXLSX)
	mux.HandleFunc("GET /office/catalog/{code}", s.catalogView)
	mux.HandleFunc("GET /office/catalog/{code}/edit", s.catalogEdit)
	mux.HandleFunc("POST /office/catalog/{code}", s.catalogSave)
	mux.HandleFunc("POST /office/catalog/{code}/publish", s.catalogPublish)
	mux.HandleFunc("POST /office/catalog/{code}/withdraw", s.catalogWithdraw)
	mux.HandleFunc("GET /office/catalog/{code}/preview", s.catalogPreview)
	mux.HandleFunc("GET /office/catalog/{code}/compare", s.catalogCompare)
	mux.HandleFunc("GET /office/stats", s.statsPage)
	mux.HandleFunc("GET /office/stats/dossiers", s.statsDossiers)
	mux.HandleFunc("GET /office/index766", s.index766Page)
	mux.HandleFunc("GET /office/dashboard", s.dashboardPage)
	mux.HandleFunc("GET /office/stats/export.xlsx", s.statsExport("xlsx"))
	mux.HandleFunc("GET /office/stats/export.pdf", s.statsExport("pdf"))
	mux.HandleFunc("GET /office/register-book", s.registerBookPage)
	mux.HandleFunc("GET /office/register-book.pdf", s.registerBookFile("pdf"))
	mux.HandleFunc("GET /office/register-book.xlsx", s.registerBookFile("xlsx"))
	mux.HandleFunc("GET /office/reports", s.reportList)
	mux.HandleFunc("POST /office/reports", s.reportCreate)
	mux.HandleFunc("GET /office/reports/{code}", s.reportPage)
	mux.HandleFunc("POST /office/reports/{code}/corrections", s.reportCorrect)
	mux.HandleFunc("POST /office/reports/{code}/sign", s.reportSign)
	mux.HandleFunc("GET /office/reports/{code}/export.xlsx", s.reportFile("xlsx"))
	mux.HandleFunc("GET /office/reports/{code}/export.pdf", s.reportFile("pdf"))
}

// NotFound renders the 404 page in the user's language.
func (s *Server) NotFound(w http.ResponseWriter, r *http.Request) {
	s.renderStatus(w, r, http.StatusNotFound, "error", s.page(r, "error.not_found.title").with("Message", s.tr(r, "error.not_found")))
}

// WithNotFound serves mux, replacing the mux's plain-text 404 for a path no
// pattern matches with notFound's answer (the 404 page, or the API's JSON).
// A catch-all pattern would do the same but would also turn "wrong method"
// (405) into 404.
func WithNotFound(mux *http.ServeMux, notFound http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern == "" {
			iw := &interceptNotFound{ResponseWriter: w}
			mux.ServeHTTP(iw, r)
			if iw.notFound {
				notFound(w, r)
			}
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// interceptNotFound swallows a 404 written by the mux so that the page can
// be written instead; any other status passes through.
type interceptNotFound struct {
	http.ResponseWriter
	notFound bool
}

func (w *interceptNotFound) WriteHeader(code int) {
	if code == http.StatusNotFound {
		w.notFound = true
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *interceptNotFound) Write(b []byte) (int, error) {
	if w.notFound {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

func (s *Server) log(ctx context.Context) *slog.Logger {
	return s.cfg.Logger.With("request_id", audit.MetaFrom(ctx).RequestID)
}
