package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/errs"
)

// Account is an official's or a system's account.
type Account struct {
	ID        int64
	Kind      string // "official" or "system"
	Username  string
	FullName  string
	Email     string
	Phone     string
	AgencyID  int64
	Active    bool
	Version   int
	Grants    []authz.Grant
	CreatedAt time.Time
}

// RoleInput is a role to grant, at an agency given by code.
type RoleInput struct {
	Role       authz.Role
	AgencyCode string // "" = the account's own agency
	Subtree    *bool  // nil = the role's default
}

// AccountInput is what an administrator sets on an account.
type AccountInput struct {
	Kind       string // "official" (default) or "system"
	Username   string
	FullName   string
	Email      string
	Phone      string
	AgencyCode string
	Roles      []RoleInput
	Password   string // required for officials on create; "" keeps it on update
	Active     bool
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,62}$`)

type resolvedRole struct {
	role    authz.Role
	agency  agency.Agency
	subtree bool
}

func (s *Service) validateAccount(ctx context.Context, op string, in *AccountInput, creating bool) (agency.Agency, []resolvedRole, error) {
	var v errs.Validation
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	in.FullName = strings.TrimSpace(in.FullName)
	in.Email = strings.TrimSpace(in.Email)
	in.Phone = strings.TrimSpace(in.Phone)
	if in.Kind == "" {
		in.Kind = "official"
	}
	if in.Kind != "official" && in.Kind != "system" {
		v.Add("kind", "account.kind.invalid")
	}
	if !usernameRE.MatchString(in.Username) {
		v.Add("username", "account.username.invalid")
	}
	if in.FullName == "" {
		v.Add("full_name", "field.required")
	}
	if in.Email != "" {
		if _, err := mail.ParseAddress(in.Email); err != nil {
			v.Add("email", "field.email")
		}
	}
	if in.Kind == "official" && (creating || in.Password != "") {
		if k := ValidatePassword(in.Password); k != "" {
			v.Add("password", k)
		}
	}
	home, err := s.agencies.ByCode(ctx, in.AgencyCode)
	if err != nil {
		if !errs.Is(err, errs.NotFound) {
			return home, nil, errs.Wrap(op, err)
		}
		v.Add("agency_code", "agency.not_found")
	}
	var roles []resolvedRole
	for i, r := range in.Roles {
		field := fmt.Sprintf("roles.%d", i)
		if !r.Role.Valid() {
			v.Add(field, "account.role.invalid")
			continue
		}
		at := home
		if r.AgencyCode != "" && (home.ID == 0 || r.AgencyCode != home.Code.String()) {
			a, err := s.agencies.ByCode(ctx, r.AgencyCode)
			if err != nil {
				v.Add(field, "agency.not_found")
				continue
			}
			at = a
		}
		sub := r.Role.DefaultSubtree()
		if r.Subtree != nil {
			sub = *r.Subtree
		}
		if at.ID != 0 && !slices.ContainsFunc(roles, func(x resolvedRole) bool { return x.role == r.Role && x.agency.ID == at.ID }) {
			roles = append(roles, resolvedRole{role: r.Role, agency: at, subtree: sub})
		}
	}
	return home, roles, v.Err(op)
}

// authorizeRoles checks that p may manage accounts at the home agency and at
// every agency a role is granted at, and that nobody but a platform
// administrator hands out the platform-administrator role.
func authorizeRoles(op string, p *authz.Principal, home agency.Agency, roles []resolvedRole) error {
	if err := authz.Authorize(op, p, authz.ManageAccounts, authz.Object{AgencyPath: home.Path}); err != nil {
		return err
	}
	for _, r := range roles {
		if err := authz.Authorize(op, p, authz.ManageAccounts, authz.Object{AgencyPath: r.agency.Path}); err != nil {
			return err
		}
		if r.role == authz.PlatformAdmin && p.Kind != authz.Operator && !p.Has(authz.PlatformAdmin) {
			return errs.E(op, errs.Forbidden, "account.role.platform_admin_only")
		}
		// A grant that reaches a sub-tree may only be handed out by someone
		// whose own reach covers that whole sub-tree.
		if r.subtree && !reachesSubtree(p, r.agency.Path) {
			return errs.E(op, errs.Forbidden, "account.role.subtree_beyond_reach")
		}
	}
	return nil
}

func reachesSubtree(p *authz.Principal, path string) bool {
	if p.Kind == authz.Operator || p.Has(authz.PlatformAdmin) {
		return true
	}
	for _, g := range p.Grants {
		if g.Subtree && g.Covers(path) && authz.Can(&authz.Principal{Kind: p.Kind, Grants: []authz.Grant{g}}, authz.ManageAccounts, authz.Object{AgencyPath: path}) {
			return true
		}
	}
	return false
}

// CreateAccount creates an official's or a system's account with its roles.
func (s *Service) CreateAccount(ctx context.Context, p *authz.Principal, in AccountInput) (Account, error) {
	const op = "identity.CreateAccount"
	if !authz.CanSomewhere(p, authz.ManageAccounts) {
		return Account{}, authz.Authorize(op, p, authz.ManageAccounts, authz.Object{AgencyPath: "-"})
	}
	in.Active = true
	home, roles, err := s.validateAccount(ctx, op, &in, true)
	if err != nil {
		return Account{}, err
	}
	if err := authorizeRoles(op, p, home, roles); err != nil {
		return Account{}, err
	}
	hash := ""
	if in.Kind == "official" {
		if hash, err = HashPassword(in.Password, s.cfg.Password); err != nil {
			return Account{}, errs.Wrap(op, err)
		}
	}
	now := s.now()
	var acc Account
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO accounts (kind, username, full_name, email, phone, agency_id, password_hash, active, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?) RETURNING id`,
			in.Kind, in.Username, in.FullName, in.Email, in.Phone, home.ID, hash, db.T(now), db.T(now)).Scan(&id)
		if db.IsUniqueViolation(err) {
			var v errs.Validation
			v.Add("username", "account.username.taken")
			return v.Err(op)
		}
		if err != nil {
			return errs.Wrap(op, err)
		}
		if err := writeRoles(ctx, tx, id, roles); err != nil {
			return errs.Wrap(op, err)
		}
		if err := s.audit.Record(ctx, tx, audit.Entry{
			Actor: p.Actor(), Action: "account.create", ObjectType: "account", ObjectID: in.Username,
			Summary: map[string]any{"after": map[string]any{"kind": in.Kind, "full_name": in.FullName, "agency": home.Code.String(), "roles": roleNames(roles)}},
		}); err != nil {
			return errs.Wrap(op, err)
		}
		acc = Account{ID: id, Kind: in.Kind, Username: in.Username, FullName: in.FullName, Email: in.Email, Phone: in.Phone,
			AgencyID: home.ID, Active: true, Version: 1, Grants: grants(roles), CreatedAt: now}
		return nil
	})
	return acc, err
}

