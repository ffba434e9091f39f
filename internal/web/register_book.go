package web

import (
	"bytes"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/forms"
	"github.com/motcua/motcua/internal/report"
)

// The register book (form 07, sổ theo dõi hồ sơ) of a receiving desk for
// a year. It names applicants, so the report service audits every read
// of it, one record per dossier: each page view and each download is
// exactly one call of report.Service.RegisterBookPage (a page of entries,
// or the whole year).

// bookPage is how many entries the page shows at a time; the downloads
// hold the whole year.
const bookPage = 100

// bookStart is the common start of the book's page and downloads: a
// signed-in official who may read dossiers somewhere, the desks they may
// choose, and the agency and year asked for (defaults filled in).
func (s *Server) bookStart(w http.ResponseWriter, r *http.Request, p *Page) (pr *authz.Principal, code string, year int, ok bool) {
	pr = s.staff(w, r, p)
	if pr == nil {
		return nil, "", 0, false
	}
	if !authz.CanSomewhere(pr, authz.ReadDossier) {
		s.fail(w, r, errs.E("web.book", errs.Forbidden, "error.forbidden"), "", p)
		return nil, "", 0, false
	}
	all, err := s.cfg.Agencies.List(r.Context())
	if err != nil {
		s.fail(w, r, errs.Wrap("web.book", err), "", p)
		return nil, "", 0, false
	}
	var desks []agency.Agency
	for _, a := range all {
		if authz.Can(pr, authz.ReadDossier, authz.Object{AgencyPath: a.Path}) {
			desks = append(desks, a)
		}
	}
	v := r.URL.Query()
	code = strings.TrimSpace(v.Get("agency"))
	if code == "" {
		code = defaultDesk(desks, pr)
	}
	year = s.cfg.Reports.Today().Year
	p.Form.Set("agency", code)
	p.Form.Set("year", strconv.Itoa(year))
	p.with("Desks", desks).with("Action", "/office/register-book")
	if y := strings.TrimSpace(v.Get("year")); y != "" {
		p.Form.Set("year", y)
		n, err := strconv.Atoi(y)
		if err != nil {
			n = 0 // the service says what a valid year is
		}
		year = n
	}
	return pr, code, year, true
}

// defaultDesk is the user's own agency if they may read its book, else
// the first service centre (the one-stop desk) they may, else the first
// agency at all.
func defaultDesk(desks []agency.Agency, pr *authz.Principal) string {
	for _, a := range desks {
		if a.ID == pr.AgencyID {
			return a.Code.String()
		}
	}
	for _, a := range desks {
		if a.Kind == agency.ServiceCentre {
			return a.Code.String()
		}
	}
	if len(desks) > 0 {
		return desks[0].Code.String()
	}
	return pr.AgencyCode
}

// bookFail shows a bad agency or year on the page with the form (400),
// a desk out of reach as 403 with the form; anything else goes to the
// error page.
func (s *Server) bookFail(w http.ResponseWriter, r *http.Request, err error, p *Page) {
	switch errs.KindOf(err) {
	case errs.Invalid, errs.Forbidden:
		key, args := errs.MessageKey(err)
		if errs.KindOf(err) == errs.Forbidden {
			key, args = "book.forbidden", nil
		}
		p.Problem = p.T(key, args...)
		field := "agency"
		if strings.HasPrefix(key, "report.year") {
			field = "year"
		}
		p.Errors[field] = p.Problem
		status := http.StatusBadRequest
		if errs.KindOf(err) == errs.Forbidden {
			status = http.StatusForbidden
		}
		s.renderStatus(w, r, status, "register_book", p)
		return
	}
	s.fail(w, r, err, "", p)
}

// book reads the register book once (a page of it from offset, or all of
// it with limit 0) and adds the agency's parent, which the form's heading
// names.
func (s *Server) book(r *http.Request, pr *authz.Principal, code string, year, offset, limit int) (forms.Book, int, error) {
	b, total, err := s.cfg.Reports.RegisterBookPage(r.Context(), pr, code, year, offset, limit)
	if err != nil {
		return b, 0, err
	}
	if a, err := s.cfg.Agencies.ByCode(r.Context(), code); err == nil && a.ParentID != 0 {
		if parent, err := s.cfg.Agencies.Get(r.Context(), a.ParentID); err == nil {
			b.Agency.ParentName = parent.NameVI
		}
	}
	return b, total, nil
}

func (s *Server) registerBookPage(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "book.title")
	pr, code, year, ok := s.bookStart(w, r, p)
	if !ok {
		return
	}
	page := 1
	if x := r.URL.Query().Get("page"); x != "" {
		n, err := strconv.Atoi(x)
		if err != nil || n < 1 || n > 100000 {
			s.bookFail(w, r, errs.E("web.book", errs.Invalid, "api.int_range", 100000), p)
			return
		}
		page = n
	}
	// Only the entries shown are read (and audited as read).
	b, total, err := s.book(r, pr, code, year, (page-1)*bookPage, bookPage)
	if err != nil {
		s.bookFail(w, r, err, p)
		return
	}
	q := url.Values{"agency": {code}, "year": {strconv.Itoa(year)}}
	link := func(path string, extra ...string) string {
		u := maps.Clone(q)
		for i := 0; i+1 < len(extra); i += 2 {
			u.Set(extra[i], extra[i+1])
		}
		return path + "?" + u.Encode()
	}
	if page > 1 {
		p.with("Prev", link("/office/register-book", "page", strconv.Itoa(page-1)))
	}
	if page*bookPage < total {
		p.with("Next", link("/office/register-book", "page", strconv.Itoa(page+1)))
	}
	s.render(w, r, "register_book", p.with("Book", b).with("Entries", b.Entries).with("Page", page).
		with("Pages", (total+bookPage-1)/bookPage).with("PDF", link("/office/register-book.pdf")).
		with("XLSX", link("/office/register-book.xlsx")))
}

// registerBookFile serves GET /office/register-book.{pdf,xlsx}: the
// whole year's book.
func (s *Server) registerBookFile(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := s.page(r, "book.title")
		pr, code, year, ok := s.bookStart(w, r, p)
		if !ok {
			return
		}
		b, _, err := s.book(r, pr, code, year, 0, 0)
		if err != nil {
			s.bookFail(w, r, err, p)
			return
		}
		var body []byte
		if format == "xlsx" {
			var buf bytes.Buffer
			err = report.BookXLSX(&buf, b)
			body = buf.Bytes()
		} else {
			body, err = forms.RegisterBook(b)
		}
		if err != nil {
			s.fail(w, r, errs.Wrap("web.book", err), "", p)
			return
		}
		blob.ServeGenerated(w, blob.FileName("so-theo-doi-ho-so", code, strconv.Itoa(year))+"."+format, blob.FormatType(format), body)
	}
}
