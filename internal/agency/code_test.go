package agency

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCode(t *testing.T) {
	tests := []struct {
		in     string
		ltr    string
		rtl    string // "" when the code has no QCVN 102 form
		levels []string
	}{
		// DESIGN.md §3.1 and §3.2.
		{"000.00.12.H26", "H26.12", "000.00.12.H26", []string{"H26", "12"}},
		{"H26", "H26", "000.00.00.H26", []string{"H26"}},
		{"H26.12", "H26.12", "000.00.12.H26", []string{"H26", "12"}},
		{"H26.12.05", "H26.12.05", "000.05.12.H26", []string{"H26", "12", "05"}},
		{"000.05.12.H26", "H26.12.05", "000.05.12.H26", []string{"H26", "12", "05"}},
		{"123.05.12.H26", "H26.12.05.123", "123.05.12.H26", []string{"H26", "12", "05", "123"}},
		{"H29.01.02.003", "H29.01.02.003", "003.02.01.H29", []string{"H29", "01", "02", "003"}},
		// The People's Committee of Quảng Ninh (its QĐ 3739/QĐ-UBND of 2016).
		{"000.00.00.H49", "H49", "000.00.00.H49", []string{"H49"}},
		// Case and surrounding space are forgiven.
		{"  h26.12.05\n", "H26.12.05", "000.05.12.H26", []string{"H26", "12", "05"}},
		{"000.00.12.h26", "H26.12", "000.00.12.H26", []string{"H26", "12"}},
		// QĐ 20/2020 lets each province choose its lower groups; these are in
		// use on the national portal and have no QCVN 102 form.
		{"H26.107", "H26.107", "", []string{"H26", "107"}},
		{"H55.242", "H55.242", "", []string{"H55", "242"}},
		{"H49.22", "H49.22", "000.00.22.H49", []string{"H49", "22"}},
		{"G12.AB.01", "G12.AB.01", "", []string{"G12", "AB", "01"}},
		{"H26.12.05.123.7", "H26.12.05.123.7", "", []string{"H26", "12", "05", "123", "7"}},
		{"H26.1", "H26.1", "", []string{"H26", "1"}},
		// Exactly 35 characters.
		{"H26.1234567890.1234567890.123456789", "H26.1234567890.1234567890.123456789", "", []string{"H26", "1234567890", "1234567890", "123456789"}},
	}
	for _, tt := range tests {
		c, err := ParseCode(tt.in)
		if err != nil {
			t.Errorf("ParseCode(%q): %v", tt.in, err)
			continue
		}
		if got := c.String(); got != tt.ltr {
			t.Errorf("ParseCode(%q).String() = %q, want %q", tt.in, got, tt.ltr)
		}
		rtl, err := c.RightToLeft()
		switch {
		case tt.rtl == "" && err == nil:
			t.Errorf("ParseCode(%q).RightToLeft() = %q, want an error", tt.in, rtl)
		case tt.rtl == "" && !isReason(err, CodeNoRTL):
			t.Errorf("ParseCode(%q).RightToLeft() error = %v, want reason %q", tt.in, err, CodeNoRTL)
		case tt.rtl != "" && (err != nil || rtl != tt.rtl):
			t.Errorf("ParseCode(%q).RightToLeft() = %q, %v; want %q", tt.in, rtl, err, tt.rtl)
		}
		if diff := cmp.Diff(tt.levels, c.Levels()); diff != "" {
			t.Errorf("ParseCode(%q).Levels() (-want +got):\n%s", tt.in, diff)
		}
		if got := c.Depth(); got != len(tt.levels) {
			t.Errorf("ParseCode(%q).Depth() = %d, want %d", tt.in, got, len(tt.levels))
		}
		if got := c.Level1(); got != tt.levels[0] {
			t.Errorf("ParseCode(%q).Level1() = %q, want %q", tt.in, got, tt.levels[0])
		}
	}
}

func isReason(err error, r CodeErrorReason) bool {
	var ce *CodeError
	return errors.As(err, &ce) && ce.Reason == r && errors.Is(err, ErrInvalidCode)
}