// UpdateAccount changes an account the editor saw at version; its roles are
// replaced by in.Roles.
func (s *Service) UpdateAccount(ctx context.Context, p *authz.Principal, id int64, version int, in AccountInput) (Account, error) {
	const op = "identity.UpdateAccount"
	old, err := s.Account(ctx, p, id)
	if err != nil {
		return Account{}, err
	}
	in.Kind = old.Kind
	in.Username = old.Username
	home, roles, err := s.validateAccount(ctx, op, &in, false)
	if err != nil {
		return Account{}, err
	}
	if err := authorizeRoles(op, p, home, roles); err != nil {
		return Account{}, err
	}
	// Roles the editor cannot see must not be removable by them either.
	for _, g := range old.Grants {
		if !authz.Can(p, authz.ManageAccounts, authz.Object{AgencyPath: g.AgencyPath}) &&
			!slices.ContainsFunc(roles, func(r resolvedRole) bool { return r.role == g.Role && r.agency.ID == g.AgencyID }) {
			return Account{}, errs.E(op, errs.Forbidden, "error.forbidden")
		}
	}
	hash := ""
	if in.Password != "" && old.Kind == "official" {
		if hash, err = HashPassword(in.Password, s.cfg.Password); err != nil {
			return Account{}, errs.Wrap(op, err)
		}
	}
	now := s.now()
	var acc Account
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET full_name = ?, email = ?, phone = ?, agency_id = ?, active = ?,
			password_hash = CASE WHEN ? = '' THEN password_hash ELSE ? END,
			sessions_valid_after = CASE WHEN ? THEN ? ELSE sessions_valid_after END,
			version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			in.FullName, in.Email, in.Phone, home.ID, in.Active, hash, hash, hash != "" || !in.Active, db.T(now), db.T(now), id, version)
		if err != nil {
			return errs.Wrap(op, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(op, errs.Conflict, "error.stale")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM account_roles WHERE account_id = ?`, id); err != nil {
			return errs.Wrap(op, err)
		}
		if err := writeRoles(ctx, tx, id, roles); err != nil {
			return errs.Wrap(op, err)
		}
		if hash != "" || !in.Active {
			// A new password or a deactivation ends every session.
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE principal_kind = 'account' AND principal_id = ?`, id); err != nil {
				return errs.Wrap(op, err)
			}
		}
		if err := s.audit.Record(ctx, tx, audit.Entry{
			Actor: p.Actor(), Action: "account.update", ObjectType: "account", ObjectID: old.Username,
			Summary: map[string]any{
				"before": map[string]any{"full_name": old.FullName, "agency_id": old.AgencyID, "active": old.Active, "roles": grantNames(old.Grants)},
				"after":  map[string]any{"full_name": in.FullName, "agency_id": home.ID, "active": in.Active, "roles": roleNames(roles), "password_changed": hash != ""},
			},
		}); err != nil {
			return errs.Wrap(op, err)
		}
		acc = Account{ID: id, Kind: old.Kind, Username: old.Username, FullName: in.FullName, Email: in.Email, Phone: in.Phone,
			AgencyID: home.ID, Active: in.Active, Version: version + 1, Grants: grants(roles), CreatedAt: old.CreatedAt}
		return nil
	})
	return acc, err
}

