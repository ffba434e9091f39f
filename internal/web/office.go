package web

import (
	"net/http"
	"slices"

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
	Name  string // names the capability (cap.<Name>) and, unless Needs says otherwise, is the action it needs
	Href  string
	Needs authz.Action
	// Roles, when set, narrows the offer to officials holding one of
	// them: the register book is the desk's, though more roles may read it.
	Roles []authz.Role
}

var capabilities = []capability{
	{Name: string(authz.ReceiveDossier), Href: "/office/reception"},
	{Name: string(authz.ProcessDossier), Href: "/office/dossiers"},
	{Name: string(authz.ManageAgency), Href: "/office/agencies"},
	{Name: string(authz.ManageAccounts), Href: "/office/accounts"},
	{Name: string(authz.ManageCalendar), Href: "/office/calendar"},
	{Name: string(authz.ManageCatalog), Href: "/office/catalog"},
	{Name: string(authz.ReadAudit), Href: "/office/audit"},
	{Name: string(authz.ReadStats), Href: "/office/stats"},
	{Name: "messages.read", Href: "/office/messages", Needs: authz.ReadAudit},
	{Name: "book.read", Href: "/office/register-book", Needs: authz.ReadDossier, Roles: []authz.Role{authz.ReceptionOfficer, authz.Leader}},
	{Name: "reports.read", Href: "/office/reports", Needs: authz.ReadStats},
	{Name: string(authz.ReadCitizen), Href: ""},
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
		action := c.Name
		if c.Needs != "" {
			action = string(c.Needs)
		}
		if c.Roles != nil && !slices.ContainsFunc(c.Roles, pr.Has) {
			continue
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
