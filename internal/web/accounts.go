package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/identity"
)

// manageRoots returns the paths under which p manages accounts, without
// paths nested in another: "/" for a platform administrator.
func manageRoots(p *authz.Principal) []string {
	if p.Has(authz.PlatformAdmin) {
		return []string{"/"}
	}
	var roots []string
	for _, g := range p.Grants {
		if authz.Can(p, authz.ManageAccounts, authz.Object{AgencyPath: g.AgencyPath}) && !slices.Contains(roots, g.AgencyPath) {
			roots = append(roots, g.AgencyPath)
		}
	}
	return roots
}

func (s *Server) accountList(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "accounts.title")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	roots := manageRoots(pr)
	if len(roots) == 0 {
		s.fail(w, r, authz.Authorize("web.accounts", pr, authz.ManageAccounts, authz.Object{AgencyPath: "-"}), "", p)
		return
	}
	var all []identity.Account
	seen := map[int64]bool{}
	for _, root := range roots {
		as, err := s.cfg.Identity.Accounts(r.Context(), pr, root)
		if err != nil {
			s.fail(w, r, err, "", p)
			return
		}
		for _, a := range as {
			if !seen[a.ID] {
				seen[a.ID] = true
				all = append(all, a)
			}
		}
	}
	agencies, err := s.cfg.Agencies.List(r.Context())
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	names := map[int64]string{}
	for _, a := range agencies {
		names[a.ID] = a.Name(string(p.Lang))
	}
	s.render(w, r, "accounts", p.with("Accounts", all).with("AgencyNames", names))
}

func (s *Server) accountFormData(r *http.Request, p *Page) error {
	all, err := s.cfg.Agencies.List(r.Context())
	if err != nil {
		return err
	}
	p.with("Agencies", all).with("Roles", authz.Roles)
	return nil
}

func accountInput(f url.Values) identity.AccountInput {
	in := identity.AccountInput{Kind: f.Get("kind"), Username: f.Get("username"), FullName: f.Get("full_name"), Email: f.Get("email"),
		Phone: f.Get("phone"), AgencyCode: f.Get("agency_code"), Password: f.Get("password"), Active: f.Get("active") != ""}
	for _, role := range f["role"] {
		in.Roles = append(in.Roles, identity.RoleInput{Role: authz.Role(role)})
	}
	return in
}

func (s *Server) accountNew(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "accounts.new")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	if err := s.accountFormData(r, p); err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	p.Form.Set("agency_code", pr.AgencyCode)
	p.Form.Set("active", "on")
	s.render(w, r, "account_form", p)
}

func (s *Server) accountCreate(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "accounts.new")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	if err := parseForm(w, r); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	p.Form = r.PostForm
	if err := s.accountFormData(r, p); err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	a, err := s.cfg.Identity.CreateAccount(r.Context(), pr, accountInput(r.PostForm))
	p.Form.Del("password")
	if err != nil {
		s.fail(w, r, err, "account_form", p)
		return
	}
	http.Redirect(w, r, "/office/accounts/"+strconv.FormatInt(a.ID, 10)+"?ok=saved", http.StatusSeeOther)
}

func (s *Server) accountEdit(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "accounts.edit")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	a, err := s.cfg.Identity.Account(r.Context(), pr, id)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	if err := s.accountFormData(r, p); err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	home, err := s.cfg.Agencies.Get(r.Context(), a.AgencyID)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	f := p.Form
	f.Set("kind", a.Kind)
	f.Set("username", a.Username)
	f.Set("full_name", a.FullName)
	f.Set("email", a.Email)
	f.Set("phone", a.Phone)
	f.Set("agency_code", home.Code.String())
	if a.Active {
		f.Set("active", "on")
	}
	for _, g := range a.Grants {
		if g.AgencyID == a.AgencyID {
			f.Add("role", string(g.Role))
		}
	}
	f.Set("version", strconv.Itoa(a.Version))
	s.render(w, r, "account_form", p.with("Account", a))
}

func (s *Server) accountUpdate(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "accounts.edit")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	if err := parseForm(w, r); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	a, err := s.cfg.Identity.Account(r.Context(), pr, id)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	p.Form = r.PostForm
	if err := s.accountFormData(r, p); err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	p.with("Account", a)
	in := accountInput(r.PostForm)
	// Roles held at other agencies are not on this form; keep them.
	for _, g := range a.Grants {
		if g.AgencyID != a.AgencyID {
			sub := g.Subtree
			in.Roles = append(in.Roles, identity.RoleInput{Role: g.Role, AgencyCode: g.AgencyCode, Subtree: &sub})
		}
	}
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	_, err = s.cfg.Identity.UpdateAccount(r.Context(), pr, id, version, in)
	p.Form.Del("password")
	if err != nil {
		s.fail(w, r, err, "account_form", p)
		return
	}
	http.Redirect(w, r, "/office/accounts/"+strconv.FormatInt(id, 10)+"?ok=saved", http.StatusSeeOther)
}
