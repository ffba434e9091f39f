package notify

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/errs"
)

// Row statuses.
const (
	StatusPending = "pending" // waiting for its first or next attempt
	StatusSent    = "sent"
	StatusFailed  = "failed" // given up: permanent error or MaxAttempts
)

// Row is an outbox row as the back office shows it.
type Row struct {
	ID                                            int64
	CreatedAt                                     time.Time
	Channel, Recipient, Subject, Body, Topic, Ref string
	Status                                        string
	Attempts                                      int // delivery attempts made, the successful one included
	NextAttemptAt                                 time.Time
	LeaseUntil                                    time.Time // zero when not leased
	LeasedBy                                      string    // the worker that last leased the row
	SentAt                                        time.Time // zero unless sent
	LastError                                     string    // of the last failed attempt; empty once sent
}

// Filter selects rows for List. Empty fields match everything.
type Filter struct {
	Ref, Status, Topic, Channel string
	// BeforeID pages backwards: only rows with a smaller id (the ID of the
	// last row of the previous page).
	BeforeID int64
	Limit    int // default 50, at most 500
}

// List returns outbox rows matching f, newest first.
func List(ctx context.Context, q db.Querier, f Filter) ([]Row, error) {
	const op = "notify.List"
	switch f.Status {
	case "", StatusPending, StatusSent, StatusFailed:
	default:
		var v errs.Validation
		v.Add("status", "notify.status.invalid")
		return nil, v.Err(op)
	}
	where, args := "WHERE 1 = 1", []any{}
	for _, c := range []struct{ col, val string }{{"ref", f.Ref}, {"status", f.Status}, {"topic", f.Topic}, {"channel", f.Channel}} {
		if c.val != "" {
			where += " AND " + c.col + " = ?"
			args = append(args, c.val)
		}
	}
	if f.BeforeID > 0 {
		where += " AND id < ?"
		args = append(args, f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	args = append(args, limit)
	rows, err := q.QueryContext(ctx, `SELECT id, created_at, channel, recipient, subject, body, topic, ref, status, attempts,
		next_attempt_at, lease_until, leased_by, sent_at, last_error FROM outbox `+where+` ORDER BY id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var r Row
		var created, next db.Time
		var lease int64
		var sent sql.NullInt64
		if err := rows.Scan(&r.ID, &created, &r.Channel, &r.Recipient, &r.Subject, &r.Body, &r.Topic, &r.Ref, &r.Status,
			&r.Attempts, &next, &lease, &r.LeasedBy, &sent, &r.LastError); err != nil {
			return nil, errs.Wrap(op, err)
		}
		r.CreatedAt, r.NextAttemptAt = created.Time, next.Time
		if lease > 0 {
			r.LeaseUntil = time.UnixMicro(lease).UTC()
		}
		if sent.Valid {
			r.SentAt = time.UnixMicro(sent.Int64).UTC()
		}
		out = append(out, r)
	}
	return out, errs.Wrap(op, rows.Err())
}

// Counts returns how many rows have each status, for the back office and
// for monitoring (a growing pending count means delivery is stuck).
func Counts(ctx context.Context, q db.Querier) (map[string]int, error) {
	const op = "notify.Counts"
	rows, err := q.QueryContext(ctx, `SELECT status, COUNT(*) FROM outbox GROUP BY status`)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	defer rows.Close()
	out := map[string]int{StatusPending: 0, StatusSent: 0, StatusFailed: 0}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, errs.Wrap(op, err)
		}
		out[s] = n
	}
	return out, errs.Wrap(op, rows.Err())
}

// Retry puts a failed row back in the queue, due at now, with a fresh count
// of attempts (a back-office "send again" after the address was corrected
// at the source or the mail server fixed). It returns NotFound for no such
// row and Conflict for a row that has not failed.
func Retry(ctx context.Context, tx *db.Tx, id int64, now time.Time) error {
	const op = "notify.Retry"
	res, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, lease_until = 0
		WHERE id = ? AND status = 'failed'`, db.T(now), id)
	if err != nil {
		return errs.Wrap(op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return errs.Wrap(op, err)
	} else if n == 1 {
		return nil
	}
	var status string
	err = tx.QueryRowContext(ctx, `SELECT status FROM outbox WHERE id = ?`, id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.E(op, errs.NotFound, "error.not_found")
	}
	if err != nil {
		return errs.Wrap(op, err)
	}
	return errs.E(op, errs.Conflict, "notify.retry.not_failed")
}
