package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/fold"
)

var errNone = errors.New("not found")

// procRow is a row of procedures.
type procRow struct {
	id        int64
	code      string
	current   int64
	draft     int64
	withdrawn bool
	lock      int
}

func getProc(ctx context.Context, q db.Querier, code string, lock bool) (procRow, error) {
	var r procRow
	var cur, dr sql.NullInt64
	suffix := ""
	if lock {
		suffix = q.Dialect().ForUpdate()
	}
	err := q.QueryRowContext(ctx, `SELECT id, code, current_version_id, draft_version_id, withdrawn, lock_version FROM procedures WHERE code = ?`+suffix, code).
		Scan(&r.id, &r.code, &cur, &dr, &r.withdrawn, &r.lock)
	if errors.Is(err, sql.ErrNoRows) {
		return r, errNone
	}
	r.current, r.draft = cur.Int64, dr.Int64
	return r, err
}

// versionCols reads a version with its document; queries using it join
// procedure_documents as d on the version alias v.
const versionCols = `v.id, v.procedure_id, v.number, v.status, d.doc, v.created_at, v.created_by, v.published_at, v.published_by`

const versionFrom = ` FROM procedure_versions v JOIN procedure_documents d ON d.version_id = v.id `

func scanVersion(s interface{ Scan(...any) error }) (Version, error) {
	var v Version
	var doc string
	var created, published db.Time
	if err := s.Scan(&v.ID, &v.ProcedureID, &v.Number, &v.Status, &doc, &created, &v.CreatedBy, &published, &v.PublishedBy); err != nil {
		return v, err
	}
	v.CreatedAt, v.PublishedAt = created.Time, published.Time
	if err := json.Unmarshal([]byte(doc), &v.Doc); err != nil {
		return v, fmt.Errorf("version %d: %w", v.ID, err)
	}
	return v, nil
}

func getVersion(ctx context.Context, q db.Querier, where string, args ...any) (Version, error) {
	v, err := scanVersion(q.QueryRowContext(ctx, `SELECT `+versionCols+versionFrom+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return v, errNone
	}
	return v, err
}

// searchText is what full-text search sees of a document besides its name.
func searchText(d *Document, fieldName string) string {
	parts := []string{d.Code, fieldName, d.NameEN, d.Description, d.AgencyText}
	for _, r := range d.Results {
		parts = append(parts, r.NameVI)
	}
	for _, c := range d.Cases {
		parts = append(parts, c.NameVI)
	}
	return fold.Fold(strings.Join(parts, " "))
}

// insertVersion stores a new version row with its facets.
func insertVersion(ctx context.Context, tx *db.Tx, procID int64, number int, status string, d *Document, fieldName, by string, now db.Time) (int64, error) {
	doc, err := json.Marshal(d)
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO procedure_versions (procedure_id, number, status, name_vi, name_en, field_code, online_level,
		folded_name, folded_text, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		procID, number, status, d.NameVI, d.NameEN, d.Field, d.OnlineLevel, fold.Fold(d.NameVI), searchText(d, fieldName), now, by).Scan(&id)
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO procedure_documents (version_id, doc) VALUES (?, ?)`, id, string(doc)); err != nil {
		return 0, err
	}
	return id, writeFacets(ctx, tx, id, d)
}

// updateDraft replaces the content of a draft version in place.
func updateDraft(ctx context.Context, tx *db.Tx, id int64, d *Document, fieldName, by string, now db.Time) error {
	doc, err := json.Marshal(d)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE procedure_versions SET name_vi = ?, name_en = ?, field_code = ?, online_level = ?,
		folded_name = ?, folded_text = ?, created_at = ?, created_by = ? WHERE id = ? AND status = 'draft'`,
		d.NameVI, d.NameEN, d.Field, d.OnlineLevel, fold.Fold(d.NameVI), searchText(d, fieldName), now, by, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("version %d is not a draft", id)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE procedure_documents SET doc = ? WHERE version_id = ?`, string(doc), id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM procedure_facets WHERE version_id = ?`, id); err != nil {
		return err
	}
	return writeFacets(ctx, tx, id, d)
}

func writeFacets(ctx context.Context, tx *db.Tx, id int64, d *Document) error {
	add := func(facet string, values []string) error {
		seen := map[string]bool{}
		for _, v := range values {
			if seen[v] {
				continue
			}
			seen[v] = true
			if _, err := tx.ExecContext(ctx, `INSERT INTO procedure_facets (version_id, facet, value) VALUES (?, ?, ?)`, id, facet, v); err != nil {
				return err
			}
		}
		return nil
	}
	if err := add("level", d.Levels); err != nil {
		return err
	}
	if err := add("agency", append(append([]string{}, d.Agencies...), d.Receivers...)); err != nil {
		return err
	}
	return add("applicant", d.Applicants)
}

func fieldName(ctx context.Context, q db.Querier, code string) (string, error) {
	var n string
	err := q.QueryRowContext(ctx, `SELECT name_vi FROM fields WHERE code = ?`, code).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errNone
	}
	return n, err
}

func upsertField(ctx context.Context, tx *db.Tx, f Field) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO fields (code, name_vi, name_en, folded) VALUES (?, ?, ?, ?)
		ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, name_en = excluded.name_en, folded = excluded.folded`,
		f.Code, f.NameVI, f.NameEN, fold.Fold(f.NameVI))
	return err
}
