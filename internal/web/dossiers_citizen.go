package web

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/dossier"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/forms"
	"github.com/motcua/motcua/internal/identity"
)

// citizen returns the signed-in citizen, or redirects to sign in.
func (s *Server) citizen(w http.ResponseWriter, r *http.Request) *authz.Principal {
	p := authz.PrincipalFrom(r.Context())
	if p.Kind != authz.Citizen {
		s.redirectToLogin(w, r)
		return nil
	}
	return p
}

// prefill is the value a form field takes from the applicant's identity.
func prefill(c identity.Citizen, source string) string {
	switch source {
	case "applicant.full_name":
		return c.FullName
	case "applicant.national_id":
		return c.NationalID
	case "applicant.birth_date":
		return c.BirthDate
	case "applicant.gender":
		return c.Gender
	case "applicant.address":
		return c.Address
	case "applicant.phone":
		return domesticPhone(c.Phone)
	case "applicant.email":
		return c.Email
	}
	return ""
}

// domesticPhone writes a Vietnamese number as forms expect it: the
// identity provider gives +84 903 000 201, forms ask for 0903000201.
func domesticPhone(p string) string {
	p = strings.NewReplacer(" ", "", ".", "", "-", "").Replace(p)
	if rest, ok := strings.CutPrefix(p, "+84"); ok {
		return "0" + rest
	}
	if rest, ok := strings.CutPrefix(p, "84"); ok && len(rest) == 9 {
		return "0" + rest
	}
	return p
}

func newKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// applyData loads what the application page needs.
func (s *Server) applyData(w http.ResponseWriter, r *http.Request, p *Page) (catalog.Version, *catalog.Case, bool) {
	v, err := s.cfg.Catalog.Published(r.Context(), r.PathValue("code"), 0)
	if err != nil {
		s.fail(w, r, err, "", p)
		return v, nil, false
	}
	caseCode := r.FormValue("case")
	if caseCode == "" && len(v.Doc.Cases) > 0 {
		caseCode = v.Doc.Cases[0].Code
	}
	c, ok := dossier.CaseOf(v, caseCode)
	if !ok {
		s.fail(w, r, errs.E("web.apply", errs.NotFound, "dossier.case.unknown"), "", p)
		return v, nil, false
	}
	byCode, _, err := s.agencyIndex(r)
	if err != nil {
		s.fail(w, r, err, "", p)
		return v, nil, false
	}
	recv := v.Doc.Receivers
	if len(recv) == 0 {
		recv = v.Doc.Agencies
	}
	p.Title = p.Pick(v.Doc.NameVI, v.Doc.NameEN)
	p.with("V", v).with("Case", c).with("Receivers", recv).with("Agencies", byCode)
	return v, c, true
}

func (s *Server) applyPage(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "apply.title")
	pr := s.citizen(w, r)
	if pr == nil {
		return
	}
	_, c, ok := s.applyData(w, r, p)
	if !ok {
		return
	}
	profile, err := s.cfg.Identity.CitizenProfile(r.Context(), pr, pr.NationalID)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	for _, f := range c.Form {
		if v := prefill(profile, f.Prefill); v != "" {
			p.Form.Set("form."+f.Name, v)
		}
	}
	p.Form.Set("case", c.Code)
	p.Form.Set("key", newKey())
	store, err := s.cfg.Dossiers.DataStore(r.Context(), pr)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	s.render(w, r, "apply", p.with("Profile", profile).with("Store", store))
}

