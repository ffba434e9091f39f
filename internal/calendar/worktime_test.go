package calendar

import (
	"math/rand/v2"
	"testing"
	"time"
)

// shipped returns a calendar with the default hours and the shipped
// holidays, in the fixed +7 zone.
func shipped(t testing.TB) *Calendar {
	t.Helper()
	ex, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(ict, DefaultHours(), ex)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// plain returns a calendar with the given hours and no exceptions.
func plain(t testing.TB, hours []Span) *Calendar {
	t.Helper()
	c, err := New(ict, hours, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func checkTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %s, want %s", what, got.Format("Mon 2006-01-02 15:04:05"), want.Format("Mon 2006-01-02 15:04:05"))
	}
	if got.Location() != ict {
		t.Errorf("%s is in %v, want the calendar's location", what, got.Location())
	}
}

// TestWorkedExamples2026 uses real 2026 dates and the shipped data.
func TestWorkedExamples2026(t *testing.T) {
	c := shipped(t)
	tests := []struct {
		name string
		from string
		days int
		want string
	}{
		// Tết Bính Ngọ: Monday 16 to Friday 20 February are off, between
		// two weekends, so nothing is worked from Sat 14 to Sun 22.
		{"Tết: Thu 12 Feb 16:00 + 5", "2026-02-12 16:00", 5, "2026-02-26 16:00"}, // Fri 13, Mon 23 … Thu 26
		{"Tết: Fri 13 Feb 16:30 + 1", "2026-02-13 16:30", 1, "2026-02-23 16:30"},
		{"received during Tết + 5", "2026-02-18 10:00", 5, "2026-02-27 17:00"}, // counts from Mon 23 08:00
		{"received on mùng 1 + 0", "2026-02-17 09:00", 0, "2026-02-23 08:00"},
		// 30/4–1/5: that week Sat 25 and Sun 26 April (Hùng Kings' day, a
		// Sunday) are off, Mon 27 is the compensatory day off for it, Tue 28
		// and Wed 29 are worked, Thu 30 April and Fri 1 May are holidays and
		// Sat 2, Sun 3 May the weekend; no swap was made.
		{"30/4: Fri 24 Apr 16:00 + 5", "2026-04-24 16:00", 5, "2026-05-06 16:00"}, // Tue 28, Wed 29, Mon 4, Tue 5, Wed 6
		{"Hùng Kings: Sat 25 Apr + 1", "2026-04-25 10:00", 1, "2026-04-28 17:00"},
		{"Hùng Kings: Fri 24 Apr 09:00 + 1", "2026-04-24 09:00", 1, "2026-04-28 09:00"},
		// Make-up Saturdays: 10 January (for Friday 2 January) and
		// 22 August (for Monday 31 August) are working days.
		{"make-up Sat 10 Jan", "2026-01-09 10:00", 1, "2026-01-10 10:00"},
		{"New Year: Wed 31 Dec 2025 15:00 + 2", "2025-12-31 15:00", 2, "2026-01-06 15:00"},
		{"make-up Sat 22 Aug", "2026-08-21 14:00", 1, "2026-08-22 14:00"},
		{"Quốc khánh: Fri 21 Aug 16:00 + 5", "2026-08-21 16:00", 5, "2026-08-27 16:00"}, // Sat 22, Mon 24 … Thu 27
		// Mon 31 Aug (swapped), Tue 1 and Wed 2 September are off.
		{"Quốc khánh: Fri 28 Aug 09:00 + 1", "2026-08-28 09:00", 1, "2026-09-03 09:00"},
		{"Quốc khánh: Fri 28 Aug 08:00 + 2", "2026-08-28 08:00", 2, "2026-09-03 17:00"},
		// Ngày Văn hóa Việt Nam, Tuesday 24 November, with no swap.
		{"Culture Day: Mon 23 Nov 10:00 + 1", "2026-11-23 10:00", 1, "2026-11-25 10:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.AddWorkingDays(at(t, tt.from), tt.days)
			checkTime(t, "AddWorkingDays", got, at(t, tt.want))
			// The same deadline in working hours.
			got = c.AddWorkingHours(at(t, tt.from), time.Duration(tt.days)*c.DayLength())
			checkTime(t, "AddWorkingHours", got, at(t, tt.want))
		})
	}
}

