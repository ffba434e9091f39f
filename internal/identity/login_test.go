package identity_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/identity"
)

const wrong = "không phải mật khẩu"

func TestLogin(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		ctx := f.ctx
		acc := f.account("nguyen.van.a", "H26.12.01", role(authz.Specialist, ""), role(authz.Leader, "H26.12"))
		sys, err := f.svc.CreateAccount(ctx, operator, identity.AccountInput{Kind: "system", Username: "lgsp", FullName: "LGSP", AgencyCode: "H26"})
		if err != nil {
			t.Fatal(err)
		}

		client := identity.Client{IP: "10.1.2.3", UserAgent: strings.Repeat("U", 400)}
		tok, p, err := f.svc.Login(ctx, "  Nguyen.Van.A ", password, client)
		if err != nil {
			t.Fatal(err)
		}
		want := &authz.Principal{Kind: authz.Official, ID: acc.ID, Username: "nguyen.van.a", Name: "Cán bộ nguyen.van.a",
			AgencyID: f.justiceUnit.ID, AgencyCode: "H26.12.01", AgencyName: "Phòng Hành chính tư pháp",
			Grants: []authz.Grant{
				{Role: authz.Leader, AgencyID: f.justice.ID, AgencyCode: "H26.12", AgencyPath: f.justice.Path, Subtree: true},
				{Role: authz.Specialist, AgencyID: f.justiceUnit.ID, AgencyCode: "H26.12.01", AgencyPath: f.justiceUnit.Path},
			}}
		sortGrants := func(p *authz.Principal) *authz.Principal {
			c := *p
			c.Grants = slices.Clone(p.Grants)
			slices.SortFunc(c.Grants, func(a, b authz.Grant) int { return strings.Compare(string(a.Role), string(b.Role)) })
			return &c
		}
		if diff := cmp.Diff(want, sortGrants(p)); diff != "" {
			t.Errorf("Login principal (-want +got):\n%s", diff)
		}
		if len(tok) < 40 {
			t.Errorf("session token %q is short", tok)
		}
		sp, err := f.svc.SessionPrincipal(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, sortGrants(sp)); diff != "" {
			t.Errorf("SessionPrincipal (-want +got):\n%s", diff)
		}
		// The grants carry paths, so authorisation needs no lookups.
		if !authz.Can(sp, authz.BackOffice, authz.Object{AgencyPath: f.justiceUnit.Path}) ||
			!authz.Can(sp, authz.ReadCitizen, authz.Object{AgencyPath: f.justiceUnit.Path}) ||
			authz.Can(sp, authz.ManageAccounts, authz.Object{AgencyPath: f.justiceUnit.Path}) {
			t.Error("the session principal's grants do not authorise as they should")
		}

		// The session row holds the token's hash, the client and the expiry.
		var hash, ip, ua string
		var created, seen, expires db.Time
		if err := f.d.QueryRowContext(ctx, `SELECT token_hash, ip, user_agent, created_at, last_seen_at, expires_at FROM sessions`).
			Scan(&hash, &ip, &ua, &created, &seen, &expires); err != nil {
			t.Fatal(err)
		}
		if hash == tok || strings.Contains(hash, tok) || ip != "10.1.2.3" || len(ua) != 300 ||
			!created.Equal(f.clk.Now()) || !seen.Equal(f.clk.Now()) || !expires.Equal(f.clk.Now().Add(12*time.Hour)) {
			t.Errorf("session row: hash %q ip %q ua %d bytes, created %v seen %v expires %v", hash, ip, len(ua), created, seen, expires)
		}
		if r := f.lastAudit(); r.Action != "auth.login" || r.ActorKind != "account" || r.ActorID != acc.ID || r.ObjectID != "nguyen.van.a" {
			t.Errorf("audit %+v", r)
		}

		// Every failure looks the same from outside.
		records := f.rows("audit_log")
		var first string
		for _, c := range []struct{ name, user, pw string }{
			{"wrong password", "nguyen.van.a", wrong},
			{"unknown user", "khong.ton.tai", password},
			{"empty password", "nguyen.van.a", ""},
			{"password of another case", "nguyen.van.a", strings.ToUpper(password)},
			{"system account", sys.Username, password},
			{"empty username", "", password},
		} {
			tok, p, err := f.svc.Login(ctx, c.user, c.pw, office)
			wantErr(t, err, errs.Unauthenticated, "auth.bad_credentials")
			if tok != "" || p != nil {
				t.Errorf("%s: token %q principal %+v alongside the error", c.name, tok, p)
			}
			msg := err.Error()
			if first == "" {
				first = msg
			} else if msg != first {
				t.Errorf("%s: error %q differs from %q", c.name, msg, first)
			}
		}
		if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login_failed'`); n != 6 || f.rows("audit_log") != records+6 {
			t.Errorf("%d auth.login_failed records, want 6", n)
		}
		if n := f.rows("sessions"); n != 1 {
			t.Errorf("%d sessions after failed logins, want 1", n)
		}

		for _, bad := range []string{"", "not-a-token", tok + "x", strings.ToUpper(tok)} {
			p, err := f.svc.SessionPrincipal(ctx, bad)
			wantErr(t, err, errs.Unauthenticated, "")
			if p.Authenticated() {
				t.Errorf("SessionPrincipal(%q) = %+v", bad, p)
			}
		}
		f.verifyAudit()
	})
}

