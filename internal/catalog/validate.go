package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/motcua/motcua/internal/authz"
)

// Problem is one thing wrong with a document, located by a path such as
// "cases[0].fees[1].amount_vnd", with a message key and its arguments.
type Problem struct {
	Path string
	Key  string
	Args []any
}

func (p Problem) String() string { return p.Path + ": " + p.Key }

// Lookup tells validation which fields and agencies exist.
type Lookup struct {
	Field  func(code string) bool
	Agency func(code string) bool
}

var (
	codeRE     = regexp.MustCompile(`^[0-9]\.[0-9]{6}(\.[0-9A-Z]{1,6})*$`)
	fieldRE    = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,32}$`)
	caseCodeRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,32}$`)
	nameRE     = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	dateRE     = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
)

// ValidCode reports whether s is a procedure code: the national d.dddddd
// form, optionally followed by dot-separated local groups.
func ValidCode(s string) bool { return codeRE.MatchString(s) }

type checker struct {
	problems []Problem
}

func (c *checker) add(path, key string, args ...any) {
	c.problems = append(c.problems, Problem{Path: path, Key: key, Args: args})
}

func (c *checker) text(path, v string, required bool, max int) {
	switch {
	case strings.TrimSpace(v) == "" && required:
		c.add(path, "field.required")
	case utf8.RuneCountInString(v) > max:
		c.add(path, "field.too_long", max)
	}
}

func (c *checker) set(path string, vs, allowed []string, required bool) {
	if len(vs) == 0 && required {
		c.add(path, "catalog.choose_one")
	}
	seen := map[string]bool{}
	for i, v := range vs {
		switch {
		case !slices.Contains(allowed, v):
			c.add(fmt.Sprintf("%s[%d]", path, i), "catalog.unknown_value", v)
		case seen[v]:
			c.add(fmt.Sprintf("%s[%d]", path, i), "catalog.duplicate", v)
		}
		seen[v] = true
	}
}

// Validate checks a document completely and returns every problem, so that
// an import or a form shows them all at once.
func Validate(d *Document, l Lookup) []Problem {
	var c checker
	if !ValidCode(d.Code) {
		c.add("code", "catalog.code.invalid")
	}
	c.text("name_vi", d.NameVI, true, 500)
	c.text("name_en", d.NameEN, false, 500)
	switch {
	case d.Field == "":
		c.add("field", "field.required")
	case !fieldRE.MatchString(d.Field) || (l.Field != nil && !l.Field(d.Field)):
		c.add("field", "catalog.field.unknown", d.Field)
	}
	c.set("levels", d.Levels, Levels, true)
	c.set("applicants", d.Applicants, ApplicantTypes, true)
	if !slices.Contains(OnlineLevels, d.OnlineLevel) {
		c.add("online_level", "catalog.unknown_value", d.OnlineLevel)
	}
	if len(d.Agencies) == 0 {
		c.add("agencies", "catalog.choose_one")
	}
	for i, a := range d.Agencies {
		if l.Agency != nil && !l.Agency(a) {
			c.add(fmt.Sprintf("agencies[%d]", i), "catalog.agency.unknown", a)
		}
	}
	for i, a := range d.Receivers {
		if l.Agency != nil && !l.Agency(a) {
			c.add(fmt.Sprintf("receivers[%d]", i), "catalog.agency.unknown", a)
		}
	}
	c.text("steps", d.Steps, true, 20000)
	c.text("conditions", d.Conditions, false, 20000)
	c.text("description", d.Description, false, 2000)
	c.text("agency_text", d.AgencyText, false, 1000)
	c.text("publication", d.Publication, false, 500)
	if len(d.Results) == 0 {
		c.add("results", "catalog.results.none")
	}
	for i, r := range d.Results {
		c.text(fmt.Sprintf("results[%d].name_vi", i), r.NameVI, true, 500)
	}
	if len(d.LegalBasis) == 0 {
		c.add("legal_basis", "catalog.legal.none")
	}
	for i, g := range d.LegalBasis {
		p := fmt.Sprintf("legal_basis[%d]", i)
		c.text(p+".number", g.Number, true, 100)
		c.text(p+".title", g.Title, true, 500)
		if g.Date != "" && !dateRE.MatchString(g.Date) {
			c.add(p+".date", "field.date")
		}
	}
	if len(d.Cases) == 0 {
		c.add("cases", "catalog.cases.none")
	}
	codes := map[string]bool{}
	online := false
	for i := range d.Cases {
		cs := &d.Cases[i]
		p := fmt.Sprintf("cases[%d]", i)
		switch {
		case !caseCodeRE.MatchString(cs.Code):
			c.add(p+".code", "catalog.case.code")
		case codes[cs.Code]:
			c.add(p+".code", "catalog.duplicate", cs.Code)
		}
		codes[cs.Code] = true
		c.text(p+".name_vi", cs.NameVI, true, 500)
		c.duration(p+".time", cs.Time, true)
		c.set(p+".channels", cs.Channels, Channels, true)
		online = online || slices.Contains(cs.Channels, "online")
		c.fees(p, cs.Fees)
		c.components(p, cs)
		c.form(p, cs.Form)
		c.process(p, cs, l)
	}
	if d.OnlineLevel != OnlineNone && len(d.Cases) > 0 && !online {
		c.add("online_level", "catalog.online.no_channel")
	}
	return c.problems
}

