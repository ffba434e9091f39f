// Package db opens Motcua's relational store, SQLite (the embedded default)
// or PostgreSQL (production), from one DSN, and hides the few differences
// between the two engines behind a Dialect.
//
// Queries are written once with ? placeholders; the package rebinds them to
// $n for PostgreSQL. Writes go through Tx, which on SQLite uses the single
// writer connection (SQLite allows one writer at a time, and BEGIN IMMEDIATE
// makes contention a wait instead of a deadlock error in the middle of a
// transaction) and on PostgreSQL an ordinary pooled transaction.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Dialect names the SQL engine behind a DB.
type Dialect uint8

// The supported engines.
const (
	SQLite Dialect = iota + 1
	Postgres
)

func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	}
	return "unknown"
}

// Querier is what stores need to run SQL: a *DB (reads on the read pool) or
// a *Tx. Every method rebinds ? placeholders for the engine.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	Dialect() Dialect
}

// DB is an open store.
type DB struct {
	dialect Dialect
	write   *sql.DB
	read    *sql.DB
	display string // the DSN without credentials, for messages
	// txSlots bounds the transactions open at once on PostgreSQL to half
	// the pool. Code inside a transaction may still read through the pool
	// (reference data: agencies, catalogue, calendars); were every
	// connection held by a transaction waiting for one more, all would wait
	// forever. With half the pool for transactions, such a read always
	// finds a connection. Nil on SQLite, whose one writer connection is
	// apart from its read pool.
	txSlots chan struct{}
	// rebound remembers the PostgreSQL form of each query: rebinding one
	// scans and copies it, on every call of every request, and the
	// queries are nearly all constants of the code.
	rebound *rebindCache
}

// Options tune Open. The zero value is right for a server.
type Options struct {
	// MaxOpenConns bounds the PostgreSQL pool and the SQLite read pool.
	MaxOpenConns int
	// PingTimeout bounds the reachability check done by Open.
	PingTimeout time.Duration
}

// ErrUnknownScheme is returned for a DSN that names no supported engine.
var ErrUnknownScheme = errors.New("unknown database scheme: use sqlite:PATH or postgres://…")

// Open connects to the database named by dsn ("sqlite:PATH", "sqlite://PATH"
// or "postgres://…"/"postgresql://…") and checks that it is reachable.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	if opt.MaxOpenConns <= 0 {
		opt.MaxOpenConns = 16
	}
	if opt.PingTimeout <= 0 {
		opt.PingTimeout = 5 * time.Second
	}
	var (
		d   *DB
		err error
	)
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		d, err = openSQLite(dsn, opt)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		d, err = openPostgres(dsn, opt)
	default:
		return nil, fmt.Errorf("%w (got %q)", ErrUnknownScheme, Redact(dsn))
	}
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, opt.PingTimeout)
	defer cancel()
	if err := d.Ping(pctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("database %s is not reachable: %w", d.display, err)
	}
	return d, nil
}

// SQLitePath returns the file path of a sqlite: DSN.
func SQLitePath(dsn string) string {
	p := strings.TrimPrefix(dsn, "sqlite:")
	p = strings.TrimPrefix(p, "//")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return p
}

func openSQLite(dsn string, opt Options) (*DB, error) {
	path := SQLitePath(dsn)
	if path == "" {
		return nil, fmt.Errorf("sqlite DSN %q has no file path", dsn)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("sqlite directory %s: %w", dir, err)
		}
	}
	// Pragmas are per connection, so they go in the DSN where the driver
	// applies them to every new connection. synchronous(FULL): an
	// acknowledged submission must survive a power cut, not only a crash.
	base := "file:" + (&url.URL{Path: path}).EscapedPath()
	// mmap_size lets reads come from the page cache without a system call
	// per page; cache_size keeps hot pages (16 MiB per connection).
	common := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)" +
		"&_pragma=mmap_size(268435456)&_pragma=cache_size(-16384)&_time_format=sqlite"
	w, err := sql.Open("sqlite", base+"?"+common+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", base+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r.SetMaxOpenConns(opt.MaxOpenConns)
	r.SetMaxIdleConns(opt.MaxOpenConns)
	return &DB{dialect: SQLite, write: w, read: r, display: "sqlite:" + path}, nil
}

func openPostgres(dsn string, opt Options) (*DB, error) {
	p, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres %s: %w", Redact(dsn), err)
	}
	p.SetMaxOpenConns(opt.MaxOpenConns)
	p.SetMaxIdleConns(opt.MaxOpenConns)
	p.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{dialect: Postgres, write: p, read: p, display: Redact(dsn), txSlots: make(chan struct{}, max(1, opt.MaxOpenConns/2)),
		rebound: &rebindCache{}}, nil
}

// Redact removes the password from a DSN so it can be logged.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Dialect reports the engine.
func (d *DB) Dialect() Dialect { return d.dialect }

// String describes the database without credentials.
func (d *DB) String() string { return d.display }