func TestLoginLockout(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		ctx := f.ctx
		f.account("nguyen.van.a", "H26.12.01")
		f.account("tran.thi.b", "H26.12.01")
		for range 4 {
			_, _, err := f.svc.Login(ctx, "nguyen.van.a", wrong, office)
			wantErr(t, err, errs.Unauthenticated, "auth.bad_credentials")
			f.clk.Advance(time.Second)
		}
		// The fifth failure is still answered as a failure, and locks.
		_, _, err := f.svc.Login(ctx, "nguyen.van.a", wrong, office)
		wantErr(t, err, errs.Unauthenticated, "auth.bad_credentials")
		lockEnd := f.clk.Now().Add(15 * time.Minute)

		locked := func(user, pw string, c identity.Client) {
			t.Helper()
			_, _, err := f.svc.Login(ctx, user, pw, c)
			wantErr(t, err, errs.RateLimited, "auth.locked")
			_, args := errs.MessageKey(err)
			if len(args) != 1 {
				t.Fatalf("lock message arguments %v, want the end of the lock", args)
			}
			if until, ok := args[0].(time.Time); !ok || !until.Equal(lockEnd) {
				t.Errorf("lock ends %v, want %v", args[0], lockEnd)
			}
		}
		records := f.rows("audit_log")
		locked("nguyen.van.a", password, office)                            // the right password
		locked(" NGUYEN.VAN.A", password, office)                           // another spelling
		locked("nguyen.van.a", password, identity.Client{IP: "192.0.2.77"}) // another address
		locked("nguyen.van.a", wrong, office)                               // more guessing
		f.clk.Advance(15*time.Minute - time.Microsecond)
		locked("nguyen.van.a", password, office)
		if n := f.rows("audit_log"); n != records {
			t.Errorf("attempts refused by the lock wrote %d audit records", n-records)
		}
		// The lock is the account's: another account at the same desk signs in.
		f.login("tran.thi.b", password, office)

		f.clk.Advance(time.Microsecond) // exactly the end of the lock
		if !f.clk.Now().Equal(lockEnd) {
			t.Fatalf("clock %v, want %v", f.clk.Now(), lockEnd)
		}
		tok, _ := f.login("nguyen.van.a", password, office)
		if _, err := f.svc.SessionPrincipal(ctx, tok); err != nil {
			t.Error(err)
		}
		// Success clears the account's count: four more failures do not lock.
		for range 4 {
			_, _, err := f.svc.Login(ctx, "nguyen.van.a", wrong, office)
			wantErr(t, err, errs.Unauthenticated, "")
		}
		f.login("nguyen.van.a", password, office)
		f.verifyAudit()
	})
}

