package locale

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load(time.FixedZone("ICT", 7*3600))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCataloguesHaveTheSameKeysAndVerbs(t *testing.T) {
	c := load(t)
	vi, en := c.Keys(VI), c.Keys(EN)
	slices.Sort(vi)
	slices.Sort(en)
	for _, k := range vi {
		if _, ok := c.msgs[EN][k]; !ok {
			t.Errorf("key %q has no English text", k)
		}
	}
	for _, k := range en {
		if _, ok := c.msgs[VI][k]; !ok {
			t.Errorf("key %q has no Vietnamese text", k)
		}
	}
	verbs := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)
	for _, k := range vi {
		if a, b := verbs.FindAllString(c.msgs[VI][k], -1), verbs.FindAllString(c.msgs[EN][k], -1); !slices.Equal(a, b) {
			t.Errorf("key %q: Vietnamese verbs %v, English %v", k, a, b)
		}
		if strings.TrimSpace(c.msgs[VI][k]) == "" || strings.TrimSpace(c.msgs[EN][k]) == "" {
			t.Errorf("key %q has an empty text", k)
		}
	}
}

// Vietnamese text written without diacritics is a real risk when typing
// fast; a few common words catch most of it.
func TestVietnameseHasDiacritics(t *testing.T) {
	c := load(t)
	bare := regexp.MustCompile(`(?i)\b(dang nhap|dang xuat|co quan|nguoi dung|ho so|thu tuc|ngay nghi|khong|duoc|vui long)\b`)
	for k, m := range c.msgs[VI] {
		if bare.MatchString(m) {
			t.Errorf("key %q: Vietnamese without diacritics: %q", k, m)
		}
	}
}

func TestFormatting(t *testing.T) {
	c := load(t)
	at := time.Date(2026, 4, 24, 9, 0, 0, 0, time.UTC) // 16:00 in Hà Nội
	tests := []struct{ got, want string }{
		{c.Date(VI, at), "24/04/2026"},
		{c.Date(EN, at), "24 Apr 2026"},
		{c.DateTime(VI, at), "16:00 ngày 24/04/2026"},
		{c.Number(VI, 1234567), "1.234.567"},
		{c.Number(EN, 1234567), "1,234,567"},
		{c.T(VI, "no.such.key"), "no.such.key"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	for _, tt := range []struct {
		accept string
		want   Lang
	}{{"", VI}, {"en-US,en;q=0.9", EN}, {"vi-VN,vi;q=0.9,en;q=0.8", VI}, {"fr-FR", VI}, {"garbage;;;", VI}} {
		if got := c.Match(tt.accept); got != tt.want {
			t.Errorf("Match(%q) = %q, want %q", tt.accept, got, tt.want)
		}
	}
}
