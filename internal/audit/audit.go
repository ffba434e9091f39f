// Package audit keeps Motcua's append-only, hash-chained log of every change
// and every read of personal data.
//
// Each record is written in the same transaction as the change it
// describes, so a change without its record (or a record of a change that
// rolled back) cannot exist. The log is [Chains] hash chains (decision
// 0007): a record goes to the chain of its object ([ChainOf]), so every
// object's history is one ordered line, and writes about different objects
// do not queue on one head row. Each record's hash covers its content and
// the previous record's hash in its chain; each chain's head row holds its
// length and last hash. Editing, deleting or reordering rows, or removing
// them from the end of a chain, breaks that chain at the first affected
// record, which Verify names.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"time"

	"github.com/motcua/motcua/internal/db"
)

// Actor is who did something. Kinds: "account" (an official or a system),
// "citizen", "cli" (an operator at the server's command line), "anonymous".
type Actor struct {
	Kind string
	ID   int64
	Name string
}

// Entry is one thing to record.
type Entry struct {
	Actor      Actor
	Action     string // dotted verb, e.g. "agency.create", "citizen.read"
	ObjectType string
	ObjectID   string
	// SubjectNationalID names the citizen whose personal data was read or
	// changed, so that a citizen can later see who used their data.
	SubjectNationalID string
	// PersonalRead marks a read (not a change) of personal data.
	PersonalRead bool
	// Summary is a small before/after description, stored as JSON.
	Summary any
}

// Meta is the request context every record carries.
type Meta struct {
	RequestID string
	IP        string
}

type metaKey struct{}

// WithMeta returns a context that carries m to every record written under it.
func WithMeta(ctx context.Context, m Meta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

// MetaFrom returns the request metadata in ctx, if any.
func MetaFrom(ctx context.Context) Meta {
	m, _ := ctx.Value(metaKey{}).(Meta)
	return m
}

// Log writes and verifies audit records.
type Log struct {
	now func() time.Time
}

// New returns a Log using now as its clock (time.Now if nil).
func New(now func() time.Time) *Log {
	if now == nil {
		now = time.Now
	}
	return &Log{now: now}
}

// Chains is the number of hash chains. Every chain has its head row in
// audit_chains (migration 0006 creates them); changing the number needs a
// migration that adds heads, and only moves where new records go: Verify
// walks whatever chains the table holds.
const Chains = 16

// ChainOf is the chain of the records about an object: FNV-1a of its type
// and id, so that it never changes between versions or server copies.
func ChainOf(objectType, objectID string) int {
	h := fnv.New32a()
	h.Write([]byte(objectType))
	h.Write([]byte{0})
	h.Write([]byte(objectID))
	return int(h.Sum32() % Chains)
}

// Record is a stored audit record.
type Record struct {
	Seq               int64 // the record's number across all chains; increasing, with gaps
	Chain             int
	ChainSeq          int64 // position in its chain: 1, 2, 3 … without gaps
	At                time.Time
	ActorKind         string
	ActorID           int64
	ActorName         string
	Action            string
	ObjectType        string
	ObjectID          string
	SubjectNationalID string
	PersonalRead      bool
	Summary           string
	RequestID         string
	IP                string
	PrevHash          string
	Hash              string
}

// Record appends e to the log inside tx. It takes the lock on the head of
// the object's chain, so concurrent writers about objects of the same
// chain line up here on PostgreSQL; callers write their audit record last,
// just before commit, to keep that wait short.
func (l *Log) Record(ctx context.Context, tx *db.Tx, e Entry) error {
	summary := ""
	if e.Summary != nil {
		b, err := json.Marshal(e.Summary)
		if err != nil {
			return fmt.Errorf("audit: summary: %w", err)
		}
		summary = string(b)
	}
	m := MetaFrom(ctx)
	chain := ChainOf(e.ObjectType, e.ObjectID)
	// The record's global number comes with the head, in the same round
	// trip: a sequence on PostgreSQL, whose writers run in parallel on
	// different chains; on SQLite, whose single writer serialises every
	// transaction, the next number after the largest.
	next := `(SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log)`
	if tx.Dialect() == db.Postgres {
		next = `nextval('audit_log_seq')`
	}
	var head chainHead
	var seq int64
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash, `+next+` FROM audit_chains WHERE chain = ?`+tx.Dialect().ForUpdate(), chain).
		Scan(&head.pos, &head.hash, &seq); err != nil {
		return fmt.Errorf("audit: read the head of chain %d: %w", chain, err)
	}
	r := Record{
		Seq:               seq,
		Chain:             chain,
		ChainSeq:          head.pos + 1,
		At:                l.now().UTC().Truncate(time.Microsecond),
		ActorKind:         e.Actor.Kind,
		ActorID:           e.Actor.ID,
		ActorName:         e.Actor.Name,
		Action:            e.Action,
		ObjectType:        e.ObjectType,
		ObjectID:          e.ObjectID,
		SubjectNationalID: e.SubjectNationalID,
		PersonalRead:      e.PersonalRead,
		Summary:           summary,
		RequestID:         m.RequestID,
		IP:                m.IP,
		PrevHash:          head.hash,
	}
	if r.ActorKind == "" {
		r.ActorKind = "anonymous"
	}
	r.Hash = r.computeHash()
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (seq, chain, chain_seq, at, actor_kind, actor_id, actor_name, action, object_type, object_id,
		subject_national_id, personal_read, summary, request_id, ip, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Seq, r.Chain, r.ChainSeq, db.T(r.At), r.ActorKind, r.ActorID, r.ActorName, r.Action, r.ObjectType, r.ObjectID,
		r.SubjectNationalID, r.PersonalRead, r.Summary, r.RequestID, r.IP, r.PrevHash, r.Hash); err != nil {
		return fmt.Errorf("audit: insert: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_chains SET seq = ?, hash = ? WHERE chain = ?`, r.ChainSeq, r.Hash, r.Chain); err != nil {
		return fmt.Errorf("audit: update the head of chain %d: %w", chain, err)
	}
	return nil
}

