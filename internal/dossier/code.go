// Package dossier runs the one-stop process: a dossier (hồ sơ) from
// application to result, through reception, processing, consultation and
// signature, under the deadlines the law sets, with every step recorded.
package dossier

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// CodeFormat is the layout of dossier codes (DESIGN §3.2).
type CodeFormat string

// The formats.
const (
	// FormatA (TT 01/2018 Điều 19, kept by TT 03/2025): the agency's code
	// right to left, zero-filled (QCVN 102:2016), the receiving date, and a
	// four-digit sequence: 000.00.12.H26-250312-0027.
	FormatA CodeFormat = "A"
	// FormatB (TT 04/2025, nationally centralised systems): the agency's
	// code left to right, the date, two digits of the system owner and a
	// sequence of at least four digits: H26.12-260125-010027.
	FormatB CodeFormat = "B"
)

// CodeParts are what a dossier code is made of.
type CodeParts struct {
	Agency string    // the agency part, in the format's order
	Date   time.Time // the receiving date (civil date, local)
	Owner  string    // format B: two digits of the system owner
	Seq    int       // sequence within the agency and day, from 1
}

// FormatCode writes a dossier code. agencyRTL is the QCVN 102 form of the
// receiving agency's code (format A), agencyLTR the QĐ 20/2020 form
// (format B); day is the receiving date in the agency's time zone.
func FormatCode(f CodeFormat, agencyRTL, agencyLTR, owner string, day time.Time, seq int) (string, error) {
	if seq < 1 {
		return "", fmt.Errorf("dossier code: sequence %d", seq)
	}
	date := day.Format("060102")
	switch f {
	case FormatA:
		if agencyRTL == "" {
			return "", fmt.Errorf("dossier code: the agency has no QCVN 102 code; use format B")
		}
		return fmt.Sprintf("%s-%s-%04d", agencyRTL, date, seq), nil
	case FormatB:
		if len(owner) != 2 || owner[0] < '0' || owner[0] > '9' || owner[1] < '0' || owner[1] > '9' {
			return "", fmt.Errorf("dossier code: system owner %q must be two digits", owner)
		}
		return fmt.Sprintf("%s-%s-%s%04d", agencyLTR, date, owner, seq), nil
	}
	return "", fmt.Errorf("dossier code: unknown format %q", f)
}

var (
	codeA = regexp.MustCompile(`^([0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2})-([0-9]{6})-([0-9]{4,})$`)
	codeB = regexp.MustCompile(`^([A-Z][0-9]{2}(?:\.[A-Z0-9]+)*)-([0-9]{6})-([0-9]{2})([0-9]{4,})$`)
)

// ParseCode checks the shape of a dossier code in either format, for the
// public lookup: a malformed code is refused before any query.
func ParseCode(s string) (CodeFormat, CodeParts, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) > 64 {
		return "", CodeParts{}, false
	}
	if m := codeA.FindStringSubmatch(s); m != nil {
		d, err := time.Parse("060102", m[2])
		n, nerr := strconv.Atoi(m[3])
		if err == nil && nerr == nil && n > 0 {
			return FormatA, CodeParts{Agency: m[1], Date: d, Seq: n}, true
		}
	}
	if m := codeB.FindStringSubmatch(s); m != nil {
		d, err := time.Parse("060102", m[2])
		n, nerr := strconv.Atoi(m[4])
		if err == nil && nerr == nil && n > 0 {
			return FormatB, CodeParts{Agency: m[1], Date: d, Owner: m[3], Seq: n}, true
		}
	}
	return "", CodeParts{}, false
}

// NormaliseCode returns the canonical (upper-case, trimmed) form of a code.
func NormaliseCode(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }
