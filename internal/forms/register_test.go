package forms

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestRegisterBookGolden(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, vietnam)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	b := Book{
		Agency: Agency{Name: "Trung tâm Phục vụ hành chính công phường Ba Đình", ParentName: "Ủy ban nhân dân phường Ba Đình"},
		Year:   2026, Date: at("2026-12-31 16:00"),
		Entries: []BookEntry{
			{No: 1, Code: "000.01.50.H26-260105-0001", Procedure: "Đăng ký khai sinh", Sets: 1, Applicant: "Nguyễn Văn An",
				Contact: "12 Phố Đội Cấn, Ba Đình; 0912 345 678", Processing: "UBND phường Ba Đình", Received: at("2026-01-05 08:30"),
				Due: at("2026-01-06 08:30"), Forwarded: at("2026-01-05 08:45"), ResultIn: at("2026-01-05 15:10"), Returned: at("2026-01-06 09:00")},
			{No: 2, Code: "000.01.50.H26-260105-0002", Procedure: "Đăng ký lại khai sinh", Sets: 1, Applicant: "Trần Thị Bình",
				Contact: "Phường Ba Đình", Processing: "UBND phường Ba Đình", Received: at("2026-01-05 16:20"), Due: at("2026-01-13 08:00"),
				Note: "Đã gia hạn, có văn bản xin lỗi"},
		},
	}
	got, err := RegisterBook(b)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "07-register-book.golden.pdf")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run RegisterBookGolden -update ./internal/forms after checking the PDF by eye)", err)
	}
	if !bytes.Equal(got, want) {
		out := filepath.Join(t.TempDir(), "got.pdf")
		os.WriteFile(out, got, 0o644)
		t.Errorf("the register book differs from %s (written to %s); if intended, look at it and rerun with -update", golden, out)
	}
	if _, err := RegisterBook(Book{Year: 2026, Date: b.Date}); !errors.Is(err, ErrMissing) {
		t.Errorf("without an agency: %v", err)
	}
}
