package dossier_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/agency"
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
	"github.com/motcua/motcua/internal/notify"
	"github.com/motcua/motcua/internal/report"
)

// cheapPasswords keeps argon2id affordable in tests.
var cheapPasswords = identity.PasswordParams{Memory: 64, Time: 1, Threads: 1}

// The procedures of the demo catalogue the tests use.
const (
	khaiSinh  = "1.001193" // birth registration: 1 working day, reception → specialist → unit head → leader → reception
	dangKyLai = "1.004884" // re-registration of a birth: 5 working days
	chungThuc = "2.000815" // certified copies: at the counter only
	dnTuNhan  = "2.001610" // private enterprise: received by H26.01, processed by H26.15
)

// The demo agencies the tests use.
const (
	baDinhCentre = "H26.50.01" // receiving desk of Ba Đình ward
	baDinh       = "H26.50"    // its People's Committee, the processing agency
	hoanKiem     = "H26.51.01" // another ward's desk
)

var vn = calendar.VietnamLocation()

// at is a wall-clock time in Hà Nội.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, vn)
	if err != nil {
		panic(err)
	}
	return t
}

func show(t time.Time) string {
	if t.IsZero() {
		return "(zero)"
	}
	return t.In(vn).Format("2006-01-02 15:04 Mon")
}

// clock is the injected clock, safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// blobSizes adapts the blob store to the service, as internal/app does.
type blobSizes struct{ s blob.Store }

func (b blobSizes) Size(ctx context.Context, sum string) (int64, error) {
	i, err := b.s.Stat(ctx, sum)
	return i.Size, err
}

// notice is a notification the applicant was sent.
type notice struct {
	Topic string
	Code  string
	Extra map[string]any
}

// notifier does what internal/app's dossierNotifier does (renders the
// message of the topic and writes it into the outbox inside the event's
// transaction; a dossier without a code yet is named by its number) and
// also remembers, once the transaction has committed, what it was asked
// to send.
type notifier struct {
	agencies *agency.Service
	now      func() time.Time
	mu       sync.Mutex
	sent     []notice
}

func (n *notifier) Notify(ctx context.Context, tx *db.Tx, topic string, d *dossier.Dossier, extra map[string]any) error {
	data := notify.TemplateData{Code: d.Code, ProcedureName: d.ProcedureName, DueDate: d.DueAt}
	if d.Code != "" {
		data.LookupURL = "https://motcua.test/lookup?code=" + url.QueryEscape(d.Code)
	} else {
		// Refused or sent back at reception: no code was given.
		data.Code = "#" + strconv.FormatInt(d.ID, 10)
	}
	if a, err := n.agencies.Get(ctx, d.ProcessingAgency); err == nil {
		data.AgencyName = a.NameVI
	}
	if r, ok := extra["reason"].(string); ok {
		data.Reason = r
	}
	if m, ok := extra["missing"].([]string); ok {
		data.Items = m
	}
	if amt, ok := extra["amount"].(int64); ok {
		data.Amount = amt
	}
	subject, body, err := notify.Render(topic, data)
	if err != nil {
		return err
	}
	msg := notify.Message{Channel: notify.ChannelSink, Recipient: d.Applicant.FullName, Subject: subject, Body: body, Topic: topic, Ref: data.Code}
	if err := notify.Enqueue(ctx, tx, msg, n.now()); err != nil {
		return err
	}
	rec := notice{Topic: topic, Code: d.Code, Extra: extra}
	tx.AfterCommit(func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		n.sent = append(n.sent, rec)
	})
	return nil
}

// topics lists the topics sent about the dossier with the code, in order.
func (n *notifier) topics(code string) []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, s := range n.sent {
		if s.Code == code {
			out = append(out, s.Topic)
		}
	}
	return out
}

func (n *notifier) last() notice {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.sent) == 0 {
		return notice{}
	}
	return n.sent[len(n.sent)-1]
}

var operator = &authz.Principal{Kind: authz.Operator, Name: "test"}

