package identity_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/identity"
)

func TestCreateAccount(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		ctx := f.ctx
		acc, err := f.svc.CreateAccount(ctx, operator, identity.AccountInput{
			Username: "  Nguyen.Van.A ", FullName: " Nguyễn Văn A ", Email: " a.nv@hanoi.gov.vn ", Phone: " 0912 000 101 ",
			AgencyCode: "H26.12.01", Password: password,
			Roles: []identity.RoleInput{
				{Role: authz.ReceptionOfficer},                                     // at the home agency, own unit only
				{Role: authz.Leader, AgencyCode: "000.00.12.H26"},                  // right-to-left code, sub-tree by default
				{Role: authz.Specialist, AgencyCode: "H26.05", Subtree: ptr(true)}, // explicit reach
				{Role: authz.ReceptionOfficer, AgencyCode: "h26.12.01"},            // the same grant again
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		if acc.ID == 0 || acc.Kind != "official" || acc.Username != "nguyen.van.a" || acc.FullName != "Nguyễn Văn A" ||
			acc.Email != "a.nv@hanoi.gov.vn" || acc.Phone != "0912 000 101" || acc.AgencyID != f.justiceUnit.ID ||
			!acc.Active || acc.Version != 1 || !acc.CreatedAt.Equal(f.clk.Now()) {
			t.Errorf("created %+v", acc)
		}
		wantGrants := []authz.Grant{
			{Role: authz.ReceptionOfficer, AgencyID: f.justiceUnit.ID, AgencyCode: "H26.12.01", AgencyPath: f.justiceUnit.Path},
			{Role: authz.Leader, AgencyID: f.justice.ID, AgencyCode: "H26.12", AgencyPath: f.justice.Path, Subtree: true},
			{Role: authz.Specialist, AgencyID: f.construction.ID, AgencyCode: "H26.05", AgencyPath: f.construction.Path, Subtree: true},
		}
		sortGrants := func(gs []authz.Grant) []authz.Grant {
			gs = slices.Clone(gs)
			slices.SortFunc(gs, func(a, b authz.Grant) int {
				return strings.Compare(string(a.Role)+a.AgencyCode, string(b.Role)+b.AgencyCode)
			})
			return gs
		}
		if diff := cmp.Diff(sortGrants(wantGrants), sortGrants(acc.Grants)); diff != "" {
			t.Errorf("grants returned by CreateAccount (-want +got):\n%s", diff)
		}
		stored, err := f.svc.Account(ctx, operator, acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(sortGrants(wantGrants), sortGrants(stored.Grants)); diff != "" {
			t.Errorf("stored grants (-want +got):\n%s", diff)
		}
		stored.Grants, acc.Grants = nil, nil
		if diff := cmp.Diff(acc, stored); diff != "" {
			t.Errorf("Account differs from CreateAccount's result (-create +get):\n%s", diff)
		}
		var hash string
		if err := f.d.QueryRowContext(ctx, `SELECT password_hash FROM accounts WHERE id = ?`, acc.ID).Scan(&hash); err != nil {
			t.Fatal(err)
		}
		if ok, err := identity.CheckPassword(hash, password); !ok || err != nil || !strings.HasPrefix(hash, "$argon2id$v=19$m=64,t=1,p=1$") {
			t.Errorf("stored password hash %q does not check (%v, %v)", hash, ok, err)
		}
		rec := f.lastAudit()
		if rec.Action != "account.create" || rec.ObjectID != "nguyen.van.a" || rec.ActorKind != "cli" || strings.Contains(rec.Summary, password) {
			t.Errorf("audit record %+v", rec)
		}

		// A system account needs no password and has none.
		sys, err := f.svc.CreateAccount(ctx, operator, identity.AccountInput{Kind: "system", Username: "lgsp", FullName: "Nền tảng LGSP", AgencyCode: "H26"})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.d.QueryRowContext(ctx, `SELECT password_hash FROM accounts WHERE id = ?`, sys.ID).Scan(&hash); err != nil || hash != "" {
			t.Errorf("system account password hash %q, %v", hash, err)
		}
		f.verifyAudit()
	})
}

func TestCreateAccountValidation(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		ctx := f.ctx
		f.account("tran.thi.b", "H26.12")
		valid := identity.AccountInput{Username: "le.van.c", FullName: "Lê Văn C", Email: "c@hanoi.gov.vn", AgencyCode: "H26.12",
			Password: password, Roles: []identity.RoleInput{role(authz.Specialist, "")}}
		tests := []struct {
			name   string
			change func(in *identity.AccountInput)
			want   map[string]string
		}{
			{"username of one character", func(in *identity.AccountInput) { in.Username = "c" }, map[string]string{"username": "account.username.invalid"}},
			{"username with a space", func(in *identity.AccountInput) { in.Username = "le van c" }, map[string]string{"username": "account.username.invalid"}},
			{"username starting with a dot", func(in *identity.AccountInput) { in.Username = ".levanc" }, map[string]string{"username": "account.username.invalid"}},
			{"username with diacritics", func(in *identity.AccountInput) { in.Username = "lê.văn.c" }, map[string]string{"username": "account.username.invalid"}},
			{"username with @", func(in *identity.AccountInput) { in.Username = "c@hanoi" }, map[string]string{"username": "account.username.invalid"}},
			{"username of 64 characters", func(in *identity.AccountInput) { in.Username = strings.Repeat("c", 64) }, map[string]string{"username": "account.username.invalid"}},
			{"username taken", func(in *identity.AccountInput) { in.Username = "tran.thi.b" }, map[string]string{"username": "account.username.taken"}},
			{"username taken, other case", func(in *identity.AccountInput) { in.Username = " TRAN.THI.B" }, map[string]string{"username": "account.username.taken"}},
			{"no password", func(in *identity.AccountInput) { in.Password = "" }, map[string]string{"password": "password.too_short"}},
			{"short password", func(in *identity.AccountInput) { in.Password = "ngắn quá" }, map[string]string{"password": "password.too_short"}},
			{"password too long", func(in *identity.AccountInput) { in.Password = strings.Repeat("x", 257) }, map[string]string{"password": "password.too_long"}},
			{"unknown kind", func(in *identity.AccountInput) { in.Kind = "robot" }, map[string]string{"kind": "account.kind.invalid"}},
			{"no name", func(in *identity.AccountInput) { in.FullName = "  " }, map[string]string{"full_name": "field.required"}},
			{"bad e-mail", func(in *identity.AccountInput) { in.Email = "c at hanoi" }, map[string]string{"email": "field.email"}},
			{"unknown agency", func(in *identity.AccountInput) { in.AgencyCode = "H26.99" }, map[string]string{"agency_code": "agency.not_found"}},
			{"no agency", func(in *identity.AccountInput) { in.AgencyCode = "" }, map[string]string{"agency_code": "agency.not_found"}},
			{"invalid role", func(in *identity.AccountInput) {
				in.Roles = []identity.RoleInput{role(authz.Specialist, ""), role("superuser", "")}
			}, map[string]string{"roles.1": "account.role.invalid"}},
			{"role at an unknown agency", func(in *identity.AccountInput) {
				in.Roles = []identity.RoleInput{role(authz.Specialist, "H26.77"), role(authz.Leader, "")}
			}, map[string]string{"roles.0": "agency.not_found"}},
			{"everything wrong", func(in *identity.AccountInput) {
				*in = identity.AccountInput{Kind: "robot", Username: "?", Email: "x", AgencyCode: "H99", Roles: []identity.RoleInput{role("root", "")}}
			}, map[string]string{"kind": "account.kind.invalid", "username": "account.username.invalid", "full_name": "field.required",
				"email": "field.email", "agency_code": "agency.not_found", "roles.0": "account.role.invalid"}},
		}
		accounts, roles, records := f.rows("accounts"), f.rows("account_roles"), f.rows("audit_log")
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := valid
				tt.change(&in)
				acc, err := f.svc.CreateAccount(ctx, operator, in)
				if diff := cmp.Diff(tt.want, fieldKeys(t, err)); diff != "" {
					t.Errorf("fields (-want +got):\n%s", diff)
				}
				if acc.ID != 0 {
					t.Errorf("an account (id %d) came back with the error", acc.ID)
				}
				if a, r, n := f.rows("accounts"), f.rows("account_roles"), f.rows("audit_log"); a != accounts || r != roles || n != records {
					t.Errorf("refused CreateAccount wrote: accounts %d→%d, roles %d→%d, audit %d→%d", accounts, a, roles, r, records, n)
				}
			})
		}
		// The valid input is valid, and so are the limits.
		if _, err := f.svc.CreateAccount(ctx, operator, valid); err != nil {
			t.Errorf("valid input: %v", err)
		}
		edge := valid
		edge.Username, edge.Password = "c"+strings.Repeat("9", 62), "ưưưưưưưưưư"
		if _, err := f.svc.CreateAccount(ctx, operator, edge); err != nil {
			t.Errorf("63-character username and 10-character password: %v", err)
		}
		f.verifyAudit()
	})
}

