// Package blob stores the bytes of dossier attachments and generated
// documents, content-addressed by SHA-256.
//
// A blob's key is the lower-case hexadecimal SHA-256 of its content, so the
// same file uploaded twice is stored once, a key names exactly one content
// for ever, and the database row that refers to a blob also proves its
// integrity. Two backends implement [Store]: [Disk] (a directory opened as
// an [os.Root], the default, for one-binary deployments) and [S3] (any
// S3-compatible object store, for a province running several copies of the
// server). Both lay blobs out alike, under ab/cd/abcd…, so a directory and a
// bucket can be copied into each other.
//
// The package never decides who may read a blob: the dossier service
// authorises, then hands the sum to [Serve]. It also never builds a path
// or an object key from anything but a validated sum; display names
// ([CheckName]) only ever reach a Content-Disposition header
// ([ContentDisposition]).
//
// Checking an attachment ([Policy.Accept]) is separate from storing it:
// [Sniff] recognises PDF, JPEG and PNG by their magic bytes, whatever the
// file name or the declared MIME type claim.
package blob

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/motcua/motcua/internal/errs"
)

// Store is what the platform needs from a blob store. Keys ("sums") are
// lower-case hex SHA-256 of the content; every method rejects any other
// string with an Invalid error wrapping [ErrBadSum] before touching storage.
//
// Every method returns *errs.Error: Invalid for a bad sum or a blob over
// the limit, NotFound for a missing blob, Internal for everything else.
type Store interface {
	// Put reads r to the end, hashing it while it streams to a temporary
	// object, and publishes it atomically under its sum: a blob is visible
	// under its sum only once complete and durable. More than limit bytes
	// is an Invalid error wrapping [ErrTooLarge] (key blob.too_large), and
	// nothing is left behind. Putting content that is already stored is
	// cheap and returns the same Info. limit must be positive.
	Put(ctx context.Context, r io.Reader, limit int64) (Info, error)

	// Open returns the blob's content for reading and seeking (for HTTP
	// range requests). The caller closes it.
	Open(ctx context.Context, sum string) (io.ReadSeekCloser, Info, error)

	// Stat reports the blob's size without reading it.
	Stat(ctx context.Context, sum string) (Info, error)

	// Delete removes the blob; deleting a missing blob is not an error.
	// Content is shared by every row that refers to it, so only
	// housekeeping that has proved a blob unreferenced may delete it.
	Delete(ctx context.Context, sum string) error
}

var (
	_ Store = (*Disk)(nil)
	_ Store = (*S3)(nil)
)

// Info describes a stored blob.
type Info struct {
	SHA256 string // lower-case hex, 64 characters
	Size   int64  // bytes
}

// Sentinel causes, for errors.Is. The errors the package returns are
// *errs.Error values wrapping them.
var (
	ErrNotFound = errors.New("blob: not found")
	ErrTooLarge = errors.New("blob: too large")
	ErrBadSum   = errors.New("blob: not a lower-case hex SHA-256")
)

// Message keys of the locale catalogue.
const (
	keyNotFound     = "blob.not_found"
	keyTooLarge     = "blob.too_large"      // args: limit in MB
	keyDossierFull  = "blob.dossier_full"   // args: dossier limit in MB
	keyBadSum       = "blob.sum_invalid"    //
	keyEmpty        = "blob.empty"          //
	keyForbidden    = "blob.type_forbidden" // args: what it is, what is allowed
	keyMismatch     = "blob.type_mismatch"  // args: declared type, actual type
	keyNameInvalid  = "blob.name_invalid"   //
	keyNameTooLong  = "blob.name_too_long"  // args: maximum characters
	sumLen          = 2 * sha256.Size
	mb              = 1 << 20
	copyBufferBytes = 64 << 10
)

// ValidSum reports whether s is a lower-case hex SHA-256: exactly 64 of
// [0-9a-f]. Nothing else ever becomes part of a path or an object key.
func ValidSum(s string) bool {
	if len(s) != sumLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// relPath is the slash-separated location of a blob below a store's root:
// ab/cd/abcd…. It must only be called with a valid sum.
func relPath(sum string) string {
	return sum[0:2] + "/" + sum[2:4] + "/" + sum
}

func checkSum(op, sum string) error {
	if ValidSum(sum) {
		return nil
	}
	return &errs.Error{Op: op, Kind: errs.Invalid, Msg: errs.Msg{Key: keyBadSum},
		Err: fmt.Errorf("%w: %q", ErrBadSum, truncate(sum, 80))}
}

func notFound(op, sum string) error {
	return &errs.Error{Op: op, Kind: errs.NotFound, Msg: errs.Msg{Key: keyNotFound},
		Err: fmt.Errorf("%w: %s", ErrNotFound, sum)}
}

func tooLarge(op string, limit int64) error {
	return &errs.Error{Op: op, Kind: errs.Invalid, Msg: errs.Msg{Key: keyTooLarge, Args: []any{megabytes(limit)}},
		Err: fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)}
}

func internal(op string, err error) error {
	if err == nil {
		return nil
	}
	return &errs.Error{Op: op, Kind: errs.Internal, Err: err}
}

func checkLimit(op string, limit int64) error {
	if limit <= 0 {
		return internal(op, fmt.Errorf("limit %d: must be positive", limit))
	}
	return nil
}

// megabytes is a limit as the whole number of MB shown to users, rounded
// up so that a message never understates what was allowed. Limits are
// configured in whole MB, where this is exact.
func megabytes(n int64) int64 { return (n + mb - 1) / mb }

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// spool copies at most limit+1 bytes of r into w, hashing them. It reports
// whether r held more than limit bytes; ctx is checked between reads.
func spool(ctx context.Context, w io.Writer, r io.Reader, limit int64) (sum string, n int64, over bool, err error) {
	h := sha256.New()
	n, err = io.CopyBuffer(io.MultiWriter(w, h), io.LimitReader(ctxReader{ctx, r}, limit+1), make([]byte, copyBufferBytes))
	if err != nil {
		return "", n, false, err
	}
	if n > limit {
		return "", n, true, nil
	}
	return hexSum(h), n, false, nil
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// ctxReader stops a copy when its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// tempName is a fresh unpredictable name for a temporary object.
func tempName() string { return rand.Text() }

// Verify reads the blob to the end and checks that its content still
// hashes to its sum: for scrubbing jobs that look for silent corruption.
func Verify(ctx context.Context, s Store, sum string) error {
	const op = "blob.Verify"
	rc, info, err := s.Open(ctx, sum)
	if err != nil {
		return errs.Wrap(op, err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, ctxReader{ctx, rc}, make([]byte, copyBufferBytes))
	if err != nil {
		return internal(op, err)
	}
	if got := hexSum(h); got != sum || n != info.Size {
		return internal(op, fmt.Errorf("blob %s is corrupt: %d bytes hashing to %s", sum, n, got))
	}
	return nil
}