func TestNextWorkingStart2026(t *testing.T) {
	c := shipped(t)
	tests := []struct{ from, want string }{
		{"2026-02-16 08:00", "2026-02-23 08:00"}, // first day of the Tết break
		{"2026-02-17 00:00", "2026-02-23 08:00"}, // mùng 1
		{"2026-02-13 17:00", "2026-02-23 08:00"}, // after closing on the eve
		{"2026-02-13 16:59", "2026-02-13 16:59"}, // still open
		{"2026-04-25 10:00", "2026-04-28 08:00"}, // weekend, then nghỉ bù Hùng Vương
		{"2026-09-01 08:00", "2026-09-03 08:00"},
		{"2026-08-22 07:00", "2026-08-22 08:00"}, // make-up Saturday opens
		{"2026-03-10 12:30", "2026-03-10 13:00"}, // lunch break
		{"2026-03-10 12:00", "2026-03-10 13:00"},
		{"2026-03-10 06:00", "2026-03-10 08:00"},
	}
	for _, tt := range tests {
		checkTime(t, "NextWorkingStart("+tt.from+")", c.NextWorkingStart(at(t, tt.from)), at(t, tt.want))
	}
	// A time given in another zone comes back in the calendar's.
	utc := time.Date(2026, time.March, 10, 3, 0, 0, 0, time.UTC)
	checkTime(t, "NextWorkingStart(03:00 UTC)", c.NextWorkingStart(utc), at(t, "2026-03-10 10:00"))
	checkTime(t, "AddWorkingDays(03:00 UTC, 1)", c.AddWorkingDays(utc, 1), at(t, "2026-03-11 10:00"))

	e, ok := c.ExceptionOn(mustDate(t, "2026-04-27"))
	if !ok || e.Kind != Holiday || e.NameVI == "" {
		t.Errorf("ExceptionOn(2026-04-27) = %+v, %v; want the compensatory day for Giỗ Tổ Hùng Vương", e, ok)
	}
}

// TestPositionConventions pins the end-of-span rule on an ordinary week
// (9–13 March 2026 has no holiday).
func TestPositionConventions(t *testing.T) {
	c := shipped(t)
	days := []struct {
		from string
		n    int
		want string
	}{
		{"2026-03-10 10:00", 1, "2026-03-11 10:00"}, // Tue 10:00 + 1 = Wed 10:00
		{"2026-03-09 08:00", 5, "2026-03-13 17:00"}, // never the next Monday 08:00
		{"2026-03-09 08:00", 1, "2026-03-09 17:00"}, // the start day counts
		{"2026-03-09 07:00", 1, "2026-03-09 17:00"}, // before opening = at opening
		{"2026-03-10 12:30", 1, "2026-03-11 12:00"}, // lunch: 13:00 shares 12:00's position
		{"2026-03-10 13:00", 1, "2026-03-11 12:00"}, // 13:00 + 8h = next 12:00
		{"2026-03-10 14:30", 1, "2026-03-11 14:30"},
		{"2026-03-10 17:00", 1, "2026-03-11 17:00"}, // after closing = next opening
		{"2026-03-13 10:00", 1, "2026-03-16 10:00"}, // Friday to Monday
		{"2026-03-10 10:00", 0, "2026-03-10 10:00"},
		{"2026-03-10 10:00", -3, "2026-03-10 10:00"}, // negative is clamped to 0
		{"2026-03-14 10:00", -1, "2026-03-16 08:00"},
	}
	for _, tt := range days {
		checkTime(t, "AddWorkingDays("+tt.from+")", c.AddWorkingDays(at(t, tt.from), tt.n), at(t, tt.want))
	}
	hours := []struct {
		from string
		w    time.Duration
		want string
	}{
		{"2026-03-09 08:00", 4 * time.Hour, "2026-03-09 12:00"}, // not 13:00
		{"2026-03-09 08:00", 8 * time.Hour, "2026-03-09 17:00"}, // not Tue 08:00
		{"2026-03-09 11:00", 2 * time.Hour, "2026-03-09 14:00"}, // skips lunch
		{"2026-03-09 16:30", time.Hour, "2026-03-10 08:30"},
		{"2026-03-13 16:30", time.Hour, "2026-03-16 08:30"}, // skips the weekend
		{"2026-03-09 12:15", time.Minute, "2026-03-09 13:01"},
		{"2026-03-09 10:00", 0, "2026-03-09 10:00"},
		{"2026-03-09 10:00", -time.Hour, "2026-03-09 10:00"},
		{"2026-03-09 10:00", 80 * time.Hour, "2026-03-23 10:00"}, // ten working days
	}
	for _, tt := range hours {
		checkTime(t, "AddWorkingHours("+tt.from+")", c.AddWorkingHours(at(t, tt.from), tt.w), at(t, tt.want))
	}
}

