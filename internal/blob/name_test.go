package blob

import (
	"mime"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/motcua/motcua/internal/errs"
)

func TestCheckName(t *testing.T) {
	long := strings.Repeat("ữ", MaxNameLen-4) + ".pdf" // 200 characters, 592 bytes
	for _, tc := range []struct {
		in, want string
		key      string // "" for success
	}{
		{"Giấy khai sinh.pdf", "Giấy khai sinh.pdf", ""},
		{norm.NFD.String("Đơn đề nghị cấp đổi.pdf"), "Đơn đề nghị cấp đổi.pdf", ""},
		{"  scan.pdf\u00a0", "scan.pdf", ""},
		{`C:\Users\An\Documents\scan.pdf`, "scan.pdf", ""},
		{"/home/an/scan.pdf", "scan.pdf", ""},
		{`mixed/dirs\and/name.png`, "name.png", ""},
		{"Hồ sơ..pdf", "Hồ sơ..pdf", ""},
		{"Báo cáo (bản 2) – 15% “cuối”.pdf", "Báo cáo (bản 2) – 15% “cuối”.pdf", ""},
		{".htaccess", ".htaccess", ""},
		{"报告.pdf", "报告.pdf", ""},
		{long, long, ""},

		{"", "", keyNameInvalid},
		{"   ", "", keyNameInvalid},
		{".", "", keyNameInvalid},
		{"..", "", keyNameInvalid},
		{". . .", "", keyNameInvalid},
		{"/", "", keyNameInvalid},
		{"dir/", "", keyNameInvalid},
		{`dir\`, "", keyNameInvalid},
		{"../../etc/passwd", "", keyNameInvalid},
		{`..\..\Windows\win.ini`, "", keyNameInvalid},
		{"a/../b.pdf", "", keyNameInvalid},
		{"a/ .. /b.pdf", "", keyNameInvalid},
		{"a\x00b.pdf", "", keyNameInvalid},
		{"a\nb.pdf", "", keyNameInvalid},
		{"a\rb.pdf", "", keyNameInvalid},
		{"a\tb.pdf", "", keyNameInvalid},
		{"a\x7fb.pdf", "", keyNameInvalid},
		{"a\u0085b.pdf", "", keyNameInvalid},
		{"invoice\u202egpj.exe", "", keyNameInvalid},
		{"\u200bscan.pdf", "", keyNameInvalid},
		{"a\u2028b.pdf", "", keyNameInvalid},
		{"\ue000.pdf", "", keyNameInvalid},
		{"\xff\xfe.pdf", "", keyNameInvalid},
		{"a\ufffdb.pdf", "", keyNameInvalid},
		{long + "x", "", keyNameTooLong},
	} {
		got, err := CheckName(tc.in)
		if tc.key == "" {
			if err != nil || got != tc.want {
				t.Errorf("CheckName(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
			continue
		}
		if err == nil {
			t.Errorf("CheckName(%q) = %q, want error %s", tc.in, got, tc.key)
			continue
		}
		if key, _ := errs.MessageKey(err); key != tc.key || !errs.Is(err, errs.Invalid) {
			t.Errorf("CheckName(%q): %v, want Invalid %s", tc.in, err, tc.key)
		}
	}
}

func FuzzCheckName(f *testing.F) {
	for _, s := range []string{"Giấy khai sinh.pdf", `C:\x\y.pdf`, "../../etc/passwd", "a\r\nb", "\u202e", "", ".", "a/..", strings.Repeat("a", 201)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		name, err := CheckName(in)
		if err != nil {
			if name != "" {
				t.Fatalf("CheckName(%q) returned %q with error %v", in, name, err)
			}
			if _, ok := errs.As(err); !ok || !errs.Is(err, errs.Invalid) {
				t.Fatalf("CheckName(%q): error %v is not Invalid", in, err)
			}
			return
		}
		switch {
		case strings.ContainsAny(name, `/\`):
			t.Fatalf("CheckName(%q) = %q: a path separator", in, name)
		case name == "" || strings.Trim(name, ". ") == "":
			t.Fatalf("CheckName(%q) = %q: empty or dots", in, name)
		case !utf8.ValidString(name) || !norm.NFC.IsNormalString(name):
			t.Fatalf("CheckName(%q) = %q: not NFC UTF-8", in, name)
		case utf8.RuneCountInString(name) > MaxNameLen:
			t.Fatalf("CheckName(%q): %d characters", in, utf8.RuneCountInString(name))
		case strings.IndexFunc(name, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) >= 0:
			t.Fatalf("CheckName(%q) = %q: a control or format character", in, name)
		}
		if again, err := CheckName(name); err != nil || again != name {
			t.Fatalf("CheckName is not idempotent: %q → %q → %q, %v", in, name, again, err)
		}
	})
}

func TestContentDisposition(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"scan.pdf", `attachment; filename="scan.pdf"; filename*=UTF-8''scan.pdf`},
		{"Giấy khai sinh.pdf", `attachment; filename="Giay khai sinh.pdf"; filename*=UTF-8''Gi%E1%BA%A5y%20khai%20sinh.pdf`},
		{"ĐƠN ĐỀ NGHỊ.pdf", `attachment; filename="DON DE NGHI.pdf"; filename*=UTF-8''%C4%90%C6%A0N%20%C4%90%E1%BB%80%20NGH%E1%BB%8A.pdf`},
		{`a"b%d.pdf`, `attachment; filename="a_b_d.pdf"; filename*=UTF-8''a%22b%25d.pdf`},
		{`dir\a"b.pdf`, `attachment; filename="a_b.pdf"; filename*=UTF-8''a%22b.pdf`},
		{"a;b=c, d.pdf", `attachment; filename="a;b=c, d.pdf"; filename*=UTF-8''a%3Bb%3Dc%2C%20d.pdf`},
		{"x.pdf\r\nSet-Cookie: s=1", `attachment; filename="x.pdfSet-Cookie: s=1"; filename*=UTF-8''x.pdfSet-Cookie%3A%20s%3D1`},
		{"../../etc/passwd", `attachment; filename="passwd"; filename*=UTF-8''passwd`},
		{"报告.pdf", `attachment; filename="__.pdf"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf`},
		{"", "attachment"},
		{"..", "attachment"},
		{"\r\n", "attachment"},
	} {
		if got := ContentDisposition(tc.in); got != tc.want {
			t.Errorf("ContentDisposition(%q) =\n  %s\nwant\n  %s", tc.in, got, tc.want)
		}
	}
}

func FuzzContentDisposition(f *testing.F) {
	for _, s := range []string{"Giấy khai sinh.pdf", "x\r\nSet-Cookie: a=b", `"quoted"`, "", "a/b\\c", "\u202e", "%41", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		cd := ContentDisposition(name)
		for i := 0; i < len(cd); i++ {
			if c := cd[i]; c < 0x20 || c > 0x7e {
				t.Fatalf("ContentDisposition(%q) has byte %#x: %q", name, c, cd)
			}
		}
		typ, params, err := mime.ParseMediaType(cd)
		if err != nil || typ != "attachment" {
			t.Fatalf("ContentDisposition(%q) = %q does not parse: %v", name, cd, err)
		}
		got := params["filename"]
		if strings.ContainsAny(got, "/\\\r\n\x00") {
			t.Fatalf("ContentDisposition(%q) offers %q", name, got)
		}
		if want := displayName(name); got != want {
			t.Fatalf("ContentDisposition(%q) offers %q, want %q", name, got, want)
		}
		if clean, err := CheckName(name); err == nil && got != clean {
			t.Fatalf("ContentDisposition(%q) offers %q, CheckName gives %q", name, got, clean)
		}
	})
}
