package devidp_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/motcua/motcua/internal/devidp"
)

// tamperCode rewrites the payload of a sealed code, keeping its MAC, as an
// attacker who can read the code would.
func tamperCode(t *testing.T, code string, change func(map[string]any)) string {
	t.Helper()
	body, mac, ok := strings.Cut(code, ".")
	if !ok {
		t.Fatalf("code %q has no MAC part", code)
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	raw, err = json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(raw) + "." + mac
}

func TestToken(t *testing.T) {
	type call struct {
		tokenCall
		advance time.Duration
	}
	tests := []struct {
		name       string
		prepare    func(t *testing.T, e *env, c *call) // starts from a valid call
		wantStatus int
		wantError  string // "" for success
	}{
		{name: "client_secret_basic", wantStatus: 200},
		{name: "client_secret_post", prepare: func(t *testing.T, e *env, c *call) {
			c.form.Set("client_id", clientID)
			c.form.Set("client_secret", clientSecret)
			c.basicID = ""
		}, wantStatus: 200},
		{name: "redeemed at 59 s", prepare: func(t *testing.T, e *env, c *call) { c.advance = 59 * time.Second }, wantStatus: 200},
		{name: "expired at 60 s", prepare: func(t *testing.T, e *env, c *call) { c.advance = 60 * time.Second },
			wantStatus: 400, wantError: "invalid_grant"},
		{name: "wrong PKCE verifier", prepare: func(t *testing.T, e *env, c *call) {
			c.form.Set("code_verifier", oauth2.GenerateVerifier())
		}, wantStatus: 400, wantError: "invalid_grant"},
		{name: "missing PKCE verifier", prepare: func(t *testing.T, e *env, c *call) {
			c.form.Del("code_verifier")
		}, wantStatus: 400, wantError: "invalid_request"},
		{name: "malformed PKCE verifier", prepare: func(t *testing.T, e *env, c *call) {
			c.form.Set("code_verifier", "short")
		}, wantStatus: 400, wantError: "invalid_request"},
		{name: "code rewritten to another citizen", prepare: func(t *testing.T, e *env, c *call) {
			c.form.Set("code", tamperCode(t, c.form.Get("code"), func(m map[string]any) { m["sub"] = "dev-citizen-02" }))
		}, wantStatus: 400, wantError: "invalid_grant"},
		{name: "code with extended expiry", prepare: func(t *testing.T, e *env, c *call) {
			c.form.Set("code", tamperCode(t, c.form.Get("code"), func(m map[string]any) { m["exp"] = m["exp"].(float64) + 3600 }))
			c.advance = time.Hour
		}, wantStatus: 400, wantError: "invalid_grant"},
		{name: "code with forged MAC", prepare: func(t *testing.T, e *env, c *call) {
			body, _, _ := strings.Cut(c.form.Get("code"), ".")
			c.form.Set("code", body+"."+base64.RawURLEncoding.EncodeToString(make([]byte, 32)))
		}, wantStatus: 400, wantError: "invalid_grant"},
		{name: "garbage code", prepare: func(t *testing.T, e *env, c *call) { c.form.Set("code", "garbage") },
			wantStatus: 400, wantError: "invalid_grant"},
		{name: "code issued to another client", prepare: func(t *testing.T, e *env, c *call) {
			c.basicID, c.basicPwd = otherID, otherSecret
		}, wantStatus: 400, wantError: "invalid_grant"},
		{name: "another client's redirect_uri", prepare: func(t *testing.T, e *env, c *call) {
			c.basicID, c.basicPwd = otherID, otherSecret
			c.form.Set("redirect_uri", otherRedirect)
		}, wantStatus: 400, wantError: "invalid_grant"},
		{name: "different redirect_uri", prepare: func(t *testing.T, e *env, c *call) {
			c.form.Set("redirect_uri", redirectURI+"/other")
		}, wantStatus: 400, wantError: "invalid_grant"},
		{name: "missing redirect_uri", prepare: func(t *testing.T, e *env, c *call) { c.form.Del("redirect_uri") },
			wantStatus: 400, wantError: "invalid_request"},
		{name: "missing code", prepare: func(t *testing.T, e *env, c *call) { c.form.Del("code") },
			wantStatus: 400, wantError: "invalid_request"},
		{name: "missing grant_type", prepare: func(t *testing.T, e *env, c *call) { c.form.Del("grant_type") },
			wantStatus: 400, wantError: "invalid_request"},
		{name: "refresh_token grant", prepare: func(t *testing.T, e *env, c *call) { c.form.Set("grant_type", "refresh_token") },
			wantStatus: 400, wantError: "unsupported_grant_type"},
		{name: "repeated parameter", prepare: func(t *testing.T, e *env, c *call) { c.form.Add("code", "again") },
			wantStatus: 400, wantError: "invalid_request"},
		{name: "wrong client secret, basic", prepare: func(t *testing.T, e *env, c *call) { c.basicPwd = "guess" },
			wantStatus: 401, wantError: "invalid_client"},
		{name: "wrong client secret, post", prepare: func(t *testing.T, e *env, c *call) {
			c.basicID = ""
			c.form.Set("client_id", clientID)
			c.form.Set("client_secret", "guess")
		}, wantStatus: 401, wantError: "invalid_client"},
		{name: "another client's secret", prepare: func(t *testing.T, e *env, c *call) { c.basicPwd = otherSecret },
			wantStatus: 401, wantError: "invalid_client"},
		{name: "unknown client", prepare: func(t *testing.T, e *env, c *call) { c.basicID = "intruder" },
			wantStatus: 401, wantError: "invalid_client"},
		{name: "no client authentication", prepare: func(t *testing.T, e *env, c *call) {
			c.basicID = ""
			c.form.Set("client_id", clientID)
		}, wantStatus: 401, wantError: "invalid_client"},
		{name: "two authentication methods", prepare: func(t *testing.T, e *env, c *call) {
			c.form.Set("client_secret", clientSecret)
		}, wantStatus: 400, wantError: "invalid_request"},
		{name: "access token presented as a code", prepare: func(t *testing.T, e *env, c *call) {
			_, body := e.token(t, c.tokenCall)
			access, _ := body["access_token"].(string)
			if access == "" {
				t.Fatalf("no access token in %v", body)
			}
			c.form.Set("code", access)
		}, wantStatus: 400, wantError: "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			e := newEnv(t, func(c *devidp.Config) { c.Now = clk.Now })
			pkce := oauth2.GenerateVerifier()
			c := call{tokenCall: tokenCall{
				form: url.Values{
					"grant_type":    {"authorization_code"},
					"code":          {e.code(t, authParams(pkce, "n-1"), defaultSubject)},
					"redirect_uri":  {redirectURI},
					"code_verifier": {pkce},
				},
				basicID: clientID, basicPwd: clientSecret,
			}}
			if tt.prepare != nil {
				tt.prepare(t, e, &c)
			}
			clk.Advance(c.advance)
			resp, body := e.token(t, c.tokenCall)

			if resp.status != tt.wantStatus {
				t.Errorf("status %d, want %d; body %s", resp.status, tt.wantStatus, resp.body)
			}
			if got := resp.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
			if got := resp.header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", got)
			}
			if tt.wantError != "" {
				if body["error"] != tt.wantError {
					t.Errorf("error = %v (%v), want %q", body["error"], body["error_description"], tt.wantError)
				}
				if _, leaked := body["access_token"]; leaked {
					t.Error("an error response carries an access token")
				}
				if tt.wantStatus == 401 && !strings.HasPrefix(resp.header.Get("WWW-Authenticate"), "Basic ") {
					t.Errorf("401 without a Basic challenge: %q", resp.header.Get("WWW-Authenticate"))
				}
				return
			}
			if body["token_type"] != "Bearer" || body["expires_in"] != 600.0 || body["scope"] != "openid profile email" {
				t.Errorf("token response %v, want Bearer, 600 s, scope \"openid profile email\"", body)
			}
			for _, k := range []string{"access_token", "id_token"} {
				if s, _ := body[k].(string); s == "" {
					t.Errorf("no %s in %v", k, body)
				}
			}
		})
	}
}

