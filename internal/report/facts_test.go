package report

import (
	"math/rand/v2"
	"testing"
	"time"
)

// A facts row's runs of overdue days tell, for every past day, what the
// state in force at the end of that day said: checked against that state
// on random histories (pauses, moved deadlines, closing, reopening, several
// changes a day), and the rows must leave to a replay only the days before
// their last run when they have had others.
func TestOverdueOnEqualsStateOfTheDay(t *testing.T) {
	loc := time.FixedZone("ICT", 7*3600)
	start := time.Date(2026, 3, 2, 8, 0, 0, 0, loc)
	type change struct {
		at    time.Time
		state fact
	}
	r := rand.New(rand.NewPCG(1, 2))
	unknown, replayed, overdueDays := 0, 0, 0
	for n := range 3000 {
		var hist []change
		at := start
		for range 1 + r.IntN(8) {
			at = at.Add(time.Duration(r.IntN(5*24+1)) * time.Hour)
			s := fact{Open: r.IntN(10) > 0, Paused: r.IntN(5) == 0}
			if r.IntN(10) > 0 {
				s.Due = time.Date(at.Year(), at.Month(), at.Day()-3+r.IntN(14), 17, 0, 0, 0, loc)
			}
			hist = append(hist, change{at, s})
		}
		// One history in ten starts from a row recorded before runs were
		// kept: only its state since the last change is known.
		fromUnknown := n%10 == 0
		var before fact
		found := false
		if fromUnknown {
			before, found = fact{Runs: -1, Changed: start.Add(-time.Hour)}, true
		}
		for _, c := range hist {
			after := c.state
			after.Changed = c.at
			after.carryRuns(&before, found, dayOf(c.at, loc), loc)
			before, found = after, true
		}
		if fromUnknown && before.Runs != -1 {
			t.Fatalf("history %d: runs %d, want still unknown", n, before.Runs)
		}
		for i := range 45 {
			day := dayOf(start.AddDate(0, 0, i-2), loc)
			want := false // before the first change: not received, or (unknown rows) not overdue
			for _, c := range hist {
				if dayOf(c.at, loc) <= day {
					s := c.state
					want = s.Open && !s.Paused && !s.Due.IsZero() && dayOf(s.Due, loc) <= day
				}
			}
			got, known := before.overdueOn(day, loc)
			if !known {
				if before.Runs >= 0 && (before.Runs < 2 || day >= before.RunFrom) {
					t.Errorf("history %d, day %d: not known from runs %d [%d, %d)", n, day, before.Runs, before.RunFrom, before.RunTo)
				}
				if fromUnknown {
					unknown++
				} else {
					replayed++
				}
				continue
			}
			if want {
				overdueDays++
			}
			if got != want {
				t.Errorf("history %d, day %d: overdue %v, the state of the day says %v (runs %d [%d, %d), changes %v)",
					n, day, got, want, before.Runs, before.RunFrom, before.RunTo, hist)
			}
		}
	}
	// The random histories reach every branch, or the check proves less
	// than it seems.
	if unknown == 0 || replayed == 0 || overdueDays == 0 {
		t.Errorf("unknown %d, replayed %d, overdue days %d: some case never arose", unknown, replayed, overdueDays)
	}
}