func TestLoginFailureWindow(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		ctx := f.ctx
		f.account("nguyen.van.a", "H26.12.01")
		fail := func(n int) {
			t.Helper()
			for range n {
				_, _, err := f.svc.Login(ctx, "nguyen.van.a", wrong, office)
				wantErr(t, err, errs.Unauthenticated, "auth.bad_credentials")
			}
		}
		failures := func() (int, int64) {
			t.Helper()
			var n int
			var until int64
			if err := f.d.QueryRowContext(ctx, `SELECT failures, locked_until FROM login_throttle WHERE key = 'user:nguyen.van.a'`).Scan(&n, &until); err != nil {
				t.Fatal(err)
			}
			return n, until
		}
		fail(4)
		// Failures older than the 15-minute window are forgotten.
		f.clk.Advance(15*time.Minute + time.Second)
		fail(4)
		if n, until := failures(); n != 4 || until != 0 {
			t.Errorf("after 4 + 4 failures in two windows: failures %d, locked until %d; want 4, 0", n, until)
		}
		fail(1)
		_, _, err := f.svc.Login(ctx, "nguyen.van.a", password, office)
		wantErr(t, err, errs.RateLimited, "auth.locked")
	})
}

func TestIPThrottle(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		ctx := f.ctx
		f.account("nguyen.van.a", "H26.12.01")
		attacker := identity.Client{IP: "203.0.113.9", UserAgent: "curl"}
		// 30 failures from one address, one per username: no account lock.
		for i := range 30 {
			_, _, err := f.svc.Login(ctx, fmt.Sprintf("doan.%02d", i), wrong, attacker)
			wantErr(t, err, errs.Unauthenticated, "auth.bad_credentials")
		}
		lockEnd := f.clk.Now().Add(15 * time.Minute)
		_, _, err := f.svc.Login(ctx, "nguyen.van.a", password, attacker)
		wantErr(t, err, errs.RateLimited, "auth.locked")
		if _, args := errs.MessageKey(err); len(args) != 1 || !args[0].(time.Time).Equal(lockEnd) {
			t.Errorf("lock message arguments %v, want %v", args, lockEnd)
		}
		// Another address is not affected, and neither is the account.
		f.login("nguyen.van.a", password, office)
		f.clk.Advance(15 * time.Minute)
		f.login("nguyen.van.a", password, attacker)
	})
}

func TestIPThrottleConfigured(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		f.account("nguyen.van.a", "H26.12.01")
		for _, u := range []string{"a1", "a2"} {
			_, _, err := f.svc.Login(f.ctx, u, wrong, office)
			wantErr(t, err, errs.Unauthenticated, "")
		}
		_, _, err := f.svc.Login(f.ctx, "nguyen.van.a", password, office)
		wantErr(t, err, errs.RateLimited, "auth.locked")
		f.clk.Advance(time.Minute)
		f.login("nguyen.van.a", password, office)
	}, func(c *identity.Config) {
		c.IPThrottle = identity.ThrottlePolicy{MaxFailures: 2, Window: time.Minute, Lockout: time.Minute}
	})
}

func TestSessionExpiry(t *testing.T) {
	for _, pol := range []identity.SessionPolicy{identity.DefaultSessionPolicy, {Idle: 10 * time.Minute, Absolute: time.Hour}} {
		t.Run(fmt.Sprintf("idle %v absolute %v", pol.Idle, pol.Absolute), func(t *testing.T) {
			run(t, func(t *testing.T, f *fixture) {
				ctx := f.ctx
				f.account("nguyen.van.a", "H26.12.01")
				alive := func(tok string, want bool) {
					t.Helper()
					p, err := f.svc.SessionPrincipal(ctx, tok)
					switch {
					case want && err != nil:
						t.Fatalf("at +%v: %v, want a live session", f.clk.Now().Sub(time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)), err)
					case !want && (err == nil || p.Authenticated()):
						t.Fatalf("at +%v: session alive, want it expired", f.clk.Now().Sub(time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)))
					case !want:
						wantErr(t, err, errs.Unauthenticated, "auth.session_expired")
					}
				}
				// Idle: each request restarts the idle clock; a long pause ends it.
				tok, _ := f.login("nguyen.van.a", password, office)
				f.clk.Advance(pol.Idle - time.Minute)
				alive(tok, true)
				f.clk.Advance(pol.Idle - time.Minute)
				alive(tok, true)
				f.clk.Advance(pol.Idle + time.Second)
				alive(tok, false)
				if n := f.rows("sessions"); n != 0 {
					t.Errorf("%d sessions left after the idle expiry", n)
				}

				// Absolute: a session in constant use still ends.
				start := f.clk.Now()
				tok, _ = f.login("nguyen.van.a", password, office)
				for f.clk.Now().Add(pol.Idle / 2).Before(start.Add(pol.Absolute)) {
					f.clk.Advance(pol.Idle / 2)
					alive(tok, true)
				}
				f.clk.Advance(start.Add(pol.Absolute).Sub(f.clk.Now()) - time.Microsecond)
				alive(tok, true)
				f.clk.Advance(time.Microsecond)
				alive(tok, false)
			}, func(c *identity.Config) { c.Sessions = pol })
		})
	}
}

