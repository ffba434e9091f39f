package calendar

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

// holidaysJSON is a string, not a []byte, so the embedded data cannot be
// modified at run time.
//
//go:embed holidays.json
var holidaysJSON string

// holidayFile is the layout of holidays.json. Only Exceptions feeds the
// calendar; the rest documents the data for the people who maintain it.
type holidayFile struct {
	Generated  string        `json:"generated"`
	Scope      string        `json:"scope"`
	Note       string        `json:"note"`
	Rules      []string      `json:"rules"`
	Sources    []sourceEntry `json:"sources"`
	Exceptions []Exception   `json:"exceptions"`
}

type sourceEntry struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Issuer string `json:"issuer"`
	Date   string `json:"date"`
	Note   string `json:"note"`
}

// Load returns the shipped exceptions: the days off of Vietnam's civil
// servants (cán bộ, công chức, viên chức of administrative agencies, which
// rest on Saturday and Sunday) for 2025, 2026 and 2027 — every statutory
// holiday, compensatory day off (nghỉ bù), swapped day off and make-up
// working day, each with its Vietnamese and English name and legal source.
// Pass them to New, or use Vietnam.
//
// The data is a snapshot (see "generated" in holidays.json). Holidays are
// data that an administrator extends each year; years after 2027 are not
// covered and would be treated as plain Monday–Friday weeks.
func Load() ([]Exception, error) {
	f, err := parseHolidays(holidaysJSON)
	if err != nil {
		return nil, err
	}
	return f.Exceptions, nil
}

// parseHolidays decodes holidays.json strictly, so that a misspelt field is
// an error instead of a silently missing name or source.
func parseHolidays(data string) (holidayFile, error) {
	dec := json.NewDecoder(strings.NewReader(data))
	dec.DisallowUnknownFields()
	var f holidayFile
	if err := dec.Decode(&f); err != nil {
		return holidayFile{}, fmt.Errorf("calendar: holidays.json: %w", err)
	}
	return f, nil
}
