package dossier

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/errs"
)

// FileRef is a file already stored (uploaded, or taken from the citizen's
// data store) to attach to a dossier as one of its components.
type FileRef struct {
	ComponentCode string `json:"component_code"`
	SHA256        string `json:"sha256"`
	Name          string `json:"name"`
	ContentType   string `json:"content_type"`
	Reused        bool   `json:"reused,omitempty"`    // taken from the data store
	Digitized     bool   `json:"digitized,omitempty"` // scanned at the counter from paper
}

// Application is a dossier as filed.
type Application struct {
	ProcedureCode string            `json:"procedure_code"`
	CaseCode      string            `json:"case_code"`
	AgencyCode    string            `json:"agency_code"` // where to file it (one of the receivers)
	Applicant     Applicant         `json:"applicant"`
	Form          map[string]string `json:"form"`
	Files         []FileRef         `json:"files"`
	Channel       string            `json:"channel,omitempty"` // counter or post at reception; online otherwise
}

// hash is the request's fingerprint for idempotency.
func (a Application) hash() string {
	b, _ := json.Marshal(a)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// checked is an application that passed validation.
type checked struct {
	version   catalog.Version
	c         *catalog.Case
	form      map[string]string
	receiving int64
	files     []File
}

// check validates an application completely: the procedure and case, the
// channel, the agency, the applicant, the e-form, and that every required
// component is there (or comes from a national database), with stored files
// under the size limit.
func (s *Service) check(ctx context.Context, op string, a *Application, channel string) (checked, error) {
	// Callers own their application: names are normalised on a copy.
	a.Files = slices.Clone(a.Files)
	var v errs.Validation
	var out checked
	ver, err := s.catalog.Published(ctx, strings.TrimSpace(a.ProcedureCode), 0)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			v.Add("procedure_code", "catalog.not_found")
			return out, v.Err(op)
		}
		return out, errs.Wrap(op, err)
	}
	c, ok := CaseOf(ver, a.CaseCode)
	if !ok {
		v.Add("case_code", "dossier.case.unknown")
		return out, v.Err(op)
	}
	out.version, out.c = ver, c
	if !slices.Contains(c.Channels, channel) {
		v.Add("channel", "dossier.channel.not_offered")
	}
	if !slices.Contains(receivers(ver.Doc), a.AgencyCode) {
		v.Add("agency_code", "dossier.agency.not_receiver")
	} else if ag, err := s.agencies.ByCode(ctx, a.AgencyCode); err != nil {
		v.Add("agency_code", "agency.not_found")
	} else {
		out.receiving = ag.ID
	}
	ap := &a.Applicant
	ap.FullName, ap.NationalID = strings.TrimSpace(ap.FullName), strings.TrimSpace(ap.NationalID)
	if ap.Type == "" {
		ap.Type = catalog.ApplicantCitizen
	}
	if !slices.Contains(ver.Doc.Applicants, ap.Type) {
		v.Add("applicant.type", "dossier.applicant.not_eligible")
	}
	if ap.FullName == "" {
		v.Add("applicant.full_name", "field.required")
	}
	if ap.NationalID != "" && !nationalIDRE.MatchString(ap.NationalID) {
		v.Add("applicant.national_id", "dossier.form.national_id")
	}
	if ap.Type == catalog.ApplicantCitizen && ap.NationalID == "" {
		v.Add("applicant.national_id", "field.required")
	}
	out.form = validateForm(&v, c.Form, a.Form)
	var total int64
	have := map[string]bool{}
	for i, f := range a.Files {
		field := "files." + f.ComponentCode
		if !slices.ContainsFunc(c.Components, func(m catalog.Component) bool { return m.Code == f.ComponentCode }) {
			v.Add("files."+strconv.Itoa(i), "dossier.component.unknown", f.ComponentCode)
			continue
		}
		if f.Reused {
			// Only documents of the applicant's own store can be reused.
			ok, err := owns(ctx, s.db, a.Applicant.NationalID, f.SHA256)
			if err != nil {
				return out, errs.Wrap(op, err)
			}
			if !ok {
				v.Add(field, "dossier.file.not_yours")
				continue
			}
		}
		// The edges fill name and type from the upload; the service still
		// refuses what no upload could have produced (a path, a type other
		// than the accepted ones; none means "sniff it when served"), whichever
		// edge it came through.
		name, err := blob.CheckName(f.Name)
		if err != nil {
			v.Add(field, "blob.name_invalid")
			continue
		}
		a.Files[i].Name = name
		f.Name = name
		if f.ContentType != "" && !slices.Contains(fileTypes, f.ContentType) {
			v.Add(field, "dossier.file.type")
			continue
		}
		size, err := s.blobs.Size(ctx, f.SHA256)
		if err != nil {
			v.Add(field, "dossier.file.missing")
			continue
		}
		total += size
		have[f.ComponentCode] = true
		out.files = append(out.files, File{Kind: "component", ComponentCode: f.ComponentCode, Name: f.Name, SHA256: f.SHA256, Size: size,
			ContentType: f.ContentType, Reused: f.Reused, Digitized: f.Digitized})
	}
	for _, m := range c.Components {
		if m.Required && m.Source != "national_db" && !have[m.Code] {
			v.Add("files."+m.Code, "dossier.component.missing", m.NameVI)
		}
	}
	if total > s.cfg.MaxDossierBytes {
		v.Add("files", "dossier.files.too_large", s.cfg.MaxDossierBytes>>20)
	}
	return out, v.Err(op)
}