func writeRoles(ctx context.Context, tx *db.Tx, id int64, roles []resolvedRole) error {
	for _, r := range roles {
		if _, err := tx.ExecContext(ctx, `INSERT INTO account_roles (account_id, role, agency_id, subtree) VALUES (?, ?, ?, ?)`,
			id, r.role, r.agency.ID, r.subtree); err != nil {
			return err
		}
	}
	return nil
}

func grants(roles []resolvedRole) []authz.Grant {
	out := make([]authz.Grant, len(roles))
	for i, r := range roles {
		out[i] = authz.Grant{Role: r.role, AgencyID: r.agency.ID, AgencyCode: r.agency.Code.String(), AgencyPath: r.agency.Path, Subtree: r.subtree}
	}
	return out
}

func roleNames(roles []resolvedRole) []string {
	return grantNames(grants(roles))
}

func grantNames(gs []authz.Grant) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = string(g.Role) + "@" + g.AgencyCode
		if g.Subtree {
			out[i] += "/*"
		}
	}
	return out
}

var errNoAccount = errors.New("no such account")

func (s *Service) loadAccount(ctx context.Context, q db.Querier, where string, args ...any) (Account, string, error) {
	var a Account
	var hash string
	var created db.Time
	err := q.QueryRowContext(ctx, `SELECT id, kind, username, full_name, email, phone, agency_id, password_hash, active, version, created_at
		FROM accounts `+where, args...).Scan(&a.ID, &a.Kind, &a.Username, &a.FullName, &a.Email, &a.Phone, &a.AgencyID, &hash, &a.Active, &a.Version, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return a, "", errNoAccount
	}
	if err != nil {
		return a, "", err
	}
	a.CreatedAt = created.Time
	a.Grants, err = s.loadGrants(ctx, q, a.ID)
	return a, hash, err
}

