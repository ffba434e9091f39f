package app

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/db/dbtest"
)

func TestMain(m *testing.M) {
	// The test binary doubles as the motcua command, so that tests can run
	// real server processes without building the binary.
	if args := os.Getenv("MOTCUA_TEST_RUN_MAIN"); args != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Main(ctx, strings.Split(args, "\x1f"), Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
		stop()
		os.Exit(code)
	}
	os.Exit(dbtest.Main(m))
}

// server is a running "motcua serve" in this process.
type server struct {
	url  string
	stop func() int
	logs *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func testEnv(stdin string) (Env, *syncBuffer, *syncBuffer) {
	out, errb := &syncBuffer{}, &syncBuffer{}
	return Env{Stdin: strings.NewReader(stdin), Stdout: out, Stderr: errb, VerifyTemplates: true, Getenv: func(k string) string {
		if k == "USER" {
			return "tester"
		}
		return ""
	}}, out, errb
}

// start runs serve with args on a free port and waits until it listens.
func start(t *testing.T, args ...string) *server {
	t.Helper()
	return startAt(t, nil, args...)
}

// clock is a settable clock for servers whose rules depend on the date.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// startAt is start with the server's clock (nil: the real one).
func startAt(t *testing.T, now func() time.Time, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	env, _, logs := testEnv("")
	env.Now = now
	ready := make(chan string, 1)
	env.Ready = func(addr string) { ready <- addr }
	done := make(chan int, 1)
	go func() { done <- Main(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), env) }()
	var addr string
	select {
	case addr = <-ready:
	case code := <-done:
		cancel()
		t.Fatalf("serve exited with %d:\n%s", code, logs.String())
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatalf("serve did not start:\n%s", logs.String())
	}
	s := &server{url: "http://" + addr, logs: logs}
	var once sync.Once
	var code int
	s.stop = func() int {
		once.Do(func() { cancel(); code = <-done })
		return code
	}
	t.Cleanup(func() { s.stop() })
	return s
}

// run runs a command to completion.
func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	env, out, errb := testEnv(stdin)
	code := Main(context.Background(), args, env)
	return code, out.String(), errb.String()
}

func client(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// text strips tags, for asserting on what a person reads.
func text(s string) string {
	s = regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(s, " ")
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}

// engines gives each test a fresh database on both engines: the server's
// --data directory and the --db DSN.
func engines(t *testing.T, fn func(t *testing.T, data, dsn string)) {
	for _, e := range []dbtest.Engine{dbtest.SQLite, dbtest.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			data := t.TempDir()
			dsn := "sqlite:" + filepath.Join(data, "motcua.db")
			if e == dbtest.Postgres {
				dsn = dbtest.DSN(t, e)
			}
			fn(t, data, dsn)
		})
	}
}

