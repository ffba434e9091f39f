package devidp_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/motcua/motcua/internal/devidp"
)

const (
	warningVI = "MÔI TRƯỜNG THỬ NGHIỆM — KHÔNG DÙNG CHO VẬN HÀNH THẬT"
	warningEN = "Development identity provider — not for production"
)

func TestAuthorizePage(t *testing.T) {
	e := newEnv(t, nil)
	// A nonce with markup characters checks that the hidden fields escape
	// and round-trip values exactly.
	params := authParams(oauth2.GenerateVerifier(), `n"<b>&'x`)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			var resp response
			if method == http.MethodGet {
				resp = e.getAuthorize(t, params)
			} else {
				resp = e.postAuthorize(t, params) // an OpenID Connect POST request, no choice yet
			}
			if resp.status != http.StatusOK {
				t.Fatalf("status %d, want 200\n%s", resp.status, resp.body)
			}
			for k, want := range map[string]string{
				"Content-Type":  "text/html; charset=utf-8",
				"Cache-Control": "no-store",
			} {
				if got := resp.header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if csp := resp.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("Content-Security-Policy = %q, want framing forbidden", csp)
			}
			mustContain(t, resp.body,
				"<!doctype html>", `<html lang="vi">`, `name="viewport"`, "<h1>", "<legend>",
				warningVI, `<span class="en" lang="en">`+warningEN,
				"Hủy đăng nhập", "Cancel sign-in", clientID, redirectURI)
			if strings.Index(resp.body, warningVI) > strings.Index(resp.body, warningEN) {
				t.Error("the Vietnamese warning must come before the English one")
			}
			for _, c := range devidp.TestCitizens() {
				// Birth dates are shown day first, as Vietnamese readers expect.
				d := c.BirthDate[8:10] + "/" + c.BirthDate[5:7] + "/" + c.BirthDate[0:4]
				mustContain(t, resp.body, c.FullName, c.NationalID, d)
			}

			action, fields, subjects := pageForm(t, resp.body)
			if action != mountPath+"/authorize" {
				t.Errorf("form action = %q, want %q", action, mountPath+"/authorize")
			}
			if diff := cmp.Diff(params, fields); diff != "" {
				t.Errorf("hidden fields (-sent +carried):\n%s", diff)
			}
			if want := subjectsOf(devidp.TestCitizens()); !slices.Equal(subjects, want) {
				t.Errorf("subjects %v, want %v", subjects, want)
			}
		})
	}
}

// TestAuthorizeUntrustedRedirect covers requests whose client or redirect
// URI cannot be trusted: the user sees an error page and is never sent
// anywhere, by GET or by a forged form POST.
func TestAuthorizeUntrustedRedirect(t *testing.T) {
	e := newEnv(t, nil)
	valid := authParams(oauth2.GenerateVerifier(), "")
	repeated := with(valid)
	repeated.Add("client_id", otherID)
	tests := []struct {
		name   string
		params url.Values
	}{
		{"unknown client", with(valid, "client_id", "intruder")},
		{"missing client_id", without(valid, "client_id")},
		{"missing redirect_uri", without(valid, "redirect_uri")},
		{"unregistered redirect_uri", with(valid, "redirect_uri", "http://evil.test/cb")},
		{"redirect_uri with extra query", with(valid, "redirect_uri", redirectURI+"?x=1")},
		{"redirect_uri with trailing slash", with(valid, "redirect_uri", redirectURI+"/")},
		{"redirect_uri of another client", with(valid, "redirect_uri", otherRedirect)},
		{"repeated client_id", repeated},
	}
	for _, tt := range tests {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			t.Run(tt.name+"/"+method, func(t *testing.T) {
				var resp response
				if method == http.MethodGet {
					resp = e.getAuthorize(t, tt.params)
				} else {
					resp = e.postAuthorize(t, with(tt.params, "subject", defaultSubject))
				}
				if resp.status != http.StatusBadRequest {
					t.Errorf("status %d, want 400", resp.status)
				}
				if loc := resp.header.Get("Location"); loc != "" {
					t.Errorf("redirected to %q", loc)
				}
				if ct := resp.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
					t.Errorf("Content-Type = %q", ct)
				}
				mustContain(t, resp.body, `<html lang="vi">`, warningVI, "Yêu cầu đăng nhập không hợp lệ", "Invalid sign-in request")
				if strings.Contains(resp.body, "code=") {
					t.Error("error page mentions a code")
				}
			})
		}
	}
}

