package identity

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/db/dbtest"
)

// TestRecordFailureFirstInsertRace replays, step by step, two server copies
// counting the first failures of a key at the same moment: B looks for the
// counter row while A's insert of it is not yet committed, so B takes the
// INSERT … ON CONFLICT path and adds its failure there. Two failures
// against a limit of two must lock the key whichever path counted them.
//
// On SQLite the single writer makes B start after A commits, so only the
// PostgreSQL run exercises the race.
func TestRecordFailureFirstInsertRace(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		pol := ThrottlePolicy{MaxFailures: 2, Window: time.Hour, Lockout: time.Hour}
		now := time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)
		const key = "user:nguyen.van.a"

		var wg sync.WaitGroup
		held, release := make(chan struct{}), make(chan struct{})
		var errA, errB error
		wg.Go(func() {
			errA = d.Tx(ctx, func(tx *db.Tx) error {
				err := recordFailure(ctx, tx, key, pol, now)
				close(held)
				if err != nil {
					return err
				}
				<-release
				return nil
			})
		})
		<-held
		wg.Go(func() {
			errB = d.Tx(ctx, func(tx *db.Tx) error { return recordFailure(ctx, tx, key, pol, now) })
		})
		if d.Dialect() == db.Postgres {
			// Wait until B is blocked behind A's uncommitted row.
			deadline := time.Now().Add(10 * time.Second)
			for {
				var n int
				if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stat_activity
					WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n > 0 {
					break
				}
				if time.Now().After(deadline) {
					close(release)
					wg.Wait()
					t.Fatal("the second transaction never waited for the first")
				}
				time.Sleep(5 * time.Millisecond)
			}
		} else {
			time.Sleep(20 * time.Millisecond)
		}
		close(release)
		wg.Wait()
		if errA != nil || errB != nil {
			t.Fatalf("recordFailure: %v / %v", errA, errB)
		}
		var failures int
		var until db.Time
		if err := d.QueryRowContext(ctx, `SELECT failures, locked_until FROM login_throttle WHERE key = ?`, key).Scan(&failures, &until); err != nil {
			t.Fatal(err)
		}
		if got, err := lockedUntil(ctx, d, key, now); err != nil || !got.Equal(now.Add(pol.Lockout)) {
			t.Errorf("after 2 concurrent first failures with a limit of 2: failures = %d, locked until %v; want locked until %v",
				failures, got, now.Add(pol.Lockout))
		}
	})
}