func TestUserInfo(t *testing.T) {
	clk := newClock()
	e := newEnv(t, func(c *devidp.Config) { c.Now = clk.Now })
	pkce := oauth2.GenerateVerifier()
	code := e.code(t, authParams(pkce, ""), "dev-citizen-04")
	_, tok := e.token(t, tokenCall{
		form: url.Values{
			"grant_type": {"authorization_code"}, "code": {code},
			"redirect_uri": {redirectURI}, "code_verifier": {pkce},
		},
		basicID: clientID, basicPwd: clientSecret,
	})
	access, _ := tok["access_token"].(string)
	if access == "" {
		t.Fatalf("no access token in %v", tok)
	}

	tests := []struct {
		name          string
		method        string
		authorization string
		advance       time.Duration
		wantStatus    int
		wantChallenge string
	}{
		{"GET", http.MethodGet, "Bearer " + access, 0, 200, ""},
		{"POST", http.MethodPost, "Bearer " + access, 0, 200, ""},
		{"lower-case scheme", http.MethodGet, "bearer " + access, 0, 200, ""},
		{"no token", http.MethodGet, "", 0, 401, `Bearer realm="devidp"`},
		{"Basic credentials", http.MethodGet, "Basic " + base64.StdEncoding.EncodeToString([]byte("a:b")), 0, 401, `Bearer realm="devidp"`},
		{"garbage token", http.MethodGet, "Bearer garbage", 0, 401, `Bearer realm="devidp", error="invalid_token"`},
		{"code as access token", http.MethodGet, "Bearer " + code, 0, 401, `Bearer realm="devidp", error="invalid_token"`},
		{"ID token as access token", http.MethodGet, "Bearer " + tok["id_token"].(string), 0, 401, `Bearer realm="devidp", error="invalid_token"`},
		{"expired token", http.MethodGet, "Bearer " + access, 10 * time.Minute, 401, `Bearer realm="devidp", error="invalid_token"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.Advance(tt.advance)
			defer clk.Advance(-tt.advance)
			req, _ := http.NewRequest(tt.method, e.issuer+"/userinfo", nil)
			if tt.authorization != "" {
				req.Header.Set("Authorization", tt.authorization)
			}
			resp := e.do(t, req)
			if resp.status != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", resp.status, tt.wantStatus, resp.body)
			}
			if got := resp.header.Get("WWW-Authenticate"); got != tt.wantChallenge {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tt.wantChallenge)
			}
			if resp.header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", resp.header.Get("Cache-Control"))
			}
			if tt.wantStatus != 200 {
				return
			}
			got := jsonOf(t, resp.body)
			if got["sub"] != "dev-citizen-04" || got["national_id"] != "001305006789" {
				t.Errorf("userinfo %v, want dev-citizen-04 / 001305006789", got)
			}
			if _, ok := got["email"]; ok {
				t.Errorf("userinfo %v has an email for a citizen without one", got)
			}
		})
	}
}
