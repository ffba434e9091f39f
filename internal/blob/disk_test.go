package blob_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
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

// temps lists the temporary files below dir.
func temps(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, f := range files(t, dir) {
		if strings.HasSuffix(f, ".part") {
			out = append(out, f)
		}
	}
	return out
}

func TestDiskConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blobtest.Harness {
		d, dir := newDisk(t)
		return blobtest.Harness{
			Store: d,
			// Temporary files live among the blobs, so a leftover one shows
			// as an object too many.
			Objects: func(t *testing.T) []string { return files(t, dir) },
			Spooled: func() int64 {
				var n int64
				for _, f := range temps(t, dir) {
					if fi, err := os.Stat(filepath.Join(dir, f)); err == nil {
						n += fi.Size()
					}
				}
				return n
			},
		}
	})
}

// TestDiskBuckets: the 256 top-level directories exist once the store is
// open, so that a Put creates at most its second-level one.
func TestDiskBuckets(t *testing.T) {
	_, dir := newDisk(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	if len(dirs) != 256 || dirs[0] != "00" || dirs[255] != "ff" {
		t.Errorf("top-level directories: %d (%q … ), want 00 … ff", len(dirs), dirs[:min(3, len(dirs))])
	}
}

// TestDiskSizes: content on either side of the size kept in memory, and of
// the limit, is stored whole or refused whole.
func TestDiskSizes(t *testing.T) {
	const small = 1 << 20 // blob.smallBlob
	for _, tt := range []struct {
		size, limit int
		ok          bool
	}{
		{small - 1, 20 << 20, true}, {small, 20 << 20, true}, {small + 1, 20 << 20, true},
		{small, small, true}, {small + 1, small, false}, {small + 2, small + 1, false},
		{1000, 1000, true}, {1001, 1000, false}, {3 << 20, 2 << 20, false},
	} {
		t.Run(fmt.Sprintf("%d in %d", tt.size, tt.limit), func(t *testing.T) {
			d, dir := newDisk(t)
			b := blobtest.Content(uint64(tt.size), tt.size)
			info, err := d.Put(t.Context(), bytes.NewReader(b), int64(tt.limit))
			if !tt.ok {
				if !errors.Is(err, blob.ErrTooLarge) {
					t.Errorf("Put = %+v, %v; want too large", info, err)
				}
				if got := files(t, dir); len(got) != 0 {
					t.Errorf("a refused Put left %q", got)
				}
				return
			}
			if err != nil || info.SHA256 != blobtest.SumOf(b) || info.Size != int64(tt.size) {
				t.Fatalf("Put = %+v, %v", info, err)
			}
			if got := files(t, dir); len(got) != 1 || got[0] != info.SHA256[:2]+"/"+info.SHA256[2:4]+"/"+info.SHA256 {
				t.Errorf("files %q", got)
			}
			if err := blob.Verify(t.Context(), d, info.SHA256); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestDiskStoredOnce: content already stored is not written again (the
// file is the same one), small or large.
func TestDiskStoredOnce(t *testing.T) {
	for _, size := range []int{200 << 10, 3 << 20} {
		d, dir := newDisk(t)
		b := blobtest.Content(7, size)
		info, err := d.Put(t.Context(), bytes.NewReader(b), 20<<20)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, info.SHA256[:2], info.SHA256[2:4], info.SHA256)
		before, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Put(t.Context(), bytes.NewReader(b), 20<<20); err != nil {
			t.Fatal(err)
		}
		after, err := os.Stat(p)
		if err != nil || !os.SameFile(before, after) {
			t.Errorf("%d bytes: the second Put replaced the stored file (%v)", size, err)
		}
		if got := files(t, dir); len(got) != 1 {
			t.Errorf("%d bytes: files %q", size, got)
		}
	}
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
// its end), the content exists only in memory (small content) or as a
// temporary file in a bucket directory (large content), and the blob is
// not found under its sum. A crash at that point loses an upload that was
// never acknowledged, and cannot leave a truncated file under a sum.
func TestDiskNotVisibleBeforeComplete(t *testing.T) {
	for _, tt := range []struct {
		name string
		size int
		temp bool // a temporary file exists during the Put
	}{{"small", 200 << 10, false}, {"large", 3 << 20, true}} {
		t.Run(tt.name, func(t *testing.T) {
			d, dir := newDisk(t)
			b := blobtest.Content(1, tt.size)
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
			switch {
			case !tt.temp && len(got) != 0:
				t.Errorf("during Put, files are %q; want none", got)
			case tt.temp && (len(got) != 1 || !strings.HasSuffix(got[0], ".part") || strings.Count(got[0], "/") != 1 || strings.Contains(got[0], sum)):
				t.Errorf("during Put, files are %q; want one temporary file in a bucket directory, not named by the sum", got)
			}
			if _, err := d.Stat(t.Context(), sum); !errs.Is(err, errs.NotFound) {
				t.Errorf("Stat during Put = %v, want NotFound", err)
			}
			close(r.release)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			got = files(t, dir)
			if len(got) != 1 || got[0] != sum[:2]+"/"+sum[2:4]+"/"+sum {
				t.Errorf("after Put, files are %q", got)
			}
			if err := blob.Verify(t.Context(), d, sum); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestDiskStaleTemp: what a crash leaves behind is never a blob, and is
// removed once it is old enough: in the bucket directories and in tmp/
// (earlier versions) when the store is next opened, in a blob's own
// directory when the store next writes there.
func TestDiskStaleTemp(t *testing.T) {
	dir := t.TempDir()
	d, err := blob.NewDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	b := []byte("%PDF-1.7 half an upload")
	sum := blobtest.SumOf(b)
	leaf := sum[:2] + "/" + sum[2:4]
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, leaf), 0o700); err != nil {
		t.Fatal(err)
	}
	var old []string
	for _, p := range []string{"tmp/CRASHED.part", "tmp/RUNNING.part", "7f/CRASHED.part", "7f/RUNNING.part",
		leaf + "/CRASHED.part", leaf + "/RUNNING.part", leaf + "/" + sum + ".part"} {
		if err := os.WriteFile(filepath.Join(dir, p), b, 0o600); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(p, "RUNNING") {
			old = append(old, p)
			if err := os.Chtimes(filepath.Join(dir, p), time.Now().Add(-48*time.Hour), time.Now().Add(-48*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := d.Stat(t.Context(), sum); !errs.Is(err, errs.NotFound) {
		t.Errorf("a temporary file is visible as a blob: %v", err)
	}
	d.Close()
	d, err = blob.NewDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	want := []string{leaf + "/CRASHED.part", leaf + "/RUNNING.part", leaf + "/" + sum + ".part", "7f/RUNNING.part", "tmp/RUNNING.part"}
	if got := files(t, dir); !sameSet(got, want) {
		t.Errorf("after reopening, files are %q; want %q", got, want)
	}
	if _, err := d.Put(t.Context(), bytes.NewReader(b), 1000); err != nil {
		t.Fatal(err)
	}
	want = []string{leaf + "/RUNNING.part", leaf + "/" + sum, "7f/RUNNING.part", "tmp/RUNNING.part"}
	if got := files(t, dir); !sameSet(got, want) {
		t.Errorf("after a Put into %s, files are %q; want %q", leaf, got, want)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
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
	// The store made every top-level directory when it opened; replace
	// this one with the link.
	if err := os.Remove(filepath.Join(dir, sum[:2])); err != nil {
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
	if got := temps(t, dir); len(got) != 0 {
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
