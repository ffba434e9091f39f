package pdf

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/signintech/gopdf"
)

func newTestDoc(t *testing.T) *Doc {
	t.Helper()
	d, err := New(Info{Created: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	d.gp.SetNoCompression()
	return d
}

// pages is the number of pages of a PDF written by gopdf.
func pages(b []byte) int {
	return len(regexp.MustCompile(`/Type /Page\b[^s]`).FindAll(b, -1))
}

func TestTableWrapsAndMoves(t *testing.T) {
	d := newTestDoc(t)
	_, y0 := d.Cursor()
	err := d.Table(Table{
		Columns: []Column{{Title: "STT", Width: 1, Align: Center}, {Title: "Tên giấy tờ", Width: 6}, {Title: "Bản chính", Width: 2, Align: Center}},
		Rows: [][]string{
			{"1", "Tờ khai đăng ký khai sinh theo mẫu, có chữ ký của người đi đăng ký và xác nhận của cơ sở y tế nơi trẻ được sinh ra", "1"},
			{"2", "Giấy chứng sinh", "1"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, y1 := d.Cursor()
	// At least: a one-line header, a row wrapped on two lines or more, a
	// one-line row, each with its padding.
	lineH := 12 * 1.25
	if min := 4*lineH + 3*8; y1-y0 < min {
		t.Fatalf("table is %.1f pt tall, want at least %.1f", y1-y0, min)
	}
}

func TestTableRepeatsHeaderOnNewPage(t *testing.T) {
	d := newTestDoc(t)
	var rows [][]string
	for i := range 80 {
		rows = append(rows, []string{fmt.Sprint(i + 1), fmt.Sprintf("Giấy tờ số %d", i+1)})
	}
	if err := d.Table(Table{Columns: []Column{{Title: "HEADERMARK", Width: 1}, {Title: "Tên", Width: 5}}, Rows: rows}); err != nil {
		t.Fatal(err)
	}
	out, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	n := pages(out)
	if n < 2 {
		t.Fatalf("80 rows fit on %d page", n)
	}
	// Text is written glyph-encoded, so count the header by its drawing:
	// every page starts with the header row at the top margin.
	top := fmt.Sprintf("%0.2f", gopdf.PageSizeA4.H-marginT) // gopdf flips y on its own A4 height
	lines := regexp.MustCompile(`(?m)^[0-9.]+ `+regexp.QuoteMeta(top)+` m [0-9.]+ `+regexp.QuoteMeta(top)+` l S$`).FindAll(out, -1)
	if len(lines) < n {
		t.Fatalf("%d pages but %d table tops at the top margin", n, len(lines))
	}
}

func TestTableSplitsRowTallerThanPage(t *testing.T) {
	d := newTestDoc(t)
	long := strings.Repeat("Một dòng rất dài của ô bảng.\n", 70)
	if err := d.Table(Table{Columns: []Column{{Title: "A"}, {Title: "B"}}, Rows: [][]string{{long, "x"}}}); err != nil {
		t.Fatal(err)
	}
	out, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if n := pages(out); n != 2 {
		t.Fatalf("%d pages, want 2", n)
	}
	_, y := d.Cursor()
	if y > pageH-marginB {
		t.Fatalf("table ended below the bottom margin at %.1f", y)
	}
}

func TestTablePlainHasNoBorders(t *testing.T) {
	d := newTestDoc(t)
	before, _ := d.Bytes()
	d2 := newTestDoc(t)
	if err := d2.Table(Table{Plain: true, Columns: []Column{{Width: 1, Align: Right}, {Width: 9}}, Rows: [][]string{{"1.", "Bản sao Giấy chứng nhận"}}}); err != nil {
		t.Fatal(err)
	}
	after, _ := d2.Bytes()
	if c := bytes.Count(after, []byte(" l S\n")) - bytes.Count(before, []byte(" l S\n")); c != 0 {
		t.Fatalf("a plain table drew %d lines", c)
	}
}

func TestTableErrors(t *testing.T) {
	d := newTestDoc(t)
	if err := d.Table(Table{}); err == nil {
		t.Error("table without columns accepted")
	}
	if err := d.Table(Table{Columns: []Column{{}}, Rows: [][]string{{"a", "b"}}}); err == nil {
		t.Error("row with too many cells accepted")
	}
}

func TestBlocks(t *testing.T) {
	d := newTestDoc(t)
	_, y0 := d.Cursor()
	err := d.Blocks(
		Block{Width: 4, Align: Center, Lines: []Line{{Text: "ỦY BAN NHÂN DÂN PHƯỜNG BA ĐÌNH", Style: Style{Size: 12}}, {Text: "TRUNG TÂM", Style: Style{Size: 12, Bold: true}, Rule: 60}}},
		Block{Width: 6, Align: Center, Lines: []Line{{Text: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", Style: Style{Size: 12, Bold: true}}, {Text: "Độc lập - Tự do - Hạnh phúc", Style: Style{Size: 13, Bold: true}, Rule: 159}}},
	)
	if err != nil {
		t.Fatal(err)
	}
	_, y1 := d.Cursor()
	// Left: the name wraps in 40 % of the width (2 lines) + 1 line + rule;
	// right: 2 lines + rule, the motto unwrapped in 60 %.
	if want := 3*12*1.25 + 5; y1-y0 != want {
		t.Fatalf("blocks are %.2f pt tall, want %.2f", y1-y0, want)
	}
	// A row that does not fit goes to the next page whole.
	d.Space(pageH - marginB - y1 - 20)
	if err := d.Blocks(Block{Lines: []Line{{Text: "a"}, {Text: "b"}}}); err != nil {
		t.Fatal(err)
	}
	if _, y := d.Cursor(); y != marginT+2*13*1.25 {
		t.Fatalf("the row was not moved to a new page whole: y=%.2f", y)
	}
}
