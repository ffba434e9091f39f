package catalog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/errs"
)

// Agencies is what the catalogue needs from the agency directory: the
// tree paths of agencies by code, to check that they exist and to
// authorise edits to the procedures they carry out.
type Agencies interface {
	PathsByCode(ctx context.Context, codes []string) (map[string]string, error)
}

// Service is the one way in to the catalogue.
type Service struct {
	db       *db.DB
	audit    *audit.Log
	agencies Agencies
	now      func() time.Time
	cache    indexCache
	versions versionCache
}

// NewService returns a Service.
func NewService(d *db.DB, log *audit.Log, agencies Agencies, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, audit: log, agencies: agencies, now: now}
}

// problemsError turns validation problems into an Invalid error whose
// fields are the problems' paths, each prefixed with prefix.
func problemsError(op, prefix string, ps []Problem) error {
	if len(ps) == 0 {
		return nil
	}
	var v errs.Validation
	for _, p := range ps {
		v.Add(prefix+p.Path, p.Key, p.Args...)
	}
	return v.Err(op)
}

// agencyCodes collects every agency code a document names.
func agencyCodes(d *Document) []string {
	codes := append(append([]string{}, d.Agencies...), d.Receivers...)
	for _, c := range d.Cases {
		for _, s := range c.Process {
			if s.Unit != "" {
				codes = append(codes, s.Unit)
			}
		}
	}
	slices.Sort(codes)
	return slices.Compact(codes)
}

// check validates d against the stored fields (plus extra ones being
// imported with it) and agencies, and authorises p to maintain it.
func (s *Service) check(ctx context.Context, q db.Querier, op, prefix string, p *authz.Principal, d *Document, extraFields map[string]bool) error {
	paths, err := s.agencies.PathsByCode(ctx, agencyCodes(d))
	if err != nil {
		return errs.Wrap(op, err)
	}
	known := map[string]bool{}
	for k, v := range extraFields {
		known[k] = v
	}
	rows, err := q.QueryContext(ctx, `SELECT code FROM fields`)
	if err != nil {
		return errs.Wrap(op, err)
	}
	for rows.Next() {
		var c string
		rows.Scan(&c)
		known[c] = true
	}
	rows.Close()
	if err := problemsError(op, prefix, Validate(d, Lookup{
		Field:  func(c string) bool { return known[c] },
		Agency: func(c string) bool { _, ok := paths[c]; return ok },
	})); err != nil {
		return err
	}
	// A procedure is maintained by those who administer every agency that
	// carries it out.
	for _, a := range d.Agencies {
		if err := authz.Authorize(op, p, authz.ManageCatalog, authz.Object{AgencyPath: paths[a]}); err != nil {
			return err
		}
	}
	return nil
}

func normalise(d *Document) {
	d.Code = strings.TrimSpace(d.Code)
	d.NameVI = strings.TrimSpace(d.NameVI)
	d.NameEN = strings.TrimSpace(d.NameEN)
	d.Field = strings.TrimSpace(d.Field)
	if d.Levels == nil {
		d.Levels = []string{}
	}
	if d.Agencies == nil {
		d.Agencies = []string{}
	}
	if d.Applicants == nil {
		d.Applicants = []string{}
	}
	if d.Results == nil {
		d.Results = []Result{}
	}
	if d.LegalBasis == nil {
		d.LegalBasis = []Legal{}
	}
	if d.Cases == nil {
		d.Cases = []Case{}
	}
	for i := range d.Cases {
		c := &d.Cases[i]
		if c.Channels == nil {
			c.Channels = []string{}
		}
		if c.Fees == nil {
			c.Fees = []Fee{}
		}
		if c.Components == nil {
			c.Components = []Component{}
		}
		if c.Form == nil {
			c.Form = []FormField{}
		}
		if c.Process == nil {
			c.Process = []Step{}
		}
	}
}

