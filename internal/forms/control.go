package forms

import (
	"fmt"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/pdf"
)

// ControlSlip renders form 06, Phiếu kiểm soát quá trình giải quyết hồ
// sơ: the dossier, then one row per hand-over with who handed it over
// and who received it, when, the deadline and the outcome of the step
// (trước hạn, đúng hạn, quá hạn; see outcome), and a note. With no rows
// yet, it has blank rows to fill by hand. The header of the table is
// repeated on every page.
func ControlSlip(c Common, rows []Handover) ([]byte, error) {
	const title = "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"
	w, err := newWriter(c, title)
	if err != nil {
		return nil, err
	}
	w.heading(false, nil)
	w.title(title)
	w.applicant("Kèm theo hồ sơ của:")
	w.d.Space(4)

	cells := make([][]string, 0, max(len(rows), 1))
	for i, h := range rows {
		var when []string
		if !h.At.IsZero() {
			when = append(when, cell(h.At.In(w.loc)))
		}
		if !h.Deadline.IsZero() {
			when = append(when, "Hạn: "+cell(h.Deadline.In(w.loc)))
		}
		var res []string
		if o := outcome(h, w.loc); o != "" {
			res = append(res, o)
		}
		if !h.Done.IsZero() {
			res = append(res, "Xong: "+cell(h.Done.In(w.loc)))
		}
		cells = append(cells, []string{
			fmt.Sprint(i + 1),
			"Giao: " + strings.TrimSpace(h.From) + "\nNhận: " + strings.TrimSpace(h.To),
			strings.Join(when, "\n"),
			strings.Join(res, "\n"),
			strings.TrimSpace(h.Note),
		})
	}
	if len(rows) == 0 {
		for i := range 4 {
			cells = append(cells, []string{fmt.Sprint(i + 1), "Giao:\n\nNhận:\n", "…… giờ …… phút,\nngày ……/……/……", "", ""})
		}
	}
	w.table(pdf.Table{
		Size: 11,
		Columns: []pdf.Column{
			{Title: "STT", Width: 1.7, Align: pdf.Center},
			{Title: "TÊN CƠ QUAN, NGƯỜI GIAO, NHẬN HỒ SƠ", Width: 6.4},
			{Title: "THỜI GIAN GIAO, NHẬN HỒ SƠ", Width: 5.4},
			{Title: "KẾT QUẢ GIẢI QUYẾT HỒ SƠ (Trước hạn/ đúng hạn/ quá hạn)", Width: 5.4},
			{Title: "GHI CHÚ", Width: 3.2},
		},
		Rows: cells,
	})
	w.d.Space(6)
	w.text(pdf.Style{Size: small, Italic: true},
		"Ghi chú: Phiếu này đi kèm hồ sơ trong suốt quá trình giải quyết; mỗi lần giao, nhận hồ sơ được ghi một dòng với thời gian và người giao, người nhận. "+
			"Kết quả của từng bước được so với thời hạn của bước đó: trước hạn nếu xong trước ngày hết hạn, đúng hạn nếu xong trong ngày hết hạn, quá hạn nếu xong sau thời hạn.")
	return w.bytes()
}

// cell is a time in a table cell: "16 giờ 00 phút,\nngày 06/05/2026".
func cell(t time.Time) string { return strings.Replace(short(t), ", ", ",\n", 1) }

// outcome is the result of one step against its deadline, on the
// calendar of loc: "Trước hạn" if done before the deadline's day, "Đúng
// hạn" if done on that day and not after the deadline, "Quá hạn" if done
// after it; "Đang giải quyết" if not done yet, and nothing if the step
// has no deadline.
func outcome(h Handover, loc *time.Location) string {
	switch {
	case h.Done.IsZero():
		return "Đang giải quyết"
	case h.Deadline.IsZero():
		return ""
	case h.Done.After(h.Deadline):
		return "Quá hạn"
	}
	dy, dm, dd := h.Done.In(loc).Date()
	ly, lm, ld := h.Deadline.In(loc).Date()
	if dy == ly && dm == lm && dd == ld {
		return "Đúng hạn"
	}
	return "Trước hạn"
}
