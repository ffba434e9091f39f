package demo

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"slices"
	"sort"
	"testing"
	"unicode/utf8"

	"github.com/motcua/motcua/internal/catalog"
)

// demoAgencyCodes are exactly the agencies the demo data set creates
// (demo.go): the city, its service centre, four departments with two
// divisions each, and five wards/communes with their service centres.
var demoAgencyCodes = []string{
	"H26", "H26.01",
	"H26.12", "H26.12.01", "H26.12.02",
	"H26.13", "H26.13.01", "H26.13.02",
	"H26.14", "H26.14.01", "H26.14.02",
	"H26.15", "H26.15.01", "H26.15.02",
	"H26.50", "H26.50.01",
	"H26.51", "H26.51.01",
	"H26.52", "H26.52.01",
	"H26.53", "H26.53.01",
	"H26.54", "H26.54.01",
}

func loadCatalog(t *testing.T) catalog.Bundle {
	t.Helper()
	raw, err := os.ReadFile("catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	if !utf8.Valid(raw) {
		t.Fatal("catalog.json is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var b catalog.Bundle
	if err := dec.Decode(&b); err != nil {
		t.Fatalf("decode catalog.json: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		t.Fatalf("catalog.json has data after the bundle: %v", err)
	}
	return b
}

// The explicit list above must stay the agency tree demo.go loads.
func TestDemoAgencyCodesMatchDemoTree(t *testing.T) {
	var fromTree []string
	for _, a := range agencies {
		fromTree = append(fromTree, a.code)
	}
	for _, c := range communes {
		fromTree = append(fromTree, "H26."+c.group, "H26."+c.group+".01")
	}
	want := slices.Clone(demoAgencyCodes)
	sort.Strings(fromTree)
	sort.Strings(want)
	if !slices.Equal(fromTree, want) {
		t.Fatalf("demo tree has %v, catalogue test expects %v", fromTree, want)
	}
}

func TestCatalogBundle(t *testing.T) {
	b := loadCatalog(t)
	if b.Format != catalog.Format {
		t.Fatalf("format = %q, want %q", b.Format, catalog.Format)
	}
	if len(b.Procedures) < 30 {
		t.Fatalf("%d procedures, want at least 30", len(b.Procedures))
	}

	fields := map[string]bool{}
	for i, f := range b.Fields {
		if f.Code == "" || f.NameVI == "" {
			t.Errorf("fields[%d]: code and name_vi are required", i)
		}
		if fields[f.Code] {
			t.Errorf("fields[%d]: duplicate field code %q", i, f.Code)
		}
		fields[f.Code] = true
	}
	used := map[string]bool{}

	agencySet := map[string]bool{}
	for _, c := range demoAgencyCodes {
		agencySet[c] = true
	}
	lookup := catalog.Lookup{
		Field:  func(code string) bool { return fields[code] },
		Agency: func(code string) bool { return agencySet[code] },
	}

	codes := map[string]bool{}
	for i := range b.Procedures {
		d := &b.Procedures[i]
		if codes[d.Code] {
			t.Errorf("procedures[%d]: duplicate code %s", i, d.Code)
		}
		codes[d.Code] = true
		if !fields[d.Field] {
			t.Errorf("%s: field %q is not defined in the bundle", d.Code, d.Field)
		}
		used[d.Field] = true
		for _, p := range catalog.Validate(d, lookup) {
			t.Errorf("%s: %s %v", d.Code, p, p.Args)
		}
		if d.Description == "" {
			t.Errorf("%s: no description", d.Code)
		}

		hasForm := false
		for _, c := range d.Cases {
			if len(c.Form) == 0 {
				continue
			}
			for _, m := range c.Components {
				if m.Template == "form" {
					hasForm = true
				}
			}
		}
		if !hasForm {
			t.Errorf("%s: no case has a component with template \"form\" and a non-empty form", d.Code)
		}
	}
	for code := range fields {
		if !used[code] {
			t.Errorf("field %q is defined but no procedure uses it", code)
		}
	}
}

func TestCatalogBirthRegistration(t *testing.T) {
	b := loadCatalog(t)
	i := slices.IndexFunc(b.Procedures, func(d catalog.Document) bool { return d.Code == "1.001193" })
	if i < 0 {
		t.Fatal("Đăng ký khai sinh (1.001193) is missing")
	}
	d := b.Procedures[i]
	if d.NameVI != "Thủ tục đăng ký khai sinh" {
		t.Errorf("1.001193 name = %q", d.NameVI)
	}
	if !slices.Contains(d.Levels, "commune") {
		t.Errorf("1.001193 levels = %v, want commune", d.Levels)
	}
	for _, a := range []string{"H26.50", "H26.51", "H26.52", "H26.53", "H26.54"} {
		if !slices.Contains(d.Agencies, a) {
			t.Errorf("1.001193 is not carried out by %s", a)
		}
		if !slices.Contains(d.Receivers, a+".01") {
			t.Errorf("1.001193 is not received at %s.01", a)
		}
	}
}
