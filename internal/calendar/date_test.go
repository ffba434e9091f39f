package calendar

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    Date
		wantErr bool
	}{
		{in: "2026-04-30", want: Date{2026, time.April, 30}},
		{in: "2024-02-29", want: Date{2024, time.February, 29}},
		{in: "2000-02-29", want: Date{2000, time.February, 29}},
		{in: "0001-01-01", want: Date{1, time.January, 1}},
		{in: "9999-12-31", want: Date{9999, time.December, 31}},
		{in: "2026-02-29", wantErr: true}, // not a leap year
		{in: "1900-02-29", wantErr: true}, // century, not a leap year
		{in: "2026-04-31", wantErr: true},
		{in: "2026-13-01", wantErr: true},
		{in: "2026-00-10", wantErr: true},
		{in: "2026-01-00", wantErr: true},
		{in: "2026-4-30", wantErr: true},
		{in: "2026/04/30", wantErr: true},
		{in: "+026-04-30", wantErr: true},
		{in: "2026-04-3 ", wantErr: true},
		{in: "20260430", wantErr: true},
		{in: "", wantErr: true},
		{in: "2026-04-30T00:00:00Z", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseDate(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && got != tt.want {
			t.Errorf("ParseDate(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestDateArithmeticMatchesTime checks the day-number arithmetic behind
// AddDays, Weekday and Compare against the time package, day by day across
// several centuries including 1900 and 2000.
func TestDateArithmeticMatchesTime(t *testing.T) {
	ref := time.Date(1850, time.January, 1, 12, 0, 0, 0, time.UTC)
	d := Date{1850, time.January, 1}
	for i := 0; i < 250*366; i++ {
		want := DateOf(ref)
		if d != want {
			t.Fatalf("day %d: got %v, want %v", i, d, want)
		}
		if d.Weekday() != ref.Weekday() {
			t.Fatalf("%v: Weekday = %v, want %v", d, d.Weekday(), ref.Weekday())
		}
		if !d.IsValid() {
			t.Fatalf("%v: not valid", d)
		}
		next := d.AddDays(1)
		if !d.Before(next) || !next.After(d) || d.Compare(next) != -1 || next.Compare(d) != 1 || d.Compare(d) != 0 {
			t.Fatalf("%v vs %v: ordering broken", d, next)
		}
		if back := next.AddDays(-1); back != d {
			t.Fatalf("%v + 1 - 1 = %v", d, back)
		}
		ref = ref.AddDate(0, 0, 1)
		d = next
	}
}

func TestDateAddDays(t *testing.T) {
	tests := []struct {
		d    Date
		n    int
		want Date
	}{
		{Date{2026, time.February, 28}, 1, Date{2026, time.March, 1}},
		{Date{2024, time.February, 28}, 1, Date{2024, time.February, 29}},
		{Date{2026, time.December, 31}, 1, Date{2027, time.January, 1}},
		{Date{2026, time.January, 1}, -1, Date{2025, time.December, 31}},
		{Date{2026, time.April, 30}, 365, Date{2027, time.April, 30}},
		{Date{2026, time.April, 30}, 0, Date{2026, time.April, 30}},
		// An invalid date is normalised like time.Date.
		{Date{2026, time.February, 30}, 0, Date{2026, time.March, 2}},
	}
	for _, tt := range tests {
		if got := tt.d.AddDays(tt.n); got != tt.want {
			t.Errorf("%v.AddDays(%d) = %v, want %v", tt.d, tt.n, got, tt.want)
		}
	}
}

func TestDateInLocation(t *testing.T) {
	loc := VietnamLocation()
	// 17:00 UTC is midnight in Hanoi.
	utc := time.Date(2026, time.April, 29, 17, 0, 0, 0, time.UTC)
	if got, want := DateIn(utc, loc), (Date{2026, time.April, 30}); got != want {
		t.Errorf("DateIn(%v) = %v, want %v", utc, got, want)
	}
	if got, want := DateIn(utc.Add(-time.Nanosecond), loc), (Date{2026, time.April, 29}); got != want {
		t.Errorf("DateIn(just before midnight) = %v, want %v", got, want)
	}
	if got, want := DateOf(utc), (Date{2026, time.April, 29}); got != want {
		t.Errorf("DateOf(%v) = %v, want %v", utc, got, want)
	}
	mid := (Date{2026, time.April, 30}).In(loc)
	if !mid.Equal(utc) {
		t.Errorf("In = %v, want %v", mid, utc)
	}
}

func TestDateJSON(t *testing.T) {
	type doc struct {
		D Date `json:"d"`
	}
	b, err := json.Marshal(doc{Date{2026, time.September, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"d":"2026-09-02"}` {
		t.Errorf("Marshal = %s", b)
	}
	var back doc
	if err := json.Unmarshal(b, &back); err != nil || back.D != (Date{2026, time.September, 2}) {
		t.Errorf("Unmarshal = %v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"d":"2026-09-31"}`), &back); err == nil {
		t.Error("Unmarshal accepted 2026-09-31")
	}
	if _, err := json.Marshal(doc{Date{2026, time.February, 30}}); err == nil {
		t.Error("Marshal accepted an invalid date")
	}
}

// FuzzParseDate checks that ParseDate accepts exactly the strings that
// time.Parse accepts with the layout 2006-01-02 and that are 10 bytes long,
// and that whatever it accepts round-trips through String.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-04-30", "2024-02-29", "2026-02-29", "0000-01-01", "9999-12-31", "2026-1-01", "２026-04-30", "-026-04-30", "2026-04-3\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		ref, refErr := time.Parse(time.DateOnly, s)
		refOK := refErr == nil && len(s) == 10
		if (err == nil) != refOK {
			t.Fatalf("ParseDate(%q) error = %v; time.Parse error = %v", s, err, refErr)
		}
		if err != nil {
			return
		}
		if d != DateOf(ref) {
			t.Fatalf("ParseDate(%q) = %v, time.Parse = %v", s, d, ref)
		}
		if d.String() != s {
			t.Fatalf("ParseDate(%q).String() = %q", s, d.String())
		}
		if !d.IsValid() {
			t.Fatalf("ParseDate(%q) = %v, not valid", s, d)
		}
	})
}
