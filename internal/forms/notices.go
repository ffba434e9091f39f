package forms

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/pdf"
)

// SupplementRequest renders form 02, Phiếu yêu cầu bổ sung, hoàn thiện hồ
// sơ: every missing or incomplete item, numbered, in one go (the
// applicant must be told everything at once, never item by item), the
// reason, where to ask, and the signature of the officer who guides
// (c.Officer).
func SupplementRequest(c Common, missing []string, reason string) ([]byte, error) {
	var items []string
	for _, m := range missing {
		if m = strings.TrimSpace(m); m != "" {
			items = append(items, m)
		}
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%w items to supplement", ErrMissing)
	}
	const title = "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"
	w, err := newWriter(c, title)
	if err != nil {
		return nil, err
	}
	w.heading(false, nil)
	w.title(title)
	w.applicant("Hồ sơ của:")
	w.d.Space(4)
	w.text(plain, "Sau khi kiểm tra, "+c.Agency.Name+" đề nghị Ông/Bà bổ sung, hoàn thiện hồ sơ một lần, đầy đủ các nội dung sau:")
	w.numbered(items)
	if r := strings.TrimSpace(reason); r != "" {
		w.text(plain, "Lý do: "+r)
	}
	w.text(plain, "Hồ sơ đã bổ sung, hoàn thiện được nộp cùng Phiếu này. "+w.contact())
	w.signatures(nil, &signer{title: []string{"NGƯỜI HƯỚNG DẪN"}, note: "(Ký và ghi rõ họ tên)", name: c.Officer}, nil)
	return w.bytes()
}

// Refusal renders form 03, Phiếu từ chối tiếp nhận giải quyết hồ sơ: the
// dossier, the reason it is not accepted, and the signature of the
// officer (c.Officer).
func Refusal(c Common, reason string) ([]byte, error) {
	r := strings.TrimSpace(reason)
	if r == "" {
		return nil, fmt.Errorf("%w reason for the refusal", ErrMissing)
	}
	const title = "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ"
	w, err := newWriter(c, title)
	if err != nil {
		return nil, err
	}
	w.heading(false, nil)
	w.title(title)
	w.applicant(c.Agency.Name + " đã nhận hồ sơ của:")
	w.d.Space(4)
	w.text(plain, "Qua xem xét, "+c.Agency.Name+" thông báo không tiếp nhận, giải quyết hồ sơ này, với lý do cụ thể như sau:")
	w.text(pdf.Style{Size: body, Indent: 14, After: 3}, r)
	w.text(plain, "Xin thông báo để Ông/Bà được biết. "+w.contact())
	w.signatures(nil, &signer{title: []string{"NGƯỜI TIẾP NHẬN HỒ SƠ"}, note: "(Ký và ghi rõ họ tên)", name: c.Officer}, nil)
	return w.bytes()
}

// Apology renders form 04, the letter of apology that moves the date of
// the result (Văn bản xin lỗi và hẹn lại ngày trả kết quả): the dossier,
// the date it was due (oldDue), why it is late, the apology and the new
// date (newDue), signed by the head of the office (c.SignerTitle,
// c.Officer). The date may be moved once; that rule is the caller's.
func Apology(c Common, oldDue, newDue time.Time, reason string) ([]byte, error) {
	r := strings.TrimSpace(reason)
	switch {
	case oldDue.IsZero() || newDue.IsZero():
		return nil, fmt.Errorf("%w due date", ErrMissing)
	case !newDue.After(oldDue):
		return nil, errors.New("forms: the new date is not after the old one")
	case r == "":
		return nil, fmt.Errorf("%w reason for the delay", ErrMissing)
	}
	const title = "VĂN BẢN XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"
	w, err := newWriter(c, title)
	if err != nil {
		return nil, err
	}
	name := c.Agency.Name
	w.heading(true, nil)
	w.title(title)
	w.text(pdf.Style{Size: body, Align: pdf.Center, After: 8}, "Kính gửi: Ông/Bà "+c.Applicant.FullName+".")
	w.text(plain, name+" đã tiếp nhận hồ sơ của Ông/Bà, mã hồ sơ "+c.Code+
		optional(", nội dung yêu cầu giải quyết: ", c.Procedure)+
		"; thời gian hẹn trả kết quả ghi trong Giấy tiếp nhận hồ sơ và hẹn trả kết quả là "+moment(oldDue.In(w.loc))+".")
	w.text(plain, "Tuy nhiên, đến nay "+name+" chưa thể trả kết quả giải quyết hồ sơ đúng hẹn. Lý do: "+sentence(r))
	w.text(plain, "Sự chậm trễ này đã gây phiền hà, tốn kém thời gian và công sức của Ông/Bà. "+name+
		" xin lỗi Ông/Bà và xin hẹn lại thời gian trả kết quả vào "+moment(newDue.In(w.loc))+".")
	w.text(plain, name+" trân trọng cảm ơn sự thông cảm, hợp tác của Ông/Bà./.")
	w.signatures(nil, w.head(), []string{"Như trên;", "Lưu: VT."})
	return w.bytes()
}

// StopNotice renders form 05, Thông báo dừng giải quyết hồ sơ: the
// dossier, why its processing stops (the applicant withdrew it, or
// another reason), from when, and what happens to the papers, signed by
// the head of the office (c.SignerTitle, c.Officer). The notice takes
// effect on c.Date.
func StopNotice(c Common, reason string) ([]byte, error) {
	r := strings.TrimSpace(reason)
	if r == "" {
		return nil, fmt.Errorf("%w reason for stopping", ErrMissing)
	}
	const title = "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ"
	w, err := newWriter(c, title)
	if err != nil {
		return nil, err
	}
	name := c.Agency.Name
	w.heading(true, nil)
	w.title(title)
	w.text(pdf.Style{Size: body, Align: pdf.Center, After: 8}, "Kính gửi: Ông/Bà "+c.Applicant.FullName+".")
	w.text(plain, name+" đã tiếp nhận hồ sơ của Ông/Bà, mã hồ sơ "+c.Code+
		optional(", nội dung yêu cầu giải quyết: ", c.Procedure)+".")
	w.text(plain, "Lý do dừng giải quyết hồ sơ: "+sentence(r))
	w.text(plain, name+" thông báo dừng giải quyết hồ sơ nêu trên kể từ "+day(c.Date.In(w.loc))+
		". Đề nghị Ông/Bà liên hệ "+name+
		optional(" (", c.Agency.Address, ")")+
		" để nhận lại hồ sơ đã nộp (nếu có).")
	w.text(plain, "Xin thông báo để Ông/Bà được biết./.")
	w.signatures(nil, w.head(), []string{"Như trên;", "Lưu: VT."})
	return w.bytes()
}

// optional is prefix+s+suffix, or nothing if s is empty.
func optional(prefix, s string, suffix ...string) string {
	if s = strings.TrimSpace(s); s == "" {
		return ""
	}
	return prefix + s + strings.Join(suffix, "")
}

// sentence ends s with a full stop unless it has one.
func sentence(s string) string {
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}
