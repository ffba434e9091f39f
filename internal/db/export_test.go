package db

import (
	"context"
	"io/fs"
)

// MigrateFS applies the migrations found in dir of fsys, for tests of the
// migration mechanism itself.
func MigrateFS(ctx context.Context, d *DB, fsys fs.FS, dir string) ([]int, error) {
	ms, err := loadMigrations(fsys, dir)
	if err != nil {
		return nil, err
	}
	return d.migrate(ctx, ms)
}

// RebindFor exposes rebind to tests.
func RebindFor(d Dialect, q string) string { return rebind(d, q) }