// env is the whole platform around the dossier service, with real
// dependencies: the demo agencies and officials, the demo catalogue, the
// shipped holidays, a disk blob store and the outbox.
type env struct {
	t        *testing.T
	ctx      context.Context
	d        *db.DB
	engine   string
	clk      *clock
	log      *audit.Log
	agencies *agency.Service
	catalog  *catalog.Service
	cals     *calendar.Service
	ids      *identity.Service
	blobs    *blob.Disk
	notes    *notifier
	svc      *dossier.Service
	stats    *report.Service
	officers map[string]*authz.Principal // demo officials by username
	citizens int
}

// start is a Monday without holidays nearby.
var start = at("2026-03-02 08:30")

func newEnv(t *testing.T, d *db.DB, cfg ...func(*dossier.Config)) *env {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: start}
	log := audit.New(clk.Now)
	e := &env{t: t, ctx: ctx, d: d, engine: d.Dialect().String(), clk: clk, log: log, officers: map[string]*authz.Principal{}}
	e.agencies = agency.NewService(d, log, clk.Now)
	e.ids = identity.NewService(d, log, e.agencies, identity.Config{Password: cheapPasswords, Now: clk.Now})
	e.catalog = catalog.NewService(d, log, e.agencies, clk.Now)
	e.cals = calendar.NewService(d, log, e.agencies, nil, clk.Now)
	var err error
	if e.blobs, err = blob.NewDisk(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.blobs.Close() })
	e.notes = &notifier{agencies: e.agencies, now: clk.Now}
	c := dossier.Config{Now: clk.Now}
	for _, f := range cfg {
		f(&c)
	}
	e.svc = dossier.NewService(d, log, e.catalog, e.agencies, e.cals, blobSizes{e.blobs}, e.notes, c)
	e.svc.SetFacts(report.NewRecorder(vn))
	e.stats = report.NewService(d, e.agencies, vn, clk.Now)
	e.stats.SetAudit(log)
	e.stats.SetOfficials(e.ids)
	// Whatever a test did, the audit chain must still hold at its end.
	t.Cleanup(func() { e.verifyAudit() })
	for i, a := range demo.Accounts {
		_, p, err := e.ids.Login(ctx, a.Username, demo.Password, identity.Client{IP: "10.0.0." + strconv.Itoa(i+1), UserAgent: "test"})
		if err != nil {
			t.Fatalf("Login(%s): %v", a.Username, err)
		}
		e.officers[a.Username] = p
	}
	return e
}

// run runs fn on both engines, each with its own copy of the platform.
func run(t *testing.T, fn func(t *testing.T, e *env), cfg ...func(*dossier.Config)) {
	t.Helper()
	for _, engine := range []dbtest.Engine{dbtest.SQLite, dbtest.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel() // each engine has its own database
			fn(t, newEnv(t, openFixture(t, engine), cfg...))
		})
	}
}

// official returns the principal of a demo official.
func (e *env) official(username string) *authz.Principal {
	e.t.Helper()
	p, ok := e.officers[username]
	if !ok {
		e.t.Fatalf("no demo official %q", username)
	}
	return p
}

// account creates an official holding role at the agency and signs them in.
func (e *env) account(username, agencyCode string, roles ...authz.Role) *authz.Principal {
	e.t.Helper()
	in := identity.AccountInput{Username: username, FullName: "Cán bộ " + username, AgencyCode: agencyCode, Password: demo.Password}
	for _, r := range roles {
		in.Roles = append(in.Roles, identity.RoleInput{Role: r})
	}
	if _, err := e.ids.CreateAccount(e.ctx, operator, in); err != nil {
		e.t.Fatalf("CreateAccount(%s): %v", username, err)
	}
	_, p, err := e.ids.Login(e.ctx, username, demo.Password, identity.Client{IP: "10.0.1.1", UserAgent: "test"})
	if err != nil {
		e.t.Fatalf("Login(%s): %v", username, err)
	}
	e.officers[username] = p
	return p
}

// citizen signs a new citizen in through the identity service.
func (e *env) citizen(name string) *authz.Principal {
	e.t.Helper()
	e.citizens++
	nid := "0010900" + strings.Repeat("0", 5-len(strconv.Itoa(e.citizens))) + strconv.Itoa(e.citizens)
	_, p, err := e.ids.CitizenSignIn(e.ctx, identity.CitizenClaims{Issuer: "https://vneid.test", Subject: "sub-" + nid, NationalID: nid,
		FullName: name}, identity.Client{IP: "192.0.2.1"})
	if err != nil {
		e.t.Fatalf("CitizenSignIn: %v", err)
	}
	return p
}

