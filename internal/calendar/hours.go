package calendar

import (
	"fmt"
	"strings"
	"time"
)

// ParseHours reads working hours written as "08:00-12:00,13:00-17:00", the
// form administrators type and the database stores, and validates them as
// New would.
func ParseHours(s string) ([]Span, error) {
	var spans []Span
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		a, b, ok := strings.Cut(strings.ReplaceAll(part, "–", "-"), "-")
		if !ok {
			return nil, fmt.Errorf("calendar: working hours %q: want HH:MM-HH:MM", part)
		}
		start, err := parseClock(strings.TrimSpace(a))
		if err != nil {
			return nil, err
		}
		end, err := parseClock(strings.TrimSpace(b))
		if err != nil {
			return nil, err
		}
		spans = append(spans, Span{Start: start, End: end})
	}
	if _, err := New(time.UTC, spans, nil); err != nil {
		return nil, err
	}
	return spans, nil
}

func parseClock(s string) (time.Duration, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("calendar: time %q: want HH:MM", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("calendar: time %q: want HH:MM", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

// FormatHours writes spans in the form ParseHours reads.
func FormatHours(spans []Span) string {
	parts := make([]string, len(spans))
	for i, s := range spans {
		parts[i] = clock(s.Start) + "-" + clock(s.End)
	}
	return strings.Join(parts, ",")
}
