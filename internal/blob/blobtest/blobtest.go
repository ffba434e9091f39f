// Package blobtest is the conformance suite every [blob.Store] must pass.
// It is for tests only.
package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/errs"
)

// Harness is a fresh, empty store and the means to look behind it.
type Harness struct {
	Store blob.Store
	// Objects lists everything the backend holds — published blobs and
	// any temporary object it keeps beside them — independently of the
	// Store's own methods, so that a test can prove a failed Put left
	// nothing behind.
	Objects func(t *testing.T) []string
	// TempDir is the local directory where Put spools content, if the
	// backend has one apart from its objects; it must be empty whenever no
	// Put is running.
	TempDir string
	// Spooled, if set, is how many bytes the backend's temporary files
	// hold right now (for a backend that keeps them among its objects);
	// otherwise the size of TempDir counts.
	Spooled func() int64
}

// Run runs the suite; newHarness is called once per subtest.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	tests := []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"RoundTrip", testRoundTrip},
		{"Empty", testEmpty},
		{"Dedup", testDedup},
		{"Limit", testLimit},
		{"TooLargeLeavesNothing", testTooLarge},
		{"ReaderFailureLeavesNothing", testReaderFailure},
		{"CancelLeavesNothing", testCancel},
		{"BadLimit", testBadLimit},
		{"NotFound", testNotFound},
		{"Delete", testDelete},
		{"MalformedSums", testMalformedSums},
		{"Seek", testSeek},
		{"ConcurrentSameContent", testConcurrentSame},
		{"ConcurrentDifferentContent", testConcurrentDifferent},
		{"Large", testLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newHarness(t)) })
	}
}

// SumOf is the hex SHA-256 of b, computed without the package under test.
func SumOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Content returns n deterministic pseudo-random bytes for seed.
func Content(seed uint64, n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func put(t *testing.T, h Harness, b []byte) blob.Info {
	t.Helper()
	info, err := h.Store.Put(t.Context(), bytes.NewReader(b), int64(len(b))+1)
	if err != nil {
		t.Fatalf("Put(%d bytes): %v", len(b), err)
	}
	if want := (blob.Info{SHA256: SumOf(b), Size: int64(len(b))}); info != want {
		t.Fatalf("Put(%d bytes) = %+v, want %+v", len(b), info, want)
	}
	return info
}

func get(t *testing.T, h Harness, sum string) []byte {
	t.Helper()
	rc, info, err := h.Store.Open(t.Context(), sum)
	if err != nil {
		t.Fatalf("Open(%s): %v", sum, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %s: %v", sum, err)
	}
	if info.SHA256 != sum || info.Size != int64(len(b)) {
		t.Errorf("Open(%s) info = %+v, read %d bytes", sum, info, len(b))
	}
	return b
}

// IsErr checks that err is an *errs.Error of kind k wrapping cause.
func IsErr(t *testing.T, what string, err error, k errs.Kind, cause error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %v (%v)", what, k, cause)
		return
	}
	if _, ok := errs.As(err); !ok || errs.KindOf(err) != k {
		t.Errorf("%s: error %v is not an *errs.Error of kind %v", what, err, k)
	}
	if cause != nil && !errors.Is(err, cause) {
		t.Errorf("%s: error %v does not wrap %v", what, err, cause)
	}
}

// nothingLeft checks that the backend holds exactly the sums in want and
// that no temporary file remains.
func nothingLeft(t *testing.T, h Harness, want ...string) {
	t.Helper()
	objs := h.Objects(t)
	if len(objs) != len(want) {
		t.Errorf("backend holds %q, want only %q", objs, want)
	} else {
		for _, sum := range want {
			if !slices.ContainsFunc(objs, func(o string) bool { return strings.HasSuffix(o, sum) }) {
				t.Errorf("backend holds %q, want %s", objs, sum)
			}
		}
	}
	if files := tempFiles(t, h.TempDir); len(files) > 0 {
		t.Errorf("temporary files left: %q", files)
	}
}

func tempFiles(t *testing.T, dir string) (files []string) {
	t.Helper()
	if dir == "" {
		return nil
	}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Errorf("walking %s: %v", dir, err)
			return err
		}
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	return files
}

// TempBytes is the total size of the files under dir.
func TempBytes(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

func testRoundTrip(t *testing.T, h Harness) {
	b := append([]byte("%PDF-1.7\n"), Content(1, 100_000)...)
	info := put(t, h, b)
	if got := get(t, h, info.SHA256); !bytes.Equal(got, b) {
		t.Fatalf("read back %d bytes, not what was put (%d)", len(got), len(b))
	}
	st, err := h.Store.Stat(t.Context(), info.SHA256)
	if err != nil || st != info {
		t.Errorf("Stat = %+v, %v; want %+v", st, err, info)
	}
	if err := blob.Verify(t.Context(), h.Store, info.SHA256); err != nil {
		t.Errorf("Verify: %v", err)
	}
	nothingLeft(t, h, info.SHA256)
}

func testEmpty(t *testing.T, h Harness) {
	info := put(t, h, nil)
	if info.SHA256 != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("empty content sum %s", info.SHA256)
	}
	if got := get(t, h, info.SHA256); len(got) != 0 {
		t.Errorf("read back %d bytes", len(got))
	}
}

