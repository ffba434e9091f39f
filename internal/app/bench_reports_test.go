package app

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/report"
)

// TestBenchReports measures the statistics on a database that already
// holds a generated data set (motcua demo --dossiers N), for the whole
// province over the last reporting year and its months:
//
//	motcua demo --data DIR --dossiers 5000000
//	MOTCUA_BENCH_REPORTS_DB=sqlite:DIR/motcua.db go test -run '^TestBenchReports$' -v ./internal/app
//
// Skipped without MOTCUA_BENCH_REPORTS_DB. Each query runs five times;
// the log shows the slowest and the fastest.
func TestBenchReports(t *testing.T) {
	dsn := os.Getenv("MOTCUA_BENCH_REPORTS_DB")
	if dsn == "" {
		t.Skip("MOTCUA_BENCH_REPORTS_DB names a database with generated dossiers (see the comment)")
	}
	ctx := context.Background()
	d, err := db.Open(ctx, dsn, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.CheckSchema(ctx); err != nil {
		t.Fatal(err)
	}
	var dossiers, rows int64
	d.QueryRowContext(ctx, `SELECT COUNT(*) FROM dossiers`).Scan(&dossiers)
	d.QueryRowContext(ctx, `SELECT COUNT(*) FROM stat_days`).Scan(&rows)
	t.Logf("%s: %d dossiers, %d daily stat rows", d.Dialect(), dossiers, rows)
	ags := agency.NewService(d, audit.New(time.Now), time.Now)
	svc := report.NewService(d, ags, calendar.VietnamLocation(), time.Now)
	op := &authz.Principal{Kind: authz.Operator, Name: "bench"}
	year := report.Previous(report.Year, report.Current(report.Year, svc.Today()))
	cases := []struct {
		name string
		q    report.Query
		ix   bool
	}{
		{"stats, province, year", report.Query{Period: year}, false},
		{"stats by agency", report.Query{Period: year, Group: report.ByAgency}, false},
		{"stats by procedure", report.Query{Period: year, Group: report.ByProcedure}, false},
		{"stats by officer", report.Query{Period: year, Group: report.ByOfficer}, false},
		{"stats by month", report.Query{Period: year, Group: report.ByMonth}, false},
		{"stats, one department", report.Query{Agency: "H26.12", Period: year}, false},
		{"766 index by agency", report.Query{Period: year, Group: report.ByAgency}, true},
	}
	measure := func(name string, fn func() error) {
		var times []time.Duration
		for range 5 {
			start := time.Now()
			if err := fn(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			times = append(times, time.Since(start))
		}
		slices.Sort(times)
		t.Logf("%-32s %s: fastest %v, slowest %v", name, year, times[0].Round(time.Millisecond), times[len(times)-1].Round(time.Millisecond))
	}
	for _, c := range cases {
		measure(c.name, func() error {
			var err error
			if c.ix {
				_, err = svc.Index766(ctx, op, c.q)
			} else {
				_, err = svc.Stats(ctx, op, c.q)
			}
			return err
		})
	}
	// The lists behind the figures, first page.
	for _, m := range []string{"received", "late", "withdrawn", "carried_over", "in_progress", "overdue", "rated_unsatisfied"} {
		measure("list: "+m, func() error {
			_, _, err := svc.Dossiers(ctx, op, report.Query{Period: year}, m, 0)
			return err
		})
		// The same for the province's People's Committee and its sub-tree,
		// as a leader of the province asks it (a filter on the agencies).
		measure("list: "+m+" (H26)", func() error {
			_, _, err := svc.Dossiers(ctx, op, report.Query{Agency: "H26", Period: year}, m, 0)
			return err
		})
	}
}
