package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/motcua/motcua/internal/pdf"
)

// Columns are the figures in the order exports print them: the metrics,
// then the two averages.
var Columns = append(append([]string{}, Metrics...), "avg_work_days", "avg_legal_days")

// Value returns the figure named by a column; ok is false for an average
// of nothing.
func (f Figures) Value(col string) (v float64, ok bool) {
	switch col {
	case "avg_work_days":
		return f.AvgWorkDays()
	case "avg_legal_days":
		return f.AvgLegalDays()
	}
	n, known := f.Count(col)
	return float64(n), known
}

// Text is what an export prints besides the numbers, in the reader's
// language: the caller translates.
type Text struct {
	Title    string                  // "Thống kê tình hình giải quyết thủ tục hành chính"
	Lines    []string                // scope, period, filters, time of the export
	Group    string                  // header of the first column ("Cơ quan", "Thủ tục" …); "" without rows
	RowLabel func(key string) string // a row's name
	Total    string                  // "Tổng cộng"
	Column   func(col string) string // a column's header
	Sheet    string                  // the worksheet's name
}

// XLSX writes the result as a workbook: the title and the lines, then one
// row per group and the total, figures as numbers (averages with two
// decimals), so that the sheet adds up in Excel and LibreOffice.
func (r Result) XLSX(w io.Writer, t Text) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := t.Sheet
	if sheet == "" {
		sheet = "Sheet1"
	}
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
		Border: borders()})
	if err != nil {
		return err
	}
	num, err := f.NewStyle(&excelize.Style{NumFmt: 3, Border: borders()}) // #,##0
	if err != nil {
		return err
	}
	dec, err := f.NewStyle(&excelize.Style{NumFmt: 4, Border: borders()}) // #,##0.00
	if err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{Border: borders(), Alignment: &excelize.Alignment{WrapText: true}})
	if err != nil {
		return err
	}
	row := 1
	set := func(col, r int, v any, style int) error { return setCell(f, sheet, col, r, v, style) }
	if err := set(1, row, t.Title, bold); err != nil {
		return err
	}
	row++
	for _, l := range t.Lines {
		if err := f.SetCellValue(sheet, "A"+strconv.Itoa(row), l); err != nil {
			return err
		}
		row++
	}
	row++
	first := t.Group
	if first == "" {
		first = " "
	}
	if err := set(1, row, first, head); err != nil {
		return err
	}
	for i, c := range Columns {
		if err := set(i+2, row, t.Column(c), head); err != nil {
			return err
		}
	}
	if err := f.SetRowHeight(sheet, row, 60); err != nil {
		return err
	}
	headerRow := row
	line := func(label string, fig Figures) error {
		row++
		if err := set(1, row, label, text); err != nil {
			return err
		}
		for i, c := range Columns {
			v, ok := fig.Value(c)
			switch {
			case !ok:
				err = set(i+2, row, "", num)
			case c == "avg_work_days" || c == "avg_legal_days":
				err = set(i+2, row, math.Round(v*100)/100, dec)
			default:
				err = set(i+2, row, int64(v), num)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	for _, r := range r.Rows {
		label := r.Key
		if t.RowLabel != nil {
			label = t.RowLabel(r.Key)
		}
		if err := line(label, r.Figures); err != nil {
			return err
		}
	}
	if err := line(t.Total, r.Total); err != nil {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(1, row)
	if err := f.SetCellStyle(sheet, last, last, head); err != nil {
		return err
	}
	if err := f.SetColWidth(sheet, "A", "A", 40); err != nil {
		return err
	}
	lastCol, _ := excelize.ColumnNumberToName(len(Columns) + 1)
	if err := f.SetColWidth(sheet, "B", lastCol, 12); err != nil {
		return err
	}
	topLeft, _ := excelize.CoordinatesToCellName(2, headerRow+1)
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, XSplit: 1, YSplit: headerRow, TopLeftCell: topLeft, ActivePane: "bottomRight"}); err != nil {
		return err
	}
	f.SetDocProps(&excelize.DocProperties{Title: t.Title, Creator: "Motcua"})
	return f.Write(w)
}

// setCell writes a value and its style into the cell at column col, row
// r (from 1).
func setCell(f *excelize.File, sheet string, col, r int, v any, style int) error {
	cell, err := excelize.CoordinatesToCellName(col, r)
	if err != nil {
		return err
	}
	if err := f.SetCellValue(sheet, cell, v); err != nil {
		return err
	}
	return f.SetCellStyle(sheet, cell, cell, style)
}

// setRow writes a row of values from column 1, each cell in the style
// style gives its column (from 0).
func setRow(f *excelize.File, sheet string, r int, vals []any, style func(col int) int) error {
	for i, v := range vals {
		if err := setCell(f, sheet, i+1, r, v, style(i)); err != nil {
			return err
		}
	}
	return nil
}

func borders() []excelize.Border {
	var b []excelize.Border
	for _, side := range []string{"left", "right", "top", "bottom"} {
		b = append(b, excelize.Border{Type: side, Color: "808080", Style: 1})
	}
	return b
}

// PDF prints the result on A4 in Liberation Serif: the title and the
// lines, then one table per group of columns (all of them do not fit
// across a page), each with the rows and the total.
func (r Result) PDF(t Text, created time.Time) ([]byte, error) {
	d, err := titled(t.Title, t.Lines, 11, created)
	if err != nil {
		return nil, err
	}
	d.Space(8)
	type labelled struct {
		label string
		fig   Figures
	}
	var rows []labelled
	for _, row := range r.Rows {
		label := row.Key
		if t.RowLabel != nil {
			label = t.RowLabel(row.Key)
		}
		rows = append(rows, labelled{label, row.Figures})
	}
	rows = append(rows, labelled{t.Total, r.Total})
	const perTable = 7
	for start := 0; start < len(Columns); start += perTable {
		cols := Columns[start:min(start+perTable, len(Columns))]
		tab := pdf.Table{Size: 9, After: 10, Columns: []pdf.Column{{Title: t.Group, Width: 2.6}}}
		for _, c := range cols {
			tab.Columns = append(tab.Columns, pdf.Column{Title: t.Column(c), Width: 1, Align: pdf.Right})
		}
		for _, lr := range rows {
			cells := []string{lr.label}
			for _, c := range cols {
				v, ok := lr.fig.Value(c)
				switch {
				case !ok:
					cells = append(cells, "—")
				case c == "avg_work_days" || c == "avg_legal_days":
					cells = append(cells, formatDecimal(v))
				default:
					cells = append(cells, formatInt(int64(v)))
				}
			}
			tab.Rows = append(tab.Rows, cells)
		}
		if err := d.Table(tab); err != nil {
			return nil, err
		}
	}
	return d.Bytes()
}

// titled starts an A4 document with a title and lines under it, centred.
func titled(title string, lines []string, size float64, created time.Time) (*pdf.Doc, error) {
	d, err := pdf.New(pdf.Info{Title: title, Author: "Motcua", Created: created})
	if err != nil {
		return nil, err
	}
	if err := d.Text(pdf.Style{Size: 14, Bold: true, Align: pdf.Center, After: 6}, title); err != nil {
		return nil, err
	}
	for _, l := range lines {
		if err := d.Text(pdf.Style{Size: size, Align: pdf.Center}, l); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// formatInt writes n with dots between thousands, as Vietnamese does.
func formatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, '.')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// formatDecimal writes v with two decimals and a decimal comma.
func formatDecimal(v float64) string {
	whole := int64(v)
	frac := int64(math.Round((v - float64(whole)) * 100))
	if frac == 100 {
		whole, frac = whole+1, 0
	}
	return fmt.Sprintf("%s,%02d", formatInt(whole), frac)
}
