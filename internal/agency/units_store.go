package agency

import (
	"context"
	"strings"

	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/errs"
)

// LoadAdminUnitsIntoDB copies the embedded administrative units and their
// old→new mapping into the database, where agencies reference them. It does
// nothing if the units are already there, so it is safe on every start.
func (s *Service) LoadAdminUnitsIntoDB(ctx context.Context, units *AdminUnits) (int, error) {
	const op = "agency.LoadAdminUnitsIntoDB"
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM admin_units`).Scan(&n); err != nil {
		return 0, errs.Wrap(op, err)
	}
	if n > 0 {
		return 0, nil
	}
	all := units.Provinces()
	for _, p := range units.Provinces() {
		all = append(all, units.Communes(p.Code)...)
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		rows := make([][]any, 0, len(all))
		for _, u := range all {
			rows = append(rows, []any{u.Code, u.Name, u.Kind.String(), u.ProvinceCode, u.Folded})
		}
		if err := insertBatches(ctx, tx, `INSERT INTO admin_units (code, name, kind, province_code, folded) VALUES `, 5, rows); err != nil {
			return err
		}
		rows = rows[:0]
		for _, u := range all {
			for _, r := range units.FormedFrom(u.Code) {
				rows = append(rows, []any{r.OldCode, r.OldName, u.Code, r.Partial})
			}
		}
		return insertBatches(ctx, tx, `INSERT INTO admin_unit_history (old_code, old_name, new_code, partial) VALUES `, 4, rows)
	})
	if err != nil {
		return 0, errs.Wrap(op, err)
	}
	return len(all), nil
}

// insertBatches inserts rows with multi-row VALUES lists: one statement per
// row would make the first start on PostgreSQL take seconds.
func insertBatches(ctx context.Context, tx *db.Tx, prefix string, cols int, rows [][]any) error {
	const per = 400 // stays under SQLite's and PostgreSQL's parameter limits
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"
	for start := 0; start < len(rows); start += per {
		batch := rows[start:min(start+per, len(rows))]
		args := make([]any, 0, len(batch)*cols)
		for _, r := range batch {
			args = append(args, r...)
		}
		q := prefix + strings.TrimSuffix(strings.Repeat(tuple+",", len(batch)), ",")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}
