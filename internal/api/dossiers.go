package api

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/dossier"
	"github.com/motcua/motcua/internal/errs"
)

// Dossiers are addressed by a reference ({ref} in the paths): the
// dossier's code once it has been accepted ("000.00.03.H26-260302-0001",
// either format, any case), or its numeric id, which every dossier has
// from submission on. A code never consists of digits only, so the two
// forms cannot be confused. Who may see a dossier is the dossier
// service's decision: a dossier the caller may not see does not exist for
// them (404), whichever form addresses it.

// Applicant is who applies. For a citizen applying online, national_id
// is always the signed-in citizen's, whatever the request says.
type Applicant struct {
	Type       string `json:"type"`
	NationalID string `json:"national_id,omitempty"`
	FullName   string `json:"full_name"`
	BirthDate  string `json:"birth_date,omitempty"`
	Address    string `json:"address,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Email      string `json:"email,omitempty"`
	OrgName    string `json:"org_name,omitempty"`
	OrgTaxCode string `json:"org_tax_code,omitempty"`
}

// FileRef names a file already uploaded (POST /api/v1/files) by its
// SHA-256, to attach to an application or an action.
type FileRef struct {
	ComponentCode string `json:"component_code,omitempty"`
	SHA256        string `json:"sha256"`
	Name          string `json:"name"`
	ContentType   string `json:"content_type,omitempty"`
}

// SubmitRequest is an application filed online.
type SubmitRequest struct {
	ProcedureCode string            `json:"procedure_code"`
	CaseCode      string            `json:"case_code"`
	AgencyCode    string            `json:"agency_code"`
	Applicant     Applicant         `json:"applicant"`
	Form          map[string]string `json:"form,omitempty"`
	Files         []FileRef         `json:"files,omitempty"`
}

// ActionRequest is what an action needs besides the dossier; which fields
// matter depends on the action.
type ActionRequest struct {
	Version       int       `json:"version"`
	Comment       string    `json:"comment,omitempty"`
	Missing       []string  `json:"missing,omitempty"`
	Reason        string    `json:"reason,omitempty"`
	AssigneeID    int64     `json:"assignee_id,omitempty"`
	NewDue        string    `json:"new_due,omitempty"`
	Amount        int64     `json:"amount,omitempty"`
	Files         []FileRef `json:"files,omitempty"`
	Digitized     bool      `json:"digitized,omitempty"`
	Rating        string    `json:"rating,omitempty"`
	ReturnChannel string    `json:"return_channel,omitempty"`
	Consult       []string  `json:"consult,omitempty"`
	Question      string    `json:"question,omitempty"`
	ConsultDays   int       `json:"consult_days,omitempty"`
	Answer        string    `json:"answer,omitempty"`
}

// UploadedFile is a stored upload, to reference by its sha256.
type UploadedFile struct {
	SHA256      string `json:"sha256"`
	Name        string `json:"name"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
}

// Dossier is a dossier as its applicant and the officials working on it
// see it, with its files and history.
type Dossier struct {
	ID               int64             `json:"id"`
	Code             *string           `json:"code"`
	ProcedureCode    string            `json:"procedure_code"`
	ProcedureVersion int               `json:"procedure_version"`
	ProcedureName    string            `json:"procedure_name"`
	CaseCode         string            `json:"case_code"`
	Status           string            `json:"status"`
	NationalStatus   int               `json:"national_status"`
	Channel          string            `json:"channel"`
	Applicant        Applicant         `json:"applicant"`
	Form             map[string]string `json:"form"`
	ReceivingAgency  string            `json:"receiving_agency"`
	ProcessingAgency string            `json:"processing_agency"`
	Step             *DossierStep      `json:"step"`
	AssigneeID       *int64            `json:"assignee_id"`
	SubmittedAt      time.Time         `json:"submitted_at"`
	ReceivedAt       *time.Time        `json:"received_at"`
	DueAt            *time.Time        `json:"due_at"`
	OriginalDueAt    *time.Time        `json:"original_due_at"`
	Extended         bool              `json:"extended"`
	PausedAt         *time.Time        `json:"paused_at"`
	FinishedAt       *time.Time        `json:"finished_at"`
	ReturnedAt       *time.Time        `json:"returned_at"`
	Timeliness       *string           `json:"timeliness"`
	ResultKind       *string           `json:"result_kind"`
	Version          int               `json:"version"`
	CreatedAt        time.Time         `json:"created_at"`
	UpdatedAt        time.Time         `json:"updated_at"`
	Files            []DossierFile     `json:"files"`
	Events           []DossierEvent    `json:"events"`
}

