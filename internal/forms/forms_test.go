package forms

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

var ict = time.FixedZone("ICT", 7*3600)

func at(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, ict) }

func common() Common {
	return Common{
		Agency: Agency{
			Name:       "Trung tâm Phục vụ hành chính công phường Ba Đình",
			ParentName: "Ủy ban nhân dân phường Ba Đình",
			Address:    "số 25 phố Đội Cấn, phường Ba Đình, thành phố Hà Nội",
			Phone:      "024 3734 5678",
		},
		Code:      "000.00.12.H26-260424-0027",
		LookupURL: "https://dichvucong.motcua.example.vn/tra-cuu/000.00.12.H26-260424-0027",
		Procedure: "Đăng ký khai sinh",
		Applicant: Applicant{
			FullName:   "Nguyễn Thị Ánh Tuyết",
			NationalID: "001190012345",
			Address:    "số 12 ngõ 35 phố Kim Mã, phường Ba Đình, thành phố Hà Nội",
			Phone:      "0912 345 678",
			Email:      "tuyet.nguyen@example.vn",
		},
		Place:   "Ba Đình",
		Date:    at(2026, 4, 24, 9, 15),
		Officer: "Trần Văn Bình",
		Loc:     ict,
	}
}

var components = []Component{
	{Name: "Tờ khai đăng ký khai sinh", Originals: 1},
	{Name: "Giấy chứng sinh", Originals: 1},
	{Name: "Văn bản ủy quyền thực hiện việc đăng ký khai sinh, được chứng thực theo quy định của pháp luật (trường hợp người đi đăng ký không phải cha, mẹ của trẻ)", Copies: 1},
	{Name: "Giấy chứng nhận kết hôn của cha, mẹ trẻ", Originals: 1, Copies: 2},
}

var missing = []string{
	"Bản chính Giấy chứng sinh do cơ sở y tế nơi trẻ được sinh ra cấp",
	"Văn bản ủy quyền có chứng thực của cha hoặc mẹ của trẻ, vì người đi đăng ký không phải cha, mẹ của trẻ",
	"Ghi đầy đủ mục Nơi cư trú của người mẹ trong Tờ khai đăng ký khai sinh",
}

func slipRows() []Handover {
	return []Handover{
		{From: "Bộ phận Một cửa - Trần Văn Bình", To: "Phòng Văn hóa - Xã hội - Phạm Quốc Hùng", At: at(2026, 4, 24, 9, 40), Deadline: at(2026, 5, 4, 17, 0), Done: at(2026, 5, 4, 15, 30), Note: "Thẩm định hồ sơ"},
		{From: "Phòng Văn hóa - Xã hội - Phạm Quốc Hùng", To: "Lãnh đạo Ủy ban nhân dân phường - Lê Thị Hồng Nhung", At: at(2026, 5, 4, 15, 30), Deadline: at(2026, 5, 6, 12, 0), Done: at(2026, 5, 5, 10, 0), Note: "Trình ký"},
		{From: "Lãnh đạo Ủy ban nhân dân phường - Lê Thị Hồng Nhung", To: "Bộ phận Một cửa - Trần Văn Bình", At: at(2026, 5, 5, 10, 0), Deadline: at(2026, 5, 5, 17, 0), Done: at(2026, 5, 6, 8, 30)},
		{From: "Bộ phận Một cửa - Trần Văn Bình", To: "Nguyễn Thị Ánh Tuyết (người nộp hồ sơ)", At: at(2026, 5, 6, 8, 30), Note: "Trả kết quả"},
	}
}

type form struct {
	name   string
	render func() ([]byte, error)
	want   []string // in the extracted text
}