// authorizeStored requires p to maintain the catalogue for every agency of
// the procedure's stored versions (current and draft): a new document that
// names only the editor's own agency must not take over a procedure that
// belongs to others.
func (s *Service) authorizeStored(ctx context.Context, tx *db.Tx, op string, p *authz.Principal, ids ...int64) error {
	for _, id := range ids {
		if id == 0 {
			continue
		}
		v, err := getVersion(ctx, tx, `WHERE v.id = ?`, id)
		if err != nil {
			return errs.Wrap(op, err)
		}
		paths, err := s.agencies.PathsByCode(ctx, v.Doc.Agencies)
		if err != nil {
			return errs.Wrap(op, err)
		}
		for _, a := range v.Doc.Agencies {
			path, ok := paths[a]
			if !ok {
				continue // an agency that no longer exists binds nobody
			}
			if err := authz.Authorize(op, p, authz.ManageCatalog, authz.Object{AgencyPath: path}); err != nil {
				return err
			}
		}
	}
	return nil
}

// SaveDraft stores d as the draft of its procedure: a new procedure, a new
// draft version of a published one (the published version stays as it is),
// or a change to the existing draft. lock is the procedure's lock version
// the editor started from (0 for a new procedure).
func (s *Service) SaveDraft(ctx context.Context, p *authz.Principal, d Document, lock int) (Version, error) {
	const op = "catalog.SaveDraft"
	if !authz.CanSomewhere(p, authz.ManageCatalog) {
		return Version{}, authz.Authorize(op, p, authz.ManageCatalog, authz.Object{AgencyPath: "-"})
	}
	normalise(&d)
	var out Version
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := s.check(ctx, tx, op, "", p, &d, nil); err != nil {
			return err
		}
		var err error
		out, err = s.saveDraft(ctx, tx, op, p, &d, lock, true)
		return err
	})
	return out, err
}

func (s *Service) saveDraft(ctx context.Context, tx *db.Tx, op string, p *authz.Principal, d *Document, lock int, checkLock bool) (Version, error) {
	now := db.T(s.now())
	by := p.Actor().Name
	fname, err := fieldName(ctx, tx, d.Field)
	if err != nil {
		return Version{}, errs.Wrap(op, err)
	}
	proc, err := getProc(ctx, tx, d.Code, true)
	switch {
	case errors.Is(err, errNone):
		if checkLock && lock != 0 {
			return Version{}, errs.E(op, errs.Conflict, "error.stale")
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO procedures (code, created_at, updated_at) VALUES (?, ?, ?) RETURNING id`, d.Code, now, now).Scan(&proc.id); err != nil {
			return Version{}, errs.Wrap(op, err)
		}
		proc.lock = 1
	case err != nil:
		return Version{}, errs.Wrap(op, err)
	case checkLock && lock != proc.lock:
		return Version{}, errs.E(op, errs.Conflict, "error.stale")
	default:
		if err := s.authorizeStored(ctx, tx, op, p, proc.current, proc.draft); err != nil {
			return Version{}, err
		}
	}
	var id int64
	action := "catalog.draft_update"
	if proc.draft != 0 {
		if err := updateDraft(ctx, tx, proc.draft, d, fname, by, now); err != nil {
			return Version{}, errs.Wrap(op, err)
		}
		id = proc.draft
	} else {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(number), 0) FROM procedure_versions WHERE procedure_id = ?`, proc.id).Scan(&n); err != nil {
			return Version{}, errs.Wrap(op, err)
		}
		if id, err = insertVersion(ctx, tx, proc.id, n+1, Draft, d, fname, by, now); err != nil {
			return Version{}, errs.Wrap(op, err)
		}
		action = "catalog.draft_create"
	}
	if _, err := tx.ExecContext(ctx, `UPDATE procedures SET draft_version_id = ?, lock_version = lock_version + 1, updated_at = ? WHERE id = ?`, id, now, proc.id); err != nil {
		return Version{}, errs.Wrap(op, err)
	}
	v, err := getVersion(ctx, tx, `WHERE v.id = ?`, id)
	if err != nil {
		return Version{}, errs.Wrap(op, err)
	}
	if err := s.audit.Record(ctx, tx, audit.Entry{Actor: p.Actor(), Action: action, ObjectType: "procedure", ObjectID: d.Code,
		Summary: map[string]any{"version": v.Number, "name_vi": d.NameVI}}); err != nil {
		return Version{}, errs.Wrap(op, err)
	}
	return v, nil
}

// Publish freezes the procedure's draft as its current version; the
// version it replaces stays readable as superseded.
func (s *Service) Publish(ctx context.Context, p *authz.Principal, code string) (Version, error) {
	const op = "catalog.Publish"
	if !authz.CanSomewhere(p, authz.ManageCatalog) {
		return Version{}, authz.Authorize(op, p, authz.ManageCatalog, authz.Object{AgencyPath: "-"})
	}
	var out Version
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		out, err = s.publish(ctx, tx, op, p, code)
		return err
	})
	return out, err
}

