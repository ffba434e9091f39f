package report

import (
	"bytes"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestXLSXOpensInLibreOffice has LibreOffice (Debian's libreoffice-calc,
// which scripts/test installs) read the workbook and write it back as
// CSV: the title and labels come back in Vietnamese, and every figure as
// the number the result holds. Skipped without soffice unless
// MOTCUA_TEST_LIBREOFFICE=require (CI).
func TestXLSXOpensInLibreOffice(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		if os.Getenv("MOTCUA_TEST_LIBREOFFICE") == "require" {
			t.Fatal("soffice not found: install Debian's libreoffice-calc-nogui (scripts/test does)")
		}
		t.Skip("soffice not found; MOTCUA_TEST_LIBREOFFICE=require makes this a failure")
	}
	r, text := exportSample()
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := r.XLSX(&buf, text); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "thong-ke.xlsx")
	if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// A profile of its own, so that a LibreOffice already running (or
	// another test) does not take the conversion over.
	cmd := exec.Command(soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--headless",
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", dir, in)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	done := make(chan error, 1)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("soffice: %v\n%s", err, out.String())
		}
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("soffice did not finish in 2 minutes\n%s", out.String())
	}
	data, err := os.ReadFile(filepath.Join(dir, "thong-ke.csv"))
	if err != nil {
		t.Fatalf("no CSV: %v\n%s", err, out.String())
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
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
		t.Errorf("%d of 3 rows found in LibreOffice's CSV:\n%s", found, data)
	}
}
