package agency

import (
	"errors"
	"fmt"
	"strings"
)

// Electronic identifier codes of agencies (mã định danh điện tử của cơ quan,
// tổ chức).
//
// Two standards write the same tree of agencies:
//
//   - QĐ 20/2020/QĐ-TTg, Điều 4 (amended by QĐ 09/2025/QĐ-TTg for the merged
//     provinces): at most 35 characters from A-Z, 0-9 and ".", one group per
//     organisational level, written left to right and separated by dots. The
//     first group is the level-1 code of the Phụ lục (a letter and two digits:
//     G.. ministries, H.. provincial People's Committees, K.. provincial
//     People's Councils; Hà Nội H26, TP. Hồ Chí Minh H29). The decision leaves
//     the lower groups to each ministry and province, and codes in use on the
//     national portal have both two- and three-character level-2 groups
//     (H49.22, H26.107), so below level 1 a group is any non-empty run of
//     A-Z and 0-9.
//
//   - QCVN 102:2016/BTTTT (issued by TT 10/2016/TT-BTTTT), used by
//     TT 01/2018/TT-VPCP Điều 19 for dossier codes and kept by TT 03/2025:
//     exactly V1V2V3.Z1Z2.Y1Y2.MX1X2, that is level 4 (three digits), level 3
//     (two digits), level 2 (two digits) and level 1, written right to left,
//     with unused levels filled with zeros: 000.00.00.H49 is the provincial
//     People's Committee itself and 000.00.12.H26 is unit 12 under Hà Nội's.
//
// A Code stores the levels and renders either form; only codes whose levels
// fit the fixed widths of QCVN 102 have a right-to-left form.

// maxCodeLen is the limit of QĐ 20/2020 Điều 4 khoản 1.
const maxCodeLen = 35

// ErrInvalidCode is wrapped by every error that ParseCode and Code.Child
// return for malformed input, and by Code.RightToLeft for a code that has
// no QCVN 102 form.
var ErrInvalidCode = errors.New("invalid agency code")

// CodeErrorReason says what is wrong with an agency code, as a stable
// identifier that the edges turn into a message in the user's language.
type CodeErrorReason string

// The reasons a code can be rejected.
const (
	CodeEmpty   CodeErrorReason = "empty"   // nothing but white space
	CodeLength  CodeErrorReason = "length"  // longer than 35 characters
	CodeCharset CodeErrorReason = "charset" // a character outside A-Z, 0-9 and "."
	CodeLevel1  CodeErrorReason = "level1"  // no level-1 group of a letter and two digits at either end
	CodeGroup   CodeErrorReason = "group"   // a lower-level group is empty, all zeros, or the wrong width for QCVN 102
	CodeNoRTL   CodeErrorReason = "rtl"     // the code cannot be written in the QCVN 102 form
)

// CodeError reports why a string is not a valid agency code.
type CodeError struct {
	Input  string          // the text as given
	Reason CodeErrorReason // what is wrong, for translated messages
	Level  int             // the organisational level at fault (1 = top), or 0
	Detail string          // an English explanation for logs and developers
}

func (e *CodeError) Error() string {
	if e.Level > 0 {
		return fmt.Sprintf("agency code %q: level %d: %s", e.Input, e.Level, e.Detail)
	}
	return fmt.Sprintf("agency code %q: %s", e.Input, e.Detail)
}

// Unwrap makes errors.Is(err, ErrInvalidCode) hold.
func (e *CodeError) Unwrap() error { return ErrInvalidCode }

// Code is the electronic identifier of an agency. The zero Code is "no
// code". Codes are comparable with ==, and two codes are equal exactly when
// they name the same agency, whichever form they were parsed from.
type Code struct {
	// s is the canonical left-to-right form: one string keeps Code
	// comparable and usable as a map key, and the levels are its groups.
	s string
}

