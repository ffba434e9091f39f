package blob_test

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/blob/blobtest"
	"github.com/motcua/motcua/internal/errs"
)

var (
	pdfFile  = []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	pngFile  = encode(png.Encode)
	jpegFile = encode(func(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, nil) })
	zipFile  = []byte("PK\x03\x04\x14\x00\x06\x00\x08\x00word/document.xml")
	htmlFile = []byte("<!DOCTYPE html><html><script>alert(1)</script>%PDF-1.7")
)

func encode(enc func(io.Writer, image.Image) error) []byte {
	var b bytes.Buffer
	if err := enc(&b, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// padded is content of kind head, n bytes long.
func padded(head []byte, n int) []byte {
	return append(slices.Clip(head), bytes.Repeat([]byte{' '}, n-len(head))...)
}

// countingReader records whether anything was read.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestAccept(t *testing.T) {
	const mbyte = 1 << 20
	policy := blob.Policy{MaxFile: 2 * mbyte, MaxDossier: 5 * mbyte}
	type want struct {
		name string
		kind blob.Kind
	}
	for _, tc := range []struct {
		desc    string
		policy  *blob.Policy
		name    string
		mime    string
		content []byte
		used    int64
		want    want
		key     string // the error's message key, "" for success
		args    []any
	}{
		{desc: "pdf", name: "Tờ khai.pdf", mime: "application/pdf", content: pdfFile, want: want{"Tờ khai.pdf", blob.PDF}},
		{desc: "png", name: "ảnh.png", mime: "image/png", content: pngFile, want: want{"ảnh.png", blob.PNG}},
		{desc: "jpeg upper-case .JPG", name: "CCCD.JPG", mime: "image/jpeg", content: jpegFile, want: want{"CCCD.JPG", blob.JPEG}},
		{desc: "jpeg .jpeg, image/pjpeg", name: "cccd.jpeg", mime: "image/pjpeg", content: jpegFile, want: want{"cccd.jpeg", blob.JPEG}},
		{desc: "undeclared type", name: "scan.pdf", mime: "application/octet-stream", content: pdfFile, want: want{"scan.pdf", blob.PDF}},
		{desc: "type with parameters", name: "scan.pdf", mime: "application/pdf; name=scan.pdf", content: pdfFile, want: want{"scan.pdf", blob.PDF}},
		{desc: "no extension gets one", name: "scan", content: pngFile, want: want{"scan.png", blob.PNG}},
		{desc: "dots that are no extension", name: "QĐ số 12.2025", content: pdfFile, want: want{"QĐ số 12.2025.pdf", blob.PDF}},
		{desc: "directories dropped", name: `C:\Users\An\scan.pdf`, content: pdfFile, want: want{"scan.pdf", blob.PDF}},
		{desc: "exactly the file limit", name: "big.pdf", content: padded(pdfFile, 2*mbyte), want: want{"big.pdf", blob.PDF}},
		{desc: "exactly the dossier limit", name: "last.pdf", content: padded(pdfFile, mbyte), used: 4 * mbyte, want: want{"last.pdf", blob.PDF}},

		{desc: "path-like name", name: "../../etc/passwd", content: pdfFile, key: "blob.name_invalid"},
		{desc: "name with a newline", name: "a\nb.pdf", content: pdfFile, key: "blob.name_invalid"},
		{desc: "name too long", name: strings.Repeat("a", 201) + ".pdf", content: pdfFile, key: "blob.name_too_long", args: []any{200}},
		{desc: "empty", name: "empty.pdf", content: nil, key: "blob.empty"},
		{desc: "zip", name: "hồ sơ.docx", content: zipFile, key: "blob.type_forbidden", args: []any{"application/zip", "PDF, JPEG, PNG"}},
		{desc: "html named pdf", name: "scan.pdf", mime: "application/pdf", content: htmlFile, key: "blob.type_forbidden", args: []any{"text/html", "PDF, JPEG, PNG"}},
		{desc: "png named pdf", name: "scan.pdf", content: pngFile, key: "blob.type_mismatch", args: []any{"PDF", "PNG"}},
		{desc: "pdf named jpg", name: "anh.jpg", mime: "image/jpeg", content: pdfFile, key: "blob.type_mismatch", args: []any{"JPEG", "PDF"}},
		{desc: "pdf named exe", name: "setup.exe", content: pdfFile, key: "blob.type_mismatch", args: []any{"EXE", "PDF"}},
		{desc: "declared type lies", name: "scan.pdf", mime: "image/png", content: pdfFile, key: "blob.type_mismatch", args: []any{"PNG", "PDF"}},
		{desc: "declared unknown type", name: "scan", mime: "text/html", content: pdfFile, key: "blob.type_mismatch", args: []any{"text/html", "PDF"}},
		{desc: "over the file limit", name: "big.pdf", content: padded(pdfFile, 2*mbyte+1), key: "blob.too_large", args: []any{int64(2)}},
		{desc: "over the dossier limit", name: "more.pdf", content: padded(pdfFile, mbyte+1), used: 4 * mbyte, key: "blob.dossier_full", args: []any{int64(5)}},
		{desc: "dossier already full", name: "more.pdf", content: pdfFile, used: 5 * mbyte, key: "blob.dossier_full", args: []any{int64(5)}},
		{desc: "kind not in the policy", policy: &blob.Policy{MaxFile: mbyte, Kinds: []blob.Kind{blob.PDF}}, name: "a.png", content: pngFile, key: "blob.type_forbidden", args: []any{"PNG", "PDF"}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			d, dir := newDisk(t)
			p := policy
			if tc.policy != nil {
				p = *tc.policy
			}
			body := &countingReader{r: bytes.NewReader(tc.content)}
			att, err := p.Accept(t.Context(), d, blob.Upload{Name: tc.name, MIME: tc.mime, Body: body}, tc.used)
			stored := files(t, dir)
			if tc.key == "" {
				if err != nil {
					t.Fatalf("Accept: %v", err)
				}
				wantAtt := blob.Attachment{Name: tc.want.name, Kind: tc.want.kind, SHA256: blobtest.SumOf(tc.content), Size: int64(len(tc.content))}
				if att != wantAtt {
					t.Errorf("Accept = %+v, want %+v", att, wantAtt)
				}
				if len(stored) != 1 || filepath.Base(stored[0]) != att.SHA256 {
					t.Errorf("stored %q", stored)
				}
				return
			}
			blobtest.IsErr(t, "Accept", err, errs.Invalid, nil)
			if key, args := errs.MessageKey(err); key != tc.key || fmt.Sprint(args) != fmt.Sprint(tc.args) {
				t.Errorf("Accept: %v; message %s %v, want %s %v", err, key, args, tc.key, tc.args)
			}
			if len(stored) != 0 {
				t.Errorf("a refused file left %q", stored)
			}
			if strings.HasPrefix(tc.key, "blob.name") && body.n != 0 {
				t.Errorf("%d bytes read before refusing the name", body.n)
			}
		})
	}
}

func TestAcceptBadPolicy(t *testing.T) {
	d, _ := newDisk(t)
	_, err := blob.Policy{}.Accept(t.Context(), d, blob.Upload{Name: "a.pdf", Body: bytes.NewReader(pdfFile)}, 0)
	blobtest.IsErr(t, "Accept with no MaxFile", err, errs.Internal, nil)
}
