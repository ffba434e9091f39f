package report

import (
	"math"
	"strings"
	"testing"
)

func TestDefaultIndexConfig(t *testing.T) {
	c := DefaultIndexConfig()
	want := map[string]float64{"transparency": 18, "timeliness": 20, "digitisation": 22, "online": 22, "satisfaction": 18}
	if len(c.Groups) != len(want) {
		t.Fatalf("%d groups", len(c.Groups))
	}
	for _, g := range c.Groups {
		if want[g.Code] != g.Points {
			t.Errorf("group %s: %g points, DESIGN §3.5 says %g", g.Code, g.Points, want[g.Code])
		}
	}
}

func TestScore(t *testing.T) {
	// 10 resolved (8 in time), 20 received (5 online, 4 of them toàn
	// trình), 4 digitised, 2 reused, 6 electronic results of the 9
	// non-refusals, 4 with fees of which 1 paid online, 5 ratings (4
	// satisfied), 15 working days used against 10 legal.
	f := Figures{Early: 5, OnTime: 3, Late: 2, Refusals: 1, ReceivedCounter: 14, ReceivedPost: 1, ReceivedOnlineFull: 4,
		ReceivedOnlinePartial: 1, Digitized: 4, Reused: 2, Electronic: 6, WithFee: 4, PaidOnline: 1, RatedSatisfied: 4,
		RatedUnsatisfied: 1, WorkDaysSum: 15, LegalDaysSum: 10}
	f.finish()
	ix := DefaultIndexConfig().Score(f)
	want := map[string]float64{
		"sync_rate":              0,                    // not measured
		"on_time_rate":           14 * 0.8,             // 8/10
		"time_vs_legal":          6 * (2 - 1.5) / 1,    // 1.5 times the legal time: half-way from full (1) to zero (2)
		"digitized_rate":         8 * 4.0 / 20,         //
		"electronic_result_rate": 8 * 6.0 / 9,          //
		"reuse_rate":             6 * (2.0 / 20) / 0.5, // full points at 50 %
		"online_rate":            10 * 5.0 / 20,
		"online_full_rate":       4 * 4.0 / 5,
		"online_payment_rate":    8 * 1.0 / 4,
		"satisfaction_rate":      18 * 4.0 / 5,
	}
	var total float64
	for _, g := range ix.Groups {
		var sum float64
		for _, it := range g.Items {
			if math.Abs(it.Points-want[it.Code]) > 1e-9 {
				t.Errorf("%s: %g points, want %g (value %+v)", it.Code, it.Points, want[it.Code], it.Value)
			}
			sum += it.Points
		}
		if math.Abs(sum-g.Points) > 1e-9 {
			t.Errorf("group %s: %g points, items add up to %g", g.Group.Code, g.Points, sum)
		}
		total += sum
	}
	if math.Abs(total-ix.Points) > 1e-9 {
		t.Errorf("total %g, groups add up to %g", ix.Points, total)
	}
	if v := ix.Groups[0].Items[0].Value; v.Available || v.Reason != "report.index.no_sync" {
		t.Errorf("sync rate: %+v, want unavailable", v)
	}
	// Nothing to count is no data, not zero per cent.
	empty := DefaultIndexConfig().Score(Figures{})
	if empty.Points != 0 {
		t.Errorf("empty: %g points", empty.Points)
	}
	for _, g := range empty.Groups {
		for _, it := range g.Items {
			if it.Value.Available {
				t.Errorf("empty: %s available", it.Code)
			}
		}
	}
	// Beyond the thresholds, points are clipped.
	fast := Figures{OnTime: 1, WorkDaysSum: 0.5, LegalDaysSum: 5}
	fast.finish()
	if got := DefaultIndexConfig().Score(fast).Groups[1].Items[1].Points; got != 6 {
		t.Errorf("time_vs_legal at 0.1 of the legal time: %g points, want 6", got)
	}
}

func TestParseIndexConfig(t *testing.T) {
	group := func(items string) string {
		return `{"groups": [{"code": "a", "points": 100, "items": [` + items + `]}]}`
	}
	tests := []struct {
		name, json, err string
	}{
		{"ok", group(`{"code": "on_time_rate", "points": 100, "zero": 0, "full": 1}`), ""},
		{"unknown item", group(`{"code": "happiness", "points": 100, "zero": 0, "full": 1}`), "unknown item"},
		{"twice", group(`{"code": "on_time_rate", "points": 50, "zero": 0, "full": 1}, {"code": "on_time_rate", "points": 50, "zero": 0, "full": 1}`), "twice"},
		{"items short", group(`{"code": "on_time_rate", "points": 90, "zero": 0, "full": 1}`), "add up to 90"},
		{"equal thresholds", group(`{"code": "on_time_rate", "points": 100, "zero": 1, "full": 1}`), "must differ"},
		{"not 100", `{"groups": [{"code": "a", "points": 90, "items": [{"code": "on_time_rate", "points": 90, "zero": 0, "full": 1}]}]}`, "not 100"},
		{"unknown field", `{"groups": [], "weights": 1}`, "unknown field"},
	}
	for _, tt := range tests {
		_, err := ParseIndexConfig(strings.NewReader(tt.json))
		if (tt.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.err)
		}
	}
}