func forms() []form {
	c := common()
	head := c
	head.Officer = "Lê Thị Hồng Nhung"
	head.SignerTitle = "KT. CHỦ TỊCH\nPhó Chủ tịch"
	head.Agency.Name = "Ủy ban nhân dân phường Ba Đình"
	head.Agency.ParentName = ""
	apology, stop := head, head
	apology.Date = at(2026, 5, 4, 10, 0)
	stop.Date = at(2026, 4, 29, 14, 0)
	stop.Number = "152/TB-UBND"
	heading := []string{"ỦY BAN NHÂN DÂN PHƯỜNG BA ĐÌNH", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Mã hồ sơ: 000.00.12.H26-260424-0027"}
	with := func(s ...string) []string { return append(append([]string{}, heading...), s...) }
	return []form{
		{"01-receipt", func() ([]byte, error) {
			return Receipt(c, components, at(2026, 4, 24, 9, 15), at(2026, 5, 6, 16, 0), "Bộ phận Một cửa, Trung tâm Phục vụ hành chính công phường Ba Đình", "Trực tiếp")
		}, with("TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG", "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Ba Đình, ngày 24 tháng 4 năm 2026",
			"Tiếp nhận hồ sơ của: Nguyễn Thị Ánh Tuyết", "Nội dung yêu cầu giải quyết: Đăng ký khai sinh", "Tờ khai đăng ký khai sinh", "Giấy chứng nhận kết hôn của cha, mẹ trẻ",
			"09 giờ 15 phút, ngày 24 tháng 4 năm 2026", "16 giờ 00 phút, ngày 06 tháng 5 năm 2026", "Trực tiếp",
			"NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ", "Trần Văn Bình")},
		{"02-supplement", func() ([]byte, error) {
			return SupplementRequest(c, missing, "Hồ sơ chưa đủ thành phần theo quy định của thủ tục đăng ký khai sinh.")
		}, with(append([]string{"PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", "một lần", "Nguyễn Thị Ánh Tuyết", "Lý do: Hồ sơ chưa đủ thành phần", "NGƯỜI HƯỚNG DẪN", "Trần Văn Bình", "024 3734 5678"}, missing...)...)},
		{"03-refusal", func() ([]byte, error) {
			return Refusal(c, "Trẻ đã được đăng ký khai sinh tại Ủy ban nhân dân xã Đông Anh; yêu cầu đăng ký lần thứ hai không được giải quyết theo quy định của Luật Hộ tịch.")
		}, with("PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", "Nguyễn Thị Ánh Tuyết", "Ủy ban nhân dân xã Đông Anh", "NGƯỜI TIẾP NHẬN HỒ SƠ")},
		{"04-apology", func() ([]byte, error) {
			return Apology(apology, at(2026, 5, 6, 16, 0), at(2026, 5, 12, 16, 0), "cần xác minh nơi sinh của trẻ với cơ sở y tế tại tỉnh Bắc Ninh, kết quả xác minh chưa được gửi về")
		}, with("VĂN BẢN XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", "Kính gửi: Ông/Bà Nguyễn Thị Ánh Tuyết", "Ba Đình, ngày 04 tháng 5 năm 2026",
			"16 giờ 00 phút, ngày 06 tháng 5 năm 2026", "16 giờ 00 phút, ngày 12 tháng 5 năm 2026", "tỉnh Bắc Ninh", "xin lỗi",
			"KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Lê Thị Hồng Nhung", "Nơi nhận:")},
		{"05-stop", func() ([]byte, error) {
			return StopNotice(stop, "Ông/Bà có đơn đề nghị rút hồ sơ ngày 28 tháng 4 năm 2026")
		}, with("THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", "Số: 152/TB-UBND", "Kính gửi: Ông/Bà Nguyễn Thị Ánh Tuyết", "rút hồ sơ", "ngày 29 tháng 4 năm 2026", "Lê Thị Hồng Nhung")},
		{"06-control-slip", func() ([]byte, error) {
			return ControlSlip(c, slipRows())
		}, with("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", "Kèm theo hồ sơ của: Nguyễn Thị Ánh Tuyết", "Phạm Quốc Hùng", "Lê Thị Hồng Nhung",
			"09 giờ 40 phút, ngày 24/04/2026", "Hạn: 17 giờ 00 phút, ngày 04/05/2026", "Xong: 15 giờ 30 phút, ngày 04/05/2026", "Đúng hạn", "Trước hạn", "Quá hạn", "Đang giải quyết", "Trình ký")},
		{"06-control-slip-blank", func() ([]byte, error) {
			return ControlSlip(c, nil)
		}, with("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", "THỜI GIAN GIAO, NHẬN HỒ SƠ")},
	}
}

func TestFormsGolden(t *testing.T) {
	for _, f := range forms() {
		t.Run(f.name, func(t *testing.T) {
			got, err := f.render()
			if err != nil {
				t.Fatal(err)
			}
			again, err := f.render()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, again) {
				t.Fatal("the same form rendered twice differs: the output is not deterministic")
			}
			if !bytes.HasPrefix(got, []byte("%PDF-")) {
				t.Fatalf("not a PDF: %q", got[:16])
			}
			golden := filepath.Join("testdata", f.name+".golden.pdf")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run FormsGolden -update ./internal/forms after checking the PDFs by eye)", err)
			}
			if !bytes.Equal(got, want) {
				out := filepath.Join(t.TempDir(), "got.pdf")
				os.WriteFile(out, got, 0o644)
				t.Errorf("%s differs from %s (%d bytes, want %d; got written to %s); if the change is intended, look at it and rerun with -update", f.name, golden, len(got), len(want), out)
			}
		})
	}
}

