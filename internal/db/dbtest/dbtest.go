// Package dbtest runs a test body against both engines: SQLite in a temporary
// directory and PostgreSQL in a throwaway cluster that the test binary starts
// itself (initdb + pg_ctl on a free loopback port) and removes at the end.
//
// A package that uses it declares
//
//	func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
//
// so that the cluster, started lazily by the first test that needs it, is
// stopped when the package's tests end, even when they fail.
//
// Without PostgreSQL binaries the PostgreSQL half is skipped with a loud
// message, unless MOTCUA_TEST_POSTGRES=require (set by CI), which turns the
// skip into a failure. MOTCUA_TEST_POSTGRES_DSN points the tests at an
// existing server instead (each test still gets its own fresh database).
package dbtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/db"
)

// The cluster is one per test binary, like the binary's temp files: it is
// test-process infrastructure, created on first use and torn down by Main.
var (
	clusterOnce sync.Once
	theCluster  *cluster
	clusterErr  error
	mainCalled  atomic.Bool
	dbCounter   atomic.Int64
)

// Main runs the package's tests and then stops the PostgreSQL cluster if one
// was started. Use it from TestMain.
func Main(m *testing.M) int {
	mainCalled.Store(true)
	code := m.Run()
	if theCluster != nil {
		theCluster.stop()
	}
	return code
}

// Engine names one of the engines a test can run on.
type Engine string

// The engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Run runs fn as two subtests, "sqlite" and "postgres", each with a freshly
// migrated, empty database of its own.
func Run(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, e := range []Engine{SQLite, Postgres} {
		t.Run(string(e), func(t *testing.T) {
			fn(t, Open(t, e))
		})
	}
}

// Open returns a freshly migrated database on the engine, closed when t ends.
func Open(t testing.TB, e Engine) *db.DB {
	t.Helper()
	dsn := DSN(t, e)
	ctx := context.Background()
	d, err := db.Open(ctx, dsn, db.Options{})
	if err != nil {
		t.Fatalf("open %s: %v", e, err)
	}
	t.Cleanup(func() { d.Close() })
	if e == SQLite {
		if _, err := d.Migrate(ctx); err != nil {
			t.Fatalf("migrate sqlite: %v", err)
		}
	}
	return d
}

// DSN returns the DSN of a new, empty database on the engine. PostgreSQL
// databases are cloned from a template that is already migrated; SQLite
// ones are new files and are not migrated.
func DSN(t testing.TB, e Engine) string {
	t.Helper()
	switch e {
	case SQLite:
		return "sqlite:" + filepath.Join(t.TempDir(), "test.db")
	case Postgres:
		c := pg(t)
		name := fmt.Sprintf("t%d_%d", os.Getpid(), dbCounter.Add(1))
		if err := c.createDB(name); err != nil {
			t.Fatalf("create test database: %v", err)
		}
		return c.dsn(name)
	}
	t.Fatalf("unknown engine %q", e)
	return ""
}

// EmptyDSN returns the DSN of a new, unmigrated and empty database of
// engine e, for tests of migration itself.
func EmptyDSN(t testing.TB, e Engine) string {
	t.Helper()
	if e == Postgres {
		return PostgresDSN(t)
	}
	return DSN(t, e)
}

// PostgresDSN returns the DSN of a new, unmigrated and empty PostgreSQL
// database, for tests of migration itself.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	c := pg(t)
	name := fmt.Sprintf("e%d_%d", os.Getpid(), dbCounter.Add(1))
	if err := c.exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create empty database: %v", err)
	}
	return c.dsn(name)
}

func pg(t testing.TB) *cluster {
	t.Helper()
	if !mainCalled.Load() {
		t.Fatal("dbtest: this package needs func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }")
	}
	clusterOnce.Do(func() { theCluster, clusterErr = startCluster() })
	if clusterErr != nil {
		if os.Getenv("MOTCUA_TEST_POSTGRES") == "require" {
			t.Fatalf("PostgreSQL is required (MOTCUA_TEST_POSTGRES=require) but unavailable: %v", clusterErr)
		}
		fmt.Fprintf(os.Stderr, "\n*** dbtest: SKIPPING PostgreSQL tests: %v ***\n*** install PostgreSQL server binaries (apt-get install postgresql) or set MOTCUA_TEST_POSTGRES_DSN ***\n\n", clusterErr)
		t.Skipf("PostgreSQL unavailable: %v", clusterErr)
	}
	return theCluster
}

