package calendar

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestShippedFileIsDocumented(t *testing.T) {
	f, err := parseHolidays(holidaysJSON)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseDate(f.Generated); err != nil {
		t.Errorf("generated = %q: %v", f.Generated, err)
	}
	if f.Scope == "" || f.Note == "" || len(f.Rules) == 0 {
		t.Error("scope, note and rules must explain the data")
	}
	ids := map[string]bool{}
	for _, s := range f.Sources {
		if s.ID == "" || s.Title == "" || s.Issuer == "" || s.Note == "" {
			t.Errorf("incomplete source %+v", s)
		}
		if _, err := ParseDate(s.Date); err != nil {
			t.Errorf("source %s date %q: %v", s.ID, s.Date, err)
		}
		if ids[s.ID] {
			t.Errorf("source %s listed twice", s.ID)
		}
		ids[s.ID] = true
	}
	for _, id := range []string{"BLLD-2019", "TB-6150-2024", "TB-9441-2025", "VPCP-12729-2025", "NQ-28-2026-QH16", "VPCP-10065-2026"} {
		if !ids[id] {
			t.Errorf("sources lack %s", id)
		}
	}
	if !slices.IsSortedFunc(f.Exceptions, func(a, b Exception) int { return a.Date.Compare(b.Date) }) {
		t.Error("exceptions are not in date order")
	}
	if _, err := parseHolidays(`{"exceptions": [{"date": "2026-09-02", "kind": "holiday", "nameVI": "x"}]}`); err == nil {
		t.Error("a misspelt field was accepted")
	}
}

func TestShippedExceptions(t *testing.T) {
	ex, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(ict, DefaultHours(), ex); err != nil {
		t.Fatalf("shipped data does not build a calendar: %v", err)
	}
	byDate := map[Date]Exception{}
	for _, e := range ex {
		byDate[e.Date] = e
		if e.Date.Year < 2025 || e.Date.Year > 2027 {
			t.Errorf("%v: outside 2025–2027", e.Date)
		}
		if strings.TrimSpace(e.NameVI) == "" || strings.TrimSpace(e.NameEN) == "" || strings.TrimSpace(e.Source) == "" {
			t.Errorf("%v: empty name or source: %+v", e.Date, e)
		}
		// Every Vietnamese name has a diacritic; one without has lost them.
		if !utf8.ValidString(e.NameVI) || !strings.ContainsFunc(e.NameVI, func(r rune) bool { return r > utf8.RuneSelf }) {
			t.Errorf("%v: Vietnamese name %q has no diacritics", e.Date, e.NameVI)
		}
		if e.NameEN == e.NameVI {
			t.Errorf("%v: English name is the Vietnamese one", e.Date)
		}
	}

	holiday := func(year int, month time.Month, day int, contains string) {
		t.Helper()
		d := Date{year, month, day}
		e, ok := byDate[d]
		if !ok || e.Kind != Holiday {
			t.Errorf("%v: want a holiday (%s), got %+v", d, contains, e)
			return
		}
		if !strings.Contains(e.NameVI, contains) {
			t.Errorf("%v: name %q does not contain %q", d, e.NameVI, contains)
		}
	}
	tet := map[int]Date{ // mùng 1 Tết
		2025: {2025, time.January, 29},
		2026: {2026, time.February, 17},
		2027: {2027, time.February, 6},
	}
	hung := map[int]Date{ // 10/3 âm lịch
		2025: {2025, time.April, 7},
		2026: {2026, time.April, 26},
		2027: {2027, time.April, 16},
	}
	for year := 2025; year <= 2027; year++ {
		holiday(year, time.January, 1, "Tết Dương lịch")
		holiday(year, tet[year].Month, tet[year].Day, "mùng 1 tháng Giêng")
		holiday(year, hung[year].Month, hung[year].Day, "Giỗ Tổ Hùng Vương")
		holiday(year, time.April, 30, "Ngày Chiến thắng")
		holiday(year, time.May, 1, "Ngày Quốc tế Lao động")
		holiday(year, time.September, 2, "Quốc khánh")
		adjacent := 0
		for _, day := range []int{1, 3} {
			if e, ok := byDate[Date{year, time.September, day}]; ok && strings.HasPrefix(e.NameVI, "Quốc khánh") {
				adjacent++
			}
		}
		if adjacent != 1 {
			t.Errorf("%d: %d days adjacent to National Day, want 1", year, adjacent)
		}
		tetDays := 0
		for _, e := range ex {
			if e.Date.Year == year && strings.HasPrefix(e.NameVI, "Tết Nguyên đán") {
				tetDays++
			}
		}
		if tetDays != 5 {
			t.Errorf("%d: %d Tết days, want 5", year, tetDays)
		}
	}
	// Vietnamese Culture Day is a day off from 2026 only.
	holiday(2026, time.November, 24, "Ngày Văn hóa Việt Nam")
	holiday(2027, time.November, 24, "Ngày Văn hóa Việt Nam")
	if _, ok := byDate[Date{2025, time.November, 24}]; ok {
		t.Error("24/11/2025 listed, but Nghị quyết 28/2026/QH16 took effect on 1 July 2026")
	}
}

// TestShippedYears pins every weekday off and every weekend day worked, so
// that any change to the data shows up here and is checked against the
// notices again.
func TestShippedYears(t *testing.T) {
	c := shipped(t)
	want := map[int]struct{ off, worked []string }{
		2025: {
			off: []string{"01-01", "01-27", "01-28", "01-29", "01-30", "01-31",
				"04-07", "04-30", "05-01", "05-02", "09-01", "09-02"},
			worked: []string{"04-26"},
		},
		2026: {
			off: []string{"01-01", "01-02", "02-16", "02-17", "02-18", "02-19", "02-20",
				"04-27", "04-30", "05-01", "08-31", "09-01", "09-02", "11-24"},
			worked: []string{"01-10", "08-22"},
		},
		2027: {
			off: []string{"01-01", "02-04", "02-05", "02-08", "02-09", "02-10",
				"04-16", "04-30", "05-03", "09-02", "09-03", "11-24"},
		},
	}
	for year, w := range want {
		var off, worked []string
		for d := (Date{year, time.January, 1}); d.Year == year; d = d.AddDays(1) {
			weekend := isWeekend(d.Weekday())
			switch working := c.IsWorkingDay(d); {
			case !weekend && !working:
				off = append(off, d.String()[5:])
			case weekend && working:
				worked = append(worked, d.String()[5:])
			}
		}
		if !slices.Equal(off, w.off) {
			t.Errorf("%d weekdays off:\n got %v\nwant %v", year, off, w.off)
		}
		if !slices.Equal(worked, w.worked) {
			t.Errorf("%d weekend days worked:\n got %v\nwant %v", year, worked, w.worked)
		}
	}
}