// TestSessionTouch checks that the last-seen time is written at most once
// a minute, so that page views do not each become a write.
func TestSessionTouch(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		f.account("nguyen.van.a", "H26.12.01")
		tok, _ := f.login("nguyen.van.a", password, office)
		t0 := f.clk.Now()
		seen := func() time.Time {
			var s db.Time
			if err := f.d.QueryRowContext(f.ctx, `SELECT last_seen_at FROM sessions`).Scan(&s); err != nil {
				t.Fatal(err)
			}
			return s.Time
		}
		f.clk.Advance(30 * time.Second)
		if _, err := f.svc.SessionPrincipal(f.ctx, tok); err != nil {
			t.Fatal(err)
		}
		if !seen().Equal(t0) {
			t.Errorf("last seen %v after 30 s, want still %v", seen(), t0)
		}
		f.clk.Advance(2 * time.Minute)
		if _, err := f.svc.SessionPrincipal(f.ctx, tok); err != nil {
			t.Fatal(err)
		}
		if !seen().Equal(f.clk.Now()) {
			t.Errorf("last seen %v after 2.5 min, want %v", seen(), f.clk.Now())
		}
	})
}

func TestLogout(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		ctx := f.ctx
		acc := f.account("nguyen.van.a", "H26.12.01")
		f.account("tran.thi.b", "H26.12.01")
		desk, p := f.login("nguyen.van.a", password, office)
		phone, _ := f.login("nguyen.van.a", password, identity.Client{IP: "10.1.2.99", UserAgent: "phone"})
		laptop, _ := f.login("nguyen.van.a", password, identity.Client{IP: "10.1.2.98", UserAgent: "laptop"})
		colleague, _ := f.login("tran.thi.b", password, office)
		citizenTok, _, err := f.svc.CitizenSignIn(ctx, identity.CitizenClaims{Issuer: "https://vneid.test", Subject: "s1",
			NationalID: "001085012345", FullName: "Nguyễn Văn An"}, office)
		if err != nil {
			t.Fatal(err)
		}
		live := func(tok string, want bool) {
			t.Helper()
			_, err := f.svc.SessionPrincipal(ctx, tok)
			if (err == nil) != want {
				t.Errorf("session alive = %v (%v), want %v", err == nil, err, want)
			}
		}

		if err := f.svc.Logout(ctx, p, desk); err != nil {
			t.Fatal(err)
		}
		live(desk, false)
		live(phone, true)
		if r := f.lastAudit(); r.Action != "auth.logout" || r.ActorID != acc.ID {
			t.Errorf("audit %+v", r)
		}

		// Keep a copy of the laptop's session row, to play a sign-in that
		// another server copy commits just after the sign-out below.
		var racing struct {
			hash                   string
			created, seen, expires db.Time
			ip, ua                 string
		}
		if err := f.d.QueryRowContext(ctx, `SELECT token_hash, created_at, last_seen_at, expires_at, ip, user_agent FROM sessions WHERE user_agent = 'laptop'`).
			Scan(&racing.hash, &racing.created, &racing.seen, &racing.expires, &racing.ip, &racing.ua); err != nil {
			t.Fatal(err)
		}

		f.clk.Advance(time.Minute)
		if err := f.svc.LogoutEverywhere(ctx, p); err != nil {
			t.Fatal(err)
		}
		if _, err := f.d.ExecContext(ctx, `INSERT INTO sessions (token_hash, principal_kind, principal_id, created_at, last_seen_at, expires_at, ip, user_agent)
			VALUES (?, 'account', ?, ?, ?, ?, ?, ?)`, racing.hash, acc.ID, racing.created, racing.seen, racing.expires, racing.ip, racing.ua); err != nil {
			t.Fatal(err)
		}
		live(laptop, false) // started before "everywhere", so ended by it
		if _, err := f.d.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, racing.hash); err != nil {
			t.Fatal(err)
		}
		live(phone, false)
		live(laptop, false)
		live(colleague, true)  // another account
		live(citizenTok, true) // a citizen whose id may equal the account's
		if r := f.lastAudit(); r.Action != "auth.logout_everywhere" || r.ObjectID != "nguyen.van.a" {
			t.Errorf("audit %+v", r)
		}
		if n := f.count(`SELECT COUNT(*) FROM sessions WHERE principal_kind = 'account' AND principal_id = ?`, acc.ID); n != 0 {
			t.Errorf("%d sessions left", n)
		}
		// Signing in again at once works.
		again, _ := f.login("nguyen.van.a", password, office)
		live(again, true)

		err = f.svc.LogoutEverywhere(ctx, authz.AnonymousPrincipal)
		wantErr(t, err, errs.Unauthenticated, "")

		// A citizen's "everywhere" ends the citizen's sessions only.
		cp, err := f.svc.SessionPrincipal(ctx, citizenTok)
		if err != nil {
			t.Fatal(err)
		}
		citizen2, _, _ := f.svc.CitizenSignIn(ctx, identity.CitizenClaims{Issuer: "https://vneid.test", Subject: "s1",
			NationalID: "001085012345", FullName: "Nguyễn Văn An"}, identity.Client{IP: "10.5.5.5"})
		f.clk.Advance(time.Minute)
		if err := f.svc.LogoutEverywhere(ctx, cp); err != nil {
			t.Fatal(err)
		}
		live(citizenTok, false)
		live(citizen2, false)
		live(again, true)
		live(colleague, true)
		f.verifyAudit()
	})
}