// agency returns a demo agency by code.
func (e *env) agency(code string) agency.Agency {
	e.t.Helper()
	a, err := e.agencies.ByCode(e.ctx, code)
	if err != nil {
		e.t.Fatalf("agency %s: %v", code, err)
	}
	return a
}

// put stores content in the blob store and returns its sum.
func (e *env) put(content string) string {
	e.t.Helper()
	info, err := e.blobs.Put(e.ctx, strings.NewReader(content), 1<<20)
	if err != nil {
		e.t.Fatal(err)
	}
	return info.SHA256
}

// birth is a complete online application for a birth registration at the
// Ba Đình desk.
func (e *env) birth(child string) dossier.Application {
	e.t.Helper()
	return dossier.Application{
		ProcedureCode: khaiSinh, CaseCode: "TH1", AgencyCode: baDinhCentre,
		Applicant: dossier.Applicant{FullName: "Nguyễn Văn An", Email: "an@example.test"},
		Form: map[string]string{
			"ho_ten_tre": child, "ngay_sinh_tre": "2026-02-20", "gioi_tinh_tre": "Nữ", "noi_sinh_tre": "Bệnh viện Phụ sản Hà Nội",
			"ho_ten_me": "Trần Thị Bình", "quan_he": "Cha", "ho_ten_nguoi_yeu_cau": "Nguyễn Văn An", "so_dinh_danh": "001090012345",
			"noi_cu_tru": "Phường Ba Đình, Hà Nội",
		},
		Files: []dossier.FileRef{{ComponentCode: "TK", SHA256: e.put("tờ khai " + child), Name: "to-khai.pdf", ContentType: "application/pdf"}},
	}
}

// reRegistration is a complete application for re-registering a birth
// (5 working days) at the Ba Đình desk.
func (e *env) reRegistration(who string) dossier.Application {
	e.t.Helper()
	return dossier.Application{
		ProcedureCode: dangKyLai, CaseCode: "TH1", AgencyCode: baDinhCentre,
		Applicant: dossier.Applicant{FullName: who},
		Form: map[string]string{
			"ho_ten_nguoi_duoc_dk": who, "ngay_sinh": "1990-05-01", "so_dinh_danh": "001090054321", "noi_dk_truoc_day": "UBND xã Yên Sở",
			"nam_dk_truoc_day": "1990", "noi_cu_tru": "Phường Ba Đình, Hà Nội",
		},
		Files: []dossier.FileRef{
			{ComponentCode: "TK", SHA256: e.put("tờ khai " + who), Name: "to-khai.pdf", ContentType: "application/pdf"},
			{ComponentCode: "BSGKS", SHA256: e.put("bản sao " + who), Name: "ban-sao.pdf", ContentType: "application/pdf"},
			{ComponentCode: "CAMDOAN", SHA256: e.put("cam đoan " + who), Name: "cam-doan.pdf", ContentType: "application/pdf"},
		},
	}
}

var keys atomic.Int64

// submit files an application at the clock's time with a fresh key.
func (e *env) submit(p *authz.Principal, a dossier.Application) dossier.Dossier {
	e.t.Helper()
	d, err := e.svc.Submit(e.ctx, p, a, "key-"+strconv.FormatInt(keys.Add(1), 10))
	if err != nil {
		e.t.Fatalf("Submit: %v", err)
	}
	return d
}

// do takes an action that must succeed, with the dossier's current version,
// at the clock's time; d is updated.
func (e *env) do(p *authz.Principal, d *dossier.Dossier, a dossier.Action, in dossier.Input) {
	e.t.Helper()
	in.Version = d.Version
	got, err := e.svc.Act(e.ctx, p, d.ID, a, in)
	if err != nil {
		e.t.Fatalf("%s by %s at %s: %v", a, p.Name, show(e.clk.Now()), err)
	}
	*d = got
}

// try takes an action with the dossier's current version and returns the error.
func (e *env) try(p *authz.Principal, d dossier.Dossier, a dossier.Action, in dossier.Input) error {
	e.t.Helper()
	in.Version = d.Version
	_, err := e.svc.Act(e.ctx, p, d.ID, a, in)
	return err
}

