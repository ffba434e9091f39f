package app

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/demo"
	"github.com/motcua/motcua/internal/dossier"
	"github.com/motcua/motcua/internal/report"
)

// demoCmd loads the demo data set and, with --dossiers N, generates N
// dossiers with their whole history over the two years before now, for
// demonstrations and for measuring the reports at scale.
func demoCmd(ctx context.Context, args []string, env Env) error {
	var n int
	var years float64
	var seed uint64
	c, fs, err := parse("demo", args, env, func(fs *flag.FlagSet) {
		fs.IntVar(&n, "dossiers", 0, "generate this many dossiers with their history")
		fs.Float64Var(&years, "years", 2, "over this many years before now")
		fs.Uint64Var(&seed, "seed", 1, "random seed (the same seed gives the same data set)")
	})
	if err != nil {
		return err
	}
	if len(fs.Args()) > 0 || n < 0 || years <= 0 || years > report.MaxSpanYears {
		return usagef("usage: motcua demo [--dossiers N] [--years Y] [--seed S]")
	}
	log := newLogger(c, env.Stderr)
	k, err := open(ctx, c, env, log)
	if err != nil {
		return err
	}
	defer k.close()
	if _, err := demo.Load(ctx, k.agencies, k.identity); err != nil {
		return fmt.Errorf("load demo data: %w", err)
	}
	if _, err := demo.LoadCatalog(ctx, k.catalog); err != nil {
		return fmt.Errorf("load demo catalogue: %w", err)
	}
	if n == 0 {
		fmt.Fprintln(env.Stdout, "demo data set loaded")
		return nil
	}
	bundle, err := demo.Catalog()
	if err != nil {
		return err
	}
	var procs []catalog.Version
	for _, p := range bundle.Procedures {
		v, err := k.catalog.Published(ctx, p.Code, 0)
		if err != nil {
			continue // withdrawn since
		}
		procs = append(procs, v)
	}
	holders, err := k.identity.RoleHolders(ctx, authz.Specialist)
	if err != nil {
		return err
	}
	var specialists []dossier.Specialist
	for _, h := range holders {
		specialists = append(specialists, dossier.Specialist{ID: h.AccountID, AgencyPath: h.AgencyPath})
	}
	to := env.Now()
	from := to.Add(-time.Duration(years * 365.25 * 24 * float64(time.Hour)))
	started := time.Now()
	step := max(n/20, 2000)
	err = k.dossiers.Generate(ctx, procs, report.NewTally(k.calendar.Location()), dossier.GenerateOptions{
		N: n, From: from, To: to, Seed: seed, Specialists: specialists,
		Progress: func(done int) {
			if done%step < 2000 || done == n {
				fmt.Fprintf(env.Stderr, "%d/%d dossiers (%s)\n", done, n, time.Since(started).Round(time.Second))
			}
		},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%d dossiers generated in %s\n", n, time.Since(started).Round(time.Second))
	return nil
}
