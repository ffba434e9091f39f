package pdf

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/boombuler/barcode/qr"
)

func TestQRMatrix(t *testing.T) {
	// "HELLO WORLD" is alphanumeric and fits version 1 at level M:
	// 21 × 21 modules.
	m, err := qrMatrix("HELLO WORLD")
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 21 {
		t.Fatalf("%d rows, want 21", len(m))
	}
	for i, row := range m {
		if len(row) != 21 {
			t.Fatalf("row %d has %d modules, want 21", i, len(row))
		}
	}
	// The finder patterns: a dark 7×7 ring, a light ring, a dark 3×3
	// centre, in three corners, and light separators beside them.
	for _, corner := range [][2]int{{0, 0}, {0, 14}, {14, 0}} {
		for r := range 7 {
			for c := range 7 {
				ring := max(abs(r-3), abs(c-3))
				want := ring != 2
				if got := m[corner[0]+r][corner[1]+c]; got != want {
					t.Fatalf("finder at %v: module (%d,%d) dark=%v, want %v", corner, r, c, got, want)
				}
			}
		}
	}
	// Timing pattern on row 6 between the finders: alternating, dark first.
	for c := 8; c <= 12; c++ {
		if m[6][c] != (c%2 == 0) {
			t.Fatalf("timing pattern broken at column %d", c)
		}
	}

	// A longer input needs a larger version.
	long, err := qrMatrix("https://dichvucong.motcua.vn/tra-cuu/000.00.12.H26-260424-0027")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(long); n <= 21 || (n-17)%4 != 0 {
		t.Fatalf("%d modules: not a valid QR size above version 1", n)
	}
}

func TestQRRectsOnePerDarkModule(t *testing.T) {
	const content = "https://dichvucong.motcua.vn/tra-cuu/000.00.12.H26-260424-0027"
	// Count the dark modules straight from boombuler's image.
	code, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		t.Fatal(err)
	}
	dark := 0
	b := code.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, _, _, _ := code.At(x, y).RGBA(); r == 0 {
				dark++
			}
		}
	}
	rects, err := qrRects(content, 100, 200, 66)
	if err != nil {
		t.Fatal(err)
	}
	if len(rects) != dark {
		t.Fatalf("%d rectangles for %d dark modules", len(rects), dark)
	}
	mod := 66 / float64(b.Dx())
	for _, r := range rects {
		if r.x < 100 || r.y < 200 || r.x+r.w > 166+mod/10 || r.y+r.h > 266+mod/10 {
			t.Fatalf("rectangle %+v outside the symbol", r)
		}
		if r.w < mod || r.w > mod*1.1 || r.h < mod || r.h > mod*1.1 {
			t.Fatalf("rectangle %+v is not one module (%.3f)", r, mod)
		}
	}

	// And the document draws exactly those, as vector rectangles.
	d, err := New(Info{Created: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	d.gp.SetNoCompression()
	if err := d.QR(content, 100, 200, 66); err != nil {
		t.Fatal(err)
	}
	out, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	n := len(regexp.MustCompile(`(?m) re f$`).FindAll(out, -1))
	if n != dark {
		t.Fatalf("the PDF has %d filled rectangles, want %d", n, dark)
	}
	if bytes.Contains(out, []byte("/Subtype /Image")) {
		t.Fatal("the QR code was drawn as an image")
	}
}

func TestQRErrors(t *testing.T) {
	if _, err := qrRects("", 0, 0, 50); err == nil {
		t.Error("empty content accepted")
	}
	if _, err := qrRects("x", 0, 0, 0); err == nil {
		t.Error("zero size accepted")
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// TestQRRasterMatchesMatrix rasterises a drawn QR code with poppler and
// reads every module back at its centre: what prints is exactly the
// symbol boombuler encoded (position, orientation, no seams or gaps).
// Skipped without pdftoppm (poppler-utils).
func TestQRRasterMatchesMatrix(t *testing.T) {
	bin, err := exec.LookPath("pdftoppm")
	if err != nil {
		t.Skip("pdftoppm (poppler-utils) not installed")
	}
	const content = "https://dichvucong.motcua.example.vn/tra-cuu/000.00.12.H26-260424-0027"
	const x, y, size, dpi = 100.0, 120.0, 66.0, 288
	d := newTestDoc(t)
	if err := d.QR(content, x, y, size); err != nil {
		t.Fatal(err)
	}
	out, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "qr.pdf")
	if err := os.WriteFile(in, out, 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(bin, "-r", fmt.Sprint(dpi), "-gray", "-singlefile", in, filepath.Join(dir, "qr")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, b)
	}
	img, err := os.ReadFile(filepath.Join(dir, "qr.pgm"))
	if err != nil {
		t.Fatal(err)
	}
	// The header: "P5", width, height, maximum grey, each followed by
	// one whitespace character.
	var tok []string
	hdr := 0
	for len(tok) < 4 {
		start := hdr
		for img[hdr] != ' ' && img[hdr] != '\n' && img[hdr] != '\r' && img[hdr] != '\t' {
			hdr++
		}
		if hdr > start {
			tok = append(tok, string(img[start:hdr]))
		}
		hdr++
	}
	var w, h int
	if _, err := fmt.Sscan(tok[1]+" "+tok[2], &w, &h); err != nil || tok[0] != "P5" || tok[3] != "255" {
		t.Fatalf("not an 8-bit PGM: %q", tok)
	}
	pix := img[hdr:]
	if len(pix) != w*h {
		t.Fatalf("%d bytes of pixels for %d × %d", len(pix), w, h)
	}
	m, err := qrMatrix(content)
	if err != nil {
		t.Fatal(err)
	}
	mod := size / float64(len(m))
	scale := float64(dpi) / 72
	for r, cols := range m {
		for c, dark := range cols {
			px := int((x + (float64(c)+0.5)*mod) * scale)
			py := int((y + (float64(r)+0.5)*mod) * scale)
			v := pix[py*w+px]
			if got := v < 128; got != dark {
				t.Fatalf("module (%d,%d): printed dark=%v (grey %d), encoded dark=%v", r, c, got, v, dark)
			}
		}
	}
	// The quiet zone around the symbol is blank.
	for _, p := range [][2]float64{{x - 2*mod, y - 2*mod}, {x + size + 2*mod, y + size + 2*mod}, {x - 2*mod, y + size/2}} {
		if v := pix[int(p[1]*scale)*w+int(p[0]*scale)]; v < 200 {
			t.Fatalf("ink at %v outside the symbol", p)
		}
	}
}
