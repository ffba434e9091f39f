package blob

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"slices"
	"testing"
)

func encodedImages(t testing.TB) (pngBytes, jpegBytes []byte) {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var p, j bytes.Buffer
	if err := png.Encode(&p, img); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&j, img, nil); err != nil {
		t.Fatal(err)
	}
	return p.Bytes(), j.Bytes()
}

const minimalPDF = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"

func TestSniff(t *testing.T) {
	pngBytes, jpegBytes := encodedImages(t)
	pngSig := "\x89PNG\r\n\x1a\n"
	for _, tc := range []struct {
		name string
		head string
		want Kind
		ok   bool
	}{
		{"pdf", minimalPDF, PDF, true},
		{"pdf 2.0", "%PDF-2.0\n", PDF, true},
		{"png from image/png", string(pngBytes), PNG, true},
		{"jpeg from image/jpeg", string(jpegBytes), JPEG, true},
		{"jpeg exif", "\xff\xd8\xff\xe1\x00\x10Exif", JPEG, true},
		{"png header only", pngSig + "\x00\x00\x00\x0dIHDR", PNG, true},

		{"empty", "", Kind{}, false},
		{"pdf header without version", "%PDF-", Kind{}, false},
		{"pdf with junk before", "junk\n" + minimalPDF, Kind{}, false},
		{"pdf after a BOM", "\xef\xbb\xbf" + minimalPDF, Kind{}, false},
		{"pdf after a space", " " + minimalPDF, Kind{}, false},
		{"pdf after digits", "99999999" + minimalPDF, Kind{}, false},
		{"jpeg after junk", "junk\xff\xd8\xff\xe0", Kind{}, false},
		{"png after junk", "junk" + pngSig + "\x00\x00\x00\x0dIHDR", Kind{}, false},
		{"html pretending", "<html><body>%PDF-1.4</body></html>", Kind{}, false},
		{"pdf lower case", "%pdf-1.4", Kind{}, false},
		{"jpeg magic only", "\xff\xd8\xff", Kind{}, false},
		{"jpeg truncated", "\xff\xd8", Kind{}, false},
		{"png signature only", pngSig, Kind{}, false},
		{"png without IHDR first", pngSig + "\x00\x00\x00\x0dtEXt", Kind{}, false},
		{"gif", "GIF89a\x01\x00\x01\x00", Kind{}, false},
		{"zip (docx)", "PK\x03\x04\x14\x00\x06\x00", Kind{}, false},
		{"exe", "MZ\x90\x00\x03\x00\x00\x00", Kind{}, false},
		{"svg", `<svg xmlns="http://www.w3.org/2000/svg"/>`, Kind{}, false},
		{"text", "Giấy khai sinh", Kind{}, false},
	} {
		got, ok := Sniff([]byte(tc.head))
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: Sniff = %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
		// Where the standard library recognises a kind too, it agrees.
		if ok {
			if dct := http.DetectContentType([]byte(tc.head)); dct != got.MIME {
				t.Logf("%s: DetectContentType says %s", tc.name, dct)
			}
		}
	}
	// What http.DetectContentType alone would let through, Sniff refuses.
	junk := []byte("\x00\x01binary junk then %PDF-1.4")
	if _, ok := Sniff(junk); ok {
		t.Error("Sniff accepted junk containing %PDF-")
	}
}

func TestDescribe(t *testing.T) {
	for head, want := range map[string]string{
		"PK\x03\x04\x14\x00\x06\x00": "application/zip",
		"<html><body>":               "text/html",
		"Giấy khai sinh":             "text/plain",
		"GIF89a":                     "image/gif",
		"\x00\x01\x02":               "application/octet-stream",
	} {
		if got := describe([]byte(head)); got != want {
			t.Errorf("describe(%q) = %q, want %q", head, got, want)
		}
	}
}

func FuzzSniff(f *testing.F) {
	pngBytes, jpegBytes := encodedImages(f)
	for _, s := range [][]byte{[]byte(minimalPDF), pngBytes, jpegBytes, nil, []byte("%PDF-"), {0xff, 0xd8, 0xff}, []byte("GIF89a")} {
		f.Add(s)
	}
	magic := map[Kind][]byte{PDF: pdfMagic, JPEG: jpegMagic, PNG: pngMagic}
	f.Fuzz(func(t *testing.T, head []byte) {
		k, ok := Sniff(head)
		if !ok {
			if k != (Kind{}) {
				t.Fatalf("Sniff = %v, false", k)
			}
			return
		}
		if !slices.Contains(Kinds, k) {
			t.Fatalf("Sniff returned unknown kind %v", k)
		}
		if !bytes.HasPrefix(head, magic[k]) {
			t.Fatalf("Sniff says %s for %q", k.Label, head[:min(len(head), 16)])
		}
		// More bytes never change the verdict once the signature is in.
		if k2, ok2 := Sniff(append(slices.Clip(head), "trailing"...)); k2 != k || !ok2 {
			t.Fatalf("appending bytes changed %v to %v, %v", k, k2, ok2)
		}
	})
}