func TestPurgeExpired(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		ctx := f.ctx
		f.account("nguyen.van.a", "H26.12.01")
		f.account("tran.thi.b", "H26.12.01")
		old, _ := f.login("nguyen.van.a", password, office) // will be idle
		if _, _, err := f.svc.Login(ctx, "ghost", wrong, identity.Client{IP: "198.51.100.1"}); err == nil {
			t.Fatal("ghost signed in")
		}
		f.clk.Advance(3 * time.Hour)
		fresh, _ := f.login("tran.thi.b", password, office)
		for range 5 {
			f.svc.Login(ctx, "nguyen.van.a", wrong, identity.Client{IP: "198.51.100.2"})
		}
		now := f.clk.Now()
		for _, fl := range []struct {
			hash    string
			expires time.Time
		}{{"expired-flow", now.Add(-time.Second)}, {"live-flow", now.Add(5 * time.Minute)}} {
			if _, err := f.d.ExecContext(ctx, `INSERT INTO oidc_flows (state_hash, verifier, nonce, expires_at) VALUES (?, 'v', 'n', ?)`, fl.hash, db.T(fl.expires)); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.svc.PurgeExpired(ctx); err != nil {
			t.Fatal(err)
		}
		keys := func(q string) []string {
			t.Helper()
			rows, err := f.d.QueryContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var s string
				rows.Scan(&s)
				out = append(out, s)
			}
			slices.Sort(out)
			return out
		}
		if diff := cmp.Diff([]string{"live-flow"}, keys(`SELECT state_hash FROM oidc_flows`)); diff != "" {
			t.Errorf("flows after purge (-want +got):\n%s", diff)
		}
		// The locked account and the address that is still counting stay;
		// the ghost's stale counters go.
		if diff := cmp.Diff([]string{"ip:198.51.100.2", "user:nguyen.van.a"}, keys(`SELECT key FROM login_throttle`)); diff != "" {
			t.Errorf("throttle rows after purge (-want +got):\n%s", diff)
		}
		if n := f.rows("sessions"); n != 1 {
			t.Errorf("%d sessions after purge, want 1", n)
		}
		if _, err := f.svc.SessionPrincipal(ctx, fresh); err != nil {
			t.Errorf("the live session was purged: %v", err)
		}
		_, err := f.svc.SessionPrincipal(ctx, old)
		wantErr(t, err, errs.Unauthenticated, "")
		// The lock survives the purge.
		_, _, err = f.svc.Login(ctx, "nguyen.van.a", password, office)
		wantErr(t, err, errs.RateLimited, "auth.locked")
	})
}

