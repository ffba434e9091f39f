package catalog

import (
	"context"

	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/fold"
)

// AgencyCounts returns, for every agency code that carries out or receives
// a published procedure, how many it has: for browsing by agency.
func (s *Service) AgencyCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT f.value, COUNT(DISTINCT p.id) FROM procedure_facets f
		JOIN procedures p ON p.current_version_id = f.version_id WHERE f.facet = 'agency' AND NOT p.withdrawn GROUP BY f.value`)
	if err != nil {
		return nil, errs.Wrap("catalog.AgencyCounts", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var code string
		var n int
		if err := rows.Scan(&code, &n); err != nil {
			return nil, errs.Wrap("catalog.AgencyCounts", err)
		}
		out[code] = n
	}
	return out, rows.Err()
}

// AdminEntry is a procedure in the maintenance list.
type AdminEntry struct {
	Code      string
	NameVI    string
	Current   int // published version number, 0 if none
	Draft     int // draft version number, 0 if none
	Withdrawn bool
}

// AdminList lists every procedure, published or not, whose name or code
// contains the words, for administrators.
func (s *Service) AdminList(ctx context.Context, p *authz.Principal, text string, limit int) ([]AdminEntry, error) {
	const op = "catalog.AdminList"
	if !p.IsStaff() && p.Kind != authz.Operator {
		return nil, authz.Authorize(op, p, authz.ManageCatalog, authz.Object{AgencyPath: "-"})
	}
	where, args := "", []any{}
	for _, w := range fold.Words(text) {
		where += ` AND (v.folded_name LIKE ? OR p.code LIKE ?)`
		args = append(args, "%"+w+"%", "%"+w+"%")
	}
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	rows, err := s.db.QueryContext(ctx, `SELECT p.code, v.name_vi, COALESCE(c.number, 0), COALESCE(d.number, 0), p.withdrawn
		FROM procedures p
		JOIN procedure_versions v ON v.id = COALESCE(p.draft_version_id, p.current_version_id)
		LEFT JOIN procedure_versions c ON c.id = p.current_version_id
		LEFT JOIN procedure_versions d ON d.id = p.draft_version_id
		WHERE 1 = 1`+where+` ORDER BY v.folded_name, p.code LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	defer rows.Close()
	var out []AdminEntry
	for rows.Next() {
		var e AdminEntry
		if err := rows.Scan(&e.Code, &e.NameVI, &e.Current, &e.Draft, &e.Withdrawn); err != nil {
			return nil, errs.Wrap(op, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Edit returns the document an editor starts from: the draft if there is
// one, else the current version, with the lock to save against.
func (s *Service) Edit(ctx context.Context, p *authz.Principal, code string) (Document, int, error) {
	a, err := s.AdminView(ctx, p, code)
	if err != nil {
		return Document{}, 0, err
	}
	return a.Versions[0].Doc, a.Lock, nil
}
