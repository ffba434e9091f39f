package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/api"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/db/dbtest"
	"github.com/motcua/motcua/internal/identity"
	"github.com/motcua/motcua/internal/locale"
	"github.com/motcua/motcua/internal/web"
)

// TestMain stops the PostgreSQL cluster that dbtest starts.
func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// The administrative-unit catalogue and the message catalogues are
// read-only and take tens of milliseconds to load: once per test binary.
var (
	sharedOnce  sync.Once
	sharedUnits *agency.AdminUnits
	sharedCat   *locale.Catalog
	sharedErr   error
)

func shared(t testing.TB) (*agency.AdminUnits, *locale.Catalog) {
	t.Helper()
	sharedOnce.Do(func() {
		sharedUnits, sharedErr = agency.LoadAdminUnits()
		if sharedErr == nil {
			sharedCat, sharedErr = locale.Load(time.FixedZone("ICT", 7*3600))
		}
	})
	if sharedErr != nil {
		t.Fatalf("loading catalogues: %v", sharedErr)
	}
	return sharedUnits, sharedCat
}

// operator is the command-line operator, who may do anything.
var operator = &authz.Principal{Kind: authz.Operator, Name: "test"}

// cheapPasswords keeps argon2id from dominating the test time; stored
// hashes carry their parameters, so sign-in works the same way.
var cheapPasswords = identity.PasswordParams{Memory: 64, Time: 1, Threads: 1}

const (
	officialUsername = "nguyenvana"
	officialPassword = "mat-khau-du-dai-cho-kiem-thu"
	citizenID        = "001090000123"
)

// env is the API served over real HTTP with the production middleware
// that matters to it: request ids (web.RequestContext) and authentication
// from a bearer token or a session cookie (web.Authenticate).
type env struct {
	t        *testing.T
	url      string
	mux      *http.ServeMux
	cat      *locale.Catalog
	agencies *agency.Service
	logs     *syncBuffer

	officialToken   string // bearer token of nguyenvana (official at H26.12)
	systemToken     string // bearer token of lgsp-hanoi (system account at H26)
	officialSession string // session cookie of nguyenvana
	citizenSession  string // session cookie of the citizen 001090000123
}

// syncBuffer is a log sink shared by concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// agencyFixtures are created in this order, deliberately not tree order,
// so that listing in tree order is something the code has to do.
var agencyFixtures = []agency.Input{
	{Code: "H29", Kind: agency.PeoplesCommittee, Tier: "province", NameVI: "Ủy ban nhân dân Thành phố Hồ Chí Minh",
		AdminUnitCode: "79", Active: true},
	{Code: "H26", Kind: agency.PeoplesCommittee, Tier: "province", NameVI: "Ủy ban nhân dân Thành phố Hà Nội",
		NameEN: "Hanoi People's Committee", ShortName: "UBND Thành phố Hà Nội", AdminUnitCode: "01",
		Address: "79 Đinh Tiên Hoàng, Hoàn Kiếm, Hà Nội", Phone: "024 3825 3536", Email: "vanphong@hanoi.gov.vn",
		WorkingHours: "08:00-12:00,13:00-17:00", Active: true},
	{Code: "H26.12", ParentCode: "H26", Kind: agency.Department, Tier: "province", NameVI: "Sở Tư pháp Thành phố Hà Nội",
		NameEN: "Hanoi Department of Justice", ShortName: "Sở Tư pháp", AdminUnitCode: "01", Active: true},
	{Code: "H26.107", ParentCode: "H26", Kind: agency.PeoplesCommittee, Tier: "commune", NameVI: "Ủy ban nhân dân Phường Ba Đình",
		AdminUnitCode: "00004", Active: true},
	{Code: "H26.03", ParentCode: "H26", Kind: agency.ServiceCentre, Tier: "province",
		NameVI: "Trung tâm Phục vụ hành chính công Thành phố Hà Nội", Active: true},
	{Code: "000.05.12.H26", ParentCode: "000.00.12.H26", Kind: agency.Unit, Tier: "province",
		NameVI: "Phòng Hành chính tư pháp", Active: false},
}

// treeOrder is the order GET /api/v1/agencies must list agencyFixtures in,
// with each agency's parent.
var treeOrder = []struct{ code, parent string }{
	{"H26", ""}, {"H26.03", "H26"}, {"H26.107", "H26"}, {"H26.12", "H26"}, {"H26.12.05", "H26.12"}, {"H29", ""},
}

