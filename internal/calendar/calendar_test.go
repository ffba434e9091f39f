package calendar

import (
	"errors"
	"testing"
	"time"
)

// hm returns the offset of hh:mm from midnight.
func hm(h, m int) time.Duration { return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute }

func mustDate(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// ict is the fixed +7 zone, so that the tests of the arithmetic do not
// depend on the host's tz database.
var ict = time.FixedZone("ICT", 7*60*60)

// at parses "2026-02-12 16:00" in ICT.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, ict)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestNewValidation(t *testing.T) {
	hol := func(s string) Exception {
		return Exception{Date: mustDate(t, s), Kind: Holiday, NameVI: "x", NameEN: "x", Source: "x"}
	}
	work := func(s string) Exception {
		return Exception{Date: mustDate(t, s), Kind: Workday, NameVI: "x", NameEN: "x", Source: "x"}
	}
	tests := []struct {
		name       string
		loc        *time.Location
		hours      []Span
		exceptions []Exception
		want       error // nil: success; otherwise errors.Is target, or errAny
	}{
		{name: "default hours, no exceptions", loc: ict, hours: DefaultHours()},
		{name: "touching spans", loc: ict, hours: []Span{{hm(8, 0), hm(12, 0)}, {hm(12, 0), hm(16, 0)}}},
		{name: "whole day", loc: ict, hours: []Span{{0, 24 * time.Hour}}},
		{name: "holiday on a weekend is allowed", loc: ict, hours: DefaultHours(), exceptions: []Exception{hol("2026-04-26")}},
		{name: "nil location", loc: nil, hours: DefaultHours(), want: errAny},
		{name: "no hours", loc: ict, hours: nil, want: ErrInvalidHours},
		{name: "unsorted", loc: ict, hours: []Span{{hm(13, 0), hm(17, 0)}, {hm(8, 0), hm(12, 0)}}, want: ErrInvalidHours},
		{name: "overlapping", loc: ict, hours: []Span{{hm(8, 0), hm(12, 30)}, {hm(12, 0), hm(17, 0)}}, want: ErrInvalidHours},
		{name: "empty span", loc: ict, hours: []Span{{hm(8, 0), hm(8, 0)}}, want: ErrInvalidHours},
		{name: "reversed span", loc: ict, hours: []Span{{hm(12, 0), hm(8, 0)}}, want: ErrInvalidHours},
		{name: "negative start", loc: ict, hours: []Span{{-time.Hour, hm(8, 0)}}, want: ErrInvalidHours},
		{name: "past midnight", loc: ict, hours: []Span{{hm(20, 0), hm(25, 0)}}, want: ErrInvalidHours},
		{name: "duplicate holiday", loc: ict, hours: DefaultHours(),
			exceptions: []Exception{hol("2026-09-02"), hol("2026-09-02")}, want: ErrInvalidException},
		{name: "holiday and workday on one date", loc: ict, hours: DefaultHours(),
			exceptions: []Exception{work("2026-08-22"), hol("2026-08-22")}, want: ErrInvalidException},
		{name: "workday on a weekday", loc: ict, hours: DefaultHours(),
			exceptions: []Exception{work("2026-08-21")}, want: ErrInvalidException},
		{name: "invalid date", loc: ict, hours: DefaultHours(),
			exceptions: []Exception{{Date: Date{2026, time.February, 30}, Kind: Holiday}}, want: ErrInvalidException},
		{name: "zero kind", loc: ict, hours: DefaultHours(),
			exceptions: []Exception{{Date: mustDate(t, "2026-09-02")}}, want: ErrInvalidException},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.loc, tt.hours, tt.exceptions)
			switch {
			case tt.want == nil && err != nil:
				t.Fatalf("New: %v", err)
			case tt.want == nil && c == nil:
				t.Fatal("New returned nil calendar")
			case tt.want == errAny && err == nil, tt.want != nil && tt.want != errAny && !errors.Is(err, tt.want):
				t.Fatalf("New error = %v, want %v", err, tt.want)
			}
		})
	}
}

var errAny = errors.New("any error")