// ParseCode parses an agency code in either order: left to right as in
// QĐ 20/2020 ("H26.12.05") or right to left as in QCVN 102:2016 and dossier
// codes ("000.05.12.H26"). Surrounding white space is ignored and ASCII
// letters are upper-cased. The order is told by where the level-1 group
// (a letter and two digits) stands: first means left to right, otherwise
// last means right to left.
//
// The error is a *CodeError wrapping ErrInvalidCode.
func ParseCode(s string) (Code, error) {
	in := s
	s = strings.TrimSpace(s)
	if s == "" {
		return Code{}, codeErr(in, CodeEmpty, 0, "empty")
	}
	up, err := upperCode(in, s)
	if err != nil {
		return Code{}, err
	}
	if len(up) > maxCodeLen {
		return Code{}, codeErr(in, CodeLength, 0, fmt.Sprintf("%d characters, at most %d allowed", len(up), maxCodeLen))
	}
	groups := strings.Split(up, ".")
	switch {
	case isLevel1(groups[0]):
		return parseLeftToRight(in, groups)
	case len(groups) > 1 && isLevel1(groups[len(groups)-1]):
		return parseRightToLeft(in, groups)
	default:
		return Code{}, codeErr(in, CodeLevel1, 1, "no level-1 group (a letter and two digits, e.g. H26) at either end")
	}
}

// MustParseCode is ParseCode for codes written in programs and tests; it
// panics on an invalid code.
func MustParseCode(s string) Code {
	c, err := ParseCode(s)
	if err != nil {
		panic(err)
	}
	return c
}

// upperCode upper-cases ASCII letters and rejects anything outside the
// alphabet of QĐ 20/2020. It works byte by byte on purpose: strings.ToUpper
// would turn "ſ" and "ı" into S and I and let them pass as ASCII.
func upperCode(in, s string) (string, error) {
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.':
		case 'a' <= c && c <= 'z':
			b[i] = c - ('a' - 'A')
		default:
			return "", codeErr(in, CodeCharset, 0, fmt.Sprintf("character %q at byte %d; only A-Z, 0-9 and \".\" are allowed", runeAt(s, i), i))
		}
	}
	return string(b), nil
}

func runeAt(s string, i int) rune {
	for _, r := range s[i:] {
		return r
	}
	return 0
}

func parseLeftToRight(in string, groups []string) (Code, error) {
	for i, g := range groups[1:] {
		if err := checkGroup(in, g, i+2); err != nil {
			return Code{}, err
		}
	}
	return Code{s: strings.Join(groups, ".")}, nil
}

// rtlWidth is the width of a level-2, -3 or -4 group in QCVN 102:2016.
func rtlWidth(level int) int {
	if level == 4 {
		return 3
	}
	return 2
}

func parseRightToLeft(in string, groups []string) (Code, error) {
	if len(groups) != 4 {
		return Code{}, codeErr(in, CodeGroup, 0, fmt.Sprintf("right-to-left form has %d groups, want 4 (V1V2V3.Z1Z2.Y1Y2.MX1X2)", len(groups)))
	}
	levels := []string{groups[3]}
	ended := false // a zero group was seen: every deeper level must be zero too
	for lvl := 2; lvl <= 4; lvl++ {
		g, w := groups[4-lvl], rtlWidth(lvl)
		if len(g) != w || !allDigits(g) {
			return Code{}, codeErr(in, CodeGroup, lvl, fmt.Sprintf("group %q must be %d digits", g, w))
		}
		if allZero(g) {
			ended = true
			continue
		}
		if ended {
			return Code{}, codeErr(in, CodeGroup, lvl, fmt.Sprintf("group %q is set but level %d above it is zero", g, lvl-1))
		}
		levels = append(levels, g)
	}
	return Code{s: strings.Join(levels, ".")}, nil
}

// checkGroup validates a lower-level group that is already upper-case and
// within the alphabet.
func checkGroup(in, g string, level int) error {
	switch {
	case g == "":
		return codeErr(in, CodeGroup, level, "empty group")
	case allZero(g):
		// In QCVN 102 zeros mean "no unit at this level"; allowing them here
		// would make H26.00.05 and 000.05.00.H26 ambiguous.
		return codeErr(in, CodeGroup, level, fmt.Sprintf("group %q is all zeros", g))
	}
	return nil
}

func codeErr(in string, r CodeErrorReason, level int, detail string) *CodeError {
	return &CodeError{Input: in, Reason: r, Level: level, Detail: detail}
}

func isLevel1(g string) bool {
	return len(g) == 3 && 'A' <= g[0] && g[0] <= 'Z' && allDigits(g[1:])
}

func allDigits(g string) bool {
	for i := 0; i < len(g); i++ {
		if g[i] < '0' || g[i] > '9' {
			return false
		}
	}
	return g != ""
}

func allZero(g string) bool {
	return g != "" && strings.Trim(g, "0") == ""
}

// String returns the left-to-right form of QĐ 20/2020, e.g. "H26.12.05",
// or "" for the zero Code.
func (c Code) String() string { return c.s }

