package dossier

import (
	"testing"
	"time"
)

func TestFormatAndParseCode(t *testing.T) {
	day := time.Date(2025, 3, 12, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		f        CodeFormat
		rtl, ltr string
		owner    string
		seq      int
		want     string
		wantErr  bool
	}{
		{FormatA, "000.00.12.H26", "H26.12", "", 27, "000.00.12.H26-250312-0027", false},
		{FormatA, "000.00.12.H26", "H26.12", "", 12345, "000.00.12.H26-250312-12345", false},
		{FormatA, "", "H26.107", "", 1, "", true},
		{FormatB, "000.00.12.H26", "H26.12", "01", 27, "H26.12-250312-010027", false},
		{FormatB, "", "H26.107", "07", 123456, "H26.107-250312-07123456", false},
		{FormatB, "", "H26.12", "1", 1, "", true},
		{FormatA, "000.00.12.H26", "H26.12", "", 0, "", true},
		{"C", "000.00.12.H26", "H26.12", "", 1, "", true},
	}
	for _, tt := range tests {
		got, err := FormatCode(tt.f, tt.rtl, tt.ltr, tt.owner, day, tt.seq)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("FormatCode(%v, %q, %q, %q, %d) = %q, %v; want %q (err %v)", tt.f, tt.rtl, tt.ltr, tt.owner, tt.seq, got, err, tt.want, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		f, p, ok := ParseCode(got)
		if !ok || f != tt.f || p.Seq != tt.seq || !p.Date.Equal(day) {
			t.Errorf("ParseCode(%q) = %v %+v %v", got, f, p, ok)
		}
	}
	for _, bad := range []string{"", "abc", "000.00.12.H26-251312-0001", "000.00.12.H26-250312-0000", "000.00.12.H26-250312-001",
		"H26.12-250312-0100", "'; DROP TABLE dossiers;--", "000.00.12.H26-250312-0027/../x", string(make([]byte, 200))} {
		if _, _, ok := ParseCode(bad); ok {
			t.Errorf("ParseCode(%q) accepted a malformed code", bad)
		}
	}
	if f, _, ok := ParseCode(" 000.00.12.h26-250312-0027 "); !ok || f != FormatA {
		t.Error("lower case and spaces should be tolerated")
	}
}

func FuzzParseCode(f *testing.F) {
	f.Add("000.00.12.H26-250312-0027")
	f.Add("H26.12-250312-010027")
	f.Fuzz(func(t *testing.T, s string) {
		fm, p, ok := ParseCode(s)
		if !ok {
			return
		}
		var again string
		var err error
		if fm == FormatA {
			again, err = FormatCode(fm, p.Agency, "", "", p.Date, p.Seq)
		} else {
			again, err = FormatCode(fm, "", p.Agency, p.Owner, p.Date, p.Seq)
		}
		if err != nil {
			t.Fatalf("parsed %q but cannot format it back: %v", s, err)
		}
		if _, p2, ok := ParseCode(again); !ok || p2.Seq != p.Seq {
			t.Fatalf("%q → %q does not parse back", s, again)
		}
	})
}
