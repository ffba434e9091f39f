package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/locale"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages holds one parsed template set per page and language: the layout,
// the shared partials and the page's own file, with the language's fixed
// words folded in (fold.go). plain, kept only to verify, has them unfolded.
type pages struct {
	byLang map[locale.Lang]map[string]*template.Template
	plain  map[string]*template.Template
	cat    *locale.Catalog
	bufs   sync.Pool // *bytes.Buffer: a page is rendered whole before it is sent
}

// buffer returns an empty buffer for a page. Growing a fresh one to a
// page's 10-30 KB made a dozen allocations per request, the garbage of
// a busy lookup page.
func (ps *pages) buffer() *bytes.Buffer {
	if b, ok := ps.bufs.Get().(*bytes.Buffer); ok {
		return b
	}
	return bytes.NewBuffer(make([]byte, 0, 32<<10))
}

// release returns b to the pool unless a huge page made it too big to keep.
func (ps *pages) release(b *bytes.Buffer) {
	if b.Cap() <= 256<<10 {
		b.Reset()
		ps.bufs.Put(b)
	}
}

var funcs = template.FuncMap{
	"join":  strings.Join,
	"lower": strings.ToLower,
	"seq": func(n int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = i
		}
		return s
	},
	"str": func(v any) string { return fmt.Sprint(v) },
	// dict builds the argument map of a partial: {{template "input" dict "P" $ "Name" "code"}}.
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("dict: odd number of arguments")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
	"has": func(vs []string, v string) bool { return slices.Contains(vs, v) },
	// paras splits plain text into paragraphs at blank lines.
	"paras": func(s string) []string {
		var out []string
		for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	},
	"lines": func(s string) []string { return strings.Split(s, "\n") },
	"add":   func(a, b int) int { return a + b },
	"mul":   func(a, b int) int { return a * b },
	"list":  func(vs ...string) []string { return vs },
}

// parsePages parses every page once per language, folding that language's
// words in, and once more as written when verify is set.
func parsePages(cat *locale.Catalog, verify bool) (*pages, error) {
	p := &pages{byLang: map[locale.Lang]map[string]*template.Template{}, cat: cat}
	for _, l := range locale.Langs {
		set, err := parseSet(func(t *template.Template) error { return foldLang(t, cat, l) })
		if err != nil {
			return nil, err
		}
		p.byLang[l] = set
	}
	if verify {
		set, err := parseSet(func(*template.Template) error { return nil })
		if err != nil {
			return nil, err
		}
		p.plain = set
	}
	return p, nil
}

// parseSet parses every page's set, then gives it to then.
func parseSet(then func(*template.Template) error) (map[string]*template.Template, error) {
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	var shared []string
	for _, f := range files {
		if b := path.Base(f); b == "layout.html" || strings.HasPrefix(b, "_") {
			shared = append(shared, f)
		}
	}
	out := map[string]*template.Template{}
	for _, f := range files {
		b := path.Base(f)
		if b == "layout.html" || strings.HasPrefix(b, "_") {
			continue
		}
		name := strings.TrimSuffix(b, ".html")
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, append(shared, f)...)
		if err == nil {
			err = then(t)
		}
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// Page is the data every template receives.
type Page struct {
	Lang    locale.Lang
	Title   string
	Path    string // the current path with its query, for "come back here" links
	P       *authz.Principal
	Demo    bool
	DevIdP  bool
	Flash   string
	Problem string // a page-level error message
	Form    url.Values
	Errors  map[string]string
	Data    map[string]any

	cat *locale.Catalog
}

// T translates a key in the page's language.
func (p *Page) T(key string, args ...any) string { return p.cat.T(p.Lang, key, args...) }

// Err returns the translated error for a form field, or "".
func (p *Page) Err(field string) string { return p.Errors[field] }

// Date formats a date in the page's language.
func (p *Page) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return p.cat.Date(p.Lang, t)
}

// DateTime formats an instant in the page's language.
func (p *Page) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return p.cat.DateTime(p.Lang, t)
}

// CivilDate formats a YYYY-MM-DD date (a birth date, say) in the page's
// language; anything else is shown as it is.
func (p *Page) CivilDate(s string) string {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return s
	}
	if p.Lang == locale.EN {
		return t.Format("2 Jan 2006")
	}
	return t.Format("02/01/2006")
}

// Day formats a calendar date with its weekday: "Thứ Năm, 30/04/2026".
func (p *Page) Day(d calendar.Date) string {
	return p.T(fmt.Sprintf("weekday.%d", int(d.Weekday()))) + ", " + p.CivilDate(d.String())
}

// Money formats an amount of đồng: "8.000 đồng", "8,000 VND".
func (p *Page) Money(v int64) string {
	if p.Lang == locale.EN {
		return p.cat.Number(p.Lang, v) + " VND"
	}
	return p.cat.Number(p.Lang, v) + " đồng"
}

// Duration says a processing time in words: "05 ngày làm việc".
func (p *Page) Duration(d catalog.Duration) string {
	switch d.Unit {
	case catalog.WithinDay:
		return p.T("duration.within_day")
	case catalog.WorkingHours:
		return p.T("duration.hours", d.Value)
	}
	return p.T("duration.days", d.Value)
}

// Pick returns the English text when the page is in English and there is
// one, else the Vietnamese.
func (p *Page) Pick(vi, en string) string {
	if p.Lang == locale.EN && en != "" {
		return en
	}
	return vi
}