func TestCalendarIsImmutable(t *testing.T) {
	hours := DefaultHours()
	exceptions := []Exception{{Date: mustDate(t, "2026-09-02"), Kind: Holiday, NameEN: "National Day"}}
	c, err := New(ict, hours, exceptions)
	if err != nil {
		t.Fatal(err)
	}
	hours[0].Start = 0
	exceptions[0].Kind = Workday
	c.Hours()[0].End = 0
	c.Exceptions()[0].NameEN = "changed"

	if got := c.Hours()[0]; got != (Span{hm(8, 0), hm(12, 0)}) {
		t.Errorf("Hours()[0] = %v after callers' changes", got)
	}
	if c.IsWorkingDay(mustDate(t, "2026-09-02")) {
		t.Error("2 September became a working day after the caller changed its slice")
	}
	if e, _ := c.ExceptionOn(mustDate(t, "2026-09-02")); e.NameEN != "National Day" {
		t.Errorf("ExceptionOn name = %q", e.NameEN)
	}
	if c.DayLength() != 8*time.Hour {
		t.Errorf("DayLength = %v", c.DayLength())
	}
}

func TestIsWorkingDayAndTime(t *testing.T) {
	c, err := New(ict, DefaultHours(), []Exception{
		{Date: mustDate(t, "2026-09-02"), Kind: Holiday},
		{Date: mustDate(t, "2026-08-22"), Kind: Workday},
		{Date: mustDate(t, "2026-04-26"), Kind: Holiday}, // Sunday
	})
	if err != nil {
		t.Fatal(err)
	}
	days := []struct {
		d    string
		want bool
	}{
		{"2026-09-01", true},  // Tuesday
		{"2026-09-02", false}, // Holiday
		{"2026-08-22", true},  // Saturday made a Workday
		{"2026-08-23", false}, // Sunday
		{"2026-04-26", false}, // Sunday and Holiday
		{"2026-04-27", true},  // the compensatory day is data, not computed
	}
	for _, tt := range days {
		if got := c.IsWorkingDay(mustDate(t, tt.d)); got != tt.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.d, got, tt.want)
		}
	}
	times := []struct {
		t    time.Time
		want bool
	}{
		{at(t, "2026-09-01 07:59"), false},
		{at(t, "2026-09-01 08:00"), true}, // start inclusive
		{at(t, "2026-09-01 11:59"), true},
		{at(t, "2026-09-01 12:00"), false}, // end exclusive
		{at(t, "2026-09-01 12:59"), false},
		{at(t, "2026-09-01 13:00"), true},
		{at(t, "2026-09-01 17:00"), false},
		{at(t, "2026-09-01 16:59").Add(59*time.Second + 999999999), true},
		{at(t, "2026-09-02 10:00"), false},
		{at(t, "2026-08-22 10:00"), true},
		// 03:00 UTC is 10:00 in Hanoi: the calendar's zone decides.
		{time.Date(2026, time.September, 1, 3, 0, 0, 0, time.UTC), true},
		{time.Date(2026, time.September, 1, 10, 0, 0, 0, time.UTC), false},
	}
	for _, tt := range times {
		if got := c.IsWorkingTime(tt.t); got != tt.want {
			t.Errorf("IsWorkingTime(%v) = %v, want %v", tt.t, got, tt.want)
		}
	}
}

func TestVietnamLocation(t *testing.T) {
	loc := VietnamLocation()
	for _, when := range []time.Time{
		time.Date(2026, time.January, 15, 0, 0, 0, 0, time.UTC),
		time.Date(2026, time.July, 15, 0, 0, 0, 0, time.UTC),
	} {
		if _, off := when.In(loc).Zone(); off != 7*60*60 {
			t.Errorf("offset at %v = %d, want +7h", when, off)
		}
	}
}

func TestExceptionKindText(t *testing.T) {
	for _, k := range []ExceptionKind{Holiday, Workday} {
		b, err := k.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back ExceptionKind
		if err := back.UnmarshalText(b); err != nil || back != k {
			t.Errorf("round trip of %v = %v, %v", k, back, err)
		}
	}
	var k ExceptionKind
	if err := k.UnmarshalText([]byte("Holiday")); err == nil {
		t.Error("UnmarshalText accepted \"Holiday\"")
	}
	if _, err := ExceptionKind(0).MarshalText(); err == nil {
		t.Error("MarshalText accepted kind 0")
	}
}
