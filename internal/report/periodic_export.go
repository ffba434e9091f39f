package report

import (
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/motcua/motcua/internal/pdf"
)

// InstanceText is what an exported periodic report prints besides its
// numbers, translated by the caller.
type InstanceText struct {
	Title     string   // the report's name
	Lines     []string // agency, period, status, signature
	Indicator string   // column headers
	Data      string
	Value     string
	Note      string
	Label     func(indicator string) string
}

// XLSX writes a periodic report: one row per indicator with the figure
// from the statistics, the reported figure and the reason of any
// correction.
func (in Instance) XLSX(w io.Writer, t InstanceText) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Sheet1"
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Border: borders(), Alignment: &excelize.Alignment{WrapText: true}})
	if err != nil {
		return err
	}
	num, err := f.NewStyle(&excelize.Style{NumFmt: 3, Border: borders()})
	if err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{Border: borders(), Alignment: &excelize.Alignment{WrapText: true}})
	if err != nil {
		return err
	}
	f.SetCellValue(sheet, "A1", t.Title)
	row := 2
	for _, l := range t.Lines {
		f.SetCellValue(sheet, "A"+strconv.Itoa(row), l)
		row++
	}
	row++
	if err := setRow(f, sheet, row, []any{t.Indicator, t.Data, t.Value, t.Note}, func(int) int { return head }); err != nil {
		return err
	}
	for _, ind := range in.Def.Indicators {
		row++
		vals := []any{t.Label(ind), in.Data[ind], in.Values[ind], in.Overrides[ind].Note}
		err := setRow(f, sheet, row, vals, func(i int) int {
			if i == 1 || i == 2 {
				return num
			}
			return text
		})
		if err != nil {
			return err
		}
	}
	f.SetColWidth(sheet, "A", "A", 40)
	f.SetColWidth(sheet, "B", "C", 16)
	f.SetColWidth(sheet, "D", "D", 50)
	f.SetDocProps(&excelize.DocProperties{Title: t.Title, Creator: "Motcua"})
	return f.Write(w)
}

// PDF prints a periodic report on A4.
func (in Instance) PDF(t InstanceText, created time.Time) ([]byte, error) {
	d, err := titled(t.Title, t.Lines, 12, created)
	if err != nil {
		return nil, err
	}
	d.Space(10)
	tab := pdf.Table{Size: 11, Columns: []pdf.Column{{Title: t.Indicator, Width: 3}, {Title: t.Data, Width: 1.2, Align: pdf.Right},
		{Title: t.Value, Width: 1.2, Align: pdf.Right}, {Title: t.Note, Width: 3}}}
	for _, ind := range in.Def.Indicators {
		tab.Rows = append(tab.Rows, []string{t.Label(ind), formatInt(in.Data[ind]), formatInt(in.Values[ind]), in.Overrides[ind].Note})
	}
	if err := d.Table(tab); err != nil {
		return nil, err
	}
	return d.Bytes()
}
