package catalog

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestBlankFormGolden(t *testing.T) {
	d := Document{Code: "1.001193", NameVI: "Đăng ký khai sinh", Cases: []Case{{Code: "TH1", NameVI: "Đăng ký khai sinh đúng hạn", Form: []FormField{
		{Name: "child_name", LabelVI: "Họ, chữ đệm, tên của trẻ", Type: "text", Required: true},
		{Name: "child_birth", LabelVI: "Ngày, tháng, năm sinh", Type: "date", Required: true},
		{Name: "child_sex", LabelVI: "Giới tính", Type: "select", Options: []string{"Nam", "Nữ"}},
		{Name: "requester_id", LabelVI: "Số định danh cá nhân của người đi đăng ký", Type: "national_id", Required: true},
		{Name: "birth_place", LabelVI: "Nơi sinh (ghi rõ tên cơ sở y tế, xã/phường, tỉnh/thành phố trực thuộc trung ương)", Type: "textarea"},
		{Name: "copy", LabelVI: "Đề nghị cấp bản sao trích lục khai sinh", Type: "checkbox"},
	}}}}
	got, err := BlankForm(d, d.Cases[0], 3)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := BlankForm(d, d.Cases[0], 3)
	if !bytes.Equal(got, again) {
		t.Fatal("the same form rendered twice differs: the output is not deterministic")
	}
	if !bytes.HasPrefix(got, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", got[:16])
	}
	golden := filepath.Join("testdata", "blank-form.golden.pdf")
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run BlankFormGolden -update ./internal/catalog after checking the PDF by eye)", err)
	}
	if !bytes.Equal(got, want) {
		os.WriteFile(filepath.Join(t.TempDir(), "got.pdf"), got, 0o644)
		t.Errorf("blank form differs from %s (%d bytes, want %d); if the change is intended, look at it and rerun with -update", golden, len(got), len(want))
	}
}
