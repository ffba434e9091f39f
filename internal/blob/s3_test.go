package blob_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/blob/blobtest"
	"github.com/motcua/motcua/internal/errs"
)

// The S3 store is tested against gofakes3, an S3 protocol server with an
// in-memory backend, behind a gate that verifies every request's AWS
// Signature Version 4 and, for uploads, that the body hashes to the signed
// x-amz-content-sha256, as S3 itself does.

const (
	testBucket = "motcua-test"
	testAccess = "AKIATESTMOTCUA"
	testSecret = "s3cr3t/key+for+tests"
	testRegion = "ap-southeast-1"
)

type fakeS3 struct {
	backend *s3mem.Backend
	srv     *httptest.Server

	mu      sync.Mutex
	puts    []string // keys of the PUT requests, in order
	refused int      // requests the gate refused
	lenient bool     // refusals are expected: do not fail the test
}

func newFakeS3(t *testing.T) *fakeS3 {
	t.Helper()
	f := &fakeS3{backend: s3mem.New()}
	if err := f.backend.CreateBucket(testBucket); err != nil {
		t.Fatal(err)
	}
	s3 := gofakes3.New(f.backend).Server()
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := f.verify(r); err != nil {
			f.mu.Lock()
			f.refused++
			lenient := f.lenient
			f.mu.Unlock()
			if !lenient {
				t.Errorf("fake S3: %s %s refused: %v", r.Method, r.URL, err)
			}
			http.Error(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code></Error>`, http.StatusForbidden)
			return
		}
		s3.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeS3) config(t *testing.T, prefix string) blob.S3Config {
	u, _ := url.Parse(f.srv.URL)
	return blob.S3Config{
		Endpoint: u.Host, Region: testRegion, Bucket: testBucket,
		AccessKey: testAccess, SecretKey: testSecret, Prefix: prefix,
		TempDir: t.TempDir(),
	}
}

// objects lists every key in the bucket, straight from the backend.
func (f *fakeS3) objects(t *testing.T) []string {
	t.Helper()
	list, err := f.backend.ListBucket(testBucket, &gofakes3.Prefix{}, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range list.Contents {
		keys = append(keys, o.Key)
	}
	return keys
}

// verify checks r's SigV4 signature (header form) with the test
// credentials, and that an upload's body matches its signed hash.
func (f *fakeS3) verify(r *http.Request) error {
	auth := r.Header.Get("Authorization")
	const alg = "AWS4-HMAC-SHA256 "
	if !strings.HasPrefix(auth, alg) {
		return fmt.Errorf("not SigV4-signed: %q", auth)
	}
	params := map[string]string{}
	for _, kv := range strings.Split(strings.TrimPrefix(auth, alg), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		params[k] = v
	}
	cred := strings.Split(params["Credential"], "/")
	if len(cred) != 5 || cred[0] != testAccess || cred[2] != testRegion || cred[3] != "s3" || cred[4] != "aws4_request" {
		return fmt.Errorf("credential %q", params["Credential"])
	}
	date := r.Header.Get("X-Amz-Date")
	when, err := time.Parse("20060102T150405Z", date)
	if err != nil || time.Since(when).Abs() > 15*time.Minute || when.Format("20060102") != cred[1] {
		return fmt.Errorf("date %q, scope %q", date, cred[1])
	}
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload == "" {
		return fmt.Errorf("no x-amz-content-sha256")
	}
	signed := strings.Split(params["SignedHeaders"], ";")
	if !slices.Contains(signed, "host") || !slices.Contains(signed, "x-amz-date") || !slices.Contains(signed, "x-amz-content-sha256") {
		return fmt.Errorf("signed headers %q", signed)
	}
	var canon strings.Builder
	for _, h := range signed {
		v := strings.Join(r.Header.Values(h), ",")
		if h == "host" {
			v = r.Host
		}
		fmt.Fprintf(&canon, "%s:%s\n", h, strings.Join(strings.Fields(v), " "))
	}
	creq := strings.Join([]string{
		r.Method,
		awsEscape(r.URL.Path, false),
		canonicalQuery(r.URL.Query()),
		canon.String(),
		params["SignedHeaders"],
		payload,
	}, "\n")
	h := sha256.Sum256([]byte(creq))
	toSign := strings.Join([]string{"AWS4-HMAC-SHA256", date, strings.Join(cred[1:], "/"), hex.EncodeToString(h[:])}, "\n")
	key := []byte("AWS4" + testSecret)
	for _, part := range cred[1:] {
		key = hmacSHA256(key, part)
	}
	if want := hex.EncodeToString(hmacSHA256(key, toSign)); !hmac.Equal([]byte(want), []byte(params["Signature"])) {
		return fmt.Errorf("signature mismatch; canonical request:\n%s", creq)
	}

	if r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") == "" {
		// An object upload: Put must sign the content's own hash, which
		// must match the body and name the key.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		sum := sha256.Sum256(body)
		if hex.EncodeToString(sum[:]) != payload {
			return fmt.Errorf("x-amz-content-sha256 %q does not match the body (%x)", payload, sum)
		}
		if !strings.HasSuffix(r.URL.Path, "/"+payload) {
			return fmt.Errorf("object %s is not named by its content hash %s", r.URL.Path, payload)
		}
		f.mu.Lock()
		f.puts = append(f.puts, r.URL.Path)
		f.mu.Unlock()
	}
	return nil
}

func hmacSHA256(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// awsEscape is SigV4's URI encoding: everything but unreserved characters
// (and, in paths, "/") as %XX.
func awsEscape(s string, slash bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~", c) >= 0 || c == '/' && !slash {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func canonicalQuery(q url.Values) string {
	var parts []string
	for k, vs := range q {
		for _, v := range vs {
			parts = append(parts, awsEscape(k, true)+"="+awsEscape(v, true))
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, "&")
}

func newS3(t *testing.T, f *fakeS3, prefix string) *blob.S3 {
	t.Helper()
	s, err := blob.NewS3(t.Context(), f.config(t, prefix))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestS3Conformance(t *testing.T) {
	for _, prefix := range []string{"", "motcua/blobs/"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			blobtest.Run(t, func(t *testing.T) blobtest.Harness {
				f := newFakeS3(t)
				cfg := f.config(t, prefix)
				s, err := blob.NewS3(t.Context(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				return blobtest.Harness{
					Store: s,
					Objects: func(t *testing.T) []string {
						keys := f.objects(t)
						for _, k := range keys {
							if !strings.HasPrefix(k, prefix) {
								t.Errorf("object %q outside the prefix %q", k, prefix)
							}
						}
						return keys
					},
					TempDir: cfg.TempDir,
				}
			})
		})
	}
}

func TestS3Layout(t *testing.T) {
	f := newFakeS3(t)
	s := newS3(t, f, "p/")
	info, err := s.Put(t.Context(), strings.NewReader("%PDF-1.7 layout"), 100)
	if err != nil {
		t.Fatal(err)
	}
	sum := info.SHA256
	want := "p/" + sum[:2] + "/" + sum[2:4] + "/" + sum
	if got := f.objects(t); len(got) != 1 || got[0] != want {
		t.Errorf("objects %q, want %q", got, want)
	}
	// Putting it again does not upload it again.
	if _, err := s.Put(t.Context(), strings.NewReader("%PDF-1.7 layout"), 100); err != nil {
		t.Fatal(err)
	}
	if len(f.puts) != 1 {
		t.Errorf("%d uploads for one content: %q", len(f.puts), f.puts)
	}
}

// TestS3SignatureChecked proves that the gate in front of the fake server
// is not a formality: a client with the wrong secret is refused.
func TestS3SignatureChecked(t *testing.T) {
	f := newFakeS3(t)
	f.lenient = true
	cfg := f.config(t, "")
	cfg.SecretKey = "wrong"
	if _, err := blob.NewS3(t.Context(), cfg); err == nil {
		t.Error("NewS3 with the wrong secret succeeded")
	}
	if f.refused == 0 {
		t.Error("the gate did not refuse a request signed with the wrong secret")
	}
}

func TestS3Config(t *testing.T) {
	f := newFakeS3(t)
	for _, tc := range []struct {
		name string
		edit func(*blob.S3Config)
	}{
		{"no bucket", func(c *blob.S3Config) { c.Bucket = "" }},
		{"missing bucket", func(c *blob.S3Config) { c.Bucket = "no-such-bucket" }},
		{"prefix without slash", func(c *blob.S3Config) { c.Prefix = "blobs" }},
		{"prefix with ..", func(c *blob.S3Config) { c.Prefix = "a/../" }},
		{"absolute prefix", func(c *blob.S3Config) { c.Prefix = "/blobs/" }},
		{"missing temp dir", func(c *blob.S3Config) { c.TempDir = "/no/such/dir" }},
	} {
		cfg := f.config(t, "")
		tc.edit(&cfg)
		if _, err := blob.NewS3(t.Context(), cfg); !errs.Is(err, errs.Internal) {
			t.Errorf("%s: NewS3 = %v, want an Internal error", tc.name, err)
		}
	}
	cfg := f.config(t, "")
	if s := cfg.String(); strings.Contains(s, testSecret) {
		t.Errorf("String() shows the secret: %s", s)
	}
}
