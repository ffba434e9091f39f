package web

import (
	"net/http"

	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/identity"
)

func client(r *http.Request) identity.Client {
	return identity.Client{IP: clientIPFromCtx(r), UserAgent: r.UserAgent()}
}

func (s *Server) citizenLoginPage(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "login.citizen.title")
	p.Form.Set("next", localPath(r.URL.Query().Get("next"), "/me"))
	s.render(w, r, "login_citizen", p.with("Available", s.cfg.CitizenLogin != nil))
}

func (s *Server) citizenLoginStart(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "login.citizen.title")
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, errs.E("web.citizenLogin", errs.Invalid, "error.bad_form"), "", p)
		return
	}
	if s.cfg.CitizenLogin == nil {
		s.fail(w, r, errs.E("web.citizenLogin", errs.NotFound, "login.citizen.unavailable"), "", p)
		return
	}
	u, err := s.cfg.CitizenLogin.Begin(r.Context(), localPath(r.PostForm.Get("next"), "/me"))
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
}

func (s *Server) citizenLoginCallback(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "login.citizen.title")
	q := r.URL.Query()
	if s.cfg.CitizenLogin == nil {
		s.fail(w, r, errs.E("web.citizenCallback", errs.NotFound, "login.citizen.unavailable"), "", p)
		return
	}
	if e := q.Get("error"); e != "" {
		p.Problem = p.T("login.citizen.cancelled")
		p.Form.Set("next", "/me")
		s.renderStatus(w, r, http.StatusUnauthorized, "login_citizen", p.with("Available", true))
		return
	}
	token, _, next, err := s.cfg.CitizenLogin.Finish(r.Context(), q.Get("state"), q.Get("code"), client(r))
	if err != nil {
		s.log(r.Context()).Warn("citizen sign-in failed", "err", err)
		p.Problem = p.T("auth.citizen_failed")
		p.Form.Set("next", "/me")
		s.renderStatus(w, r, http.StatusUnauthorized, "login_citizen", p.with("Available", true))
		return
	}
	setCookie(w, sessionCookie(s.cfg.SecureCookies), token, identity.DefaultSessionPolicy.Absolute, s.cfg.SecureCookies)
	http.Redirect(w, r, localPath(next, "/me"), http.StatusSeeOther)
}

func (s *Server) officialLoginPage(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "login.official.title")
	p.Form.Set("next", localPath(r.URL.Query().Get("next"), "/office"))
	s.render(w, r, "login_official", p.with("DemoAccounts", s.cfg.DemoAccounts))
}

func (s *Server) officialLogin(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "login.official.title")
	p.with("DemoAccounts", s.cfg.DemoAccounts)
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, errs.E("web.login", errs.Invalid, "error.bad_form"), "login_official", p)
		return
	}
	p.Form.Set("username", r.PostForm.Get("username"))
	p.Form.Set("next", localPath(r.PostForm.Get("next"), "/office"))
	token, _, err := s.cfg.Identity.Login(r.Context(), r.PostForm.Get("username"), r.PostForm.Get("password"), client(r))
	if err != nil {
		s.fail(w, r, err, "login_official", p)
		return
	}
	setCookie(w, sessionCookie(s.cfg.SecureCookies), token, identity.DefaultSessionPolicy.Absolute, s.cfg.SecureCookies)
	http.Redirect(w, r, p.Form.Get("next"), http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	p := authz.PrincipalFrom(r.Context())
	if c, err := r.Cookie(sessionCookie(s.cfg.SecureCookies)); err == nil && p.Authenticated() {
		if err := s.cfg.Identity.Logout(r.Context(), p, c.Value); err != nil {
			s.fail(w, r, err, "", s.page(r, "nav.logout"))
			return
		}
	}
	clearCookie(w, sessionCookie(s.cfg.SecureCookies), s.cfg.SecureCookies)
	http.Redirect(w, r, "/?ok=logged_out", http.StatusSeeOther)
}

func (s *Server) logoutEverywhere(w http.ResponseWriter, r *http.Request) {
	p := authz.PrincipalFrom(r.Context())
	if err := s.cfg.Identity.LogoutEverywhere(r.Context(), p); err != nil {
		s.fail(w, r, err, "", s.page(r, "nav.logout_everywhere"))
		return
	}
	clearCookie(w, sessionCookie(s.cfg.SecureCookies), s.cfg.SecureCookies)
	http.Redirect(w, r, "/?ok=logged_out_everywhere", http.StatusSeeOther)
}