// pdftext is the text of a PDF, whitespace collapsed, as pdftotext reads
// it; the test is skipped without poppler-utils.
func pdftext(t *testing.T, pdf []byte, args ...string) string {
	t.Helper()
	return strings.Join(strings.Fields(rawtext(t, pdf, args...)), " ")
}

// rawtext is pdftotext's output as it is: pages end with a form feed.
func rawtext(t *testing.T, pdf []byte, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) not installed: text check skipped")
	}
	in := filepath.Join(t.TempDir(), "in.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, append(append([]string{"-enc", "UTF-8"}, args...), in, "-")...).Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func TestFormsText(t *testing.T) {
	for _, f := range forms() {
		t.Run(f.name, func(t *testing.T) {
			b, err := f.render()
			if err != nil {
				t.Fatal(err)
			}
			text := pdftext(t, b)
			for _, s := range f.want {
				if !strings.Contains(text, s) {
					t.Errorf("%q not in the text:\n%s", s, text)
				}
			}
		})
	}
}

func TestSupplementListsEveryItemNumbered(t *testing.T) {
	var many []string
	for i := range 45 {
		many = append(many, "Giấy tờ còn thiếu số "+string(rune('A'+i%26))+strings.Repeat("x", i%7)+" kèm theo giải thích vì sao cần thiết")
	}
	b, err := SupplementRequest(common(), many, "Thiếu nhiều giấy tờ.")
	if err != nil {
		t.Fatal(err)
	}
	text := pdftext(t, b, "-layout")
	for i, m := range many {
		if !strings.Contains(text, m) {
			t.Errorf("item %d %q missing", i+1, m)
		}
		if !regexp.MustCompile(`(^| )` + regexp.QuoteMeta(strconv.Itoa(i+1)+".") + ` `).MatchString(text) {
			t.Errorf("number %d. missing", i+1)
		}
	}
	// The list runs over pages; the signature block stays whole.
	pages := strings.Split(strings.TrimSuffix(rawtext(t, b), "\f"), "\f")
	if len(pages) < 2 {
		t.Fatalf("45 items on %d page", len(pages))
	}
	for i, p := range pages {
		if strings.Contains(p, "NGƯỜI HƯỚNG DẪN") != strings.Contains(p, "Trần Văn Bình") {
			t.Errorf("the signature block is split at page %d", i+1)
		}
	}
	if last := pages[len(pages)-1]; !strings.Contains(last, "NGƯỜI HƯỚNG DẪN") {
		t.Errorf("no signature on the last page: %s", last)
	}
}

func TestOutcome(t *testing.T) {
	deadline := at(2026, 5, 6, 17, 0)
	for _, tc := range []struct {
		done time.Time
		dl   time.Time
		want string
	}{
		{time.Time{}, deadline, "Đang giải quyết"},
		{at(2026, 5, 6, 9, 0), time.Time{}, ""},
		{at(2026, 5, 5, 16, 59), deadline, "Trước hạn"},
		{at(2026, 5, 6, 0, 0), deadline, "Đúng hạn"},
		{deadline, deadline, "Đúng hạn"},
		{at(2026, 5, 6, 17, 1), deadline, "Quá hạn"},
		{at(2026, 5, 7, 8, 0), deadline, "Quá hạn"},
		// The day is Vietnam's: 23:30 UTC on the 5th is the 6th in Hà Nội.
		{time.Date(2026, 5, 5, 23, 30, 0, 0, time.UTC), deadline, "Đúng hạn"},
	} {
		if got := outcome(Handover{Done: tc.done, Deadline: tc.dl}, ict); got != tc.want {
			t.Errorf("done %v, deadline %v: %q, want %q", tc.done, tc.dl, got, tc.want)
		}
	}
}

