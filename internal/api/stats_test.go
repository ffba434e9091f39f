package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/motcua/motcua/internal/api"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/db/dbtest"
)

// The statistics endpoints on the seed: one dossier filed online at the
// desk of H26.03 on 2 March 2026 and accepted (seedCode), one filed and
// not yet received. Figures are about the processing agency, the
// Department of Justice H26.12, which nguyenvana administers. Who may see what is the report service's decision; these
// cases check that the edge passes the right principal and query and
// shows what comes back without personal data.
func TestStatsEndpoints(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		desk, admin := bearer(e.systemToken), bearer(e.officialToken)

		t.Run("figures", func(t *testing.T) {
			res := e.get(t, "/api/v1/stats?agency=000.00.12.H26&period=2026-03&group=procedure", admin...)
			if res.status != http.StatusOK {
				t.Fatalf("%d %s", res.status, res.body)
			}
			var s api.Stats
			res.decode(t, &s)
			if s.Agency == nil || *s.Agency != "H26.12" || s.Period.From != "2026-02-15" || s.Period.To != "2026-03-14" || s.Group != "procedure" {
				t.Errorf("query echoed as %+v", s.StatsQuery)
			}
			f := s.Total
			if f.Received != 1 || f.ReceivedOnline != 1 || f.InProgress != 1 || f.Resolved != 0 || f.CarriedOver != 0 {
				t.Errorf("total %+v", f.Figures)
			}
			if f.OnlineRate == nil || *f.OnlineRate != 1 || f.OnTimeRate != nil {
				t.Errorf("rates: online %v, on time %v", f.OnlineRate, f.OnTimeRate)
			}
			if len(s.Rows) != 1 || s.Rows[0].Key != "9.000001" || s.Rows[0].Received != 1 {
				t.Errorf("rows %+v", s.Rows)
			}
		})

		t.Run("by agency", func(t *testing.T) {
			// The key is the agency's code, never its internal id.
			var s api.Stats
			res := e.get(t, "/api/v1/stats?period=2026-03&group=agency", admin...)
			res.decode(t, &s)
			if len(s.Rows) != 1 || s.Rows[0].Key != "H26.12" || s.Rows[0].Label != "Sở Tư pháp Thành phố Hà Nội" {
				t.Errorf("rows %+v", s.Rows)
			}
		})

		t.Run("dossiers behind a figure", func(t *testing.T) {
			res := e.get(t, "/api/v1/stats/dossiers?period=2026-03&metric=received", admin...)
			if res.status != http.StatusOK {
				t.Fatalf("%d %s", res.status, res.body)
			}
			var l api.StatsDossierList
			res.decode(t, &l)
			if len(l.Items) != 1 || l.Items[0].Code == nil || *l.Items[0].Code != seedCode || l.More || l.Page != 1 {
				t.Errorf("list %+v", l)
			}
			if strings.Contains(string(res.body), "Trần Thị Bích") || strings.Contains(string(res.body), citizenID) {
				t.Errorf("the list carries personal data: %s", res.body)
			}
			res = e.get(t, "/api/v1/stats/dossiers?period=2026-03&metric=resolved", admin...)
			res.decode(t, &l)
			if len(l.Items) != 0 {
				t.Errorf("resolved: %+v", l.Items)
			}
		})

		t.Run("index", func(t *testing.T) {
			res := e.get(t, "/api/v1/index766?agency=H26.12&period=2026-03&group=agency", append(admin, "Accept-Language", "en")...)
			if res.status != http.StatusOK {
				t.Fatalf("%d %s", res.status, res.body)
			}
			var ix api.Index766
			res.decode(t, &ix)
			var max float64
			items := map[string]api.IndexItemScore{}
			for _, g := range ix.Groups {
				max += g.Max
				for _, it := range g.Items {
					items[it.Code] = it
				}
			}
			if len(ix.Groups) != 5 || max != 100 {
				t.Errorf("%d groups, %g points in all", len(ix.Groups), max)
			}
			if on := items["online_rate"]; !on.Available || on.Numerator == nil || *on.Numerator != 1 || *on.Denominator != 1 || on.Points != on.Max {
				t.Errorf("online_rate %+v", on)
			}
			if sync := items["sync_rate"]; sync.Available || sync.Reason == nil || !strings.Contains(*sync.Reason, "National Public Service Portal") {
				t.Errorf("sync_rate %+v", sync)
			}
			if len(ix.Rows) != 1 || ix.Rows[0].Key != "H26.12" || len(ix.Rows[0].Groups) != 5 {
				t.Errorf("rows %+v", ix.Rows)
			}
		})

		// Authorisation: nobody sees an agency outside their grants.
		for _, c := range []struct {
			name    string
			target  string
			headers []string
			want    int
		}{
			{"anonymous", "/api/v1/stats?agency=H26.12", nil, 401},
			{"citizen", "/api/v1/stats?agency=H26.12", cookie(e.citizenSession), 403},
			{"desk, the agency it serves", "/api/v1/stats?agency=H26.03", desk, 200},
			{"desk, another agency", "/api/v1/stats?agency=H26.12", desk, 403},
			{"official of another agency", "/api/v1/stats?agency=H26.03", bearer(e.officialToken), 403},
			{"official, parent agency", "/api/v1/stats?agency=H26", bearer(e.officialToken), 403},
			{"official, own sub-tree", "/api/v1/stats?agency=H26.12.05", bearer(e.officialToken), 200},
			{"desk, parent agency", "/api/v1/index766?agency=H26", desk, 403},
			{"list, other agency", "/api/v1/stats/dossiers?agency=H26.03", bearer(e.officialToken), 403},
		} {
			t.Run(c.name, func(t *testing.T) {
				if res := e.get(t, c.target, c.headers...); res.status != c.want {
					t.Errorf("%d, want %d: %s", res.status, c.want, res.body)
				}
			})
		}
	})
}