type cluster struct {
	base    *url.URL // DSN of the maintenance database
	srv     *Server  // nil for an external server
	mu      sync.Mutex
	templed bool
}

func (c *cluster) dsn(name string) string {
	u := *c.base
	u.Path = "/" + name
	return u.String()
}

func (c *cluster) exec(stmt string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	d, err := db.Open(ctx, c.dsn(strings.TrimPrefix(c.base.Path, "/")), db.Options{MaxOpenConns: 1})
	if err != nil {
		return err
	}
	defer d.Close()
	_, err = d.ExecContext(ctx, stmt)
	return err
}

const templateDB = "motcua_template"

// createDB clones the migrated template. Creating and migrating the template
// once per binary is what keeps a fresh database per test cheap.
func (c *cluster) createDB(name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.templed {
		tname := fmt.Sprintf("%s_%d", templateDB, os.Getpid())
		if err := c.exec("CREATE DATABASE " + tname); err != nil {
			return err
		}
		ctx := context.Background()
		d, err := db.Open(ctx, c.dsn(tname), db.Options{MaxOpenConns: 1})
		if err != nil {
			return err
		}
		_, err = d.Migrate(ctx)
		d.Close()
		if err != nil {
			return fmt.Errorf("migrate template: %w", err)
		}
		c.templed = true
	}
	return c.exec(fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s_%d", name, templateDB, os.Getpid()))
}

func startCluster() (*cluster, error) {
	if dsn := os.Getenv("MOTCUA_TEST_POSTGRES_DSN"); dsn != "" {
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, fmt.Errorf("MOTCUA_TEST_POSTGRES_DSN: %w", err)
		}
		return &cluster{base: u}, nil
	}
	srv, err := StartServer(false)
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(srv.DSN("postgres"))
	return &cluster{base: u, srv: srv}, nil
}

func (c *cluster) stop() {
	if c.srv != nil {
		c.srv.Stop()
	}
}

// Server is a PostgreSQL server of its own, started from the local
// binaries in a fresh directory on a free loopback port: the tests' shared
// cluster, or a benchmark's.
type Server struct {
	Dir    string // its directory; the data are in Dir/data
	Port   int
	bin    string
	asUser string
}

// StartServer initialises and starts a server. durable keeps PostgreSQL's
// durability settings (fsync, synchronous commit, full-page writes), as a
// benchmark wants; tests turn them off: a test cluster is thrown away
// anyway, and fsync on every commit would make the suite several times
// slower.
func StartServer(durable bool) (*Server, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "motcua-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		// initdb and postgres refuse to run as root; run them as the
		// postgres user the Debian package creates, in a directory it owns.
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root and no postgres user to run PostgreSQL as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		s.asUser = "postgres"
	}
	if s.Port, err = freePort(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	initdb := []string{"-D", data, "-U", "motcua", "--auth=trust", "-E", "UTF8", "--locale=C"}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=200", s.Port, dir)
	if !durable {
		initdb = append(initdb, "--no-sync")
		opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	}
	if out, err := s.run("initdb", initdb...); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	if out, err := s.run("pg_ctl", "start", "-w", "-t", "60", "-D", data, "-l", filepath.Join(dir, "log"), "-o", opts); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	return s, nil
}

// DSN is the address of database name on the server, as user motcua.
func (s *Server) DSN(name string) string {
	return fmt.Sprintf("postgres://motcua@127.0.0.1:%d/%s?sslmode=disable", s.Port, name)
}

// Stop stops the server and removes its directory.
func (s *Server) Stop() {
	if out, err := s.run("pg_ctl", "stop", "-m", "fast", "-w", "-D", filepath.Join(s.Dir, "data")); err != nil {
		fmt.Fprintf(os.Stderr, "dbtest: pg_ctl stop: %v\n%s\n", err, out)
	}
	os.RemoveAll(s.Dir)
}

func (s *Server) run(name string, args ...string) ([]byte, error) {
	prog := filepath.Join(s.bin, name)
	var cmd *exec.Cmd
	if s.asUser != "" {
		cmd = exec.Command("runuser", append([]string{"-u", s.asUser, "--", prog}, args...)...)
	} else {
		cmd = exec.Command(prog, args...)
	}
	// pg_ctl start leaves the postmaster running; it must not die with our
	// process group on ^C before Main gets to stop it cleanly.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Dir = s.Dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	return out.Bytes(), err
}

func findBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(p), "pg_ctl")); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgVersion(dirs[i]) > pgVersion(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("no initdb/pg_ctl on PATH or under /usr/lib/postgresql/*/bin")
}

func pgVersion(dir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return v
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
