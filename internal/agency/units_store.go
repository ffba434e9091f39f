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
	all := units.Provinces()
	for _, p := range units.Provinces() {
		all = append(all, units.Communes(p.Code)...)
	}
	loaded := 0
	// Several server copies may start at once: the check is inside the
	// transaction, and a copy that loses the race finds the rows there
	// (ON CONFLICT DO NOTHING) instead of failing to start.
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM admin_units`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		loaded = len(all)
		rows := make([][]any, 0, len(all))
		for _, u := range all {
			rows = append(rows, []any{u.Code, u.Name, u.Kind.String(), u.ProvinceCode, u.Folded})
		}
		if err := insertBatches(ctx, tx, `INSERT INTO admin_units (code, name, kind, province_code, folded) VALUES `, 5, rows, ` ON CONFLICT DO NOTHING`); err != nil {
			return err
		}
		rows = rows[:0]
		for _, u := range all {
			for _, r := range units.FormedFrom(u.Code) {
				rows = append(rows, []any{r.OldCode, r.OldName, u.Code, r.Partial})
			}
		}
		return insertBatches(ctx, tx, `INSERT INTO admin_unit_history (old_code, old_name, new_code, partial) VALUES `, 4, rows, ` ON CONFLICT DO NOTHING`)
	})
	if err != nil {
		return 0, errs.Wrap(op, err)
	}
	return loaded, nil
}

// insertBatches inserts rows with multi-row VALUES lists: one statement per
// row would make the first start on PostgreSQL take seconds.
func insertBatches(ctx context.Context, tx *db.Tx, prefix string, cols int, rows [][]any, suffix string) error {
	const per = 400 // stays under SQLite's and PostgreSQL's parameter limits
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"
	for start := 0; start < len(rows); start += per {
		batch := rows[start:min(start+per, len(rows))]
		args := make([]any, 0, len(batch)*cols)
		for _, r := range batch {
			args = append(args, r...)
		}
		q := prefix + strings.TrimSuffix(strings.Repeat(tuple+",", len(batch)), ",") + suffix
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}