func (c *checker) duration(path string, d Duration, legal bool) {
	switch d.Unit {
	case WorkingDays, WorkingHours:
		if d.Value <= 0 {
			c.add(path+".value", "catalog.duration.positive")
		} else if d.Value > 3650 {
			c.add(path+".value", "catalog.duration.too_long")
		}
	case WithinDay:
		if !legal {
			c.add(path+".unit", "catalog.duration.unit")
		}
	default:
		c.add(path+".unit", "catalog.duration.unit")
	}
}

func (c *checker) fees(p string, fees []Fee) {
	for j, f := range fees {
		fp := fmt.Sprintf("%s.fees[%d]", p, j)
		if f.Kind != "fee" && f.Kind != "charge" {
			c.add(fp+".kind", "catalog.fee.kind")
		}
		c.text(fp+".name_vi", f.NameVI, true, 500)
		if f.AmountVND < 0 {
			c.add(fp+".amount_vnd", "catalog.fee.negative")
		}
	}
}

func (c *checker) components(p string, cs *Case) {
	seen := map[string]bool{}
	for j, m := range cs.Components {
		mp := fmt.Sprintf("%s.components[%d]", p, j)
		switch {
		case !caseCodeRE.MatchString(m.Code):
			c.add(mp+".code", "catalog.case.code")
		case seen[m.Code]:
			c.add(mp+".code", "catalog.duplicate", m.Code)
		}
		seen[m.Code] = true
		c.text(mp+".name_vi", m.NameVI, true, 1000)
		if m.Originals < 0 || m.Copies < 0 || m.Originals > 99 || m.Copies > 99 {
			c.add(mp+".originals", "catalog.component.count")
		}
		if m.Template != "" && m.Template != "form" {
			c.add(mp+".template", "catalog.unknown_value", m.Template)
		}
		if m.Template == "form" && len(cs.Form) == 0 {
			c.add(mp+".template", "catalog.component.no_form")
		}
		if !slices.Contains(Sources, m.Source) {
			c.add(mp+".source", "catalog.unknown_value", m.Source)
		}
	}
}

func (c *checker) form(p string, fields []FormField) {
	seen := map[string]bool{}
	for j, f := range fields {
		fp := fmt.Sprintf("%s.form[%d]", p, j)
		switch {
		case !nameRE.MatchString(f.Name):
			c.add(fp+".name", "catalog.form.name")
		case seen[f.Name]:
			c.add(fp+".name", "catalog.duplicate", f.Name)
		}
		seen[f.Name] = true
		c.text(fp+".label_vi", f.LabelVI, true, 300)
		if !slices.Contains(FieldTypes, f.Type) {
			c.add(fp+".type", "catalog.unknown_value", f.Type)
		}
		if f.Type == "select" && len(f.Options) == 0 {
			c.add(fp+".options", "catalog.form.options")
		}
		if f.Pattern != "" {
			if _, err := regexp.Compile(`^(?:` + f.Pattern + `)$`); err != nil {
				c.add(fp+".pattern", "catalog.form.pattern")
			}
		}
		if !slices.Contains(PrefillSources, f.Prefill) {
			c.add(fp+".prefill", "catalog.unknown_value", f.Prefill)
		}
	}
}

func (c *checker) process(p string, cs *Case, l Lookup) {
	if len(cs.Process) == 0 {
		c.add(p+".process", "catalog.process.none")
		return
	}
	total := 0
	for j, s := range cs.Process {
		sp := fmt.Sprintf("%s.process[%d]", p, j)
		c.text(sp+".name_vi", s.NameVI, true, 300)
		if !authz.Role(s.Role).Valid() {
			c.add(sp+".role", "catalog.unknown_value", s.Role)
		}
		if s.Unit != "" && l.Agency != nil && !l.Agency(s.Unit) {
			c.add(sp+".unit", "catalog.agency.unknown", s.Unit)
		}
		c.duration(sp+".duration", s.Duration, false)
		total += s.Duration.Hours()
	}
	if legal := cs.Time.Hours(); legal > 0 && total > legal {
		c.add(p+".process", "catalog.process.too_long", total, legal)
	}
}
