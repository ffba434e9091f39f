package calendar

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Span is a working period of a day, as wall-clock offsets from midnight:
// Span{8 * time.Hour, 12 * time.Hour} is 08:00–12:00. Start is inclusive and
// End exclusive.
type Span struct {
	Start, End time.Duration
}

// String formats s as "08:00–12:00".
func (s Span) String() string {
	return clock(s.Start) + "–" + clock(s.End)
}

func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// DefaultHours returns the usual office hours of a Vietnamese state agency,
// 08:00–12:00 and 13:00–17:00 (8 working hours a day). It is a function, not
// a variable, so that no caller can change another's default.
func DefaultHours() []Span {
	return []Span{
		{Start: 8 * time.Hour, End: 12 * time.Hour},
		{Start: 13 * time.Hour, End: 17 * time.Hour},
	}
}

// VietnamLocation returns the Asia/Ho_Chi_Minh time zone.
//
// If the host has no tz database (a scratch container, say), it falls back
// to time.FixedZone("ICT", +7h). That is exact, not an approximation, for
// every date this package is used with: Vietnam has kept UTC+7 without
// daylight saving since 13 June 1975. Importing time/tzdata instead would
// make every binary linking this package ~450 KB larger to encode that one
// constant offset. The lookup reads the tz database on each call, so call
// it once and keep the result.
func VietnamLocation() *time.Location {
	if loc, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return loc
	}
	return time.FixedZone("ICT", 7*60*60)
}

// ExceptionKind says how an Exception changes a date.
type ExceptionKind int

const (
	// Holiday is a day off: a public holiday, a compensatory day off
	// (nghỉ bù) or a day off swapped for a make-up Saturday (nghỉ hoán
	// đổi). A Holiday may also fall on a weekend, where it changes nothing
	// but gives the day its name. In Vietnam a holiday on a weekend is
	// compensated on the next working day (Bộ luật Lao động 2019, Điều 111
	// khoản 3); that compensatory day is its own Holiday in the data, never
	// computed here, because the authorities sometimes arrange it otherwise.
	Holiday ExceptionKind = iota + 1
	// Workday is a make-up working day (ngày làm bù) on a Saturday or
	// Sunday, given in exchange for a bridge day off.
	Workday
)

// String returns "holiday" or "workday", the spelling used in holidays.json.
func (k ExceptionKind) String() string {
	switch k {
	case Holiday:
		return "holiday"
	case Workday:
		return "workday"
	}
	return fmt.Sprintf("ExceptionKind(%d)", int(k))
}

