package dossier

import (
	"time"

	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/catalog"
)

// DefaultCutoff is the time after which a dossier received on a working
// day starts counting the next working morning (ND 61/2018 Điều 19: a paper
// dossier is handed to the processing unit the same working day, or the
// next one if received after 15:00).
const DefaultCutoff = 15 * time.Hour

// Clock is an agency's time rules: its working calendar and cut-off.
type Clock struct {
	Cal    *calendar.Calendar
	Cutoff time.Duration
}

// Start is when the legal time starts to run for a dossier received at t:
// at once if t is in working time on a working day before the cut-off,
// else at the start of the next working time (the next working morning
// when received after the cut-off, at night, on a weekend or a holiday).
func (c Clock) Start(t time.Time) time.Time {
	loc := c.Cal.Location()
	lt := t.In(loc)
	day := calendar.DateIn(lt, loc)
	cutoff := c.Cutoff
	if cutoff == 0 {
		cutoff = DefaultCutoff
	}
	midnight := day.In(loc)
	if c.Cal.IsWorkingDay(day) && lt.Sub(midnight) >= cutoff {
		return c.Cal.NextWorkingStart(day.AddDays(1).In(loc))
	}
	return c.Cal.NextWorkingStart(lt)
}

// Due is the deadline of a legal time d for a dossier received at t.
// "Within the day" ends with the working day counting starts on.
func (c Clock) Due(t time.Time, d catalog.Duration) time.Time {
	start := c.Start(t)
	switch d.Unit {
	case catalog.WithinDay:
		return c.endOfDay(start)
	case catalog.WorkingHours:
		return c.Cal.AddWorkingHours(start, time.Duration(d.Value)*time.Hour)
	default:
		return c.Cal.AddWorkingDays(start, d.Value)
	}
}

func (c Clock) endOfDay(t time.Time) time.Time {
	loc := c.Cal.Location()
	hours := c.Cal.Hours()
	return calendar.DateIn(t, loc).In(loc).Add(hours[len(hours)-1].End)
}

// Resume moves a deadline after a pause (waiting for payment, for another
// agency): the working time that was left when the pause began is counted
// again from the end of the pause.
func (c Clock) Resume(due, pausedAt, resumedAt time.Time) time.Time {
	left := c.Cal.WorkingTimeBetween(pausedAt, due, nil)
	if left <= 0 {
		return due
	}
	return c.Cal.AddWorkingHours(resumedAt, left)
}

// Timeliness is how a dossier was finished against its deadline.
type Timeliness string

// The timeliness classes of the reports (Bộ chỉ số 766).
const (
	Early  Timeliness = "early"   // before the day of the deadline
	OnTime Timeliness = "on_time" // on the day of the deadline, by its time
	Late   Timeliness = "late"    // after the deadline
)

// Judge decides whether finishing at t was early, on time or late against
// the deadline in force.
func (c Clock) Judge(t, due time.Time) Timeliness {
	loc := c.Cal.Location()
	switch {
	case t.After(due):
		return Late
	case calendar.DateIn(t, loc).Before(calendar.DateIn(due, loc)):
		return Early
	}
	return OnTime
}

// CanExtend reports whether an apology and extension may still be issued
// at now: at least one working day before the deadline (ND 61/2018 Điều 19).
func (c Clock) CanExtend(now, due time.Time) bool {
	return c.Cal.WorkingTimeBetween(now, due, nil) >= c.Cal.DayLength()
}

// SupplementLate reports whether a supplement requested during processing
// at now comes more than three working days after the dossier was received
// (received at received), which ND 61/2018 does not allow without cause.
func (c Clock) SupplementLate(received, now time.Time) bool {
	return c.Cal.WorkingTimeBetween(c.Start(received), now, nil) > 3*c.Cal.DayLength()
}