func (s *Server) applySubmit(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "apply.title")
	pr := s.citizen(w, r)
	if pr == nil {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.Upload.MaxDossier+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		p.Problem = p.T("apply.upload_failed", s.cfg.Upload.MaxDossier>>20)
		s.renderStatus(w, r, http.StatusRequestEntityTooLarge, "error", p.with("Message", p.Problem))
		return
	}
	v, c, ok := s.applyData(w, r, p)
	if !ok {
		return
	}
	profile, err := s.cfg.Identity.CitizenProfile(r.Context(), pr, pr.NationalID)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	store, err := s.cfg.Dossiers.DataStore(r.Context(), pr)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	p.with("Profile", profile).with("Store", store)
	byID := map[string]dossier.StoredDocument{}
	for _, d := range store {
		byID[strconv.FormatInt(d.ID, 10)] = d
	}
	for k, vs := range r.MultipartForm.Value {
		p.Form[k] = vs
	}
	app := dossier.Application{ProcedureCode: v.Doc.Code, CaseCode: c.Code, AgencyCode: r.FormValue("agency"),
		Applicant: dossier.Applicant{Type: catalog.ApplicantCitizen, FullName: profile.FullName, NationalID: profile.NationalID,
			BirthDate: profile.BirthDate, Address: profile.Address, Phone: profile.Phone, Email: profile.Email},
		Form: map[string]string{}}
	for _, f := range c.Form {
		app.Form[f.Name] = r.FormValue("form." + f.Name)
	}
	// Each document: a new upload, or one kept from an earlier attempt.
	if err := s.storeUploads(r, p, c.Components); err != nil {
		s.fail(w, r, errs.Wrap("web.apply", err), "", p)
		return
	}
	for _, m := range c.Components {
		field := "file." + m.Code
		if sum := p.Form.Get(field + ".sha"); sum != "" && blob.ValidSum(sum) {
			app.Files = append(app.Files, dossier.FileRef{ComponentCode: m.Code, SHA256: sum, Name: p.Form.Get(field + ".name"), ContentType: p.Form.Get(field + ".type")})
		} else if doc, ok := byID[r.FormValue("store."+m.Code)]; ok {
			// Taken from the data store: not uploaded again.
			app.Files = append(app.Files, dossier.FileRef{ComponentCode: m.Code, SHA256: doc.SHA256, Name: doc.Name, ContentType: doc.ContentType, Reused: true})
		}
	}
	if len(p.Errors) > 0 {
		p.Problem = p.T("error.invalid")
		s.renderStatus(w, r, http.StatusUnprocessableEntity, "apply", p)
		return
	}
	d, err := s.cfg.Dossiers.Submit(r.Context(), pr, app, r.FormValue("key"))
	if err != nil {
		if s.formErrors(p, err) {
			// "form.x" and "files.x" problems sit next to their fields.
			for k, v := range p.Errors {
				if strings.HasPrefix(k, "files.") {
					p.Errors["file."+strings.TrimPrefix(k, "files.")] = v
				}
			}
			s.renderStatus(w, r, errs.KindOf(err).HTTPStatus(), "apply", p)
			return
		}
		s.fail(w, r, err, "", p)
		return
	}
	http.Redirect(w, r, "/me/dossiers/"+strconv.FormatInt(d.ID, 10)+"?ok=submitted", http.StatusSeeOther)
}

func (s *Server) myDossiers(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "my_dossiers.title")
	pr := s.citizen(w, r)
	if pr == nil {
		return
	}
	ds, err := s.cfg.Dossiers.Mine(r.Context(), pr)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	s.render(w, r, "my_dossiers", p.with("Dossiers", ds))
}

func (s *Server) myDossier(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "dossier.title")
	pr := s.citizen(w, r)
	if pr == nil {
		return
	}
	s.showDossier(w, r, p, pr, "my_dossier")
}

// showDossier renders a dossier page for whoever may read it.
func (s *Server) showDossier(w http.ResponseWriter, r *http.Request, p *Page, pr *authz.Principal, tmpl string) {
	s.showDossierStatus(w, r, p, pr, tmpl, http.StatusOK)
}

func (s *Server) showDossierStatus(w http.ResponseWriter, r *http.Request, p *Page, pr *authz.Principal, tmpl string, status int) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	d, err := s.cfg.Dossiers.Get(r.Context(), pr, id)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	v, err := s.cfg.Catalog.Published(r.Context(), d.ProcedureCode, d.ProcedureVersion)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	c, _ := dossier.CaseOf(v, d.CaseCode)
	byCode, _, err := s.agencyIndex(r)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	names := map[int64]string{}
	for _, a := range byCode {
		names[a.ID] = a.Name(string(p.Lang))
	}
	if d.Code != "" {
		p.Title = d.Code
	}
	if pr.IsStaff() {
		cons, err := s.cfg.Dossiers.Consultations(r.Context(), pr, id)
		if err != nil {
			s.fail(w, r, err, "", p)
			return
		}
		_, all, err := s.agencyIndex(r)
		if err != nil {
			s.fail(w, r, err, "", p)
			return
		}
		p.with("Consultations", cons).with("AllAgencies", all)
	}
	s.renderStatus(w, r, status, tmpl, p.with("D", d).with("V", v).with("Case", c).with("AgencyNames", names).with("Actions", dossierActions(d, pr)))
}

// dossierFile serves a dossier's file to whoever may read the dossier.
func (s *Server) dossierFile(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "dossier.title")
	pr := authz.PrincipalFrom(r.Context())
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	fid, _ := strconv.ParseInt(r.PathValue("file"), 10, 64)
	d, err := s.cfg.Dossiers.Get(r.Context(), pr, id)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	for _, f := range d.Files {
		if f.ID == fid {
			if err := blob.Serve(w, r, s.cfg.Blobs, f.SHA256, f.Name); err != nil {
				s.fail(w, r, err, "", p)
			}
			return
		}
	}
	s.fail(w, r, errs.E("web.file", errs.NotFound, "dossier.file.missing"), "", p)
}

// lookupView is what the lookup page shows. The page is the portal's most
// requested one (the receipt's QR code opens it): its labels are folded
// into the templates (fold.go), and what takes arguments (the status, the
// dates) is formatted here, so that the template calls no method.
type lookupView struct {
	Code   string
	Result *lookupResult
}

type lookupResult struct {
	Code, ProcedureCode, ProcedureName, Status, ReceivedAt, DueAt, ReturnedAt string
}

