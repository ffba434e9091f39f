package devidp_test

import (
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/motcua/motcua/internal/devidp"
)

// TestFullFlow signs every test citizen in with the client libraries the
// identity package uses, so what passes here is what the application gets.
func TestFullFlow(t *testing.T) {
	e := newEnv(t, nil)
	ctx := t.Context()
	provider, err := oidc.NewProvider(ctx, e.issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	verifier := provider.Verifier(&oidc.Config{ClientID: clientID})
	conf := &oauth2.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		Endpoint:     provider.Endpoint(),
		RedirectURL:  redirectURI,
		Scopes:       []string{oidc.ScopeOpenID, "profile", "email", "phone", "address"},
	}

	for _, c := range devidp.TestCitizens() {
		t.Run(c.Subject, func(t *testing.T) {
			pkce := oauth2.GenerateVerifier()
			state, nonce := rand.Text(), rand.Text()
			authURL := conf.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(pkce))

			req, _ := http.NewRequest(http.MethodGet, authURL, nil)
			page := e.do(t, req)
			if page.status != http.StatusOK {
				t.Fatalf("GET authorize: status %d\n%s", page.status, page.body)
			}
			action, form, subjects := pageForm(t, page.body)
			if want := subjectsOf(devidp.TestCitizens()); !slices.Equal(subjects, want) {
				t.Errorf("page offers %v, want %v", subjects, want)
			}
			form.Set("subject", c.Subject)
			post, _ := http.NewRequest(http.MethodPost, e.base+action, strings.NewReader(form.Encode()))
			post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			before := time.Now().Unix()
			chosen := e.do(t, post)
			if chosen.status != http.StatusSeeOther {
				t.Fatalf("POST authorize: status %d\n%s", chosen.status, chosen.body)
			}
			q := location(t, chosen, redirectURI)
			if q.Get("state") != state || q.Get("iss") != e.issuer {
				t.Errorf("redirect state=%q iss=%q, want %q and %q", q.Get("state"), q.Get("iss"), state, e.issuer)
			}

			tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pkce))
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			after := time.Now().Unix()
			if tok.TokenType != "Bearer" {
				t.Errorf("token_type = %q, want Bearer", tok.TokenType)
			}
			if left := time.Until(tok.Expiry); left < 9*time.Minute || left > 10*time.Minute {
				t.Errorf("access token expires in %v, want about 10m", left)
			}
			raw, _ := tok.Extra("id_token").(string)
			idt, err := verifier.Verify(ctx, raw)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if idt.Nonce != nonce {
				t.Errorf("nonce = %q, want %q", idt.Nonce, nonce)
			}
			if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
				t.Errorf("at_hash: %v", err)
			}

			var claims map[string]any
			if err := idt.Claims(&claims); err != nil {
				t.Fatal(err)
			}
			// Times are only known to the second, within the test's span.
			iat, _ := claims["iat"].(float64)
			exp, _ := claims["exp"].(float64)
			authTime, _ := claims["auth_time"].(float64)
			if int64(iat) < before || int64(iat) > after {
				t.Errorf("iat = %v, want within [%d, %d]", iat, before, after)
			}
			if exp-iat != 600 {
				t.Errorf("exp - iat = %v, want 600", exp-iat)
			}
			if int64(authTime) < before || authTime > iat {
				t.Errorf("auth_time = %v, want within [%d, iat=%v]", authTime, before, iat)
			}
			for _, k := range []string{"iat", "exp", "auth_time", "at_hash"} {
				delete(claims, k)
			}
			identity := wantIdentity(c)
			want := map[string]any{"iss": e.issuer, "aud": clientID, "nonce": nonce}
			for k, v := range identity {
				want[k] = v
			}
			if diff := cmp.Diff(want, claims); diff != "" {
				t.Errorf("ID token claims (-want +got):\n%s", diff)
			}

			info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
			if err != nil {
				t.Fatalf("UserInfo: %v", err)
			}
			if info.Subject != c.Subject || info.Email != c.Email || info.EmailVerified != (c.Email != "") {
				t.Errorf("UserInfo = %+v, want subject %q, email %q", info, c.Subject, c.Email)
			}
			var userinfo map[string]any
			if err := info.Claims(&userinfo); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(identity, userinfo); diff != "" {
				t.Errorf("userinfo claims (-want +got):\n%s", diff)
			}
		})
	}
}

// wantIdentity is written out from the Citizen rather than derived from the
// code under test, so a renamed or dropped claim fails here.
func wantIdentity(c devidp.Citizen) map[string]any {
	m := map[string]any{
		"sub":          c.Subject,
		"name":         c.FullName,
		"birthdate":    c.BirthDate,
		"gender":       c.Gender,
		"phone_number": c.Phone,
		"national_id":  c.NationalID,
		"address":      map[string]any{"formatted": c.Address},
	}
	if c.Email != "" {
		m["email"] = c.Email
		m["email_verified"] = true
	}
	return m
}

// TestLibraryErrors checks that failures reach a client library as the
// RFC 6749 error codes it exposes to the application.
func TestLibraryErrors(t *testing.T) {
	e := newEnv(t, nil)
	ctx := t.Context()
	provider, err := oidc.NewProvider(ctx, e.issuer)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, secret, wantCode string
		wrongVerifier          bool
	}{
		{name: "wrong PKCE verifier", secret: clientSecret, wrongVerifier: true, wantCode: "invalid_grant"},
		{name: "wrong client secret", secret: "not-the-secret", wantCode: "invalid_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkce := oauth2.GenerateVerifier()
			code := e.code(t, authParams(pkce, ""), defaultSubject)
			if tt.wrongVerifier {
				pkce = oauth2.GenerateVerifier()
			}
			conf := &oauth2.Config{
				ClientID: clientID, ClientSecret: tt.secret,
				Endpoint: provider.Endpoint(), RedirectURL: redirectURI,
			}
			_, err := conf.Exchange(ctx, code, oauth2.VerifierOption(pkce))
			var re *oauth2.RetrieveError
			if !errors.As(err, &re) || re.ErrorCode != tt.wantCode {
				t.Fatalf("Exchange error = %v, want RetrieveError %q", err, tt.wantCode)
			}
		})
	}
}

// TestRootIssuer mounts the provider at the root of a host, where the
// issuer has no path.
func TestRootIssuer(t *testing.T) {
	e := newEnvAt(t, "", nil)
	provider, err := oidc.NewProvider(t.Context(), e.issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	if got, want := provider.Endpoint().AuthURL, e.base+"/authorize"; got != want {
		t.Errorf("authorization endpoint = %q, want %q", got, want)
	}
	pkce := oauth2.GenerateVerifier()
	page := e.getAuthorize(t, authParams(pkce, ""))
	if action, _, _ := pageForm(t, page.body); action != "/authorize" {
		t.Errorf("form action = %q, want /authorize", action)
	}
	_, body := e.token(t, tokenCall{
		form: url.Values{
			"grant_type": {"authorization_code"}, "code": {e.code(t, authParams(pkce, ""), defaultSubject)},
			"redirect_uri": {redirectURI}, "code_verifier": {pkce},
		},
		basicID: clientID, basicPwd: clientSecret,
	})
	if body["id_token"] == nil {
		t.Errorf("token response %v has no id_token", body)
	}
}