func (s *Service) publish(ctx context.Context, tx *db.Tx, op string, p *authz.Principal, code string) (Version, error) {
	proc, err := getProc(ctx, tx, code, true)
	if errors.Is(err, errNone) {
		return Version{}, errs.E(op, errs.NotFound, "catalog.not_found")
	}
	if err != nil {
		return Version{}, errs.Wrap(op, err)
	}
	if err := s.authorizeStored(ctx, tx, op, p, proc.current, proc.draft); err != nil {
		return Version{}, err
	}
	if proc.draft == 0 {
		return Version{}, errs.E(op, errs.Conflict, "catalog.no_draft")
	}
	draft, err := getVersion(ctx, tx, `WHERE v.id = ?`, proc.draft)
	if err != nil {
		return Version{}, errs.Wrap(op, err)
	}
	// The draft was valid when saved, but fields or agencies may have
	// changed since, and the publisher must be allowed too.
	if err := s.check(ctx, tx, op, "", p, &draft.Doc, nil); err != nil {
		return Version{}, err
	}
	now := db.T(s.now())
	if proc.current != 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE procedure_versions SET status = 'superseded' WHERE id = ?`, proc.current); err != nil {
			return Version{}, errs.Wrap(op, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE procedure_versions SET status = 'published', published_at = ?, published_by = ? WHERE id = ?`,
		now, p.Actor().Name, draft.ID); err != nil {
		return Version{}, errs.Wrap(op, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE procedures SET current_version_id = ?, draft_version_id = NULL, withdrawn = FALSE,
		lock_version = lock_version + 1, updated_at = ? WHERE id = ?`, draft.ID, now, proc.id); err != nil {
		return Version{}, errs.Wrap(op, err)
	}
	if err := bumpRev(ctx, tx, now); err != nil {
		return Version{}, errs.Wrap(op, err)
	}
	if err := s.audit.Record(ctx, tx, audit.Entry{Actor: p.Actor(), Action: "catalog.publish", ObjectType: "procedure", ObjectID: code,
		Summary: map[string]any{"version": draft.Number}}); err != nil {
		return Version{}, errs.Wrap(op, err)
	}
	draft.Status, draft.PublishedAt, draft.PublishedBy = Published, now.Time, p.Actor().Name
	return draft, nil
}

// Withdraw takes a published procedure off the portal (bãi bỏ). Its
// versions stay readable by number, for the dossiers filed under them.
func (s *Service) Withdraw(ctx context.Context, p *authz.Principal, code, reason string) error {
	const op = "catalog.Withdraw"
	if !authz.CanSomewhere(p, authz.ManageCatalog) {
		return authz.Authorize(op, p, authz.ManageCatalog, authz.Object{AgencyPath: "-"})
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		proc, err := getProc(ctx, tx, code, true)
		if errors.Is(err, errNone) {
			return errs.E(op, errs.NotFound, "catalog.not_found")
		}
		if err != nil {
			return errs.Wrap(op, err)
		}
		if proc.current == 0 || proc.withdrawn {
			return errs.E(op, errs.Conflict, "catalog.not_published")
		}
		cur, err := getVersion(ctx, tx, `WHERE v.id = ?`, proc.current)
		if err != nil {
			return errs.Wrap(op, err)
		}
		paths, err := s.agencies.PathsByCode(ctx, cur.Doc.Agencies)
		if err != nil {
			return errs.Wrap(op, err)
		}
		for _, a := range cur.Doc.Agencies {
			if err := authz.Authorize(op, p, authz.ManageCatalog, authz.Object{AgencyPath: paths[a]}); err != nil {
				return err
			}
		}
		if strings.TrimSpace(reason) == "" {
			var v errs.Validation
			v.Add("reason", "field.required")
			return v.Err(op)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE procedure_versions SET status = 'withdrawn' WHERE id = ?`, proc.current); err != nil {
			return errs.Wrap(op, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE procedures SET withdrawn = TRUE, lock_version = lock_version + 1, updated_at = ? WHERE id = ?`, db.T(s.now()), proc.id); err != nil {
			return errs.Wrap(op, err)
		}
		if err := bumpRev(ctx, tx, db.T(s.now())); err != nil {
			return errs.Wrap(op, err)
		}
		return s.audit.Record(ctx, tx, audit.Entry{Actor: p.Actor(), Action: "catalog.withdraw", ObjectType: "procedure", ObjectID: code,
			Summary: map[string]any{"version": cur.Number, "reason": reason}})
	})
}

// ImportResult says what an import did.
type ImportResult struct {
	Fields     int
	Procedures int
	Published  int
}

// Import stores a bundle all or nothing: every document is validated
// first, and any problem (located as "procedures[3].cases[0].fees[1]…")
// leaves the catalogue untouched. With publish, every imported procedure
// is published at once.
func (s *Service) Import(ctx context.Context, p *authz.Principal, b Bundle, publish bool) (ImportResult, error) {
	const op = "catalog.Import"
	var res ImportResult
	if !authz.CanSomewhere(p, authz.ManageCatalog) {
		return res, authz.Authorize(op, p, authz.ManageCatalog, authz.Object{AgencyPath: "-"})
	}
	if b.Format != Format {
		var v errs.Validation
		v.Add("format", "catalog.import.format", Format)
		return res, v.Err(op)
	}
	var problems []Problem
	extra := map[string]bool{}
	for i, f := range b.Fields {
		path := fmt.Sprintf("fields[%d]", i)
		if !fieldRE.MatchString(f.Code) {
			problems = append(problems, Problem{Path: path + ".code", Key: "catalog.field.code"})
		} else if extra[f.Code] {
			problems = append(problems, Problem{Path: path + ".code", Key: "catalog.duplicate", Args: []any{f.Code}})
		}
		if strings.TrimSpace(f.NameVI) == "" {
			problems = append(problems, Problem{Path: path + ".name_vi", Key: "field.required"})
		}
		extra[f.Code] = true
	}
	seen := map[string]int{}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var all errs.Validation
		for _, pr := range problems {
			all.Add(pr.Path, pr.Key, pr.Args...)
		}
		for i := range b.Procedures {
			d := &b.Procedures[i]
			normalise(d)
			prefix := fmt.Sprintf("procedures[%d].", i)
			if j, dup := seen[d.Code]; dup && d.Code != "" {
				all.Add(prefix+"code", "catalog.import.duplicate_code", d.Code, j)
			}
			seen[d.Code] = i
			if err := s.check(ctx, tx, op, prefix, p, d, extra); err != nil {
				e, ok := errs.As(err)
				if !ok || e.Kind != errs.Invalid {
					return err
				}
				for f, m := range e.Fields {
					all.Add(f, m.Key, m.Args...)
				}
			}
		}
		if err := all.Err(op); err != nil {
			return err
		}
		for _, f := range b.Fields {
			if err := upsertField(ctx, tx, f); err != nil {
				return errs.Wrap(op, err)
			}
		}
		res.Fields = len(b.Fields)
		for i := range b.Procedures {
			if _, err := s.saveDraft(ctx, tx, op, p, &b.Procedures[i], 0, false); err != nil {
				return err
			}
			res.Procedures++
			if publish {
				if _, err := s.publish(ctx, tx, op, p, b.Procedures[i].Code); err != nil {
					return err
				}
				res.Published++
			}
		}
		return s.audit.Record(ctx, tx, audit.Entry{Actor: p.Actor(), Action: "catalog.import", ObjectType: "catalog", ObjectID: "bundle",
			Summary: map[string]any{"fields": res.Fields, "procedures": res.Procedures, "published": res.Published}})
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// Export returns the current published version of every procedure that is
// not withdrawn, and every field, in code order: what citizens see.
func (s *Service) Export(ctx context.Context) (Bundle, error) {
	const op = "catalog.Export"
	b := Bundle{Format: Format, Fields: []Field{}, Procedures: []Document{}}
	fs, err := s.Fields(ctx)
	if err != nil {
		return b, err
	}
	for _, f := range fs {
		b.Fields = append(b.Fields, f.Field)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+versionCols+versionFrom+` JOIN procedures p ON v.id = p.current_version_id
		WHERE NOT p.withdrawn ORDER BY p.code`)
	if err != nil {
		return b, errs.Wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return b, errs.Wrap(op, err)
		}
		b.Procedures = append(b.Procedures, v.Doc)
	}
	return b, errs.Wrap(op, rows.Err())
}
