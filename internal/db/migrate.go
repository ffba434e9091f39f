package db

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrationFS embed.FS

// Migration is one embedded schema change.
type Migration struct {
	Version  int
	Name     string
	SQL      string
	Checksum string
}

// Migrations returns the embedded migrations for the dialect, in order.
func Migrations(d Dialect) ([]Migration, error) {
	return loadMigrations(migrationFS, path.Join("migrations", d.String()))
}

func loadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations %s: %w", dir, err)
	}
	var ms []Migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration file %s: want NNNN_name.sql", name)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		ms = append(ms, Migration{Version: v, Name: rest, SQL: string(b), Checksum: hex.EncodeToString(sum[:])})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations %s: version %d follows %d; versions must be 1, 2, 3 … without gaps", dir, m.Version, i)
		}
	}
	return ms, nil
}

// SchemaError reports a database whose schema this binary must not touch.
type SchemaError struct {
	Reason string
}

func (e *SchemaError) Error() string { return "database schema: " + e.Reason }

// Migrate applies the pending embedded migrations, each in its own
// transaction together with its record in schema_migrations, so that a
// failing migration leaves the schema as it was. It refuses to run on a
// database that has migrations this binary does not know (a newer binary
// migrated it) or whose recorded checksums differ from the embedded ones.
// It returns the versions it applied.
func (d *DB) Migrate(ctx context.Context) ([]int, error) {
	ms, err := Migrations(d.dialect)
	if err != nil {
		return nil, err
	}
	return d.migrate(ctx, ms)
}

func (d *DB) migrate(ctx context.Context, ms []Migration) ([]int, error) {
	if _, err := d.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		checksum TEXT NOT NULL,
		applied_at BIGINT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	var applied []int
	for _, m := range ms {
		var done bool
		err := d.Tx(ctx, func(tx *Tx) error {
			if d.dialect == Postgres {
				// Several server copies may start at once; one migrates, the
				// others wait here and then find the work done.
				if _, err := tx.ExecContext(ctx, `LOCK TABLE schema_migrations IN EXCLUSIVE MODE`); err != nil {
					return err
				}
			}
			known, err := recorded(ctx, tx)
			if err != nil {
				return err
			}
			if err := check(known, ms); err != nil {
				return err
			}
			if _, ok := known[m.Version]; ok {
				done = true
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)`,
				m.Version, m.Name, m.Checksum, time.Now().UnixMicro())
			return err
		})
		if err != nil {
			return applied, err
		}
		if !done {
			applied = append(applied, m.Version)
		}
	}
	if len(ms) == 0 {
		known, err := recorded(ctx, d)
		if err != nil {
			return nil, err
		}
		return nil, check(known, ms)
	}
	return applied, nil
}

// CheckSchema verifies, without changing anything, that the database is at
// exactly the schema this binary embeds.
func (d *DB) CheckSchema(ctx context.Context) error {
	ms, err := Migrations(d.dialect)
	if err != nil {
		return err
	}
	known, err := recorded(ctx, d)
	if err != nil {
		return &SchemaError{Reason: "not migrated (run `motcua migrate`)"}
	}
	if err := check(known, ms); err != nil {
		return err
	}
	if len(known) < len(ms) {
		return &SchemaError{Reason: fmt.Sprintf("at version %d, this binary needs %d (run `motcua migrate`)", len(known), len(ms))}
	}
	return nil
}

func recorded(ctx context.Context, q Querier) (map[int]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT version, checksum FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	known := map[int]string{}
	for rows.Next() {
		var v int
		var sum string
		if err := rows.Scan(&v, &sum); err != nil {
			return nil, err
		}
		known[v] = sum
	}
	return known, rows.Err()
}

func check(known map[int]string, ms []Migration) error {
	for v, sum := range known {
		if v > len(ms) {
			return &SchemaError{Reason: fmt.Sprintf("the database has migration %d but this binary knows only up to %d; it was migrated by a newer Motcua — run that version", v, len(ms))}
		}
		if ms[v-1].Checksum != sum {
			return &SchemaError{Reason: fmt.Sprintf("migration %04d_%s was changed after it was applied (checksum differs)", v, ms[v-1].Name)}
		}
	}
	return nil
}
