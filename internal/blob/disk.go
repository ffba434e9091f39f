package blob

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Disk is a [Store] in a local directory:
//
//	dir/ab/cd/abcd…         one file per blob, named by its full sum
//	dir/ab/cd/XXXX….part    a small upload being published there
//	dir/ab/XXXX….part       a large upload in progress (any of the 256 ab/)
//
// Every access goes through an [os.Root] opened on dir, so no file name,
// symbolic link or ".." can reach outside it, and names are only ever built
// from validated sums or generated ones. Put writes a temporary file,
// fsyncs it, renames it into place and fsyncs the directory, so a Put that
// returned survives a crash and a blob is never visible under its sum
// before it is complete. Temporary files end in ".part" and are never
// valid sums, so they are never taken for blobs (a copy of the directory
// into a bucket should skip them).
//
// Content up to [smallBlob] bytes (most attachments) is read and hashed in
// memory first, so its temporary file is created beside its final name and
// renamed within one directory: no directory is shared by all uploads (one
// tmp/ was the hot spot of concurrent uploads, and a rename across
// directories takes the file system's rename lock), and content already
// stored is not written at all. Larger content streams to a temporary file
// in a bucket directory picked at random, then is renamed into place.
//
// Several processes may share one directory.
type Disk struct {
	root *os.Root
	// swept marks the ab/cd directories this process knows to exist and
	// has cleared of stale temporary files (one bit per directory), so
	// that a Put does not create or sweep them again.
	swept [leafDirs / 64]atomic.Uint64
	// bufs holds Put's buffers: smallBlob+1 bytes, to tell content of
	// exactly smallBlob bytes from larger.
	bufs sync.Pool
}

const (
	legacyTempDir = "tmp" // where earlier versions spooled every upload (decision 0005)
	tempSuffix    = ".part"
	staleTempAge  = 24 * time.Hour
	filePerm      = 0o600 // personal data: the server's user only
	dirPerm       = 0o700
	leafDirs      = 256 * 256
	// smallBlob is the largest content Put hashes in memory before writing
	// it. A pooled buffer of this size is held per Put in progress.
	smallBlob = 1 << 20
)

// NewDisk opens (creating it if needed) the store in dir, which comes from
// the server's configuration, never from a request. It creates the 256
// top-level bucket directories, so that storing a blob creates at most its
// second-level one, and removes temporary files older than a day, left by
// a crash (see [Disk.RemoveStaleTemp]).
func NewDisk(dir string) (*Disk, error) {
	const op = "blob.NewDisk"
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return nil, internal(op, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, internal(op, err)
	}
	d := &Disk{root: root}
	d.bufs.New = func() any { b := make([]byte, smallBlob+1); return &b }
	created := false
	for i := range 256 {
		err := root.Mkdir(bucket(i), dirPerm)
		if err == nil {
			created = true
		} else if !errors.Is(err, fs.ErrExist) {
			root.Close()
			return nil, internal(op, err)
		}
	}
	if created {
		if err := d.syncDir("."); err != nil {
			root.Close()
			return nil, internal(op, err)
		}
	}
	if err := d.RemoveStaleTemp(staleTempAge); err != nil {
		root.Close()
		return nil, internal(op, err)
	}
	return d, nil
}

// bucket is the name of top-level directory i: "00" … "ff".
func bucket(i int) string {
	const hexDigits = "0123456789abcdef"
	return string([]byte{hexDigits[i>>4], hexDigits[i&15]})
}

// Close releases the directory.
func (d *Disk) Close() error { return d.root.Close() }

