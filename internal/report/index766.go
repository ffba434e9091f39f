package report

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/motcua/motcua/internal/authz"
)

//go:embed index766.json
var defaultIndex766 []byte

// IndexConfig is the scoring of the 766 index: groups with their maximum
// points, each made of items (data points) with their weight and the
// values that score nothing and everything. It is data, because the
// official appendix is not public and changes: docs/index766.md explains
// the shipped one.
type IndexConfig struct {
	Note   string       `json:"note"`
	Groups []IndexGroup `json:"groups"`
}

// IndexGroup is one of the five groups.
type IndexGroup struct {
	Code   string      `json:"code"`
	NameVI string      `json:"name_vi"`
	NameEN string      `json:"name_en"`
	Points float64     `json:"points"`
	Items  []IndexItem `json:"items"`
}

// IndexItem scores one data point linearly between Zero and Full; a Zero
// above Full means lower is better (time against the legal time).
type IndexItem struct {
	Code   string  `json:"code"`
	Points float64 `json:"points"`
	Zero   float64 `json:"zero"`
	Full   float64 `json:"full"`
}

// DataPoints are the items the platform can measure.
var DataPoints = []string{"sync_rate", "on_time_rate", "time_vs_legal", "digitized_rate", "electronic_result_rate",
	"reuse_rate", "online_rate", "online_full_rate", "online_payment_rate", "satisfaction_rate"}

// DefaultIndexConfig is the shipped scoring.
func DefaultIndexConfig() IndexConfig {
	c, err := ParseIndexConfig(bytes.NewReader(defaultIndex766))
	if err != nil {
		panic(fmt.Sprintf("report: shipped index766.json: %v", err))
	}
	return c
}

// ParseIndexConfig reads and checks a scoring: known items, each once;
// the items of a group adding up to its points, the groups to 100;
// thresholds that are not equal.
func ParseIndexConfig(r io.Reader) (IndexConfig, error) {
	var c IndexConfig
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("index766: %w", err)
	}
	seen := map[string]bool{}
	var total float64
	for _, g := range c.Groups {
		var sum float64
		for _, it := range g.Items {
			if !slices.Contains(DataPoints, it.Code) {
				return c, fmt.Errorf("index766: group %s: unknown item %q", g.Code, it.Code)
			}
			if seen[it.Code] {
				return c, fmt.Errorf("index766: item %q appears twice", it.Code)
			}
			if it.Zero == it.Full || it.Points < 0 {
				return c, fmt.Errorf("index766: item %q: zero and full must differ, points must not be negative", it.Code)
			}
			seen[it.Code] = true
			sum += it.Points
		}
		if math.Abs(sum-g.Points) > 1e-9 {
			return c, fmt.Errorf("index766: group %s: items add up to %g points, the group has %g", g.Code, sum, g.Points)
		}
		total += g.Points
	}
	if math.Abs(total-100) > 1e-9 {
		return c, fmt.Errorf("index766: groups add up to %g points, not 100", total)
	}
	return c, nil
}

// SetIndexConfig replaces the scoring.
func (s *Service) SetIndexConfig(c IndexConfig) { s.index = c }

// Value is a measured data point: Num / Den, or no data.
type Value struct {
	Num, Den  float64
	Available bool   // false: nothing to count, or the platform does not measure it yet
	Reason    string // message key when not available
}

// Rate is Num / Den.
func (v Value) Rate() float64 {
	if !v.Available || v.Den == 0 {
		return 0
	}
	return v.Num / v.Den
}

// ItemScore is one data point with its points.
type ItemScore struct {
	Code   string
	Value  Value
	Points float64
	Max    float64
}

// GroupScore is one group's points.
type GroupScore struct {
	Group  IndexGroup
	Points float64
	Items  []ItemScore
}

// Index is the 766 index of a set of dossiers over a period.
type Index struct {
	Figures Figures
	Groups  []GroupScore
	Points  float64
}

// DataPointsOf measures every data point from the figures.
func DataPointsOf(f Figures) map[string]Value {
	r := func(num, den int64) Value {
		if den == 0 {
			return Value{Reason: "report.index.nothing"}
		}
		return Value{Num: float64(num), Den: float64(den), Available: true}
	}
	out := map[string]Value{
		// Status synchronisation with the national portal comes with the
		// LGSP/NDXP connection, not built yet: measured as unavailable
		// rather than guessed.
		"sync_rate":              {Reason: "report.index.no_sync"},
		"on_time_rate":           r(f.Early+f.OnTime, f.Resolved),
		"digitized_rate":         r(f.Digitized, f.Received),
		"electronic_result_rate": r(f.Electronic, f.Resolved-f.Refusals),
		"reuse_rate":             r(f.Reused, f.Received),
		"online_rate":            r(f.ReceivedOnline, f.Received),
		"online_full_rate":       r(f.ReceivedOnlineFull, f.ReceivedOnline),
		"online_payment_rate":    r(f.PaidOnline, f.WithFee),
		"satisfaction_rate":      r(f.RatedSatisfied, f.RatedSatisfied+f.RatedNeutral+f.RatedUnsatisfied),
	}
	if f.Resolved > 0 && f.LegalDaysSum > 0 {
		out["time_vs_legal"] = Value{Num: f.WorkDaysSum, Den: f.LegalDaysSum, Available: true}
	} else {
		out["time_vs_legal"] = Value{Reason: "report.index.nothing"}
	}
	return out
}

// Score scores figures with the configuration.
func (c IndexConfig) Score(f Figures) Index {
	values := DataPointsOf(f)
	ix := Index{Figures: f}
	for _, g := range c.Groups {
		gs := GroupScore{Group: g}
		for _, it := range g.Items {
			v := values[it.Code]
			is := ItemScore{Code: it.Code, Value: v, Max: it.Points}
			if v.Available {
				frac := (v.Rate() - it.Zero) / (it.Full - it.Zero)
				is.Points = it.Points * math.Max(0, math.Min(1, frac))
			}
			gs.Points += is.Points
			gs.Items = append(gs.Items, is)
		}
		ix.Points += gs.Points
		ix.Groups = append(ix.Groups, gs)
	}
	return ix
}

// IndexRow is one agency's index.
type IndexRow struct {
	Key   string
	Index Index
}

// IndexResult is the index of a query, in total and per group row.
type IndexResult struct {
	Result
	Index Index
	Rows  []IndexRow
}

// Index766 computes the index for the query's scope and period, and for
// each of its rows when grouped (by agency, for the ranking).
func (s *Service) Index766(ctx context.Context, p *authz.Principal, q Query) (IndexResult, error) {
	res, err := s.Stats(ctx, p, q)
	if err != nil {
		return IndexResult{}, err
	}
	out := IndexResult{Result: res, Index: s.index.Score(res.Total)}
	for _, r := range res.Rows {
		out.Rows = append(out.Rows, IndexRow{Key: r.Key, Index: s.index.Score(r.Figures)})
	}
	return out, nil
}

// IndexConfig returns the scoring in use.
func (s *Service) IndexConfig() IndexConfig { return s.index }