// accepted submits an application an hour before acceptedAt and has the
// Ba Đình desk accept it at acceptedAt.
func (e *env) accepted(p *authz.Principal, a dossier.Application, acceptedAt time.Time) dossier.Dossier {
	e.t.Helper()
	return e.acceptedBy(e.official("badinh.tiepnhan"), p, a, acceptedAt)
}

// acceptedBy is accepted at another desk.
func (e *env) acceptedBy(desk, p *authz.Principal, a dossier.Application, acceptedAt time.Time) dossier.Dossier {
	e.t.Helper()
	e.clk.Set(acceptedAt.Add(-time.Hour))
	id := e.submit(p, a).ID
	e.clk.Set(acceptedAt)
	d := e.get(desk, id) // the desk opens the dossier from its inbox
	e.do(desk, &d, dossier.Accept, dossier.Input{})
	return d
}

// advance moves a dossier of a five-step process (reception, specialist,
// unit head, leader, reception) on by one step, with the Ba Đình officials.
func (e *env) advance(d *dossier.Dossier) {
	e.t.Helper()
	switch d.Step {
	case 1:
		e.do(e.official("badinh.chuyenvien"), d, dossier.Forward, dossier.Input{Comment: "Hồ sơ hợp lệ"})
	case 2:
		e.do(e.official("badinh.truongphong"), d, dossier.Approve, dossier.Input{})
	case 3:
		e.do(e.official("badinh.lanhdao"), d, dossier.Sign, dossier.Input{})
	default:
		e.t.Fatalf("advance from step %d", d.Step)
	}
}

// issue takes a dossier through the rest of its process and issues the
// result at the clock's time.
func (e *env) issue(d *dossier.Dossier) {
	e.t.Helper()
	for d.Step < 4 {
		e.advance(d)
	}
	e.do(e.official("badinh.tiepnhan"), d, dossier.IssueResult, dossier.Input{
		Files: []dossier.FileRef{{SHA256: e.put("kết quả " + d.Code), Name: "trich-luc.pdf", ContentType: "application/pdf"}}})
}

// get reads a dossier as p, which must be allowed to.
func (e *env) get(p *authz.Principal, id int64) dossier.Dossier {
	e.t.Helper()
	d, err := e.svc.Get(e.ctx, p, id)
	if err != nil {
		e.t.Fatalf("Get(%d): %v", id, err)
	}
	return d
}

func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.d.QueryRowContext(e.ctx, query, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (e *env) rows(table string) int {
	e.t.Helper()
	return e.count(`SELECT COUNT(*) FROM ` + table)
}

func (e *env) exec(query string, args ...any) {
	e.t.Helper()
	if _, err := e.d.ExecContext(e.ctx, query, args...); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
}

// verifyAudit checks the audit chain and returns its length.
func (e *env) verifyAudit() int64 {
	e.t.Helper()
	res, err := e.log.Verify(e.ctx, e.d)
	if err != nil {
		e.t.Fatalf("audit Verify: %v", err)
	}
	if !res.OK {
		e.t.Errorf("audit chain broken: %+v", res)
	}
	return res.Records
}

// wantErr checks err's kind and, unless key is "", its message key.
func wantErr(t *testing.T, err error, kind errs.Kind, key string) {
	t.Helper()
	if err == nil || errs.KindOf(err) != kind {
		t.Fatalf("error = %v, want kind %v (%s)", err, kind, key)
	}
	if k, _ := errs.MessageKey(err); key != "" && k != key {
		t.Fatalf("error = %v (key %q), want key %q", err, k, key)
	}
}

// fieldKeys returns the field errors of an Invalid error, field → key.
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

// event returns the last event of the action in the history.
func event(t *testing.T, d dossier.Dossier, a dossier.Action) dossier.Event {
	t.Helper()
	for i := len(d.Events) - 1; i >= 0; i-- {
		if d.Events[i].Action == string(a) {
			return d.Events[i]
		}
	}
	t.Fatalf("no %s event in %d events", a, len(d.Events))
	return dossier.Event{}
}

func ids(ds []dossier.Dossier) []int64 {
	out := make([]int64, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}
