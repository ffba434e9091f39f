package notify

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	randv2 "math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/motcua/motcua/internal/db"
)

// Worker defaults, used for zero fields.
const (
	DefaultLease       = 2 * time.Minute
	DefaultBatch       = 20
	DefaultMaxAttempts = 12
	DefaultEvery       = 15 * time.Second
	maxLastError       = 1000 // bytes of the error kept in the row
	recordTimeout      = 10 * time.Second
)

// Worker delivers due outbox rows. Several workers, in one process or in
// several server copies, may run at once: rows are claimed in the database
// with a lease, never in memory. A Worker must not be copied after first use.
type Worker struct {
	DB *db.DB
	// Deliverers maps a message channel to its deliverer. The worker only
	// claims rows of these channels, so a copy that lacks a channel leaves
	// its rows to copies that have it.
	Deliverers map[string]Deliverer
	Now        func() time.Time // default time.Now
	Log        *slog.Logger     // default: discard
	// ID names this worker in leased_by (default: host name, process id and
	// a random suffix). It must differ between concurrent workers.
	ID string
	// Lease is how long a claim lasts (default DefaultLease). A worker that
	// dies holding a lease delays its rows by at most that long; a batch is
	// delivered within its lease, and rows left when it runs out are
	// released, so that two workers never hold the same row.
	Lease time.Duration
	// Batch is how many rows one RunOnce claims (default DefaultBatch).
	Batch int
	// MaxAttempts is how many temporary failures a row may have; the last
	// one marks it failed (default DefaultMaxAttempts).
	MaxAttempts int
	// Backoff is the delay before the next try after the attempt-th
	// failure (1-based); default ExpBackoff(time.Minute, 2*time.Hour).
	Backoff func(attempt int) time.Duration

	once sync.Once
	id   string
	wake chan struct{}
}

// ExpBackoff returns an exponential backoff with jitter: the delay after the
// n-th failure is base·2ⁿ⁻¹, capped at max, of which a random part up to
// half is taken off so that messages that failed together (a mail server
// outage) do not all come back at the same instant.
func ExpBackoff(base, max time.Duration) func(attempt int) time.Duration {
	return func(attempt int) time.Duration {
		d := base
		for i := 1; i < attempt && d < max; i++ {
			d *= 2
		}
		d = min(d, max)
		if d <= 0 {
			return 0
		}
		half := d / 2
		return half + randv2.N(d-half+1)
	}
}