// RemoveStaleTemp removes temporary files older than age: what a crash in
// the middle of a Put leaves behind. Uploads in progress are younger. It
// looks in the 256 top-level directories and in tmp/ (where earlier
// versions, possibly still running beside this one, spool uploads); the
// ab/cd directories, which hold the blobs themselves, are swept the first
// time this process stores a blob in each, rather than all at once.
func (d *Disk) RemoveStaleTemp(age time.Duration) error {
	for i := range 256 {
		if err := d.sweep(bucket(i), age); err != nil {
			return err
		}
	}
	if err := d.sweep(legacyTempDir, age); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// sweep removes the temporary files older than age from one directory.
func (d *Disk) sweep(dir string, age time.Duration) error {
	f, err := d.root.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	cutoff := time.Now().Add(-age)
	for {
		// In batches: a bucket directory may hold many blobs.
		entries, err := f.ReadDir(256)
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), tempSuffix) || !e.Type().IsRegular() {
				continue
			}
			fi, err := e.Info()
			if err != nil || fi.ModTime().After(cutoff) {
				continue
			}
			if err := d.root.Remove(path.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// Put implements [Store].
func (d *Disk) Put(ctx context.Context, r io.Reader, limit int64) (Info, error) {
	const op = "blob.Put"
	if err := checkLimit(op, limit); err != nil {
		return Info{}, err
	}
	bp := d.bufs.Get().(*[]byte)
	defer d.bufs.Put(bp)
	buf := *bp
	// Read up to one byte more than fits in memory (or than the limit
	// allows): fewer means the content is all here.
	n, err := io.ReadFull(ctxReader{ctx, r}, buf[:min(limit, smallBlob)+1])
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
	case err != nil:
		return Info{}, internal(op, err)
	case int64(n) > limit:
		return Info{}, tooLarge(op, limit)
	default:
		return d.putLarge(ctx, buf, n, r, limit)
	}
	sum := sha256.Sum256(buf[:n])
	info := Info{SHA256: hex.EncodeToString(sum[:]), Size: int64(n)}
	leaf, err := d.leaf(info.SHA256)
	if err != nil {
		return Info{}, internal(op, err)
	}
	defer leaf.Close()
	if fi, err := leaf.Stat(info.SHA256); err == nil && fi.Mode().IsRegular() && fi.Size() == info.Size {
		return info, nil // already stored
	}
	tmp := tempName() + tempSuffix
	f, err := leaf.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return Info{}, internal(op, err)
	}
	_, err = f.Write(buf[:n])
	if err == nil {
		err = d.publish(f, func() error { return leaf.Rename(tmp, info.SHA256) }, leaf)
	} else {
		f.Close()
	}
	if err != nil {
		if rerr := leaf.Remove(tmp); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
		return Info{}, internal(op, err)
	}
	return info, nil
}

// putLarge stores content longer than smallBlob, of which the first n
// bytes are in buf, the rest still in r: it streams to a temporary file in
// a top-level directory picked at random while hashing, then renames it
// into place. buf then serves as the copy buffer, so memory stays bounded.
func (d *Disk) putLarge(ctx context.Context, buf []byte, n int, r io.Reader, limit int64) (info Info, err error) {
	const op = "blob.Put"
	var pick [1]byte
	rand.Read(pick[:])
	dir := bucket(int(pick[0]))
	tmp := dir + "/" + tempName() + tempSuffix
	f, err := d.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if errors.Is(err, fs.ErrNotExist) {
		// The bucket was removed behind this process's back.
		if err = d.root.Mkdir(dir, dirPerm); err == nil || errors.Is(err, fs.ErrExist) {
			f, err = d.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
		}
	}
	if err != nil {
		return Info{}, internal(op, err)
	}
	published := false
	defer func() {
		if f != nil {
			f.Close()
		}
		if !published {
			if rerr := d.root.Remove(tmp); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) && err == nil {
				err = internal(op, rerr)
			}
		}
	}()
	h := sha256.New()
	h.Write(buf[:n])
	if _, err := f.Write(buf[:n]); err != nil {
		return Info{}, internal(op, err)
	}
	rest, err := io.CopyBuffer(io.MultiWriter(f, h), io.LimitReader(ctxReader{ctx, r}, limit+1-int64(n)), buf)
	switch {
	case err != nil:
		return Info{}, internal(op, err)
	case int64(n)+rest > limit:
		return Info{}, tooLarge(op, limit)
	}
	info = Info{SHA256: hexSum(h), Size: int64(n) + rest}
	leaf, err := d.leaf(info.SHA256)
	if err != nil {
		return Info{}, internal(op, err)
	}
	defer leaf.Close()
	if fi, err := leaf.Stat(info.SHA256); err == nil && fi.Mode().IsRegular() && fi.Size() == info.Size {
		return info, nil // already stored; the deferred Remove drops the copy
	}
	g := f
	f = nil
	if err := d.publish(g, func() error { return d.root.Rename(tmp, relPath(info.SHA256)) }, leaf); err != nil {
		return Info{}, internal(op, err)
	}
	published = true
	return info, nil
}

