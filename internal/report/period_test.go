package report

import (
	"testing"

	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/errs"
)

func date(s string) calendar.Date {
	d, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in, from, to string
	}{
		// ND 09/2019: the 15th of the month before to the 14th.
		{"2026-03", "2026-02-15", "2026-03-14"},
		{"2026-01", "2025-12-15", "2026-01-14"},
		{"2026-Q1", "2025-12-15", "2026-03-14"},
		{"2026-Q2", "2026-03-15", "2026-06-14"},
		{"2026-Q4", "2026-09-15", "2026-12-14"},
		{"2026-H1", "2025-12-15", "2026-06-14"},
		{"2026-H2", "2026-06-15", "2026-12-14"},
		{"2026", "2025-12-15", "2026-12-14"},
		// Calendar periods.
		{"c2026-02", "2026-02-01", "2026-02-28"},
		{"c2028-02", "2028-02-01", "2028-02-29"},
		{"c2026-Q3", "2026-07-01", "2026-09-30"},
		{"c2026-H2", "2026-07-01", "2026-12-31"},
		{"c2026", "2026-01-01", "2026-12-31"},
	}
	for _, tt := range tests {
		p, err := ParsePeriod(tt.in)
		if err != nil {
			t.Errorf("ParsePeriod(%q): %v", tt.in, err)
			continue
		}
		if p.From != date(tt.from) || p.To != date(tt.to) || p.Name != tt.in {
			t.Errorf("ParsePeriod(%q) = %s %q, want %s…%s", tt.in, p, p.Name, tt.from, tt.to)
		}
	}
	for _, bad := range []string{"", "2026-13", "2026-00", "2026-Q5", "2026-Q0", "2026-H3", "26-Q1", "2026-Q+1", "x2026", "2026-3", "1999", "2026-W01"} {
		if _, err := ParsePeriod(bad); !errs.Is(err, errs.Invalid) {
			t.Errorf("ParsePeriod(%q) = %v, want Invalid", bad, err)
		}
	}
}

func TestCurrentAndPrevious(t *testing.T) {
	tests := []struct {
		kind, day, name, from, to, prev string
	}{
		{Month, "2026-03-14", "2026-03", "2026-02-15", "2026-03-14", "2026-02"},
		{Month, "2026-03-15", "2026-04", "2026-03-15", "2026-04-14", "2026-03"},
		{Month, "2026-12-20", "2027-01", "2026-12-15", "2027-01-14", "2026-12"},
		{Quarter, "2026-12-15", "2027-Q1", "2026-12-15", "2027-03-14", "2026-Q4"},
		{Quarter, "2026-06-14", "2026-Q2", "2026-03-15", "2026-06-14", "2026-Q1"},
		{Half, "2026-06-15", "2026-H2", "2026-06-15", "2026-12-14", "2026-H1"},
		{Year, "2026-12-14", "2026", "2025-12-15", "2026-12-14", "2025"},
		{Year, "2026-12-15", "2027", "2026-12-15", "2027-12-14", "2026"},
	}
	for _, tt := range tests {
		p := Current(tt.kind, date(tt.day))
		if p.Name != tt.name || p.From != date(tt.from) || p.To != date(tt.to) {
			t.Errorf("Current(%s, %s) = %q %s", tt.kind, tt.day, p.Name, p)
		}
		if prev := Previous(tt.kind, p); prev.Name != tt.prev || prev.To != p.From.AddDays(-1) {
			t.Errorf("Previous(%s, %s) = %q %s", tt.kind, p.Name, prev.Name, prev)
		}
		// A named period parses back to itself.
		if q, err := ParsePeriod(p.Name); err != nil || q != p {
			t.Errorf("ParsePeriod(%q) = %v, %v; want %v", p.Name, q, err, p)
		}
	}
}

func TestRange(t *testing.T) {
	tests := []struct {
		from, to string
		key      string
	}{
		{"2026-01-01", "2026-01-01", ""},
		{"2026-01-01", "2035-12-31", ""},
		{"2026-01-02", "2026-01-01", "report.period.reversed"},
		{"2016-01-01", "2026-12-31", "report.period.too_long"},
	}
	for _, tt := range tests {
		_, err := Range(date(tt.from), date(tt.to))
		key, _ := errs.MessageKey(err)
		if (tt.key == "" && err != nil) || (tt.key != "" && key != tt.key) {
			t.Errorf("Range(%s, %s) = %v, want %q", tt.from, tt.to, err, tt.key)
		}
	}
	if _, err := Range(calendar.Date{}, date("2026-01-01")); !errs.Is(err, errs.Invalid) {
		t.Errorf("Range(zero date) = %v", err)
	}
}
