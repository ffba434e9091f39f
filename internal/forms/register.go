package forms

import (
	"fmt"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/pdf"
)

// BookEntry is one dossier in the register book.
type BookEntry struct {
	No         int    // continuous within the book's year
	Code       string // dossier code
	Procedure  string
	Sets       int    // number of sets (bộ) received
	Applicant  string // person or organisation
	Contact    string // address, phone
	Processing string // the agency that resolves it
	Received   time.Time
	Due        time.Time
	Forwarded  time.Time // handed to the processing agency
	ResultIn   time.Time // result back from the processing agency
	Returned   time.Time
	Note       string
}

// Book is the register book (form 07) of a receiving desk for a year.
type Book struct {
	Agency  Agency
	Year    int
	Entries []BookEntry
	Date    time.Time      // when printed; the PDF's creation date
	Loc     *time.Location // zone of the dates; Vietnam if nil
}

// BookColumns are the headers of the register book's columns (form 07),
// for the PDF here and the workbook of the same book.
var BookColumns = [14]string{"STT", "Mã hồ sơ", "Tên thủ tục hành chính", "Số lượng hồ sơ (bộ)", "Tên cá nhân, tổ chức",
	"Địa chỉ, số điện thoại", "Cơ quan chủ trì giải quyết", "Nhận hồ sơ (giờ, ngày)", "Hẹn trả kết quả",
	"Chuyển hồ sơ đến cơ quan giải quyết", "Nhận kết quả từ cơ quan giải quyết", "Trả kết quả (giờ, ngày)", "Ký nhận", "Ghi chú"}

// bookColumns lays the columns across A4: dates get room for dd/mm/yyyy.
func bookColumns() []pdf.Column {
	widths := [14]float64{0.65, 2.5, 1.7, 0.7, 1.3, 1.3, 1.2, 1.25, 1.25, 1.25, 1.25, 1.25, 0.7, 0.9}
	cols := make([]pdf.Column, len(BookColumns))
	for i, t := range BookColumns {
		cols[i] = pdf.Column{Title: t, Width: widths[i]}
	}
	cols[0].Align, cols[3].Align = pdf.Center, pdf.Center
	return cols
}

// RegisterBook renders form 07, Sổ theo dõi hồ sơ: one row per dossier
// received in the year, numbered continuously, on A4 across (the
// template's fourteen columns do not fit upright).
func RegisterBook(b Book) ([]byte, error) {
	if strings.TrimSpace(b.Agency.Name) == "" || b.Year == 0 || b.Date.IsZero() {
		return nil, fmt.Errorf("%w agency name, year or date", ErrMissing)
	}
	loc := b.Loc
	if loc == nil {
		loc = vietnam
	}
	d, err := pdf.New(pdf.Info{Title: fmt.Sprintf("Sổ theo dõi hồ sơ năm %d", b.Year), Subject: nfc(b.Agency.Name),
		Author: nfc(b.Agency.Name), Created: b.Date.In(loc), Landscape: true})
	if err != nil {
		return nil, err
	}
	w := &writer{d: d, c: Common{Agency: b.Agency, Date: b.Date}, loc: loc}
	w.blocks(pdf.Block{Width: 40, Align: pdf.Center, Lines: issuer(b.Agency)}, pdf.Block{Width: 60})
	w.d.Space(10)
	w.text(pdf.Style{Size: 16, Bold: true, Align: pdf.Center}, "SỔ THEO DÕI HỒ SƠ")
	w.text(pdf.Style{Size: body, Bold: true, Align: pdf.Center, After: 10}, fmt.Sprintf("Năm %d", b.Year))
	t := func(x time.Time) string {
		if x.IsZero() {
			return ""
		}
		// Compact: the book's date columns are narrow.
		return x.In(loc).Format("02/01/2006\n15:04")
	}
	rows := make([][]string, 0, len(b.Entries))
	for _, e := range b.Entries {
		sets := ""
		if e.Sets > 0 {
			sets = fmt.Sprint(e.Sets)
		}
		rows = append(rows, []string{fmt.Sprint(e.No), e.Code, e.Procedure, sets, e.Applicant, e.Contact, e.Processing,
			t(e.Received), t(e.Due), t(e.Forwarded), t(e.ResultIn), t(e.Returned), "", e.Note})
	}
	if len(rows) == 0 {
		rows = append(rows, []string{"", "", "(Không có hồ sơ)", "", "", "", "", "", "", "", "", "", "", ""})
	}
	w.table(pdf.Table{
		Size:    8,
		Columns: bookColumns(),
		Rows:    rows,
	})
	return w.bytes()
}