// fileTypes are the types of the files a dossier may hold (the kinds the
// upload policy accepts, as it names them).
var fileTypes = []string{blob.PDF.MIME, blob.JPEG.MIME, blob.PNG.MIME}

// Submit files an application online for the signed-in citizen. With the
// same idempotency key, a repeated submission (double click, retry after a
// lost response) returns the dossier the first one made; the same key with
// a different application is a conflict.
func (s *Service) Submit(ctx context.Context, p *authz.Principal, a Application, key string) (Dossier, error) {
	const op = "dossier.Submit"
	if p.Kind != authz.Citizen {
		return Dossier{}, authz.Authorize(op, p, authz.Action("dossier.submit"), authz.Object{OwnerNationalID: "-"})
	}
	key = strings.TrimSpace(key)
	if key == "" || len(key) > 100 {
		var v errs.Validation
		v.Add("idempotency_key", "dossier.idempotency.required")
		return Dossier{}, v.Err(op)
	}
	// A citizen applies for themself: the identity is the signed-in one.
	a.Applicant.NationalID = p.NationalID
	a.Files = slices.Clone(a.Files) // the caller's, unchanged by what follows
	for i := range a.Files {
		// Only the counter digitises paper.
		a.Files[i].Digitized = false
	}
	a.Channel = "online"
	hash := a.hash()
	if d, err := getDossier(ctx, s.db, `WHERE created_by_kind = 'citizen' AND created_by_id = ? AND idempotency_key = ?`, p.ID, key); err == nil {
		return s.replay(op, d, hash)
	} else if !errors.Is(err, errNone) {
		return Dossier{}, errs.Wrap(op, err)
	}
	chk, err := s.check(ctx, op, &a, "online")
	if err != nil {
		return Dossier{}, err
	}
	now := s.now()
	d := Dossier{ProcedureCode: chk.version.Doc.Code, ProcedureVersion: chk.version.Number, CaseCode: chk.c.Code, ProcedureName: chk.version.Doc.NameVI,
		Status: Submitted, Channel: "online", Applicant: a.Applicant, Form: chk.form, ReceivingAgency: chk.receiving, ProcessingAgency: chk.receiving,
		Step: -1, SubmittedAt: now, CreatedAt: now}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := insertDossier(ctx, tx, &d, "citizen", p.ID, key, hash); err != nil {
			return err
		}
		for _, f := range chk.files {
			f.CreatedAt = now
			if err := insertFile(ctx, tx, d.ID, f, p.Name); err != nil {
				return err
			}
		}
		kind, name := actor(p)
		if err := insertEvent(ctx, tx, d.ID, Event{At: now, ActorKind: kind, ActorName: name, Action: string(Submit), From: Draft, To: Submitted, Step: -1}, chk.receiving); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Entry{Actor: p.Actor(), Action: "dossier.submit", ObjectType: "dossier", ObjectID: strconv.FormatInt(d.ID, 10),
			SubjectNationalID: d.Applicant.NationalID, Summary: map[string]any{"procedure": d.ProcedureCode, "case": d.CaseCode, "files": len(chk.files)}})
	})
	if db.IsUniqueViolation(err) {
		// The same key raced in from another request: answer like a replay.
		if d2, gerr := getDossier(ctx, s.db, `WHERE created_by_kind = 'citizen' AND created_by_id = ? AND idempotency_key = ?`, p.ID, key); gerr == nil {
			return s.replay(op, d2, hash)
		}
	}
	if err != nil {
		return Dossier{}, errs.Wrap(op, err)
	}
	return d, nil
}