// Ping checks both pools.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.write.PingContext(ctx); err != nil {
		return err
	}
	if d.read != d.write {
		return d.read.PingContext(ctx)
	}
	return nil
}

// Close closes the pools; it waits for nothing, so callers stop their users first.
func (d *DB) Close() error {
	err := d.write.Close()
	if d.read != d.write {
		err = errors.Join(err, d.read.Close())
	}
	return err
}

// Stats returns the pool statistics of the write pool and the read pool
// (the same pool on PostgreSQL).
func (d *DB) Stats() (write, read sql.DBStats) {
	return d.write.Stats(), d.read.Stats()
}

// ExecContext runs a statement outside any explicit transaction, on the writer.
func (d *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return d.write.ExecContext(ctx, d.Rebind(query), args...)
}

// QueryContext runs a read on the read pool.
func (d *DB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return d.read.QueryContext(ctx, d.Rebind(query), args...)
}

// QueryRowContext runs a single-row read on the read pool.
func (d *DB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return d.read.QueryRowContext(ctx, d.Rebind(query), args...)
}

// QueryRowWrite runs a single-row statement that writes (an upsert with
// RETURNING, say) on the writer, outside any explicit transaction.
func (d *DB) QueryRowWrite(ctx context.Context, query string, args ...any) *sql.Row {
	return d.write.QueryRowContext(ctx, d.Rebind(query), args...)
}

// Tx is a write transaction.
type Tx struct {
	tx      *sql.Tx
	dialect Dialect
	rebound *rebindCache
	after   []func()
}

// Dialect reports the engine.
func (t *Tx) Dialect() Dialect { return t.dialect }

// ExecContext runs a statement in the transaction.
func (t *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.rebound.rebind(t.dialect, query), args...)
}

// QueryContext runs a query in the transaction.
func (t *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.rebound.rebind(t.dialect, query), args...)
}

// QueryRowContext runs a single-row query in the transaction.
func (t *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.rebound.rebind(t.dialect, query), args...)
}

// PrepareContext prepares a statement in the transaction, for bulk loads
// that run the same statement thousands of times: parsing it once matters
// on SQLite, whose parser otherwise dominates such a load.
func (t *Tx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return t.tx.PrepareContext(ctx, t.rebound.rebind(t.dialect, query))
}

// AfterCommit registers f to run once the transaction has committed, for
// side effects that must not happen if it rolls back (waking a worker, say).
func (t *Tx) AfterCommit(f func()) { t.after = append(t.after, f) }

// Tx runs fn in a write transaction, committing if fn returns nil and
// rolling back otherwise (also on panic, which is re-raised). fn must not
// open another transaction.
func (d *DB) Tx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	if d.txSlots != nil {
		select {
		case d.txSlots <- struct{}{}:
			defer func() { <-d.txSlots }()
		case <-ctx.Done():
			return fmt.Errorf("begin transaction: %w", ctx.Err())
		}
	}
	stx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	tx := &Tx{tx: stx, dialect: d.dialect, rebound: d.rebound}
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		if rerr := stx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("rollback: %w", rerr))
		}
		return err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for _, f := range tx.after {
		f()
	}
	return nil
}

// Rebind rewrites ? placeholders for the engine.
func (d *DB) Rebind(query string) string { return d.rebound.rebind(d.dialect, query) }

// rebindCache maps queries to their rebound form. A nil cache (SQLite)
// rebinds nothing to remember.
type rebindCache struct {
	m sync.Map // query → rebound query
	n atomic.Int64
}

// maxRebound bounds the cache: the code has a few hundred constant
// queries; queries built at run time (IN lists of varying length, optional
// filters) add some more, and past the bound are rebound every time rather
// than held for ever.
const maxRebound = 4096

func (c *rebindCache) rebind(d Dialect, q string) string {
	if c == nil || d != Postgres {
		return rebind(d, q)
	}
	if r, ok := c.m.Load(q); ok {
		return r.(string)
	}
	r := rebind(d, q)
	if c.n.Load() < maxRebound {
		if _, loaded := c.m.LoadOrStore(q, r); !loaded {
			c.n.Add(1)
		}
	}
	return r
}

// rebind turns ? into $1, $2, … for PostgreSQL, leaving string literals,
// quoted identifiers and comments alone.
func rebind(d Dialect, q string) string {
	if d != Postgres || strings.IndexByte(q, '?') < 0 {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch c {
		case '\'', '"':
			j := i + 1
			for j < len(q) {
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c { // doubled quote escapes itself
						j += 2
						continue
					}
					break
				}
				j++
			}
			b.WriteString(q[i:min(j+1, len(q))])
			i = j
		case '-':
			if i+1 < len(q) && q[i+1] == '-' {
				j := strings.IndexByte(q[i:], '\n')
				if j < 0 {
					j = len(q) - i
				}
				b.WriteString(q[i : i+j])
				i += j - 1
				continue
			}
			b.WriteByte(c)
		case '?':
			n++
			b.WriteByte('$')
			b.WriteString(fmt.Sprint(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
