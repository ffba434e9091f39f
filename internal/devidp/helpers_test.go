package devidp_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/motcua/motcua/internal/devidp"
)

// Two registered clients: the second one's redirect URI has a query of its
// own, which responses must keep.
const (
	clientID       = "motcua-portal"
	clientSecret   = "portal-secret"
	redirectURI    = "http://portal.test/auth/callback"
	otherID        = "motcua-backoffice"
	otherSecret    = "backoffice-secret"
	otherRedirect  = "http://backoffice.test/cb?tenant=h26"
	mountPath      = "/dev-idp"
	defaultState   = "state-xyz"
	defaultSubject = "dev-citizen-01"
)

// testKey is generated once: RSA generation is the slowest part of the tests.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// clock is an adjustable Config.Now, read by server goroutines.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func validConfig(issuer string) devidp.Config {
	return devidp.Config{
		Issuer:     issuer,
		Key:        testKey(),
		CodeSecret: []byte("0123456789abcdef0123456789abcdef"),
		Clients: []devidp.Client{
			{ID: clientID, Secret: clientSecret, RedirectURIs: []string{redirectURI}},
			{ID: otherID, Secret: otherSecret, RedirectURIs: []string{otherRedirect}},
		},
	}
}

type env struct {
	issuer string
	base   string // scheme and host of the server
	srv    *httptest.Server
	client *http.Client // does not follow redirects
}

// newEnv serves a Provider mounted at mountPath the way the application
// will: on a ServeMux, without http.StripPrefix. mutate may adjust the
// configuration before New.
func newEnv(t *testing.T, mutate func(*devidp.Config)) *env {
	t.Helper()
	return newEnvAt(t, mountPath, mutate)
}

func newEnvAt(t *testing.T, path string, mutate func(*devidp.Config)) *env {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	cfg := validConfig(base + path)
	if mutate != nil {
		mutate(&cfg)
	}
	p, err := devidp.New(cfg)
	if err != nil {
		srv.Close()
		t.Fatalf("New: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle(path+"/", p.Handler())
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	client := &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &env{issuer: cfg.Issuer, base: base, srv: srv, client: client}
}

// authParams is a valid authorization request for clientID whose PKCE
// verifier is verifier.
func authParams(verifier, nonce string) url.Values {
	v := url.Values{
		"response_type":         {"code"},
		"client_id":             {clientID},
		"redirect_uri":          {redirectURI},
		"scope":                 {"openid profile email"},
		"state":                 {defaultState},
		"code_challenge":        {oauth2.S256ChallengeFromVerifier(verifier)},
		"code_challenge_method": {"S256"},
	}
	if nonce != "" {
		v.Set("nonce", nonce)
	}
	return v
}

func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

func without(v url.Values, keys ...string) url.Values {
	out := with(v)
	for _, k := range keys {
		out.Del(k)
	}
	return out
}

type response struct {
	status int
	header http.Header
	body   string
}

func (e *env) do(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(body)}
}

func (e *env) getAuthorize(t *testing.T, params url.Values) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.issuer+"/authorize?"+params.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return e.do(t, req)
}

func (e *env) postAuthorize(t *testing.T, form url.Values, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.issuer+"/authorize", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return e.do(t, req)
}

// code signs subject in through the form and returns the code from the
// redirect.
func (e *env) code(t *testing.T, params url.Values, subject string) string {
	t.Helper()
	resp := e.postAuthorize(t, with(params, "subject", subject))
	if resp.status != http.StatusSeeOther {
		t.Fatalf("POST /authorize: status %d, want 303; body:\n%s", resp.status, resp.body)
	}
	loc, err := url.Parse(resp.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	code := loc.Query().Get("code")
	if code == "" {
		t.Fatalf("no code in %s", loc)
	}
	return code
}

type tokenCall struct {
	form              url.Values
	basicID, basicPwd string // Basic authentication when basicID is set
}

func (e *env) token(t *testing.T, c tokenCall) (response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.issuer+"/token", strings.NewReader(c.form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.basicID != "" {
		req.SetBasicAuth(url.QueryEscape(c.basicID), url.QueryEscape(c.basicPwd))
	}
	resp := e.do(t, req)
	var body map[string]any
	if err := json.Unmarshal([]byte(resp.body), &body); err != nil {
		t.Fatalf("token response is not JSON (%v): %q", err, resp.body)
	}
	return resp, body
}

// location parses the Location header and checks that it leads to want,
// the registered redirect URI, with nothing but parameters added.
func location(t *testing.T, resp response, want string) url.Values {
	t.Helper()
	raw := resp.header.Get("Location")
	if !strings.HasPrefix(raw, want+"?") && !strings.HasPrefix(raw, want+"&") {
		t.Fatalf("Location = %q, want %q plus parameters", raw, want)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

var (
	hiddenRE  = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
	subjectRE = regexp.MustCompile(`<button type="submit" name="subject" value="([^"]*)">`)
	actionRE  = regexp.MustCompile(`<form method="post" action="([^"]*)">`)
)

// pageForm reads the sign-in page the way a browser would submit it: the
// form's action, its hidden fields and the subjects on offer.
func pageForm(t *testing.T, page string) (action string, fields url.Values, subjects []string) {
	t.Helper()
	m := actionRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no POST form in page:\n%s", page)
	}
	action = html.UnescapeString(m[1])
	fields = url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(page, -1) {
		fields.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	for _, m := range subjectRE.FindAllStringSubmatch(page, -1) {
		subjects = append(subjects, html.UnescapeString(m[1]))
	}
	return action, fields, subjects
}

func subjectsOf(cs []devidp.Citizen) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Subject)
	}
	return out
}

func mustContain(t *testing.T, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Errorf("body lacks %q", p)
		}
	}
}

// jsonOf decodes a JSON body for comparisons with go-cmp.
func jsonOf(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader([]byte(body)))
	if err := d.Decode(&m); err != nil {
		t.Fatalf("not JSON (%v): %q", err, body)
	}
	return m
}