func TestDemoHomeAndLanguage(t *testing.T) {
	engines(t, func(t *testing.T, data, dsn string) {
		s := start(t, "--demo", "--data", data, "--db", dsn)
		c := client(t)
		req, _ := http.NewRequest("GET", s.url+"/", nil)
		req.Header.Set("Accept-Language", "en-US,en;q=0.9") // a browser set to English still gets Vietnamese first
		resp0, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b0, _ := io.ReadAll(resp0.Body)
		resp0.Body.Close()
		code, body := resp0.StatusCode, string(b0)
		if code != 200 || !strings.Contains(body, `<html lang="vi">`) || !strings.Contains(body, "Dịch vụ công trực tuyến") {
			t.Fatalf("home: %d\n%s", code, body)
		}
		resp, _ := post(t, c, s.url+"/lang", url.Values{"lang": {"en"}, "next": {"/office/login"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/office/login" {
			t.Fatalf("language switch: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		_, body = get(t, c, s.url+"/office/login")
		if !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "Sign in for officials") {
			t.Fatalf("English page expected:\n%s", text(body))
		}
		// The open redirect guard.
		resp, _ = post(t, c, s.url+"/lang", url.Values{"lang": {"vi"}, "next": {"//evil.example/x"}})
		if resp.Header.Get("Location") != "/" {
			t.Errorf("next=//evil.example redirected to %q", resp.Header.Get("Location"))
		}
		code, body = get(t, c, s.url+"/no/such/page")
		if code != 404 || !strings.Contains(body, "Không tìm thấy trang") {
			t.Errorf("404 page: %d %s", code, text(body))
		}
		if code := s.stop(); code != 0 {
			t.Fatalf("serve exit code %d\n%s", code, s.logs.String())
		}
		// Restarting on the same database does not load the demo twice.
		s2 := start(t, "--demo", "--data", data, "--db", dsn)
		_, body = get(t, client(t), s2.url+"/api/v1/agencies")
		if n := strings.Count(body, `"code":"H26"`); n != 1 {
			t.Errorf("H26 appears %d times after a restart", n)
		}
	})
}

func TestUserAddSignInAndAudit(t *testing.T) {
	engines(t, func(t *testing.T, data, dsn string) {
		// A database with the demo tree, then a new official from the CLI.
		s := start(t, "--demo", "--data", data, "--db", dsn)
		s.stop()
		code, out, errOut := run(t, "mat-khau-rat-dai-2026\n", "user", "add", "--db", dsn, "--data", data,
			"--username", "nguyenvan.a", "--name", "Nguyễn Văn A", "--agency", "H26.13", "--role", "specialist", "--role", "leader@H26.13")
		if code != 0 {
			t.Fatalf("user add: %d %s %s", code, out, errOut)
		}
		code, _, errOut = run(t, "short\n", "user", "add", "--db", dsn, "--data", data,
			"--username", "b", "--name", "B", "--agency", "H99", "--role", "specialist")
		if code != 1 || !strings.Contains(errOut, "password.too_short") || !strings.Contains(errOut, "agency_code") {
			t.Errorf("invalid user add: %d %q", code, errOut)
		}
		code, _, errOut = run(t, "x\n", "user", "add", "--db", dsn, "--data", data, "--username", "c", "--name", "C", "--agency", "H26", "--role", "wizard")
		if code != 2 || !strings.Contains(errOut, "unknown role") {
			t.Errorf("unknown role: %d %q", code, errOut)
		}

		s = start(t, "--data", data, "--db", dsn)
		c := client(t)
		resp, _ := post(t, c, s.url+"/office/login", url.Values{"username": {"nguyenvan.a"}, "password": {"mat-khau-rat-dai-2026"}, "next": {"/office"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/office" {
			t.Fatalf("login: %d", resp.StatusCode)
		}
		_, body := get(t, c, s.url+"/office")
		for _, want := range []string{"Nguyễn Văn A", "Sở Xây dựng", "H26.13", "Chuyên viên xử lý", "Lãnh đạo cơ quan"} {
			if !strings.Contains(text(body), want) {
				t.Errorf("back-office home lacks %q:\n%s", want, text(body))
			}
		}
		// A specialist may not administer accounts.
		if code, _ := get(t, c, s.url+"/office/accounts"); code != http.StatusForbidden {
			t.Errorf("specialist on /office/accounts: %d, want 403", code)
		}
		resp, _ = post(t, c, s.url+"/logout", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("logout: %d", resp.StatusCode)
		}
		if code, _ := get(t, c, s.url+"/office"); code != http.StatusSeeOther {
			t.Errorf("after logout /office gave %d, want a redirect to sign in", code)
		}
		s.stop()

		code, out, _ = run(t, "", "audit", "verify", "--db", dsn, "--data", data)
		if code != 0 || !strings.HasPrefix(out, "OK: ") {
			t.Fatalf("audit verify: %d %q", code, out)
		}
		// Edit one audit row by hand: verify must name it.
		d, err := db.Open(context.Background(), dsn, db.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(context.Background(), `UPDATE audit_log SET actor_name = 'someone else' WHERE seq = 7`); err != nil {
			t.Fatal(err)
		}
		d.Close()
		code, out, _ = run(t, "", "audit", "verify", "--db", dsn, "--data", data)
		if code != 1 || !strings.Contains(out, "BROKEN at record 7") {
			t.Fatalf("audit verify after tampering: %d %q", code, out)
		}
	})
}

func TestCitizenSignInThroughDevelopmentProvider(t *testing.T) {
	engines(t, func(t *testing.T, data, dsn string) {
		s := start(t, "--demo", "--data", data, "--db", dsn)
		c := client(t)
		resp, _ := post(t, c, s.url+"/login/citizen", url.Values{"next": {"/me"}})
		authorize := resp.Header.Get("Location")
		if !strings.HasPrefix(authorize, s.url+"/dev-idp/authorize?") {
			t.Fatalf("sign-in start redirected to %q", authorize)
		}
		code, page := get(t, c, authorize)
		if code != 200 || !strings.Contains(page, "KHÔNG DÙNG CHO VẬN HÀNH THẬT") {
			t.Fatalf("provider page: %d", code)
		}
		form := url.Values{}
		for _, m := range regexp.MustCompile(`type="hidden" name="([a-z_]+)" value="([^"]*)"`).FindAllStringSubmatch(page, -1) {
			form.Set(m[1], html.UnescapeString(m[2]))
		}
		form.Set("subject", "dev-citizen-01")
		resp, _ = post(t, c, s.url+"/dev-idp/authorize", form)
		callback := resp.Header.Get("Location")
		if !strings.HasPrefix(callback, s.url+"/auth/callback?") {
			t.Fatalf("provider redirected to %q (%d)", callback, resp.StatusCode)
		}
		resp2, err := c.Get(callback)
		if err != nil {
			t.Fatal(err)
		}
		resp2.Body.Close()
		if resp2.StatusCode != http.StatusSeeOther || resp2.Header.Get("Location") != "/me" {
			t.Fatalf("callback: %d %q", resp2.StatusCode, resp2.Header.Get("Location"))
		}
		_, body := get(t, c, s.url+"/me")
		for _, want := range []string{"Nguyễn Văn An", "001085012345", "12/03/1985", "Xem thông tin cá nhân"} {
			if !strings.Contains(text(body), want) {
				t.Errorf("citizen page lacks %q:\n%s", want, text(body))
			}
		}
		// The same callback cannot be replayed.
		resp3, err := client(t).Get(callback)
		if err != nil {
			t.Fatal(err)
		}
		resp3.Body.Close()
		if resp3.StatusCode != http.StatusUnauthorized {
			t.Errorf("replayed callback: %d, want 401", resp3.StatusCode)
		}
		// A citizen cannot enter the back office.
		if code, _ := get(t, c, s.url+"/office/agencies"); code != http.StatusForbidden {
			t.Errorf("citizen on /office/agencies: %d, want 403", code)
		}
	})
}

func TestSecurityEdges(t *testing.T) {
	data := t.TempDir()
	s := start(t, "--demo", "--data", data)
	c := client(t)
	// A cross-site form post is refused before it reaches a handler.
	req, _ := http.NewRequest("POST", s.url+"/office/login", strings.NewReader("username=admin&password=motcua-demo-2026"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: %d, want 403", resp.StatusCode)
	}
	// No state change on GET.
	if code, _ := get(t, c, s.url+"/logout"); code != http.StatusMethodNotAllowed {
		t.Errorf("GET /logout: %d, want 405", code)
	}
	// Five wrong passwords lock the account, with a clear message, even for the right one.
	for i := range 5 {
		resp, _ := post(t, c, s.url+"/office/login", url.Values{"username": {"tuphap.lanhdao"}, "password": {fmt.Sprintf("wrong-%d-xxxxx", i)}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d", i, resp.StatusCode)
		}
	}
	resp, body := post(t, c, s.url+"/office/login", url.Values{"username": {"tuphap.lanhdao"}, "password": {"motcua-demo-2026"}})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(text(body), "tạm thời bị khóa") {
		t.Errorf("locked account: %d %s", resp.StatusCode, text(body))
	}
	// Security headers on every page.
	resp, err = c.Get(s.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Request-Id"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("missing header %s", h)
		}
	}
	// Metrics count requests by route pattern. A request is counted just
	// after its response is written, so the count may trail by a moment.
	var metrics string
	for range 50 {
		_, metrics = get(t, c, s.url+"/metrics")
		if strings.Contains(metrics, `motcua_http_requests_total{code="200",method="GET",route="GET /{$}"}`) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(metrics, `motcua_http_requests_total{code="200",method="GET",route="GET /{$}"}`) || !strings.Contains(metrics, "motcua_db_open_connections") {
		t.Errorf("metrics lack route counts or pool stats:\n%.2000s", metrics)
	}
}

func TestTokenCreateAndUse(t *testing.T) {
	data := t.TempDir()
	s := start(t, "--demo", "--data", data)
	s.stop()
	code, tok, errOut := run(t, "", "token", "create", "--data", data, "--system", "lgsp-hanoi", "--agency", "H26", "--role", "specialist", "--name", "LGSP")
	if code != 0 || !strings.HasPrefix(tok, "mct_") {
		t.Fatalf("token create: %d %q %q", code, tok, errOut)
	}
	s = start(t, "--data", data)
	req, _ := http.NewRequest("GET", s.url+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(tok))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"kind":"system"`) || !strings.Contains(string(b), `"username":"lgsp-hanoi"`) {
		t.Fatalf("/me with token: %d %s", resp.StatusCode, b)
	}
	req.Header.Set("Authorization", "Bearer mct_forged")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("forged token: %d", resp.StatusCode)
	}
}

func TestStartupErrorsNameTheSetting(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, []byte("x"), 0o600)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown scheme", []string{"--db", "mysql://localhost/x"}, "--db (MOTCUA_DB)"},
		{"unreachable postgres", []string{"--db", "postgres://u@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"}, "--db (MOTCUA_DB)"},
		{"unwritable data dir", []string{"--data", file}, "--data (MOTCUA_DATA)"},
		{"bad base url", []string{"--base-url", "ftp://x"}, "--base-url"},
		{"oidc without secret", []string{"--oidc-issuer", "https://id.example"}, "--oidc-client-id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := run(t, "", append([]string{"serve", "--addr", "127.0.0.1:0"}, tt.args...)...)
			if code == 0 || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want non-zero naming %q", code, errOut, tt.want)
			}
		})
	}
}

func TestEnvironmentAndFileSecrets(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "dsn")
	os.WriteFile(secret, []byte("sqlite:"+filepath.Join(dir, "via-file.db")+"\n"), 0o600)
	env, out, errb := testEnv("")
	env.Getenv = func(k string) string {
		switch k {
		case "MOTCUA_DB_FILE":
			return secret
		case "MOTCUA_DATA":
			return dir
		}
		return ""
	}
	if code := Main(context.Background(), []string{"migrate"}, env); code != 0 {
		t.Fatalf("migrate: %d %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "via-file.db") {
		t.Errorf("migrate did not use the DSN from MOTCUA_DB_FILE: %q", out.String())
	}
	// Help lists every option with its variable.
	env, out, errb = testEnv("")
	Main(context.Background(), []string{"serve", "--help"}, env)
	for _, o := range options {
		if !strings.Contains(errb.String(), o.env) {
			t.Errorf("serve --help does not mention %s", o.env)
		}
	}
	_ = out
}
