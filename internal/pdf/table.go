package pdf

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Column is one column of a Table.
type Column struct {
	Title string  // header text; a header row is drawn if any column has one
	Width float64 // relative width: the columns share the table's width in proportion (1 if zero)
	Align Align   // alignment of the body cells; header cells are always centred
}

// Table is a grid of wrapped text: one row per element of Rows, one cell
// per column ("\n" starts a new line inside a cell). A row is kept on one
// page when it fits on one; a row taller than a page is split. The header
// row is repeated at the top of every page the table continues on.
type Table struct {
	Columns []Column
	Rows    [][]string
	Size    float64 // font size, points; 12 if zero
	Plain   bool    // no borders: a layout grid, e.g. a numbered list with a hanging indent
	Padding float64 // inside each cell, points; 4 if zero (1 for a Plain table)
	Indent  float64 // from the left margin, points
	After   float64 // space after the table, points
}

// Block is one cell of Blocks: lines in their own styles (the style's
// Align is not used), wrapped to a column of relative width Width (1 if
// zero) and aligned in it as Align says.
type Block struct {
	Width float64
	Align Align
	Lines []Line
}

// Blocks writes blocks side by side as one borderless table row: the
// heading of an official document, with the issuer's column narrower
// than the national motto's as ND 30/2020 lays it out, or the list of
// recipients beside a signature. Each line may have a rule under it,
// centred on the column (or from its left edge, if aligned left). The
// row is kept on one page; the position moves below its tallest block.
func (d *Doc) Blocks(blocks ...Block) error {
	if len(blocks) == 0 {
		return nil
	}
	const gap = 3 // each side, between columns
	total := 0.0
	for _, b := range blocks {
		total += colWeight(Column{Width: b.Width})
	}
	type placed struct {
		text  []string
		style Style
		rule  float64
	}
	cols := make([][]placed, len(blocks))
	xs := make([]float64, len(blocks)+1)
	xs[0] = marginL
	h := 0.0
	for i, b := range blocks {
		xs[i+1] = xs[i] + d.Width()*colWeight(Column{Width: b.Width})/total
		bh := 0.0
		for _, l := range b.Lines {
			size := l.Style.Size
			if size == 0 {
				size = 13
			}
			p := placed{text: d.wrap(l.Style, l.Text, xs[i+1]-xs[i]-2*gap), style: l.Style, rule: l.Rule}
			if b.Align == Center {
				p.text = d.balance(l.Style, l.Text, xs[i+1]-xs[i]-2*gap)
			}
			cols[i] = append(cols[i], p)
			bh += float64(len(p.text)) * size * 1.25
			if l.Rule > 0 {
				bh += 5
			}
		}
		h = max(h, bh)
	}
	d.ensure(h)
	for i, b := range blocks {
		x, w := xs[i]+gap, xs[i+1]-xs[i]-2*gap
		y := d.y
		for _, p := range cols[i] {
			size := d.font(p.style)
			if err := d.cellText(p.style, p.text, x, y, w, b.Align, size*1.25); err != nil {
				return err
			}
			y += float64(len(p.text)) * size * 1.25
			if p.rule > 0 {
				rx := x
				if b.Align == Center {
					rx = x + (w-p.rule)/2
				} else if b.Align == Right {
					rx = x + w - p.rule
				}
				d.gp.SetLineWidth(0.6)
				d.gp.Line(rx, y+1, rx+p.rule, y+1)
				y += 5
			}
		}
	}
	d.y += h
	return nil
}

