package forms

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/pdf"
)

// Receipt renders form 01, Giấy tiếp nhận hồ sơ và hẹn trả kết quả: the
// dossier code, with a QR code of c.LookupURL under the office's name
// and the code under it; who the dossier is from and what it asks for;
// the numbered list of the papers received with their originals and
// copies; when it was received and when the result is due; how it was
// submitted (channel, e.g. "Trực tiếp"); where the result is returned
// (returnAt); and the signatures of the person submitting and of the
// officer receiving (c.Officer).
func Receipt(c Common, comps []Component, receivedAt, dueAt time.Time, returnAt string, channel string) ([]byte, error) {
	switch {
	case len(comps) == 0:
		return nil, fmt.Errorf("%w dossier components", ErrMissing)
	case receivedAt.IsZero() || dueAt.IsZero():
		return nil, fmt.Errorf("%w reception or appointment time", ErrMissing)
	case dueAt.Before(receivedAt):
		return nil, errors.New("forms: appointment before reception")
	case strings.TrimSpace(c.LookupURL) == "":
		return nil, fmt.Errorf("%w lookup URL for the QR code", ErrMissing)
	}
	const title = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
	w, err := newWriter(c, title)
	if err != nil {
		return nil, err
	}
	w.heading(false, func(x, y, width float64) float64 {
		// The QR code, centred in the left column, and the code under it.
		const size = 62
		if err := w.d.QR(c.LookupURL, x+(width-size)/2, y, size); err != nil {
			w.err = err
			return y
		}
		w.moveTo(y + size + 5)
		w.blocks(pdf.Block{Width: issuerCol, Align: pdf.Center, Lines: []pdf.Line{{Text: c.Code, Style: pdf.Style{Size: 10}}}}, pdf.Block{Width: mottoCol})
		_, end := w.d.Cursor()
		return end
	})
	w.title(title)

	w.applicant("Tiếp nhận hồ sơ của:")
	in := func(t time.Time) time.Time { return t.In(w.loc) }
	n := 0
	item := func(s string) {
		n++
		w.text(plain, fmt.Sprintf("%d. %s", n, s))
	}
	item("Thành phần hồ sơ nộp gồm:")
	rows := make([][]string, len(comps))
	for i, cp := range comps {
		rows[i] = []string{fmt.Sprint(i + 1), cp.Name, count(cp.Originals), count(cp.Copies)}
	}
	w.table(pdf.Table{
		Size: 12,
		Columns: []pdf.Column{
			{Title: "STT", Width: 1.2, Align: pdf.Center},
			{Title: "Tên giấy tờ", Width: 9},
			{Title: "Bản chính", Width: 2.2, Align: pdf.Center},
			{Title: "Bản sao", Width: 2.2, Align: pdf.Center},
		},
		Rows:  rows,
		After: 6,
	})
	item("Thời gian nhận hồ sơ: " + moment(in(receivedAt)) + ".")
	item("Thời gian trả kết quả giải quyết hồ sơ: " + moment(in(dueAt)) + ".")
	if ch := strings.TrimSpace(channel); ch != "" {
		item("Hình thức nộp hồ sơ: " + ch + ".")
	}
	if r := strings.TrimSpace(returnAt); r != "" {
		item("Đăng ký nhận kết quả tại: " + r + ".")
	}
	w.signatures(
		&signer{title: []string{"NGƯỜI NỘP HỒ SƠ"}, note: "(Ký và ghi rõ họ tên)", name: c.Applicant.FullName},
		&signer{title: []string{"NGƯỜI TIẾP NHẬN HỒ SƠ"}, note: "(Ký và ghi rõ họ tên)", name: c.Officer},
		nil)
	w.d.Space(6)
	note := pdf.Style{Size: small, Italic: true, After: 1}
	w.text(note, "Ghi chú: Tra cứu tình trạng giải quyết hồ sơ bằng mã QR ở trên, hoặc tại "+c.LookupURL+
		"."+optional(" Mọi vướng mắc, đề nghị liên hệ số điện thoại ", c.Agency.Phone, "."))
	return w.bytes()
}

// count is a number of papers in the table: "01", or "-" for none.
func count(n int) string {
	if n <= 0 {
		return "-"
	}
	return fmt.Sprintf("%02d", n)
}
