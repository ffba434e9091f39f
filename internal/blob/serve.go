package blob

import (
	"io"
	"net/http"
	"time"

	"github.com/motcua/motcua/internal/errs"
)

// Serve answers r with the blob sum as a download named name. The caller
// has already decided that the user may have it: Serve only serves bytes.
//
// The Content-Type is that of the content's kind, by [Sniff] (every
// accepted attachment was sniffed on the way in), or
// application/octet-stream; the browser is told not to sniff it itself, to
// download rather than display it ([ContentDisposition]) and, should it
// display it anyway, to run nothing from it (a sandbox CSP). The sum is a
// strong ETag, so conditional and range requests (PDF viewers, resumed
// downloads) work through [http.ServeContent].
//
// An error (a bad sum, a missing blob, a failing store) is returned before
// anything is written, for the edge to answer in the user's language.
func Serve(w http.ResponseWriter, r *http.Request, s Store, sum, name string) error {
	const op = "blob.Serve"
	rc, _, err := s.Open(r.Context(), sum)
	if err != nil {
		return errs.Wrap(op, err)
	}
	defer rc.Close()
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(rc, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return internal(op, err)
	}
	if _, err := rc.Seek(0, io.SeekStart); err != nil {
		return internal(op, err)
	}
	ctype := "application/octet-stream"
	if k, ok := Sniff(head[:n]); ok {
		ctype = k.MIME
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", ContentDisposition(name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-cache")
	h.Set("ETag", `"`+sum+`"`)
	http.ServeContent(w, r, "", time.Time{}, rc)
	return nil
}
