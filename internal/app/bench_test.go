package app

// The load benchmark of issue 12: submissions per second and the public
// lookup's latency at 50 clients, on SQLite and on PostgreSQL, each next to
// the raw limit of the same machine measured in the same run. It is not
// part of the ordinary test run:
//
//	MOTCUA_BENCH=1 go test -run '^TestBench$' -v -timeout 30m ./internal/app
//
// Settings (environment): MOTCUA_BENCH_ENGINES (sqlite,postgres),
// MOTCUA_BENCH_SUBMITTERS (32), MOTCUA_BENCH_SUBMISSIONS (2000),
// MOTCUA_BENCH_ACCEPTED (500), MOTCUA_BENCH_CLIENTS (50),
// MOTCUA_BENCH_LOOKUPS (20000), MOTCUA_BENCH_PROFILE (a directory: CPU and
// block profiles of each phase, and PostgreSQL wait events, go there),
// MOTCUA_BENCH_QUIET=1 (before each phase, wait until other processes
// leave the CPU and the disk: for a machine shared with other work),
// MOTCUA_BENCH_HOLD (a duration: keep the servers up that long after the
// lookups, for a cross-check with wrk). Every phase
// reports who used the CPU meanwhile, so that a figure taken on a busy
// machine shows as such.
//
// PostgreSQL is a cluster of the benchmark's own with the durable defaults
// (fsync, synchronous_commit and full_page_writes on), not dbtest's
// throwaway one, which runs with fsync off. SQLite is the server's own
// configuration (WAL, synchronous=FULL). Files go to the disk store.

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/db/dbtest"
	"github.com/motcua/motcua/internal/demo"
	"github.com/motcua/motcua/internal/dossier"
	"github.com/motcua/motcua/internal/identity"
)

type benchSettings struct {
	engines     []string
	submitters  int
	submissions int
	accepted    int
	clients     int
	lookups     int
	fileSize    int
	profileDir  string
	quiet       bool // wait for other processes to leave the CPU before each phase
}

