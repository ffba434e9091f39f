// Package reporttest has LibreOffice read the workbooks the statistics
// export, for tests that check they open with the right numbers.
package reporttest

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// LibreOfficeRows has LibreOffice (Debian's libreoffice-calc-nogui, which
// scripts/test installs) read a workbook and write its first sheet back as
// CSV, and returns its rows. nil, with a note in the log, when soffice is
// missing, unless MOTCUA_TEST_LIBREOFFICE=require (CI), which fails the
// test.
func LibreOfficeRows(t testing.TB, xlsx []byte) [][]string {
	t.Helper()
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		if os.Getenv("MOTCUA_TEST_LIBREOFFICE") == "require" {
			t.Fatal("soffice not found: install Debian's libreoffice-calc-nogui (scripts/test does)")
		}
		t.Log("soffice not found: the workbook is not opened in LibreOffice")
		return nil
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "book.xlsx")
	if err := os.WriteFile(in, xlsx, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// A profile of its own, so that a LibreOffice already running (or
	// another test) does not take the conversion over.
	cmd := exec.CommandContext(ctx, soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--headless",
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", dir, in)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "book.csv"))
	if err != nil {
		t.Fatalf("LibreOffice wrote no CSV: %v", err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