func (w *Worker) setup() {
	w.once.Do(func() {
		w.wake = make(chan struct{}, 1)
		w.id = w.ID
		if w.id == "" {
			host, _ := os.Hostname()
			var b [4]byte
			_, _ = rand.Read(b[:])
			w.id = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
		}
	})
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Worker) log() *slog.Logger {
	if w.Log != nil {
		return w.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (w *Worker) lease() time.Duration {
	if w.Lease > 0 {
		return w.Lease
	}
	return DefaultLease
}

func (w *Worker) batch() int {
	if w.Batch > 0 {
		return w.Batch
	}
	return DefaultBatch
}

func (w *Worker) maxAttempts() int {
	if w.MaxAttempts > 0 {
		return w.MaxAttempts
	}
	return DefaultMaxAttempts
}

var defaultBackoff = ExpBackoff(time.Minute, 2*time.Hour)

func (w *Worker) backoff(attempt int) time.Duration {
	if w.Backoff != nil {
		return max(w.Backoff(attempt), 0)
	}
	return defaultBackoff(attempt)
}

// Wake makes a running Run look for due rows now instead of at its next
// tick. It never blocks; use it as tx.AfterCommit(w.Wake).
func (w *Worker) Wake() {
	w.setup()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers due rows until ctx is done: at once, then every `every`
// (DefaultEvery if not positive), after each Wake, and straight again while
// batches come back full.
func (w *Worker) Run(ctx context.Context, every time.Duration) {
	w.setup()
	if every <= 0 {
		every = DefaultEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		_, _, claimed, err := w.runOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			w.log().ErrorContext(ctx, "notify: outbox worker", "worker", w.id, "err", err)
		} else if claimed >= w.batch() {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.wake:
		}
	}
}

// RunOnce claims one batch of due rows and delivers them. delivered counts
// the messages sent, failed the attempts that failed (retried later or
// given up). err reports a database failure; delivery failures are recorded
// in the rows, not returned. If ctx ends, the rows not yet attempted are
// released for another worker and the attempt under way is not counted.
func (w *Worker) RunOnce(ctx context.Context) (delivered, failed int, err error) {
	delivered, failed, _, err = w.runOnce(ctx)
	return delivered, failed, err
}

// claimed is a leased row; token (lease_until in Unix µs) together with the
// worker id fences every later update: a worker whose lease was taken over
// changes nothing.
type claimed struct {
	id       int64
	msg      Message
	attempts int
	token    int64
}

func (w *Worker) runOnce(ctx context.Context) (delivered, failed, n int, err error) {
	w.setup()
	if w.DB == nil || len(w.Deliverers) == 0 {
		return 0, 0, 0, errors.New("notify: worker without database or deliverers")
	}
	rows, err := w.claim(ctx)
	if err != nil {
		return 0, 0, 0, err
	}
	var errList []error
	for i, r := range rows {
		deadline := time.UnixMicro(r.token)
		remaining := deadline.Sub(w.now())
		if ctx.Err() != nil || remaining <= 0 {
			errList = append(errList, w.release(ctx, rows[i:]))
			break
		}
		dctx, cancel := context.WithTimeout(ctx, remaining)
		derr := deliver(dctx, w.Deliverers[r.msg.Channel], r.msg)
		cancel()
		if derr != nil && ctx.Err() != nil {
			// Shutting down: not the message's fault, so no attempt is
			// counted; a message may have gone out anyway (at least once).
			errList = append(errList, w.release(ctx, rows[i:]))
			break
		}
		if derr == nil {
			delivered++
			errList = append(errList, w.markSent(ctx, r))
		} else {
			failed++
			errList = append(errList, w.markFailed(ctx, r, derr))
		}
	}
	return delivered, failed, len(rows), errors.Join(errList...)
}

// deliver calls d, turning a panic into a temporary error so that one bad
// message cannot stop the worker.
func deliver(ctx context.Context, d Deliverer, m Message) (err error) {
	if d == nil {
		return fmt.Errorf("no deliverer for channel %q", m.Channel)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("deliverer %s panicked: %v", d.Channel(), p)
		}
	}()
	return d.Deliver(ctx, m)
}

// claim leases up to Batch due rows in one short transaction: it selects
// and locks them, then stamps them with its lease. On PostgreSQL SKIP LOCKED
// lets concurrent workers take different rows instead of waiting for each
// other; SQLite's single writer serialises the claims. (Two statements on
// purpose: PostgreSQL may re-run a "WHERE id IN (SELECT … LIMIT n FOR
// UPDATE SKIP LOCKED)" subquery inside an UPDATE and so take more than n
// rows.) The update repeats the conditions, so a row that another worker
// leased in the meantime is never taken twice.
func (w *Worker) claim(ctx context.Context) ([]claimed, error) {
	now := w.now()
	token := now.Add(w.lease()).UnixMicro()
	channels := slices.Sorted(maps.Keys(w.Deliverers))
	var out []claimed
	err := w.DB.Tx(ctx, func(tx *db.Tx) error {
		out = out[:0]
		args := []any{db.T(now), db.T(now)}
		for _, c := range channels {
			args = append(args, c)
		}
		args = append(args, w.batch())
		ids, err := tx.QueryContext(ctx, `SELECT id FROM outbox
			WHERE status = 'pending' AND next_attempt_at <= ? AND lease_until < ? AND channel IN (?`+strings.Repeat(", ?", len(channels)-1)+`)
			ORDER BY next_attempt_at, id LIMIT ?`+tx.Dialect().SkipLocked(), args...)
		if err != nil {
			return err
		}
		args = []any{token, w.id}
		for ids.Next() {
			var id int64
			if err := ids.Scan(&id); err != nil {
				ids.Close()
				return err
			}
			args = append(args, id)
		}
		ids.Close()
		if err := ids.Err(); err != nil {
			return err
		}
		if len(args) == 2 {
			return nil
		}
		args = append(args, db.T(now))
		rows, err := tx.QueryContext(ctx, `UPDATE outbox SET lease_until = ?, leased_by = ?
			WHERE id IN (?`+strings.Repeat(", ?", len(args)-4)+`) AND status = 'pending' AND lease_until < ?
			RETURNING id, created_at, channel, recipient, subject, body, topic, ref, attempts`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c claimed
			var created int64
			if err := rows.Scan(&c.id, &created, &c.msg.Channel, &c.msg.Recipient, &c.msg.Subject, &c.msg.Body,
				&c.msg.Topic, &c.msg.Ref, &c.attempts); err != nil {
				return err
			}
			c.msg.ID = strconv.FormatInt(c.id, 10) + "." + strconv.FormatInt(created, 10)
			c.token = token
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("notify: claim outbox rows: %w", err)
	}
	slices.SortFunc(out, func(a, b claimed) int { return cmp.Compare(a.id, b.id) })
	return out, nil
}

// record runs a fenced update of r; it survives the cancellation of ctx, so
// that a message delivered during shutdown is still recorded as sent.
func (w *Worker) record(ctx context.Context, r claimed, query string, args ...any) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	args = append(args, r.id, w.id, r.token)
	res, err := w.DB.ExecContext(ctx, query+` WHERE id = ? AND leased_by = ? AND lease_until = ? AND status = 'pending'`, args...)
	if err != nil {
		return fmt.Errorf("notify: record outbox row %d: %w", r.id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		w.log().WarnContext(ctx, "notify: lease lost before the outcome was recorded; another worker may deliver the message again",
			"worker", w.id, "id", r.id)
	}
	return nil
}

func (w *Worker) markSent(ctx context.Context, r claimed) error {
	w.log().DebugContext(ctx, "notify: sent", "worker", w.id, "id", r.id, "channel", r.msg.Channel, "topic", r.msg.Topic, "ref", r.msg.Ref)
	return w.record(ctx, r, `UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, lease_until = 0, last_error = ''`,
		db.T(w.now()))
}

func (w *Worker) markFailed(ctx context.Context, r claimed, derr error) error {
	attempts := r.attempts + 1
	permanent := IsPermanent(derr)
	msg := truncate(derr.Error(), maxLastError)
	if permanent || attempts >= w.maxAttempts() {
		w.log().WarnContext(ctx, "notify: delivery failed for good", "worker", w.id, "id", r.id, "channel", r.msg.Channel,
			"topic", r.msg.Topic, "ref", r.msg.Ref, "attempts", attempts, "permanent", permanent, "err", derr)
		return w.record(ctx, r, `UPDATE outbox SET status = 'failed', attempts = ?, lease_until = 0, last_error = ?`, attempts, msg)
	}
	next := w.now().Add(w.backoff(attempts))
	w.log().InfoContext(ctx, "notify: delivery failed, will retry", "worker", w.id, "id", r.id, "channel", r.msg.Channel,
		"topic", r.msg.Topic, "ref", r.msg.Ref, "attempts", attempts, "next", next, "err", derr)
	return w.record(ctx, r, `UPDATE outbox SET attempts = ?, next_attempt_at = ?, lease_until = 0, last_error = ?`,
		attempts, db.T(next), msg)
}

// release gives unattempted rows back at once.
func (w *Worker) release(ctx context.Context, rows []claimed) error {
	var errList []error
	for _, r := range rows {
		errList = append(errList, w.record(ctx, r, `UPDATE outbox SET lease_until = 0`))
	}
	return errors.Join(errList...)
}

// truncate cuts s to at most n bytes of valid UTF-8.
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
