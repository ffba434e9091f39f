package audit_test

import (
	"context"
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

func TestVerifyDetectsTampering(t *testing.T) {
	tamper := []struct {
		name       string
		sql        string
		wantBroken int64
		wantReason string
	}{
		{"edit summary", `UPDATE audit_log SET summary = '{"after":"x"}' WHERE seq = 3`, 3, "changed"},
		{"edit actor", `UPDATE audit_log SET actor_name = 'Mallory' WHERE seq = 4`, 4, "changed"},
		{"delete middle", `DELETE FROM audit_log WHERE seq = 2`, 2, "missing"},
		{"delete last", `DELETE FROM audit_log WHERE seq = 5`, 4, "removed"},
		{"rehash one", `UPDATE audit_log SET hash = 'abc' WHERE seq = 2`, 2, "changed"},
	}
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := audit.New(func() time.Time { return time.Date(2026, 2, 12, 9, 0, 0, 0, time.UTC) })
		res, err := l.Verify(ctx, d)
		if err != nil || !res.OK || res.Records != 0 {
			t.Fatalf("empty log: %+v, %v", res, err)
		}
		write(t, d, l, 5)
		res, err = l.Verify(ctx, d)
		if err != nil || !res.OK || res.Records != 5 {
			t.Fatalf("intact log: %+v, %v", res, err)
		}
		for _, tt := range tamper {
			t.Run(tt.name, func(t *testing.T) {
				// Each case works on its own copy of the log.
				if _, err := d.ExecContext(ctx, `CREATE TABLE audit_backup AS SELECT * FROM audit_log`); err != nil {
					t.Fatal(err)
				}
				defer func() {
					d.ExecContext(ctx, `DELETE FROM audit_log`)
					d.ExecContext(ctx, `INSERT INTO audit_log SELECT * FROM audit_backup`)
					d.ExecContext(ctx, `DROP TABLE audit_backup`)
				}()
				if _, err := d.ExecContext(ctx, tt.sql); err != nil {
					t.Fatal(err)
				}
				res, err := l.Verify(ctx, d)
				if err != nil {
					t.Fatal(err)
				}
				if res.OK || res.Broken != tt.wantBroken || !strings.Contains(res.Reason, tt.wantReason) {
					t.Errorf("Verify = %+v, want broken at %d (%s)", res, tt.wantBroken, tt.wantReason)
				}
			})
		}
	})
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

// Concurrent writers must still produce one unbroken chain.
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
