package catalog

import (
	"fmt"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/pdf"
)

// BlankForm renders the case's application form, blank, as a printable
// PDF in Vietnamese: the national heading, the procedure's name, one line
// per field of the e-form (more for long answers, boxes for yes/no and
// each option), and the place and date for the applicant's signature. A
// citizen who applies on paper fills it by hand; its fields are the online
// form's, so the officer enters it without guessing.
func BlankForm(d Document, c Case, version int) ([]byte, error) {
	doc, err := pdf.New(pdf.Info{
		Title:   "Tờ khai — " + d.NameVI,
		Subject: d.Code + " " + c.Code,
		Author:  "Motcua",
		// Fixed, so that the same version always gives the same file.
		Created: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		return nil, err
	}
	bold := pdf.Style{Bold: true, Align: pdf.Center}
	steps := []func() error{
		func() error {
			return doc.Text(pdf.Style{Bold: true, Align: pdf.Center, Size: 13}, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
		},
		func() error {
			return doc.Text(pdf.Style{Bold: true, Align: pdf.Center, Size: 14}, "Độc lập - Tự do - Hạnh phúc")
		},
		func() error { doc.Rule(160); doc.Space(14); return nil },
		func() error { return doc.Text(pdf.Style{Bold: true, Align: pdf.Center, Size: 15}, "TỜ KHAI") },
		func() error { return doc.Text(bold, strings.ToUpper(d.NameVI)) },
	}
	if len(d.Cases) > 1 {
		steps = append(steps, func() error { return doc.Text(pdf.Style{Italic: true, Align: pdf.Center}, "("+c.NameVI+")") })
	}
	steps = append(steps,
		func() error { doc.Space(10); return doc.Field("Kính gửi:", 1) },
	)
	for _, f := range c.Form {
		f := f
		label := f.LabelVI
		if f.Required {
			label += " (*)"
		}
		steps = append(steps, func() error {
			switch f.Type {
			case "checkbox":
				return doc.Checkbox(label)
			case "select":
				if err := doc.Text(pdf.Style{}, label+":"); err != nil {
					return err
				}
				for _, o := range f.Options {
					if err := doc.Checkbox(o); err != nil {
						return err
					}
				}
				return nil
			case "textarea":
				return doc.Field(label+":", 3)
			case "date":
				return doc.Field(label+" (ngày/tháng/năm):", 1)
			case "national_id":
				return doc.Field(label+" (12 chữ số):", 1)
			}
			return doc.Field(label+":", 1)
		})
	}
	steps = append(steps,
		func() error {
			doc.Space(8)
			return doc.Text(pdf.Style{}, "Tôi cam đoan những nội dung khai trên đây là đúng sự thật và chịu trách nhiệm trước pháp luật về cam đoan của mình.")
		},
		func() error {
			doc.Space(10)
			return doc.Text(pdf.Style{Italic: true, Align: pdf.Right}, "…………, ngày ….. tháng ….. năm ……")
		},
		func() error { return doc.Text(pdf.Style{Bold: true, Align: pdf.Right}, "NGƯỜI KHAI") },
		func() error {
			return doc.Text(pdf.Style{Italic: true, Align: pdf.Right, After: 48}, "(Ký, ghi rõ họ tên)")
		},
		func() error {
			return doc.Text(pdf.Style{Size: 10, Italic: true}, fmt.Sprintf("(*) Thông tin bắt buộc. Mẫu tờ khai của thủ tục %s, %s, phiên bản %d; có thể nộp trực tuyến thay cho bản giấy nếu thủ tục cho phép.", d.Code, c.Code, version))
		},
	)
	for _, s := range steps {
		if err := s(); err != nil {
			return nil, err
		}
	}
	return doc.Bytes()
}