// TestAuthorizeErrorRedirect covers invalid requests from a trusted client:
// the error goes back to the client (RFC 6749 §4.1.2.1), never a code,
// whether the request is the first GET or a forged form POST.
func TestAuthorizeErrorRedirect(t *testing.T) {
	e := newEnv(t, nil)
	valid := authParams(oauth2.GenerateVerifier(), "n-1")
	repeatedScope := with(valid)
	repeatedScope.Add("scope", "openid")
	tests := []struct {
		name      string
		params    url.Values
		wantError string
	}{
		{"missing code_challenge", without(valid, "code_challenge"), "invalid_request"},
		{"missing code_challenge_method", without(valid, "code_challenge_method"), "invalid_request"},
		{"plain code_challenge_method", with(valid, "code_challenge_method", "plain"), "invalid_request"},
		{"code_challenge not S256-shaped", with(valid, "code_challenge", "too-short"), "invalid_request"},
		{"missing response_type", without(valid, "response_type"), "invalid_request"},
		{"implicit response_type", with(valid, "response_type", "id_token token"), "unsupported_response_type"},
		{"scope without openid", with(valid, "scope", "profile email"), "invalid_scope"},
		{"missing scope", without(valid, "scope"), "invalid_scope"},
		{"missing state", without(valid, "state"), "invalid_request"},
		{"prompt=none", with(valid, "prompt", "none"), "login_required"},
		{"repeated scope", repeatedScope, "invalid_request"},
		{"oversized nonce", with(valid, "nonce", strings.Repeat("n", 513)), "invalid_request"},
	}
	for _, tt := range tests {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			t.Run(tt.name+"/"+method, func(t *testing.T) {
				var resp response
				wantStatus := http.StatusFound
				if method == http.MethodGet {
					resp = e.getAuthorize(t, tt.params)
				} else {
					resp = e.postAuthorize(t, with(tt.params, "subject", defaultSubject))
					wantStatus = http.StatusSeeOther
				}
				if resp.status != wantStatus {
					t.Fatalf("status %d, want %d\n%s", resp.status, wantStatus, resp.body)
				}
				q := location(t, resp, redirectURI)
				if got := q.Get("error"); got != tt.wantError {
					t.Errorf("error = %q (%s), want %q", got, q.Get("error_description"), tt.wantError)
				}
				if q.Has("code") {
					t.Error("an error response carries a code")
				}
				if got, want := q.Get("state"), tt.params.Get("state"); got != want {
					t.Errorf("state = %q, want %q", got, want)
				}
				if q.Get("iss") != e.issuer {
					t.Errorf("iss = %q, want %q", q.Get("iss"), e.issuer)
				}
			})
		}
	}
}

func TestAuthorizeChoice(t *testing.T) {
	e := newEnv(t, nil)
	valid := authParams(oauth2.GenerateVerifier(), "")

	t.Run("unknown subject", func(t *testing.T) {
		resp := e.postAuthorize(t, with(valid, "subject", "dev-citizen-99"))
		if resp.status != http.StatusBadRequest || resp.header.Get("Location") != "" {
			t.Fatalf("status %d, Location %q; want 400 and no redirect", resp.status, resp.header.Get("Location"))
		}
		mustContain(t, resp.body, `role="alert"`, "Không có công dân thử nghiệm này", "There is no such test citizen")
		// The page is offered again so the user can pick someone real.
		if _, _, subjects := pageForm(t, resp.body); len(subjects) != len(devidp.TestCitizens()) {
			t.Errorf("page offers %d citizens, want %d", len(subjects), len(devidp.TestCitizens()))
		}
	})

	t.Run("cancel", func(t *testing.T) {
		resp := e.postAuthorize(t, with(valid, "cancel", "1"))
		if resp.status != http.StatusSeeOther {
			t.Fatalf("status %d, want 303", resp.status)
		}
		q := location(t, resp, redirectURI)
		if q.Get("error") != "access_denied" || q.Get("state") != defaultState || q.Has("code") {
			t.Errorf("redirect query %v, want error=access_denied with state and no code", q)
		}
	})

	t.Run("registered query kept", func(t *testing.T) {
		params := with(valid, "client_id", otherID, "redirect_uri", otherRedirect)
		resp := e.postAuthorize(t, with(params, "subject", defaultSubject))
		q := location(t, resp, otherRedirect)
		if q.Get("tenant") != "h26" || q.Get("code") == "" {
			t.Errorf("redirect query %v, want tenant=h26 and a code", q)
		}
	})

	for _, tt := range []struct {
		name       string
		headers    []string
		wantStatus int
	}{
		{"same-origin form", []string{"Sec-Fetch-Site", "same-origin"}, http.StatusSeeOther},
		{"cross-site form", []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"foreign Origin", []string{"Origin", "http://evil.test"}, http.StatusForbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.postAuthorize(t, with(valid, "subject", defaultSubject), tt.headers...)
			if resp.status != tt.wantStatus {
				t.Errorf("status %d, want %d", resp.status, tt.wantStatus)
			}
			if tt.wantStatus != http.StatusSeeOther && resp.header.Get("Location") != "" {
				t.Errorf("refused request redirected to %q", resp.header.Get("Location"))
			}
		})
	}
}
