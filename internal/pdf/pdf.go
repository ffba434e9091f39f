// Package pdf lays out Motcua's printable documents (forms, receipts,
// notices) on A4 in Liberation Serif, which is metric-compatible with the
// Times New Roman that ND 30/2020 prescribes for official documents, and
// is embedded so that every document renders the same everywhere.
//
// Documents are deterministic: the same input gives the same bytes, which
// keeps golden-file tests honest.
package pdf

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/go-fonts/liberation/liberationserifbold"
	"github.com/go-fonts/liberation/liberationserifitalic"
	"github.com/go-fonts/liberation/liberationserifregular"
	"github.com/signintech/gopdf"
)

// A4 in points, with the margins of ND 30/2020 (top 20 mm, bottom 20 mm,
// left 30 mm, right 15 mm).
const (
	pageW   = 595.28
	pageH   = 841.89
	mm      = 72 / 25.4
	marginL = 30 * mm
	marginR = 15 * mm
	marginT = 20 * mm
	marginB = 20 * mm
)

// Align is a horizontal alignment.
type Align int

// Alignments.
const (
	Left Align = iota
	Center
	Right
)

// Style is how a run of text looks.
type Style struct {
	Size   float64 // points; 13 if zero (ND 30/2020 body size)
	Bold   bool
	Italic bool
	Align  Align
	Indent float64 // points from the left margin
	After  float64 // space after, points
}

// Doc is a document being laid out.
type Doc struct {
	gp   *gopdf.GoPdf
	y    float64
	w, h float64 // the page, points
}

// Info describes the document in its metadata.
type Info struct {
	Title   string
	Subject string
	Author  string
	Created time.Time // fixed by the caller, so output is reproducible
	// Landscape turns the page: registers and wide tables (the register
	// book, form 07) are printed across A4.
	Landscape bool
}

// New starts a document with its first page.
func New(info Info) (*Doc, error) {
	gp := &gopdf.GoPdf{}
	w, h := pageW, pageH
	size := *gopdf.PageSizeA4
	if info.Landscape {
		w, h = h, w
		size = gopdf.Rect{W: size.H, H: size.W}
	}
	gp.Start(gopdf.Config{PageSize: size, Unit: gopdf.UnitPT})
	gp.SetInfo(gopdf.PdfInfo{Title: info.Title, Subject: info.Subject, Author: info.Author, Creator: "Motcua", Producer: "Motcua", CreationDate: info.Created})
	for _, f := range []struct {
		name string
		data []byte
	}{{"serif", liberationserifregular.TTF}, {"serif-b", liberationserifbold.TTF}, {"serif-i", liberationserifitalic.TTF}} {
		if err := gp.AddTTFFontData(f.name, f.data); err != nil {
			return nil, fmt.Errorf("pdf: font %s: %w", f.name, err)
		}
	}
	d := &Doc{gp: gp, w: w, h: h}
	d.newPage()
	return d, nil
}

func (d *Doc) newPage() {
	d.gp.AddPage()
	d.y = marginT
}

func (d *Doc) font(s Style) float64 {
	size := s.Size
	if size == 0 {
		size = 13
	}
	name := "serif"
	switch {
	case s.Bold:
		name = "serif-b"
	case s.Italic:
		name = "serif-i"
	}
	d.gp.SetFont(name, "", size)
	return size
}

// ensure starts a new page if h points do not fit on this one.
func (d *Doc) ensure(h float64) {
	if d.y+h > d.h-marginB {
		d.newPage()
	}
}

// Width is the width of the text area.
func (d *Doc) Width() float64 { return d.w - marginL - marginR }

// Text writes s, wrapped to the text area, in style s.
func (d *Doc) Text(st Style, s string) error {
	size := d.font(st)
	lineH := size * 1.25
	width := d.Width() - st.Indent
	for _, para := range strings.Split(s, "\n") {
		lines, err := d.gp.SplitTextWithWordWrap(para, width)
		if err != nil {
			// A paragraph with nothing to break on, or empty.
			lines = []string{para}
		}
		if len(lines) == 0 {
			lines = []string{""}
		}
		for _, l := range lines {
			d.ensure(lineH)
			w, _ := d.gp.MeasureTextWidth(l)
			x := marginL + st.Indent
			switch st.Align {
			case Center:
				x = marginL + st.Indent + (width-w)/2
			case Right:
				x = marginL + st.Indent + width - w
			}
			d.gp.SetXY(x, d.y)
			if err := d.gp.Cell(nil, l); err != nil {
				return fmt.Errorf("pdf: text: %w", err)
			}
			d.y += lineH
		}
	}
	d.y += st.After
	return nil
}

