package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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
	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/db/dbtest"
	"github.com/motcua/motcua/internal/demo"
	"github.com/motcua/motcua/internal/dossier"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/identity"
	"github.com/motcua/motcua/internal/locale"
	"github.com/motcua/motcua/internal/ratelimit"
	"github.com/motcua/motcua/internal/report"
	"github.com/motcua/motcua/internal/web"
)

// TestMain stops the PostgreSQL cluster that dbtest starts.
func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// The administrative-unit catalogue, the message catalogues and the
// shipped holidays are read-only and take tens of milliseconds to load:
// once per test binary.
var (
	sharedOnce     sync.Once
	sharedUnits    *agency.AdminUnits
	sharedCat      *locale.Catalog
	sharedHolidays []calendar.Exception
	sharedErr      error
)

func shared(t testing.TB) (*agency.AdminUnits, *locale.Catalog) {
	t.Helper()
	sharedOnce.Do(func() {
		sharedUnits, sharedErr = agency.LoadAdminUnits()
		if sharedErr == nil {
			sharedCat, sharedErr = locale.Load(time.FixedZone("ICT", 7*3600))
		}
		if sharedErr == nil {
			sharedHolidays, sharedErr = calendar.Load()
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
//
// Every response that send gets from a documented operation is checked
// against openapi.json (checkDocumented), whatever the test is about.
type env struct {
	t        *testing.T
	url      string
	mux      *http.ServeMux
	cat      *locale.Catalog
	agencies *agency.Service
	ids      *identity.Service
	catalog  *catalog.Service
	logs     *syncBuffer

	// The dossiers, their files and the public lookup's limit; the
	// dossier service's clock is clk, which tests may move.
	dossiers *dossier.Service
	reports  *report.Service // statistics, kept by the dossier service
	blobs    blob.Store
	lookups  *ratelimit.Keyed
	clk      *testClock

	officialToken   string // bearer token of nguyenvana (official at H26.12)
	systemToken     string // bearer token of lgsp-hanoi (system account at H26)
	officialSession string // session cookie of nguyenvana
	citizenSession  string // session cookie of the citizen 001090000123

	tokens map[string]string // the demo environment: bearer tokens by username

	leaderToken string // bearer token of a leader of H26.12, made on demand (leader)
}

// leader returns the bearer token of tranvanb, a leader of the
// Department of Justice H26.12, creating the account the first time:
// only periodic reports need one.
func (e *env) leader(t *testing.T) string {
	t.Helper()
	if e.leaderToken != "" {
		return e.leaderToken
	}
	ctx := context.Background()
	if _, err := e.ids.CreateAccount(ctx, operator, identity.AccountInput{Username: "tranvanb", FullName: "Trần Văn B", AgencyCode: "H26.12",
		Password: officialPassword, Roles: []identity.RoleInput{{Role: authz.Leader}}}); err != nil {
		t.Fatalf("CreateAccount(leader): %v", err)
	}
	tok, err := e.ids.CreateToken(ctx, operator, "tranvanb", "test", 0)
	if err != nil {
		t.Fatalf("CreateToken(leader): %v", err)
	}
	e.leaderToken = tok
	return tok
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

// catalogNow is the catalogue's clock in every test server, so that
// publication times are exact; it is also where the dossier service's
// clock starts (a Monday morning without holidays nearby).
var catalogNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.FixedZone("ICT", 7*3600))

func clock() time.Time { return catalogNow }

// testClock is the dossier service's clock, safe for concurrent use.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// testUpload is the upload policy of every test server: small, so that
// "too large" is cheap to send.
var testUpload = blob.Policy{MaxFile: 1 << 20, MaxDossier: 4 << 20}

// blobSizes adapts the blob store to the dossier service, as internal/app does.
type blobSizes struct{ s blob.Store }

func (b blobSizes) Size(ctx context.Context, sum string) (int64, error) {
	i, err := b.s.Stat(ctx, sum)
	return i.Size, err
}

// withDossiers gives e a dossier service on d (with the agencies' working
// calendars, holidays included when seeded) and a blob store in a
// temporary directory; the service's clock starts at catalogNow.
func (e *env) withDossiers(d *db.DB, log *audit.Log, cs *catalog.Service, holidays bool) {
	e.t.Helper()
	e.clk = &testClock{t: catalogNow}
	cals := calendar.NewService(d, log, e.agencies, nil, e.clk.Now)
	if holidays {
		_, _ = shared(e.t)
		if _, err := cals.SeedShipped(context.Background(), sharedHolidays); err != nil {
			e.t.Fatalf("SeedShipped: %v", err)
		}
	}
	disk, err := blob.NewDisk(e.t.TempDir())
	if err != nil {
		e.t.Fatalf("NewDisk: %v", err)
	}
	e.t.Cleanup(func() { disk.Close() })
	e.blobs = disk
	e.dossiers = dossier.NewService(d, log, cs, e.agencies, cals, blobSizes{disk}, nil,
		dossier.Config{MaxDossierBytes: testUpload.MaxDossier, Now: e.clk.Now})
	e.dossiers.SetFacts(report.NewRecorder(cals.Location()))
	e.reports = report.NewService(d, e.agencies, cals.Location(), e.clk.Now)
	e.reports.SetAudit(log)
}

// newEnv builds the fixture on a migrated database: the administrative
// units, the agencies above, an official, a system account and a citizen
// with their credentials, and the published catalogue fixtureCatalog.
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
	e := &env{t: t, cat: cat, agencies: agencies, ids: ids}
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
	cs := catalog.NewService(d, log, agencies, clock)
	if _, err := cs.Import(ctx, operator, fixtureCatalog(), true); err != nil {
		t.Fatalf("importing the fixture catalogue: %v", err)
	}
	e.withDossiers(d, log, cs, false)
	e.serve(cs)
	e.seedDossiers()
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
	e := &env{t: t, cat: cat, agencies: agencies, ids: ids,
		officialToken: "mct_0000000000000000000000000000000000", officialSession: "outage", citizenSession: "outage"}
	cs := catalog.NewService(d, log, agencies, clock)
	e.withDossiers(d, log, cs, false)
	e.serve(cs)
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

// newServicesOutageEnv serves the API of e with a catalogue and a dossier
// service whose database is closed and a blob store that fails, while
// sign-in keeps working, so that the writes and reads that need a
// signed-in caller reach their own failure.
func newServicesOutageEnv(t *testing.T, e *env) *env {
	t.Helper()
	closed := dbtest.Open(t, dbtest.SQLite)
	if err := closed.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	out := *e
	out.t = t
	log := audit.New(nil)
	cs := catalog.NewService(closed, log, e.agencies, clock)
	out.dossiers = dossier.NewService(closed, log, cs, e.agencies, calendar.NewService(closed, log, e.agencies, nil, nil),
		blobSizes{brokenStore{}}, nil, dossier.Config{})
	out.reports = report.NewService(closed, e.agencies, calendar.VietnamLocation(), nil)
	out.blobs = brokenStore{}
	out.lookups = ratelimit.New(1, time.Hour, 1) // one lookup per client, for the 429 case
	out.serve(cs)
	return &out
}

// brokenStore is a blob store whose disk has gone.
type brokenStore struct{}

var errDiskGone = &errs.Error{Op: "test.blobs", Kind: errs.Internal, Err: errors.New("disk gone")}

func (brokenStore) Put(context.Context, io.Reader, int64) (blob.Info, error) {
	return blob.Info{}, errDiskGone
}
func (brokenStore) Open(context.Context, string) (io.ReadSeekCloser, blob.Info, error) {
	return nil, blob.Info{}, errDiskGone
}
func (brokenStore) Stat(context.Context, string) (blob.Info, error) { return blob.Info{}, errDiskGone }
func (brokenStore) Delete(context.Context, string) error            { return errDiskGone }

// newDemoEnv builds the demonstration data set (demo.Load: Hà Nội with its
// departments, five wards and communes, officials in every role) with a
// bearer token for each demo official, and imports and publishes the demo
// catalogue of 31 real procedures through the API, as a platform
// administrator would.
func newDemoEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	units, cat := shared(t)
	ctx := context.Background()
	log := audit.New(nil)
	agencies := agency.NewService(d, log, nil)
	if _, err := agencies.LoadAdminUnitsIntoDB(ctx, units); err != nil {
		t.Fatalf("LoadAdminUnitsIntoDB: %v", err)
	}
	ids := identity.NewService(d, log, agencies, identity.Config{Password: cheapPasswords})
	if _, err := demo.Load(ctx, agencies, ids); err != nil {
		t.Fatalf("demo.Load: %v", err)
	}
	e := &env{t: t, cat: cat, agencies: agencies, ids: ids, tokens: map[string]string{}}
	for _, a := range demo.Accounts {
		tok, err := ids.CreateToken(ctx, operator, a.Username, "test", 0)
		if err != nil {
			t.Fatalf("CreateToken(%s): %v", a.Username, err)
		}
		e.tokens[a.Username] = tok
	}
	var err error
	if e.citizenSession, _, err = ids.CitizenSignIn(ctx, identity.CitizenClaims{Issuer: "https://vneid.test", Subject: "sub-123",
		NationalID: citizenID, FullName: "Trần Thị Bích"}, identity.Client{IP: "127.0.0.1"}); err != nil {
		t.Fatalf("CitizenSignIn: %v", err)
	}
	cs := catalog.NewService(d, log, agencies, clock)
	e.withDossiers(d, log, cs, true)
	e.serve(cs)
	b, err := demo.Catalog()
	if err != nil {
		t.Fatalf("demo.Catalog: %v", err)
	}
	res := e.send(t, http.MethodPost, "/api/v1/catalog/import?publish=true", b, e.as("admin")...)
	if res.status != http.StatusOK {
		t.Fatalf("importing the demo catalogue: %d %s", res.status, res.body)
	}
	var got api.ImportResult
	res.decode(t, &got)
	if want := (api.ImportResult{Fields: len(b.Fields), Procedures: len(b.Procedures), Published: len(b.Procedures)}); got != want {
		t.Fatalf("importing the demo catalogue: %+v, want %+v", got, want)
	}
	return e
}

// as returns the header pair that authenticates as a demo official.
func (e *env) as(username string) []string {
	tok, ok := e.tokens[username]
	if !ok {
		e.t.Fatalf("no demo account %q", username)
	}
	return bearer(tok)
}

// serve starts the API with the env's agencies, identities, dossiers and
// files, and the catalogue cs. Each server has its own limit of public
// lookups, generous enough for the tests.
func (e *env) serve(cs *catalog.Service) {
	units, cat := shared(e.t)
	e.logs = &syncBuffer{}
	e.catalog = cs
	if e.lookups == nil {
		e.lookups = ratelimit.New(1000, time.Minute, 200)
	}
	s, err := api.New(api.Config{Agencies: e.agencies, Units: units, Catalog: cs, Dossiers: e.dossiers, Reports: e.reports, Blobs: e.blobs,
		Upload: testUpload, LookupLimit: e.lookups, Locale: cat, Logger: slog.New(slog.NewTextHandler(e.logs, nil))})
	if err != nil {
		e.t.Fatalf("api.New: %v", err)
	}
	e.mux = http.NewServeMux()
	s.Register(e.mux)
	srv := httptest.NewServer(web.RequestContext(false, web.Authenticate(e.ids, false, web.WithNotFound(e.mux, s.NotFound))))
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
	return e.send(t, http.MethodGet, target, nil, headers...)
}

// xlsxType is the media type of an XLSX workbook.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// send sends a request and checks the response against the document when
// the request reaches a documented operation (checkDocumented). body is
// nil, raw bytes (give the Content-Type among the headers), or a value
// sent as JSON with Content-Type application/json.
func (e *env) send(t *testing.T, method, target string, body any, headers ...string) response {
	t.Helper()
	res := e.roundTrip(t, method, target, body, headers...)
	e.checkDocumented(t, method, target, res)
	return res
}

// roundTrip sends a request as send does, without checking the response.
func (e *env) roundTrip(t *testing.T, method, target string, body any, headers ...string) response {
	t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("%s %s: encoding the body: %v", method, target, err)
		}
		rd, ctype = bytes.NewReader(raw), "application/json"
	}
	req, err := http.NewRequest(method, e.url+target, rd)
	if err != nil {
		t.Fatalf("request %s %s: %v", method, target, err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if http.CanonicalHeaderKey(headers[i]) == "Content-Type" {
			req.Header.Set(headers[i], headers[i+1])
			continue
		}
		req.Header.Add(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, target, err)
	}
	return response{status: res.StatusCode, header: res.Header, body: raw}
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