// TestCreateAccountAuthorisation checks who may create which accounts.
func TestCreateAccountAuthorisation(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		ctx := f.ctx
		f.account("platform", "H26", role(authz.PlatformAdmin, ""))
		f.account("admin.stp", "H26.12", role(authz.AgencyAdmin, ""))
		f.account("officer.stp", "H26.12", role(authz.ReceptionOfficer, ""))
		platform, justiceAdmin, officer := f.principal("platform"), f.principal("admin.stp"), f.principal("officer.stp")
		if len(justiceAdmin.Grants) != 1 || !justiceAdmin.Grants[0].Subtree || justiceAdmin.Grants[0].AgencyPath != f.justice.Path {
			t.Fatalf("agency admin principal %+v", justiceAdmin)
		}
		citizen := &authz.Principal{Kind: authz.Citizen, ID: 1, Name: "Nguyễn Văn An", NationalID: "001085012345"}

		n := 0
		in := func(home string, roles ...identity.RoleInput) identity.AccountInput {
			n++
			return identity.AccountInput{Username: "new." + string(rune('a'+n%26)) + strings.Repeat("x", n/26) + "." + home,
				FullName: "Cán bộ mới", AgencyCode: home, Password: password, Roles: roles}
		}
		tests := []struct {
			name string
			p    *authz.Principal
			in   identity.AccountInput
			want errs.Kind // Internal means success here
			key  string
		}{
			{"agency admin: specialist in own unit", justiceAdmin, in("H26.12.01", role(authz.Specialist, "")), errs.Internal, ""},
			{"agency admin: officer in own department", justiceAdmin, in("H26.12", role(authz.ReceptionOfficer, "H26.12.01")), errs.Internal, ""},
			{"agency admin: a second agency admin", justiceAdmin, in("H26.12", role(authz.AgencyAdmin, "")), errs.Internal, ""},
			{"agency admin: account in sibling department", justiceAdmin, in("H26.05", role(authz.Specialist, "")), errs.Forbidden, "error.forbidden"},
			{"agency admin: account at the root", justiceAdmin, in("H26"), errs.Forbidden, "error.forbidden"},
			{"agency admin: role in sibling department", justiceAdmin, in("H26.12", role(authz.Specialist, "H26.05")), errs.Forbidden, "error.forbidden"},
			{"agency admin: platform admin", justiceAdmin, in("H26.12", role(authz.PlatformAdmin, "")), errs.Forbidden, "account.role.platform_admin_only"},
			{"agency admin: platform admin in own unit", justiceAdmin, in("H26.12.01", role(authz.PlatformAdmin, "")), errs.Forbidden, "account.role.platform_admin_only"},
			{"platform admin: platform admin", platform, in("H26.05", role(authz.PlatformAdmin, "")), errs.Internal, ""},
			{"platform admin: anywhere", platform, in("H26.05", role(authz.AgencyAdmin, ""), role(authz.Leader, "H26.12")), errs.Internal, ""},
			{"operator: platform admin", operator, in("H26", role(authz.PlatformAdmin, "")), errs.Internal, ""},
			{"reception officer", officer, in("H26.12", role(authz.Specialist, "")), errs.Forbidden, "error.forbidden"},
			{"citizen", citizen, in("H26.12"), errs.Forbidden, "error.forbidden"},
			{"anonymous", authz.AnonymousPrincipal, in("H26.12"), errs.Unauthenticated, "error.unauthenticated"},
		}
		for _, tt := range tests {
			accounts, records := f.rows("accounts"), f.rows("audit_log")
			acc, err := f.svc.CreateAccount(ctx, tt.p, tt.in)
			if tt.want == errs.Internal {
				if err != nil {
					t.Errorf("%s: %v, want success", tt.name, err)
					continue
				}
				if r := f.lastAudit(); r.Action != "account.create" || r.ObjectID != acc.Username || r.ActorID != tt.p.ID {
					t.Errorf("%s: audit record %+v", tt.name, r)
				}
				continue
			}
			if err == nil || errs.KindOf(err) != tt.want {
				t.Errorf("%s: error %v, want %v", tt.name, err, tt.want)
				continue
			}
			if k, _ := errs.MessageKey(err); k != tt.key {
				t.Errorf("%s: message %q, want %q", tt.name, k, tt.key)
			}
			if a, r := f.rows("accounts"), f.rows("audit_log"); a != accounts || r != records {
				t.Errorf("%s: refused, yet accounts %d→%d and audit %d→%d", tt.name, accounts, a, records, r)
			}
		}
		f.verifyAudit()
	})
}