// DossierStep is the step of the procedure's process a dossier is at.
type DossierStep struct {
	Index  int        `json:"index"`
	NameVI string     `json:"name_vi"`
	Role   string     `json:"role"`
	Agency string     `json:"agency"`
	DueAt  *time.Time `json:"due_at"`
}

// DossierFile is a document of a dossier.
type DossierFile struct {
	ID            int64     `json:"id"`
	Kind          string    `json:"kind"`
	ComponentCode string    `json:"component_code"`
	Name          string    `json:"name"`
	SHA256        string    `json:"sha256"`
	Size          int64     `json:"size"`
	ContentType   string    `json:"content_type"`
	Digitized     bool      `json:"digitized"`
	Reused        bool      `json:"reused"`
	CreatedAt     time.Time `json:"created_at"`
	Href          string    `json:"href"`
}

// DossierEvent is one recorded change of a dossier.
type DossierEvent struct {
	At        time.Time      `json:"at"`
	ActorKind string         `json:"actor_kind"`
	ActorName string         `json:"actor_name"`
	Action    string         `json:"action"`
	From      string         `json:"from"`
	To        string         `json:"to"`
	Step      int            `json:"step"`
	Comment   string         `json:"comment"`
	DueBefore *time.Time     `json:"due_before"`
	DueAfter  *time.Time     `json:"due_after"`
	Data      map[string]any `json:"data"`
}

// DossierSummary is a dossier in a tray of the inbox.
type DossierSummary struct {
	ID               int64      `json:"id"`
	Code             *string    `json:"code"`
	ProcedureCode    string     `json:"procedure_code"`
	ProcedureName    string     `json:"procedure_name"`
	CaseCode         string     `json:"case_code"`
	Status           string     `json:"status"`
	NationalStatus   int        `json:"national_status"`
	Channel          string     `json:"channel"`
	ApplicantName    string     `json:"applicant_name"`
	ReceivingAgency  string     `json:"receiving_agency"`
	ProcessingAgency string     `json:"processing_agency"`
	Step             int        `json:"step"`
	AssigneeID       *int64     `json:"assignee_id"`
	SubmittedAt      time.Time  `json:"submitted_at"`
	ReceivedAt       *time.Time `json:"received_at"`
	DueAt            *time.Time `json:"due_at"`
	StepDueAt        *time.Time `json:"step_due_at"`
	Version          int        `json:"version"`
}

// Inbox is one tray of an official's inbox.
type Inbox struct {
	Box   string           `json:"box"`
	Items []DossierSummary `json:"items"`
}

// DossierLookup is what anybody holding a dossier's code may see: no
// personal data.
type DossierLookup struct {
	Code           string     `json:"code"`
	ProcedureCode  string     `json:"procedure_code"`
	ProcedureName  string     `json:"procedure_name"`
	Status         string     `json:"status"`
	NationalStatus int        `json:"national_status"`
	ReceivedAt     *time.Time `json:"received_at"`
	DueAt          *time.Time `json:"due_at"`
	FinishedAt     *time.Time `json:"finished_at"`
	ReturnedAt     *time.Time `json:"returned_at"`
}