// publish makes a written temporary file a blob. Durable before visible:
// the content reaches the disk before the rename that publishes it, and
// the rename reaches the disk (the fsync of the blob's directory) before
// Put reports success. Rename replaces atomically: a concurrent Put of the
// same content, or a damaged copy of it, is replaced by complete and
// identical content. f is closed in every case.
func (d *Disk) publish(f *os.File, rename func() error, leaf *os.Root) error {
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := rename(); err != nil {
		return err
	}
	dir, err := leaf.Open(".")
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync()
}

// leaf opens the ab/cd directory of a sum as a root of its own (each
// operation in it is then one system call on a single name), creating it
// if needed; the first time this process uses a directory that already
// existed, it sweeps it of stale temporary files.
func (d *Disk) leaf(sum string) (*os.Root, error) {
	dir := sum[0:2] + "/" + sum[2:4]
	i, _ := strconv.ParseUint(sum[0:4], 16, 32)
	word, bit := &d.swept[i/64], uint64(1)<<(i%64)
	if word.Load()&bit == 0 {
		created, err := d.mkdirs(dir)
		if err != nil {
			return nil, err
		}
		if !created {
			if err := d.sweep(dir, staleTempAge); err != nil {
				return nil, err
			}
		}
		word.Or(bit)
	}
	leaf, err := d.root.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		// Removed behind this process's back: create it again.
		word.And(^bit)
		if _, err := d.mkdirs(dir); err != nil {
			return nil, err
		}
		leaf, err = d.root.OpenRoot(dir)
	}
	return leaf, err
}

// mkdirs creates ab/cd (and ab, should it be missing), syncing each parent
// whose entries changed. It reports whether it created ab/cd.
func (d *Disk) mkdirs(dir string) (created bool, err error) {
	for _, p := range []string{path.Dir(dir), dir} { // "ab", then "ab/cd"
		err := d.root.Mkdir(p, dirPerm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return false, err
		}
		if err := d.syncDir(path.Dir(p)); err != nil {
			return false, err
		}
		created = p == dir
	}
	return created, nil
}

func (d *Disk) syncDir(dir string) error {
	f, err := d.root.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// Open implements [Store]; the result is an *os.File.
func (d *Disk) Open(ctx context.Context, sum string) (io.ReadSeekCloser, Info, error) {
	const op = "blob.Open"
	if err := checkSum(op, sum); err != nil {
		return nil, Info{}, err
	}
	f, err := d.root.Open(relPath(sum))
	if err != nil {
		return nil, Info{}, d.statErr(op, sum, err)
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		if err == nil {
			err = fmt.Errorf("%s is not a regular file", relPath(sum))
		}
		return nil, Info{}, internal(op, err)
	}
	return f, Info{SHA256: sum, Size: fi.Size()}, nil
}

// Stat implements [Store].
func (d *Disk) Stat(ctx context.Context, sum string) (Info, error) {
	const op = "blob.Stat"
	if err := checkSum(op, sum); err != nil {
		return Info{}, err
	}
	fi, err := d.root.Stat(relPath(sum))
	if err != nil {
		return Info{}, d.statErr(op, sum, err)
	}
	if !fi.Mode().IsRegular() {
		return Info{}, internal(op, fmt.Errorf("%s is not a regular file", relPath(sum)))
	}
	return Info{SHA256: sum, Size: fi.Size()}, nil
}

// Delete implements [Store]. Empty ab/cd directories are left in place: at
// most 65,536 of them, and removing them would race with a concurrent Put.
func (d *Disk) Delete(ctx context.Context, sum string) error {
	const op = "blob.Delete"
	if err := checkSum(op, sum); err != nil {
		return err
	}
	err := d.root.Remove(relPath(sum))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return internal(op, err)
	}
	return nil
}

func (d *Disk) statErr(op, sum string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return notFound(op, sum)
	}
	return internal(op, err)
}
