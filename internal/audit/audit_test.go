package audit_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/db/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

func write(t *testing.T, d *db.DB, l *audit.Log, n int) {
	t.Helper()
	ctx := audit.WithMeta(context.Background(), audit.Meta{RequestID: "req-1", IP: "127.0.0.1"})
	for i := range n {
		err := d.Tx(ctx, func(tx *db.Tx) error {
			return l.Record(ctx, tx, audit.Entry{
				Actor:      audit.Actor{Kind: "account", ID: 7, Name: "Nguyễn Văn An"},
				Action:     "agency.update",
				ObjectType: "agency", ObjectID: fmt.Sprint(i),
				Summary: map[string]any{"before": map[string]string{"name": "Sở Tư pháp"}, "after": map[string]string{"name": "Sở Tư pháp Hà Nội"}},
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// spread writes n records about objects 0…n-1 and returns, per chain, the
// seqs of its records in chain order.
func spread(t *testing.T, d *db.DB, l *audit.Log, n int) map[int][]int64 {
	t.Helper()
	write(t, d, l, n)
	rows, err := d.QueryContext(context.Background(), `SELECT chain, chain_seq, seq, object_id FROM audit_log ORDER BY chain, chain_seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int][]int64{}
	for rows.Next() {
		var chain int
		var pos, seq int64
		var obj string
		if err := rows.Scan(&chain, &pos, &seq, &obj); err != nil {
			t.Fatal(err)
		}
		if want := audit.ChainOf("agency", obj); chain != want {
			t.Fatalf("record %d about agency %s is in chain %d, want %d", seq, obj, chain, want)
		}
		if pos != int64(len(out[chain])+1) {
			t.Fatalf("chain %d: record %d at position %d, want %d", chain, seq, pos, len(out[chain])+1)
		}
		out[chain] = append(out[chain], seq)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Every kind of tampering, in every chain, breaks that chain and only that
// one, at the record where it was done.
func TestVerifyDetectsTampering(t *testing.T) {
	type tamper struct {
		name       string
		sql        func(chain []int64, other []int64) []string
		wantAt     func(chain []int64) int64 // the seq Verify must name
		wantReason string
	}
	q := func(f string, args ...any) string { return fmt.Sprintf(f, args...) }
	tampers := []tamper{
		{"edit summary", func(c, _ []int64) []string {
			return []string{q(`UPDATE audit_log SET summary = '{"after":"x"}' WHERE seq = %d`, c[1])}
		}, func(c []int64) int64 { return c[1] }, "changed"},
		{"edit actor", func(c, _ []int64) []string {
			return []string{q(`UPDATE audit_log SET actor_name = 'Mallory' WHERE seq = %d`, c[2])}
		}, func(c []int64) int64 { return c[2] }, "changed"},
		{"edit time", func(c, _ []int64) []string {
			return []string{q(`UPDATE audit_log SET at = at + 1 WHERE seq = %d`, c[0])}
		}, func(c []int64) int64 { return c[0] }, "changed"},
		{"renumber", func(c, _ []int64) []string {
			return []string{q(`UPDATE audit_log SET seq = %d WHERE seq = %d`, 1_000_000, c[1])}
		}, func(c []int64) int64 { return 1_000_000 }, "changed"},
		{"rehash one", func(c, _ []int64) []string {
			return []string{q(`UPDATE audit_log SET hash = 'abc' WHERE seq = %d`, c[1])}
		}, func(c []int64) int64 { return c[1] }, "changed"},
		{"delete first", func(c, _ []int64) []string {
			return []string{q(`DELETE FROM audit_log WHERE seq = %d`, c[0])}
		}, func(c []int64) int64 { return c[1] }, "missing"},
		{"delete middle", func(c, _ []int64) []string {
			return []string{q(`DELETE FROM audit_log WHERE seq = %d`, c[1])}
		}, func(c []int64) int64 { return c[2] }, "missing"},
		{"delete middle and close the gap", func(c, _ []int64) []string {
			return []string{q(`DELETE FROM audit_log WHERE seq = %d`, c[1]),
				q(`UPDATE audit_log SET chain_seq = chain_seq - 1 WHERE chain = (SELECT chain FROM audit_chains WHERE chain IN (SELECT chain FROM audit_log WHERE seq = %d)) AND chain_seq > 2`, c[0]),
				q(`UPDATE audit_chains SET seq = seq - 1 WHERE chain IN (SELECT chain FROM audit_log WHERE seq = %d)`, c[0])}
		}, func(c []int64) int64 { return c[2] }, "does not link"},
		{"swap two", func(c, _ []int64) []string {
			return []string{q(`UPDATE audit_log SET chain_seq = -1 WHERE seq = %d`, c[1]),
				q(`UPDATE audit_log SET chain_seq = 2 WHERE seq = %d`, c[2]),
				q(`UPDATE audit_log SET chain_seq = 3 WHERE seq = %d`, c[1])}
		}, func(c []int64) int64 { return c[2] }, "does not link"},
		{"delete last", func(c, _ []int64) []string {
			return []string{q(`DELETE FROM audit_log WHERE seq = %d`, c[len(c)-1])}
		}, func(c []int64) int64 { return c[len(c)-2] }, "removed from the end"},
		{"delete all", func(c, _ []int64) []string {
			return []string{q(`DELETE FROM audit_log WHERE chain IN (SELECT chain FROM audit_log WHERE seq = %d)`, c[0])}
		}, func(c []int64) int64 { return 0 }, "removed from the end"},
		{"head moved back", func(c, _ []int64) []string {
			return []string{q(`UPDATE audit_chains SET hash = (SELECT prev_hash FROM audit_log WHERE seq = %d) WHERE chain IN (SELECT chain FROM audit_log WHERE seq = %d)`, c[len(c)-1], c[0])}
		}, func(c []int64) int64 { return c[len(c)-1] }, "head does not match"},
		{"moved from another chain", func(c, other []int64) []string {
			// The last record of another chain, appended to this one, heads
			// adjusted: it does not link to this chain's end, and the other
			// chain keeps verifying (its head now names its new end).
			return []string{
				q(`UPDATE audit_chains SET seq = seq + 1, hash = (SELECT hash FROM audit_log WHERE seq = %d) WHERE chain IN (SELECT chain FROM audit_log WHERE seq = %d)`, other[len(other)-1], c[0]),
				q(`UPDATE audit_chains SET seq = seq - 1, hash = (SELECT prev_hash FROM audit_log WHERE seq = %d) WHERE chain IN (SELECT chain FROM audit_log WHERE seq = %d)`, other[len(other)-1], other[0]),
				q(`UPDATE audit_log SET chain = (SELECT chain FROM audit_log WHERE seq = %d), chain_seq = %d WHERE seq = %d`, c[0], len(c)+1, other[len(other)-1]),
			}
		}, func(c []int64) int64 { return 0 }, "does not link"},
	}
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := audit.New(func() time.Time { return time.Date(2026, 2, 12, 9, 0, 0, 0, time.UTC) })
		res, err := l.Verify(ctx, d)
		if err != nil || !res.OK || res.Records != 0 || res.Chains != audit.Chains {
			t.Fatalf("empty log: %+v, %v", res, err)
		}
		chains := spread(t, d, l, 160)
		if len(chains) != audit.Chains {
			t.Fatalf("160 objects fill %d chains, want all %d", len(chains), audit.Chains)
		}
		for c, seqs := range chains {
			if len(seqs) < 4 {
				t.Fatalf("chain %d holds %d records; the cases need 4", c, len(seqs))
			}
		}
		res, err = l.Verify(ctx, d)
		if err != nil || !res.OK || res.Records != 160 {
			t.Fatalf("intact log: %+v, %v", res, err)
		}
		for _, stmt := range []string{`CREATE TABLE audit_backup AS SELECT * FROM audit_log`, `CREATE TABLE chains_backup AS SELECT * FROM audit_chains`} {
			if _, err := d.ExecContext(ctx, stmt); err != nil {
				t.Fatal(err)
			}
		}
		restore := func() {
			for _, stmt := range []string{`DELETE FROM audit_log`, `INSERT INTO audit_log SELECT * FROM audit_backup`,
				`DELETE FROM audit_chains`, `INSERT INTO audit_chains SELECT * FROM chains_backup`} {
				if _, err := d.ExecContext(ctx, stmt); err != nil {
					t.Fatal(err)
				}
			}
		}
		for chain := range audit.Chains {
			other := chains[(chain+1)%audit.Chains]
			for _, tt := range tampers {
				t.Run(fmt.Sprintf("chain %d/%s", chain, tt.name), func(t *testing.T) {
					defer restore()
					for _, stmt := range tt.sql(chains[chain], other) {
						if _, err := d.ExecContext(ctx, stmt); err != nil {
							t.Fatalf("%s: %v", stmt, err)
						}
					}
					res, err := l.Verify(ctx, d)
					if err != nil {
						t.Fatal(err)
					}
					at := tt.wantAt(chains[chain])
					if tt.name == "moved from another chain" {
						at = other[len(other)-1]
					}
					if res.OK || len(res.Breaks) != 1 || res.Breaks[0].Chain != chain || res.Broken != at ||
						!strings.Contains(res.Reason, tt.wantReason) || !strings.Contains(res.Reason, fmt.Sprintf("chain %d,", chain)) {
						t.Errorf("Verify = %+v, want one break in chain %d at record %d (%s)", res, chain, at, tt.wantReason)
					}
				})
			}
		}
		// Several chains broken at once: each is reported.
		restore()
		for _, c := range []int{3, 11} {
			if _, err := d.ExecContext(ctx, `UPDATE audit_log SET ip = '203.0.113.9' WHERE seq = ?`, chains[c][1]); err != nil {
				t.Fatal(err)
			}
		}
		res, err = l.Verify(ctx, d)
		if err != nil || res.OK || len(res.Breaks) != 2 || res.Breaks[0].Chain != 3 || res.Breaks[1].Chain != 11 ||
			res.Broken != chains[3][1] || res.Breaks[1].Seq != chains[11][1] {
			t.Errorf("two chains tampered: Verify = %+v, %v", res, err)
		}
		restore()
		// A record slipped in under a chain that has no head.
		if _, err := d.ExecContext(ctx, `UPDATE audit_log SET chain = 99, chain_seq = 1 WHERE seq = ?`, chains[5][len(chains[5])-1]); err != nil {
			t.Fatal(err)
		}
		res, err = l.Verify(ctx, d)
		if err != nil || res.OK || len(res.Breaks) != 2 || res.Breaks[0].Chain != 5 || res.Breaks[1].Chain != 99 {
			t.Errorf("record in a chain without a head: Verify = %+v, %v", res, err)
		}
	})
}

// A log written before the chains were split (one chain, migration 0005)
// still verifies after migration 0006, and new records continue it.
func TestSingleChainLogSurvivesMigration(t *testing.T) {
	for _, e := range []dbtest.Engine{dbtest.SQLite, dbtest.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			d, err := db.Open(ctx, dbtest.EmptyDSN(t, e), db.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			ms, err := db.Migrations(d.Dialect())
			if err != nil {
				t.Fatal(err)
			}
			// The schema as version 5 left it, recorded as Migrate records it,
			// so that Migrate below applies 0006 and what follows.
			if _, err := d.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
				checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
				t.Fatal(err)
			}
			for _, m := range ms[:5] {
				if _, err := d.ExecContext(ctx, m.SQL); err != nil {
					t.Fatalf("migration %d: %v", m.Version, err)
				}
				if _, err := d.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, 0)`,
					m.Version, m.Name, m.Checksum); err != nil {
					t.Fatal(err)
				}
			}
			// Three records as the single-chain log wrote them, hashed here
			// independently of the package.
			prev := ""
			at := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
			for seq := int64(1); seq <= 3; seq++ {
				fields := []string{prev, fmt.Sprint(seq), fmt.Sprint(at.UnixMicro()), "cli", "0", "operator", "agency.create", "agency", fmt.Sprint(seq),
					"", "false", "", "", ""}
				h := sha256.New()
				for _, f := range fields {
					fmt.Fprintf(h, "%d:%s;", len(f), f)
				}
				sum := hex.EncodeToString(h.Sum(nil))
				if _, err := d.ExecContext(ctx, `INSERT INTO audit_log (seq, at, actor_kind, actor_id, actor_name, action, object_type, object_id, prev_hash, hash)
					VALUES (?, ?, 'cli', 0, 'operator', 'agency.create', 'agency', ?, ?, ?)`, seq, at.UnixMicro(), fmt.Sprint(seq), prev, sum); err != nil {
					t.Fatal(err)
				}
				if _, err := d.ExecContext(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, seq, sum); err != nil {
					t.Fatal(err)
				}
				prev = sum
			}
			if _, err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			l := audit.New(nil)
			res, err := l.Verify(ctx, d)
			if err != nil || !res.OK || res.Records != 3 {
				t.Fatalf("migrated log: %+v, %v", res, err)
			}
			write(t, d, l, 40)
			res, err = l.Verify(ctx, d)
			if err != nil || !res.OK || res.Records != 43 {
				t.Fatalf("migrated log and new records: %+v, %v", res, err)
			}
			// New numbers follow the old ones, and chain 0 goes on after
			// the old records.
			var minNew, chain0 int64
			if err := d.QueryRowContext(ctx, `SELECT MIN(seq) FROM audit_log WHERE request_id = 'req-1'`).Scan(&minNew); err != nil || minNew != 4 {
				t.Errorf("first new record is %d (%v), want 4", minNew, err)
			}
			if err := d.QueryRowContext(ctx, `SELECT MAX(chain_seq) FROM audit_log WHERE chain = 0`).Scan(&chain0); err != nil || chain0 <= 3 {
				t.Errorf("chain 0 ends at %d (%v); want the old records followed by new ones", chain0, err)
			}
			if _, err := d.ExecContext(ctx, `UPDATE audit_log SET actor_name = 'someone else' WHERE seq = 2`); err != nil {
				t.Fatal(err)
			}
			if res, err := l.Verify(ctx, d); err != nil || res.OK || res.Broken != 2 {
				t.Errorf("old record changed: Verify = %+v, %v", res, err)
			}
		})
	}
}

func TestRollbackLeavesNoRecord(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := audit.New(nil)
		_ = d.Tx(ctx, func(tx *db.Tx) error {
			if err := l.Record(ctx, tx, audit.Entry{Action: "x", ObjectType: "t", ObjectID: "1"}); err != nil {
				t.Fatal(err)
			}
			return fmt.Errorf("abandon")
		})
		write(t, d, l, 1)
		res, err := l.Verify(ctx, d)
		if err != nil || !res.OK || res.Records != 1 {
			t.Fatalf("after a rollback: %+v, %v", res, err)
		}
	})
}