// TestGrantReachBoundedByGrantor: an administrator whose grant covers
// their own agency only (Subtree false) cannot manage the units below it,
// so they must not be able to create an administrator whose grant reaches
// those units either.
func TestGrantReachBoundedByGrantor(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		f.account("admin.own", "H26.12", identity.RoleInput{Role: authz.AgencyAdmin, Subtree: ptr(false)})
		p := f.principal("admin.own")
		if authz.Can(p, authz.ManageAccounts, authz.Object{AgencyPath: f.justiceUnit.Path}) {
			t.Fatal("setup: the own-agency admin already reaches the unit")
		}
		acc, err := f.svc.CreateAccount(f.ctx, p, identity.AccountInput{Username: "admin.wide", FullName: "Quản trị rộng hơn",
			AgencyCode: "H26.12", Password: password, Roles: []identity.RoleInput{{Role: authz.AgencyAdmin, Subtree: ptr(true)}}})
		if err == nil {
			wide := f.principal(acc.Username)
			t.Errorf("an admin of H26.12 alone created %s with agency-admin@H26.12/* (reaches H26.12.01: %v); want Forbidden",
				acc.Username, authz.Can(wide, authz.ManageAccounts, authz.Object{AgencyPath: f.justiceUnit.Path}))
			return
		}
		wantErr(t, err, errs.Forbidden, "")
	})
}

