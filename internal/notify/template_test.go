package notify

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/motcua/motcua/internal/errs"
)

func fullData() TemplateData {
	return TemplateData{
		Code:          "000.00.12.H26-260312-0027",
		ProcedureName: "Cấp giấy phép xây dựng đối với nhà ở riêng lẻ",
		AgencyName:    "Ủy ban nhân dân phường Ba Đình",
		DueDate:       time.Date(2026, 4, 15, 7, 30, 0, 0, time.UTC), // 14:30 in Việt Nam
		LookupURL:     "https://dvc.example.gov.vn/tra-cuu?ma=000.00.12.H26-260312-0027",
		Reason:        "Bản vẽ thiết kế chưa có chữ ký của chủ đầu tư",
		Items:         []string{"Bản sao Giấy chứng nhận quyền sử dụng đất", "Bản vẽ thiết kế\nmặt bằng"},
		Amount:        1500000,
	}
}

// noDiacritics catches common words typed without their marks.
var noDiacritics = regexp.MustCompile(`(?i)\b(ho so|thu tuc|co quan|khong|duoc|vui long|ngay|tiep nhan|ket qua|ly do|kinh gui|ong/ba)\b`)

func TestRenderEveryTopic(t *testing.T) {
	want := map[string][]string{
		TopicAccepted: {"Hồ sơ 000.00.12.H26-260312-0027 đã được tiếp nhận", "Ủy ban nhân dân phường Ba Đình đã tiếp nhận hồ sơ số 000.00.12.H26-260312-0027",
			"(thủ tục: Cấp giấy phép xây dựng đối với nhà ở riêng lẻ)", "Thời gian hẹn trả kết quả: 14 giờ 30, ngày 15/04/2026."},
		TopicSupplementRequested: {"cần bổ sung, hoàn thiện", "chưa đầy đủ, hợp lệ",
			"\n- Bản sao Giấy chứng nhận quyền sử dụng đất\n- Bản vẽ thiết kế mặt bằng\n", "Lý do: Bản vẽ thiết kế chưa có chữ ký của chủ đầu tư"},
		TopicPaymentRequested: {"đề nghị nộp phí, lệ phí", "Số tiền phải nộp: 1.500.000 đồng.", "Hạn nộp: 14 giờ 30, ngày 15/04/2026."},
		TopicExtended: {"hẹn lại ngày trả kết quả", "thành thật xin lỗi Ông/Bà", "Lý do: Bản vẽ thiết kế chưa có chữ ký của chủ đầu tư",
			"Thời gian hẹn trả kết quả mới: 14 giờ 30, ngày 15/04/2026."},
		TopicResultReady: {"Hồ sơ 000.00.12.H26-260312-0027 đã có kết quả", "đã có kết quả giải quyết", "Mời Ông/Bà nhận kết quả"},
		TopicRefused:     {"Hồ sơ 000.00.12.H26-260312-0027 bị từ chối", "thông báo từ chối hồ sơ số", "Lý do: Bản vẽ thiết kế chưa có chữ ký"},
		TopicWithdrawn:   {"Hồ sơ 000.00.12.H26-260312-0027 đã được rút", "đã được rút và dừng giải quyết"},
	}
	if len(want) != len(Topics()) {
		t.Fatalf("the test covers %d topics, Topics() has %d", len(want), len(Topics()))
	}
	for _, topic := range Topics() {
		t.Run(topic, func(t *testing.T) {
			subject, body, err := Render(topic, fullData())
			if err != nil {
				t.Fatal(err)
			}
			if err := Validate(Message{Channel: ChannelEmail, Recipient: "a@example.vn", Subject: subject, Body: body}); err != nil {
				t.Errorf("rendered message does not validate: %v", err)
			}
			text := subject + "\n" + body
			for _, s := range want[topic] {
				if !strings.Contains(text, s) {
					t.Errorf("missing %q in\n%s", s, text)
				}
			}
			if !strings.HasPrefix(body, "Kính gửi Ông/Bà,\n\n") || !strings.HasSuffix(body, "vui lòng không trả lời thư này.\n") {
				t.Errorf("body lacks the greeting or the footer:\n%s", body)
			}
			if !strings.Contains(body, "Tra cứu tình trạng hồ sơ tại: https://dvc.example.gov.vn/tra-cuu?ma=") {
				t.Errorf("body lacks the lookup link:\n%s", body)
			}
			for _, bad := range []string{"<no value>", "{{", "}}", "\n\n\n", " \n", "&#", "&lt;"} {
				if strings.Contains(text, bad) {
					t.Errorf("rendered text contains %q:\n%s", bad, text)
				}
			}
			if bare := noDiacritics.FindString(text); bare != "" {
				t.Errorf("Vietnamese without diacritics: %q", bare)
			}
			if !utf8.ValidString(text) || strings.ContainsAny(subject, "\r\n") || subject == "" {
				t.Errorf("subject %q", subject)
			}

			// The minimum each topic needs is enough.
			least := TemplateData{Code: "X-1", DueDate: fullData().DueDate, Reason: "r", Items: []string{"i"}, Amount: 1000}
			switch topic {
			case TopicResultReady, TopicWithdrawn, TopicRefused, TopicSupplementRequested, TopicPaymentRequested:
				least.DueDate = time.Time{}
			}
			_, body, err = Render(topic, least)
			if err != nil {
				t.Fatalf("minimal data: %v", err)
			}
			usesAgency := topic != TopicResultReady && topic != TopicWithdrawn
			if strings.Contains(body, "Tra cứu") || strings.Contains(body, "thủ tục:") ||
				usesAgency != strings.Contains(body, "Cơ quan giải quyết") {
				t.Errorf("minimal body:\n%s", body)
			}
		})
	}
}

