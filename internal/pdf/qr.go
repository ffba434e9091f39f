package pdf

import (
	"errors"
	"fmt"

	"github.com/boombuler/barcode/qr"
)

// QR draws content as a QR code (error correction level M) whose symbol
// is a square of side size points, upper-left corner at (x, y) in points
// from the upper-left corner of the page. Every dark module is a filled
// vector rectangle, not a raster image, so the code stays sharp in print
// and at any zoom. Leave a light margin of about four modules around it
// (the quiet zone that scanners need). The flow position does not move:
// use Cursor to place the code and Space to step past it.
func (d *Doc) QR(content string, x, y, size float64) error {
	rects, err := qrRects(content, x, y, size)
	if err != nil {
		return err
	}
	d.gp.SetFillColor(0, 0, 0)
	for _, r := range rects {
		d.gp.RectFromUpperLeftWithStyle(r.x, r.y, r.w, r.h, "F")
	}
	return nil
}

// Cursor is the left edge of the text area and the current vertical
// position, in points from the upper-left corner of the page: where the
// next line of text would go. With Width, it places drawings such as QR
// in the flow.
func (d *Doc) Cursor() (x, y float64) { return marginL, d.y }

type rect struct{ x, y, w, h float64 }

// qrMatrix encodes content; m[row][col] is true for a dark module.
func qrMatrix(content string) ([][]bool, error) {
	if content == "" {
		return nil, errors.New("pdf: empty QR content")
	}
	code, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("pdf: QR: %w", err)
	}
	b := code.Bounds()
	m := make([][]bool, b.Dy())
	for row := range m {
		m[row] = make([]bool, b.Dx())
		for col := range m[row] {
			r, g, bl, _ := code.At(b.Min.X+col, b.Min.Y+row).RGBA()
			m[row][col] = r+g+bl < 3*0x8000
		}
	}
	return m, nil
}

// qrRects is one rectangle per dark module. Each overlaps its right and
// lower neighbours by a twentieth of a module, so that anti-aliasing
// viewers show no hairline seams between adjacent modules.
func qrRects(content string, x, y, size float64) ([]rect, error) {
	m, err := qrMatrix(content)
	if err != nil {
		return nil, err
	}
	if size <= 0 {
		return nil, errors.New("pdf: QR size must be positive")
	}
	mod := size / float64(len(m))
	bleed := mod / 20
	var out []rect
	for row, cols := range m {
		for col, dark := range cols {
			if !dark {
				continue
			}
			w, h := mod, mod
			if col+1 < len(cols) && cols[col+1] {
				w += bleed
			}
			if row+1 < len(m) && m[row+1][col] {
				h += bleed
			}
			out = append(out, rect{x + float64(col)*mod, y + float64(row)*mod, w, h})
		}
	}
	return out, nil
}
