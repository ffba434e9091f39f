// Package calendar does working-day arithmetic on an agency's calendar:
// weekends, public holidays, make-up working days (ngày làm bù) and the
// agency's working hours, in the agency's time zone.
//
// Legal deadlines for administrative procedures are counted in working days
// or working hours (DESIGN.md §3.4), and whether a dossier was resolved on
// time is decided against such a deadline, so the arithmetic here is pure,
// deterministic and iterates by day and by span, never by minute.
//
// The package also ships Vietnam's public holidays for civil servants
// (holidays.json, see Load), but the arithmetic knows only the exceptions it
// is given: dates the data does not cover are treated as ordinary weeks.
package calendar

import (
	"errors"
	"fmt"
	"time"
)

// Date is a civil date in the proleptic Gregorian calendar, with no time of
// day and no location. Dates are comparable with == and usable as map keys;
// a Date built by ParseDate, DateOf or AddDays is always valid.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// errDateSyntax is returned (wrapped) by ParseDate.
var errDateSyntax = errors.New("calendar: date must be YYYY-MM-DD")

// ParseDate parses a date in the exact form YYYY-MM-DD (four-digit year,
// two-digit month and day, as in "2026-04-30") and rejects days that do not
// exist, such as 2026-02-29.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, fmt.Errorf("%w: %q", errDateSyntax, s)
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, fmt.Errorf("%w: %q", errDateSyntax, s)
	}
	date := Date{Year: y, Month: time.Month(m), Day: d}
	if !date.IsValid() {
		return Date{}, fmt.Errorf("calendar: no such date %q", s)
	}
	return date, nil
}

// digits parses ASCII decimal digits only; strconv.Atoi would accept signs.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// DateOf returns the date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// DateIn returns the date of the instant t as seen in loc: 2026-04-29T20:00Z
// is 2026-04-30 in Asia/Ho_Chi_Minh.
func DateIn(t time.Time, loc *time.Location) Date {
	return DateOf(t.In(loc))
}

// IsValid reports whether d names a day that exists.
func (d Date) IsValid() bool {
	return d.Month >= time.January && d.Month <= time.December &&
		d.Day >= 1 && d.Day <= daysIn(d.Year, d.Month)
}

func daysIn(year int, m time.Month) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	default:
		return 31
	}
}

// String formats d as YYYY-MM-DD, the form ParseDate accepts.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// AddDays returns the date n days after d (before it if n is negative). An
// invalid d is first normalised the way time.Date does (2026-02-30 is
// 2026-03-02).
func (d Date) AddDays(n int) Date {
	return fromDays(d.days() + int64(n))
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	// 1970-01-01 was a Thursday.
	w := (d.days() + 4) % 7
	if w < 0 {
		w += 7
	}
	return time.Weekday(w)
}

// Compare returns -1 if d is before e, +1 if it is after, and 0 if they are
// the same date.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmpInt(d.Year, e.Year)
	case d.Month != e.Month:
		return cmpInt(int(d.Month), int(e.Month))
	default:
		return cmpInt(d.Day, e.Day)
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether d is strictly before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is strictly after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// In returns midnight at the start of d in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// MarshalText implements encoding.TextMarshaler so that dates appear in JSON
// as "YYYY-MM-DD".
func (d Date) MarshalText() ([]byte, error) {
	if !d.IsValid() {
		return nil, fmt.Errorf("calendar: cannot marshal invalid date %s", d)
	}
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseDate.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// days returns the number of days from 1970-01-01 to d. The day-number
// arithmetic (H. Hinnant's days_from_civil) keeps AddDays and Weekday cheap
// in the per-day loops of the working-time functions.
func (d Date) days() int64 {
	if !d.IsValid() {
		d = DateOf(time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC))
	}
	y := int64(d.Year)
	m := int64(d.Month)
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400                     // [0, 399]
	mp := (m + 9) % 12                     // March = 0
	doy := (153*mp+2)/5 + int64(d.Day) - 1 // [0, 365]
	doe := yoe*365 + yoe/4 - yoe/100 + doy // [0, 146096]
	return era*146097 + doe - 719468
}

// fromDays is the inverse of days (H. Hinnant's civil_from_days).
func fromDays(z int64) Date {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return Date{Year: int(y), Month: time.Month(m), Day: int(d)}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