func (s *Server) lookupPage(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "lookup.title")
	code := strings.TrimSpace(r.URL.Query().Get("code"))
	p.Form.Set("code", code)
	view := &lookupView{Code: code}
	p.with("View", view)
	if code == "" {
		s.render(w, r, "lookup", p)
		return
	}
	if !s.cfg.LookupLimit.Allow(clientIPFromCtx(r)) {
		s.fail(w, r, errs.E("web.lookup", errs.RateLimited, "lookup.rate_limited"), "lookup", p)
		return
	}
	pub, err := s.cfg.Dossiers.Lookup(r.Context(), code)
	if err != nil {
		if errs.KindOf(err) == errs.NotFound {
			p.Problem = p.T("dossier.not_found")
			s.renderStatus(w, r, http.StatusNotFound, "lookup", p)
			return
		}
		s.fail(w, r, err, "lookup", p)
		return
	}
	view.Result = &lookupResult{
		Code: pub.Code, ProcedureCode: pub.ProcedureCode, ProcedureName: pub.ProcedureName,
		Status:     p.T("external." + strconv.Itoa(pub.External)),
		ReceivedAt: p.DateTime(pub.ReceivedAt), DueAt: p.DateTime(pub.DueAt), ReturnedAt: p.DateTime(pub.ReturnedAt),
	}
	s.render(w, r, "lookup", p)
}

// dossierActions lists what the principal may try on the dossier, for
// the page's forms; the service decides for real.
func dossierActions(d dossier.Dossier, p *authz.Principal) []dossier.Action {
	var out []dossier.Action
	for _, a := range []dossier.Action{dossier.Accept, dossier.RequestSupplementDesk, dossier.RejectAtDesk, dossier.Resubmit, dossier.Claim, dossier.Forward,
		dossier.Approve, dossier.Sign, dossier.SendBack, dossier.Consult, dossier.Answer, dossier.RequestSupplement, dossier.SupplementReceived, dossier.RequestPayment,
		dossier.MarkPaid, dossier.Extend, dossier.IssueResult, dossier.Refuse, dossier.ReturnResult, dossier.Withdraw, dossier.Rate} {
		if _, ok := dossier.Allowed(a, d.Status); !ok {
			continue
		}
		if a == dossier.Rate && slices.ContainsFunc(d.Events, func(e dossier.Event) bool { return e.Action == string(dossier.Rate) }) {
			continue // rated once; the rating is in the history
		}
		if p.Kind == authz.Citizen {
			if a == dossier.Withdraw || a == dossier.Rate {
				out = append(out, a)
			}
			continue
		}
		if a == dossier.Rate {
			continue
		}
		for _, role := range dossier.Roles(a) {
			if p.Has(role) {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

func (s *Server) dataStore(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "store.title")
	pr := s.citizen(w, r)
	if pr == nil {
		return
	}
	docs, err := s.cfg.Dossiers.DataStore(r.Context(), pr)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	s.render(w, r, "store", p.with("Docs", docs))
}

func (s *Server) dataStoreFile(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "store.title")
	pr := s.citizen(w, r)
	if pr == nil {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	d, err := s.cfg.Dossiers.StoredDocumentFile(r.Context(), pr, id)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	if err := blob.Serve(w, r, s.cfg.Blobs, d.SHA256, d.Name); err != nil {
		s.fail(w, r, err, "", p)
	}
}

// controlSlip renders the process control slip (form 06) from the
// dossier's history: every hand-over, with its time and who did it.
func (s *Server) controlSlip(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "dossier.title")
	pr := authz.PrincipalFrom(r.Context())
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	d, err := s.cfg.Dossiers.Get(r.Context(), pr, id)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	recv, err := s.cfg.Agencies.Get(r.Context(), d.ReceivingAgency)
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	handed := map[string]bool{"accept": true, "forward": true, "approve": true, "sign": true, "send_back": true, "issue_result": true, "return_result": true}
	var rows []forms.Handover
	var last *forms.Handover
	for _, ev := range d.Events {
		if !handed[ev.Action] {
			continue
		}
		if last != nil {
			last.To, last.Done = ev.ActorName, ev.At
		}
		rows = append(rows, forms.Handover{From: ev.ActorName, At: ev.At, Note: s.tr(r, "action.dossier."+ev.Action)})
		last = &rows[len(rows)-1]
	}
	if n := len(rows); n > 0 {
		rows[n-1].Deadline = d.DueAt
		if !d.FinishedAt.IsZero() {
			rows[n-1].Done = d.FinishedAt
		}
	}
	code := d.Code
	if code == "" {
		code = "#" + strconv.FormatInt(d.ID, 10)
	}
	b, err := forms.ControlSlip(forms.Common{Agency: forms.Agency{Name: recv.NameVI, Address: recv.Address}, Code: code, Procedure: d.ProcedureName,
		Applicant: forms.Applicant{FullName: d.Applicant.FullName, NationalID: d.Applicant.NationalID, Address: d.Applicant.Address},
		Date:      d.ReceivedAt, Officer: pr.Name}, rows)
	if err != nil {
		s.fail(w, r, errs.Wrap("web.controlSlip", err), "", p)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", blob.ContentDisposition(strings.ReplaceAll(code, "#", "")+"-phieu-kiem-soat.pdf"))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(b)
}