func TestAccountVisibility(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		ctx := f.ctx
		f.account("admin.stp", "H26.12", role(authz.AgencyAdmin, ""))
		unit := f.account("chuyenvien.hctp", "H26.12.01", role(authz.Specialist, ""))
		other := f.account("chuyenvien.sxd", "H26.05", role(authz.Specialist, ""))
		p := f.principal("admin.stp")

		if a, err := f.svc.Account(ctx, p, unit.ID); err != nil || a.Username != unit.Username {
			t.Errorf("Account(unit account) = %+v, %v", a, err)
		}
		_, err := f.svc.Account(ctx, p, other.ID)
		wantErr(t, err, errs.NotFound, "account.not_found")
		_, err = f.svc.Account(ctx, operator, 987654)
		wantErr(t, err, errs.NotFound, "account.not_found")

		list, err := f.svc.Accounts(ctx, p, f.justice.Path)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, a := range list {
			names = append(names, a.Username)
			if len(a.Grants) == 0 || a.Grants[0].AgencyPath == "" {
				t.Errorf("listed account %s without resolved grants: %+v", a.Username, a.Grants)
			}
		}
		if diff := cmp.Diff([]string{"admin.stp", "chuyenvien.hctp"}, names); diff != "" {
			t.Errorf("Accounts(H26.12) (-want +got):\n%s", diff)
		}
		_, err = f.svc.Accounts(ctx, p, f.construction.Path)
		wantErr(t, err, errs.Forbidden, "")
		_, err = f.svc.Accounts(ctx, p, "")
		wantErr(t, err, errs.Forbidden, "")
		all, err := f.svc.Accounts(ctx, operator, f.root.Path)
		if err != nil || len(all) != 3 {
			t.Errorf("Accounts(root) by the operator: %d accounts, %v", len(all), err)
		}
	})
}

// TestAccountsListsOnlyManageable: Accounts promises "the accounts … that
// p may manage". An administrator of H26.12 alone may not manage the
// accounts of H26.12.01 (Account answers NotFound for them), so the list
// must not show them either.
func TestAccountsListsOnlyManageable(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		f.account("admin.own", "H26.12", identity.RoleInput{Role: authz.AgencyAdmin, Subtree: ptr(false)})
		unit := f.account("chuyenvien.hctp", "H26.12.01", role(authz.Specialist, ""))
		p := f.principal("admin.own")
		_, err := f.svc.Account(f.ctx, p, unit.ID)
		wantErr(t, err, errs.NotFound, "")
		list, err := f.svc.Accounts(f.ctx, p, f.justice.Path)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range list {
			if a.ID == unit.ID {
				t.Errorf("Accounts(H26.12) by an admin of H26.12 alone lists %s of H26.12.01, which Account hides from them", a.Username)
			}
		}
	})
}

