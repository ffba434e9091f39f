package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/errs"
)

// calendarScope reads the agency whose calendar is shown: none (national)
// or one given by code.
func (s *Server) calendarScope(r *http.Request, code string) (agency.Agency, error) {
	if code == "" {
		return agency.Agency{}, nil
	}
	return s.cfg.Agencies.ByCode(r.Context(), code)
}

func (s *Server) calendarPage(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "calendar.title")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	s.showCalendar(w, r, p, pr, http.StatusOK)
}

func (s *Server) showCalendar(w http.ResponseWriter, r *http.Request, p *Page, pr *authz.Principal, status int) {
	q := r.URL.Query()
	code := q.Get("agency")
	if r.Method == http.MethodPost {
		code = r.PostForm.Get("agency")
	}
	year, err := strconv.Atoi(q.Get("year"))
	if err != nil || year < 1990 || year > 2200 {
		year = time.Now().In(s.cfg.Calendar.Location()).Year()
	}
	scope, err := s.calendarScope(r, code)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	days, err := s.cfg.Calendar.List(r.Context(), scope.ID, year, year)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	agencies, err := s.cfg.Agencies.List(r.Context())
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	obj := authz.Object{AgencyPath: scope.Path}
	if p.Form.Get("kind") == "" {
		p.Form.Set("kind", "holiday")
	}
	p.with("Year", year).with("Days", days).with("Agencies", agencies).with("Scope", scope).
		with("Editable", authz.Can(pr, authz.ManageCalendar, obj)).with("Prev", year-1).with("Next", year+1)
	s.renderStatus(w, r, status, "calendar", p)
}

func (s *Server) calendarAdd(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "calendar.title")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	if err := parseForm(w, r); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	p.Form = r.PostForm
	scope, err := s.calendarScope(r, r.PostForm.Get("agency"))
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	added, err := s.cfg.Calendar.Add(r.Context(), pr, calendar.Input{AgencyID: scope.ID, From: r.PostForm.Get("from"), To: r.PostForm.Get("to"),
		Kind: r.PostForm.Get("kind"), NameVI: r.PostForm.Get("name_vi"), NameEN: r.PostForm.Get("name_en"), Source: r.PostForm.Get("source")})
	if err != nil {
		if s.formErrors(p, err) {
			s.showCalendar(w, r, p, pr, errs.KindOf(err).HTTPStatus())
			return
		}
		s.fail(w, r, err, "", p)
		return
	}
	http.Redirect(w, r, "/office/calendar?agency="+r.PostForm.Get("agency")+"&year="+strconv.Itoa(added[0].Date.Year)+"&ok=saved", http.StatusSeeOther)
}

func (s *Server) calendarDelete(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "calendar.title")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	if err := parseForm(w, r); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := s.cfg.Calendar.Delete(r.Context(), pr, id); err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	http.Redirect(w, r, "/office/calendar?agency="+r.PostForm.Get("agency")+"&year="+r.PostForm.Get("year")+"&ok=deleted", http.StatusSeeOther)
}
