package db_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/db/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, dsn, want string
	}{
		{"unknown scheme", "mysql://x", "unknown database scheme"},
		{"no path", "sqlite:", "no file path"},
		{"unreachable postgres", "postgres://u:secret@127.0.0.1:1/x?sslmode=disable&connect_timeout=2", "not reachable"},
		{"unwritable dir", "sqlite:/proc/motcua/x.db", "sqlite directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := db.Open(ctx, tt.dsn, db.Options{PingTimeout: 3 * time.Second})
			if err == nil {
				d.Close()
				t.Fatalf("Open(%q) succeeded", tt.dsn)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open(%q) = %v, want it to mention %q", tt.dsn, err, tt.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}

func TestMigrationsMatchAcrossEngines(t *testing.T) {
	s, err := db.Migrations(db.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.Migrations(db.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != len(p) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(s), len(p))
	}
	for i := range s {
		if s[i].Name != p[i].Name {
			t.Errorf("migration %d: sqlite %q, postgres %q", i+1, s[i].Name, p[i].Name)
		}
	}
}

func TestMigrateIdempotentAndSchemaChecks(t *testing.T) {
	for _, e := range []dbtest.Engine{dbtest.SQLite, dbtest.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			d, err := db.Open(ctx, dbtest.EmptyDSN(t, e), db.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if err := d.CheckSchema(ctx); err == nil {
				t.Fatal("CheckSchema on an empty database succeeded")
			}
			applied, err := d.Migrate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			all, _ := db.Migrations(d.Dialect())
			if len(applied) != len(all) {
				t.Fatalf("applied %v, want %d migrations", applied, len(all))
			}
			if again, err := d.Migrate(ctx); err != nil || len(again) != 0 {
				t.Fatalf("second Migrate = %v, %v; want nothing applied", again, err)
			}
			if err := d.CheckSchema(ctx); err != nil {
				t.Fatalf("CheckSchema after migrate: %v", err)
			}
			// A newer binary's migration: this one must refuse.
			if _, err := d.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, 'future', 'x', 0)`, len(all)+1); err != nil {
				t.Fatal(err)
			}
			var se *db.SchemaError
			if _, err := d.Migrate(ctx); !errors.As(err, &se) || !strings.Contains(err.Error(), "newer") {
				t.Fatalf("Migrate on a newer schema = %v, want a SchemaError about a newer schema", err)
			}
			if err := d.CheckSchema(ctx); !errors.As(err, &se) {
				t.Fatalf("CheckSchema on a newer schema = %v", err)
			}
			if _, err := d.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = ?`, len(all)+1); err != nil {
				t.Fatal(err)
			}
			if _, err := d.ExecContext(ctx, `UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 1`); err != nil {
				t.Fatal(err)
			}
			if _, err := d.Migrate(ctx); !errors.As(err, &se) || !strings.Contains(err.Error(), "checksum") {
				t.Fatalf("Migrate with a changed migration = %v, want a checksum SchemaError", err)
			}
		})
	}
}

func TestFailingMigrationLeavesSchema(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0001_good.sql": {Data: []byte(`CREATE TABLE good (id INTEGER PRIMARY KEY);`)},
		"m/0002_bad.sql":  {Data: []byte("CREATE TABLE half (id INTEGER PRIMARY KEY);\nINSERT INTO no_such_table VALUES (1);")},
	}
	for _, e := range []dbtest.Engine{dbtest.SQLite, dbtest.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			d, err := db.Open(ctx, dbtest.EmptyDSN(t, e), db.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			applied, err := db.MigrateFS(ctx, d, fsys, "m")
			if err == nil {
				t.Fatal("a failing migration succeeded")
			}
			if len(applied) != 1 || applied[0] != 1 {
				t.Fatalf("applied = %v, want [1]", applied)
			}
			var n int
			if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != 1 {
				t.Fatalf("schema_migrations rows = %d, %v; want 1", n, err)
			}
			if _, err := d.QueryContext(ctx, `SELECT * FROM half`); err == nil {
				t.Fatal("table from the failed migration exists: the migration was half applied")
			}
		})
	}
}

func TestTxAndErrors(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 4, 24, 16, 0, 0, 123456000, time.UTC)
		// Rollback on error leaves nothing behind.
		boom := errors.New("boom")
		err := d.Tx(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)`, "a", "1", db.T(now)); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx = %v, want boom", err)
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM settings WHERE key = ?`, "a").Scan(&n); err != nil || n != 0 {
			t.Fatalf("rows after rollback = %d, %v", n, err)
		}
		// Commit, AfterCommit, time round trip, unique violation.
		ran := false
		err = d.Tx(ctx, func(tx *db.Tx) error {
			tx.AfterCommit(func() { ran = true })
			_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, 'it''s ?', ?)`, "a", db.T(now))
			return err
		})
		if err != nil || !ran {
			t.Fatalf("Tx = %v, after-commit ran = %v", err, ran)
		}
		var got db.Time
		var v string
		if err := d.QueryRowContext(ctx, `SELECT value, updated_at FROM settings WHERE key = ?`, "a").Scan(&v, &got); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(now) || v != "it's ?" {
			t.Errorf("read back %q %v, want %q %v", v, got.Time, "it's ?", now)
		}
		_, err = d.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)`, "a", "2", 0)
		if !db.IsUniqueViolation(err) {
			t.Errorf("duplicate key error %v not recognised as a unique violation", err)
		}
		_, err = d.ExecContext(ctx, `INSERT INTO accounts (kind, username, full_name, agency_id, created_at, updated_at) VALUES ('official', 'x', 'X', 999, 0, 0)`)
		if !db.IsForeignKeyViolation(err) {
			t.Errorf("missing agency error %v not recognised as a foreign-key violation", err)
		}
	})
}

func TestRebind(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = $1 AND b = $2"},
		{"x = '?' AND y = ?", "x = '?' AND y = $1"},
		{`"we?ird" = ? -- what?` + "\n AND z = ?", `"we?ird" = $1 -- what?` + "\n AND z = $2"},
		{"v = 'it''s ?' OR w = ?", "v = 'it''s ?' OR w = $1"},
	}
	for _, tt := range tests {
		if got := db.RebindFor(db.Postgres, tt.in); got != tt.want {
			t.Errorf("rebind(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := db.RebindFor(db.SQLite, tt.in); got != tt.in {
			t.Errorf("sqlite rebind changed %q to %q", tt.in, got)
		}
	}
}

// Rebound queries are remembered per database; the remembered form is the
// same as a fresh one, also for queries past the cache's bound, and the
// queries run.
func TestRebindCached(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		for range 2 {
			for i := range 5000 {
				q := fmt.Sprintf("SELECT ? + %d, 'x?' WHERE ? = ?", i)
				want := q
				if d.Dialect() == db.Postgres {
					want = fmt.Sprintf("SELECT $1 + %d, 'x?' WHERE $2 = $3", i)
				}
				if got := d.Rebind(q); got != want {
					t.Fatalf("Rebind(%q) = %q, want %q", q, got, want)
				}
			}
		}
		var n int
		if err := d.QueryRowContext(context.Background(), `SELECT CAST(? AS INTEGER) + 1 WHERE ? = ?`, 41, "a", "a").Scan(&n); err != nil || n != 42 {
			t.Errorf("query = %d, %v", n, err)
		}
	})
}