// Table draws t at the current position and moves below it.
func (d *Doc) Table(t Table) error {
	if len(t.Columns) == 0 {
		return errors.New("pdf: table without columns")
	}
	size := t.Size
	if size == 0 {
		size = 12
	}
	pad := t.Padding
	if pad == 0 {
		pad = 4
		if t.Plain {
			pad = 1
		}
	}
	lineH := size * 1.25
	body := Style{Size: size}
	head := Style{Size: size, Bold: true}

	// Column edges.
	total := 0.0
	for _, c := range t.Columns {
		total += colWeight(c)
	}
	width := d.Width() - t.Indent
	xs := make([]float64, len(t.Columns)+1)
	xs[0] = marginL + t.Indent
	for i, c := range t.Columns {
		xs[i+1] = xs[i] + width*colWeight(c)/total
	}
	inner := func(i int) float64 { return xs[i+1] - xs[i] - 2*pad }

	// The header, wrapped once.
	var header [][]string
	headerH := 0.0
	for _, c := range t.Columns {
		if c.Title != "" {
			header = make([][]string, len(t.Columns))
			n := 1
			for i, c := range t.Columns {
				header[i] = d.wrap(head, c.Title, inner(i))
				n = max(n, len(header[i]))
			}
			headerH = float64(n)*lineH + 2*pad
			break
		}
	}
	drawHeader := func() error {
		if header == nil {
			return nil
		}
		for i, lines := range header {
			// Centred vertically as well.
			y := d.y + pad + (headerH-2*pad-float64(len(lines))*lineH)/2
			if err := d.cellText(head, lines, xs[i]+pad, y, inner(i), Center, lineH); err != nil {
				return err
			}
		}
		d.borders(t.Plain, xs, d.y, headerH)
		d.y += headerH
		return nil
	}
	bottom := d.h - marginB
	fresh := bottom - marginT - headerH // room for rows on a new page

	for r, row := range t.Rows {
		if len(row) > len(t.Columns) {
			return fmt.Errorf("pdf: table row %d has %d cells for %d columns", r+1, len(row), len(t.Columns))
		}
	}

	// The first row (or one line of it) goes with the header.
	first := lineH + 2*pad
	if len(t.Rows) > 0 {
		first = d.rowHeight(body, t.Rows[0], inner, lineH, pad)
		if first > fresh {
			first = lineH + 2*pad
		}
	}
	d.ensure(headerH + first)
	if err := drawHeader(); err != nil {
		return err
	}
	breakPage := func() error {
		d.newPage()
		return drawHeader()
	}

	for _, row := range t.Rows {
		cells := make([][]string, len(t.Columns))
		n := 1
		for i := range t.Columns {
			if i < len(row) {
				cells[i] = d.wrap(body, row[i], inner(i))
			}
			n = max(n, len(cells[i]))
		}
		for start := 0; start < n; {
			need := float64(n-start)*lineH + 2*pad
			avail := bottom - d.y
			end := n
			switch {
			case need <= avail:
			case start == 0 && need <= fresh:
				// The whole row fits on the next page: keep it together.
				if err := breakPage(); err != nil {
					return err
				}
				continue
			default:
				// Taller than a page: as many lines as fit here.
				k := int(math.Floor((avail - 2*pad) / lineH))
				if k < 1 {
					if err := breakPage(); err != nil {
						return err
					}
					continue
				}
				end = start + k
			}
			h := float64(end-start)*lineH + 2*pad
			for i, lines := range cells {
				lo, hi := min(start, len(lines)), min(end, len(lines))
				if err := d.cellText(body, lines[lo:hi], xs[i]+pad, d.y+pad, inner(i), t.Columns[i].Align, lineH); err != nil {
					return err
				}
			}
			d.borders(t.Plain, xs, d.y, h)
			d.y += h
			start = end
			if start < n {
				if err := breakPage(); err != nil {
					return err
				}
			}
		}
	}
	d.y += t.After
	return nil
}

func colWeight(c Column) float64 {
	if c.Width <= 0 {
		return 1
	}
	return c.Width
}

// wrap splits s into lines no wider than w in style st; "\n" forces a break.
func (d *Doc) wrap(st Style, s string, w float64) []string {
	d.font(st)
	var out []string
	for _, para := range strings.Split(s, "\n") {
		lines, err := d.gp.SplitTextWithWordWrap(para, w)
		if err != nil || len(lines) == 0 {
			lines = []string{para}
		}
		out = append(out, lines...)
	}
	return out
}

// balance wraps s like wrap, in as few lines, but with lines as even as
// possible ("ỦY BAN NHÂN DÂN / PHƯỜNG BA ĐÌNH", not "ỦY BAN NHÂN DÂN
// PHƯỜNG BA / ĐÌNH"), as a centred heading is set by hand.
func (d *Doc) balance(st Style, s string, w float64) []string {
	best := d.wrap(st, s, w)
	if len(best) < 2 {
		return best
	}
	lo, hi := 0.0, w
	for range 16 {
		mid := (lo + hi) / 2
		if l := d.wrap(st, s, mid); len(l) == len(best) && whole(l, s) {
			best, hi = l, mid
		} else {
			lo = mid
		}
	}
	return best
}

// whole tells whether lines break s only between words (a word longer
// than the width is broken by force, which balance must not prefer).
func whole(lines []string, s string) bool {
	return slices.Equal(strings.Fields(strings.Join(lines, " ")), strings.Fields(s))
}

func (d *Doc) rowHeight(st Style, row []string, inner func(int) float64, lineH, pad float64) float64 {
	n := 1
	for i, s := range row {
		n = max(n, len(d.wrap(st, s, inner(i))))
	}
	return float64(n)*lineH + 2*pad
}

// cellText writes lines from (x, y) down, aligned within width w.
func (d *Doc) cellText(st Style, lines []string, x, y, w float64, a Align, lineH float64) error {
	d.font(st)
	for _, l := range lines {
		if l != "" {
			lw, _ := d.gp.MeasureTextWidth(l)
			lx := x
			switch a {
			case Center:
				lx = x + (w-lw)/2
			case Right:
				lx = x + w - lw
			}
			d.gp.SetXY(lx, y)
			if err := d.gp.Cell(nil, l); err != nil {
				return fmt.Errorf("pdf: table: %w", err)
			}
		}
		y += lineH
	}
	return nil
}

// borders draws the cells of one row of height h at y.
func (d *Doc) borders(plain bool, xs []float64, y, h float64) {
	if plain {
		return
	}
	d.gp.SetLineWidth(0.6)
	d.gp.SetLineType("solid")
	left, right := xs[0], xs[len(xs)-1]
	d.gp.Line(left, y, right, y)
	d.gp.Line(left, y+h, right, y+h)
	for _, x := range xs {
		d.gp.Line(x, y, x, y+h)
	}
}
