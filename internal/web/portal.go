package web

import (
	"net/http"
	"time"

	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/locale"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "home.title")
	s.render(w, r, "home", p)
}

// setLang remembers the chosen language for a year and goes back to the
// page the switch was pressed on.
func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	l := locale.Parse(r.PostForm.Get("lang"))
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: string(l), Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
		Secure: s.cfg.SecureCookies, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, localPath(r.PostForm.Get("next"), "/"), http.StatusSeeOther)
}

// citizenHome is a citizen's own page: the personal data the platform
// holds (a read that is itself audited) and who has used it.
func (s *Server) citizenHome(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "me.title")
	pr := authz.PrincipalFrom(r.Context())
	if pr.Kind != authz.Citizen {
		if pr.IsStaff() {
			http.Redirect(w, r, "/office", http.StatusSeeOther)
			return
		}
		s.redirectToLogin(w, r)
		return
	}
	c, err := s.cfg.Identity.CitizenProfile(r.Context(), pr, pr.NationalID)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	uses, err := s.cfg.Audit.ForSubject(r.Context(), s.cfg.DB, pr.NationalID, 50)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	s.render(w, r, "me", p.with("Citizen", c).with("Uses", uses))
}
