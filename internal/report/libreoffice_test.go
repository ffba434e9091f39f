package report

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/motcua/motcua/internal/report/reporttest"
)

// TestXLSXOpensInLibreOffice has LibreOffice (Debian's libreoffice-calc,
// which scripts/test installs) read the workbook and write it back as
// CSV: the title and labels come back in Vietnamese, and every figure as
// the number the result holds. Skipped without soffice unless
// MOTCUA_TEST_LIBREOFFICE=require (CI).
func TestXLSXOpensInLibreOffice(t *testing.T) {
	r, text := exportSample()
	var buf bytes.Buffer
	if err := r.XLSX(&buf, text); err != nil {
		t.Fatal(err)
	}
	rows := reporttest.LibreOfficeRows(t, buf.Bytes())
	if rows == nil {
		t.Skip("soffice not found; MOTCUA_TEST_LIBREOFFICE=require makes this a failure")
	}
	if rows[0][0] != text.Title {
		t.Errorf("title %q, want %q", rows[0][0], text.Title)
	}
	found := 0
	for _, row := range rows {
		var fig Figures
		switch row[0] {
		case "Sở Tư pháp":
			fig = r.Rows[0].Figures
		case "Sở Tài chính":
			fig = r.Rows[1].Figures
		case "Tổng cộng":
			fig = r.Total
		default:
			continue
		}
		found++
		for j, col := range Columns {
			v, ok := fig.Value(col)
			cell := strings.TrimSpace(row[j+1])
			if !ok {
				if cell != "" {
					t.Errorf("%s %s: %q, want empty", row[0], col, cell)
				}
				continue
			}
			// The CSV carries the cells as formatted (#,##0): drop the
			// thousands separators of the locale LibreOffice runs in.
			got, err := strconv.ParseFloat(strings.NewReplacer(",", "", "\u00a0", "").Replace(cell), 64)
			if err != nil || got-v > 0.005 || v-got > 0.005 {
				t.Errorf("%s %s: LibreOffice reads %q, want %g", row[0], col, cell, v)
			}
		}
	}
	if found != 3 {
		t.Errorf("%d of 3 rows found in LibreOffice's CSV:\n%q", found, rows)
	}
}