func TestRenderAcceptedExactly(t *testing.T) {
	d := fullData()
	d.DueDate = time.Date(2026, 3, 16, 17, 0, 0, 0, time.UTC) // midnight of 17/03 in Việt Nam
	d.AgencyName = ""
	subject, body, err := Render(TopicAccepted, d)
	if err != nil {
		t.Fatal(err)
	}
	if subject != "Hồ sơ 000.00.12.H26-260312-0027 đã được tiếp nhận" {
		t.Errorf("subject = %q", subject)
	}
	want := `Kính gửi Ông/Bà,

Cơ quan giải quyết đã tiếp nhận hồ sơ số 000.00.12.H26-260312-0027 (thủ tục: Cấp giấy phép xây dựng đối với nhà ở riêng lẻ) của Ông/Bà.

Thời gian hẹn trả kết quả: ngày 17/03/2026.

Tra cứu tình trạng hồ sơ tại: https://dvc.example.gov.vn/tra-cuu?ma=000.00.12.H26-260312-0027

Đây là thư được gửi tự động từ hệ thống dịch vụ công, vui lòng không trả lời thư này.
`
	if body != want {
		t.Errorf("body =\n%s\nwant\n%s", body, want)
	}
}

func TestRenderRefusesIncompleteData(t *testing.T) {
	for _, tc := range []struct {
		topic, field string
		mutate       func(*TemplateData)
	}{
		{TopicAccepted, "code", func(d *TemplateData) { d.Code = " " }},
		{TopicAccepted, "due_date", func(d *TemplateData) { d.DueDate = time.Time{} }},
		{TopicSupplementRequested, "items", func(d *TemplateData) { d.Items = nil }},
		{TopicPaymentRequested, "amount", func(d *TemplateData) { d.Amount = 0 }},
		{TopicExtended, "due_date", func(d *TemplateData) { d.DueDate = time.Time{} }},
		{TopicExtended, "reason", func(d *TemplateData) { d.Reason = "" }},
		{TopicRefused, "reason", func(d *TemplateData) { d.Reason = "\n" }},
		{"approved", "topic", func(*TemplateData) {}},
	} {
		d := fullData()
		tc.mutate(&d)
		_, _, err := Render(tc.topic, d)
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.Invalid {
			t.Errorf("Render(%s) without %s = %v, want Invalid", tc.topic, tc.field, err)
			continue
		}
		if _, ok := e.Fields[tc.field]; !ok {
			t.Errorf("Render(%s) = %v, want a problem with %s", tc.topic, err, tc.field)
		}
	}
}