// MarshalText implements encoding.TextMarshaler.
func (k ExceptionKind) MarshalText() ([]byte, error) {
	if k != Holiday && k != Workday {
		return nil, fmt.Errorf("calendar: invalid exception kind %d", int(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *ExceptionKind) UnmarshalText(b []byte) error {
	switch string(b) {
	case "holiday":
		*k = Holiday
	case "workday":
		*k = Workday
	default:
		return fmt.Errorf("calendar: unknown exception kind %q", b)
	}
	return nil
}

// Exception is a date on which the calendar departs from the Monday–Friday
// week, with the names to show for it and the legal document behind it.
type Exception struct {
	Date   Date          `json:"date"`
	Kind   ExceptionKind `json:"kind"`
	NameVI string        `json:"name_vi"`
	NameEN string        `json:"name_en"`
	Source string        `json:"source"`
}

// Errors wrapped by New, for errors.Is.
var (
	ErrInvalidHours     = errors.New("calendar: invalid working hours")
	ErrInvalidException = errors.New("calendar: invalid exception")
)

// Calendar is an agency's working calendar: working hours in a time zone,
// Saturday and Sunday off, and dated exceptions. It is immutable once built
// and safe for concurrent use.
//
// Every time.Time argument is interpreted in the calendar's location, and
// every time.Time result is in that location.
type Calendar struct {
	loc        *time.Location
	hours      []Span
	dayLen     time.Duration
	exceptions map[Date]Exception
	sorted     []Exception
}

// New builds a calendar. It copies its arguments, so later changes to them
// do not affect the calendar.
//
// hours must be non-empty, sorted, non-overlapping (a span may end where the
// next begins) and within one day; each span must be non-empty. Each
// exception must have a valid date and kind, no two may share a date, and a
// Workday must fall on a Saturday or Sunday, since anywhere else it would be
// a mistake that changes nothing.
func New(loc *time.Location, hours []Span, exceptions []Exception) (*Calendar, error) {
	if loc == nil {
		return nil, errors.New("calendar: nil location")
	}
	if len(hours) == 0 {
		return nil, fmt.Errorf("%w: no spans", ErrInvalidHours)
	}
	var dayLen time.Duration
	for i, s := range hours {
		switch {
		case s.Start < 0 || s.End > 24*time.Hour:
			return nil, fmt.Errorf("%w: span %d (%v) is outside 00:00–24:00", ErrInvalidHours, i, s)
		case s.Start >= s.End:
			return nil, fmt.Errorf("%w: span %d (%v) is empty or reversed", ErrInvalidHours, i, s)
		case i > 0 && s.Start < hours[i-1].End:
			return nil, fmt.Errorf("%w: span %d (%v) overlaps or precedes span %d (%v)",
				ErrInvalidHours, i, s, i-1, hours[i-1])
		}
		dayLen += s.End - s.Start
	}

	byDate := make(map[Date]Exception, len(exceptions))
	for _, e := range exceptions {
		if !e.Date.IsValid() {
			return nil, fmt.Errorf("%w: invalid date %v", ErrInvalidException, e.Date)
		}
		if e.Kind != Holiday && e.Kind != Workday {
			return nil, fmt.Errorf("%w: %v has invalid kind %d", ErrInvalidException, e.Date, int(e.Kind))
		}
		if e.Kind == Workday && !isWeekend(e.Date.Weekday()) {
			return nil, fmt.Errorf("%w: make-up workday %v is a %v, not a weekend day",
				ErrInvalidException, e.Date, e.Date.Weekday())
		}
		if prev, dup := byDate[e.Date]; dup {
			return nil, fmt.Errorf("%w: %v listed twice (%v %q and %v %q)",
				ErrInvalidException, e.Date, prev.Kind, prev.NameEN, e.Kind, e.NameEN)
		}
		byDate[e.Date] = e
	}
	sorted := slices.Clone(exceptions)
	slices.SortFunc(sorted, func(a, b Exception) int { return a.Date.Compare(b.Date) })

	return &Calendar{
		loc:        loc,
		hours:      slices.Clone(hours),
		dayLen:     dayLen,
		exceptions: byDate,
		sorted:     sorted,
	}, nil
}

// Vietnam returns the calendar of a Vietnamese state agency with the default
// hours, in Asia/Ho_Chi_Minh, with the shipped holidays (see Load).
func Vietnam() (*Calendar, error) {
	exceptions, err := Load()
	if err != nil {
		return nil, err
	}
	return New(VietnamLocation(), DefaultHours(), exceptions)
}

func isWeekend(w time.Weekday) bool { return w == time.Saturday || w == time.Sunday }

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Hours returns a copy of the working spans of a working day.
func (c *Calendar) Hours() []Span { return slices.Clone(c.hours) }

// DayLength returns the working time in one working day, the sum of the
// spans: 8h with DefaultHours. It is the unit of WorkingDaysBetween.
func (c *Calendar) DayLength() time.Duration { return c.dayLen }

// Exceptions returns a copy of the calendar's exceptions, sorted by date.
func (c *Calendar) Exceptions() []Exception { return slices.Clone(c.sorted) }

// ExceptionOn returns the exception on d, if any: the name of a holiday, or
// of the make-up day a Saturday has become.
func (c *Calendar) ExceptionOn(d Date) (Exception, bool) {
	e, ok := c.exceptions[d]
	return e, ok
}

// IsWorkingDay reports whether d is a working day: a Monday to Friday that is
// not a Holiday, or a Saturday or Sunday that is a Workday.
func (c *Calendar) IsWorkingDay(d Date) bool {
	if e, ok := c.exceptions[d]; ok {
		return e.Kind == Workday
	}
	return !isWeekend(d.Weekday())
}

// IsWorkingTime reports whether t falls on a working day inside one of the
// working spans, start inclusive and end exclusive: with the default hours
// 08:00 and 16:59:59 are working time, 12:00 and 17:00 are not.
func (c *Calendar) IsWorkingTime(t time.Time) bool {
	d, off := c.split(t)
	if !c.IsWorkingDay(d) {
		return false
	}
	for _, s := range c.hours {
		if off >= s.Start && off < s.End {
			return true
		}
	}
	return false
}

// split returns the date of t in the calendar's location and the wall-clock
// offset of t from that date's midnight.
func (c *Calendar) split(t time.Time) (Date, time.Duration) {
	lt := t.In(c.loc)
	h, m, s := lt.Clock()
	off := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
		time.Duration(s)*time.Second + time.Duration(lt.Nanosecond())
	return DateOf(lt), off
}

// at is the inverse of split: the instant at wall-clock offset off on d.
func (c *Calendar) at(d Date, off time.Duration) time.Time {
	return time.Date(d.Year, d.Month, d.Day,
		int(off/time.Hour), int(off%time.Hour/time.Minute), int(off%time.Minute/time.Second),
		int(off%time.Second), c.loc)
}

// nextWorkingDay returns the first working day after d. It terminates
// because only finitely many weekdays can be Holidays.
func (c *Calendar) nextWorkingDay(d Date) Date {
	for {
		d = d.AddDays(1)
		if c.IsWorkingDay(d) {
			return d
		}
	}
}
