package devidp_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/motcua/motcua/internal/devidp"
)

func TestNewValidates(t *testing.T) {
	smallKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		mutate  func(*devidp.Config)
		wantErr []string // substrings; none means New must succeed
	}{
		{name: "valid", mutate: func(*devidp.Config) {}},
		{name: "valid root issuer", mutate: func(c *devidp.Config) { c.Issuer = "https://motcua.test" }},
		{name: "missing issuer", mutate: func(c *devidp.Config) { c.Issuer = "" }, wantErr: []string{"issuer"}},
		{name: "relative issuer", mutate: func(c *devidp.Config) { c.Issuer = "/dev-idp" }, wantErr: []string{"issuer"}},
		{name: "issuer with trailing slash", mutate: func(c *devidp.Config) { c.Issuer = "http://127.0.0.1:8080/dev-idp/" },
			wantErr: []string{"slash"}},
		{name: "issuer with query", mutate: func(c *devidp.Config) { c.Issuer = "http://127.0.0.1:8080/dev-idp?x=1" },
			wantErr: []string{"query"}},
		{name: "issuer path with pattern syntax", mutate: func(c *devidp.Config) { c.Issuer = "http://127.0.0.1:8080/{x}" },
			wantErr: []string{"path"}},
		{name: "no key", mutate: func(c *devidp.Config) { c.Key = nil }, wantErr: []string{"signing key"}},
		{name: "1024-bit key", mutate: func(c *devidp.Config) { c.Key = smallKey }, wantErr: []string{"2048"}},
		{name: "short code secret", mutate: func(c *devidp.Config) { c.CodeSecret = make([]byte, 31) },
			wantErr: []string{"32 bytes"}},
		{name: "no clients", mutate: func(c *devidp.Config) { c.Clients = nil }, wantErr: []string{"client"}},
		{name: "client without secret", mutate: func(c *devidp.Config) { c.Clients[0].Secret = "" },
			wantErr: []string{"secret"}},
		{name: "client without redirect URI", mutate: func(c *devidp.Config) { c.Clients[0].RedirectURIs = nil },
			wantErr: []string{"redirect URI"}},
		{name: "relative redirect URI", mutate: func(c *devidp.Config) { c.Clients[0].RedirectURIs = []string{"/cb"} },
			wantErr: []string{"absolute"}},
		{name: "redirect URI with fragment", mutate: func(c *devidp.Config) {
			c.Clients[0].RedirectURIs = []string{"http://portal.test/cb#x"}
		}, wantErr: []string{"fragment"}},
		{name: "duplicate client", mutate: func(c *devidp.Config) { c.Clients[1].ID = c.Clients[0].ID },
			wantErr: []string{"twice"}},
		{name: "empty citizen list", mutate: func(c *devidp.Config) { c.Citizens = []devidp.Citizen{} },
			wantErr: []string{"empty"}},
		{name: "duplicate citizen", mutate: func(c *devidp.Config) {
			c.Citizens = append(devidp.TestCitizens(), devidp.TestCitizens()[0])
		}, wantErr: []string{"used twice"}},
		{name: "CCCD gender digit contradicts gender", mutate: func(c *devidp.Config) {
			c.Citizens = devidp.TestCitizens()
			c.Citizens[0].Gender = "female"
		}, wantErr: []string{"means male"}},
		{name: "CCCD year contradicts birth date", mutate: func(c *devidp.Config) {
			c.Citizens = devidp.TestCitizens()
			c.Citizens[0].BirthDate = "1986-03-12"
		}, wantErr: []string{"birth year 1986"}},
		{name: "CCCD century contradicts birth date", mutate: func(c *devidp.Config) {
			c.Citizens = devidp.TestCitizens()
			c.Citizens[0].BirthDate = "2085-03-12"
		}, wantErr: []string{"birth in 2085"}},
		{name: "11-digit CCCD", mutate: func(c *devidp.Config) {
			c.Citizens = devidp.TestCitizens()
			c.Citizens[0].NationalID = "00108501234"
		}, wantErr: []string{"12 digits"}},
		{name: "bad birth date", mutate: func(c *devidp.Config) {
			c.Citizens = devidp.TestCitizens()
			c.Citizens[0].BirthDate = "12/03/1985"
		}, wantErr: []string{"YYYY-MM-DD"}},
		{name: "every problem reported", mutate: func(c *devidp.Config) {
			c.Key = nil
			c.CodeSecret = nil
		}, wantErr: []string{"signing key", "code secret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig("http://127.0.0.1:8080/dev-idp")
			tt.mutate(&cfg)
			p, err := devidp.New(cfg)
			if len(tt.wantErr) == 0 {
				if err != nil || p == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("New accepted an invalid configuration")
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

func TestDiscovery(t *testing.T) {
	e := newEnv(t, nil)
	req, _ := http.NewRequest(http.MethodGet, e.issuer+"/.well-known/openid-configuration", nil)
	resp := e.do(t, req)
	if resp.status != http.StatusOK {
		t.Fatalf("status %d", resp.status)
	}
	strs := func(s ...string) []any {
		out := make([]any, len(s))
		for i, v := range s {
			out[i] = v
		}
		return out
	}
	want := map[string]any{
		"issuer":                                e.issuer,
		"authorization_endpoint":                e.issuer + "/authorize",
		"token_endpoint":                        e.issuer + "/token",
		"userinfo_endpoint":                     e.issuer + "/userinfo",
		"jwks_uri":                              e.issuer + "/jwks",
		"response_types_supported":              strs("code"),
		"response_modes_supported":              strs("query"),
		"grant_types_supported":                 strs("authorization_code"),
		"subject_types_supported":               strs("public"),
		"id_token_signing_alg_values_supported": strs("RS256"),
		"scopes_supported":                      strs("openid", "profile", "email", "phone", "address"),
		"claims_supported": strs("iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash",
			"name", "birthdate", "gender", "phone_number", "email", "email_verified", "address", "national_id"),
		"code_challenge_methods_supported":               strs("S256"),
		"token_endpoint_auth_methods_supported":          strs("client_secret_basic", "client_secret_post"),
		"authorization_response_iss_parameter_supported": true,
	}
	if diff := cmp.Diff(want, jsonOf(t, resp.body)); diff != "" {
		t.Errorf("discovery (-want +got):\n%s", diff)
	}
}

func TestJWKS(t *testing.T) {
	e := newEnv(t, nil)
	req, _ := http.NewRequest(http.MethodGet, e.issuer+"/jwks", nil)
	resp := e.do(t, req)
	if resp.status != http.StatusOK {
		t.Fatalf("status %d", resp.status)
	}
	keys, _ := jsonOf(t, resp.body)["keys"].([]any)
	if len(keys) != 1 {
		t.Fatalf("want one key, got %s", resp.body)
	}
	k := keys[0].(map[string]any)
	for name, want := range map[string]string{"kty": "RSA", "alg": "RS256", "use": "sig"} {
		if k[name] != want {
			t.Errorf("%s = %v, want %q", name, k[name], want)
		}
	}
	n, _ := base64.RawURLEncoding.DecodeString(k["n"].(string))
	eb, _ := base64.RawURLEncoding.DecodeString(k["e"].(string))
	pub := testKey().PublicKey
	if new(big.Int).SetBytes(n).Cmp(pub.N) != 0 || new(big.Int).SetBytes(eb).Int64() != int64(pub.E) {
		t.Error("published key is not the configured key")
	}
	if _, private := k["d"]; private {
		t.Error("JWKS publishes the private exponent")
	}
	canonical := `{"e":"` + k["e"].(string) + `","kty":"RSA","n":"` + k["n"].(string) + `"}`
	sum := sha256.Sum256([]byte(canonical))
	if want := base64.RawURLEncoding.EncodeToString(sum[:]); k["kid"] != want {
		t.Errorf("kid = %v, want RFC 7638 thumbprint %q", k["kid"], want)
	}
}

// TestMounting pins down the documented mounting contract: the handler
// expects the issuer path in the request and answers wrong methods with 405.
func TestMounting(t *testing.T) {
	e := newEnv(t, nil)
	p, err := devidp.New(validConfig(e.issuer))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, mountPath + "/jwks", http.StatusOK},
		{http.MethodGet, "/jwks", http.StatusNotFound}, // what http.StripPrefix would pass on
		{http.MethodGet, mountPath + "/token", http.StatusMethodNotAllowed},
		{http.MethodDelete, mountPath + "/authorize", http.StatusMethodNotAllowed},
		{http.MethodGet, mountPath + "/nothing", http.StatusNotFound},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, e.base+tt.path, nil)
		if got := e.do(t, req).status; got != tt.want {
			t.Errorf("%s %s via the mux: status %d, want %d", tt.method, tt.path, got, tt.want)
		}
		// The bare handler behaves the same without the application's mux.
		rec := httptest.NewRecorder()
		p.Handler().ServeHTTP(rec, req)
		if rec.Code != tt.want {
			t.Errorf("%s %s on Handler(): status %d, want %d", tt.method, tt.path, rec.Code, tt.want)
		}
	}
}
