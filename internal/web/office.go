package web

import (
	"net/http"

	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/errs"
)

// staff returns the principal if it is an official, and otherwise answers
// the request (sign-in redirect or 403) and returns nil.
func (s *Server) staff(w http.ResponseWriter, r *http.Request, p *Page) *authz.Principal {
	pr := authz.PrincipalFrom(r.Context())
	if err := authz.Authorize("web.office", pr, authz.BackOffice, authz.Object{}); err != nil {
		s.fail(w, r, err, "", p)
		return nil
	}
	return pr
}

// capability is a thing the back-office home lists as possible for the user.
type capability struct {
	Action string
	Href   string
}

var capabilities = []capability{
	{string(authz.ReceiveDossier), "/office/reception"},
	{string(authz.ProcessDossier), "/office/dossiers"},
	{string(authz.ManageAgency), "/office/agencies"},
	{string(authz.ManageAccounts), "/office/accounts"},
	{string(authz.ManageCalendar), "/office/calendar"},
	{string(authz.ManageCatalog), "/office/catalog"},
	{string(authz.ReadAudit), "/office/audit"},
	{"messages.read", "/office/messages"},
	{string(authz.ReadCitizen), ""},
}

func (s *Server) officeHome(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "office.title")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	home, err := s.cfg.Agencies.Get(r.Context(), pr.AgencyID)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	var caps []capability
	for _, c := range capabilities {
		action := c.Action
		if action == "messages.read" {
			action = string(authz.ReadAudit)
		}
		if p.Can(action) {
			caps = append(caps, c)
		}
	}
	s.render(w, r, "office", p.with("Agency", home).with("Capabilities", caps))
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "audit.title")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	if err := authz.Authorize("web.audit", pr, authz.ReadAudit, authz.Object{}); err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	res, err := s.cfg.Audit.Verify(r.Context(), s.cfg.DB)
	if err != nil {
		s.fail(w, r, errs.Wrap("web.audit", err), "", p)
		return
	}
	recent, err := s.cfg.Audit.Recent(r.Context(), s.cfg.DB, 100)
	if err != nil {
		s.fail(w, r, errs.Wrap("web.audit", err), "", p)
		return
	}
	s.render(w, r, "audit", p.with("Verify", res).with("Records", recent))
}
