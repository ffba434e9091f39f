package blob_test

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/blob/blobtest"
	"github.com/motcua/motcua/internal/errs"
)

func newDisk(t *testing.T) (*blob.Disk, string) {
	t.Helper()
	dir := t.TempDir()
	d, err := blob.NewDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, dir
}

// files lists the regular files below dir, slash-separated and relative.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDiskConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blobtest.Harness {
		d, dir := newDisk(t)
		return blobtest.Harness{
			Store:   d,
			Objects: func(t *testing.T) []string { return files(t, dir) },
			TempDir: filepath.Join(dir, "tmp"),
		}
	})
}

func TestDiskLayout(t *testing.T) {
	d, dir := newDisk(t)
	b := []byte("%PDF-1.4 layout")
	info, err := d.Put(t.Context(), bytes.NewReader(b), 100)
	if err != nil {
		t.Fatal(err)
	}
	s := info.SHA256
	want := []string{s[:2] + "/" + s[2:4] + "/" + s}
	if got := files(t, dir); len(got) != 1 || got[0] != want[0] {
		t.Fatalf("files %q, want %q", got, want)
	}
	fi, err := os.Stat(filepath.Join(dir, want[0]))
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("blob mode %v, want 0600 (personal data)", fi.Mode().Perm())
	}
}

// blockingReader hands out its content, then blocks until released, so
// that a test can look at the store in the middle of a Put.
type blockingReader struct {
	r       io.Reader
	reached chan struct{}
	release chan struct{}
}

func (b *blockingReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF && b.reached != nil {
		close(b.reached)
		b.reached = nil
		<-b.release
	}
	return n, err
}

// TestDiskNotVisibleBeforeComplete is a crash-safety smoke check: while a
// Put is in progress (all of the content read but the reader not yet at
// its end), the content exists only as a temporary file, and the blob is
// not found under its sum. A crash at that point loses an upload that was
// never acknowledged, and cannot leave a truncated file under a sum.
func TestDiskNotVisibleBeforeComplete(t *testing.T) {
	d, dir := newDisk(t)
	b := blobtest.Content(1, 3<<20)
	sum := blobtest.SumOf(b)
	r := &blockingReader{r: bytes.NewReader(b), reached: make(chan struct{}), release: make(chan struct{})}
	reached := r.reached
	done := make(chan error)
	go func() {
		_, err := d.Put(t.Context(), r, 4<<20)
		done <- err
	}()
	<-reached
	got := files(t, dir)
	if len(got) != 1 || !strings.HasPrefix(got[0], "tmp/") || strings.Contains(got[0], sum) {
		t.Errorf("during Put, files are %q; want one temporary file in tmp/, not named by the sum", got)
	}
	if _, err := d.Stat(t.Context(), sum); !errs.Is(err, errs.NotFound) {
		t.Errorf("Stat during Put = %v, want NotFound", err)
	}
	close(r.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got = files(t, dir)
	if len(got) != 1 || !strings.HasSuffix(got[0], "/"+sum) {
		t.Errorf("after Put, files are %q", got)
	}
	if err := blob.Verify(t.Context(), d, sum); err != nil {
		t.Error(err)
	}
}

// TestDiskStaleTemp: what a crash leaves in tmp/ is never a blob, and is
// removed when the store is next opened once it is old enough.
func TestDiskStaleTemp(t *testing.T) {
	dir := t.TempDir()
	d, err := blob.NewDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	b := []byte("half an upload")
	old := filepath.Join(dir, "tmp", "CRASHED.part")
	young := filepath.Join(dir, "tmp", "RUNNING.part")
	for _, p := range []string{old, young} {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(old, time.Now().Add(-48*time.Hour), time.Now().Add(-48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Stat(t.Context(), blobtest.SumOf(b)); !errs.Is(err, errs.NotFound) {
		t.Errorf("a temporary file is visible as a blob: %v", err)
	}
	d.Close()
	d, err = blob.NewDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if got := files(t, dir); len(got) != 1 || got[0] != "tmp/RUNNING.part" {
		t.Errorf("after reopening, files are %q; want only the young temporary file", got)
	}
}

// TestDiskConfinement: a symbolic link inside the store that points out
// of it is refused by os.Root, for reading and for writing.
func TestDiskConfinement(t *testing.T) {
	d, dir := newDisk(t)
	outside := t.TempDir()
	b := []byte("%PDF-1.7 secret outside the store")
	sum := blobtest.SumOf(b)
	// Plant the content outside, where ab/cd/sum would lead through a link.
	if err := os.MkdirAll(filepath.Join(outside, sum[2:4]), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, sum[2:4], sum), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, sum[:2])); err != nil {
		t.Skip("no symbolic links:", err)
	}
	if rc, _, err := d.Open(t.Context(), sum); err == nil {
		rc.Close()
		t.Fatal("Open followed a link out of the store")
	}
	if _, err := d.Stat(t.Context(), sum); err == nil || errs.Is(err, errs.NotFound) {
		t.Errorf("Stat through a link out of the store = %v, want an Internal error", err)
	}
	other := []byte("%PDF-1.7 new")
	if s := blobtest.SumOf(other); s[:2] != sum[:2] {
		// Write through the link: only possible for content under the same
		// prefix, so build one by brute force (1 in 256).
		for i := 0; ; i++ {
			other = append([]byte("%PDF-1.7 new "), []byte(strings.Repeat("x", i))...)
			if blobtest.SumOf(other)[:2] == sum[:2] {
				break
			}
		}
	}
	if _, err := d.Put(t.Context(), bytes.NewReader(other), 1000); err == nil {
		t.Error("Put wrote through a link out of the store")
	}
	entries, _ := os.ReadDir(outside)
	if len(entries) != 1 {
		t.Errorf("outside directory now holds %d entries", len(entries))
	}
	if got := files(t, filepath.Join(dir, "tmp")); len(got) != 0 {
		t.Errorf("temporary files left: %q", got)
	}
	// Deleting through the link is refused too.
	if err := d.Delete(t.Context(), sum); err == nil {
		t.Error("Delete followed a link out of the store")
	}
	if _, err := os.Stat(filepath.Join(outside, sum[2:4], sum)); err != nil {
		t.Errorf("the file outside is gone: %v", err)
	}
}

// TestDiskMemoryBounded: a 20 MB Put allocates a small, constant amount of
// memory (the copy buffer), not the content.
func TestDiskMemoryBounded(t *testing.T) {
	d, _ := newDisk(t)
	src := io.LimitReader(zeroes{}, blobtest.LargeSize)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := d.Put(t.Context(), src, blobtest.LargeSize); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2<<20 {
		t.Errorf("Put of 20 MB allocated %d bytes", alloc)
	}
}

type zeroes struct{}

func (zeroes) Read(p []byte) (int, error) { clear(p); return len(p), nil }
