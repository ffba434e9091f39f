package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/locale"
	"github.com/motcua/motcua/internal/report"
)

// Every message key that code or templates can ask for must exist, or a
// user would see "agency.code.rtl" instead of a sentence.
func TestEveryMessageKeyExists(t *testing.T) {
	cat, err := locale.Load(time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	need := map[string]string{}
	add := func(key, where string) {
		if strings.HasSuffix(key, ".") || strings.HasSuffix(key, "_") {
			return // a prefix completed at run time; its values are listed below
		}
		if _, ok := need[key]; !ok {
			need[key] = where
		}
	}

	// Literal keys in templates.
	tmplKey := regexp.MustCompile(`\.T "([a-z0-9_.-]+)"`)
	files, _ := fs.Glob(templateFS, "templates/*.html")
	for _, f := range files {
		b, _ := fs.ReadFile(templateFS, f)
		for _, m := range tmplKey.FindAllStringSubmatch(string(b), -1) {
			add(m[1], f)
		}
	}

	// Keys in Go source: errors, field errors, page titles, audit actions.
	goKeys := []*regexp.Regexp{
		regexp.MustCompile(`errs\.E\([^,\n]+, errs\.\w+, "([a-z0-9_.-]+)"`),
		regexp.MustCompile(`\.Add\([^,\n]+, "([a-z0-9_.-]+)"`),
		regexp.MustCompile(`Msg\{Key: "([a-z0-9_.-]+)"`),
		regexp.MustCompile(`\.invalid\("[^"]+", "([a-z0-9_.-]+)"`),
		regexp.MustCompile(`s\.page\(r, "([a-z0-9_.-]+)"\)`),
		regexp.MustCompile(`p\.T\("([a-z0-9_.-]+)"`),
	}
	action := regexp.MustCompile(`Action: +"([a-z0-9_.-]+)"`)
	flash := regexp.MustCompile(`[?&]ok=([a-z_]+)`)
	filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, _ := os.ReadFile(path)
		for _, re := range goKeys {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				add(m[1], path)
			}
		}
		for _, m := range action.FindAllStringSubmatch(string(b), -1) {
			add("action."+m[1], path)
		}
		for _, m := range flash.FindAllStringSubmatch(string(b), -1) {
			add("flash."+m[1], path)
		}
		return nil
	})

	// Keys built at run time.
	for _, r := range authz.Roles {
		add("role."+string(r), "authz.Roles")
	}
	for _, k := range agency.Kinds {
		add("agency.kind."+string(k), "agency.Kinds")
	}
	for _, tier := range []string{"central", "province", "district", "commune"} {
		add("tier."+tier, "migration 0001")
	}
	for _, c := range capabilities {
		add("cap."+c.Name, "capabilities")
	}
	for k := errs.Internal; k <= errs.RateLimited; k++ {
		add("error."+k.String(), "errs kinds")
		add("error."+k.String()+".title", "errs kinds")
	}
	for _, reason := range []string{"empty", "length", "charset", "level1", "group", "rtl"} {
		add("agency.code."+reason, "agency.CodeError reasons")
	}
	for _, k := range []string{"holiday", "workday"} {
		add("calendar.kind."+k, "calendar kinds")
	}
	for i := range 7 {
		add("weekday."+string(rune('0'+i)), "Page.Day")
	}
	for _, m := range report.Metrics {
		add("stats.m."+m, "report.Metrics")
	}
	for _, g := range report.Groups {
		add(groupKey(g), "report.Groups")
	}
	for _, sec := range statsSections {
		add("stats.sec."+sec.Key, "statsSections")
	}
	for _, d := range report.DataPoints {
		add("index.item."+d, "report.DataPoints")
	}
	for _, id := range []string{"overdue_agency", "overdue_officer", "overdue_unit"} {
		add("dashboard."+id, "dashboardPage")
		add("dashboard."+id+"_desc", "dashboardPage")
	}
	for _, k := range periodKinds {
		add("reports.kind."+k, "periodKinds")
	}
	for _, k := range []string{"report.index.nothing", "report.index.no_sync", "report.period.invalid", "report.period.reversed",
		"report.period.too_long", "report.period.syntax"} {
		add(k, "report")
	}

	if len(need) < 100 {
		t.Fatalf("only %d keys found: the scan is broken", len(need))
	}
	for key, where := range need {
		if !cat.Has(key) {
			t.Errorf("message key %q (used in %s) is not in the catalogue", key, where)
		}
	}
}