func TestParseCodeErrors(t *testing.T) {
	tests := []struct {
		in     string
		reason CodeErrorReason
		level  int
	}{
		{"", CodeEmpty, 0},
		{" \t ", CodeEmpty, 0},
		{"H26.1234567890.1234567890.1234567890", CodeLength, 0},
		{"H26.12 .05", CodeCharset, 0},
		{"H26-12", CodeCharset, 0},
		{"H26.12/05", CodeCharset, 0},
		{"Đ26.12", CodeCharset, 0},
		{"H26.ſ1", CodeCharset, 0}, // long s would upper-case to S
		{"H26.ı1", CodeCharset, 0}, // dotless i would upper-case to I
		{"000.00.12.H26-250312-0027", CodeCharset, 0},
		{"26.12", CodeLevel1, 1},
		{"HH6", CodeLevel1, 1},
		{"H2", CodeLevel1, 1},
		{"H266.12", CodeLevel1, 1},
		{"12.34", CodeLevel1, 1},
		{".", CodeLevel1, 1},
		{"H26..12", CodeGroup, 2},
		{"H26.", CodeGroup, 2},
		{"H26.12.", CodeGroup, 3},
		{"H26.00", CodeGroup, 2},
		{"H26.12.000", CodeGroup, 3},
		{"00.00.12.H26", CodeGroup, 4},
		{"000.0.12.H26", CodeGroup, 3},
		{"000.00.1A.H26", CodeGroup, 2},
		{"000.00.123.H26", CodeGroup, 2},
		{"000.05.00.H26", CodeGroup, 3},
		{"123.00.12.H26", CodeGroup, 4},
		{"12.H26", CodeGroup, 0},
		{".H26", CodeGroup, 0},
		{"0000.000.00.12.H26", CodeGroup, 0},
	}
	for _, tt := range tests {
		c, err := ParseCode(tt.in)
		if err == nil {
			t.Errorf("ParseCode(%q) = %v, want error %q", tt.in, c, tt.reason)
			continue
		}
		if !errors.Is(err, ErrInvalidCode) {
			t.Errorf("ParseCode(%q) error %v does not wrap ErrInvalidCode", tt.in, err)
		}
		var ce *CodeError
		if !errors.As(err, &ce) {
			t.Errorf("ParseCode(%q) error %T is not a *CodeError", tt.in, err)
			continue
		}
		if ce.Reason != tt.reason || ce.Level != tt.level || ce.Input != tt.in {
			t.Errorf("ParseCode(%q) = reason %q level %d input %q, want %q %d; error: %v",
				tt.in, ce.Reason, ce.Level, ce.Input, tt.reason, tt.level, err)
		}
		if !strings.Contains(err.Error(), strconv.Quote(tt.in)) {
			t.Errorf("ParseCode(%q) error %q does not quote the input", tt.in, err)
		}
	}
}

func TestCodeTree(t *testing.T) {
	h26 := MustParseCode("H26")
	h2612 := MustParseCode("H26.12")
	h261205 := MustParseCode("000.05.12.H26")

	if p, ok := h261205.Parent(); !ok || p != h2612 {
		t.Errorf("Parent(H26.12.05) = %v, %v; want H26.12", p, ok)
	}
	if p, ok := h2612.Parent(); !ok || p != h26 {
		t.Errorf("Parent(H26.12) = %v, %v; want H26", p, ok)
	}
	if p, ok := h26.Parent(); ok || !p.IsZero() {
		t.Errorf("Parent(H26) = %v, %v; want zero, false", p, ok)
	}
	if _, ok := (Code{}).Parent(); ok {
		t.Error("zero Code has a parent")
	}

	if c, err := h2612.Child("05"); err != nil || c != h261205 {
		t.Errorf("H26.12.Child(05) = %v, %v; want H26.12.05", c, err)
	}
	if c, err := h26.Child("ab"); err != nil || c.String() != "H26.AB" {
		t.Errorf("H26.Child(ab) = %v, %v; want H26.AB", c, err)
	}
	for _, g := range []string{"", "00", "1.2", "a b", "đ", strings.Repeat("1", 32)} {
		if c, err := h26.Child(g); err == nil {
			t.Errorf("H26.Child(%q) = %v, want error", g, c)
		} else if !errors.Is(err, ErrInvalidCode) {
			t.Errorf("H26.Child(%q) error %v does not wrap ErrInvalidCode", g, err)
		}
	}
	if _, err := (Code{}).Child("12"); err == nil {
		t.Error("zero Code has a child")
	}

	ancestors := []struct {
		a, d string
		want bool
	}{
		{"H26", "H26.12", true},
		{"H26", "H26.12.05", true},
		{"H26.12", "H26.12.05", true},
		{"H26", "H26", false},
		{"H26.12", "H26", false},
		{"H26.12", "H26.120", false},
		{"H26.1", "H26.12", false},
		{"H26", "H29.12", false},
	}
	for _, tt := range ancestors {
		if got := MustParseCode(tt.a).IsAncestorOf(MustParseCode(tt.d)); got != tt.want {
			t.Errorf("%s.IsAncestorOf(%s) = %v, want %v", tt.a, tt.d, got, tt.want)
		}
	}
	if (Code{}).IsAncestorOf(h26) {
		t.Error("zero Code is an ancestor")
	}

	var zero Code
	if !zero.IsZero() || zero.Depth() != 0 || zero.Levels() != nil || zero.String() != "" || zero.Level1() != "" {
		t.Errorf("zero Code: IsZero %v Depth %d Levels %v String %q", zero.IsZero(), zero.Depth(), zero.Levels(), zero.String())
	}
	if _, err := zero.RightToLeft(); !isReason(err, CodeNoRTL) {
		t.Errorf("zero.RightToLeft() error = %v, want reason %q", err, CodeNoRTL)
	}
	if h26.IsZero() {
		t.Error("H26 is zero")
	}

	// Levels belongs to the caller.
	l := h261205.Levels()
	l[1] = "99"
	if h261205.String() != "H26.12.05" {
		t.Errorf("Levels aliases the code: %v", h261205)
	}
}

