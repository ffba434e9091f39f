package calendar

import (
	"slices"
	"time"
)

// Positions
//
// The position of a time inside a working day is the working time elapsed
// on that day before it, counted from the start of the day's first span and
// skipping the gaps between spans. With the default hours 08:00 is position
// 0, 10:00 is 2h, every time from 12:00 to 13:00 is 4h, 15:00 is 6h and
// 17:00 is 8h, the day length.
//
// Results that land on a position shared by the end of one span and the
// start of the next (4h: 12:00 and 13:00) are reported at the end of the
// earlier span, and a result that would land on position 0 of a working day
// is reported as the end of the previous working day. A deadline is thus
// always "by the end of" some working period, never "at the opening of" the
// next: 5 working days from Monday 08:00 end Friday 17:00, not Monday 08:00
// of the following week.

// pos returns the position of wall-clock offset off in a working day.
func (c *Calendar) pos(off time.Duration) time.Duration {
	var p time.Duration
	for _, s := range c.hours {
		switch {
		case off >= s.End:
			p += s.End - s.Start
		case off > s.Start:
			p += off - s.Start
		}
	}
	return p
}

// atPos returns the earliest instant on d whose position is p, for p in
// [0, DayLength()]: for p > 0 a time inside a span or at a span's end.
func (c *Calendar) atPos(d Date, p time.Duration) time.Time {
	if p <= 0 {
		return c.at(d, c.hours[0].Start)
	}
	for _, s := range c.hours {
		n := s.End - s.Start
		if p <= n {
			return c.at(d, s.Start+p)
		}
		p -= n
	}
	last := c.hours[len(c.hours)-1]
	return c.at(d, last.End)
}

// NextWorkingStart returns t itself if t is working time (see IsWorkingTime),
// and otherwise the start of the next working span: Saturday 10:00 becomes
// Monday 08:00, 12:30 becomes 13:00, 17:00 becomes 08:00 the next working
// day. This is when the clock of a dossier received at t starts.
func (c *Calendar) NextWorkingStart(t time.Time) time.Time {
	d, off := c.split(t)
	if c.IsWorkingDay(d) {
		for _, s := range c.hours {
			if off < s.Start {
				return c.at(d, s.Start)
			}
			if off < s.End {
				return t.In(c.loc)
			}
		}
	}
	return c.at(c.nextWorkingDay(d), c.hours[0].Start)
}

// AddWorkingDays moves t to NextWorkingStart(t) and then advances n working
// days, keeping the position inside the working day (see the Positions note
// above): Tuesday 10:00 + 1 is Wednesday 10:00, Tuesday 14:00 + 1 is
// Wednesday 14:00. When the start is at position 0 (the opening of a working
// day) the result is the end of the n-th working day counting the start day
// as the first: Monday 08:00 + 1 is Monday 17:00 and Monday 08:00 + 5 is
// Friday 17:00. A start during the lunch break counts from the afternoon
// span's start, which shares its position with the morning's end, so
// Tuesday 12:30 + 1 is Wednesday 12:00.
//
// n = 0 returns NextWorkingStart(t). A negative n is treated as 0: going
// backwards is never needed for a deadline, and a clamp cannot panic.
//
// For the same calendar AddWorkingDays(t, n) equals
// AddWorkingHours(t, n*DayLength()). It costs one step per calendar day.
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	start := c.NextWorkingStart(t)
	if n <= 0 {
		return start
	}
	d, off := c.split(start)
	p := c.pos(off)
	if p == 0 {
		n--
		p = c.dayLen
	}
	for ; n > 0; n-- {
		d = c.nextWorkingDay(d)
	}
	return c.atPos(d, p)
}

