package agency

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/errs"
)

// Service is the one way in to agencies and administrative units.
type Service struct {
	db    *db.DB
	audit *audit.Log
	now   func() time.Time
}

// NewService returns a Service. now is the clock (time.Now if nil).
func NewService(d *db.DB, log *audit.Log, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, audit: log, now: now}
}

// Get returns the agency with the id.
func (s *Service) Get(ctx context.Context, id int64) (Agency, error) {
	a, err := getAgency(ctx, s.db, `WHERE id = ?`, id)
	return a, s.notFound("agency.Get", err)
}

// ByCode returns the agency with the electronic identifier code, written
// in either order.
func (s *Service) ByCode(ctx context.Context, code string) (Agency, error) {
	c, err := ParseCode(code)
	if err != nil {
		return Agency{}, errs.E("agency.ByCode", errs.NotFound, "agency.not_found")
	}
	a, err := getAgency(ctx, s.db, `WHERE code = ?`, c.String())
	return a, s.notFound("agency.ByCode", err)
}

// ByIDs returns the agencies with the ids, in no particular order.
func (s *Service) ByIDs(ctx context.Context, ids []int64) (map[int64]Agency, error) {
	out := make(map[int64]Agency, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	marks, args := db.In(ids)
	as, err := queryAgencies(ctx, s.db, `WHERE id IN (`+marks+`)`, args...)
	if err != nil {
		return nil, errs.Wrap("agency.ByIDs", err)
	}
	for _, a := range as {
		out[a.ID] = a
	}
	return out, nil
}

// List returns every agency in tree order (parents before children,
// siblings by code).
func (s *Service) List(ctx context.Context) ([]Agency, error) {
	as, err := queryAgencies(ctx, s.db, `ORDER BY path`)
	if err != nil {
		return nil, errs.Wrap("agency.List", err)
	}
	return treeOrder(as), nil
}

// Subtree returns the agency at path and all agencies below it, in tree order.
func (s *Service) Subtree(ctx context.Context, path string) ([]Agency, error) {
	as, err := queryAgencies(ctx, s.db, `WHERE path LIKE ? ESCAPE '\'`, escapeLike(path)+"%")
	if err != nil {
		return nil, errs.Wrap("agency.Subtree", err)
	}
	return treeOrder(as), nil
}

// Tiers lists the tiers of government.
func (s *Service) Tiers(ctx context.Context) ([]Tier, error) {
	ts, err := listTiers(ctx, s.db)
	return ts, errs.Wrap("agency.Tiers", err)
}

// treeOrder sorts depth-first with siblings by code, so that a list reads
// like the organisation chart. Paths are id-based, so ordering by path
// alone would order siblings by creation.
func treeOrder(as []Agency) []Agency {
	children := map[int64][]Agency{}
	ids := map[int64]bool{}
	for _, a := range as {
		ids[a.ID] = true
	}
	var roots []Agency
	for _, a := range as {
		if a.ParentID == 0 || !ids[a.ParentID] {
			roots = append(roots, a)
		} else {
			children[a.ParentID] = append(children[a.ParentID], a)
		}
	}
	out := make([]Agency, 0, len(as))
	var walk func([]Agency)
	walk = func(level []Agency) {
		sortByCode(level)
		for _, a := range level {
			out = append(out, a)
			walk(children[a.ID])
		}
	}
	walk(roots)
	return out
}

func sortByCode(as []Agency) {
	for i := 1; i < len(as); i++ {
		for j := i; j > 0 && as[j].Code.String() < as[j-1].Code.String(); j-- {
			as[j], as[j-1] = as[j-1], as[j]
		}
	}
}

func (s *Service) notFound(op string, err error) error {
	if errors.Is(err, errNoAgency) {
		return errs.E(op, errs.NotFound, "agency.not_found")
	}
	return errs.Wrap(op, err)
}

// validate checks the input and resolves the parent, returning the agency
// as it would be stored (without id and path).
func (s *Service) validate(ctx context.Context, q db.Querier, op string, in Input) (Agency, *Agency, error) {
	var v errs.Validation
	a := Agency{
		Kind: in.Kind, Tier: strings.TrimSpace(in.Tier), NameVI: strings.TrimSpace(in.NameVI),
		NameEN: strings.TrimSpace(in.NameEN), ShortName: strings.TrimSpace(in.ShortName),
		AdminUnitCode: strings.TrimSpace(in.AdminUnitCode), Address: strings.TrimSpace(in.Address),
		Phone: strings.TrimSpace(in.Phone), Email: strings.TrimSpace(in.Email),
		WorkingHours: strings.TrimSpace(in.WorkingHours), Active: in.Active,
	}
	code, err := ParseCode(strings.TrimSpace(in.Code))
	if err != nil {
		var ce *CodeError
		if errors.As(err, &ce) {
			v.Add("code", "agency.code."+string(ce.Reason))
		} else {
			v.Add("code", "agency.code.invalid")
		}
	}
	a.Code = code
	if !a.Kind.Valid() {
		v.Add("kind", "agency.kind.invalid")
	}
	if a.NameVI == "" {
		v.Add("name_vi", "field.required")
	} else if len([]rune(a.NameVI)) > 255 {
		v.Add("name_vi", "field.too_long", 255)
	}
	tiers, err := listTiers(ctx, q)
	if err != nil {
		return a, nil, errs.Wrap(op, err)
	}
	known := false
	for _, t := range tiers {
		known = known || t.Code == a.Tier
	}
	if !known {
		v.Add("tier", "agency.tier.invalid")
	}
	if a.Email != "" {
		if _, err := mail.ParseAddress(a.Email); err != nil {
			v.Add("email", "field.email")
		}
	}
	if a.WorkingHours != "" {
		spans, err := calendar.ParseHours(a.WorkingHours)
		if err != nil {
			v.Add("working_hours", "agency.working_hours.invalid")
		} else {
			a.WorkingHours = calendar.FormatHours(spans)
		}
	}
	if a.AdminUnitCode != "" {
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM admin_units WHERE code = ?`, a.AdminUnitCode).Scan(&n); err != nil {
			return a, nil, errs.Wrap(op, err)
		}
		if n == 0 {
			v.Add("admin_unit_code", "agency.admin_unit.unknown")
		}
	}
	var parent *Agency
	if pc := strings.TrimSpace(in.ParentCode); pc != "" {
		p, err := s.byCodeIn(ctx, q, pc)
		switch {
		case errors.Is(err, errNoAgency):
			v.Add("parent_code", "agency.parent.unknown")
		case err != nil:
			return a, nil, errs.Wrap(op, err)
		default:
			parent = &p
		}
	}
	return a, parent, v.Err(op)
}

func (s *Service) byCodeIn(ctx context.Context, q db.Querier, code string) (Agency, error) {
	c, err := ParseCode(code)
	if err != nil {
		return Agency{}, errNoAgency
	}
	return getAgency(ctx, q, `WHERE code = ?`, c.String())
}

// Create adds an agency. A root agency can be created only by a platform
// administrator; a child by an administrator whose grant covers the parent.
func (s *Service) Create(ctx context.Context, p *authz.Principal, in Input) (Agency, error) {
	const op = "agency.Create"
	if !authz.CanSomewhere(p, authz.ManageAgency) {
		return Agency{}, authz.Authorize(op, p, authz.ManageAgency, authz.Object{AgencyPath: "-"})
	}
	var out Agency
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		a, parent, err := s.validate(ctx, tx, op, in)
		if err != nil {
			return err
		}
		obj := authz.Object{}
		if parent != nil {
			obj.AgencyPath = parent.Path
			a.ParentID, a.Path, a.Depth = parent.ID, parent.Path, parent.Depth+1
		} else {
			a.Path, a.Depth = "/", 1
		}
		if err := authz.Authorize(op, p, authz.ManageAgency, obj); err != nil {
			return err
		}
		a.CreatedAt = s.now()
		a.UpdatedAt = a.CreatedAt
		a.CodeFormat = "A" // the column's default; format B is set per agency by configuration
		if err := insertAgency(ctx, tx, &a); err != nil {
			if db.IsUniqueViolation(err) {
				var v errs.Validation
				v.Add("code", "agency.code.duplicate")
				return v.Err(op)
			}
			return errs.Wrap(op, err)
		}
		if err := s.audit.Record(ctx, tx, audit.Entry{
			Actor: p.Actor(), Action: "agency.create", ObjectType: "agency", ObjectID: a.Code.String(),
			Summary: map[string]any{"after": summary(a)},
		}); err != nil {
			return errs.Wrap(op, err)
		}
		out = a
		return nil
	})
	return out, err
}

// Update changes the agency with the id, which the editor saw at version.
// Changing the parent moves the whole sub-tree; moving an agency below
// itself is refused.
func (s *Service) Update(ctx context.Context, p *authz.Principal, id int64, version int, in Input) (Agency, error) {
	const op = "agency.Update"
	var out Agency
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		old, err := getAgency(ctx, tx, `WHERE id = ?`+tx.Dialect().ForUpdate(), id)
		if err != nil {
			return s.notFound(op, err)
		}
		if err := authz.Authorize(op, p, authz.ManageAgency, authz.Object{AgencyPath: old.Path}); err != nil {
			return err
		}
		a, parent, err := s.validate(ctx, tx, op, in)
		if err != nil {
			return err
		}
		a.ID, a.CreatedAt, a.UpdatedAt = old.ID, old.CreatedAt, s.now()
		a.CodeFormat, a.CodeOwner = old.CodeFormat, old.CodeOwner
		a.ParentID, a.Path, a.Depth = old.ParentID, old.Path, old.Depth
		newParentID := int64(0)
		if parent != nil {
			newParentID = parent.ID
		}
		if newParentID != old.ParentID {
			var newPath string
			var newDepth int
			if parent == nil {
				if err := authz.Authorize(op, p, authz.ManageAgency, authz.Object{}); err != nil {
					return err
				}
				newPath, newDepth = fmt.Sprintf("/%d/", old.ID), 1
			} else {
				if strings.HasPrefix(parent.Path, old.Path) {
					var v errs.Validation
					v.Add("parent_code", "agency.parent.cycle")
					return v.Err(op)
				}
				if err := authz.Authorize(op, p, authz.ManageAgency, authz.Object{AgencyPath: parent.Path}); err != nil {
					return err
				}
				newPath, newDepth = fmt.Sprintf("%s%d/", parent.Path, old.ID), parent.Depth+1
			}
			a.ParentID, a.Path, a.Depth = newParentID, newPath, newDepth
			if err := movePaths(ctx, tx, old.Path, newPath, newDepth-old.Depth); err != nil {
				return errs.Wrap(op, err)
			}
		}
		ok, err := updateAgency(ctx, tx, &a, version)
		if err != nil {
			if db.IsUniqueViolation(err) {
				var v errs.Validation
				v.Add("code", "agency.code.duplicate")
				return v.Err(op)
			}
			return errs.Wrap(op, err)
		}
		if !ok {
			return errs.E(op, errs.Conflict, "error.stale")
		}
		if err := s.audit.Record(ctx, tx, audit.Entry{
			Actor: p.Actor(), Action: "agency.update", ObjectType: "agency", ObjectID: a.Code.String(),
			Summary: diff(summary(old), summary(a)),
		}); err != nil {
			return errs.Wrap(op, err)
		}
		out = a
		return nil
	})
	return out, err
}

func summary(a Agency) map[string]any {
	return map[string]any{
		"code": a.Code.String(), "parent_id": a.ParentID, "kind": a.Kind, "tier": a.Tier,
		"name_vi": a.NameVI, "name_en": a.NameEN, "short_name": a.ShortName,
		"admin_unit_code": a.AdminUnitCode, "address": a.Address, "phone": a.Phone,
		"email": a.Email, "working_hours": a.WorkingHours, "active": a.Active,
	}
}

// diff keeps only the fields that changed, so the audit log says what an
// edit did rather than repeating the whole record.
func diff(before, after map[string]any) map[string]any {
	b, a := map[string]any{}, map[string]any{}
	for k, v := range after {
		if fmt.Sprint(before[k]) != fmt.Sprint(v) {
			b[k], a[k] = before[k], v
		}
	}
	return map[string]any{"before": b, "after": a}
}

// PathOf returns the tree path of the agency with the id, for packages that
// authorise against agencies without depending on this one.
func (s *Service) PathOf(ctx context.Context, id int64) (string, error) {
	a, err := s.Get(ctx, id)
	return a.Path, err
}

// PathsByCode returns the tree paths of the agencies with the codes (in
// either order); unknown codes are absent from the map.
func (s *Service) PathsByCode(ctx context.Context, codes []string) (map[string]string, error) {
	out := make(map[string]string, len(codes))
	var canon []any
	// Several spellings (H26.12, 000.00.12.H26) may name one agency: each
	// gets the path under the spelling it was asked with.
	back := map[string][]string{}
	for _, c := range codes {
		pc, err := ParseCode(strings.TrimSpace(c))
		if err != nil {
			continue
		}
		if _, seen := back[pc.String()]; !seen {
			canon = append(canon, pc.String())
		}
		back[pc.String()] = append(back[pc.String()], c)
	}
	if len(canon) == 0 {
		return out, nil
	}
	marks, args := db.In(canon)
	rows, err := s.db.QueryContext(ctx, `SELECT code, path FROM agencies WHERE code IN (`+marks+`)`, args...)
	if err != nil {
		return nil, errs.Wrap("agency.PathsByCode", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code, path string
		if err := rows.Scan(&code, &path); err != nil {
			return nil, errs.Wrap("agency.PathsByCode", err)
		}
		for _, in := range back[code] {
			out[in] = path
		}
	}
	return out, rows.Err()
}