func TestCodeText(t *testing.T) {
	type doc struct {
		Agency   Code `json:"agency"`
		Optional Code `json:"optional"`
	}
	in := doc{Agency: MustParseCode("000.05.12.H26")}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"agency":"H26.12.05","optional":""}`; got != want {
		t.Errorf("json.Marshal = %s, want %s", got, want)
	}
	var out doc
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out != in {
		t.Errorf("round trip = %+v, want %+v", out, in)
	}
	if err := json.Unmarshal([]byte(`{"agency":"000.00.12.h26"}`), &out); err != nil || out.Agency.String() != "H26.12" {
		t.Errorf("Unmarshal right-to-left = %v, %v", out.Agency, err)
	}
	err = json.Unmarshal([]byte(`{"agency":"H26..1"}`), &out)
	if !isReason(err, CodeGroup) {
		t.Errorf("Unmarshal invalid: error %v, want reason %q", err, CodeGroup)
	}
}

func FuzzParseCode(f *testing.F) {
	for _, s := range []string{
		"H26", "H26.12", "H26.12.05", "000.00.12.H26", "000.05.12.H26", "123.05.12.H26",
		"H26.107", "G12.AB.01", "h29.1.2.3.4.5", "", ".", "H26..1", "000.05.00.H26",
		"H26.1234567890.1234567890.123456789", " h26 ", "Đ26", "H26.ſ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ParseCode(in)
		if err != nil {
			var ce *CodeError
			if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidCode) || ce.Reason == "" || ce.Input != in {
				t.Fatalf("ParseCode(%q) error %#v is not a proper *CodeError", in, err)
			}
			return
		}
		s := c.String()
		if c.IsZero() || len(s) > maxCodeLen || strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.") != "" {
			t.Fatalf("ParseCode(%q) = %q is not a valid code", in, s)
		}
		again, err := ParseCode(s)
		if err != nil || again != c {
			t.Fatalf("ParseCode(%q) = %q, which parses to %q, %v", in, s, again, err)
		}
		if got := strings.Join(c.Levels(), "."); got != s || c.Depth() != len(c.Levels()) {
			t.Fatalf("Levels(%q) = %q, Depth %d", s, c.Levels(), c.Depth())
		}
		if rtl, err := c.RightToLeft(); err == nil {
			back, err := ParseCode(rtl)
			if err != nil || back != c || len(rtl) != 13 {
				t.Fatalf("RightToLeft(%q) = %q, which parses to %q, %v", s, rtl, back, err)
			}
		} else if !isReason(err, CodeNoRTL) {
			t.Fatalf("RightToLeft(%q) error %v", s, err)
		}
		if p, ok := c.Parent(); ok {
			if !p.IsAncestorOf(c) || p.Depth() != c.Depth()-1 {
				t.Fatalf("Parent(%q) = %q", s, p)
			}
			last := c.Levels()[c.Depth()-1]
			if child, err := p.Child(last); err != nil || child != c {
				t.Fatalf("Parent(%q).Child(%q) = %q, %v", s, last, child, err)
			}
		} else if c.Depth() != 1 {
			t.Fatalf("%q has no parent but depth %d", s, c.Depth())
		}
		b, _ := c.MarshalText()
		var u Code
		if err := u.UnmarshalText(b); err != nil || u != c {
			t.Fatalf("text round trip of %q = %q, %v", s, u, err)
		}
	})
}
