// Package forms renders the printable forms of the one-stop mechanism
// (cơ chế một cửa) as PDF in Vietnamese, following the structure of the
// templates of Thông tư 03/2025/TT-VPCP (successor of Thông tư
// 01/2018/TT-VPCP for these forms):
//
//	01 Receipt            Giấy tiếp nhận hồ sơ và hẹn trả kết quả
//	02 SupplementRequest  Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ
//	03 Refusal            Phiếu từ chối tiếp nhận giải quyết hồ sơ
//	04 Apology            Văn bản xin lỗi và hẹn lại ngày trả kết quả
//	05 StopNotice         Thông báo dừng giải quyết hồ sơ
//	06 ControlSlip        Phiếu kiểm soát quá trình giải quyết hồ sơ
//
// Every form has the heading of an official document (ND 30/2020): the
// issuing office on the left, the national motto on the right, place and
// date, the title in bold capitals, the body and the signature block.
//
// The functions take plain data and return the bytes of the PDF; the
// same input always gives the same bytes (the document's creation date
// is Common.Date).
package forms

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/motcua/motcua/internal/pdf"
)

// Agency is the issuing office.
type Agency struct {
	// Name and ParentName as written in running text, e.g. "Trung tâm
	// Phục vụ hành chính công phường Ba Đình" under "Ủy ban nhân dân
	// phường Ba Đình"; the heading prints them in capitals.
	Name, ParentName string
	Address, Phone   string
}

// Applicant is the person or organisation the dossier belongs to.
type Applicant struct {
	FullName, NationalID, Address, Phone, Email string
}

// Common is what every form shows.
type Common struct {
	Agency    Agency
	Code      string // dossier code (mã hồ sơ)
	LookupURL string // content of the QR code on the receipt
	Procedure string // the procedure requested (nội dung yêu cầu giải quyết)
	Applicant Applicant
	Place     string         // place in the date line, e.g. "Ba Đình"
	Date      time.Time      // date of the form; also the PDF's creation date
	Officer   string         // the officer who signs (receives, guides, or heads the office)
	Loc       *time.Location // zone of the printed dates and times; Vietnam (UTC+7) if nil

	// Optional.
	Number      string // document number ("Số: …") under the agency's name; the forms 04 and 05 show a blank to fill if empty
	SignerTitle string // title over the signature of 04 and 05, lines split by "\n" (e.g. "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH"); "THỦ TRƯỞNG CƠ QUAN" if empty
}

// Component is one paper of the dossier as received.
type Component struct {
	Name              string
	Originals, Copies int
}

// Handover is one hand-over of the dossier between offices or persons.
// Deadline is when the receiving side must be done with it; Done is when
// it was (zero while it is still being processed).
type Handover struct {
	From, To string
	At       time.Time
	Deadline time.Time
	Done     time.Time
	Note     string
}

// vietnam is UTC+7 all year (no daylight saving time), so a fixed zone
// is exact and needs no time zone database.
var vietnam = time.FixedZone("ICT", 7*3600)

// ErrMissing is wrapped by the errors for required data that is absent.
var ErrMissing = errors.New("forms: missing")

func (c Common) check() error {
	var miss []string
	if strings.TrimSpace(c.Agency.Name) == "" {
		miss = append(miss, "agency name")
	}
	if strings.TrimSpace(c.Code) == "" {
		miss = append(miss, "dossier code")
	}
	if strings.TrimSpace(c.Applicant.FullName) == "" {
		miss = append(miss, "applicant's name")
	}
	if c.Date.IsZero() {
		miss = append(miss, "date")
	}
	if len(miss) > 0 {
		return fmt.Errorf("%w %s", ErrMissing, strings.Join(miss, ", "))
	}
	return nil
}

// Body text sizes (ND 30/2020: 13–14 for the body; 12–13 in the heading).
const (
	body  = 13
	small = 11
)

// plain is a paragraph of the body.
var plain = pdf.Style{Size: body, After: 3}

// writer lays out one form, keeping the first error so that the form
// functions read as the document they produce.
type writer struct {
	d   *pdf.Doc
	c   Common
	loc *time.Location
	err error
}

func newWriter(c Common, title string) (*writer, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	loc := c.Loc
	if loc == nil {
		loc = vietnam
	}
	d, err := pdf.New(pdf.Info{
		Title:   title + " — " + c.Code,
		Subject: c.Code,
		Author:  nfc(c.Agency.Name),
		Created: c.Date.In(loc),
	})
	if err != nil {
		return nil, err
	}
	return &writer{d: d, c: c, loc: loc}, nil
}

func (w *writer) text(st pdf.Style, s string) {
	if w.err == nil {
		w.err = w.d.Text(st, nfc(s))
	}
}

