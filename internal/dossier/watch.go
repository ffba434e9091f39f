package dossier

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/errs"
)

// StaffNotifier tells the people responsible for a dossier that it is due
// soon or overdue, inside the transaction that flags it.
type StaffNotifier interface {
	NotifyStaff(ctx context.Context, tx *db.Tx, topic string, d *Dossier) error
}

// Flags set on dossiers by the watcher.
const (
	FlagDueSoon = "due_soon"
	FlagOverdue = "overdue"
)

const watchJob = "dossier.deadline-watch"

// lease takes or renews the named job's lease for holder. It reports false
// while another holder's lease runs: one server copy at a time does the job.
func lease(ctx context.Context, d *db.DB, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	var got string
	err := d.QueryRowWrite(ctx, `INSERT INTO job_leases (name, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE job_leases.expires_at < ? OR job_leases.holder = excluded.holder
		RETURNING holder`, name, holder, db.T(now.Add(ttl)), db.T(now)).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil && got == holder, err
}

// Watch flags the dossiers in processing that are due within one working
// day of their agency's calendar, and those past their deadline, once
// each: it records the event and notifies the responsible agency. Several
// server copies may call it; a lease lets one of them work at a time.
func (s *Service) Watch(ctx context.Context, holder string, staff StaffNotifier) (dueSoon, overdue int, err error) {
	const op = "dossier.Watch"
	now := s.now()
	ok, err := lease(ctx, s.db, watchJob, holder, now, 5*time.Minute)
	if err != nil || !ok {
		return 0, 0, errs.Wrap(op, err)
	}
	// A coarse filter before the calendar decides: one working day ahead
	// can be many calendar days away (a weekend, the nine days of Tết).
	ds, err := queryDossiers(ctx, s.db, `WHERE status IN ('processing', 'consulting') AND due_at IS NOT NULL AND flagged <> 'overdue'
		AND due_at < ? ORDER BY due_at LIMIT 1000`, db.T(now.AddDate(0, 0, 16)))
	if err != nil {
		return 0, 0, errs.Wrap(op, err)
	}
	for i := range ds {
		d := &ds[i]
		ag, err := s.agencies.Get(ctx, d.ReceivingAgency)
		if err != nil {
			return dueSoon, overdue, errs.Wrap(op, err)
		}
		clock, err := s.clock(ctx, ag)
		if err != nil {
			return dueSoon, overdue, errs.Wrap(op, err)
		}
		var flag, from string
		switch {
		case now.After(d.DueAt):
			flag = FlagOverdue
		case clock.Cal.WorkingTimeBetween(now, d.DueAt, nil) <= clock.Cal.DayLength():
			flag, from = FlagDueSoon, ""
		default:
			continue
		}
		err = s.db.Tx(ctx, func(tx *db.Tx) error {
			var current string
			if err := tx.QueryRowContext(ctx, `SELECT flagged FROM dossiers WHERE id = ?`+tx.Dialect().ForUpdate(), d.ID).Scan(&current); err != nil {
				return err
			}
			if current == flag || (flag == FlagDueSoon && current != from) {
				return nil // another copy flagged it first
			}
			if _, err := tx.ExecContext(ctx, `UPDATE dossiers SET flagged = ? WHERE id = ?`, flag, d.ID); err != nil {
				return err
			}
			if err := insertEvent(ctx, tx, d.ID, Event{At: now, ActorKind: "system", ActorName: "motcua", Action: "flag_" + flag,
				From: d.Status, To: d.Status, Step: d.Step}, d.ProcessingAgency); err != nil {
				return err
			}
			if staff != nil {
				if err := staff.NotifyStaff(ctx, tx, flag, d); err != nil {
					return err
				}
			}
			if flag == FlagOverdue {
				overdue++
			} else {
				dueSoon++
			}
			return s.audit.Record(ctx, tx, audit.Entry{Actor: audit.Actor{Kind: "system", Name: "deadline-watch"}, Action: "dossier.flag",
				ObjectType: "dossier", ObjectID: strconv.FormatInt(d.ID, 10), Summary: map[string]any{"flag": flag, "code": d.Code}})
		})
		if err != nil {
			return dueSoon, overdue, errs.Wrap(op, err)
		}
	}
	return dueSoon, overdue, nil
}
