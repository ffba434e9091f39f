package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/authz"
)

// agencyRow is an agency in the list with what the viewer may do with it.
type agencyRow struct {
	agency.Agency
	Editable bool
}

func (s *Server) agencyList(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "agencies.title")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	all, err := s.cfg.Agencies.List(r.Context())
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	rows := make([]agencyRow, len(all))
	for i, a := range all {
		rows[i] = agencyRow{a, authz.Can(pr, authz.ManageAgency, authz.Object{AgencyPath: a.Path})}
	}
	s.render(w, r, "agencies", p.with("Agencies", rows))
}

// agencyFormData adds what every agency form needs: the kinds, the tiers
// and the possible parents.
func (s *Server) agencyFormData(r *http.Request, p *Page) error {
	tiers, err := s.cfg.Agencies.Tiers(r.Context())
	if err != nil {
		return err
	}
	all, err := s.cfg.Agencies.List(r.Context())
	if err != nil {
		return err
	}
	p.with("Kinds", agency.Kinds).with("Tiers", tiers).with("Parents", all)
	return nil
}

func (s *Server) agencyNew(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "agencies.new")
	if s.staff(w, r, p) == nil {
		return
	}
	if err := s.agencyFormData(r, p); err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	p.Form.Set("parent_code", r.URL.Query().Get("parent"))
	p.Form.Set("active", "on")
	p.Form.Set("tier", "province")
	s.render(w, r, "agency_form", p)
}

func agencyInput(f url.Values) agency.Input {
	return agency.Input{
		Code: f.Get("code"), ParentCode: f.Get("parent_code"), Kind: agency.Kind(f.Get("kind")), Tier: f.Get("tier"),
		NameVI: f.Get("name_vi"), NameEN: f.Get("name_en"), ShortName: f.Get("short_name"),
		AdminUnitCode: f.Get("admin_unit_code"), Address: f.Get("address"), Phone: f.Get("phone"), Email: f.Get("email"),
		WorkingHours: f.Get("working_hours"), Active: f.Get("active") != "",
	}
}

func (s *Server) agencyCreate(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "agencies.new")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	if err := parseForm(w, r); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	p.Form = r.PostForm
	if err := s.agencyFormData(r, p); err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	a, err := s.cfg.Agencies.Create(r.Context(), pr, agencyInput(r.PostForm))
	if err != nil {
		s.fail(w, r, err, "agency_form", p)
		return
	}
	http.Redirect(w, r, "/office/agencies/"+a.Code.String()+"?ok=saved", http.StatusSeeOther)
}

func (s *Server) agencyEdit(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "agencies.edit")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	a, err := s.cfg.Agencies.ByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	if err := s.agencyFormData(r, p); err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	f := p.Form
	f.Set("code", a.Code.String())
	if a.ParentID != 0 {
		if parent, err := s.cfg.Agencies.Get(r.Context(), a.ParentID); err == nil {
			f.Set("parent_code", parent.Code.String())
		}
	}
	f.Set("kind", string(a.Kind))
	f.Set("tier", a.Tier)
	f.Set("name_vi", a.NameVI)
	f.Set("name_en", a.NameEN)
	f.Set("short_name", a.ShortName)
	f.Set("admin_unit_code", a.AdminUnitCode)
	f.Set("address", a.Address)
	f.Set("phone", a.Phone)
	f.Set("email", a.Email)
	f.Set("working_hours", a.WorkingHours)
	if a.Active {
		f.Set("active", "on")
	}
	f.Set("version", strconv.Itoa(a.Version))
	s.render(w, r, "agency_form", p.with("Agency", a).with("Editable", authz.Can(pr, authz.ManageAgency, authz.Object{AgencyPath: a.Path})))
}

func (s *Server) agencyUpdate(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "agencies.edit")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	if err := parseForm(w, r); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	a, err := s.cfg.Agencies.ByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	p.Form = r.PostForm
	if err := s.agencyFormData(r, p); err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	p.with("Agency", a).with("Editable", true)
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	updated, err := s.cfg.Agencies.Update(r.Context(), pr, a.ID, version, agencyInput(r.PostForm))
	if err != nil {
		s.fail(w, r, err, "agency_form", p)
		return
	}
	http.Redirect(w, r, "/office/agencies/"+updated.Code.String()+"?ok=saved", http.StatusSeeOther)
}