// computeHash hashes the previous hash and every field, each length-prefixed
// so that no two different records can encode to the same bytes. It is the
// formula of the single-chain log, so the records written before the chains
// were split still verify. The chain and the position are not hashed: they
// are bound by the links (a record moved to another place no longer links
// to the hash before it) and by the heads.
func (r *Record) computeHash() string {
	h := sha256.New()
	for _, f := range []string{
		r.PrevHash,
		strconv.FormatInt(r.Seq, 10),
		strconv.FormatInt(r.At.UnixMicro(), 10),
		r.ActorKind,
		strconv.FormatInt(r.ActorID, 10),
		r.ActorName,
		r.Action,
		r.ObjectType,
		r.ObjectID,
		r.SubjectNationalID,
		strconv.FormatBool(r.PersonalRead),
		r.Summary,
		r.RequestID,
		r.IP,
	} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// VerifyResult is the outcome of Verify.
type VerifyResult struct {
	Records int64 // records read, in all chains
	Chains  int   // chains walked
	OK      bool  // every chain verifies
	// Broken and Reason describe the first break (Breaks[0]): the seq of
	// the record where it shows (for records removed from the end, the
	// chain's last remaining record; 0 when there is none) and what is
	// wrong.
	Broken int64
	Reason string
	// Breaks lists the first break of every broken chain, in chain order.
	// A break hides what follows it in its chain, so each chain reports one.
	Breaks []Break
}

// Break is where one chain stops verifying.
type Break struct {
	Chain    int
	ChainSeq int64 // position in the chain where it breaks
	Seq      int64 // the record where it shows, 0 if there is none
	Reason   string
}

// chainHead is a chain's head row: the position of its last record and
// that record's hash.
type chainHead struct {
	pos  int64
	hash string
}

// chainCheck is Verify's state for one chain.
type chainCheck struct {
	pos    int64  // position of the last record that verified
	seq    int64  // its number
	hash   string // its hash
	broken bool
}

// Verify walks every chain in order and checks its positions, the links
// between its records, every record's hash, and its head.
func (l *Log) Verify(ctx context.Context, q db.Querier) (VerifyResult, error) {
	var res VerifyResult
	heads := map[int]chainHead{}
	rows, err := q.QueryContext(ctx, `SELECT chain, seq, hash FROM audit_chains ORDER BY chain`)
	if err != nil {
		return res, fmt.Errorf("audit verify: heads: %w", err)
	}
	var order []int
	for rows.Next() {
		var c int
		var h chainHead
		if err := rows.Scan(&c, &h.pos, &h.hash); err != nil {
			rows.Close()
			return res, fmt.Errorf("audit verify: heads: %w", err)
		}
		heads[c] = h
		order = append(order, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("audit verify: heads: %w", err)
	}
	res.Chains = len(order)

	chains := map[int]*chainCheck{}
	fail := func(c int, st *chainCheck, pos, seq int64, reason string) {
		st.broken = true
		res.Breaks = append(res.Breaks, Break{Chain: c, ChainSeq: pos, Seq: seq, Reason: fmt.Sprintf("chain %d, position %d: %s", c, pos, reason)})
	}
	rows, err = q.QueryContext(ctx, `SELECT seq, chain, chain_seq, at, actor_kind, actor_id, actor_name, action, object_type, object_id,
		subject_national_id, personal_read, summary, request_id, ip, prev_hash, hash FROM audit_log ORDER BY chain, chain_seq`)
	if err != nil {
		return res, fmt.Errorf("audit verify: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r Record
		var at db.Time
		if err := rows.Scan(&r.Seq, &r.Chain, &r.ChainSeq, &at, &r.ActorKind, &r.ActorID, &r.ActorName, &r.Action, &r.ObjectType, &r.ObjectID,
			&r.SubjectNationalID, &r.PersonalRead, &r.Summary, &r.RequestID, &r.IP, &r.PrevHash, &r.Hash); err != nil {
			return res, fmt.Errorf("audit verify: %w", err)
		}
		r.At = at.Time
		res.Records++
		st := chains[r.Chain]
		if st == nil {
			st = &chainCheck{}
			chains[r.Chain] = st
			if _, ok := heads[r.Chain]; !ok {
				fail(r.Chain, st, r.ChainSeq, r.Seq, "the chain has no head (records were added outside the log)")
			}
		}
		if st.broken {
			continue
		}
		switch {
		case r.ChainSeq != st.pos+1:
			fail(r.Chain, st, st.pos+1, r.Seq, fmt.Sprintf("record missing (the next present is at position %d, record %d)", r.ChainSeq, r.Seq))
		case r.PrevHash != st.hash:
			fail(r.Chain, st, r.ChainSeq, r.Seq, fmt.Sprintf("record %d does not link to the previous record", r.Seq))
		case r.computeHash() != r.Hash:
			fail(r.Chain, st, r.ChainSeq, r.Seq, fmt.Sprintf("record %d: content does not match its hash (the record was changed)", r.Seq))
		default:
			st.pos, st.seq, st.hash = r.ChainSeq, r.Seq, r.Hash
		}
	}
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("audit verify: %w", err)
	}
	// Each head must name the last record of its chain: records removed
	// from the end leave a head that points past the end.
	for _, c := range order {
		st := chains[c]
		if st == nil {
			st = &chainCheck{}
		}
		h := heads[c]
		if st.broken || (h.pos == st.pos && h.hash == st.hash) {
			continue
		}
		if h.pos > st.pos {
			fail(c, st, st.pos+1, st.seq, fmt.Sprintf("the chain ends at position %d but its head says %d (records were removed from the end)", st.pos, h.pos))
		} else {
			fail(c, st, st.pos, st.seq, "the head does not match the chain's last record")
		}
	}
	if len(res.Breaks) == 0 {
		res.OK = true
		return res, nil
	}
	slices.SortFunc(res.Breaks, func(a, b Break) int { return a.Chain - b.Chain })
	res.Broken, res.Reason = res.Breaks[0].Seq, res.Breaks[0].Reason
	return res, nil
}

// ForSubject lists the records about one citizen's data, newest first.
func (l *Log) ForSubject(ctx context.Context, q db.Querier, nationalID string, limit int) ([]Record, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, at, actor_kind, actor_id, actor_name, action, object_type, object_id, personal_read
		FROM audit_log WHERE subject_national_id = ? ORDER BY seq DESC LIMIT ?`, nationalID, limit)
	if err != nil {
		return nil, fmt.Errorf("audit: for subject: %w", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var r Record
		var at db.Time
		if err := rows.Scan(&r.Seq, &at, &r.ActorKind, &r.ActorID, &r.ActorName, &r.Action, &r.ObjectType, &r.ObjectID, &r.PersonalRead); err != nil {
			return nil, err
		}
		r.At = at.Time
		r.SubjectNationalID = nationalID
		out = append(out, r)
	}
	return out, rows.Err()
}

// Recent lists the newest records, newest first.
func (l *Log) Recent(ctx context.Context, q db.Querier, limit int) ([]Record, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, at, actor_kind, actor_id, actor_name, action, object_type, object_id,
		subject_national_id, personal_read, summary, request_id, ip FROM audit_log ORDER BY seq DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("audit: recent: %w", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var r Record
		var at db.Time
		if err := rows.Scan(&r.Seq, &at, &r.ActorKind, &r.ActorID, &r.ActorName, &r.Action, &r.ObjectType, &r.ObjectID,
			&r.SubjectNationalID, &r.PersonalRead, &r.Summary, &r.RequestID, &r.IP); err != nil {
			return nil, err
		}
		r.At = at.Time
		out = append(out, r)
	}
	return out, rows.Err()
}
