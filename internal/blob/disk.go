package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"
)

// Disk is a [Store] in a local directory:
//
//	dir/ab/cd/abcd…   one file per blob, named by its full sum
//	dir/tmp/…         uploads in progress
//
// Every access goes through an [os.Root] opened on dir, so no file name,
// symbolic link or ".." can reach outside it, and names are only ever built
// from validated sums. Put writes a temporary file, fsyncs it, renames it
// into place and fsyncs the directory, so a Put that returned survives a
// crash and a blob is never visible under its sum before it is complete.
//
// Several processes may share one directory.
type Disk struct {
	root *os.Root
}

const (
	tempDir      = "tmp"
	tempSuffix   = ".part"
	staleTempAge = 24 * time.Hour
	filePerm     = 0o600 // personal data: the server's user only
	dirPerm      = 0o700
)

// NewDisk opens (creating it if needed) the store in dir, which comes from
// the server's configuration, never from a request. Temporary files older
// than a day, left by a crash, are removed.
func NewDisk(dir string) (*Disk, error) {
	const op = "blob.NewDisk"
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return nil, internal(op, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, internal(op, err)
	}
	if err := root.Mkdir(tempDir, dirPerm); err != nil && !errors.Is(err, fs.ErrExist) {
		root.Close()
		return nil, internal(op, err)
	}
	d := &Disk{root: root}
	if err := d.RemoveStaleTemp(staleTempAge); err != nil {
		root.Close()
		return nil, internal(op, err)
	}
	return d, nil
}

// Close releases the directory.
func (d *Disk) Close() error { return d.root.Close() }

// RemoveStaleTemp removes temporary files older than age: what a crash in
// the middle of a Put leaves behind. Uploads in progress are younger.
func (d *Disk) RemoveStaleTemp(age time.Duration) error {
	dir, err := d.root.Open(tempDir)
	if err != nil {
		return err
	}
	entries, err := dir.ReadDir(-1)
	dir.Close()
	if err != nil {
		return err
	}
	cutoff := time.Now().Add(-age)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), tempSuffix) {
			continue
		}
		fi, err := e.Info()
		if err != nil || fi.ModTime().After(cutoff) {
			continue
		}
		if err := d.root.Remove(path.Join(tempDir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// Put implements [Store].
func (d *Disk) Put(ctx context.Context, r io.Reader, limit int64) (info Info, err error) {
	const op = "blob.Put"
	if err := checkLimit(op, limit); err != nil {
		return Info{}, err
	}
	tmp := path.Join(tempDir, tempName()+tempSuffix)
	f, err := d.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return Info{}, internal(op, err)
	}
	published := false
	defer func() {
		if f != nil {
			f.Close()
		}
		if !published {
			if rerr := d.root.Remove(tmp); rerr != nil && err == nil {
				err = internal(op, rerr)
			}
		}
	}()

	sum, n, over, err := spool(ctx, f, r, limit)
	switch {
	case err != nil:
		return Info{}, internal(op, err)
	case over:
		return Info{}, tooLarge(op, limit)
	}
	info = Info{SHA256: sum, Size: n}
	final := relPath(sum)
	if fi, err := d.root.Stat(final); err == nil && fi.Mode().IsRegular() && fi.Size() == n {
		return info, nil // already stored; the deferred Remove drops the copy
	}
	// Durable before visible: the content reaches the disk before the
	// rename that publishes it, and the rename reaches the disk (the
	// directory fsync) before Put reports success.
	if err := f.Sync(); err != nil {
		return Info{}, internal(op, err)
	}
	if err := f.Close(); err != nil {
		f = nil
		return Info{}, internal(op, err)
	}
	f = nil
	if err := d.mkdirs(path.Dir(final)); err != nil {
		return Info{}, internal(op, err)
	}
	// Rename replaces atomically: a concurrent Put of the same content, or a
	// damaged copy of it, is replaced by complete and identical content.
	if err := d.root.Rename(tmp, final); err != nil {
		return Info{}, internal(op, err)
	}
	published = true
	if err := d.syncDir(path.Dir(final)); err != nil {
		return Info{}, internal(op, err)
	}
	return info, nil
}

// mkdirs creates ab/cd, syncing each parent whose entries changed.
func (d *Disk) mkdirs(dir string) error {
	for _, p := range []string{path.Dir(dir), dir} { // "ab", then "ab/cd"
		err := d.root.Mkdir(p, dirPerm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := d.syncDir(path.Dir(p)); err != nil {
			return err
		}
	}
	return nil
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