func TestDates(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{at(2026, 5, 6, 16, 0), "16 giờ 00 phút, ngày 06 tháng 5 năm 2026"},
		{at(2026, 2, 24, 8, 5), "08 giờ 05 phút, ngày 24 tháng 02 năm 2026"},
		{at(2026, 1, 1, 0, 0), "00 giờ 00 phút, ngày 01 tháng 01 năm 2026"},
		{at(2026, 12, 31, 23, 59), "23 giờ 59 phút, ngày 31 tháng 12 năm 2026"},
	} {
		if got := moment(tc.t); got != tc.want {
			t.Errorf("moment(%v) = %q, want %q", tc.t, got, tc.want)
		}
	}
	if got := short(at(2026, 5, 6, 16, 0)); got != "16 giờ 00 phút, ngày 06/05/2026" {
		t.Errorf("short: %q", got)
	}
}

func TestLocation(t *testing.T) {
	// Times are printed in c.Loc, Vietnam's time if nil.
	c := common()
	c.Loc = nil
	c.Date = time.Date(2026, 4, 23, 23, 0, 0, 0, time.UTC) // 06:00 on the 24th in Hà Nội
	b, err := Receipt(c, components, time.Date(2026, 4, 24, 2, 15, 0, 0, time.UTC), time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC), "", "")
	if err != nil {
		t.Fatal(err)
	}
	text := pdftext(t, b)
	for _, s := range []string{"Ba Đình, ngày 24 tháng 4 năm 2026", "09 giờ 15 phút, ngày 24 tháng 4 năm 2026", "16 giờ 00 phút, ngày 06 tháng 5 năm 2026"} {
		if !strings.Contains(text, s) {
			t.Errorf("%q not in %s", s, text)
		}
	}
}

func TestNFC(t *testing.T) {
	// Decomposed input (as typed on some systems) prints as composed text.
	c := common()
	c.Applicant.FullName = "Nguye\u0302\u0303n Thi\u0323 A\u0301nh Tuye\u0302\u0301t"
	b, err := Refusal(c, "Không thuộc thẩm quyền.")
	if err != nil {
		t.Fatal(err)
	}
	if text := pdftext(t, b); !strings.Contains(text, "Nguyễn Thị Ánh Tuyết") {
		t.Errorf("composed name not in %s", text)
	}
}

func TestInvalid(t *testing.T) {
	c := common()
	due := at(2026, 5, 6, 16, 0)
	noCode := c
	noCode.Code = ""
	noName := c
	noName.Applicant.FullName = " "
	noURL := c
	noURL.LookupURL = ""
	for name, f := range map[string]func() ([]byte, error){
		"no code":           func() ([]byte, error) { return Refusal(noCode, "x") },
		"no applicant":      func() ([]byte, error) { return StopNotice(noName, "x") },
		"no components":     func() ([]byte, error) { return Receipt(c, nil, c.Date, due, "", "") },
		"no lookup URL":     func() ([]byte, error) { return Receipt(noURL, components, c.Date, due, "", "") },
		"nothing missing":   func() ([]byte, error) { return SupplementRequest(c, []string{" ", ""}, "x") },
		"no refusal reason": func() ([]byte, error) { return Refusal(c, "  ") },
		"no stop reason":    func() ([]byte, error) { return StopNotice(c, "") },
		"no apology reason": func() ([]byte, error) { return Apology(c, due, due.AddDate(0, 0, 3), "") },
		"no new date":       func() ([]byte, error) { return Apology(c, due, time.Time{}, "x") },
	} {
		if _, err := f(); !errors.Is(err, ErrMissing) {
			t.Errorf("%s: %v, want ErrMissing", name, err)
		}
	}
	if _, err := Receipt(c, components, due, c.Date, "", ""); err == nil {
		t.Error("appointment before reception accepted")
	}
	if _, err := Apology(c, due, due.Add(-time.Hour), "x"); err == nil {
		t.Error("new date before the old one accepted")
	}
}