func testDedup(t *testing.T, h Harness) {
	b := Content(2, 10_000)
	first := put(t, h, b)
	second := put(t, h, b)
	if first != second {
		t.Errorf("same content, different infos: %+v, %+v", first, second)
	}
	other := put(t, h, Content(3, 10_000))
	nothingLeft(t, h, first.SHA256, other.SHA256)
}

func testLimit(t *testing.T, h Harness) {
	b := Content(4, 4096)
	info, err := h.Store.Put(t.Context(), bytes.NewReader(b), 4096)
	if err != nil || info.Size != 4096 {
		t.Fatalf("Put of exactly the limit = %+v, %v", info, err)
	}
}

func testTooLarge(t *testing.T, h Harness) {
	for _, size := range []int{4097, 1 << 20} {
		_, err := h.Store.Put(t.Context(), bytes.NewReader(Content(5, size)), 4096)
		what := fmt.Sprintf("Put(%d bytes, limit 4096)", size)
		IsErr(t, what, err, errs.Invalid, blob.ErrTooLarge)
		if key, args := errs.MessageKey(err); key != "blob.too_large" || len(args) != 1 || fmt.Sprint(args[0]) != "1" {
			t.Errorf("%s: message %s %v, want blob.too_large [1]", what, key, args)
		}
	}
	nothingLeft(t, h)
}

type failingReader struct {
	r     io.Reader
	after int
	err   error
	hook  func()
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.after <= 0 {
		if f.hook != nil {
			f.hook()
		}
		return 0, f.err
	}
	if len(p) > f.after {
		p = p[:f.after]
	}
	n, err := f.r.Read(p)
	f.after -= n
	return n, err
}

func testReaderFailure(t *testing.T, h Harness) {
	boom := errors.New("connection reset")
	r := &failingReader{r: bytes.NewReader(Content(6, 200_000)), after: 100_000, err: boom}
	_, err := h.Store.Put(t.Context(), r, 1<<20)
	IsErr(t, "Put from a failing reader", err, errs.Internal, boom)
	nothingLeft(t, h)
}

func testCancel(t *testing.T, h Harness) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	r := io.MultiReader(
		&failingReader{r: bytes.NewReader(Content(7, 100_000)), after: 100_000, err: io.EOF, hook: cancel},
		bytes.NewReader(Content(8, 100_000)))
	_, err := h.Store.Put(ctx, r, 1<<20)
	IsErr(t, "Put cancelled midway", err, errs.Internal, context.Canceled)
	nothingLeft(t, h)
}

func testBadLimit(t *testing.T, h Harness) {
	for _, limit := range []int64{0, -1} {
		_, err := h.Store.Put(t.Context(), strings.NewReader("x"), limit)
		IsErr(t, fmt.Sprintf("Put with limit %d", limit), err, errs.Internal, nil)
	}
	nothingLeft(t, h)
}

func testNotFound(t *testing.T, h Harness) {
	put(t, h, []byte("present"))
	absent := SumOf([]byte("absent"))
	_, _, err := h.Store.Open(t.Context(), absent)
	IsErr(t, "Open(absent)", err, errs.NotFound, blob.ErrNotFound)
	_, err = h.Store.Stat(t.Context(), absent)
	IsErr(t, "Stat(absent)", err, errs.NotFound, blob.ErrNotFound)
	if err := h.Store.Delete(t.Context(), absent); err != nil {
		t.Errorf("Delete(absent) = %v, want nil", err)
	}
	if key, _ := errs.MessageKey(err); key != "blob.not_found" {
		t.Errorf("message key %s", key)
	}
}

func testDelete(t *testing.T, h Harness) {
	keep := put(t, h, []byte("keep"))
	gone := put(t, h, []byte("gone"))
	if err := h.Store.Delete(t.Context(), gone.SHA256); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err := h.Store.Stat(t.Context(), gone.SHA256)
	IsErr(t, "Stat after Delete", err, errs.NotFound, blob.ErrNotFound)
	if err := h.Store.Delete(t.Context(), gone.SHA256); err != nil {
		t.Errorf("second Delete = %v, want nil", err)
	}
	nothingLeft(t, h, keep.SHA256)
	// Put after Delete stores the content again.
	put(t, h, []byte("gone"))
	nothingLeft(t, h, keep.SHA256, gone.SHA256)
}

// MalformedSums are strings no Store method may accept as a sum.
var MalformedSums = []string{
	"",
	"../etc/passwd",
	"../../../../../../../../../../../../../../../../../../../../../etc/passwd",
	"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",  // upper case
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",   // 63
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8550", // 65
	"e3b0",
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g",
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85\n",
	"e3/b0/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852",
	"tmp/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b",
	"..%2f..%2fe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca49599",
	" e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
}

