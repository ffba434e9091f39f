package dossier_test

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/db/dbtest"
	"github.com/motcua/motcua/internal/demo"
	"github.com/motcua/motcua/internal/identity"
)

// TestMain stops the throwaway PostgreSQL cluster of dbtest when the
// package's tests end, and removes the SQLite fixture.
func TestMain(m *testing.M) {
	code := dbtest.Main(m)
	if fixtures.dir != "" {
		os.RemoveAll(fixtures.dir)
	}
	os.Exit(code)
}

// The platform every test starts from (the administrative units, the demo
// agencies and officials, the demo catalogue, the shipped holidays) takes
// about half a second to load through the services. It is loaded once per
// engine into a fixture database, and each test gets a copy of it: a file
// copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL (which is what
// dbtest itself does with the migrated schema).
var fixtures struct {
	mu     sync.Mutex
	dir    string   // holds the SQLite fixture
	sqlite string   // path of the SQLite fixture
	pg     *url.URL // DSN of the PostgreSQL fixture
	n      atomic.Int64
}

// loadPlatform loads the platform into a migrated, empty database.
func loadPlatform(ctx context.Context, d *db.DB) error {
	units, err := agency.LoadAdminUnits()
	if err != nil {
		return err
	}
	hols, err := calendar.Load()
	if err != nil {
		return err
	}
	now := func() time.Time { return start.Add(-24 * time.Hour) }
	log := audit.New(now)
	ags := agency.NewService(d, log, now)
	if _, err := ags.LoadAdminUnitsIntoDB(ctx, units); err != nil {
		return fmt.Errorf("LoadAdminUnitsIntoDB: %w", err)
	}
	ids := identity.NewService(d, log, ags, identity.Config{Password: cheapPasswords, Now: now})
	if _, err := demo.Load(ctx, ags, ids); err != nil {
		return fmt.Errorf("demo.Load: %w", err)
	}
	if _, err := demo.LoadCatalog(ctx, catalog.NewService(d, log, ags, now)); err != nil {
		return fmt.Errorf("demo.LoadCatalog: %w", err)
	}
	if _, err := calendar.NewService(d, log, ags, nil, now).SeedShipped(ctx, hols); err != nil {
		return fmt.Errorf("SeedShipped: %w", err)
	}
	return nil
}

// openFixture returns a fresh copy of the platform on the engine, closed
// when t ends.
func openFixture(t *testing.T, engine dbtest.Engine) *db.DB {
	t.Helper()
	ctx := context.Background()
	var dsn string
	switch engine {
	case dbtest.SQLite:
		dsn = "sqlite:" + sqliteCopy(t)
	case dbtest.Postgres:
		dsn = postgresCopy(t)
	default:
		t.Fatalf("engine %q", engine)
	}
	d, err := db.Open(ctx, dsn, db.Options{})
	if err != nil {
		t.Fatalf("open %s: %v", engine, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func sqliteCopy(t *testing.T) string {
	t.Helper()
	fixtures.mu.Lock()
	defer fixtures.mu.Unlock()
	ctx := context.Background()
	if fixtures.sqlite == "" {
		dir, err := os.MkdirTemp("", "motcua-dossier-fixture-")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "platform.db")
		d, err := db.Open(ctx, "sqlite:"+path, db.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Migrate(ctx); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		if err := loadPlatform(ctx, d); err != nil {
			t.Fatalf("SQLite fixture: %v", err)
		}
		// Everything into the main file, so that copying it is enough.
		if _, err := d.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			t.Fatal(err)
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		fixtures.dir, fixtures.sqlite = dir, path
	}
	dst := filepath.Join(t.TempDir(), "test.db")
	if err := copyFile(fixtures.sqlite, dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func postgresCopy(t *testing.T) string {
	t.Helper()
	fixtures.mu.Lock()
	defer fixtures.mu.Unlock()
	ctx := context.Background()
	if fixtures.pg == nil {
		// A migrated database of dbtest's cluster (or a skip, or a
		// failure under MOTCUA_TEST_POSTGRES=require, without PostgreSQL).
		dsn := dbtest.DSN(t, dbtest.Postgres)
		d, err := db.Open(ctx, dsn, db.Options{MaxOpenConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		err = loadPlatform(ctx, d)
		d.Close()
		if err != nil {
			t.Fatalf("PostgreSQL fixture: %v", err)
		}
		if fixtures.pg, err = url.Parse(dsn); err != nil {
			t.Fatal(err)
		}
	}
	// CREATE DATABASE runs from the server's maintenance database (or the
	// one an external server's DSN names), never from the template itself.
	admin := *fixtures.pg
	admin.Path = "/postgres"
	if ext := os.Getenv("MOTCUA_TEST_POSTGRES_DSN"); ext != "" {
		if u, err := url.Parse(ext); err == nil && u.Path != "" {
			admin.Path = u.Path
		}
	}
	a, err := db.Open(ctx, admin.String(), db.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	name := fmt.Sprintf("dossier%d_%d", os.Getpid(), fixtures.n.Add(1))
	if _, err := a.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, fixtures.pg.Path[1:])); err != nil {
		t.Fatalf("copy the PostgreSQL fixture: %v", err)
	}
	u := *fixtures.pg
	u.Path = "/" + name
	return u.String()
}