// AddWorkingHours moves t to NextWorkingStart(t) and then advances by w of
// working time, skipping the gaps between spans and non-working days. A
// result on the boundary between two spans is reported at the end of the
// earlier one (Monday 08:00 + 4h is Monday 12:00, not 13:00, and + 8h is
// Monday 17:00, not Tuesday 08:00), so for w > 0 the result is always inside
// a span or at a span's end.
//
// w = 0 returns NextWorkingStart(t); a negative w is treated as 0.
// WorkingTimeBetween(NextWorkingStart(t), AddWorkingHours(t, w), nil) == w.
// It costs one step per calendar day crossed.
func (c *Calendar) AddWorkingHours(t time.Time, w time.Duration) time.Time {
	start := c.NextWorkingStart(t)
	if w <= 0 {
		return start
	}
	d, off := c.split(start)
	p := c.pos(off)
	if w <= c.dayLen-p {
		return c.atPos(d, p+w)
	}
	w -= c.dayLen - p
	for {
		d = c.nextWorkingDay(d)
		if w <= c.dayLen {
			return c.atPos(d, w)
		}
		w -= c.dayLen
	}
}

// Interval is the half-open time range [Start, End). An Interval whose End is
// not after its Start is empty.
type Interval struct {
	Start, End time.Time
}

// WorkingTimeBetween returns the working time in [a, b) that is not inside any
// of the pauses (a dossier's clock stops while it waits for the citizen or
// for payment). Pauses may overlap each other, extend beyond [a, b) or be
// empty; their union is subtracted once.
//
// If b is before a the result is negative: WorkingTimeBetween(a, b, p) ==
// -WorkingTimeBetween(b, a, p). This keeps the function additive, and it
// gives "how early" for free when a is a deadline and b the completion time.
func (c *Calendar) WorkingTimeBetween(a, b time.Time, pauses []Interval) time.Duration {
	if b.Before(a) {
		return -c.WorkingTimeBetween(b, a, pauses)
	}
	var total time.Duration
	cur := a
	for _, p := range mergePauses(a, b, pauses) {
		total += c.work(cur, p.Start)
		cur = p.End
	}
	return total + c.work(cur, b)
}

// WorkingDaysBetween is WorkingTimeBetween measured in working days of
// DayLength() each: with the default hours, from Thursday 16:00 to the next
// Monday 10:00 is 11h, 1.375 working days. Round it as the rule at hand
// requires (math.Ceil for "late by N working days" counts a started day).
func (c *Calendar) WorkingDaysBetween(a, b time.Time, pauses []Interval) float64 {
	return float64(c.WorkingTimeBetween(a, b, pauses)) / float64(c.dayLen)
}

// mergePauses clips the pauses to [a, b) and returns their union as sorted,
// disjoint, non-empty intervals.
func mergePauses(a, b time.Time, pauses []Interval) []Interval {
	var clipped []Interval
	for _, p := range pauses {
		if p.Start.Before(a) {
			p.Start = a
		}
		if p.End.After(b) {
			p.End = b
		}
		if p.Start.Before(p.End) {
			clipped = append(clipped, p)
		}
	}
	slices.SortFunc(clipped, func(x, y Interval) int { return x.Start.Compare(y.Start) })
	merged := clipped[:0]
	for _, p := range clipped {
		if n := len(merged); n > 0 && !p.Start.After(merged[n-1].End) {
			if p.End.After(merged[n-1].End) {
				merged[n-1].End = p.End
			}
			continue
		}
		merged = append(merged, p)
	}
	return merged
}

// work returns the working time in [x, y), zero if y is not after x. Days
// strictly between the two ends count whole, so the cost is one step per
// calendar day.
func (c *Calendar) work(x, y time.Time) time.Duration {
	if !x.Before(y) {
		return 0
	}
	dx, ox := c.split(x)
	dy, oy := c.split(y)
	if dx == dy {
		return c.dayWork(dx, ox, oy)
	}
	total := c.dayWork(dx, ox, 24*time.Hour)
	for d := dx.AddDays(1); d.Before(dy); d = d.AddDays(1) {
		if c.IsWorkingDay(d) {
			total += c.dayLen
		}
	}
	return total + c.dayWork(dy, 0, oy)
}

// dayWork returns the working time on d between wall-clock offsets from and to.
func (c *Calendar) dayWork(d Date, from, to time.Duration) time.Duration {
	if !c.IsWorkingDay(d) {
		return 0
	}
	return c.pos(to) - c.pos(from)
}