func (s *Service) replay(op string, d Dossier, hash string) (Dossier, error) {
	var stored string
	if err := s.db.QueryRowContext(context.Background(), `SELECT request_hash FROM dossiers WHERE id = ?`, d.ID).Scan(&stored); err != nil {
		return Dossier{}, errs.Wrap(op, err)
	}
	if stored != hash {
		return Dossier{}, errs.E(op, errs.Conflict, "dossier.idempotency.mismatch")
	}
	return d, nil
}

// Outcomes of reception at the counter.
var Outcomes = []Action{Accept, RequestSupplementDesk, RejectAtDesk}

// ReceivePaper registers a dossier brought to the counter or sent by post,
// with the scanned documents (digitised), and decides on it in the same
// transaction: accept, ask for everything missing, or refuse. A repeated
// submission of the same form (key) returns the dossier the first made.
func (s *Service) ReceivePaper(ctx context.Context, p *authz.Principal, a Application, outcome Action, in Input, key string) (Dossier, error) {
	const op = "dossier.ReceivePaper"
	if !p.IsStaff() {
		return Dossier{}, authz.Authorize(op, p, authz.ReceiveDossier, authz.Object{AgencyPath: "-"})
	}
	if !slices.Contains(Outcomes, outcome) {
		var v errs.Validation
		v.Add("outcome", "catalog.unknown_value", string(outcome))
		return Dossier{}, v.Err(op)
	}
	if a.Channel != "counter" && a.Channel != "post" {
		a.Channel = "counter"
	}
	// Only the desk of the receiving agency registers its dossiers.
	if ag, err := s.agencies.ByCode(ctx, a.AgencyCode); err == nil {
		if err := authz.Authorize(op, p, authz.ReceiveDossier, authz.Object{AgencyPath: ag.Path}); err != nil {
			return Dossier{}, err
		}
	}
	key = strings.TrimSpace(key)
	if key == "" || len(key) > 100 {
		var v errs.Validation
		v.Add("idempotency_key", "dossier.idempotency.required")
		return Dossier{}, v.Err(op)
	}
	hash := a.hash() + string(outcome)
	if d, err := getDossier(ctx, s.db, `WHERE created_by_kind = 'account' AND created_by_id = ? AND idempotency_key = ?`, p.ID, key); err == nil {
		return s.replay(op, d, hash)
	} else if !errors.Is(err, errNone) {
		return Dossier{}, errs.Wrap(op, err)
	}
	a.Files = slices.Clone(a.Files)
	for i := range a.Files {
		a.Files[i].Digitized = true
	}
	chk, err := s.check(ctx, op, &a, a.Channel)
	// A refusal or a supplement request is made precisely because the
	// dossier is incomplete: only the application itself must be valid.
	if err != nil && outcome != Accept {
		if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
			kept := map[string]errs.Msg{}
			for k, m := range e.Fields {
				if !strings.HasPrefix(k, "files.") && !strings.HasPrefix(k, "form.") {
					kept[k] = m
				}
			}
			if len(kept) == 0 {
				err = nil
			} else {
				c := *e
				c.Fields = kept
				err = &c
			}
		}
	}
	if err != nil {
		return Dossier{}, err
	}
	now := s.now()
	d := Dossier{ProcedureCode: chk.version.Doc.Code, ProcedureVersion: chk.version.Number, CaseCode: chk.c.Code, ProcedureName: chk.version.Doc.NameVI,
		Status: Submitted, Channel: a.Channel, Applicant: a.Applicant, Form: chk.form, ReceivingAgency: chk.receiving, ProcessingAgency: chk.receiving,
		Step: -1, SubmittedAt: now, CreatedAt: now, Version: 1}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := insertDossier(ctx, tx, &d, "account", p.ID, key, hash); err != nil {
			return err
		}
		for _, f := range chk.files {
			f.CreatedAt = now
			if err := insertFile(ctx, tx, d.ID, f, p.Name); err != nil {
				return err
			}
		}
		kind, name := actor(p)
		if err := insertEvent(ctx, tx, d.ID, Event{At: now, ActorKind: kind, ActorName: name, Action: string(Receive), From: Draft, To: Submitted, Step: -1,
			Data: map[string]any{"channel": a.Channel}}, chk.receiving); err != nil {
			return err
		}
		return s.actOn(ctx, tx, "dossier."+string(outcome), p, &d, outcome, in)
	})
	if err != nil {
		if _, ok := errs.As(err); ok {
			return Dossier{}, err
		}
		return Dossier{}, errs.Wrap(op, err)
	}
	return d, nil
}
