package calendar

import (
	"testing"
	"time"
)

func TestParseHours(t *testing.T) {
	h := time.Hour
	tests := []struct {
		in      string
		want    []Span
		wantErr bool
	}{
		{"08:00-12:00,13:00-17:00", []Span{{8 * h, 12 * h}, {13 * h, 17 * h}}, false},
		{" 07:30 - 11:30 , 13:30–17:00 ", []Span{{7*h + 30*time.Minute, 11*h + 30*time.Minute}, {13*h + 30*time.Minute, 17 * h}}, false},
		{"08:00-24:00", []Span{{8 * h, 24 * h}}, false},
		{"", nil, true},
		{"8:00-12:00", nil, true},
		{"08:00-12:00,11:00-17:00", nil, true}, // overlap
		{"13:00-17:00,08:00-12:00", nil, true}, // unsorted
		{"12:00-08:00", nil, true},
		{"08:00-25:00", nil, true},
		{"08:60-12:00", nil, true},
		{"08:00", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseHours(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseHours(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("ParseHours(%q) = %v, want %v", tt.in, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("ParseHours(%q)[%d] = %v, want %v", tt.in, i, got[i], tt.want[i])
			}
		}
		back, err := ParseHours(FormatHours(got))
		if err != nil || len(back) != len(got) {
			t.Errorf("FormatHours(%v) = %q does not parse back: %v", got, FormatHours(got), err)
		}
	}
}