func TestRenderKeepsSubjectOnOneLine(t *testing.T) {
	d := fullData()
	d.Code = "X-1\r\nBcc: victim@example.org"
	subject, _, err := Render(TopicRefused, d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(subject, "\r\n") {
		t.Errorf("subject = %q", subject)
	}
}

// Every template file defines a subject and a body for a known topic, and
// every topic has both: a template cannot be forgotten or left unused.
func TestTemplateFilesMatchTopics(t *testing.T) {
	files, err := fs.Glob(templateFS, "templates/*.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	var topics []string
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".tmpl")
		if !strings.HasPrefix(name, "_") {
			topics = append(topics, name)
		}
	}
	slices.Sort(topics)
	known := slices.Sorted(slices.Values(Topics()))
	if !slices.Equal(topics, known) {
		t.Errorf("template files %v, topics %v", topics, known)
	}
	for _, tp := range templates.Templates() {
		name := tp.Name()
		if topic, part, ok := strings.Cut(name, "."); ok && part != "tmpl" {
			if !slices.Contains(known, topic) || (part != "subject" && part != "body") {
				t.Errorf("template %q belongs to no topic", name)
			}
		}
	}
	for _, topic := range known {
		for _, part := range []string{"subject", "body"} {
			if templates.Lookup(topic+"."+part) == nil {
				t.Errorf("no template %s.%s", topic, part)
			}
		}
	}
}

func TestFormatting(t *testing.T) {
	for n, want := range map[int64]string{0: "0 đồng", 999: "999 đồng", 1000: "1.000 đồng", 1500000: "1.500.000 đồng",
		-25000: "-25.000 đồng", 123456789: "123.456.789 đồng"} {
		if got := vnd(n); got != want {
			t.Errorf("vnd(%d) = %q, want %q", n, got, want)
		}
	}
	for in, want := range map[time.Time]string{
		time.Date(2026, 4, 14, 17, 0, 0, 0, time.UTC):  "ngày 15/04/2026",
		time.Date(2026, 4, 15, 0, 0, 0, 0, vietnam):    "ngày 15/04/2026",
		time.Date(2026, 4, 15, 9, 5, 0, 0, time.UTC):   "16 giờ 05, ngày 15/04/2026",
		time.Date(2026, 12, 31, 20, 0, 0, 0, time.UTC): "03 giờ 00, ngày 01/01/2027",
	} {
		if got := when(in); got != want {
			t.Errorf("when(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestExpBackoff(t *testing.T) {
	b := ExpBackoff(time.Minute, time.Hour)
	for attempt := 1; attempt <= 100; attempt++ {
		full := time.Hour
		if attempt <= 6 {
			full = time.Minute << (attempt - 1) // 1, 2, 4, …, 32 minutes
		}
		seen := map[time.Duration]bool{}
		for range 20 {
			d := b(attempt)
			if d < full/2 || d > full {
				t.Fatalf("attempt %d: %v, want within [%v, %v]", attempt, d, full/2, full)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Errorf("attempt %d: no jitter (%v)", attempt, seen)
		}
	}
}

func TestPermanent(t *testing.T) {
	base := errs.E("x", errs.Internal, "k")
	p := Permanent(base)
	if !IsPermanent(p) || !strings.Contains(p.Error(), "x") {
		t.Errorf("Permanent(%v) = %v", base, p)
	}
	if _, ok := errs.As(p); !ok {
		t.Error("Permanent hides the wrapped error")
	}
	if IsPermanent(base) || Permanent(nil) != nil || Permanent(p) != p {
		t.Error("Permanent misbehaves")
	}
}