// Concurrent writers, on the same chains and on different ones, must still
// leave every chain unbroken.
func TestConcurrentWriters(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := audit.New(nil)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() { write(t, d, l, 10) })
		}
		wg.Wait()
		res, err := l.Verify(ctx, d)
		if err != nil || !res.OK || res.Records != 80 {
			t.Fatalf("Verify = %+v, %v; want 80 records OK", res, err)
		}
		var seqs, distinct int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT seq) FROM audit_log`).Scan(&seqs, &distinct); err != nil || distinct != seqs {
			t.Errorf("%d records carry %d distinct numbers (%v)", seqs, distinct, err)
		}
	})
}

func TestForSubject(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := audit.New(nil)
		err := d.Tx(ctx, func(tx *db.Tx) error {
			return l.Record(ctx, tx, audit.Entry{Actor: audit.Actor{Kind: "account", ID: 1, Name: "Cán bộ"},
				Action: "citizen.read", ObjectType: "citizen", ObjectID: "5", SubjectNationalID: "001090000001", PersonalRead: true})
		})
		if err != nil {
			t.Fatal(err)
		}
		rs, err := l.ForSubject(ctx, d, "001090000001", 10)
		if err != nil || len(rs) != 1 || !rs[0].PersonalRead || rs[0].ActorName != "Cán bộ" {
			t.Fatalf("ForSubject = %+v, %v", rs, err)
		}
	})
}