// RightToLeft returns the QCVN 102:2016 form used in dossier codes
// (TT 01/2018 Điều 19, TT 03/2025): always four groups, deepest first,
// zero-filled, e.g. "000.05.12.H26" for H26.12.05 and "000.00.00.H26" for
// H26 itself.
//
// Only codes of at most four levels whose lower groups are digits of
// exactly the QCVN widths (two, two, three) have this form; for any other
// code, and for the zero Code, the error is a *CodeError with reason
// CodeNoRTL. An agency that needs format-A dossier codes must be given a
// code that fits.
func (c Code) RightToLeft() (string, error) {
	if c.s == "" {
		return "", codeErr("", CodeNoRTL, 0, "the zero code has no right-to-left form")
	}
	levels := c.Levels()
	if len(levels) > 4 {
		return "", codeErr(c.s, CodeNoRTL, 5, "QCVN 102 has only four levels")
	}
	var b strings.Builder
	b.Grow(13)
	for lvl := 4; lvl >= 2; lvl-- {
		w := rtlWidth(lvl)
		if lvl > len(levels) {
			b.WriteString("000"[:w])
		} else {
			g := levels[lvl-1]
			if len(g) != w || !allDigits(g) {
				return "", codeErr(c.s, CodeNoRTL, lvl, fmt.Sprintf("group %q is not %d digits as QCVN 102 requires", g, w))
			}
			b.WriteString(g)
		}
		b.WriteByte('.')
	}
	b.WriteString(levels[0])
	return b.String(), nil
}

// Levels returns the groups from level 1 down, e.g. ["H26" "12" "05"];
// nil for the zero Code. The slice is the caller's.
func (c Code) Levels() []string {
	if c.s == "" {
		return nil
	}
	return strings.Split(c.s, ".")
}

// Level1 returns the level-1 group, e.g. "H26", or "" for the zero Code.
func (c Code) Level1() string {
	g, _, _ := strings.Cut(c.s, ".")
	return g
}

// Depth returns the number of levels: 1 for H26, 3 for H26.12.05, 0 for
// the zero Code.
func (c Code) Depth() int {
	if c.s == "" {
		return 0
	}
	return strings.Count(c.s, ".") + 1
}

// IsZero reports whether c is the zero Code.
func (c Code) IsZero() bool { return c.s == "" }

// Parent returns the code of the agency one level up; false for a level-1
// code and for the zero Code.
func (c Code) Parent() (Code, bool) {
	i := strings.LastIndexByte(c.s, '.')
	if i < 0 {
		return Code{}, false
	}
	return Code{s: c.s[:i]}, true
}

// Child returns the code of the unit numbered group under c, e.g.
// H26.12 with "05" gives H26.12.05. The group is upper-cased and validated
// like any lower-level group; the error is a *CodeError.
func (c Code) Child(group string) (Code, error) {
	if c.s == "" {
		return Code{}, codeErr(group, CodeLevel1, 1, "the zero code has no children")
	}
	in := c.s + "." + group
	up, err := upperCode(in, group)
	if err != nil {
		return Code{}, err
	}
	if len(in) > maxCodeLen {
		return Code{}, codeErr(in, CodeLength, 0, fmt.Sprintf("%d characters, at most %d allowed", len(in), maxCodeLen))
	}
	if strings.Contains(up, ".") {
		return Code{}, codeErr(in, CodeGroup, c.Depth()+1, fmt.Sprintf("group %q contains a dot", group))
	}
	if err := checkGroup(in, up, c.Depth()+1); err != nil {
		return Code{}, err
	}
	return Code{s: c.s + "." + up}, nil
}

// IsAncestorOf reports whether d lies strictly below c in the tree:
// H26 is an ancestor of H26.12 and of H26.12.05, but not of itself, nor of
// H261 or H26.120 when c is H26.12. The zero Code is nobody's ancestor.
func (c Code) IsAncestorOf(d Code) bool {
	return c.s != "" && len(d.s) > len(c.s) && d.s[len(c.s)] == '.' && strings.HasPrefix(d.s, c.s)
}

// MarshalText writes the left-to-right form; the zero Code is empty text.
func (c Code) MarshalText() ([]byte, error) { return []byte(c.s), nil }

// UnmarshalText accepts either form, like ParseCode. Empty text gives the
// zero Code, so that an optional code survives a round trip through JSON;
// a required code is checked with IsZero by the service.
func (c *Code) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*c = Code{}
		return nil
	}
	p, err := ParseCode(string(b))
	if err != nil {
		return err
	}
	*c = p
	return nil
}
