package agency

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/motcua/motcua/internal/db"
)

const agencyCols = `id, code, COALESCE(parent_id, 0), path, depth, kind, tier, name_vi, name_en, short_name,
	COALESCE(admin_unit_code, ''), address, phone, email, working_hours, dossier_code_format, dossier_code_owner, active, version, created_at, updated_at`

func scanAgency(s interface{ Scan(...any) error }) (Agency, error) {
	var a Agency
	var code string
	var created, updated db.Time
	err := s.Scan(&a.ID, &code, &a.ParentID, &a.Path, &a.Depth, &a.Kind, &a.Tier, &a.NameVI, &a.NameEN, &a.ShortName,
		&a.AdminUnitCode, &a.Address, &a.Phone, &a.Email, &a.WorkingHours, &a.CodeFormat, &a.CodeOwner, &a.Active, &a.Version, &created, &updated)
	if err != nil {
		return a, err
	}
	a.Code, err = ParseCode(code)
	if err != nil {
		return a, fmt.Errorf("stored agency %d has an invalid code %q: %w", a.ID, code, err)
	}
	a.CreatedAt, a.UpdatedAt = created.Time, updated.Time
	return a, nil
}

func queryAgencies(ctx context.Context, q db.Querier, where string, args ...any) ([]Agency, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+agencyCols+` FROM agencies `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Agency
	for rows.Next() {
		a, err := scanAgency(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// errNoAgency is returned by the store for a missing row; the service turns
// it into a NotFound error.
var errNoAgency = errors.New("no such agency")

func getAgency(ctx context.Context, q db.Querier, where string, args ...any) (Agency, error) {
	a, err := scanAgency(q.QueryRowContext(ctx, `SELECT `+agencyCols+` FROM agencies `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return a, errNoAgency
	}
	return a, err
}

func insertAgency(ctx context.Context, tx *db.Tx, a *Agency) error {
	var parent any
	if a.ParentID != 0 {
		parent = a.ParentID
	}
	var unit any
	if a.AdminUnitCode != "" {
		unit = a.AdminUnitCode
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO agencies (code, parent_id, path, depth, kind, tier, name_vi, name_en, short_name,
		admin_unit_code, address, phone, email, working_hours, active, version, created_at, updated_at)
		VALUES (?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`,
		a.Code.String(), parent, a.Depth, a.Kind, a.Tier, a.NameVI, a.NameEN, a.ShortName,
		unit, a.Address, a.Phone, a.Email, a.WorkingHours, a.Active, db.T(a.CreatedAt), db.T(a.UpdatedAt)).Scan(&a.ID)
	if err != nil {
		return err
	}
	a.Path += fmt.Sprintf("%d/", a.ID)
	a.Version = 1
	_, err = tx.ExecContext(ctx, `UPDATE agencies SET path = ? WHERE id = ?`, a.Path, a.ID)
	return err
}

// updateAgency writes a, checking the version the editor started from.
// It reports false if somebody else changed the agency meanwhile.
func updateAgency(ctx context.Context, tx *db.Tx, a *Agency, fromVersion int) (bool, error) {
	var parent any
	if a.ParentID != 0 {
		parent = a.ParentID
	}
	var unit any
	if a.AdminUnitCode != "" {
		unit = a.AdminUnitCode
	}
	res, err := tx.ExecContext(ctx, `UPDATE agencies SET code = ?, parent_id = ?, path = ?, depth = ?, kind = ?, tier = ?, name_vi = ?,
		name_en = ?, short_name = ?, admin_unit_code = ?, address = ?, phone = ?, email = ?, working_hours = ?, active = ?,
		version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		a.Code.String(), parent, a.Path, a.Depth, a.Kind, a.Tier, a.NameVI, a.NameEN, a.ShortName, unit, a.Address,
		a.Phone, a.Email, a.WorkingHours, a.Active, db.T(a.UpdatedAt), a.ID, fromVersion)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return false, err
	}
	a.Version = fromVersion + 1
	return true, nil
}

// movePaths rewrites the paths and depths of every descendant of an agency
// whose own path changed from oldPath to newPath.
func movePaths(ctx context.Context, tx *db.Tx, oldPath, newPath string, depthDelta int) error {
	_, err := tx.ExecContext(ctx, `UPDATE agencies SET path = ? || SUBSTR(path, ?), depth = depth + ?
		WHERE path LIKE ? ESCAPE '\' AND path <> ?`,
		newPath, len(oldPath)+1, depthDelta, escapeLike(oldPath)+"%", oldPath)
	return err
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func listTiers(ctx context.Context, q db.Querier) ([]Tier, error) {
	rows, err := q.QueryContext(ctx, `SELECT code, rank, name_vi, name_en, valid_from, COALESCE(valid_to, '') FROM government_tiers ORDER BY rank`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Tier
	for rows.Next() {
		var t Tier
		if err := rows.Scan(&t.Code, &t.Rank, &t.NameVI, &t.NameEN, &t.ValidFrom, &t.ValidTo); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
