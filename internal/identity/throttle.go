package identity

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/motcua/motcua/internal/db"
)

// ThrottlePolicy limits failed sign-ins per key within a window; reaching
// the limit locks the key for Lockout. Counters live in the database so
// that every server copy enforces the same limits.
type ThrottlePolicy struct {
	MaxFailures int
	Window      time.Duration
	Lockout     time.Duration
}

// Default limits: an account tolerates a few typos, an address (which may
// be a whole office behind one NAT) more.
var (
	AccountThrottle = ThrottlePolicy{MaxFailures: 5, Window: 15 * time.Minute, Lockout: 15 * time.Minute}
	IPThrottle      = ThrottlePolicy{MaxFailures: 30, Window: 15 * time.Minute, Lockout: 15 * time.Minute}
)

// lockedUntil returns when key's lock ends, or the zero time.
func lockedUntil(ctx context.Context, q db.Querier, key string, now time.Time) (time.Time, error) {
	var until db.Time
	err := q.QueryRowContext(ctx, `SELECT locked_until FROM login_throttle WHERE key = ?`, key).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !until.After(now)) {
		return time.Time{}, nil
	}
	return until.Time, err
}

// recordFailure counts a failure against key and locks it when the policy says so.
func recordFailure(ctx context.Context, tx *db.Tx, key string, p ThrottlePolicy, now time.Time) error {
	// Make sure the row exists first, so that concurrent first failures
	// all go through the locked read-and-update below instead of racing
	// past the limit.
	if _, err := tx.ExecContext(ctx, `INSERT INTO login_throttle (key, failures, window_start, locked_until) VALUES (?, 0, ?, 0)
		ON CONFLICT (key) DO NOTHING`, key, db.T(now)); err != nil {
		return err
	}
	var failures int
	var start db.Time
	if err := tx.QueryRowContext(ctx, `SELECT failures, window_start FROM login_throttle WHERE key = ?`+tx.Dialect().ForUpdate(), key).Scan(&failures, &start); err != nil {
		return err
	}
	if now.Sub(start.Time) > p.Window {
		failures, start = 0, db.T(now)
	}
	failures++
	var locked any = 0
	if failures >= p.MaxFailures {
		locked = db.T(now.Add(p.Lockout))
		failures, start = 0, db.T(now)
	}
	_, err := tx.ExecContext(ctx, `UPDATE login_throttle SET failures = ?, window_start = ?, locked_until = ? WHERE key = ?`,
		failures, start, locked, key)
	return err
}

func clearFailures(ctx context.Context, tx *db.Tx, key string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM login_throttle WHERE key = ?`, key)
	return err
}
