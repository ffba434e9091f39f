package dossier_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/dossier"
	"github.com/motcua/motcua/internal/errs"
)

// TestConcurrentSubmitSameKey: a burst of retries with one idempotency key
// makes one dossier, and every retry is answered with it.
func TestConcurrentSubmitSameKey(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		a := e.birth("Bé Na")
		const n = 12
		ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
		defer cancel()
		var wg sync.WaitGroup
		got := make([]int64, n)
		errors := make([]error, n)
		startGun := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-startGun
				d, err := e.svc.Submit(ctx, c, a, "burst")
				got[i], errors[i] = d.ID, err
			})
		}
		close(startGun)
		wg.Wait()
		for i, err := range errors {
			if err != nil {
				t.Errorf("submission %d: %v", i, err)
			}
		}
		if got[0] == 0 || slices.ContainsFunc(got, func(id int64) bool { return id != got[0] }) {
			t.Errorf("dossiers %v, want one", got)
		}
		for table, want := range map[string]int{"dossiers": 1, "dossier_files": 1, "dossier_events": 1} {
			if n := e.rows(table); n != want {
				t.Errorf("%d rows in %s, want %d", n, table, want)
			}
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'dossier.submit'`); n != 1 {
			t.Errorf("%d submissions audited", n)
		}
		e.verifyAudit()

		// The same key with different applications at once: one of them
		// wins, the others are conflicts, never a second dossier.
		for i := range n {
			b := e.birth(fmt.Sprintf("Bé %d", i))
			wg.Go(func() {
				_, errors[i] = e.svc.Submit(ctx, c, b, "race")
			})
		}
		wg.Wait()
		won := 0
		for i, err := range errors {
			switch {
			case err == nil:
				won++
			case !errs.Is(err, errs.Conflict):
				t.Errorf("submission %d: %v, want a conflict", i, err)
			}
		}
		if won != 1 || e.rows("dossiers") != 2 {
			t.Errorf("%d submissions won, %d dossiers", won, e.rows("dossiers"))
		}
	})
}

// TestConcurrentAcceptance: fifty dossiers accepted at once at one desk get
// fifty different numbers, 0001 to 0050, on both engines.
func TestConcurrentAcceptance(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		const n = 50
		desk := e.official("badinh.tiepnhan")
		e.clk.Set(at("2026-03-02 08:00"))
		var pending []dossier.Dossier
		for i := range n {
			c := e.citizen(fmt.Sprintf("Công dân %d", i))
			pending = append(pending, e.get(c, e.submit(c, e.birth("Bé Na")).ID))
		}
		e.clk.Set(at("2026-03-02 09:00"))
		// A pool exhausted by transactions waiting for a second connection
		// would hang forever; the deadline turns that into a failure.
		ctx, cancel := context.WithTimeout(e.ctx, 8*time.Second)
		defer cancel()
		codes := make([]string, n)
		errors := make([]error, n)
		startGun := make(chan struct{})
		var wg sync.WaitGroup
		for i, d := range pending {
			wg.Go(func() {
				<-startGun
				got, err := e.svc.Act(ctx, desk, d.ID, dossier.Accept, dossier.Input{Version: d.Version})
				codes[i], errors[i] = got.Code, err
			})
		}
		// What the connection pool looks like two seconds in, for the
		// failure message.
		var pool sql.DBStats
		sampled := make(chan struct{})
		sampler := time.AfterFunc(2*time.Second, func() { pool, _ = e.d.Stats(); close(sampled) })
		began := time.Now()
		close(startGun)
		wg.Wait()
		if !sampler.Stop() {
			<-sampled
			t.Logf("after 2s: %d connections in use of at most %d, %d waits for a connection", pool.InUse, pool.MaxOpenConnections, pool.WaitCount)
		}
		failed := 0
		for i, err := range errors {
			if err != nil {
				failed++
				if failed <= 3 {
					t.Errorf("acceptance %d: %v", i, err)
				}
			}
		}
		if failed > 0 {
			t.Fatalf("%d of %d acceptances failed after %v", failed, n, time.Since(began).Round(time.Millisecond))
		}
		var want []string
		for i := 1; i <= n; i++ {
			want = append(want, fmt.Sprintf("000.01.50.H26-260302-%04d", i))
		}
		if got := slices.Sorted(slices.Values(codes)); !slices.Equal(got, want) {
			t.Errorf("codes %v,\nwant %v", got, want)
		}
		if got := e.count(`SELECT COUNT(DISTINCT code) FROM dossiers WHERE status = 'processing'`); got != n {
			t.Errorf("%d distinct codes stored", got)
		}
		e.verifyAudit()
	})
}

// TestConcurrentActionsOnOneDossier: of several officials acting on the same
// version at once, one wins and the others are told the dossier changed.
func TestConcurrentActionsOnOneDossier(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		d := e.accepted(c, e.birth("Bé Na"), at("2026-03-02 09:00"))
		spec := e.official("badinh.chuyenvien")
		const n = 8
		ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
		defer cancel()
		errors := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, errors[i] = e.svc.Act(ctx, spec, d.ID, dossier.Forward, dossier.Input{Version: d.Version})
			})
		}
		wg.Wait()
		won := 0
		for i, err := range errors {
			switch {
			case err == nil:
				won++
			case !errs.Is(err, errs.Conflict):
				t.Errorf("forward %d: %v, want a conflict", i, err)
			}
		}
		got := e.get(c, d.ID)
		if won != 1 || got.Step != 2 || got.Version != d.Version+1 {
			t.Errorf("%d forwards won; step %d version %d", won, got.Step, got.Version)
		}
		if n := e.count(`SELECT COUNT(*) FROM dossier_events WHERE dossier_id = ? AND action = 'forward'`, d.ID); n != 1 {
			t.Errorf("%d forward events", n)
		}
	})
}
