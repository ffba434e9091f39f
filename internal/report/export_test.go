package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "rewrite golden files")

// exportSample is a result with two agencies' rows, Vietnamese labels and
// an average, as the statistics page would export it.
func exportSample() (Result, Text) {
	a := Figures{CarriedOver: 3, ReceivedCounter: 1200, ReceivedOnlineFull: 40, ReceivedOnlinePartial: 2, Early: 900, OnTime: 250,
		Late: 12, Refusals: 4, InProgress: 80, Overdue: 5, Digitized: 700, RatedSatisfied: 30, WorkDaysSum: 1745.5, LegalDaysSum: 3000}
	b := Figures{ReceivedPost: 7, Early: 2, Late: 1, Withdrawn: 1, InProgress: 4}
	a.finish()
	b.finish()
	r := Result{Rows: []Row{{Key: "12", Figures: a}, {Key: "15", Figures: b}}}
	r.Total = a.Plus(b)
	names := map[string]string{"12": "Sở Tư pháp", "15": "Sở Tài chính"}
	t := Text{
		Title: "Thống kê tình hình giải quyết thủ tục hành chính", Lines: []string{"Kỳ báo cáo: 15/12/2025 – 14/03/2026"},
		Group: "Cơ quan", RowLabel: func(k string) string { return names[k] }, Total: "Tổng cộng", Sheet: "Thống kê",
		Column: func(c string) string { return "Cột " + c },
	}
	return r, t
}

func TestXLSXNumbersAreNumbers(t *testing.T) {
	r, text := exportSample()
	var buf bytes.Buffer
	if err := r.XLSX(&buf, text); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Thống kê")
	if err != nil {
		t.Fatal(err)
	}
	header := -1
	for i, row := range rows {
		if len(row) > 0 && row[0] == "Cơ quan" {
			header = i
		}
	}
	if header < 0 || rows[0][0] != text.Title {
		t.Fatalf("no title or header row: %q", rows)
	}
	want := []struct {
		label string
		fig   Figures
	}{{"Sở Tư pháp", r.Rows[0].Figures}, {"Sở Tài chính", r.Rows[1].Figures}, {"Tổng cộng", r.Total}}
	for i, w := range want {
		excelRow := header + 2 + i
		if got, _ := f.GetCellValue("Thống kê", "A"+strconv.Itoa(excelRow)); got != w.label {
			t.Errorf("row %d: %q, want %q", excelRow, got, w.label)
		}
		for j, col := range Columns {
			cell, _ := excelize.CoordinatesToCellName(j+2, excelRow)
			typ, _ := f.GetCellType("Thống kê", cell)
			raw, _ := f.GetCellValue("Thống kê", cell, excelize.Options{RawCellValue: true})
			v, ok := w.fig.Value(col)
			if !ok {
				if raw != "" {
					t.Errorf("%s %s: %q, want empty", w.label, col, raw)
				}
				continue
			}
			got, err := strconv.ParseFloat(raw, 64)
			if err != nil || typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
				t.Errorf("%s %s: %q (type %v) is not a number", w.label, col, raw, typ)
				continue
			}
			if diff := got - v; diff > 0.005 || diff < -0.005 {
				t.Errorf("%s %s: %g, want %g", w.label, col, got, v)
			}
		}
	}
}

func TestStatsPDFGolden(t *testing.T) {
	r, text := exportSample()
	got, err := r.PDF(text, time.Date(2026, 3, 15, 8, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "stats.golden.pdf")
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run StatsPDFGolden -update ./internal/report after checking the PDF by eye)", err)
	}
	if !bytes.Equal(got, want) {
		out := filepath.Join(t.TempDir(), "stats.pdf")
		os.WriteFile(out, got, 0o644)
		t.Errorf("the PDF differs from %s (written to %s); if intended, look at it and rerun with -update", golden, out)
	}
}

func TestFormatNumbers(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1.000"}, {1234567, "1.234.567"}, {-1500, "-1.500"}} {
		if got := formatInt(tt.n); got != tt.want {
			t.Errorf("formatInt(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	for _, tt := range []struct {
		v    float64
		want string
	}{{1.5, "1,50"}, {0.999, "1,00"}, {1234.256, "1.234,26"}} {
		if got := formatDecimal(tt.v); got != tt.want {
			t.Errorf("formatDecimal(%g) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestInstanceExports(t *testing.T) {
	in := Instance{Def: Definition{Indicators: []string{"received", "late"}}, Data: map[string]int64{"received": 1200, "late": 7},
		Values: map[string]int64{"received": 1200, "late": 9}, Overrides: map[string]Override{"late": {Value: 9, Note: "Gồm 2 hồ sơ giấy"}}}
	text := InstanceText{Title: "Báo cáo quý", Indicator: "Chỉ tiêu", Data: "Số liệu hệ thống", Value: "Số báo cáo", Note: "Giải trình",
		Label: func(s string) string { return "Chỉ tiêu " + s }}
	var buf bytes.Buffer
	if err := in.XLSX(&buf, text); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("Sheet1")
	last := rows[len(rows)-1]
	if len(last) < 4 || last[0] != "Chỉ tiêu late" || last[3] != "Gồm 2 hồ sơ giấy" {
		t.Fatalf("last row %q", last)
	}
	for _, cell := range []string{"B", "C"} {
		typ, _ := f.GetCellType("Sheet1", cell+strconv.Itoa(len(rows)))
		if typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
			t.Errorf("%s: a string, want a number", cell)
		}
	}
	if _, err := in.PDF(text, time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
}

// Count knows every metric by its JSON name, so that the pages, the lists
// and the exports cannot drift from the figures' names.
func TestCountByJSONName(t *testing.T) {
	var f Figures
	v := reflect.ValueOf(&f).Elem()
	for i := range v.NumField() {
		if v.Field(i).Kind() == reflect.Int64 {
			v.Field(i).SetInt(int64(i + 1))
		}
	}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var byName map[string]float64
	json.Unmarshal(b, &byName)
	for _, m := range Metrics {
		n, ok := f.Count(m)
		if !ok || float64(n) != byName[m] {
			t.Errorf("Count(%q) = %d, %v; the JSON says %g", m, n, ok, byName[m])
		}
	}
	if _, ok := f.Count("work_days_sum"); ok {
		t.Error("Count knows a sum that is not a metric")
	}
}