func (w *writer) table(t pdf.Table) {
	if w.err != nil {
		return
	}
	for _, row := range t.Rows {
		for i := range row {
			row[i] = nfc(row[i])
		}
	}
	w.err = w.d.Table(t)
}

func (w *writer) blocks(bs ...pdf.Block) {
	if w.err != nil {
		return
	}
	for _, b := range bs {
		for i := range b.Lines {
			b.Lines[i].Text = nfc(b.Lines[i].Text)
		}
	}
	w.err = w.d.Blocks(bs...)
}

// moveTo sets the flow's vertical position (Space is relative).
func (w *writer) moveTo(y float64) {
	_, now := w.d.Cursor()
	w.d.Space(y - now)
}

func (w *writer) bytes() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	return w.d.Bytes()
}

// The heading's columns (ND 30/2020): the issuer's narrower than the
// national motto's.
const issuerCol, mottoCol = 42, 58

// heading writes the issuing office on the left (parent office, and the
// office in bold with a short rule under it) and the national motto on
// the right; then, on one line as ND 30/2020 places them, the number
// under the office (a blank to fill if number is set and Common.Number
// is empty) and the place and date under the motto. under, if not nil,
// draws more of the left column (the receipt's QR code) from the top
// left (x, y) of the space under the number, in a column width wide, and
// returns where it ends.
func (w *writer) heading(number bool, under func(x, y, width float64) float64) {
	left := issuer(w.c.Agency)
	right := []pdf.Line{
		{Text: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", Style: pdf.Style{Size: 12, Bold: true}},
		{Text: "Độc lập - Tự do - Hạnh phúc", Style: pdf.Style{Size: body, Bold: true}, Rule: 159},
	}
	w.blocks(pdf.Block{Width: issuerCol, Align: pdf.Center, Lines: left}, pdf.Block{Width: mottoCol, Align: pdf.Center, Lines: right})
	w.d.Space(4)

	var num []pdf.Line
	n := strings.TrimSpace(w.c.Number)
	if n == "" && number {
		n = "……/……"
	}
	if n != "" {
		num = []pdf.Line{{Text: "Số: " + n, Style: pdf.Style{Size: body}}}
	}
	place := strings.TrimSpace(w.c.Place)
	if place == "" {
		place = "……"
	}
	date := pdf.Line{Text: place + ", " + day(w.c.Date.In(w.loc)), Style: pdf.Style{Size: body, Italic: true}}
	x, y := w.d.Cursor()
	w.blocks(pdf.Block{Width: issuerCol, Align: pdf.Center, Lines: num}, pdf.Block{Width: mottoCol, Align: pdf.Center, Lines: []pdf.Line{date}})
	space := 16.0
	if under != nil && w.err == nil {
		if num != nil {
			y += body * 1.25
		}
		end := under(x, y+2, w.d.Width()*issuerCol/(issuerCol+mottoCol))
		if _, now := w.d.Cursor(); end > now {
			w.moveTo(end)
		}
		space = 8
	}
	w.d.Space(space)
}

// issuer is the heading's left column: the parent office, and the office
// in bold capitals with a short rule under it.
func issuer(a Agency) []pdf.Line {
	var lines []pdf.Line
	if p := strings.TrimSpace(a.ParentName); p != "" {
		lines = append(lines, pdf.Line{Text: upper(p), Style: pdf.Style{Size: 12}})
	}
	return append(lines, pdf.Line{Text: upper(a.Name), Style: pdf.Style{Size: 12, Bold: true}, Rule: 64})
}

// title writes the form's name, and the dossier code under it.
func (w *writer) title(lines ...string) {
	for i, l := range lines {
		st := pdf.Style{Size: 14, Bold: true, Align: pdf.Center}
		if i > 0 {
			st.Size = body
		}
		w.text(st, l)
	}
	w.text(pdf.Style{Size: body, Bold: true, Align: pdf.Center, After: 10}, "Mã hồ sơ: "+w.c.Code)
}

// applicant writes who the dossier is from and what it asks for.
func (w *writer) applicant(intro string) {
	a := w.c.Applicant
	w.text(plain, intro+" "+a.FullName)
	if a.NationalID != "" {
		w.text(plain, "Số định danh cá nhân: "+a.NationalID)
	}
	if a.Address != "" {
		w.text(plain, "Địa chỉ: "+a.Address)
	}
	var contact []string
	if a.Phone != "" {
		contact = append(contact, "Số điện thoại: "+a.Phone)
	}
	if a.Email != "" {
		contact = append(contact, "Email: "+a.Email)
	}
	if len(contact) > 0 {
		w.text(plain, strings.Join(contact, "     "))
	}
	if w.c.Procedure != "" {
		w.text(plain, "Nội dung yêu cầu giải quyết: "+w.c.Procedure)
	}
}

// numbered writes items as a list numbered 1., 2., … with a hanging
// indent, so that a long item wraps under its text and not its number.
func (w *writer) numbered(items []string) {
	rows := make([][]string, len(items))
	for i, it := range items {
		rows[i] = []string{fmt.Sprintf("%d.", i+1), it}
	}
	w.table(pdf.Table{
		Plain:   true,
		Size:    body,
		Indent:  14,
		Padding: 1.5,
		Columns: []pdf.Column{{Width: 1}, {Width: 14}},
		Rows:    rows,
		After:   3,
	})
}

// signer is one signature block: title, what to do, then the name after
// room to sign.
type signer struct {
	title []string
	note  string
	name  string
}

func (s *signer) lines() []pdf.Line {
	if s == nil {
		return nil
	}
	var out []pdf.Line
	for _, t := range s.title {
		out = append(out, pdf.Line{Text: t, Style: pdf.Style{Size: body, Bold: true}})
	}
	if s.note != "" {
		out = append(out, pdf.Line{Text: s.note, Style: pdf.Style{Size: 12, Italic: true}})
	}
	// Room to sign (and stamp).
	out = append(out, pdf.Line{Text: "", Style: pdf.Style{Size: 44}})
	if s.name != "" {
		out = append(out, pdf.Line{Text: s.name, Style: pdf.Style{Size: body, Bold: true}})
	}
	return out
}

// signatures writes the signature blocks, kept on one page: two side by
// side (left nil: one on the right, as in every official document). If
// recipients is not empty, it is written on the left as the list of
// recipients (Nơi nhận) of an official letter.
func (w *writer) signatures(left, right *signer, recipients []string) {
	w.d.Space(8)
	switch {
	case len(recipients) > 0:
		rec := []pdf.Line{{Text: "Nơi nhận:", Style: pdf.Style{Size: 12, Bold: true}}}
		for _, r := range recipients {
			rec = append(rec, pdf.Line{Text: "- " + r, Style: pdf.Style{Size: small}})
		}
		w.blocks(pdf.Block{Width: issuerCol, Lines: rec}, pdf.Block{Width: mottoCol, Align: pdf.Center, Lines: right.lines()})
	case left == nil:
		w.blocks(pdf.Block{Width: issuerCol}, pdf.Block{Width: mottoCol, Align: pdf.Center, Lines: right.lines()})
	default:
		w.blocks(pdf.Block{Align: pdf.Center, Lines: left.lines()}, pdf.Block{Align: pdf.Center, Lines: right.lines()})
	}
}

// head is the signer of the letters 04 and 05: the head of the office.
func (w *writer) head() *signer {
	title := []string{"THỦ TRƯỞNG CƠ QUAN"}
	if t := strings.TrimSpace(w.c.SignerTitle); t != "" {
		title = strings.Split(upper(t), "\n")
	}
	return &signer{title: title, note: "(Ký, ghi rõ họ tên và đóng dấu)", name: w.c.Officer}
}

// contact is the sentence telling the applicant where to ask.
func (w *writer) contact() string {
	a := w.c.Agency
	s := "Mọi vướng mắc, đề nghị Ông/Bà liên hệ " + a.Name
	if a.Address != "" {
		s += ", địa chỉ: " + a.Address
	}
	if a.Phone != "" {
		s += ", số điện thoại: " + a.Phone
	}
	return s + " để được hướng dẫn./."
}

func nfc(s string) string { return norm.NFC.String(s) }

func upper(s string) string { return strings.ToUpper(nfc(s)) }

// day is a date as written in official documents (ND 30/2020): days
// below 10 and the months January and February with a leading zero,
// "ngày 06 tháng 5 năm 2026", "ngày 24 tháng 02 năm 2026".
func day(t time.Time) string {
	m := fmt.Sprint(int(t.Month()))
	if t.Month() <= 2 {
		m = "0" + m
	}
	return fmt.Sprintf("ngày %02d tháng %s năm %d", t.Day(), m, t.Year())
}

// moment is a time of day and its date: "16 giờ 00 phút, ngày 06 tháng 5
// năm 2026".
func moment(t time.Time) string {
	return fmt.Sprintf("%02d giờ %02d phút, %s", t.Hour(), t.Minute(), day(t))
}

// short is moment in the compact form used in tables: "16 giờ 00 phút,
// ngày 06/05/2026".
func short(t time.Time) string {
	return fmt.Sprintf("%02d giờ %02d phút, ngày %02d/%02d/%d", t.Hour(), t.Minute(), t.Day(), int(t.Month()), t.Year())
}
