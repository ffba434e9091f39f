// Package report turns the dossiers' history into the figures leaders and
// the law ask for: period statistics, the service-quality index of
// QĐ 766/QĐ-TTg (Bộ chỉ số 766), the register book and periodic reports.
//
// Figures are sums over daily counts (stat_days) that the dossier service
// keeps in the same transaction as every change, through Recorder. A
// province's year is then a sum over a few hundred thousand rows, whatever
// the number of dossiers, and each figure still names the dossiers behind
// it (dossier_facts).
package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/errs"
)

// Period is a closed range of local days.
type Period struct {
	From, To calendar.Date
	Name     string // as parsed ("2026-Q1"), or "" for a free range
}

// Period kinds.
const (
	Month   = "month"
	Quarter = "quarter"
	Half    = "half"
	Year    = "year"
)

// MaxSpanYears bounds a period: statistics over more than ten years are
// not a question anybody asks, and would only load the server.
const MaxSpanYears = 10

// Range checks a free range: the end not before the start, at most ten
// years.
func Range(from, to calendar.Date) (Period, error) {
	if !from.IsValid() || !to.IsValid() {
		return Period{}, errPeriod("report.period.invalid")
	}
	if to.Before(from) {
		return Period{}, errPeriod("report.period.reversed")
	}
	if from.AddDays(366 * MaxSpanYears).Before(to) {
		return Period{}, errPeriod("report.period.too_long")
	}
	return Period{From: from, To: to}, nil
}

func errPeriod(key string) error { return errs.E("report.period", errs.Invalid, key) }

// Reporting periods of ND 09/2019/NĐ-CP Điều 12: the month runs from the
// 15th of the previous month to the 14th; the quarter, half-year and year
// end on the 14th of their last month (14/3, 14/6, 14/9, 14/12) and start
// on the 15th of the month before their first.
func ndPeriod(kind string, year, n int) Period {
	var lastMonth time.Month
	var months int
	switch kind {
	case Month:
		lastMonth, months = time.Month(n), 1
	case Quarter:
		lastMonth, months = time.Month(3*n), 3
	case Half:
		lastMonth, months = time.Month(6*n), 6
	default:
		lastMonth, months = time.December, 12
	}
	to := calendar.Date{Year: year, Month: lastMonth, Day: 14}
	start := time.Date(year, lastMonth-time.Month(months), 15, 0, 0, 0, 0, time.UTC)
	return Period{From: calendar.DateOf(start), To: to}
}

// calendarPeriod is the same period on calendar months.
func calendarPeriod(kind string, year, n int) Period {
	var first time.Month
	var months int
	switch kind {
	case Month:
		first, months = time.Month(n), 1
	case Quarter:
		first, months = time.Month(3*n-2), 3
	case Half:
		first, months = time.Month(6*n-5), 6
	default:
		first, months = time.January, 12
	}
	start := time.Date(year, first, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, months, -1)
	return Period{From: calendar.DateOf(start), To: calendar.DateOf(end)}
}

// ParsePeriod reads a named period: "2026" (year), "2026-H1", "2026-Q3",
// "2026-03" (month). By default the period is the reporting period of
// ND 09/2019 (15th to 14th); a "c" prefix ("c2026-Q3") asks for the
// calendar period instead.
func ParsePeriod(s string) (Period, error) {
	name := strings.TrimSpace(s)
	body := name
	cal := strings.HasPrefix(body, "c")
	if cal {
		body = body[1:]
	}
	kind, year, n, ok := splitPeriod(body)
	if !ok {
		return Period{}, errPeriod("report.period.syntax")
	}
	p := ndPeriod(kind, year, n)
	if cal {
		p = calendarPeriod(kind, year, n)
	}
	p.Name = name
	return p, nil
}

func splitPeriod(s string) (kind string, year, n int, ok bool) {
	ys, rest, _ := strings.Cut(s, "-")
	year, err := strconv.Atoi(ys)
	if err != nil || len(ys) != 4 || year < 2000 || year > 2100 {
		return "", 0, 0, false
	}
	if rest == "" {
		return Year, year, 1, true
	}
	num := func(t string, max int) (int, bool) {
		v, err := strconv.Atoi(t)
		return v, err == nil && v >= 1 && v <= max && !strings.HasPrefix(t, "+")
	}
	switch {
	case strings.HasPrefix(rest, "Q"):
		n, ok = num(rest[1:], 4)
		return Quarter, year, n, ok
	case strings.HasPrefix(rest, "H"):
		n, ok = num(rest[1:], 2)
		return Half, year, n, ok
	case len(rest) == 2:
		n, ok = num(rest, 12)
		return Month, year, n, ok
	}
	return "", 0, 0, false
}

// Current returns the reporting period of a kind that contains day d.
func Current(kind string, d calendar.Date) Period {
	// The ND period of a month m ends on m/14; a day after the 14th
	// belongs to the next month's period.
	y, m := d.Year, d.Month
	if d.Day > 14 {
		m++
		if m > time.December {
			m, y = time.January, y+1
		}
	}
	var p Period
	switch kind {
	case Month:
		p = ndPeriod(Month, y, int(m))
		p.Name = fmt.Sprintf("%04d-%02d", y, int(m))
	case Quarter:
		q := (int(m) + 2) / 3
		p = ndPeriod(Quarter, y, q)
		p.Name = fmt.Sprintf("%04d-Q%d", y, q)
	case Half:
		h := (int(m) + 5) / 6
		p = ndPeriod(Half, y, h)
		p.Name = fmt.Sprintf("%04d-H%d", y, h)
	default:
		p = ndPeriod(Year, y, 1)
		p.Name = fmt.Sprintf("%04d", y)
	}
	return p
}

// Previous returns the period of the same kind just before p (p must be a
// named ND period).
func Previous(kind string, p Period) Period {
	return Current(kind, p.From.AddDays(-1))
}

// Contains reports whether day d is in p.
func (p Period) Contains(d calendar.Date) bool {
	return !d.Before(p.From) && !d.After(p.To)
}

// String prints the range.
func (p Period) String() string { return p.From.String() + "…" + p.To.String() }

// PeriodOf reads a period as the pages and the API take it: a named
// period (ParsePeriod) wins over from and to, two dates (YYYY-MM-DD) that
// make a Range. Callers choose the default when all three are empty.
func PeriodOf(name, from, to string) (Period, error) {
	if name != "" {
		return ParsePeriod(name)
	}
	f, err1 := calendar.ParseDate(from)
	t, err2 := calendar.ParseDate(to)
	if err1 != nil || err2 != nil {
		return Period{}, errs.E("report.PeriodOf", errs.Invalid, "report.period.invalid")
	}
	return Range(f, t)
}

// ParseOfficer reads the account id of an officer to count; a bad one is
// an error on the field "officer".
func ParseOfficer(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 {
		var val errs.Validation
		val.Add("officer", "api.int_range", int64(1<<53))
		return 0, val.Err("report.ParseOfficer")
	}
	return n, nil
}

// Slug names the period in a file name: its name, or its two days.
func (p Period) Slug() string {
	if p.Name != "" {
		return p.Name
	}
	return p.From.String() + "_" + p.To.String()
}

// dayNum is a date as the YYYYMMDD number stat rows use.
func dayNum(d calendar.Date) int64 {
	return int64(d.Year)*10000 + int64(d.Month)*100 + int64(d.Day)
}

// dayOf is the YYYYMMDD number of instant t in loc; 0 for the zero time.
func dayOf(t time.Time, loc *time.Location) int64 {
	if t.IsZero() {
		return 0
	}
	return dayNum(calendar.DateIn(t, loc))
}
