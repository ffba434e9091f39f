package dossier

import (
	"testing"
	"time"

	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/catalog"
)

func vnClock(t *testing.T) Clock {
	t.Helper()
	c, err := calendar.Vietnam()
	if err != nil {
		t.Fatal(err)
	}
	return Clock{Cal: c, Cutoff: DefaultCutoff}
}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, calendar.VietnamLocation())
	if err != nil {
		panic(err)
	}
	return t
}

func TestDue(t *testing.T) {
	c := vnClock(t)
	days := func(n int) catalog.Duration { return catalog.Duration{Value: n, Unit: catalog.WorkingDays} }
	tests := []struct {
		name     string
		received string
		d        catalog.Duration
		want     string
	}{
		// Issue 4's worked example: Friday 24/4/2026 16:00 is after the
		// cut-off; Sat 25, Sun 26 (Hùng Kings' day), Mon 27 (its day in lieu)
		// are off, so counting starts Tuesday 28/4 08:00; 30/4 and 1/5 are
		// holidays and 2–3/5 a weekend: 28, 29, 4, 5, 6 → 6/5 at 17:00.
		{"Fri 24/4/2026 16:00, 5 days", "2026-04-24 16:00", days(5), "2026-05-06 17:00"},
		// Before the cut-off the same day counts from the receipt instant.
		{"Fri 24/4/2026 10:00, 5 days", "2026-04-24 10:00", days(5), "2026-05-06 10:00"},
		{"Mon 23/11/2026 09:00, 1 day, Culture Day on 24/11", "2026-11-23 09:00", days(1), "2026-11-25 09:00"},
		{"within the day, before cut-off", "2026-03-02 14:59", catalog.Duration{Unit: catalog.WithinDay}, "2026-03-02 17:00"},
		{"within the day, after cut-off", "2026-03-02 15:00", catalog.Duration{Unit: catalog.WithinDay}, "2026-03-03 17:00"},
		{"within the day, on a Saturday", "2026-03-07 09:00", catalog.Duration{Unit: catalog.WithinDay}, "2026-03-09 17:00"},
		{"4 working hours over lunch", "2026-03-02 10:00", catalog.Duration{Value: 4, Unit: catalog.WorkingHours}, "2026-03-02 15:00"},
		{"received during Tết 2026", "2026-02-18 09:00", days(1), "2026-02-23 17:00"},
		{"received at night", "2026-03-02 22:00", days(1), "2026-03-03 17:00"},
	}
	for _, tt := range tests {
		got := c.Due(at(tt.received), tt.d)
		if !got.Equal(at(tt.want)) {
			t.Errorf("%s: Due = %s, want %s", tt.name, got.Format("2006-01-02 15:04 Mon"), tt.want)
		}
	}
}

func TestResumeJudgeExtend(t *testing.T) {
	c := vnClock(t)
	due := at("2026-03-06 17:00") // Friday
	// Paused Wed 09:00 with 2 working days 8 hours left... resumed Mon 09:00.
	if got := c.Resume(due, at("2026-03-04 09:00"), at("2026-03-09 09:00")); !got.Equal(at("2026-03-11 17:00")) {
		t.Errorf("Resume = %s", got.Format("2006-01-02 15:04"))
	}
	if got := c.Resume(due, at("2026-03-07 09:00"), at("2026-03-09 09:00")); !got.Equal(due) {
		t.Errorf("a pause after the deadline must not move it: %s", got)
	}
	for _, tt := range []struct {
		done string
		want Timeliness
	}{{"2026-03-05 16:00", Early}, {"2026-03-06 08:00", OnTime}, {"2026-03-06 17:00", OnTime}, {"2026-03-06 17:01", Late}, {"2026-03-09 08:00", Late}} {
		if got := c.Judge(at(tt.done), due); got != tt.want {
			t.Errorf("Judge(%s) = %s, want %s", tt.done, got, tt.want)
		}
	}
	if !c.CanExtend(at("2026-03-05 17:00"), due) || !c.CanExtend(at("2026-03-05 12:00"), due) {
		t.Error("one full working day before the deadline the extension is allowed")
	}
	if c.CanExtend(at("2026-03-06 08:01"), due) || c.CanExtend(at("2026-03-06 09:00"), due) {
		t.Error("less than one working day before the deadline the extension is refused")
	}
	if c.SupplementLate(at("2026-03-02 09:00"), at("2026-03-05 09:00")) || !c.SupplementLate(at("2026-03-02 09:00"), at("2026-03-05 10:00")) {
		t.Error("three working days from receipt")
	}
}
