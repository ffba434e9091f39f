package report

import (
	"context"
	"fmt"
	"time"

	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/dossier"
)

// runsDone is the settings key that says every facts row has its runs of
// overdue days, so that later starts skip the search.
const runsDone = "report.overdue_runs_filled"

// BackfillOverdueRuns gives the facts rows recorded before the runs of
// overdue days were kept (migration 0009) their runs, replayed from the
// dossiers' events, batch after batch. Until it has read a row, the lists
// of dossiers overdue at a past day replay that dossier themselves, so it
// can run in the background while the platform serves. A row changed
// while it was being read keeps no runs (the change wins) and is replayed
// by the lists. progress, if not nil, is called after every batch. Once a
// pass has found nothing to fill it says so in the settings, and later
// calls return at once.
func (s *Service) BackfillOverdueRuns(ctx context.Context, progress func(filled int)) (int, error) {
	if _, done, err := db.Setting(ctx, s.db, runsDone); err != nil {
		return 0, fmt.Errorf("report: back-fill of overdue runs: %w", err)
	} else if done {
		return 0, nil
	}
	filled, after := 0, int64(0)
	for {
		rows, err := s.unfilled(ctx, after, 2000)
		if err != nil {
			return filled, fmt.Errorf("report: back-fill of overdue runs: %w", err)
		}
		if len(rows) == 0 {
			break
		}
		after = rows[len(rows)-1].Dossier
		n, err := s.fill(ctx, rows)
		if err != nil {
			return filled, fmt.Errorf("report: back-fill of overdue runs after dossier %d: %w", after, err)
		}
		filled += n
		if progress != nil {
			progress(filled)
		}
	}
	return filled, db.SetSetting(ctx, s.db, runsDone, "1", s.now())
}

// unfilled reads the next n facts rows without runs after dossier after.
func (s *Service) unfilled(ctx context.Context, after int64, n int) ([]fact, error) {
	return s.states(ctx, `SELECT `+stateCols+` FROM dossier_facts
		WHERE dossier_id > ? AND overdue_runs IS NULL ORDER BY dossier_id LIMIT ?`, after, n)
}

// fill replays the events of the dossiers of rows (in order of number)
// up to the row's last change (later ones, the deadline watcher's flags,
// went past the recorder) through the same carrying of runs as the
// recorder, ends with the row's own state as of that change, and writes
// the runs of the rows that have not changed since they were read.
func (s *Service) fill(ctx context.Context, rows []fact) (int, error) {
	// The state after each event, as the recorder saw it: received and
	// active is open; the deadline is the last one set.
	type replay struct {
		changed time.Time // the row's last change
		last    fact
		found   bool
	}
	states := make(map[int64]*replay, len(rows))
	ids := make([]int64, len(rows))
	for i, r := range rows {
		states[r.Dossier] = &replay{changed: r.Changed}
		ids[i] = r.Dossier
	}
	err := dossier.StateChanges(ctx, s.db, ids, time.Time{}, func(c dossier.StateChange) {
		x := states[c.Dossier]
		if c.At.After(x.changed) {
			return // an event the recorder did not see (the deadline watcher's flags change no state)
		}
		next := fact{Due: x.last.Due, Changed: c.At}
		if !c.Due.IsZero() {
			next.Due = c.Due
		}
		if c.Received {
			next.Open, next.Paused = c.Status.Active(), c.Status.Paused()
		}
		next.carryRuns(&x.last, x.found, dayOf(c.At, s.loc), s.loc)
		x.last, x.found = next, true
	})
	if err != nil {
		return 0, err
	}
	n := 0
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `UPDATE dossier_facts SET overdue_from = ?, overdue_to = ?, overdue_runs = ?
			WHERE dossier_id = ? AND overdue_runs IS NULL AND changed_at = ?`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, r := range rows {
			x := states[r.Dossier]
			r.carryRuns(&x.last, x.found, dayOf(r.Changed, s.loc), s.loc)
			res, err := stmt.ExecContext(ctx, nullDay(r.RunFrom), nullDay(r.RunTo), r.Runs, r.Dossier, db.T(r.Changed))
			if err != nil {
				return err
			}
			if k, err := res.RowsAffected(); err == nil {
				n += int(k)
			}
		}
		return nil
	})
	return n, err
}