// TestConcurrentLogins signs in from several goroutines at once, as several
// server copies would: every failure must be counted exactly once, and
// every success must get a session of its own.
func TestConcurrentLogins(t *testing.T) {
	generous := identity.ThrottlePolicy{MaxFailures: 1000, Window: time.Hour, Lockout: time.Minute}
	run(t, func(t *testing.T, f *fixture) {
		ctx := f.ctx
		f.account("nguyen.van.a", "H26.12.01")
		const workers, each = 4, 5
		desk := identity.Client{IP: "10.0.0.9"}
		var wg sync.WaitGroup
		errc := make(chan error, workers*each)
		start := make(chan struct{})
		for range workers {
			wg.Go(func() {
				<-start
				for range each {
					_, _, err := f.svc.Login(ctx, "nguyen.van.a", wrong, desk)
					errc <- err
				}
			})
		}
		close(start)
		wg.Wait()
		close(errc)
		for err := range errc {
			if !errs.Is(err, errs.Unauthenticated) {
				t.Errorf("concurrent failure: %v", err)
			}
		}
		failures := func(key string) int {
			t.Helper()
			return f.count(`SELECT COALESCE(SUM(failures), 0) FROM login_throttle WHERE key = ?`, key)
		}
		if n := failures("user:nguyen.van.a"); n != workers*each {
			t.Errorf("account counter %d, want %d", n, workers*each)
		}
		if n := failures("ip:10.0.0.9"); n != workers*each {
			t.Errorf("address counter %d, want %d", n, workers*each)
		}
		if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login_failed'`); n != workers*each {
			t.Errorf("%d failure records, want %d", n, workers*each)
		}

		// Successes in parallel: distinct, working sessions.
		tokens := make([]string, 6)
		errsOK := make([]error, len(tokens))
		for i := range tokens {
			wg.Go(func() { tokens[i], _, errsOK[i] = f.svc.Login(ctx, "nguyen.van.a", password, desk) })
		}
		wg.Wait()
		seen := map[string]bool{}
		for i, tok := range tokens {
			if errsOK[i] != nil {
				t.Errorf("concurrent login %d: %v", i, errsOK[i])
				continue
			}
			if seen[tok] {
				t.Errorf("token %d issued twice", i)
			}
			seen[tok] = true
			if _, err := f.svc.SessionPrincipal(ctx, tok); err != nil {
				t.Errorf("session %d: %v", i, err)
			}
		}
		if n := failures("user:nguyen.van.a"); n != 0 {
			t.Errorf("account counter %d after successful logins, want 0", n)
		}
		if n := failures("ip:10.0.0.9"); n != workers*each {
			t.Errorf("address counter %d after successful logins, want still %d", n, workers*each)
		}
		if recs := f.verifyAudit(); recs != int64(f.rows("audit_log")) {
			t.Errorf("audit verified %d records of %d", recs, f.rows("audit_log"))
		}
	}, func(c *identity.Config) { c.AccountThrottle, c.IPThrottle = generous, generous })
}

// TestConcurrentLockout: as many failures as the limit, all at once, lock
// the account like the same failures one after another.
func TestConcurrentLockout(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		f.account("nguyen.van.a", "H26.12.01")
		// A first failure creates the counter row, so that the concurrent
		// ones below all take the row-locking path.
		_, _, err := f.svc.Login(f.ctx, "nguyen.van.a", wrong, office)
		wantErr(t, err, errs.Unauthenticated, "")
		var wg sync.WaitGroup
		start := make(chan struct{})
		results := make([]error, identity.AccountThrottle.MaxFailures-1)
		for i := range results {
			wg.Go(func() {
				<-start
				_, _, results[i] = f.svc.Login(f.ctx, "nguyen.van.a", wrong, office)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range results {
			if !errs.Is(err, errs.Unauthenticated) {
				t.Errorf("attempt %d: %v, want Unauthenticated (the lock comes with the fifth failure)", i, err)
			}
		}
		_, _, err = f.svc.Login(f.ctx, "nguyen.van.a", password, office)
		wantErr(t, err, errs.RateLimited, "auth.locked")
	})
}