func TestUpdateAccount(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		ctx := f.ctx
		f.account("admin.stp", "H26.12", role(authz.AgencyAdmin, ""))
		acc := f.account("chuyenvien.hctp", "H26.12.01", role(authz.Specialist, ""))
		p := f.principal("admin.stp")

		f.clk.Advance(time.Minute)
		in := identity.AccountInput{FullName: "Phạm Thị D", Email: "d@hanoi.gov.vn", AgencyCode: "H26.12", Active: true,
			Roles: []identity.RoleInput{role(authz.UnitHead, "H26.12.01"), role(authz.ReceptionOfficer, "")}}
		got, err := f.svc.UpdateAccount(ctx, p, acc.ID, acc.Version, in)
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 2 || got.FullName != "Phạm Thị D" || got.AgencyID != f.justice.ID || got.Username != acc.Username || !got.Active {
			t.Errorf("updated %+v", got)
		}
		stored, err := f.svc.Account(ctx, p, acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		var roles []string
		for _, g := range stored.Grants {
			roles = append(roles, string(g.Role)+"@"+g.AgencyCode)
		}
		slices.Sort(roles)
		if diff := cmp.Diff([]string{"reception-officer@H26.12", "unit-head@H26.12.01"}, roles); diff != "" {
			t.Errorf("roles after the update (-want +got):\n%s", diff)
		}
		// The password was kept.
		f.login(acc.Username, password, office)
		r := f.lastAudit()
		if r.Action != "auth.login" {
			t.Fatalf("last audit %+v", r)
		}
		recs, _ := f.log.Recent(ctx, f.d, 2)
		var sum struct{ Before, After map[string]any }
		if err := json.Unmarshal([]byte(recs[1].Summary), &sum); err != nil || recs[1].Action != "account.update" ||
			sum.Before["full_name"] != "Cán bộ chuyenvien.hctp" || sum.After["full_name"] != "Phạm Thị D" || sum.After["password_changed"] != false {
			t.Errorf("update audit record %+v (%v)", recs[1], err)
		}

		// A stale version is refused and changes nothing.
		in.FullName = "Sửa muộn"
		_, err = f.svc.UpdateAccount(ctx, p, acc.ID, acc.Version, in)
		wantErr(t, err, errs.Conflict, "error.stale")
		if a, _ := f.svc.Account(ctx, p, acc.ID); a.FullName != "Phạm Thị D" || a.Version != 2 || len(a.Grants) != 2 {
			t.Errorf("after a stale update: %+v", a)
		}
		// Validation as on create, for the fields an update has.
		bad := in
		bad.Email, bad.Password, bad.FullName = "nope", "short", ""
		_, err = f.svc.UpdateAccount(ctx, p, acc.ID, 2, bad)
		if diff := cmp.Diff(map[string]string{"email": "field.email", "password": "password.too_short", "full_name": "field.required"}, fieldKeys(t, err)); diff != "" {
			t.Errorf("update fields (-want +got):\n%s", diff)
		}
		// Moving the account out of the admin's reach is refused.
		out := in
		out.AgencyCode = "H26.05"
		_, err = f.svc.UpdateAccount(ctx, p, acc.ID, 2, out)
		wantErr(t, err, errs.Forbidden, "")
		// An account outside the admin's reach does not exist for them.
		other := f.account("chuyenvien.sxd", "H26.05", role(authz.Specialist, ""))
		_, err = f.svc.UpdateAccount(ctx, p, other.ID, other.Version, in)
		wantErr(t, err, errs.NotFound, "account.not_found")

		// A role the admin cannot see may not be taken away by them.
		mixed := f.account("lienthong", "H26.12.01", role(authz.Specialist, ""), role(authz.Specialist, "H26.05"))
		_, err = f.svc.UpdateAccount(ctx, p, mixed.ID, mixed.Version, identity.AccountInput{FullName: "Liên thông", AgencyCode: "H26.12.01",
			Active: true, Roles: []identity.RoleInput{role(authz.Specialist, "")}})
		wantErr(t, err, errs.Forbidden, "")
		if a, _ := f.svc.Account(ctx, operator, mixed.ID); len(a.Grants) != 2 || a.Version != 1 {
			t.Errorf("the refused update changed the account: %+v", a)
		}
		// Nobody but a platform admin hands out platform-admin on update either.
		_, err = f.svc.UpdateAccount(ctx, p, acc.ID, 2, identity.AccountInput{FullName: "X", AgencyCode: "H26.12", Active: true,
			Roles: []identity.RoleInput{role(authz.PlatformAdmin, "")}})
		wantErr(t, err, errs.Forbidden, "account.role.platform_admin_only")
		f.verifyAudit()
	})
}

