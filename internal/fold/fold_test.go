package fold

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/unicode/norm"
)

// vowels lists every Vietnamese vowel with each of the six tones (none,
// huyền, sắc, hỏi, ngã, nặng) against the ASCII letter it must fold to.
var vowels = []struct {
	base  string
	forms string
}{
	{"a", "aàáảãạ"},
	{"a", "ăằắẳẵặ"},
	{"a", "âầấẩẫậ"},
	{"e", "eèéẻẽẹ"},
	{"e", "êềếểễệ"},
	{"i", "iìíỉĩị"},
	{"o", "oòóỏõọ"},
	{"o", "ôồốổỗộ"},
	{"o", "ơờớởỡợ"},
	{"u", "uùúủũụ"},
	{"u", "ưừứửữự"},
	{"y", "yỳýỷỹỵ"},
}

func TestFoldEveryVowelAndTone(t *testing.T) {
	for _, v := range vowels {
		for _, r := range v.forms {
			for _, in := range []string{
				string(r),
				strings.ToUpper(string(r)),
				norm.NFD.String(string(r)),
				norm.NFD.String(strings.ToUpper(string(r))),
			} {
				if got := Fold(in); got != v.base {
					t.Errorf("Fold(%+q) = %q, want %q", in, got, v.base)
				}
			}
		}
	}
	for _, in := range []string{"đ", "Đ"} {
		if got := Fold(in); got != "d" {
			t.Errorf("Fold(%q) = %q, want d", in, got)
		}
	}
}

func TestFold(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		// The examples that must all meet in one search form.
		{"ĐĂNG KÝ KHAI SINH", "dang ky khai sinh"},
		{"Đăng ký khai sinh", "dang ky khai sinh"},
		{"dang ky khai sinh", "dang ky khai sinh"},
		{"  đăng-ký   KHAI sinh!", "dang ky khai sinh"},
		{norm.NFD.String("Đăng ký khai sinh"), "dang ky khai sinh"},

		{"", ""},
		{"   ", ""},
		{"!!! ... ---", ""},
		{"Phường Ba Đình", "phuong ba dinh"},
		{"Thành phố Hồ Chí Minh", "thanh pho ho chi minh"},
		{"TP. Hồ Chí Minh", "tp ho chi minh"},
		{"Phường Văn Miếu - Quốc Tử Giám", "phuong van mieu quoc tu giam"},
		{"Xã Ea H'Leo", "xa ea h leo"},
		{"Tỉnh Hoà Bình", "tinh hoa binh"}, // old-style tone placement
		{"Tỉnh Hòa Bình", "tinh hoa binh"}, // new-style tone placement
		{"Nguyễn Thị Ánh Tuyết", "nguyen thi anh tuyet"},
		{"Trương Vĩnh Ký", "truong vinh ky"},
		{"Quyết định 20/2020/QĐ-TTg", "quyet dinh 20 2020 qd ttg"},
		{"Nghị định số 118/2025/NĐ-CP", "nghi dinh so 118 2025 nd cp"},
		{"Giấy chứng nhận quyền sử dụng đất", "giay chung nhan quyen su dung dat"},
		{"Đặc khu Phú Quốc", "dac khu phu quoc"},
		{"ĐƯỜNG\tLÁNG\nĐỐNG ĐA", "duong lang dong da"},
		{"a\u00a0b\u2003c", "a b c"}, // no-break and em spaces
		{"ÐINH", "dinh"},             // Icelandic eth from a legacy encoding
		{"café ﬁ", "cafe"},           // the ligature is not decomposed by NFD
		{"Москва Hà Nội", "ha noi"},  // other scripts separate
		{"北京 Hà Nội", "ha noi"},
		{"a\u0301b", "ab"},     // a loose combining accent stays in its word
		{"\u0301\u0301a", "a"}, // and at the start vanishes
		{"x\xffy", "x y"},      // invalid UTF-8 separates
		{"hồ sơ: 000.00.12.H26-250312-0027", "ho so 000 00 12 h26 250312 0027"},
		{"\"dang ky\" OR * -khai", "dang ky or khai"},
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%+q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" - ", nil},
		{"Đăng ký  khai sinh", []string{"dang", "ky", "khai", "sinh"}},
		// FTS syntax never survives: quotes, operators, stars, columns.
		{`"ba đình" OR name:* NOT (x) NEAR/3 -y`, []string{"ba", "dinh", "or", "name", "not", "x", "near", "3", "y"}},
		{"ho ho", []string{"ho", "ho"}},
	}
	for _, tt := range tests {
		got := Words(tt.in)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Words(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestFoldAllocations(t *testing.T) {
	folded := "dang ky khai sinh"
	if n := testing.AllocsPerRun(100, func() { _ = Fold(folded) }); n != 0 {
		t.Errorf("Fold of folded text: %v allocations, want 0", n)
	}
	in := "  ĐĂNG KÝ khai sinh cho trẻ em — Ủy ban nhân dân Phường Ba Đình!"
	if n := testing.AllocsPerRun(100, func() { _ = Fold(in) }); n > 1 {
		t.Errorf("Fold: %v allocations, want at most 1", n)
	}
}

func checkFolded(t *testing.T, in, out string) {
	t.Helper()
	if len(out) > len(in) {
		t.Errorf("Fold(%+q) = %q is longer than its input", in, out)
	}
	if strings.HasPrefix(out, " ") || strings.HasSuffix(out, " ") || strings.Contains(out, "  ") {
		t.Errorf("Fold(%+q) = %q has stray spaces", in, out)
	}
	for i := 0; i < len(out); i++ {
		c := out[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == ' ') {
			t.Fatalf("Fold(%+q) = %q contains %q", in, out, c)
		}
	}
	if again := Fold(out); again != out {
		t.Errorf("Fold(Fold(%+q)) = %q, want %q", in, again, out)
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{
		"", " ", "ĐĂNG KÝ KHAI SINH", "  đăng-ký   KHAI sinh!", "a\u0301", "\u0301",
		"x\xffy", "ǅ ﬁ Ω 가", "000.00.12.H26", "Москва", "\t\n\r", "ÐðƉɖ",
	} {
		f.Add(s)
	}
	for _, v := range vowels {
		f.Add(v.forms)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Fold(in)
		checkFolded(t, in, out)
		// Normalisation form must not matter: the same text in NFC or NFD
		// is the same text.
		if utf8.ValidString(in) {
			if d := Fold(norm.NFD.String(in)); d != out {
				t.Errorf("Fold(NFD(%+q)) = %q, Fold = %q", in, d, out)
			}
			if c := Fold(norm.NFC.String(in)); c != out {
				t.Errorf("Fold(NFC(%+q)) = %q, Fold = %q", in, c, out)
			}
		}
		if got, want := strings.Join(Words(in), " "), out; got != want {
			t.Errorf("Words(%+q) joined = %q, want %q", in, got, want)
		}
	})
}

var sink string

func BenchmarkFold(b *testing.B) {
	inputs := map[string]string{
		"vietnamese": "Cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất lần đầu — Ủy ban nhân dân Phường Ba Đình, Thành phố Hà Nội",
		"ascii":      "Cap Giay chung nhan quyen su dung dat, quyen so huu nha o va tai san khac gan lien voi dat lan dau",
		"folded":     "cap giay chung nhan quyen su dung dat quyen so huu nha o va tai san khac gan lien voi dat lan dau",
	}
	for name, in := range inputs {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				sink = Fold(in)
			}
		})
	}
}
