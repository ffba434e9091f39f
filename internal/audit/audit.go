// Package audit keeps Motcua's append-only, hash-chained log of every change
// and every read of personal data.
//
// Each record is written in the same transaction as the change it
// describes, so a change without its record (or a record of a change that
// rolled back) cannot exist. Each record's hash covers its content and the
// previous record's hash; editing, deleting or reordering rows breaks the
// chain at the first affected record, which Verify names.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
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

// Record is a stored audit record.
type Record struct {
	Seq               int64
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

// Record appends e to the log inside tx. It takes the lock on the chain's
// head, so concurrent writers on PostgreSQL line up here; callers write
// their audit record last, just before commit, to keep that wait short.
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
	var head struct {
		seq  int64
		hash string
	}
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`+tx.Dialect().ForUpdate()).Scan(&head.seq, &head.hash); err != nil {
		return fmt.Errorf("audit: read head: %w", err)
	}
	r := Record{
		Seq:               head.seq + 1,
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
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (seq, at, actor_kind, actor_id, actor_name, action, object_type, object_id,
		subject_national_id, personal_read, summary, request_id, ip, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Seq, db.T(r.At), r.ActorKind, r.ActorID, r.ActorName, r.Action, r.ObjectType, r.ObjectID,
		r.SubjectNationalID, r.PersonalRead, r.Summary, r.RequestID, r.IP, r.PrevHash, r.Hash); err != nil {
		return fmt.Errorf("audit: insert: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, r.Seq, r.Hash); err != nil {
		return fmt.Errorf("audit: update head: %w", err)
	}
	return nil
}

// computeHash hashes the previous hash and every field, each length-prefixed
// so that no two different records can encode to the same bytes.
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
	Records int64  // records checked
	OK      bool   // the whole chain verifies
	Broken  int64  // seq of the first record that does not verify (0 if OK)
	Reason  string // why it does not
}

// Verify walks the whole log in order and checks sequence numbers, the
// links between records, every record's hash and the head.
func (l *Log) Verify(ctx context.Context, q db.Querier) (VerifyResult, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, at, actor_kind, actor_id, actor_name, action, object_type, object_id,
		subject_national_id, personal_read, summary, request_id, ip, prev_hash, hash FROM audit_log ORDER BY seq`)
	if err != nil {
		return VerifyResult{}, fmt.Errorf("audit verify: %w", err)
	}
	defer rows.Close()
	var (
		res  VerifyResult
		prev string
	)
	fail := func(seq int64, reason string) (VerifyResult, error) {
		res.Broken, res.Reason = seq, reason
		return res, nil
	}
	for rows.Next() {
		var r Record
		var at db.Time
		if err := rows.Scan(&r.Seq, &at, &r.ActorKind, &r.ActorID, &r.ActorName, &r.Action, &r.ObjectType, &r.ObjectID,
			&r.SubjectNationalID, &r.PersonalRead, &r.Summary, &r.RequestID, &r.IP, &r.PrevHash, &r.Hash); err != nil {
			return res, fmt.Errorf("audit verify: %w", err)
		}
		r.At = at.Time
		switch {
		case r.Seq != res.Records+1:
			return fail(res.Records+1, fmt.Sprintf("record %d is missing (next present is %d)", res.Records+1, r.Seq))
		case r.PrevHash != prev:
			return fail(r.Seq, "does not link to the previous record")
		case r.computeHash() != r.Hash:
			return fail(r.Seq, "content does not match its hash (the record was changed)")
		}
		prev = r.Hash
		res.Records++
	}
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("audit verify: %w", err)
	}
	var headSeq int64
	var headHash string
	if err := q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return res, fmt.Errorf("audit verify: head: %w", err)
	}
	if headSeq != res.Records || headHash != prev {
		return fail(res.Records, fmt.Sprintf("the log ends at record %d but its head says %d (records were removed from the end)", res.Records, headSeq))
	}
	res.OK = true
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