// Can reports whether the signed-in principal may do an action somewhere:
// used only to show or hide links; services decide.
func (p *Page) Can(action string) bool {
	if p.P == nil {
		return false
	}
	for _, g := range p.P.Grants {
		if authz.Can(p.P, authz.Action(action), authz.Object{AgencyPath: g.AgencyPath}) {
			return true
		}
	}
	return false
}

func (p *Page) with(k string, v any) *Page {
	if p.Data == nil {
		p.Data = map[string]any{}
	}
	p.Data[k] = v
	return p
}

// page starts the data for a page titled by a message key.
func (s *Server) page(r *http.Request, titleKey string) *Page {
	l := s.lang(r)
	p := &Page{Lang: l, Path: r.URL.RequestURI(), P: authz.PrincipalFrom(r.Context()), Demo: s.cfg.Demo,
		DevIdP: s.cfg.DevIdP, Form: url.Values{}, Errors: map[string]string{}, cat: s.cfg.Locale}
	p.Title = p.T(titleKey)
	if f := r.URL.Query().Get("ok"); f != "" && s.cfg.Locale.Has("flash."+f) {
		p.Flash = p.T("flash." + f)
	}
	return p
}

func (s *Server) tr(r *http.Request, key string, args ...any) string {
	return s.cfg.Locale.T(s.lang(r), key, args...)
}

// lang is the language the user chose with the switch, else Vietnamese:
// the portal speaks Vietnamese first whatever the browser's settings, and
// English only to those who ask for it.
func (s *Server) lang(r *http.Request) locale.Lang {
	if c, err := r.Cookie("lang"); err == nil {
		return locale.Parse(c.Value)
	}
	return locale.VI
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, p *Page) {
	s.renderStatus(w, r, http.StatusOK, name, p)
}

func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, name string, p *Page) {
	set := s.pages.byLang[p.Lang]
	if set == nil {
		set = s.pages.byLang[locale.VI]
	}
	t, ok := set[name]
	if !ok {
		s.log(r.Context()).Error("no such template", "name", name)
		http.Error(w, "template missing", http.StatusInternalServerError)
		return
	}
	buf := s.pages.buffer()
	defer s.pages.release(buf)
	err := t.Execute(buf, p)
	if err == nil && s.pages.plain != nil {
		err = s.pages.verify(name, p, buf.Bytes())
	}
	if err != nil {
		s.log(r.Context()).Error("render", "template", name, "err", err)
		http.Error(w, "500 Internal Server Error / Lỗi máy chủ", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", string(p.Lang))
	if p.P.Authenticated() {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// verify renders page name as written and compares it with got, the page
// rendered with its words folded in.
func (ps *pages) verify(name string, p *Page, got []byte) error {
	var want bytes.Buffer
	if err := ps.plain[name].Execute(&want, p); err != nil {
		return fmt.Errorf("verify: the page as written fails: %w", err)
	}
	if !bytes.Equal(want.Bytes(), got) {
		i := 0
		for i < len(got) && i < want.Len() && got[i] == want.Bytes()[i] {
			i++
		}
		lo := max(i-80, 0)
		return fmt.Errorf("verify: folded words changed the page at byte %d: %q, as written %q", i,
			got[lo:min(i+80, len(got))], want.Bytes()[lo:min(i+80, want.Len())])
	}
	return nil
}

// fail shows err to the user in their language. Field errors re-render the
// form (name) with each message next to its field; the other kinds get a
// page of their own, or a redirect to sign in.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error, name string, p *Page) {
	kind := errs.KindOf(err)
	if kind == errs.Unauthenticated && r.Method == http.MethodGet {
		s.redirectToLogin(w, r)
		return
	}
	if name != "" && s.formErrors(p, err) {
		s.renderStatus(w, r, kind.HTTPStatus(), name, p)
		return
	}
	if kind == errs.Internal {
		s.log(r.Context()).Error("request failed", "err", err)
	}
	key, args := errs.MessageKey(err)
	ep := s.page(r, "error."+kind.String()+".title").with("Message", p.T(key, args...))
	s.renderStatus(w, r, kind.HTTPStatus(), "error", ep)
}

// problem shows err on the page: each field's message next to its field,
// and the error's own message at the top.
func (p *Page) problem(err error) {
	if e, ok := errs.As(err); ok {
		for f, m := range e.Fields {
			p.Errors[f] = p.T(m.Key, m.Args...)
		}
	}
	key, args := errs.MessageKey(err)
	p.Problem = p.T(key, args...)
}

// formErrors puts the problems a user can fix on the form (field errors,
// a stale edit, a lock-out, bad credentials) into p and reports whether err
// was of that sort.
func (s *Server) formErrors(p *Page, err error) bool {
	switch errs.KindOf(err) {
	case errs.Invalid, errs.Conflict, errs.RateLimited, errs.Unauthenticated:
	default:
		return false
	}
	p.problem(err)
	return true
}

func (s *Server) redirectToLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if strings.HasPrefix(r.URL.Path, "/office") {
		target = "/office/login"
	}
	http.Redirect(w, r, target+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
}

// localPath accepts only a path on this site as a redirect target, so that
// "?next=" cannot send a user to another site after signing in.
func localPath(next, fallback string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) {
		return fallback
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return fallback
	}
	return next
}

// parseForm reads a form body of bounded size.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	return r.ParseForm()
}

func staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	fsrv := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	})
}