func benchSettingsFromEnv(t *testing.T) benchSettings {
	t.Helper()
	s := benchSettings{engines: []string{"sqlite", "postgres"}, submitters: 32, submissions: 2000, accepted: 500,
		clients: 50, lookups: 20000, fileSize: 200 << 10, profileDir: os.Getenv("MOTCUA_BENCH_PROFILE"),
		quiet: os.Getenv("MOTCUA_BENCH_QUIET") == "1"}
	if v := os.Getenv("MOTCUA_BENCH_ENGINES"); v != "" {
		s.engines = strings.Split(v, ",")
	}
	for env, p := range map[string]*int{"MOTCUA_BENCH_SUBMITTERS": &s.submitters, "MOTCUA_BENCH_SUBMISSIONS": &s.submissions,
		"MOTCUA_BENCH_ACCEPTED": &s.accepted, "MOTCUA_BENCH_CLIENTS": &s.clients, "MOTCUA_BENCH_LOOKUPS": &s.lookups} {
		if v := os.Getenv(env); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				t.Fatalf("%s=%q: want a positive whole number", env, v)
			}
			*p = n
		}
	}
	s.accepted = min(s.accepted, s.submissions)
	if s.profileDir != "" {
		if err := os.MkdirAll(s.profileDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// benchReport is what one engine measured.
type benchReport struct {
	engine   string
	settings string // how the database was configured

	submit      rate    // through Policy.Accept and Service.Submit
	submitLat   latency // one whole submission (two uploads and Submit)
	uploadMean  time.Duration
	serviceMean time.Duration
	submitOnly  rate // Service.Submit alone, the attachments already stored
	rawRows     rate // the same rows, inserted directly
	rawChain    rate // the same, plus one audit chain's head row (lock, update): the single chain of old
	rawSharded  rate // the same over the log's 16 chains, as audit.Record does
	rawFiles    rate // fsynced 200 KB file writes
	storePuts   rate // blob.Disk.Put of 200 KB (fsync, rename, directory fsync)

	lookupHTML latency // GET /lookup?code= through the server's handler chain
	lookupAPI  latency // GET /api/v1/lookup/{code}, when the server has it
	apiNote    string
	bare       latency // a bare net/http JSON handler, same client
}

// rate is a phase's throughput, with who used the CPU meanwhile.
type rate struct {
	n       int
	elapsed time.Duration
	cpu     cpuShare
}

func (r rate) perSecond() float64 { return float64(r.n) / r.elapsed.Seconds() }
func (r rate) String() string {
	if r.n == 0 {
		return "—"
	}
	return fmt.Sprintf("%s/s (%d in %.2f s)\n%45s%s", thousands(r.perSecond()), r.n, r.elapsed.Seconds(), "CPU: ", r.cpu)
}

type latency struct {
	rate
	p50, p90, p99, max time.Duration
}

func (l latency) String() string {
	if l.n == 0 {
		return "—"
	}
	return fmt.Sprintf("p50 %s, p90 %s, p99 %s, max %s; %s/s over %d requests\n%45s%s", ms(l.p50), ms(l.p90), ms(l.p99), ms(l.max),
		thousands(l.perSecond()), l.n, "CPU: ", l.cpu)
}

func summarise(lat []time.Duration, elapsed time.Duration, cpu cpuShare) latency {
	s := slices.Clone(lat)
	slices.Sort(s)
	at := func(q float64) time.Duration {
		i := int(float64(len(s))*q+0.999999) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	return latency{rate: rate{n: len(s), elapsed: elapsed, cpu: cpu}, p50: at(0.50), p90: at(0.90), p99: at(0.99), max: s[len(s)-1]}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func thousands(f float64) string {
	s := strconv.FormatInt(int64(f+0.5), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// TestBench is the load benchmark; see the top of the file.
func TestBench(t *testing.T) {
	if os.Getenv("MOTCUA_BENCH") != "1" {
		t.Skip("the load benchmark runs only with MOTCUA_BENCH=1 (see docs/performance.md)")
	}
	s := benchSettingsFromEnv(t)
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(load)); len(f) > 0 {
			if l, _ := strconv.ParseFloat(f[0], 64); l > 1 {
				t.Logf("WARNING: the machine is busy (load average %s): the figures will be low; see the CPU lines of the report", f[0])
			}
		}
	}
	var reports []benchReport
	for _, e := range s.engines {
		t.Run(e, func(t *testing.T) {
			r := benchEngine(t, e, s)
			reports = append(reports, r)
		})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n=== Motcua load benchmark ===\n%s\n", machine())
	fmt.Fprintf(&b, "submitters %d, submissions %d (two %d KB PDFs each), accepted dossiers %d, lookup clients %d, lookups %d\n",
		s.submitters, s.submissions, s.fileSize>>10, s.accepted, s.clients, s.lookups)
	for _, r := range reports {
		fmt.Fprintf(&b, "\n--- %s (%s)\n", r.engine, r.settings)
		fmt.Fprintf(&b, "submissions (Policy.Accept ×2 + Submit)   %s\n", r.submit)
		fmt.Fprintf(&b, "  one submission                          p50 %s, p99 %s (uploads %s, Submit %s on average)\n",
			ms(r.submitLat.p50), ms(r.submitLat.p99), ms(r.uploadMean), ms(r.serviceMean))
		fmt.Fprintf(&b, "  Submit alone (files already stored)     %s\n", r.submitOnly)
		fmt.Fprintf(&b, "  raw: the same rows, one tx each         %s\n", r.rawRows)
		fmt.Fprintf(&b, "  raw: the same + one chain's head row    %s\n", r.rawChain)
		fmt.Fprintf(&b, "  raw: the same over the 16 audit chains  %s\n", r.rawSharded)
		fmt.Fprintf(&b, "  raw: fsynced 200 KB file writes         %s\n", r.rawFiles)
		fmt.Fprintf(&b, "  blob.Disk.Put of 200 KB                 %s\n", r.storePuts)
		fmt.Fprintf(&b, "lookup GET /lookup?code= (HTML, server)   %s\n", r.lookupHTML)
		if r.lookupAPI.n > 0 {
			fmt.Fprintf(&b, "lookup GET /api/v1/lookup/{code}          %s\n", r.lookupAPI)
		} else {
			fmt.Fprintf(&b, "lookup GET /api/v1/lookup/{code}          %s\n", r.apiNote)
		}
		fmt.Fprintf(&b, "  raw: bare net/http JSON handler         %s\n", r.bare)
	}
	gogc := debug.SetGCPercent(-1)
	debug.SetGCPercent(gogc)
	fmt.Fprintf(&b, "\nGOGC %d; peak resident memory of this process (servers, clients and all) %s\n", gogc, peakRSS())
	t.Log(b.String())
}

// benchEngine runs every measurement on one engine.
func benchEngine(t *testing.T, engine string, s benchSettings) benchReport {
	ctx := context.Background()
	data := t.TempDir()
	r := benchReport{engine: engine}
	var dsn, rawDSN string
	var pg *benchPG
	switch engine {
	case "sqlite":
		dsn, rawDSN = "sqlite:"+filepath.Join(data, "motcua.db"), "sqlite:"+filepath.Join(data, "raw.db")
		r.settings = "the server's own settings: WAL, synchronous=FULL, one writer connection; files on ext4 " + fsOf(data)
	case "postgres":
		pg = startBenchPostgres(t)
		dsn, rawDSN = pg.create(t, "motcua"), pg.create(t, "raw")
		r.settings = pg.describe(t) + "; pool of 16 connections (the server's default)"
	default:
		t.Fatalf("unknown engine %q", engine)
	}

	// The server, as "motcua serve --trust-proxy" assembles it, without the
	// background workers (deadline watch, outbox delivery, housekeeping).
	logFile, err := os.Create(filepath.Join(data, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	env := Env{Stdout: io.Discard, Stderr: logFile, Getenv: func(string) string { return "" }, Now: time.Now}
	tuneGC(os.Getenv) // as serve does: the collector's setting is the process's
	c, _, err := parse("serve", []string{"--db", dsn, "--data", data, "--trust-proxy"}, env, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := newLogger(c, logFile)
	k, err := open(ctx, c, env, log)
	if err != nil {
		t.Fatal(err)
	}
	defer k.close()
	if _, err := demo.Load(ctx, k.agencies, k.identity); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.LoadCatalog(ctx, k.catalog); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.BaseURL = "http://" + ln.Addr().String()
	h, err := k.handler(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute, WriteTimeout: 2 * time.Minute,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 1 << 20}
	go srv.Serve(ln)
	defer srv.Close()

	// 1. Submissions.
	policy := blob.Policy{MaxFile: int64(c.MaxFileMB) << 20, MaxDossier: int64(c.MaxDossierMB) << 20}
	citizens := make([]*authz.Principal, s.submitters)
	for i := range citizens {
		nid := fmt.Sprintf("0010951%05d", i+1)
		_, p, err := k.identity.CitizenSignIn(ctx, identity.CitizenClaims{Issuer: "https://vneid.bench", Subject: "bench-" + nid,
			NationalID: nid, FullName: fmt.Sprintf("Nguyễn Văn Thử %d", i+1)}, identity.Client{IP: "192.0.2.1", UserAgent: "bench"})
		if err != nil {
			t.Fatalf("CitizenSignIn: %v", err)
		}
		citizens[i] = p
	}
	pdf := benchPDF(s.fileSize)
	var seq atomic.Int64
	var uploadTotal, serviceTotal atomic.Int64
	ids := make([]int64, 0, s.submissions)
	var idsMu sync.Mutex
	submitOne := func(w int, buf []byte) (time.Duration, error) {
		n := seq.Add(1)
		rctx := audit.WithMeta(ctx, audit.Meta{RequestID: fmt.Sprintf("bench-%d", n), IP: fmt.Sprintf("192.0.2.%d", w%250+1)})
		t0 := time.Now()
		var refs []dossier.FileRef
		var used int64
		for j, comp := range []string{"TK", "GCS"} {
			stamp(buf, n, j)
			att, err := policy.Accept(rctx, k.blobs, blob.Upload{Name: strings.ToLower(comp) + ".pdf", MIME: "application/pdf",
				Body: bytes.NewReader(buf)}, used)
			if err != nil {
				return 0, fmt.Errorf("upload: %w", err)
			}
			used += att.Size
			refs = append(refs, dossier.FileRef{ComponentCode: comp, SHA256: att.SHA256, Name: att.Name, ContentType: att.Kind.MIME})
		}
		t1 := time.Now()
		d, err := k.dossiers.Submit(rctx, citizens[w], benchApplication(n, refs), "bench-"+strconv.FormatInt(n, 10))
		if err != nil {
			return 0, fmt.Errorf("submit: %w", err)
		}
		t2 := time.Now()
		uploadTotal.Add(int64(t1.Sub(t0)))
		serviceTotal.Add(int64(t2.Sub(t1)))
		idsMu.Lock()
		ids = append(ids, d.ID)
		idsMu.Unlock()
		return t2.Sub(t0), nil
	}
	perWorker := func() []byte { return slices.Clone(pdf) }
	// Warm-up: connections, caches, the first directories of the store.
	if _, err := parallel(s.submitters, min(100, s.submissions), perWorker, submitOne); err != nil {
		t.Fatalf("warm-up: %v", err)
	}
	uploadTotal.Store(0)
	serviceTotal.Store(0)
	var lat []time.Duration
	var waits *waitSampler
	var w0, w1 sql.DBStats
	r.submit = s.measure(t, pg, engine+"-submit", s.submissions, func() {
		if pg != nil && s.profileDir != "" {
			waits = sampleWaits(t, pg.DSN("postgres"), "motcua")
		}
		w0, _ = k.db.Stats()
		lat, err = parallel(s.submitters, s.submissions, perWorker, submitOne)
		w1, _ = k.db.Stats()
	})
	if waits != nil {
		t.Logf("%s: PostgreSQL wait events during the submissions:\n%s", engine, waits.stop())
	}
	if err != nil {
		t.Fatal(err)
	}
	r.submitLat = summarise(lat, r.submit.elapsed, r.submit.cpu)
	r.uploadMean = time.Duration(uploadTotal.Load() / int64(s.submissions))
	r.serviceMean = time.Duration(serviceTotal.Load() / int64(s.submissions))
	t.Logf("%s: submissions %s; write pool waited %d times, %v in all", engine, r.submit, w1.WaitCount-w0.WaitCount,
		(w1.WaitDuration - w0.WaitDuration).Round(time.Millisecond))
	if res, err := k.audit.Verify(ctx, k.db); err != nil || !res.OK {
		t.Fatalf("audit chain after the submissions: %+v %v", res, err)
	}

	// 1b. Submit alone: the same rows through the service, the two
	// attachments stored once beforehand (content-addressed, so shared).
	var shared []dossier.FileRef
	for j, comp := range []string{"TK", "GCS"} {
		buf := slices.Clone(pdf)
		stamp(buf, -1, j)
		att, err := policy.Accept(ctx, k.blobs, blob.Upload{Name: "shared.pdf", MIME: "application/pdf", Body: bytes.NewReader(buf)}, 0)
		if err != nil {
			t.Fatal(err)
		}
		shared = append(shared, dossier.FileRef{ComponentCode: comp, SHA256: att.SHA256, Name: att.Name, ContentType: att.Kind.MIME})
	}
	r.submitOnly = s.measure(t, pg, engine+"-submit-alone", s.submissions, func() {
		_, err = parallel(s.submitters, s.submissions, func() []byte { return nil }, func(w int, _ []byte) (time.Duration, error) {
			n := seq.Add(1)
			rctx := audit.WithMeta(ctx, audit.Meta{RequestID: fmt.Sprintf("bench-%d", n), IP: fmt.Sprintf("192.0.2.%d", w%250+1)})
			_, err := k.dossiers.Submit(rctx, citizens[w], benchApplication(n, shared), "bench-"+strconv.FormatInt(n, 10))
			return 0, err
		})
	})
	if err != nil {
		t.Fatal(err)
	}

	// 1c. The raw limits, with the same concurrency.
	r.rawRows, r.rawChain, r.rawSharded = rawRows(t, rawDSN, s, pg)
	r.rawFiles = rawFiles(t, filepath.Join(data, "raw-files"), s, pg, pdf)
	r.storePuts = storePuts(t, filepath.Join(data, "raw-store"), s, pg, pdf)

	// 2. Lookups over accepted dossiers, through the real handler chain.
	_, desk, err := k.identity.Login(ctx, "badinh.tiepnhan", demo.Password, identity.Client{IP: "10.255.0.1", UserAgent: "bench"})
	if err != nil {
		t.Fatalf("desk login: %v", err)
	}
	slices.Sort(ids)
	codes := make([]string, s.accepted)
	var next atomic.Int64
	if _, err := parallel(4, s.accepted, func() []byte { return nil }, func(int, []byte) (time.Duration, error) {
		i := next.Add(1) - 1
		d, err := k.dossiers.Act(ctx, desk, ids[i], dossier.Accept, dossier.Input{Version: 1})
		if err != nil {
			return 0, fmt.Errorf("accept %d: %w", ids[i], err)
		}
		codes[i] = d.Code
		return 0, nil
	}); err != nil {
		t.Fatal(err)
	}
	client := benchClient(s.clients)
	base := c.BaseURL
	htmlReq := func(i int) (*http.Request, string) {
		code := codes[i%len(codes)]
		req, _ := http.NewRequest("GET", base+"/lookup?code="+url.QueryEscape(code), nil)
		return req, code
	}
	// Each client address is used at most ten times, the limiter's burst:
	// the benchmark is many citizens behind the server's reverse proxy.
	if err := check(client, htmlReq, 0); err != nil {
		t.Fatalf("lookup page: %v", err)
	}
	r.lookupHTML = load(t, s, pg, engine+"-lookup", client, 1<<20, htmlReq)

	apiReq := func(i int) (*http.Request, string) {
		code := codes[i%len(codes)]
		req, _ := http.NewRequest("GET", base+"/api/v1/lookup/"+url.PathEscape(code), nil)
		return req, code
	}
	if err := check(client, apiReq, 2<<20); err != nil {
		r.apiNote = "not measured: " + err.Error()
	} else {
		r.lookupAPI = load(t, s, pg, engine+"-lookup-api", client, 3<<20, apiReq)
	}

	// 2b. The raw limit: a bare handler returning a small JSON document.
	bare, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	bareSrv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"code": strings.TrimPrefix(r.URL.Path, "/lookup/"), "status": "processing"})
	})}
	go bareSrv.Serve(bare)
	defer bareSrv.Close()
	bareReq := func(i int) (*http.Request, string) {
		code := codes[i%len(codes)]
		req, _ := http.NewRequest("GET", "http://"+bare.Addr().String()+"/lookup/"+url.PathEscape(code), nil)
		return req, code
	}
	r.bare = load(t, s, pg, engine+"-bare", client, 4<<20, bareReq)

	// For a cross-check with another load generator (wrk): the servers stay
	// up for a while, and the codes are in a file.
	if hold, _ := time.ParseDuration(os.Getenv("MOTCUA_BENCH_HOLD")); hold > 0 {
		list := filepath.Join(s.profileDir, engine+"-codes.txt")
		if s.profileDir == "" {
			list = filepath.Join(data, "codes.txt")
		}
		if err := os.WriteFile(list, []byte(strings.Join(codes, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: holding for %v: server %s, bare handler http://%s/lookup/CODE, codes in %s", engine, hold, base, bare.Addr(), list)
		time.Sleep(hold)
	}
	return r
}

// parallel runs total calls of fn on workers goroutines, each with its own
// state from mk, and returns every call's duration.
func parallel(workers, total int, mk func() []byte, fn func(w int, buf []byte) (time.Duration, error)) ([]time.Duration, error) {
	lat := make([]time.Duration, total)
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for w := range workers {
		wg.Go(func() {
			buf := mk()
			for {
				i := int(next.Add(1)) - 1
				if i >= total {
					return
				}
				d, err := fn(w, buf)
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					next.Store(int64(total))
					return
				}
				lat[i] = d
			}
		})
	}
	wg.Wait()
	return lat, first
}

// benchPDF is a PDF-looking file of size bytes: the magic, incompressible
// filler, the trailer. stamp makes each copy's content unique.
func benchPDF(size int) []byte {
	b := make([]byte, size)
	rand.Read(b)
	copy(b, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	copy(b[size-7:], "\n%%EOF\n")
	return b
}

func stamp(b []byte, n int64, j int) {
	copy(b[16:48], fmt.Sprintf("%020d-%02d-%08x", n, j, os.Getpid()))
}

// benchApplication is a complete online birth registration at the Ba Đình
// desk, as the portal's form sends it.
func benchApplication(n int64, files []dossier.FileRef) dossier.Application {
	return dossier.Application{
		ProcedureCode: "1.001193", CaseCode: "TH1", AgencyCode: "H26.50.01",
		Applicant: dossier.Applicant{FullName: "Nguyễn Văn Thử", Email: "thu@example.test", Phone: "0912345678"},
		Form: map[string]string{
			"ho_ten_tre": "Nguyễn Thị Bé " + strconv.FormatInt(n, 10), "ngay_sinh_tre": "2026-02-20", "gioi_tinh_tre": "Nữ",
			"noi_sinh_tre": "Bệnh viện Phụ sản Hà Nội", "ho_ten_me": "Trần Thị Bình", "quan_he": "Cha",
			"ho_ten_nguoi_yeu_cau": "Nguyễn Văn Thử", "so_dinh_danh": "001090012345", "noi_cu_tru": "Phường Ba Đình, Hà Nội",
		},
		Files: files,
	}
}

// rawRows inserts, with the same concurrency and through the same pool,
// the rows a submission writes (a dossier, two files, an event, an audit
// record) with nothing else; then the same with one audit chain's head row
// read for update and updated, as audit.Record does, every transaction on
// the same chain (what the log cost before decision 0007); then the same
// with the records spread over the log's sixteen chains by dossier, as
// audit.Record spreads them now.
func rawRows(t *testing.T, dsn string, s benchSettings, pg *benchPG) (plain, chained, sharded rate) {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, dsn, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var agencyID int64
	if err := d.QueryRowWrite(ctx, `INSERT INTO agencies (code, path, depth, kind, tier, name_vi, created_at, updated_at)
		VALUES ('RAW', 'RAW/', 0, 'committee', 'commune', 'Raw', 0, 0) RETURNING id`).Scan(&agencyID); err != nil {
		t.Fatalf("raw agency: %v", err)
	}
	app := benchApplication(1, nil)
	applicant, _ := json.Marshal(dossier.Applicant{Type: "citizen", NationalID: "001095100001", FullName: app.Applicant.FullName,
		Email: app.Applicant.Email, Phone: app.Applicant.Phone})
	form, _ := json.Marshal(app.Form)
	summary := `{"case":"TH1","files":2,"procedure":"1.001193"}`
	sum := strings.Repeat("ab", 32)
	var seq atomic.Int64
	one := func(heads int) func(int, []byte) (time.Duration, error) {
		return func(w int, _ []byte) (time.Duration, error) {
			n := seq.Add(1)
			now := time.Now().UnixMicro()
			err := d.Tx(ctx, func(tx *db.Tx) error {
				var id int64
				if err := tx.QueryRowContext(ctx, `INSERT INTO dossiers (procedure_code, procedure_version, case_code, procedure_name, status, channel,
					applicant_type, applicant_national_id, applicant_name, applicant, form, receiving_agency_id, processing_agency_id, step,
					submitted_at, created_by_kind, created_by_id, idempotency_key, request_hash, version, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, -1, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`,
					"1.001193", 1, "TH1", "Thủ tục đăng ký khai sinh", "submitted", "online", "citizen", "001095100001", app.Applicant.FullName,
					string(applicant), string(form), agencyID, agencyID, now, "citizen", w+1, "raw-"+strconv.FormatInt(n, 10), sum, now, now).Scan(&id); err != nil {
					return err
				}
				for _, comp := range []string{"TK", "GCS"} {
					if _, err := tx.ExecContext(ctx, `INSERT INTO dossier_files (dossier_id, kind, component_code, name, sha256, size, content_type, digitized, reused, created_at, created_by)
						VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, "component", comp, strings.ToLower(comp)+".pdf", sum, s.fileSize, "application/pdf",
						false, false, now, app.Applicant.FullName); err != nil {
						return err
					}
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO dossier_events (dossier_id, at, actor_kind, actor_id, actor_name, action, from_status, to_status,
					step, agency_id, comment, due_before, due_after, data) VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
					id, now, "citizen", app.Applicant.FullName, "submit", "draft", "submitted", -1, agencyID, "", nil, nil, ""); err != nil {
					return err
				}
				// Every variant numbers its records -n, out of the way of the
				// others; the plain one also keeps out of the chains.
				chain, pos, prev := -1, -n, sum
				if heads > 0 {
					chain = 0
					if heads == audit.Chains {
						chain = int(id % audit.Chains)
					}
					// As audit.Record: the head, locked, and a number in one
					// round trip.
					next := `1`
					if tx.Dialect() == db.Postgres {
						next = `nextval('audit_log_seq')`
					}
					var ignored int64
					if err := tx.QueryRowContext(ctx, `SELECT seq, hash, `+next+` FROM audit_chains WHERE chain = ?`+tx.Dialect().ForUpdate(), chain).
						Scan(&pos, &prev, &ignored); err != nil {
						return err
					}
					pos++
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (seq, chain, chain_seq, at, actor_kind, actor_id, actor_name, action, object_type, object_id,
					subject_national_id, personal_read, summary, request_id, ip, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
					-n, chain, pos, now, "citizen", w+1, app.Applicant.FullName, "dossier.submit", "dossier", strconv.FormatInt(id, 10), "001095100001",
					false, summary, "raw", "192.0.2.1", prev, sum); err != nil {
					return err
				}
				if heads > 0 {
					_, err := tx.ExecContext(ctx, `UPDATE audit_chains SET seq = ?, hash = ? WHERE chain = ?`, pos, sum, chain)
					return err
				}
				return nil
			})
			return 0, err
		}
	}
	for _, v := range []struct {
		heads int
		out   *rate
	}{{0, &plain}, {1, &chained}, {audit.Chains, &sharded}} {
		if _, err := parallel(s.submitters, min(100, s.submissions), func() []byte { return nil }, one(v.heads)); err != nil {
			t.Fatalf("raw rows (warm-up): %v", err)
		}
		*v.out = s.measure(t, pg, "", s.submissions, func() {
			_, err = parallel(s.submitters, s.submissions, func() []byte { return nil }, one(v.heads))
		})
		if err != nil {
			t.Fatalf("raw rows: %v", err)
		}
	}
	return plain, chained, sharded
}

// rawFiles writes two files per submission, each created, written, fsynced
// and closed, with the same concurrency.
func rawFiles(t *testing.T, dir string, s benchSettings, pg *benchPG, pdf []byte) rate {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	var seq atomic.Int64
	n := 2 * s.submissions
	var err error
	r := s.measure(t, pg, "", n, func() {
		_, err = parallel(s.submitters, n, func() []byte { return slices.Clone(pdf) }, func(w int, buf []byte) (time.Duration, error) {
			i := seq.Add(1)
			stamp(buf, i, 9)
			f, err := os.OpenFile(filepath.Join(dir, strconv.FormatInt(i, 10)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return 0, err
			}
			if _, err := f.Write(buf); err != nil {
				f.Close()
				return 0, err
			}
			if err := f.Sync(); err != nil {
				f.Close()
				return 0, err
			}
			return 0, f.Close()
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// storePuts is rawFiles through the disk store's Put.
func storePuts(t *testing.T, dir string, s benchSettings, pg *benchPG, pdf []byte) rate {
	t.Helper()
	st, err := blob.NewDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	var seq atomic.Int64
	n := 2 * s.submissions
	r := s.measure(t, pg, "", n, func() {
		_, err = parallel(s.submitters, n, func() []byte { return slices.Clone(pdf) }, func(w int, buf []byte) (time.Duration, error) {
			stamp(buf, seq.Add(1), 8)
			_, err := st.Put(ctx, bytes.NewReader(buf), 20<<20)
			return 0, err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func benchClient(clients int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients,
			IdleConnTimeout: time.Minute, DisableCompression: true}}
}

// forwardedFor is the address of request i of a run: each address makes at
// most ten requests, within the lookup limiter's burst.
func forwardedFor(offset, i int) string {
	a := offset + i/10
	return fmt.Sprintf("10.%d.%d.%d", a>>16&255, a>>8&255, a&255)
}

// check makes one request and wants a 200 that names the code.
func check(c *http.Client, mk func(int) (*http.Request, string), offset int) error {
	req, code := mk(0)
	req.Header.Set("X-Forwarded-For", forwardedFor(offset, 0))
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: status %d", req.Method, req.URL.Path, resp.StatusCode)
	}
	if !strings.Contains(string(b), code) {
		return fmt.Errorf("%s %s: the answer does not name %s", req.Method, req.URL.Path, code)
	}
	return nil
}

// load sends total requests from clients goroutines, after a warm-up of
// a tenth as many, and summarises their latencies. Any answer but a 200
// fails the benchmark.
func load(t *testing.T, s benchSettings, pg *benchPG, name string, c *http.Client, offset int, mk func(int) (*http.Request, string)) latency {
	t.Helper()
	clients, total := s.clients, s.lookups
	var failures atomic.Int64
	var lastErr atomic.Value
	run := func(n, off int) ([]time.Duration, time.Duration) {
		lat := make([]time.Duration, n)
		var next atomic.Int64
		var wg sync.WaitGroup
		began := time.Now()
		for range clients {
			wg.Go(func() {
				for {
					i := int(next.Add(1)) - 1
					if i >= n {
						return
					}
					req, _ := mk(i)
					req.Header.Set("X-Forwarded-For", forwardedFor(off, i))
					t0 := time.Now()
					resp, err := c.Do(req)
					if err == nil {
						_, err = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if err == nil && resp.StatusCode != http.StatusOK {
							err = fmt.Errorf("status %d", resp.StatusCode)
						}
					}
					lat[i] = time.Since(t0)
					if err != nil {
						failures.Add(1)
						lastErr.Store(err)
					}
				}
			})
		}
		wg.Wait()
		return lat, time.Since(began)
	}
	run(max(total/10, clients), offset)
	var lat []time.Duration
	m := s.measure(t, pg, name, total, func() { lat, _ = run(total, offset+total) })
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d requests failed; the last: %v", n, lastErr.Load())
	}
	return summarise(lat, m.elapsed, m.cpu)
}

// profile starts the CPU and block profiles of a phase when asked to, and
// returns what stops them.
func (s benchSettings) profile(t *testing.T, name string) func() {
	if s.profileDir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(s.profileDir, name+".cpu.pprof"))
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		t.Fatal(err)
	}
	runtime.SetBlockProfileRate(int(50 * time.Microsecond))
	runtime.SetMutexProfileFraction(10)
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		for _, p := range []string{"block", "mutex"} {
			if g, err := os.Create(filepath.Join(s.profileDir, name+"."+p+".pprof")); err == nil {
				pprof.Lookup(p).WriteTo(g, 0)
				g.Close()
			}
		}
		runtime.SetBlockProfileRate(0)
		runtime.SetMutexProfileFraction(0)
	}
}

// waitSampler counts what PostgreSQL's backends of one database wait on,
// every 5 ms, from pg_stat_activity.
type waitSampler struct {
	done    chan struct{}
	stopped chan string
}

func sampleWaits(t *testing.T, dsn, database string) *waitSampler {
	ctx := context.Background()
	d, err := db.Open(ctx, dsn, db.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	w := &waitSampler{done: make(chan struct{}), stopped: make(chan string, 1)}
	go func() {
		defer d.Close()
		counts := map[string]int{}
		samples := 0
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-w.done:
				type kv struct {
					k string
					v int
				}
				var all []kv
				for k, v := range counts {
					all = append(all, kv{k, v})
				}
				sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v })
				var b strings.Builder
				fmt.Fprintf(&b, "  %d samples; backends seen in each state (average per sample):\n", samples)
				for _, e := range all {
					fmt.Fprintf(&b, "  %-45s %6.2f\n", e.k, float64(e.v)/float64(max(samples, 1)))
				}
				w.stopped <- b.String()
				return
			case <-tick.C:
			}
			rows, err := d.QueryContext(ctx, `SELECT state, COALESCE(wait_event_type, 'CPU'), COALESCE(wait_event, ''), LEFT(query, 40)
				FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid() AND state <> 'idle'`, database)
			if err != nil {
				continue
			}
			samples++
			for rows.Next() {
				var state, typ, ev, q string
				if rows.Scan(&state, &typ, &ev, &q) == nil {
					q = strings.Join(strings.Fields(q), " ")
					if typ == "Lock" || typ == "CPU" {
						counts[fmt.Sprintf("%s %s:%s [%s]", state, typ, ev, q)]++
					} else {
						counts[fmt.Sprintf("%s %s:%s", state, typ, ev)]++
					}
				}
			}
			rows.Close()
		}
	}()
	return w
}

func (w *waitSampler) stop() string {
	close(w.done)
	return <-w.stopped
}

// benchPG is the benchmark's own PostgreSQL cluster, with the durable
// defaults, on a free loopback port, removed when the test ends.
type benchPG struct{ *dbtest.Server }

func startBenchPostgres(t *testing.T) *benchPG {
	t.Helper()
	srv, err := dbtest.StartServer(true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	return &benchPG{srv}
}

func (pg *benchPG) create(t *testing.T, name string) string {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, pg.DSN("postgres"), db.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	return pg.DSN(name)
}

func (pg *benchPG) describe(t *testing.T) string {
	ctx := context.Background()
	d, err := db.Open(ctx, pg.DSN("postgres"), db.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var version string
	d.QueryRowContext(ctx, `SHOW server_version`).Scan(&version)
	parts := []string{"PostgreSQL " + version}
	for _, s := range []string{"fsync", "synchronous_commit", "full_page_writes", "wal_sync_method", "shared_buffers"} {
		var v string
		if err := d.QueryRowContext(ctx, `SHOW `+s).Scan(&v); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, s+"="+v)
	}
	return strings.Join(parts, ", ") + ", everything else default; data on ext4 " + fsOf(pg.Dir)
}

// fsOf names the block device under a path, for the report.
func fsOf(path string) string {
	b, err := os.ReadFile("/proc/mounts")
	if err != nil {
		return ""
	}
	best, dev := "", ""
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && strings.HasPrefix(path, f[1]) && len(f[1]) > len(best) {
			best, dev = f[1], f[0]+" ("+f[2]+")"
		}
	}
	return dev
}

// machine describes where the benchmark ran.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 1 {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			mem = fmt.Sprintf(", %d GiB", (kb+512<<10)>>20)
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return fmt.Sprintf("%d vCPU %s%s, Linux %s, %s, GOMAXPROCS %d", runtime.NumCPU(), model, mem, strings.TrimSpace(string(kernel)),
		runtime.Version(), runtime.GOMAXPROCS(0))
}

// cpuSnap is the CPU time used so far: by the whole machine, by this
// process, and by the benchmark's PostgreSQL cluster (its postmaster, the
// backends it reaped and those still running), in clock ticks.
type cpuSnap struct {
	at                   time.Time
	busy, self, postgres int64
	diskSectors          int64 // written to the disks, in 512-byte sectors
	diskTicks            int64 // milliseconds the disks had I/O in flight
}

// cpuShare is who used the machine's CPU during a phase.
type cpuShare struct {
	elapsed              time.Duration
	busy, self, postgres float64 // in CPUs (1.0 = one vCPU busy throughout)
	diskMBps             float64 // written to the disks, by everybody
	diskBusy             float64 // share of the time the disks had I/O in flight
}

func (c cpuShare) String() string {
	if c.elapsed == 0 {
		return "—"
	}
	other := max(0, c.busy-c.self-c.postgres)
	s := fmt.Sprintf("%.2f of %d vCPU busy: this process %.2f, PostgreSQL %.2f, other processes %.2f; disk: %.0f MB/s written, busy %.0f%%",
		c.busy, runtime.NumCPU(), c.self, c.postgres, other, c.diskMBps, 100*c.diskBusy)
	if other > 0.2 {
		s += " (the machine was shared: figures are low)"
	}
	return s
}

const clockTicks = 100 // USER_HZ on Linux

func readCPU(pg *benchPG) cpuSnap {
	c := cpuSnap{at: time.Now()}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		f := strings.Fields(strings.SplitN(string(b), "\n", 2)[0])
		for i, v := range f[1:] {
			n, _ := strconv.ParseInt(v, 10, 64)
			switch i {
			case 0, 1, 2, 5, 6, 7: // user nice system irq softirq steal
				c.busy += n
			}
		}
	}
	c.self = procTicks(strconv.Itoa(os.Getpid()), false)
	if b, err := os.ReadFile("/proc/diskstats"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 13 && wholeDisk(f[2]) {
				sectors, _ := strconv.ParseInt(f[9], 10, 64)
				ticks, _ := strconv.ParseInt(f[12], 10, 64)
				c.diskSectors += sectors
				c.diskTicks += ticks
			}
		}
	}
	if pg != nil {
		if b, err := os.ReadFile(filepath.Join(pg.Dir, "data", "postmaster.pid")); err == nil {
			pid := strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0])
			c.postgres = procTicks(pid, true)
			entries, _ := os.ReadDir("/proc")
			for _, e := range entries {
				if _, err := strconv.Atoi(e.Name()); err == nil && procParent(e.Name()) == pid {
					c.postgres += procTicks(e.Name(), false)
				}
			}
		}
	}
	return c
}

// procStat returns the fields of /proc/PID/stat after the command name.
func procStat(pid string) []string {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return nil
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(b[i+1:]))
}

func procParent(pid string) string {
	if f := procStat(pid); len(f) > 1 {
		return f[1]
	}
	return ""
}

// procTicks is utime+stime of a process (fields 14, 15), and with
// children, of the children it has waited for (16, 17).
func procTicks(pid string, children bool) int64 {
	f := procStat(pid)
	if len(f) < 15 {
		return 0
	}
	var n int64
	last := 12
	if children {
		last = 14
	}
	for i := 11; i <= last; i++ { // f[0] is field 3
		v, _ := strconv.ParseInt(f[i], 10, 64)
		n += v
	}
	return n
}

func (c cpuSnap) since(from cpuSnap) cpuShare {
	el := c.at.Sub(from.at)
	per := func(ticks int64) float64 { return float64(ticks) / clockTicks / el.Seconds() }
	return cpuShare{elapsed: el, busy: per(c.busy - from.busy), self: per(c.self - from.self), postgres: per(c.postgres - from.postgres),
		diskMBps: float64(c.diskSectors-from.diskSectors) * 512 / 1e6 / el.Seconds(),
		diskBusy: float64(c.diskTicks-from.diskTicks) / 1000 / el.Seconds()}
}

// waitQuiet waits, when asked to, until other processes have left the
// CPU and the disk for two seconds (at most ten minutes; then it goes on,
// and the CPU lines of the report tell).
func (s benchSettings) waitQuiet(t *testing.T, pg *benchPG) {
	if !s.quiet {
		return
	}
	deadline := time.Now().Add(10 * time.Minute)
	for logged := false; time.Now().Before(deadline); {
		c0 := readCPU(pg)
		time.Sleep(2 * time.Second)
		c := readCPU(pg).since(c0)
		other := c.busy - c.self - c.postgres
		if other < 0.1 && c.diskMBps < 2 {
			return
		}
		if !logged {
			t.Logf("waiting for other processes to leave the CPU and the disk (%.2f vCPU busy, %.0f MB/s written)", other, c.diskMBps)
			logged = true
		}
	}
}

// measure runs one phase of n operations: it waits for a quiet machine if
// asked to, profiles the phase if asked to (name "" for none), and notes
// the time and who used the CPU.
func (s benchSettings) measure(t *testing.T, pg *benchPG, name string, n int, fn func()) rate {
	t.Helper()
	s.waitQuiet(t, pg)
	stop := func() {}
	if name != "" {
		stop = s.profile(t, name)
	}
	cpu0 := readCPU(pg)
	fn()
	cpu := readCPU(pg).since(cpu0)
	stop()
	return rate{n: n, elapsed: cpu.elapsed, cpu: cpu}
}

// wholeDisk reports whether a /proc/diskstats name is a whole disk (vda,
// sda, nvme0n1), not a partition, a RAM disk or a device-mapper volume.
func wholeDisk(name string) bool {
	switch {
	case strings.HasPrefix(name, "nvme"):
		return !strings.Contains(name[4:], "p")
	case strings.HasPrefix(name, "vd"), strings.HasPrefix(name, "sd"), strings.HasPrefix(name, "xvd"):
		last := name[len(name)-1]
		return last < '0' || last > '9'
	}
	return false
}

// peakRSS is the process's peak resident memory, from /proc.
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
