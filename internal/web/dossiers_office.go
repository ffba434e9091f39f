package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/dossier"
	"github.com/motcua/motcua/internal/errs"
)

func (s *Server) inbox(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "inbox.title")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	box := dossier.Box(r.URL.Query().Get("box"))
	if box == "" {
		box = dossier.BoxInProgress
		if pr.Has(authz.ReceptionOfficer) {
			box = dossier.BoxNew
		}
	}
	ds, err := s.cfg.Dossiers.Inbox(r.Context(), pr, box, 200)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	s.render(w, r, "inbox", p.with("Box", box).with("Boxes", dossier.Boxes).with("Dossiers", ds).with("Now", time.Now()))
}

func (s *Server) officeDossier(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "dossier.title")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	s.showDossier(w, r, p, pr, "office_dossier")
}

// dossierAction runs one action from a dossier page, for citizens (their
// withdrawal and rating) and officials alike.
func (s *Server) dossierAction(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "dossier.title")
	pr := authz.PrincipalFrom(r.Context())
	if !pr.Authenticated() {
		s.fail(w, r, errs.E("web.act", errs.Unauthenticated, "error.unauthenticated"), "", p)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.Upload.MaxDossier+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil && err != http.ErrNotMultipart {
		s.fail(w, r, errs.E("web.act", errs.Invalid, "error.bad_form"), "", p)
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	a := dossier.Action(r.PathValue("action"))
	version, _ := strconv.Atoi(r.FormValue("version"))
	in := dossier.Input{Version: version, Comment: r.FormValue("comment"), Reason: r.FormValue("reason"),
		Missing: strings.Split(strings.ReplaceAll(r.FormValue("missing"), "\r\n", "\n"), "\n"),
		Rating:  r.FormValue("rating"), ReturnChannel: r.FormValue("return_channel"),
		Consult: r.Form["consult"], Question: r.FormValue("question"), Answer: r.FormValue("answer")}
	if v := r.FormValue("consult_days"); v != "" {
		in.ConsultDays, _ = strconv.Atoi(v)
	}
	if v := r.FormValue("amount"); v != "" {
		n, err := strconv.ParseInt(strings.NewReplacer(".", "", ",", "", " ", "").Replace(v), 10, 64)
		if err != nil {
			n = -1
		}
		in.Amount = n
	}
	if v := r.FormValue("assignee"); v != "" {
		in.AssigneeID, _ = strconv.ParseInt(v, 10, 64)
	}
	if v := r.FormValue("new_due"); v != "" {
		if d, err := calendar.ParseDate(v); err == nil {
			in.NewDue = d.In(calendar.VietnamLocation())
		}
	}
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["files"] {
			f, err := fh.Open()
			if err != nil {
				s.fail(w, r, errs.Wrap("web.act", err), "", p)
				return
			}
			att, err := s.cfg.Upload.Accept(r.Context(), s.cfg.Blobs, blob.Upload{Name: fh.Filename, MIME: fh.Header.Get("Content-Type"), Body: f}, 0)
			f.Close()
			if err != nil {
				s.fail(w, r, err, "", p)
				return
			}
			in.Files = append(in.Files, dossier.FileRef{SHA256: att.SHA256, Name: att.Name, ContentType: att.Kind.MIME, Digitized: r.FormValue("digitized") != ""})
		}
	}
	base := "/office/dossiers/"
	tmpl := "office_dossier"
	if pr.Kind == authz.Citizen {
		base, tmpl = "/me/dossiers/", "my_dossier"
	}
	if _, err := s.cfg.Dossiers.Act(r.Context(), pr, id, a, in); err != nil {
		if s.formErrors(p, err) {
			// Show the dossier again with the problem on top.
			p.with("FailedAction", string(a))
			s.showDossierStatus(w, r, p, pr, tmpl, errs.KindOf(err).HTTPStatus())
			return
		}
		s.fail(w, r, err, "", p)
		return
	}
	http.Redirect(w, r, base+strconv.FormatInt(id, 10)+"?ok=done", http.StatusSeeOther)
}
