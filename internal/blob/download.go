package blob

import (
	"net/http"
	"strconv"
	"strings"
)

// XLSXType is the media type of an Excel workbook.
const XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// FormatType is the media type of a generated download's format, "xlsx"
// or "pdf".
func FormatType(format string) string {
	switch format {
	case "xlsx":
		return XLSXType
	case "pdf":
		return PDF.MIME
	}
	return ""
}

// ServeGenerated answers with a generated document (an export, a report) to
// download as name (see FileName). The figures in it are the user's to
// see and change with the data, so nothing keeps a copy.
func ServeGenerated(w http.ResponseWriter, name, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(body)
}

// FileName joins the non-empty parts of a download's name with dashes,
// keeping only ASCII letters, digits, dots, underscores and dashes: the
// parts come from requests (agency codes, periods) and end up in a header.
func FileName(parts ...string) string {
	var kept []string
	for _, part := range parts {
		var b strings.Builder
		for _, c := range part {
			if c < 128 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
				b.WriteRune(c)
			}
		}
		if x := strings.Trim(b.String(), ".-_"); x != "" {
			kept = append(kept, x)
		}
	}
	return strings.Join(kept, "-")
}