func (s *Service) loadGrants(ctx context.Context, q db.Querier, id int64) ([]authz.Grant, error) {
	rows, err := q.QueryContext(ctx, `SELECT role, agency_id, subtree FROM account_roles WHERE account_id = ? ORDER BY role, agency_id`, id)
	if err != nil {
		return nil, err
	}
	var gs []authz.Grant
	var ids []int64
	for rows.Next() {
		var g authz.Grant
		if err := rows.Scan(&g.Role, &g.AgencyID, &g.Subtree); err != nil {
			rows.Close()
			return nil, err
		}
		gs = append(gs, g)
		ids = append(ids, g.AgencyID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	as, err := s.agencies.ByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range gs {
		a := as[gs[i].AgencyID]
		gs[i].AgencyCode, gs[i].AgencyPath = a.Code.String(), a.Path
	}
	return gs, nil
}

// Account returns an account the principal may manage.
func (s *Service) Account(ctx context.Context, p *authz.Principal, id int64) (Account, error) {
	const op = "identity.Account"
	a, _, err := s.loadAccount(ctx, s.db, `WHERE id = ?`, id)
	if errors.Is(err, errNoAccount) {
		return a, errs.E(op, errs.NotFound, "account.not_found")
	}
	if err != nil {
		return a, errs.Wrap(op, err)
	}
	home, err := s.agencies.ByIDs(ctx, []int64{a.AgencyID})
	if err != nil {
		return a, errs.Wrap(op, err)
	}
	if !authz.Can(p, authz.ManageAccounts, authz.Object{AgencyPath: home[a.AgencyID].Path}) {
		// Accounts outside the caller's reach do not exist for them.
		return Account{}, errs.E(op, errs.NotFound, "account.not_found")
	}
	return a, nil
}

// Accounts lists the accounts whose home agency is inside the sub-tree at
// path and that p may manage.
func (s *Service) Accounts(ctx context.Context, p *authz.Principal, agencyPath string) ([]Account, error) {
	const op = "identity.Accounts"
	if err := authz.Authorize(op, p, authz.ManageAccounts, authz.Object{AgencyPath: agencyPath}); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT a.id, g.path FROM accounts a JOIN agencies g ON g.id = a.agency_id
		WHERE g.path LIKE ? ORDER BY a.username`, strings.ReplaceAll(agencyPath, "_", `\_`)+"%")
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		var path string
		if err := rows.Scan(&id, &path); err != nil {
			rows.Close()
			return nil, errs.Wrap(op, err)
		}
		// The path matched the sub-tree, but the caller's grant may not
		// reach that deep.
		if authz.Can(p, authz.ManageAccounts, authz.Object{AgencyPath: path}) {
			ids = append(ids, id)
		}
	}
	rows.Close()
	out := make([]Account, 0, len(ids))
	for _, id := range ids {
		a, _, err := s.loadAccount(ctx, s.db, `WHERE id = ?`, id)
		if err != nil {
			return nil, errs.Wrap(op, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// principalFor builds the principal of an active account.
func (s *Service) principalFor(ctx context.Context, a Account) (*authz.Principal, error) {
	home, err := s.agencies.ByIDs(ctx, []int64{a.AgencyID})
	if err != nil {
		return nil, err
	}
	kind := authz.Official
	if a.Kind == "system" {
		kind = authz.System
	}
	h := home[a.AgencyID]
	return &authz.Principal{Kind: kind, ID: a.ID, Username: a.Username, Name: a.FullName,
		AgencyID: a.AgencyID, AgencyCode: h.Code.String(), AgencyName: h.NameVI, Grants: a.Grants}, nil
}

// Official is what figures per officer show of an official: the name they
// sign official documents with and the agency (unit) they work in.
type Official struct {
	Name     string
	AgencyID int64
}

// Officials returns, by account id, the officials of figures per officer;
// nothing else of the accounts is read.
func (s *Service) Officials(ctx context.Context, ids []int64) (map[int64]Official, error) {
	out := map[int64]Official{}
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 500)]
		ids = ids[len(batch):]
		marks, args := db.In(batch)
		rows, err := s.db.QueryContext(ctx, `SELECT id, full_name, agency_id FROM accounts WHERE id IN (`+marks+`)`, args...)
		if err != nil {
			return nil, errs.Wrap("identity.Officials", err)
		}
		for rows.Next() {
			var id int64
			var o Official
			if err := rows.Scan(&id, &o.Name, &o.AgencyID); err != nil {
				rows.Close()
				return nil, errs.Wrap("identity.Officials", err)
			}
			out[id] = o
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, errs.Wrap("identity.Officials", err)
		}
	}
	return out, nil
}

// RoleHolder is an official holding a role at an agency.
type RoleHolder struct {
	AccountID  int64
	AgencyPath string
}

// RoleHolders lists, in account order, the officials holding role and the
// agency each holds it at: the generator of demonstration dossiers puts
// its specialists in charge.
func (s *Service) RoleHolders(ctx context.Context, role authz.Role) ([]RoleHolder, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.account_id, a.path FROM account_roles r JOIN agencies a ON a.id = r.agency_id
		WHERE r.role = ? ORDER BY r.account_id, a.path`, string(role))
	if err != nil {
		return nil, errs.Wrap("identity.RoleHolders", err)
	}
	defer rows.Close()
	var out []RoleHolder
	for rows.Next() {
		var h RoleHolder
		if err := rows.Scan(&h.AccountID, &h.AgencyPath); err != nil {
			return nil, errs.Wrap("identity.RoleHolders", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