func TestCustomHours(t *testing.T) {
	// 07:30–11:30 and 13:30–17:00: 7h30m a day.
	c := plain(t, []Span{{hm(7, 30), hm(11, 30)}, {hm(13, 30), hm(17, 0)}})
	if c.DayLength() != 7*time.Hour+30*time.Minute {
		t.Fatalf("DayLength = %v", c.DayLength())
	}
	checkTime(t, "start 07:30 + 1 day", c.AddWorkingDays(at(t, "2026-03-09 07:30"), 1), at(t, "2026-03-09 17:00"))
	checkTime(t, "10:00 + 1 day", c.AddWorkingDays(at(t, "2026-03-09 10:00"), 1), at(t, "2026-03-10 10:00"))
	checkTime(t, "12:00 + 1 day", c.AddWorkingDays(at(t, "2026-03-09 12:00"), 1), at(t, "2026-03-10 11:30"))
	checkTime(t, "11:00 + 1h", c.AddWorkingHours(at(t, "2026-03-09 11:00"), time.Hour), at(t, "2026-03-09 14:00"))
	checkTime(t, "07:00 start", c.NextWorkingStart(at(t, "2026-03-09 07:00")), at(t, "2026-03-09 07:30"))
	checkTime(t, "17:00 start", c.NextWorkingStart(at(t, "2026-03-09 17:00")), at(t, "2026-03-10 07:30"))
	// Saturdays stay off: only a Workday exception opens one.
	checkTime(t, "Friday 16:00 + 1h", c.AddWorkingHours(at(t, "2026-03-13 16:00"), time.Hour), at(t, "2026-03-13 17:00"))
	checkTime(t, "Friday 16:00 + 2h", c.AddWorkingHours(at(t, "2026-03-13 16:00"), 2*time.Hour), at(t, "2026-03-16 08:30"))
	if c.IsWorkingTime(at(t, "2026-03-09 12:00")) || !c.IsWorkingTime(at(t, "2026-03-09 07:30")) {
		t.Error("IsWorkingTime disagrees with the custom hours")
	}
	if got := c.WorkingTimeBetween(at(t, "2026-03-09 00:00"), at(t, "2026-03-16 00:00"), nil); got != 5*c.DayLength() {
		t.Errorf("a week = %v, want %v", got, 5*c.DayLength())
	}
}

func TestWorkingTimeBetween(t *testing.T) {
	c := shipped(t)
	iv := func(a, b string) Interval { return Interval{at(t, a), at(t, b)} }
	tests := []struct {
		name   string
		a, b   string
		pauses []Interval
		want   time.Duration
	}{
		{"same day across lunch", "2026-03-10 10:00", "2026-03-10 15:00", nil, 4 * time.Hour},
		{"inside lunch", "2026-03-10 12:10", "2026-03-10 12:50", nil, 0},
		{"empty", "2026-03-10 10:00", "2026-03-10 10:00", nil, 0},
		{"a week", "2026-03-09 08:00", "2026-03-13 17:00", nil, 40 * time.Hour},
		{"across Tết", "2026-02-12 16:00", "2026-02-23 10:00", nil, 11 * time.Hour},
		{"make-up Saturday counts", "2026-08-21 00:00", "2026-08-24 00:00", nil, 16 * time.Hour},
		{"reversed is negative", "2026-03-10 15:00", "2026-03-10 10:00", nil, -4 * time.Hour},
		{"one pause", "2026-03-09 08:00", "2026-03-13 17:00",
			[]Interval{iv("2026-03-10 10:00", "2026-03-11 10:00")}, 32 * time.Hour},
		{"overlapping pauses count once", "2026-03-09 08:00", "2026-03-13 17:00",
			[]Interval{iv("2026-03-10 10:00", "2026-03-11 10:00"), iv("2026-03-10 15:00", "2026-03-12 08:00")}, 26 * time.Hour},
		{"pause starting before a", "2026-03-09 08:00", "2026-03-13 17:00",
			[]Interval{iv("2026-03-08 10:00", "2026-03-09 10:00")}, 38 * time.Hour},
		{"pause ending after b", "2026-03-09 08:00", "2026-03-13 17:00",
			[]Interval{iv("2026-03-13 16:00", "2026-03-20 10:00")}, 39 * time.Hour},
		{"pause covering everything", "2026-03-09 08:00", "2026-03-13 17:00",
			[]Interval{iv("2026-03-01 00:00", "2026-04-01 00:00")}, 0},
		{"empty and reversed pauses ignored", "2026-03-09 08:00", "2026-03-13 17:00",
			[]Interval{iv("2026-03-10 10:00", "2026-03-10 10:00"), iv("2026-03-11 10:00", "2026-03-10 10:00")}, 40 * time.Hour},
		{"pause outside", "2026-03-09 08:00", "2026-03-13 17:00",
			[]Interval{iv("2026-03-14 08:00", "2026-03-20 10:00")}, 40 * time.Hour},
		{"reversed with a pause", "2026-03-13 17:00", "2026-03-09 08:00",
			[]Interval{iv("2026-03-10 10:00", "2026-03-11 10:00")}, -32 * time.Hour},
	}
	for _, tt := range tests {
		if got := c.WorkingTimeBetween(at(t, tt.a), at(t, tt.b), tt.pauses); got != tt.want {
			t.Errorf("%s: WorkingTimeBetween = %v, want %v", tt.name, got, tt.want)
		}
	}
	// Thu 26 Feb 16:00 to Mon 2 Mar 10:00: 1h + 8h + 2h = 11h.
	if got := c.WorkingDaysBetween(at(t, "2026-02-26 16:00"), at(t, "2026-03-02 10:00"), nil); got != 1.375 {
		t.Errorf("WorkingDaysBetween = %v, want 1.375", got)
	}
}