// Space adds vertical space.
func (d *Doc) Space(h float64) { d.y += h }

// Rule draws a short centred line, as under the national motto.
func (d *Doc) Rule(width float64) {
	d.gp.SetLineWidth(0.6)
	x := marginL + (d.Width()-width)/2
	d.gp.Line(x, d.y, x+width, d.y)
	d.y += 6
}

// Field writes a label followed by dotted lines to write on by hand: the
// first line continues after the label, the others span the text area.
func (d *Doc) Field(label string, lines int) error {
	size := d.font(Style{})
	lineH := size * 1.9
	d.ensure(lineH * float64(lines))
	if lines < 1 {
		lines = 1
	}
	w, _ := d.gp.MeasureTextWidth(label + " ")
	if w > d.Width()*0.7 {
		if err := d.Text(Style{}, label); err != nil {
			return err
		}
		w = 0
		d.font(Style{})
	} else {
		d.gp.SetXY(marginL, d.y)
		if err := d.gp.Cell(nil, label); err != nil {
			return err
		}
	}
	for i := range lines {
		x := marginL
		if i == 0 {
			x += w
		}
		d.dots(x, d.y+size, marginL+d.Width())
		d.y += lineH
	}
	return nil
}

// Checkbox writes an empty box followed by a label.
func (d *Doc) Checkbox(label string) error {
	size := d.font(Style{})
	lineH := size * 1.6
	d.ensure(lineH)
	d.gp.SetLineWidth(0.8)
	d.gp.RectFromUpperLeftWithStyle(marginL, d.y+1, size*0.8, size*0.8, "D")
	d.gp.SetXY(marginL+size*1.3, d.y)
	if err := d.gp.Cell(nil, label); err != nil {
		return err
	}
	d.y += lineH
	return nil
}

func (d *Doc) dots(x0, y, x1 float64) {
	d.gp.SetLineWidth(0.7)
	d.gp.SetLineType("dotted")
	d.gp.Line(x0, y, x1, y)
	d.gp.SetLineType("solid")
}

// Columns writes two blocks side by side, each centred in its half, as in
// the heading of an official document (issuer left, motto right).
func (d *Doc) Columns(left, right []Line) error {
	y0 := d.y
	half := d.Width() / 2
	ys := [2]float64{}
	for i, block := range [][]Line{left, right} {
		y := y0
		for _, l := range block {
			size := d.font(l.Style)
			lines, err := d.gp.SplitTextWithWordWrap(l.Text, half-6)
			if err != nil || len(lines) == 0 {
				lines = []string{l.Text}
			}
			for _, t := range lines {
				w, _ := d.gp.MeasureTextWidth(t)
				d.gp.SetXY(marginL+float64(i)*half+(half-w)/2, y)
				if err := d.gp.Cell(nil, t); err != nil {
					return err
				}
				y += size * 1.25
			}
			if l.Rule > 0 {
				d.gp.SetLineWidth(0.6)
				x := marginL + float64(i)*half + (half-l.Rule)/2
				d.gp.Line(x, y+1, x+l.Rule, y+1)
				y += 5
			}
		}
		ys[i] = y
	}
	d.y = max(ys[0], ys[1]) + 8
	return nil
}

// Line is one line of a Columns block, optionally underlined by a rule of
// the given width.
type Line struct {
	Text  string
	Style Style
	Rule  float64
}

// Bytes finishes the document.
func (d *Doc) Bytes() ([]byte, error) {
	var b bytes.Buffer
	if err := d.gp.Write(&b); err != nil {
		return nil, fmt.Errorf("pdf: write: %w", err)
	}
	return b.Bytes(), nil
}
