package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config locates a bucket of an S3-compatible object store.
type S3Config struct {
	Endpoint  string // host[:port], no scheme: "s3.example.vn", "127.0.0.1:9000"
	Region    string // signing region; "us-east-1" if empty
	Bucket    string // must exist
	AccessKey string
	SecretKey string
	UseTLS    bool
	Prefix    string // key prefix, e.g. "motcua/blobs/"; "" for the whole bucket

	// TempDir is the local directory where Put spools an upload while it
	// hashes it (at most limit bytes per Put in progress); os.TempDir() if
	// empty.
	TempDir string
	// Transport, if set, replaces the HTTP transport (a private CA, tests).
	Transport http.RoundTripper
}

// String prints the configuration without the secret, for logs.
func (c S3Config) String() string {
	scheme := "http"
	if c.UseTLS {
		scheme = "https"
	}
	return fmt.Sprintf("%s://%s/%s/%s (region %q, access key %q)", scheme, c.Endpoint, c.Bucket, c.Prefix, c.Region, c.AccessKey)
}

// S3 is a [Store] in a bucket of an S3-compatible object store, with the
// same ab/cd/abcd… layout as [Disk] below Prefix.
//
// S3 has no rename, and a blob's key is only known once all of it has been
// read. Put therefore spools the upload to a local temporary file while
// hashing it and enforcing the limit, then uploads it in one PUT under its
// final key, signing the SHA-256 it computed as x-amz-content-sha256: the
// server rejects the upload unless the bytes it received hash to the key.
// A blob over the limit never reaches the bucket; an interrupted upload
// leaves no object (a single PUT is atomic); memory stays bounded by a copy
// buffer whatever the size. The cost is local disk for the uploads in
// progress, which the HTTP edge needs anyway to parse multipart forms.
type S3 struct {
	core    *minio.Core
	bucket  string
	prefix  string
	tempDir string
}

const s3TempPattern = "motcua-blob-*" + tempSuffix

// NewS3 connects to the bucket and checks that it exists. Temporary files
// older than a day in TempDir, left by a crash, are removed.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	const op = "blob.NewS3"
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, internal(op, errors.New("endpoint and bucket are required"))
	}
	if err := checkPrefix(cfg.Prefix); err != nil {
		return nil, internal(op, err)
	}
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	core, err := minio.NewCore(cfg.Endpoint, &minio.Options{
		Creds:     credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:    cfg.UseTLS,
		Region:    region,
		Transport: cfg.Transport,
	})
	if err != nil {
		return nil, internal(op, err)
	}
	tempDir := cfg.TempDir
	if tempDir == "" {
		tempDir = os.TempDir()
	}
	if fi, err := os.Stat(tempDir); err != nil || !fi.IsDir() {
		if err == nil {
			err = fmt.Errorf("%s is not a directory", tempDir)
		}
		return nil, internal(op, err)
	}
	ok, err := core.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, internal(op, fmt.Errorf("bucket %s: %w", cfg.Bucket, err))
	}
	if !ok {
		return nil, internal(op, fmt.Errorf("bucket %s does not exist", cfg.Bucket))
	}
	removeStaleSpools(tempDir, staleTempAge)
	return &S3{core: core, bucket: cfg.Bucket, prefix: cfg.Prefix, tempDir: tempDir}, nil
}

// checkPrefix accepts "" or slash-separated segments of [A-Za-z0-9._-]
// ending in "/", none of them "." or "..".
func checkPrefix(p string) error {
	if p == "" {
		return nil
	}
	if !strings.HasSuffix(p, "/") || strings.HasPrefix(p, "/") {
		return fmt.Errorf("prefix %q must end with / and not start with one", p)
	}
	for _, seg := range strings.Split(strings.TrimSuffix(p, "/"), "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("prefix %q has an empty, . or .. segment", p)
		}
		for _, c := range []byte(seg) {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
				return fmt.Errorf("prefix %q: only letters, digits, . _ - and /", p)
			}
		}
	}
	return nil
}

