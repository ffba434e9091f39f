package blob

import (
	"bytes"
	"mime"
	"net/http"
	"strings"
)

// Kind is a type of file the platform accepts.
type Kind struct {
	MIME  string // the Content-Type it is served with
	Ext   string // the canonical extension, with its dot
	Label string // what users call it, in messages: "PDF"
}

// The accepted kinds.
var (
	PDF  = Kind{MIME: "application/pdf", Ext: ".pdf", Label: "PDF"}
	JPEG = Kind{MIME: "image/jpeg", Ext: ".jpg", Label: "JPEG"}
	PNG  = Kind{MIME: "image/png", Ext: ".png", Label: "PNG"}
)

// Kinds lists every kind [Sniff] recognises.
var Kinds = []Kind{PDF, JPEG, PNG}

// SniffLen is how many leading bytes [Sniff] needs at most.
const SniffLen = 512

var (
	pdfMagic  = []byte("%PDF-")
	jpegMagic = []byte{0xFF, 0xD8, 0xFF}
	pngMagic  = []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}
	pngIHDR   = []byte{0, 0, 0, 13, 'I', 'H', 'D', 'R'}
)

// Sniff recognises a file's kind from its first bytes (at least the first
// [SniffLen], or the whole file if shorter), by the signatures the formats
// define, at offset 0:
//
//   - PDF: "%PDF-" followed by a version digit. Readers tolerate junk
//     before the header; Sniff does not, because a file that starts as
//     something else (HTML, a script, an archive) is a polyglot.
//   - JPEG: FF D8 FF (start of image, then a marker).
//   - PNG: the eight-byte signature followed by the IHDR chunk, which the
//     format requires to come first.
//
// The name and the declared MIME type play no part, and neither does
// [http.DetectContentType], whose table is made for browsers.
func Sniff(head []byte) (Kind, bool) {
	switch {
	case bytes.HasPrefix(head, pdfMagic) && len(head) > len(pdfMagic) && '1' <= head[len(pdfMagic)] && head[len(pdfMagic)] <= '9':
		return PDF, true
	case bytes.HasPrefix(head, jpegMagic) && len(head) > len(jpegMagic):
		return JPEG, true
	case bytes.HasPrefix(head, pngMagic) && bytes.HasPrefix(head[len(pngMagic):], pngIHDR):
		return PNG, true
	}
	return Kind{}, false
}

// describe names what an unaccepted file looks like, for the message that
// rejects it: "application/zip", "text/html".
func describe(head []byte) string {
	t, _, err := mime.ParseMediaType(http.DetectContentType(head))
	if err != nil {
		return "application/octet-stream"
	}
	return t
}

// kindByExt maps a lower-case extension to the kind it claims.
func kindByExt(ext string) (Kind, bool) {
	switch ext {
	case ".pdf":
		return PDF, true
	case ".jpg", ".jpeg", ".jpe", ".jfif":
		return JPEG, true
	case ".png":
		return PNG, true
	}
	return Kind{}, false
}

// kindByMIME maps a declared Content-Type, with the aliases clients send,
// to the kind it claims. ok is false for a type no kind answers to.
func kindByMIME(t string) (Kind, bool) {
	switch t {
	case "application/pdf", "application/x-pdf", "application/acrobat":
		return PDF, true
	case "image/jpeg", "image/jpg", "image/pjpeg":
		return JPEG, true
	case "image/png", "image/x-png":
		return PNG, true
	}
	return Kind{}, false
}

// undeclared reports whether a declared Content-Type says nothing: clients
// send these for any file they do not know.
func undeclared(t string) bool {
	switch t {
	case "", "application/octet-stream", "binary/octet-stream", "application/unknown", "application/force-download":
		return true
	}
	return false
}

func labels(kinds []Kind) string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = k.Label
	}
	return strings.Join(s, ", ")
}
