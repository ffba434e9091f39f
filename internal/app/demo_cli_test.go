package app

import (
	"context"
	"strings"
	"testing"

	"github.com/motcua/motcua/internal/db"
)

// motcua demo --dossiers N loads the demo and generates N dossiers with
// their statistics; bad flags are refused with the usage.
func TestDemoDossiersCommand(t *testing.T) {
	engines(t, func(t *testing.T, data, dsn string) {
		for _, bad := range [][]string{{"--dossiers", "-1"}, {"--years", "0"}, {"--years", "11"}, {"extra"}} {
			if code, out, _ := run(t, "", append([]string{"demo", "--data", data, "--db", dsn}, bad...)...); code == 0 {
				t.Errorf("demo %v: accepted (%s)", bad, out)
			}
		}
		code, out, errOut := run(t, "", "demo", "--data", data, "--db", dsn, "--dossiers", "300", "--seed", "9")
		if code != 0 || !strings.Contains(out, "300 dossiers generated") {
			t.Fatalf("demo --dossiers 300: %d %q %q", code, out, errOut)
		}
		ctx := context.Background()
		d, err := db.Open(ctx, dsn, db.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		var dossiers, events, facts, received int64
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM dossiers`).Scan(&dossiers)
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM dossier_events`).Scan(&events)
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM dossier_facts`).Scan(&facts)
		d.QueryRowContext(ctx, `SELECT COALESCE(SUM(recv_counter + recv_post + recv_online_full + recv_online_partial), 0) FROM stat_days`).Scan(&received)
		var accepted int64
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM dossiers WHERE received_at IS NOT NULL`).Scan(&accepted)
		if dossiers != 300 || events < 3*dossiers || facts != 300 || received != accepted || accepted < 250 {
			t.Errorf("%d dossiers, %d events, %d facts rows, %d received in the counts, %d accepted", dossiers, events, facts, received, accepted)
		}
	})
}