// TestVietnamMatchesFixedZone checks that the tz-database calendar and the
// fixed-offset one agree.
func TestVietnamMatchesFixedZone(t *testing.T) {
	v, err := Vietnam()
	if err != nil {
		t.Fatal(err)
	}
	from := at(t, "2026-04-24 16:00")
	if got, want := v.AddWorkingDays(from, 5), shipped(t).AddWorkingDays(from, 5); !got.Equal(want) {
		t.Errorf("Vietnam() gives %v, fixed zone %v", got, want)
	}
}

// randomTime returns a time in 2025–2027, a quarter of them exactly on a
// span boundary, where off-by-one mistakes live.
func randomTime(r *rand.Rand, c *Calendar) time.Time {
	start := time.Date(2025, time.January, 1, 0, 0, 0, 0, ict)
	d := DateOf(start).AddDays(r.IntN(3 * 365))
	var off time.Duration
	if r.IntN(4) == 0 {
		s := c.hours[r.IntN(len(c.hours))]
		off = []time.Duration{s.Start, s.End}[r.IntN(2)]
	} else {
		off = time.Duration(r.Int64N(int64(24*time.Hour/time.Second))) * time.Second
	}
	return c.at(d, off)
}

// isSpanEnd reports whether t is exactly the end of a span on a working day.
func isSpanEnd(c *Calendar, t time.Time) bool {
	d, off := c.split(t)
	if !c.IsWorkingDay(d) {
		return false
	}
	for _, s := range c.hours {
		if off == s.End {
			return true
		}
	}
	return false
}