func testMalformedSums(t *testing.T, h Harness) {
	empty := put(t, h, nil) // so that the well-formed twin of each bad sum exists
	for _, sum := range MalformedSums {
		_, _, err := h.Store.Open(t.Context(), sum)
		IsErr(t, fmt.Sprintf("Open(%q)", sum), err, errs.Invalid, blob.ErrBadSum)
		_, err = h.Store.Stat(t.Context(), sum)
		IsErr(t, fmt.Sprintf("Stat(%q)", sum), err, errs.Invalid, blob.ErrBadSum)
		err = h.Store.Delete(t.Context(), sum)
		IsErr(t, fmt.Sprintf("Delete(%q)", sum), err, errs.Invalid, blob.ErrBadSum)
	}
	nothingLeft(t, h, empty.SHA256)
}

func testSeek(t *testing.T, h Harness) {
	b := Content(9, 50_000)
	info := put(t, h, b)
	rc, _, err := h.Store.Open(t.Context(), info.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	end, err := rc.Seek(0, io.SeekEnd)
	if err != nil || end != int64(len(b)) {
		t.Fatalf("Seek(0, end) = %d, %v", end, err)
	}
	if _, err := rc.Seek(40_000, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 1000)
	if _, err := io.ReadFull(rc, got); err != nil || !bytes.Equal(got, b[40_000:41_000]) {
		t.Errorf("read after Seek: %v, content equal %v", err, bytes.Equal(got, b[40_000:41_000]))
	}
}

func testConcurrentSame(t *testing.T, h Harness) {
	b := Content(10, 300_000)
	const n = 12
	infos := make([]blob.Info, n)
	errsOut := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			infos[i], errsOut[i] = h.Store.Put(t.Context(), bytes.NewReader(b), 1<<20)
		})
	}
	wg.Wait()
	for i := range n {
		if errsOut[i] != nil || infos[i].SHA256 != SumOf(b) {
			t.Errorf("Put #%d = %+v, %v", i, infos[i], errsOut[i])
		}
	}
	if got := get(t, h, SumOf(b)); !bytes.Equal(got, b) {
		t.Error("content differs after concurrent puts")
	}
	nothingLeft(t, h, SumOf(b))
}

func testConcurrentDifferent(t *testing.T, h Harness) {
	const n = 8
	contents := make([][]byte, n)
	sums := make([]string, n)
	for i := range n {
		contents[i] = Content(uint64(100+i), 50_000+i)
		sums[i] = SumOf(contents[i])
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := h.Store.Put(t.Context(), bytes.NewReader(contents[i]), 1<<20); err != nil {
				t.Errorf("Put #%d: %v", i, err)
			}
		})
	}
	wg.Wait()
	for i := range n {
		if got := get(t, h, sums[i]); !bytes.Equal(got, contents[i]) {
			t.Errorf("content #%d differs", i)
		}
	}
	nothingLeft(t, h, sums...)
}

// LargeSize is the size of the streaming test: the platform's per-file
// limit.
const LargeSize = 20 << 20

// stream yields LargeSize deterministic bytes without holding them, and
// notes how much the temporary files hold when it reaches its end.
type stream struct {
	r       io.Reader
	spooled func() int64
	atEOF   int64
	seen    bool
}

func newStream(spooled func() int64) *stream {
	return &stream{r: io.LimitReader(rand.NewChaCha8([32]byte{1, 2, 3}), LargeSize), spooled: spooled}
}

func (s *stream) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err == io.EOF && !s.seen && s.spooled != nil {
		s.seen = true
		s.atEOF = s.spooled()
	}
	return n, err
}

func testLarge(t *testing.T, h Harness) {
	want := sha256.New()
	if _, err := io.Copy(want, newStream(nil)); err != nil {
		t.Fatal(err)
	}
	sum := hex.EncodeToString(want.Sum(nil))

	spooled := h.Spooled
	if spooled == nil && h.TempDir != "" {
		spooled = func() int64 { return TempBytes(h.TempDir) }
	}
	s := newStream(spooled)
	info, err := h.Store.Put(t.Context(), s, LargeSize)
	if err != nil {
		t.Fatalf("Put(20 MB): %v", err)
	}
	if info.SHA256 != sum || info.Size != LargeSize {
		t.Fatalf("Put(20 MB) = %+v, want %s", info, sum)
	}
	// The content streamed through a file, not memory: when the source
	// ran dry, nearly all of it was already in the temporary directory.
	if spooled != nil && s.atEOF < LargeSize-1<<20 {
		t.Errorf("temporary directory held %d bytes when the source ended, want ≈ %d: is Put buffering in memory?", s.atEOF, LargeSize)
	}
	rc, _, err := h.Store.Open(t.Context(), sum)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got := sha256.New()
	n, err := io.Copy(got, rc)
	if err != nil || n != LargeSize || hex.EncodeToString(got.Sum(nil)) != sum {
		t.Errorf("read back %d bytes (err %v), hash match %v", n, err, hex.EncodeToString(got.Sum(nil)) == sum)
	}
	nothingLeft(t, h, sum)
}