func removeStaleSpools(dir string, age time.Duration) {
	names, _ := filepath.Glob(filepath.Join(dir, s3TempPattern))
	cutoff := time.Now().Add(-age)
	for _, n := range names {
		if fi, err := os.Lstat(n); err == nil && fi.Mode().IsRegular() && fi.ModTime().Before(cutoff) {
			os.Remove(n)
		}
	}
}

func (s *S3) key(sum string) string { return s.prefix + relPath(sum) }

// Put implements [Store].
func (s *S3) Put(ctx context.Context, r io.Reader, limit int64) (info Info, err error) {
	const op = "blob.Put"
	if err := checkLimit(op, limit); err != nil {
		return Info{}, err
	}
	f, err := os.CreateTemp(s.tempDir, s3TempPattern)
	if err != nil {
		return Info{}, internal(op, err)
	}
	defer func() {
		f.Close()
		if rerr := os.Remove(f.Name()); rerr != nil && err == nil {
			err = internal(op, rerr)
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
	key := s.key(sum)
	if oi, err := s.core.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{}); err == nil && oi.Size == n {
		return info, nil // already stored
	} else if err != nil && !isNoSuchKey(err) {
		return Info{}, internal(op, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return Info{}, internal(op, err)
	}
	// Core.PutObject is one PUT, signed with the payload's SHA-256 (the
	// key) instead of the streaming signature minio-go uses over plain
	// HTTP or UNSIGNED-PAYLOAD over TLS.
	_, err = s.core.PutObject(ctx, s.bucket, key, f, n, "", sum, minio.PutObjectOptions{
		ContentType:          "application/octet-stream",
		DisableContentSha256: true,
	})
	if err != nil {
		return Info{}, internal(op, err)
	}
	return info, nil
}

// Open implements [Store]; the result is a *minio.Object, which fetches
// ranges as it is read and seeked.
func (s *S3) Open(ctx context.Context, sum string) (io.ReadSeekCloser, Info, error) {
	const op = "blob.Open"
	if err := checkSum(op, sum); err != nil {
		return nil, Info{}, err
	}
	obj, err := s.core.Client.GetObject(ctx, s.bucket, s.key(sum), minio.GetObjectOptions{})
	if err != nil {
		return nil, Info{}, s.err(op, sum, err)
	}
	oi, err := obj.Stat() // sends the GET: a missing blob fails here
	if err != nil {
		obj.Close()
		return nil, Info{}, s.err(op, sum, err)
	}
	return obj, Info{SHA256: sum, Size: oi.Size}, nil
}

// Stat implements [Store].
func (s *S3) Stat(ctx context.Context, sum string) (Info, error) {
	const op = "blob.Stat"
	if err := checkSum(op, sum); err != nil {
		return Info{}, err
	}
	oi, err := s.core.StatObject(ctx, s.bucket, s.key(sum), minio.StatObjectOptions{})
	if err != nil {
		return Info{}, s.err(op, sum, err)
	}
	return Info{SHA256: sum, Size: oi.Size}, nil
}

// Delete implements [Store].
func (s *S3) Delete(ctx context.Context, sum string) error {
	const op = "blob.Delete"
	if err := checkSum(op, sum); err != nil {
		return err
	}
	err := s.core.RemoveObject(ctx, s.bucket, s.key(sum), minio.RemoveObjectOptions{})
	if err != nil && !isNoSuchKey(err) {
		return internal(op, err)
	}
	return nil
}

func (s *S3) err(op, sum string, err error) error {
	if isNoSuchKey(err) {
		return notFound(op, sum)
	}
	return internal(op, err)
}

func isNoSuchKey(err error) bool {
	r := minio.ToErrorResponse(err)
	return r.Code == minio.NoSuchKey || r.StatusCode == http.StatusNotFound && r.Code != minio.NoSuchBucket
}
