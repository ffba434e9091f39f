package blob_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/blob/blobtest"
	"github.com/motcua/motcua/internal/errs"
)

func TestServe(t *testing.T) {
	stores := map[string]func(t *testing.T) blob.Store{
		"disk": func(t *testing.T) blob.Store { d, _ := newDisk(t); return d },
		"s3":   func(t *testing.T) blob.Store { return newS3(t, newFakeS3(t), "") },
	}
	for backend, newStore := range stores {
		t.Run(backend, func(t *testing.T) {
			s := newStore(t)
			pdf := padded(pdfFile, 10_000)
			info, err := s.Put(t.Context(), bytes.NewReader(pdf), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			other, err := s.Put(t.Context(), bytes.NewReader(zipFile), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			serve := func(sum, name string, hdr http.Header) (*httptest.ResponseRecorder, error) {
				r := httptest.NewRequest("GET", "/files/x", nil)
				for k, v := range hdr {
					r.Header[k] = v
				}
				w := httptest.NewRecorder()
				return w, blob.Serve(w, r, s, sum, name)
			}

			w, err := serve(info.SHA256, "Giấy khai sinh.pdf", nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range map[string]string{
				"Content-Type":            "application/pdf",
				"Content-Disposition":     `attachment; filename="Giay khai sinh.pdf"; filename*=UTF-8''Gi%E1%BA%A5y%20khai%20sinh.pdf`,
				"X-Content-Type-Options":  "nosniff",
				"Content-Security-Policy": "default-src 'none'; sandbox",
				"Etag":                    `"` + info.SHA256 + `"`,
				"Content-Length":          "10000",
			} {
				if got := w.Header().Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), pdf) {
				t.Errorf("status %d, %d bytes, want 200 and the content", w.Code, w.Body.Len())
			}

			// A range, as PDF viewers ask for.
			w, err = serve(info.SHA256, "a.pdf", http.Header{"Range": {"bytes=100-199"}})
			if err != nil || w.Code != http.StatusPartialContent || !bytes.Equal(w.Body.Bytes(), pdf[100:200]) {
				t.Errorf("range: %v, status %d, %d bytes", err, w.Code, w.Body.Len())
			}
			// A revalidation.
			w, err = serve(info.SHA256, "a.pdf", http.Header{"If-None-Match": {`"` + info.SHA256 + `"`}})
			if err != nil || w.Code != http.StatusNotModified || w.Body.Len() != 0 {
				t.Errorf("If-None-Match: %v, status %d", err, w.Code)
			}
			// Content of no accepted kind is never served as what it looks like.
			w, err = serve(other.SHA256, "x.zip", nil)
			if err != nil || w.Header().Get("Content-Type") != "application/octet-stream" {
				t.Errorf("unknown kind: %v, Content-Type %q", err, w.Header().Get("Content-Type"))
			}

			// Errors come back before anything is written.
			for _, tc := range []struct {
				sum  string
				kind errs.Kind
			}{
				{blobtest.SumOf([]byte("absent")), errs.NotFound},
				{"../etc/passwd", errs.Invalid},
			} {
				w, err := serve(tc.sum, "a.pdf", nil)
				blobtest.IsErr(t, "Serve("+tc.sum+")", err, tc.kind, nil)
				if len(w.Header()) != 0 || w.Body.Len() != 0 {
					t.Errorf("Serve(%s) wrote %v %q", tc.sum, w.Header(), w.Body)
				}
			}
		})
	}
}