// newEnv builds the fixture on a migrated database: the administrative
// units, the agencies above, an official, a system account and a citizen
// with their credentials.
func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	units, cat := shared(t)
	ctx := context.Background()
	log := audit.New(nil)
	agencies := agency.NewService(d, log, nil)
	if _, err := agencies.LoadAdminUnitsIntoDB(ctx, units); err != nil {
		t.Fatalf("LoadAdminUnitsIntoDB: %v", err)
	}
	for _, in := range agencyFixtures {
		if _, err := agencies.Create(ctx, operator, in); err != nil {
			t.Fatalf("Create(%s): %v", in.Code, err)
		}
	}
	ids := identity.NewService(d, log, agencies, identity.Config{Password: cheapPasswords})
	if _, err := ids.CreateAccount(ctx, operator, identity.AccountInput{
		Username: officialUsername, FullName: "Nguyễn Văn A", AgencyCode: "H26.12", Password: officialPassword,
		Roles: []identity.RoleInput{{Role: authz.AgencyAdmin}, {Role: authz.Specialist, AgencyCode: "H26.12.05"}},
	}); err != nil {
		t.Fatalf("CreateAccount(official): %v", err)
	}
	if _, err := ids.CreateAccount(ctx, operator, identity.AccountInput{
		Kind: "system", Username: "lgsp-hanoi", FullName: "Trục liên thông LGSP Hà Nội", AgencyCode: "H26",
		Roles: []identity.RoleInput{{Role: authz.ReceptionOfficer, AgencyCode: "H26.03"}},
	}); err != nil {
		t.Fatalf("CreateAccount(system): %v", err)
	}
	e := &env{t: t, cat: cat, agencies: agencies}
	var err error
	if e.officialToken, err = ids.CreateToken(ctx, operator, officialUsername, "test", 0); err != nil {
		t.Fatalf("CreateToken(official): %v", err)
	}
	if e.systemToken, err = ids.CreateToken(ctx, operator, "lgsp-hanoi", "test", 0); err != nil {
		t.Fatalf("CreateToken(system): %v", err)
	}
	if e.officialSession, _, err = ids.Login(ctx, officialUsername, officialPassword, identity.Client{IP: "127.0.0.1"}); err != nil {
		t.Fatalf("Login: %v", err)
	}
	if e.citizenSession, _, err = ids.CitizenSignIn(ctx, identity.CitizenClaims{Issuer: "https://vneid.test", Subject: "sub-123",
		NationalID: citizenID, FullName: "Trần Thị Bích"}, identity.Client{IP: "127.0.0.1"}); err != nil {
		t.Fatalf("CitizenSignIn: %v", err)
	}
	e.serve(d, agencies, ids)
	return e
}

// newBrokenEnv serves the API from a database that is already closed, as
// in an outage: what the API answers then must be documented too.
func newBrokenEnv(t *testing.T, engine dbtest.Engine) *env {
	t.Helper()
	_, cat := shared(t)
	d := dbtest.Open(t, engine)
	log := audit.New(nil)
	agencies := agency.NewService(d, log, nil)
	ids := identity.NewService(d, log, agencies, identity.Config{Password: cheapPasswords})
	e := &env{t: t, cat: cat, agencies: agencies,
		officialToken: "mct_0000000000000000000000000000000000", officialSession: "outage", citizenSession: "outage"}
	e.serve(d, agencies, ids)
	if err := d.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	return e
}

func engineOf(d *db.DB) dbtest.Engine {
	if d.Dialect().String() == "postgres" {
		return dbtest.Postgres
	}
	return dbtest.SQLite
}

func (e *env) serve(d *db.DB, agencies *agency.Service, ids *identity.Service) {
	units, cat := shared(e.t)
	e.logs = &syncBuffer{}
	s, err := api.New(api.Config{Agencies: agencies, Units: units, Locale: cat,
		Logger: slog.New(slog.NewTextHandler(e.logs, nil))})
	if err != nil {
		e.t.Fatalf("api.New: %v", err)
	}
	e.mux = http.NewServeMux()
	s.Register(e.mux)
	srv := httptest.NewServer(web.RequestContext(false, web.Authenticate(ids, false, web.WithNotFound(e.mux, s.NotFound))))
	e.t.Cleanup(srv.Close)
	e.url = srv.URL
}

// response is what the server answered.
type response struct {
	status int
	header http.Header
	body   []byte
}

// get sends a GET request for target (a path with its query, already
// escaped) with the headers given as name, value pairs.
func (e *env) get(t *testing.T, target string, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.url+target, nil)
	if err != nil {
		t.Fatalf("request %s: %v", target, err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", target, err)
	}
	return response{status: res.StatusCode, header: res.Header, body: body}
}

// decode unmarshals the body into v, failing on anything but one JSON
// value of the right shape.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decoding %T from %s: %v", v, r.body, err)
	}
	if dec.More() {
		t.Fatalf("trailing data after the JSON value: %s", r.body)
	}
}

func (r response) isJSON() bool {
	return strings.HasPrefix(r.header.Get("Content-Type"), "application/json")
}

// bearer and cookie build the header pairs for get.
func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }
func cookie(session string) []string {
	return []string{"Cookie", (&http.Cookie{Name: "motcua_session", Value: session}).String()}
}
