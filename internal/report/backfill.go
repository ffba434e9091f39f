package report

import (
	"context"
	"database/sql"
	"errors"
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
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, runsDone).Scan(&v)
	if err == nil {
		return 0, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("report: back-fill of overdue runs: %w", err)
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
	_, err = s.db.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, '1', ?) ON CONFLICT (key) DO NOTHING`,
		runsDone, db.T(s.now()))
	return filled, err
}

// unfilled reads the next n facts rows without runs after dossier after.
func (s *Service) unfilled(ctx context.Context, after int64, n int) ([]fact, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT dossier_id, is_open, paused, due_at, changed_at FROM dossier_facts
		WHERE dossier_id > ? AND overdue_runs IS NULL ORDER BY dossier_id LIMIT ?`, after, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fact
	for rows.Next() {
		var f fact
		var due, changed db.Time
		if err := rows.Scan(&f.Dossier, &f.Open, &f.Paused, &due, &changed); err != nil {
			return nil, err
		}
		f.Due, f.Changed = due.Time, changed.Time
		out = append(out, f)
	}
	return out, rows.Err()
}

// fill replays the events of the dossiers of rows (in order of number)
// up to the row's last change (later ones, the deadline watcher's flags,
// went past the recorder) through the same carrying of runs as the
// recorder, ends with the row's own state as of that change, and writes
// the runs of the rows that have not changed since they were read.
func (s *Service) fill(ctx context.Context, rows []fact) (int, error) {
	lo, hi := rows[0].Dossier, rows[len(rows)-1].Dossier
	received := map[int64]time.Time{}
	recs, err := s.db.QueryContext(ctx, `SELECT id, received_at FROM dossiers WHERE id BETWEEN ? AND ? AND received_at IS NOT NULL`, lo, hi)
	if err != nil {
		return 0, err
	}
	for recs.Next() {
		var id int64
		var at db.Time
		if err := recs.Scan(&id, &at); err != nil {
			recs.Close()
			return 0, err
		}
		received[id] = at.Time
	}
	recs.Close()
	if err := recs.Err(); err != nil {
		return 0, err
	}
	// The state after each event, as the recorder saw it: received and
	// active is open; the deadline is the last one set.
	type replay struct {
		last  fact
		found bool
	}
	states := make(map[int64]*replay, len(rows))
	changed := make(map[int64]time.Time, len(rows))
	for _, r := range rows {
		states[r.Dossier] = &replay{}
		changed[r.Dossier] = r.Changed
	}
	evs, err := s.db.QueryContext(ctx, `SELECT dossier_id, at, to_status, due_after FROM dossier_events
		WHERE dossier_id BETWEEN ? AND ? ORDER BY dossier_id, id`, lo, hi)
	if err != nil {
		return 0, err
	}
	for evs.Next() {
		var id int64
		var at, due db.Time
		var st string
		if err := evs.Scan(&id, &at, &st, &due); err != nil {
			evs.Close()
			return 0, err
		}
		x := states[id]
		if x == nil || at.Time.After(changed[id]) {
			// Not a row to fill; or an event the recorder did not see
			// (the deadline watcher's flags change no state).
			continue
		}
		next := fact{Due: x.last.Due, Changed: at.Time}
		if !due.Time.IsZero() {
			next.Due = due.Time
		}
		if rec, ok := received[id]; ok && !at.Time.Before(rec) {
			next.Open, next.Paused = dossier.Status(st).Active(), dossier.Status(st).Paused()
		}
		next.carryRuns(&x.last, x.found, dayOf(at.Time, s.loc), s.loc)
		x.last, x.found = next, true
	}
	evs.Close()
	if err := evs.Err(); err != nil {
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