func TestPasswordChangeEndsSessions(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		ctx := f.ctx
		acc := f.account("chuyenvien.hctp", "H26.12.01", role(authz.Specialist, ""))
		other := f.account("chuyenvien.khac", "H26.12.01", role(authz.Specialist, ""))
		t1, _ := f.login(acc.Username, password, office)
		t2, _ := f.login(acc.Username, password, identity.Client{IP: "10.1.2.4", UserAgent: "phone"})
		t3, _ := f.login(other.Username, password, office)
		f.clk.Advance(5 * time.Minute)

		const newPassword = "một mật khẩu mới hoàn toàn"
		got, err := f.svc.UpdateAccount(ctx, operator, acc.ID, acc.Version, identity.AccountInput{
			FullName: acc.FullName, AgencyCode: "H26.12.01", Active: true, Password: newPassword,
			Roles: []identity.RoleInput{role(authz.Specialist, "")}})
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 2 {
			t.Errorf("version %d", got.Version)
		}
		for _, tok := range []string{t1, t2} {
			_, err := f.svc.SessionPrincipal(ctx, tok)
			wantErr(t, err, errs.Unauthenticated, "")
		}
		if p, err := f.svc.SessionPrincipal(ctx, t3); err != nil || p.Username != other.Username {
			t.Errorf("another account's session ended too: %v", err)
		}
		_, _, err = f.svc.Login(ctx, acc.Username, password, office)
		wantErr(t, err, errs.Unauthenticated, "auth.bad_credentials")
		tok, _ := f.login(acc.Username, newPassword, office)
		if _, err := f.svc.SessionPrincipal(ctx, tok); err != nil {
			t.Errorf("session after the change: %v", err)
		}
		if r, _ := f.log.Recent(ctx, f.d, 3); len(r) == 3 && r[2].Action == "account.update" && !strings.Contains(r[2].Summary, `"password_changed":true`) {
			t.Errorf("audit summary does not record the password change: %s", r[2].Summary)
		}
		var hash string
		f.d.QueryRowContext(ctx, `SELECT password_hash FROM accounts WHERE id = ?`, acc.ID).Scan(&hash)
		if strings.Contains(hash, newPassword) || !strings.HasPrefix(hash, "$argon2id$") {
			t.Errorf("stored hash %q", hash)
		}
	})
}

func TestDeactivatedAccount(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		ctx := f.ctx
		acc := f.account("chuyenvien.hctp", "H26.12.01", role(authz.Specialist, ""))
		tok, _ := f.login(acc.Username, password, office)
		api, err := f.svc.CreateToken(ctx, operator, acc.Username, "script", 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.UpdateAccount(ctx, operator, acc.ID, acc.Version, identity.AccountInput{
			FullName: acc.FullName, AgencyCode: "H26.12.01", Active: false, Roles: []identity.RoleInput{role(authz.Specialist, "")}}); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.SessionPrincipal(ctx, tok)
		wantErr(t, err, errs.Unauthenticated, "")
		_, _, err = f.svc.Login(ctx, acc.Username, password, office)
		wantErr(t, err, errs.Unauthenticated, "auth.bad_credentials")
		_, err = f.svc.TokenPrincipal(ctx, api)
		wantErr(t, err, errs.Unauthenticated, "auth.bad_token")
		if n := f.count(`SELECT COUNT(*) FROM sessions WHERE principal_kind = 'account' AND principal_id = ?`, acc.ID); n != 0 {
			t.Errorf("%d sessions left for a deactivated account", n)
		}
		// Reactivated, the account signs in again.
		if _, err := f.svc.UpdateAccount(ctx, operator, acc.ID, 2, identity.AccountInput{
			FullName: acc.FullName, AgencyCode: "H26.12.01", Active: true, Roles: []identity.RoleInput{role(authz.Specialist, "")}}); err != nil {
			t.Fatal(err)
		}
		f.login(acc.Username, password, office)
	})
}