func TestProperties(t *testing.T) {
	c := shipped(t)
	r := rand.New(rand.NewPCG(2026, 1124))
	const cases = 4000
	maxW := int64(60 * c.DayLength() / time.Minute)
	for i := 0; i < cases; i++ {
		t1 := randomTime(r, c)
		w := time.Duration(r.Int64N(maxW+1)) * time.Minute
		start := c.NextWorkingStart(t1)
		end := c.AddWorkingHours(t1, w)

		if start.Before(t1) || !c.IsWorkingTime(start) || !c.NextWorkingStart(start).Equal(start) {
			t.Fatalf("NextWorkingStart(%v) = %v: not a working time at or after it", t1, start)
		}
		if got := c.WorkingTimeBetween(start, end, nil); got != w {
			t.Fatalf("WorkingTimeBetween(%v, AddWorkingHours(%v, %v) = %v) = %v", start, t1, w, end, got)
		}
		if got := c.WorkingTimeBetween(t1, end, nil); got != w {
			t.Fatalf("WorkingTimeBetween from %v itself = %v, want %v", t1, got, w)
		}
		if w > 0 && !c.IsWorkingTime(end) && !isSpanEnd(c, end) {
			t.Fatalf("AddWorkingHours(%v, %v) = %v: neither working time nor a span end", t1, w, end)
		}
		if w > 0 && !end.After(start) {
			t.Fatalf("AddWorkingHours(%v, %v) = %v: not after the start %v", t1, w, end, start)
		}

		n := r.IntN(61)
		if got, want := c.AddWorkingDays(t1, n), c.AddWorkingHours(t1, time.Duration(n)*c.DayLength()); !got.Equal(want) {
			t.Fatalf("AddWorkingDays(%v, %d) = %v, AddWorkingHours gives %v", t1, n, got, want)
		}

		// Monotonic in the start and in the amount.
		t2 := t1.Add(time.Duration(r.Int64N(int64(72 * time.Hour))))
		if e2 := c.AddWorkingHours(t2, w); e2.Before(end) {
			t.Fatalf("AddWorkingHours(%v, %v) = %v is before AddWorkingHours(%v, %v) = %v", t2, w, e2, t1, w, end)
		}
		w2 := w + time.Duration(r.Int64N(int64(10*time.Hour)))
		if e2 := c.AddWorkingHours(t1, w2); e2.Before(end) || (w2 > w && !e2.After(end)) {
			t.Fatalf("AddWorkingHours(%v, %v) = %v is not after %v for %v", t1, w2, e2, end, w)
		}
		if d2 := c.AddWorkingDays(t1, n+1); !d2.After(c.AddWorkingDays(t1, n)) {
			t.Fatalf("AddWorkingDays(%v, %d) is not after n = %d", t1, n+1, n)
		}

		// Additivity and antisymmetry.
		m := randomTime(r, c)
		ab := c.WorkingTimeBetween(t1, t2, nil)
		if ab != c.WorkingTimeBetween(t1, m, nil)+c.WorkingTimeBetween(m, t2, nil) {
			t.Fatalf("WorkingTimeBetween is not additive over %v, %v, %v", t1, m, t2)
		}
		if ab != -c.WorkingTimeBetween(t2, t1, nil) {
			t.Fatalf("WorkingTimeBetween is not antisymmetric over %v, %v", t1, t2)
		}

		// A pause inside [t1, t2] removes exactly its own stretch.
		p1 := t1.Add(time.Duration(r.Int64N(int64(t2.Sub(t1)) + 1)))
		p2 := p1.Add(time.Duration(r.Int64N(int64(t2.Sub(p1)) + 1)))
		paused := c.WorkingTimeBetween(t1, t2, []Interval{{p1, p2}})
		if want := c.WorkingTimeBetween(t1, p1, nil) + c.WorkingTimeBetween(p2, t2, nil); paused != want {
			t.Fatalf("pause [%v, %v) in [%v, %v): %v, want %v", p1, p2, t1, t2, paused, want)
		}
	}
}

// TestPausesAgainstMinuteCount compares WorkingTimeBetween with overlapping,
// outlying and empty pauses against a minute-by-minute count that uses only
// IsWorkingTime.
func TestPausesAgainstMinuteCount(t *testing.T) {
	c := shipped(t)
	r := rand.New(rand.NewPCG(7, 42))
	minute := func(t0 time.Time, span int) time.Time {
		return t0.Add(time.Duration(r.IntN(span)) * time.Minute)
	}
	for i := 0; i < 300; i++ {
		base := randomTime(r, c).Truncate(time.Minute)
		a := minute(base, 24*60)
		b := minute(a, 6*24*60)
		var pauses []Interval
		for k := r.IntN(5); k > 0; k-- {
			s := minute(a.Add(-24*time.Hour), 8*24*60)
			pauses = append(pauses, Interval{s, minute(s.Add(-6*time.Hour), 3*24*60)}) // some reversed
		}
		var want time.Duration
		for m := a; m.Before(b); m = m.Add(time.Minute) {
			paused := false
			for _, p := range pauses {
				if !m.Before(p.Start) && m.Before(p.End) {
					paused = true
				}
			}
			if !paused && c.IsWorkingTime(m) {
				want += time.Minute
			}
		}
		if got := c.WorkingTimeBetween(a, b, pauses); got != want {
			t.Fatalf("WorkingTimeBetween(%v, %v, %v) = %v, minute count %v", a, b, pauses, got, want)
		}
	}
}

func BenchmarkAddWorkingDays30(b *testing.B) {
	c := shipped(b)
	from := at(b, "2026-02-12 16:00") // crosses Tết
	for b.Loop() {
		_ = c.AddWorkingDays(from, 30)
	}
}

func BenchmarkWorkingTimeBetween60Days(b *testing.B) {
	c := shipped(b)
	from, to := at(b, "2026-02-12 16:00"), at(b, "2026-05-15 10:00")
	pauses := []Interval{{at(b, "2026-03-02 10:00"), at(b, "2026-03-09 10:00")}}
	for b.Loop() {
		_ = c.WorkingTimeBetween(from, to, pauses)
	}
}
