package identity_test

import (
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/identity"
)

func TestAPITokens(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		ctx := f.ctx
		sys, err := f.svc.CreateAccount(ctx, operator, identity.AccountInput{Kind: "system", Username: "lgsp", FullName: "Nền tảng LGSP",
			AgencyCode: "H26.12", Roles: []identity.RoleInput{role(authz.ReceptionOfficer, "")}})
		if err != nil {
			t.Fatal(err)
		}
		official := f.account("nguyen.van.a", "H26.12.01", role(authz.Specialist, ""))

		tok, err := f.svc.CreateToken(ctx, operator, " LGSP ", "  Kết nối LGSP ", 30*24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(tok, "mct_") || len(tok) < 40 {
			t.Errorf("token %q", tok)
		}
		p, err := f.svc.TokenPrincipal(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if p.Kind != authz.System || p.ID != sys.ID || p.Username != "lgsp" || p.AgencyCode != "H26.12" ||
			len(p.Grants) != 1 || p.Grants[0].Role != authz.ReceptionOfficer || p.Grants[0].AgencyPath != f.justice.Path {
			t.Errorf("token principal %+v", p)
		}
		if r := f.lastAudit(); r.Action != "token.create" || r.ObjectID != "lgsp" || strings.Contains(r.Summary, tok) ||
			!strings.Contains(r.Summary, tok[:10]) || !strings.Contains(r.Summary, "Kết nối LGSP") {
			t.Errorf("audit record %+v", r)
		}

		// Only a hash is stored: the token appears in no column.
		rows, err := f.d.QueryContext(ctx, `SELECT token_hash, prefix, name, account_id, created_at, expires_at FROM api_tokens`)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
			var hash, prefix, name string
			var account int64
			var created, expires db.Time
			if err := rows.Scan(&hash, &prefix, &name, &account, &created, &expires); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(hash, tok) || strings.Contains(hash, tok[4:]) || len(hash) < 32 || strings.Contains(name, tok) {
				t.Errorf("token stored in the clear: hash %q", hash)
			}
			if prefix != tok[:10] || name != "Kết nối LGSP" || account != sys.ID || !created.Equal(f.clk.Now()) ||
				!expires.Equal(f.clk.Now().Add(30*24*time.Hour)) {
				t.Errorf("row: prefix %q name %q account %d created %v expires %v", prefix, name, account, created, expires)
			}
		}
		rows.Close()
		if n != 1 {
			t.Fatalf("%d token rows", n)
		}
		// The whole table, cast to text, does not contain it either.
		var dump string
		if err := f.d.QueryRowContext(ctx, `SELECT token_hash || prefix || name FROM api_tokens`).Scan(&dump); err != nil || strings.Contains(dump, tok) {
			t.Errorf("token found in the table: %v", err)
		}

		// Use is recorded (at most once a minute).
		f.clk.Advance(2 * time.Minute)
		if _, err := f.svc.TokenPrincipal(ctx, tok); err != nil {
			t.Fatal(err)
		}
		var used db.Time
		f.d.QueryRowContext(ctx, `SELECT last_used_at FROM api_tokens`).Scan(&used)
		if !used.Equal(f.clk.Now()) {
			t.Errorf("last used %v, want %v", used, f.clk.Now())
		}

		// An official's token speaks for the official; no name means "api".
		forever, err := f.svc.CreateToken(ctx, operator, "nguyen.van.a", "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if p, err := f.svc.TokenPrincipal(ctx, forever); err != nil || p.Kind != authz.Official || p.ID != official.ID {
			t.Errorf("official's token principal %+v, %v", p, err)
		}
		var name string
		f.d.QueryRowContext(ctx, `SELECT name FROM api_tokens WHERE account_id = ?`, official.ID).Scan(&name)
		if name != "api" {
			t.Errorf("default token name %q", name)
		}

		// Expiry: good until the instant it expires, not at it.
		f.clk.Advance(30*24*time.Hour - 2*time.Minute - time.Microsecond)
		if _, err := f.svc.TokenPrincipal(ctx, tok); err != nil {
			t.Errorf("a microsecond before expiry: %v", err)
		}
		f.clk.Advance(time.Microsecond)
		_, err = f.svc.TokenPrincipal(ctx, tok)
		wantErr(t, err, errs.Unauthenticated, "auth.bad_token")
		// A token without expiry still works a year on.
		f.clk.Advance(365 * 24 * time.Hour)
		if _, err := f.svc.TokenPrincipal(ctx, forever); err != nil {
			t.Errorf("token without expiry: %v", err)
		}

		// Revoked.
		if _, err := f.d.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE account_id = ?`, db.T(f.clk.Now()), official.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.TokenPrincipal(ctx, forever)
		wantErr(t, err, errs.Unauthenticated, "auth.bad_token")

		// Unknown and malformed tokens.
		fresh, _ := f.svc.CreateToken(ctx, operator, "lgsp", "mới", 0)
		for _, bad := range []string{"", "mct_", "mct_" + strings.Repeat("A", 43), fresh[4:], "Bearer " + fresh, fresh + "x", strings.ToUpper(fresh)} {
			p, err := f.svc.TokenPrincipal(ctx, bad)
			wantErr(t, err, errs.Unauthenticated, "auth.bad_token")
			if p.Authenticated() {
				t.Errorf("TokenPrincipal(%q) = %+v", bad, p)
			}
		}
		if _, err := f.svc.TokenPrincipal(ctx, fresh); err != nil {
			t.Errorf("fresh token: %v", err)
		}
		// A session token is not an API token, nor the other way round.
		sess, _ := f.login("nguyen.van.a", password, office)
		_, err = f.svc.TokenPrincipal(ctx, sess)
		wantErr(t, err, errs.Unauthenticated, "")
		_, err = f.svc.SessionPrincipal(ctx, fresh)
		wantErr(t, err, errs.Unauthenticated, "")
		f.verifyAudit()
	})
}

func TestCreateTokenAuthorisation(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		ctx := f.ctx
		f.account("admin.stp", "H26.12", role(authz.AgencyAdmin, ""))
		f.account("chuyenvien.hctp", "H26.12.01", role(authz.Specialist, ""))
		f.account("chuyenvien.sxd", "H26.05", role(authz.Specialist, ""))
		admin, specialist := f.principal("admin.stp"), f.principal("chuyenvien.hctp")

		if _, err := f.svc.CreateToken(ctx, admin, "chuyenvien.hctp", "script", time.Hour); err != nil {
			t.Errorf("admin, token for an account in reach: %v", err)
		}
		tokens, records := f.rows("api_tokens"), f.rows("audit_log")
		for _, c := range []struct {
			name     string
			p        *authz.Principal
			username string
			kind     errs.Kind
		}{
			{"admin, account out of reach", admin, "chuyenvien.sxd", errs.Forbidden},
			{"specialist, own account", specialist, "chuyenvien.hctp", errs.Forbidden},
			{"anonymous", authz.AnonymousPrincipal, "chuyenvien.hctp", errs.Unauthenticated},
			{"unknown account", operator, "khong.ton.tai", errs.Invalid},
		} {
			tok, err := f.svc.CreateToken(ctx, c.p, c.username, "x", time.Hour)
			if errs.KindOf(err) != c.kind || err == nil || tok != "" {
				t.Errorf("%s: %q, %v; want kind %v", c.name, tok, err, c.kind)
			}
		}
		_, err := f.svc.CreateToken(ctx, operator, "khong.ton.tai", "x", 0)
		if diff := fieldKeys(t, err); diff["username"] != "account.not_found" {
			t.Errorf("unknown account fields %v", diff)
		}
		if n, r := f.rows("api_tokens"), f.rows("audit_log"); n != tokens || r != records {
			t.Errorf("refused CreateToken wrote: tokens %d→%d audit %d→%d", tokens, n, records, r)
		}
	})
}
