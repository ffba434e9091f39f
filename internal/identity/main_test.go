package identity_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/db/dbtest"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/identity"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// cheap keeps argon2id affordable in tests: 64 KiB, one pass.
var cheap = identity.PasswordParams{Memory: 64, Time: 1, Threads: 1}

// clock is an adjustable clock shared by the services, the audit log and
// the development identity provider.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var operator = &authz.Principal{Kind: authz.Operator, Name: "test"}

// A password long enough for ValidatePassword, with Vietnamese letters so
// that byte/rune confusion would show.
const password = "mật khẩu đủ dài 2026"

type fixture struct {
	t        *testing.T
	ctx      context.Context
	d        *db.DB
	clk      *clock
	log      *audit.Log
	agencies *agency.Service
	svc      *identity.Service

	// The organisation: H26 › H26.12 (justice) › H26.12.01 (justice unit),
	// and H26 › H26.05 (construction).
	root, justice, justiceUnit, construction agency.Agency
}

func setup(t *testing.T, d *db.DB, configure ...func(*identity.Config)) *fixture {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)}
	log := audit.New(clk.Now)
	f := &fixture{t: t, ctx: context.Background(), d: d, clk: clk, log: log, agencies: agency.NewService(d, log, clk.Now)}
	cfg := identity.Config{Password: cheap, Now: clk.Now}
	for _, c := range configure {
		c(&cfg)
	}
	f.svc = identity.NewService(d, log, f.agencies, cfg)
	mk := func(code, parent string, kind agency.Kind, name string) agency.Agency {
		a, err := f.agencies.Create(f.ctx, operator, agency.Input{Code: code, ParentCode: parent, Kind: kind, Tier: "province", NameVI: name, Active: true})
		if err != nil {
			t.Fatalf("create agency %s: %v", code, err)
		}
		return a
	}
	f.root = mk("H26", "", agency.PeoplesCommittee, "Ủy ban nhân dân Thành phố Hà Nội")
	f.justice = mk("H26.12", "H26", agency.Department, "Sở Tư pháp")
	f.justiceUnit = mk("H26.12.01", "H26.12", agency.Unit, "Phòng Hành chính tư pháp")
	f.construction = mk("H26.05", "H26", agency.Department, "Sở Xây dựng")
	return f
}

func role(r authz.Role, at string) identity.RoleInput {
	return identity.RoleInput{Role: r, AgencyCode: at}
}

// account creates an official with the password above, by the operator.
func (f *fixture) account(username, agencyCode string, roles ...identity.RoleInput) identity.Account {
	f.t.Helper()
	a, err := f.svc.CreateAccount(f.ctx, operator, identity.AccountInput{
		Username: username, FullName: "Cán bộ " + username, AgencyCode: agencyCode, Roles: roles, Password: password,
	})
	if err != nil {
		f.t.Fatalf("CreateAccount(%s): %v", username, err)
	}
	return a
}

var office = identity.Client{IP: "10.1.2.3", UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"}

// login signs in and fails the test if that does not work.
func (f *fixture) login(username, pw string, c identity.Client) (string, *authz.Principal) {
	f.t.Helper()
	tok, p, err := f.svc.Login(f.ctx, username, pw, c)
	if err != nil {
		f.t.Fatalf("Login(%s): %v", username, err)
	}
	return tok, p
}

// principal logs the account in and returns its principal.
func (f *fixture) principal(username string) *authz.Principal {
	f.t.Helper()
	_, p := f.login(username, password, identity.Client{IP: "10.9.9.9", UserAgent: "setup"})
	return p
}

func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.d.QueryRowContext(f.ctx, query, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (f *fixture) rows(table string) int {
	f.t.Helper()
	return f.count(`SELECT COUNT(*) FROM ` + table)
}

func (f *fixture) verifyAudit() int64 {
	f.t.Helper()
	res, err := f.log.Verify(f.ctx, f.d)
	if err != nil {
		f.t.Fatalf("audit Verify: %v", err)
	}
	if !res.OK {
		f.t.Errorf("audit chain broken: %+v", res)
	}
	return res.Records
}

// lastAudit returns the newest audit record.
func (f *fixture) lastAudit() audit.Record {
	f.t.Helper()
	rs, err := f.log.Recent(f.ctx, f.d, 1)
	if err != nil || len(rs) != 1 {
		f.t.Fatalf("Recent: %v, %v", rs, err)
	}
	return rs[0]
}

// wantErr checks err's kind and message key.
func wantErr(t *testing.T, err error, kind errs.Kind, key string) {
	t.Helper()
	if err == nil || errs.KindOf(err) != kind {
		t.Fatalf("error = %v, want kind %v", err, kind)
	}
	if k, _ := errs.MessageKey(err); key != "" && k != key {
		t.Fatalf("error = %v, want message %q", err, key)
	}
}

func fieldKeys(t *testing.T, err error) map[string]string {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.Invalid {
		t.Fatalf("error = %v, want an Invalid *errs.Error", err)
	}
	out := map[string]string{}
	for k, m := range e.Fields {
		out[k] = m.Key
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// run is dbtest.Run with the fixture built.
func run(t *testing.T, fn func(t *testing.T, f *fixture), configure ...func(*identity.Config)) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) { fn(t, setup(t, d, configure...)) })
}
