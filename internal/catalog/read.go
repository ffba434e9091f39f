package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/errs"
)

// FieldInfo is a field with the number of published procedures in it.
type FieldInfo struct {
	Field
	Procedures int
}

// Fields lists every field in name order with its count of published procedures.
func (s *Service) Fields(ctx context.Context) ([]FieldInfo, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT f.code, f.name_vi, f.name_en,
		(SELECT COUNT(*) FROM procedures p JOIN procedure_versions v ON v.id = p.current_version_id WHERE NOT p.withdrawn AND v.field_code = f.code)
		FROM fields f ORDER BY f.folded, f.code`)
	if err != nil {
		return nil, errs.Wrap("catalog.Fields", err)
	}
	defer rows.Close()
	var out []FieldInfo
	for rows.Next() {
		var f FieldInfo
		if err := rows.Scan(&f.Code, &f.NameVI, &f.NameEN, &f.Procedures); err != nil {
			return nil, errs.Wrap("catalog.Fields", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Field returns one field.
func (s *Service) Field(ctx context.Context, code string) (Field, error) {
	var f Field
	err := s.db.QueryRowContext(ctx, `SELECT code, name_vi, name_en FROM fields WHERE code = ?`, code).Scan(&f.Code, &f.NameVI, &f.NameEN)
	if err != nil {
		return f, errs.E("catalog.Field", errs.NotFound, "catalog.field.not_found")
	}
	return f, nil
}

// Published returns the procedure as citizens see it: its current published
// version, or with number > 0 that version if it was ever published (a
// dossier filed under it may need it after the procedure changed or was
// withdrawn). Which version that is, and its status, come from the
// database on every call; the version's frozen content comes from the
// cache when it is there (see versionCache). The document returned is the
// caller's own.
func (s *Service) Published(ctx context.Context, code string, number int) (Version, error) {
	const op = "catalog.Published"
	var (
		id     int64
		status string
		err    error
	)
	if number > 0 {
		err = s.db.QueryRowContext(ctx, `SELECT v.id, v.status FROM procedure_versions v
			WHERE v.procedure_id = (SELECT id FROM procedures WHERE code = ?) AND v.number = ? AND v.status <> 'draft'`, code, number).Scan(&id, &status)
	} else {
		err = s.db.QueryRowContext(ctx, `SELECT v.id, v.status FROM procedure_versions v
			WHERE v.id = (SELECT current_version_id FROM procedures WHERE code = ? AND NOT withdrawn)`, code).Scan(&id, &status)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return Version{}, errs.E(op, errs.NotFound, "catalog.not_found")
	}
	if err != nil {
		return Version{}, errs.Wrap(op, err)
	}
	v, ok := s.versions.get(id)
	if !ok {
		v, err = getVersion(ctx, s.db, `WHERE v.id = ? AND v.status <> 'draft'`, id)
		if errors.Is(err, errNone) {
			return Version{}, errs.E(op, errs.NotFound, "catalog.not_found")
		}
		if err != nil {
			return Version{}, errs.Wrap(op, err)
		}
		s.versions.put(v)
	}
	v.Status = status
	v.Doc = v.Doc.clone()
	return v, nil
}

// Admin is what an administrator sees of a procedure: every version,
// newest first, including the draft, and the lock version to edit with.
type Admin struct {
	Code      string
	Lock      int
	Withdrawn bool
	Versions  []Version
}

// AdminView returns every version of a procedure, for maintenance.
func (s *Service) AdminView(ctx context.Context, p *authz.Principal, code string) (Admin, error) {
	const op = "catalog.AdminView"
	if !p.Authenticated() {
		return Admin{}, errs.E(op, errs.Unauthenticated, "error.unauthenticated")
	}
	proc, err := getProc(ctx, s.db, code, false)
	if errors.Is(err, errNone) {
		return Admin{}, errs.E(op, errs.NotFound, "catalog.not_found")
	}
	if err != nil {
		return Admin{}, errs.Wrap(op, err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+versionCols+versionFrom+`WHERE v.procedure_id = ? ORDER BY v.number DESC`, proc.id)
	if err != nil {
		return Admin{}, errs.Wrap(op, err)
	}
	defer rows.Close()
	a := Admin{Code: proc.code, Lock: proc.lock, Withdrawn: proc.withdrawn}
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return Admin{}, errs.Wrap(op, err)
		}
		a.Versions = append(a.Versions, v)
	}
	if err := rows.Err(); err != nil {
		return Admin{}, errs.Wrap(op, err)
	}
	if err := s.authorizeAny(ctx, op, p, a.Versions[0].Doc.Agencies); err != nil {
		return Admin{}, err
	}
	return a, nil
}

// authorizeAny lets p through if p maintains the catalogue for at least one
// of the agencies (seeing a procedure's drafts and history); changing it
// needs all of them.
func (s *Service) authorizeAny(ctx context.Context, op string, p *authz.Principal, agencies []string) error {
	paths, err := s.agencies.PathsByCode(ctx, agencies)
	if err != nil {
		return errs.Wrap(op, err)
	}
	for _, a := range agencies {
		if authz.Can(p, authz.ManageCatalog, authz.Object{AgencyPath: paths[a]}) {
			return nil
		}
	}
	return authz.Authorize(op, p, authz.ManageCatalog, authz.Object{AgencyPath: "-"})
}

// Change is one difference between two versions.
type Change struct {
	Path   string
	Before string
	After  string
}

// Compare lists what changed from version a to version b of a document,
// by path ("cases[0].time", "name_vi"), for the administrators' compare page.
func Compare(a, b Document) []Change {
	var ja, jb any
	ba, _ := json.Marshal(a)
	bb, _ := json.Marshal(b)
	json.Unmarshal(ba, &ja)
	json.Unmarshal(bb, &jb)
	var out []Change
	diffJSON("", ja, jb, &out)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func diffJSON(path string, a, b any, out *[]Change) {
	if reflect.DeepEqual(a, b) {
		return
	}
	ma, oka := a.(map[string]any)
	mb, okb := b.(map[string]any)
	if oka && okb {
		keys := map[string]bool{}
		for k := range ma {
			keys[k] = true
		}
		for k := range mb {
			keys[k] = true
		}
		for k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			diffJSON(p, ma[k], mb[k], out)
		}
		return
	}
	la, oka := a.([]any)
	lb, okb := b.([]any)
	if oka && okb && len(la) == len(lb) {
		for i := range la {
			diffJSON(fmt.Sprintf("%s[%d]", path, i), la[i], lb[i], out)
		}
		return
	}
	*out = append(*out, Change{Path: path, Before: show(a), After: show(b)})
}

func show(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	b, _ := json.Marshal(v)
	return strings.TrimSpace(string(b))
}
