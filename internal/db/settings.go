package db

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Setting reads the value stored under key in the settings table; ok is
// false when there is none.
func Setting(ctx context.Context, q Querier, key string) (value string, ok bool, err error) {
	err = q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return value, true, nil
}

// SetSetting stores value under key, replacing what was there.
func SetSetting(ctx context.Context, q Querier, key, value string, at time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, value, T(at))
	return err
}