// actions are the lifecycle actions the API offers at
// /api/v1/dossiers/{ref}/actions/{action}; submission has its own
// endpoint.
var actions = []dossier.Action{
	dossier.Accept, dossier.RequestSupplementDesk, dossier.RejectAtDesk, dossier.Resubmit, dossier.Assign, dossier.Claim,
	dossier.Forward, dossier.SendBack, dossier.RequestSupplement, dossier.SupplementReceived, dossier.Consult, dossier.Answer,
	dossier.RequestPayment, dossier.MarkPaid, dossier.Refuse, dossier.Approve, dossier.Sign, dossier.IssueResult, dossier.Extend,
	dossier.Withdraw, dossier.ReturnResult, dossier.Rate,
}

// maxUploadOverhead is what a multipart body may hold besides the file.
const maxUploadOverhead = 1 << 20

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func idPtr(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// unauthenticated is the answer to an anonymous caller of an endpoint
// that needs one signed in: asked before anything else, so that nobody
// learns from a 404 or a 401 whether a dossier exists.
func unauthenticated(op string) error {
	return errs.E(op, errs.Unauthenticated, "error.unauthenticated")
}

// dossierID resolves a {ref}: digits are an id, anything else a code.
func (s *Server) dossierID(ctx context.Context, ref string) (int64, error) {
	ref = strings.TrimSpace(ref)
	if ref != "" && strings.Trim(ref, "0123456789") == "" {
		id, err := strconv.ParseInt(ref, 10, 64)
		if err != nil || id <= 0 {
			return 0, errs.E("api.dossier", errs.NotFound, "dossier.not_found")
		}
		return id, nil
	}
	if _, _, ok := dossier.ParseCode(ref); !ok {
		return 0, errs.E("api.dossier", errs.NotFound, "dossier.not_found")
	}
	return s.cfg.Dossiers.ByCode(ctx, ref)
}

// agencyCodes turns agency ids into codes, remembering them for a request.
type agencyCodes struct {
	s     *Server
	ctx   context.Context
	codes map[int64]string
}

func (a *agencyCodes) code(id int64) (string, error) {
	if c, ok := a.codes[id]; ok {
		return c, nil
	}
	ag, err := a.s.cfg.Agencies.Get(a.ctx, id)
	if err != nil {
		return "", err
	}
	if a.codes == nil {
		a.codes = map[int64]string{}
	}
	a.codes[id] = ag.Code.String()
	return a.codes[id], nil
}

// toDossier presents a dossier read through the service.
func (s *Server) toDossier(ctx context.Context, d dossier.Dossier) (Dossier, error) {
	ags := &agencyCodes{s: s, ctx: ctx}
	recv, err := ags.code(d.ReceivingAgency)
	if err != nil {
		return Dossier{}, err
	}
	proc, err := ags.code(d.ProcessingAgency)
	if err != nil {
		return Dossier{}, err
	}
	out := Dossier{ID: d.ID, Code: strPtr(d.Code), ProcedureCode: d.ProcedureCode, ProcedureVersion: d.ProcedureVersion,
		ProcedureName: d.ProcedureName, CaseCode: d.CaseCode, Status: string(d.Status), NationalStatus: d.Status.External(),
		Channel: d.Channel, Applicant: Applicant(d.Applicant), Form: d.Form, ReceivingAgency: recv, ProcessingAgency: proc,
		AssigneeID: idPtr(d.AssigneeID), SubmittedAt: d.SubmittedAt.UTC(), ReceivedAt: timePtr(d.ReceivedAt), DueAt: timePtr(d.DueAt),
		OriginalDueAt: timePtr(d.OriginalDueAt), Extended: d.Extended, PausedAt: timePtr(d.PausedAt), FinishedAt: timePtr(d.FinishedAt),
		ReturnedAt: timePtr(d.ReturnedAt), Timeliness: strPtr(string(d.Timeliness)), ResultKind: strPtr(d.ResultKind),
		Version: d.Version, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(),
		Files: make([]DossierFile, 0, len(d.Files)), Events: make([]DossierEvent, 0, len(d.Events))}
	if out.Form == nil {
		out.Form = map[string]string{}
	}
	if d.Step >= 0 {
		v, err := s.cfg.Catalog.Published(ctx, d.ProcedureCode, d.ProcedureVersion)
		if err != nil {
			return Dossier{}, err
		}
		if c, ok := dossier.CaseOf(v, d.CaseCode); ok && d.Step < len(c.Process) {
			st := c.Process[d.Step]
			at := proc
			if d.StepAgency != 0 {
				if at, err = ags.code(d.StepAgency); err != nil {
					return Dossier{}, err
				}
			}
			out.Step = &DossierStep{Index: d.Step, NameVI: st.NameVI, Role: st.Role, Agency: at, DueAt: timePtr(d.StepDueAt)}
		}
	}
	ref := strconv.FormatInt(d.ID, 10)
	if d.Code != "" {
		ref = url.PathEscape(d.Code)
	}
	for _, f := range d.Files {
		out.Files = append(out.Files, DossierFile{ID: f.ID, Kind: f.Kind, ComponentCode: f.ComponentCode, Name: f.Name, SHA256: f.SHA256,
			Size: f.Size, ContentType: f.ContentType, Digitized: f.Digitized, Reused: f.Reused, CreatedAt: f.CreatedAt.UTC(),
			Href: "/api/v1/dossiers/" + ref + "/files/" + strconv.FormatInt(f.ID, 10)})
	}
	for _, e := range d.Events {
		data := e.Data
		if data == nil {
			data = map[string]any{}
		}
		out.Events = append(out.Events, DossierEvent{At: e.At.UTC(), ActorKind: e.ActorKind, ActorName: e.ActorName, Action: e.Action,
			From: string(e.From), To: string(e.To), Step: e.Step, Comment: e.Comment, DueBefore: timePtr(e.DueBefore),
			DueAfter: timePtr(e.DueAfter), Data: data})
	}
	return out, nil
}

// writeDossier reads the dossier id as p and answers with it. After a
// change, changed is the dossier as changed: should p no longer be allowed
// to read it whole, the answer is that, without files and history.
func (s *Server) writeDossier(w http.ResponseWriter, r *http.Request, p *authz.Principal, id int64, status int, changed *dossier.Dossier) {
	d, err := s.cfg.Dossiers.Get(r.Context(), p, id)
	if err != nil && changed != nil && errs.KindOf(err) != errs.Internal {
		d, err = *changed, nil
		d.Files, d.Events = nil, nil
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.toDossier(r.Context(), d)
	if err != nil {
		s.fail(w, r, errs.Wrap("api.dossier", err))
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	writeJSON(w, status, out)
}

// fileRefs checks the files a request attaches, as uploads were checked:
// a display name (never a path), a well-formed sum of a stored file, and a
// content type that is the content's own (filled in when not given).
// Problems are keyed by body path ("files[1].name").
func (s *Server) fileRefs(ctx context.Context, refs []FileRef, digitized bool) ([]dossier.FileRef, error) {
	var v errs.Validation
	out := make([]dossier.FileRef, 0, len(refs))
	for i, f := range refs {
		at := "files[" + strconv.Itoa(i) + "]"
		name, err := blob.CheckName(f.Name)
		if err != nil {
			key, args := errs.MessageKey(err)
			v.Add(at+".name", key, args...)
		}
		if !blob.ValidSum(f.SHA256) {
			v.Add(at+".sha256", "blob.sum_invalid")
			continue
		}
		kind, err := s.sniff(ctx, f.SHA256)
		switch {
		case errs.Is(err, errs.NotFound):
			v.Add(at+".sha256", "blob.not_found")
			continue
		case err != nil:
			return nil, errs.Wrap("api.files", err)
		}
		ctype := kind.MIME
		if f.ContentType != "" {
			t, _, perr := mime.ParseMediaType(f.ContentType)
			if perr != nil || t != kind.MIME {
				v.Add(at+".content_type", "blob.type_mismatch", f.ContentType, kind.Label)
			}
		}
		out = append(out, dossier.FileRef{ComponentCode: f.ComponentCode, SHA256: f.SHA256, Name: name, ContentType: ctype, Digitized: digitized})
	}
	return out, v.Err("api.files")
}

// sniff tells the kind of a stored file from its first bytes.
func (s *Server) sniff(ctx context.Context, sum string) (blob.Kind, error) {
	rc, _, err := s.cfg.Blobs.Open(ctx, sum)
	if err != nil {
		return blob.Kind{}, err
	}
	defer rc.Close()
	head := make([]byte, blob.SniffLen)
	n, err := io.ReadFull(rc, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return blob.Kind{}, err
	}
	if k, ok := blob.Sniff(head[:n]); ok {
		return k, nil
	}
	return blob.Kind{MIME: "application/octet-stream", Label: "application/octet-stream"}, nil
}

// renameField moves a field problem of an Invalid error to another name.
func renameField(err error, from, to string) error {
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.Invalid {
		return err
	}
	m, ok := e.Fields[from]
	if !ok {
		return err
	}
	c := *e
	c.Fields = map[string]errs.Msg{to: m}
	for k, f := range e.Fields {
		if k != from {
			c.Fields[k] = f
		}
	}
	return &c
}

// submitDossier files an application online for the signed-in citizen.
// The Idempotency-Key header makes retries safe: the same key with the
// same body answers with the dossier the first request made; with another
// body it is a conflict.
func (s *Server) submitDossier(w http.ResponseWriter, r *http.Request) {
	p := authz.PrincipalFrom(r.Context())
	var req SubmitRequest
	if err := decodeBody(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.Form == nil {
		req.Form = map[string]string{} // absent or empty: the same request, for the idempotency check
	}
	app := dossier.Application{ProcedureCode: req.ProcedureCode, CaseCode: req.CaseCode, AgencyCode: req.AgencyCode,
		Applicant: dossier.Applicant(req.Applicant), Form: req.Form}
	if p.Kind == authz.Citizen {
		// Only citizens file online: the service refuses anyone else
		// before it looks at the files.
		files, err := s.fileRefs(r.Context(), req.Files, false)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		app.Files = files
	}
	d, err := s.cfg.Dossiers.Submit(r.Context(), p, app, r.Header.Get("Idempotency-Key"))
	if err != nil {
		s.fail(w, r, renameField(err, "idempotency_key", "Idempotency-Key"))
		return
	}
	w.Header().Set("Location", "/api/v1/dossiers/"+strconv.FormatInt(d.ID, 10))
	s.writeDossier(w, r, p, d.ID, http.StatusCreated, &d)
}

func (s *Server) getDossier(w http.ResponseWriter, r *http.Request) {
	p := authz.PrincipalFrom(r.Context())
	if !p.Authenticated() {
		s.fail(w, r, unauthenticated("api.getDossier"))
		return
	}
	id, err := s.dossierID(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeDossier(w, r, p, id, http.StatusOK, nil)
}

// dossierFile serves a file of a dossier to whoever may read the dossier.
func (s *Server) dossierFile(w http.ResponseWriter, r *http.Request) {
	p := authz.PrincipalFrom(r.Context())
	if !p.Authenticated() {
		s.fail(w, r, unauthenticated("api.dossierFile"))
		return
	}
	id, err := s.dossierID(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.cfg.Dossiers.Get(r.Context(), p, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, f := range d.Files {
		if strconv.FormatInt(f.ID, 10) == r.PathValue("id") {
			if err := blob.Serve(w, r, s.cfg.Blobs, f.SHA256, f.Name); err != nil {
				s.fail(w, r, err)
			}
			return
		}
	}
	s.fail(w, r, errs.E("api.dossierFile", errs.NotFound, "blob.not_found"))
}

// actOnDossier takes one action of the lifecycle.
func (s *Server) actOnDossier(w http.ResponseWriter, r *http.Request) {
	const op = "api.act"
	p := authz.PrincipalFrom(r.Context())
	if !p.Authenticated() {
		s.fail(w, r, unauthenticated(op))
		return
	}
	a := dossier.Action(r.PathValue("action"))
	if !slices.Contains(actions, a) {
		var v errs.Validation
		v.Add("action", "catalog.unknown_value", string(a))
		s.fail(w, r, v.Err(op))
		return
	}
	id, err := s.dossierID(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req ActionRequest
	if err := decodeBody(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	in := dossier.Input{Version: req.Version, Comment: req.Comment, Missing: req.Missing, Reason: req.Reason, AssigneeID: req.AssigneeID,
		Amount: req.Amount, Rating: req.Rating, ReturnChannel: req.ReturnChannel, Consult: req.Consult, Question: req.Question,
		ConsultDays: req.ConsultDays, Answer: req.Answer}
	if req.NewDue != "" {
		due, ok := parseDue(req.NewDue)
		if !ok {
			var v errs.Validation
			v.Add("new_due", "field.date")
			s.fail(w, r, v.Err(op))
			return
		}
		in.NewDue = due
	}
	if len(req.Files) > 0 {
		if in.Files, err = s.fileRefs(r.Context(), req.Files, req.Digitized); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	d, err := s.cfg.Dossiers.Act(r.Context(), p, id, a, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeDossier(w, r, p, d.ID, http.StatusOK, &d)
}

// parseDue reads a new appointment: a date (the end of that working day)
// or an RFC 3339 date and time.
func parseDue(v string) (time.Time, bool) {
	if t, err := time.ParseInLocation("2006-01-02", v, calendar.VietnamLocation()); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// listInbox lists a tray of the caller's inbox: by default the new
// dossiers for a reception officer, those in progress for anyone else.
func (s *Server) listInbox(w http.ResponseWriter, r *http.Request) {
	p := authz.PrincipalFrom(r.Context())
	if !p.Authenticated() {
		s.fail(w, r, unauthenticated("api.inbox"))
		return
	}
	limit, err := limitParam(r, 100, 500)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	box := dossier.Box(r.URL.Query().Get("box"))
	if box == "" {
		box = dossier.BoxInProgress
		if p.Has(authz.ReceptionOfficer) {
			box = dossier.BoxNew
		}
	}
	ds, err := s.cfg.Dossiers.Inbox(r.Context(), p, box, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ags := &agencyCodes{s: s, ctx: r.Context()}
	out := Inbox{Box: string(box), Items: make([]DossierSummary, 0, len(ds))}
	for _, d := range ds {
		recv, err := ags.code(d.ReceivingAgency)
		if err != nil {
			s.fail(w, r, errs.Wrap("api.inbox", err))
			return
		}
		proc, err := ags.code(d.ProcessingAgency)
		if err != nil {
			s.fail(w, r, errs.Wrap("api.inbox", err))
			return
		}
		out.Items = append(out.Items, DossierSummary{ID: d.ID, Code: strPtr(d.Code), ProcedureCode: d.ProcedureCode, ProcedureName: d.ProcedureName,
			CaseCode: d.CaseCode, Status: string(d.Status), NationalStatus: d.Status.External(), Channel: d.Channel,
			ApplicantName: d.Applicant.FullName, ReceivingAgency: recv, ProcessingAgency: proc, Step: d.Step, AssigneeID: idPtr(d.AssigneeID),
			SubmittedAt: d.SubmittedAt.UTC(), ReceivedAt: timePtr(d.ReceivedAt), DueAt: timePtr(d.DueAt), StepDueAt: timePtr(d.StepDueAt),
			Version: d.Version})
	}
	w.Header().Set("Cache-Control", "private, no-store")
	writeJSON(w, http.StatusOK, out)
}

// lookupDossier is the public lookup by code: no personal data, and a
// limited number of lookups per client, since codes are sequential.
func (s *Server) lookupDossier(w http.ResponseWriter, r *http.Request) {
	if s.cfg.LookupLimit != nil && !s.cfg.LookupLimit.Allow(clientIP(r)) {
		s.fail(w, r, errs.E("api.lookup", errs.RateLimited, "lookup.rate_limited"))
		return
	}
	pub, err := s.cfg.Dossiers.Lookup(r.Context(), r.PathValue("code"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	writeJSON(w, http.StatusOK, DossierLookup{Code: pub.Code, ProcedureCode: pub.ProcedureCode, ProcedureName: pub.ProcedureName,
		Status: string(pub.Status), NationalStatus: pub.External, ReceivedAt: timePtr(pub.ReceivedAt), DueAt: timePtr(pub.DueAt),
		FinishedAt: timePtr(pub.FinishedAt), ReturnedAt: timePtr(pub.ReturnedAt)})
}

// clientIP is the caller's address as the request middleware decided it
// (trusting a proxy only when configured to).
func clientIP(r *http.Request) string {
	if ip := audit.MetaFrom(r.Context()).IP; ip != "" {
		return ip
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// uploadFile stores one file for a later application or action: a
// multipart/form-data body with the file in the "file" part, or the file
// itself as the body with its Content-Type and ?filename=. The file is
// checked (name, kind by content, size) before anything is kept.
func (s *Server) uploadFile(w http.ResponseWriter, r *http.Request) {
	const op = "api.upload"
	p := authz.PrincipalFrom(r.Context())
	if !p.Authenticated() {
		s.fail(w, r, unauthenticated(op))
		return
	}
	var up blob.Upload
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.Upload.MaxFile+maxUploadOverhead)
		part, err := filePart(r)
		if err != nil {
			s.fail(w, r, uploadError(op, err, s.cfg.Upload.MaxFile))
			return
		}
		defer part.Close()
		// The name as sent: multipart.Part.FileName would keep only its
		// last element, hiding a path the client should be told about.
		_, params, _ := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
		up = blob.Upload{Name: params["filename"], MIME: part.Header.Get("Content-Type"), Body: part}
	} else {
		name := r.URL.Query().Get("filename")
		if name == "" {
			var v errs.Validation
			v.Add("filename", "field.required")
			s.fail(w, r, v.Err(op))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.Upload.MaxFile+1)
		up = blob.Upload{Name: name, MIME: r.Header.Get("Content-Type"), Body: r.Body}
	}
	att, err := s.cfg.Upload.Accept(r.Context(), s.cfg.Blobs, up, 0)
	if err != nil {
		s.fail(w, r, uploadError(op, err, s.cfg.Upload.MaxFile))
		return
	}
	writeJSON(w, http.StatusOK, UploadedFile{SHA256: att.SHA256, Name: att.Name, Size: att.Size, ContentType: att.Kind.MIME})
}

// filePart finds the part named "file" of a multipart body.
func filePart(r *http.Request) (*multipart.Part, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, err
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			var v errs.Validation
			v.Add("file", "field.required")
			return nil, v.Err("api.upload")
		}
		if err != nil {
			return nil, err
		}
		if part.FormName() == "file" {
			return part, nil
		}
		part.Close()
	}
}

// uploadError is the error of an upload in the one shape: the policy's
// problems (name, kind, size) are the "file" field's; a body larger than
// allowed is the file being too large; a body that is not multipart is a
// form that cannot be read.
func uploadError(op string, err error, maxFile int64) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		var v errs.Validation
		v.Add("file", "blob.too_large", (maxFile+(1<<20)-1)>>20)
		return v.Err(op)
	}
	e, ok := errs.As(err)
	if !ok {
		var v errs.Validation
		v.Add("file", "error.bad_form")
		return v.Err(op)
	}
	if e.Kind != errs.Invalid || len(e.Fields) > 0 {
		return err
	}
	c := *e
	c.Fields = map[string]errs.Msg{"file": e.Msg}
	return &c
}
