package web

import (
	"net/http"
	"strconv"

	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/dossier"
	"github.com/motcua/motcua/internal/errs"
)

// receptionStart lets the desk find the procedure of a dossier brought in.
func (s *Server) receptionStart(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "reception.title")
	if s.staff(w, r, p) == nil {
		return
	}
	q := r.URL.Query().Get("q")
	p.Form.Set("q", q)
	var res catalog.Results
	if q != "" {
		var err error
		if res, err = s.cfg.Catalog.Search(r.Context(), catalog.Query{Text: q, PerPage: 20}); err != nil {
			s.fail(w, r, err, "", p)
			return
		}
	}
	s.render(w, r, "reception_start", p.with("Results", res))
}

// receptionForm shows the registration form of a procedure's case.
func (s *Server) receptionForm(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "reception.title")
	if s.staff(w, r, p) == nil {
		return
	}
	if _, _, ok := s.applyData(w, r, p); !ok {
		return
	}
	p.Form.Set("case", r.FormValue("case"))
	p.Form.Set("channel", "counter")
	p.Form.Set("outcome", string(dossier.Accept))
	p.Form.Set("key", newKey())
	s.render(w, r, "reception", p)
}

func (s *Server) receptionSubmit(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "reception.title")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.Upload.MaxDossier+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		s.fail(w, r, errs.E("web.reception", errs.Invalid, "error.bad_form"), "", p)
		return
	}
	v, c, ok := s.applyData(w, r, p)
	if !ok {
		return
	}
	for k, vs := range r.MultipartForm.Value {
		p.Form[k] = vs
	}
	app := dossier.Application{ProcedureCode: v.Doc.Code, CaseCode: c.Code, AgencyCode: r.FormValue("agency"), Channel: r.FormValue("channel"),
		Applicant: dossier.Applicant{Type: r.FormValue("applicant.type"), FullName: r.FormValue("applicant.full_name"),
			NationalID: r.FormValue("applicant.national_id"), BirthDate: r.FormValue("applicant.birth_date"), Address: r.FormValue("applicant.address"),
			Phone: r.FormValue("applicant.phone"), Email: r.FormValue("applicant.email"), OrgName: r.FormValue("applicant.org_name")},
		Form: map[string]string{}}
	for _, f := range c.Form {
		app.Form[f.Name] = r.FormValue("form." + f.Name)
	}
	if err := s.storeUploads(r, p, c.Components); err != nil {
		s.fail(w, r, errs.Wrap("web.reception", err), "", p)
		return
	}
	for _, m := range c.Components {
		field := "file." + m.Code
		if sum := p.Form.Get(field + ".sha"); sum != "" && blob.ValidSum(sum) {
			app.Files = append(app.Files, dossier.FileRef{ComponentCode: m.Code, SHA256: sum, Name: p.Form.Get(field + ".name"), ContentType: p.Form.Get(field + ".type"), Digitized: true})
		}
	}
	if len(p.Errors) > 0 {
		p.Problem = p.T("error.invalid")
		s.renderStatus(w, r, http.StatusUnprocessableEntity, "reception", p)
		return
	}
	in := dossier.Input{Version: 1, Comment: r.FormValue("comment"), Reason: r.FormValue("reason"), Missing: splitLines(r.FormValue("missing"))}
	d, err := s.cfg.Dossiers.ReceivePaper(r.Context(), pr, app, dossier.Action(r.FormValue("outcome")), in, r.FormValue("key"))
	if err != nil {
		if s.formErrors(p, err) {
			for k, msg := range p.Errors {
				if len(k) > 6 && k[:6] == "files." {
					p.Errors["file."+k[6:]] = msg
				}
			}
			s.renderStatus(w, r, errs.KindOf(err).HTTPStatus(), "reception", p)
			return
		}
		s.fail(w, r, err, "", p)
		return
	}
	http.Redirect(w, r, "/office/dossiers/"+strconv.FormatInt(d.ID, 10)+"?ok=received", http.StatusSeeOther)
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

// storeUploads stores the file sent for each component (within one
// dossier's size budget) and keeps it in the form as file.X.sha, .name and
// .type, so that a form sent back with errors still holds what was
// uploaded. A file the upload policy refuses becomes the field's error on
// p; any other failure is returned.
func (s *Server) storeUploads(r *http.Request, p *Page, comps []catalog.Component) error {
	var used int64
	for _, m := range comps {
		field := "file." + m.Code
		fh := r.MultipartForm.File[field]
		if len(fh) == 0 || fh[0].Size == 0 {
			continue
		}
		f, err := fh[0].Open()
		if err != nil {
			return err
		}
		att, err := s.cfg.Upload.Accept(r.Context(), s.cfg.Blobs, blob.Upload{Name: fh[0].Filename, MIME: fh[0].Header.Get("Content-Type"), Body: f}, used)
		f.Close()
		if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
			key, args := errs.MessageKey(err)
			p.Errors[field] = p.T(key, args...)
			continue
		}
		if err != nil {
			return err
		}
		used += att.Size
		p.Form.Set(field+".sha", att.SHA256)
		p.Form.Set(field+".name", att.Name)
		p.Form.Set(field+".type", att.Kind.MIME)
	}
	return nil
}
