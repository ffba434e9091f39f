// Package devidp is a development OpenID Connect provider built into the
// Motcua binary. It stands in for the national e-ID (VNeID) in demos and
// tests: anyone who reaches it can sign in as any of a fixed list of
// fictional citizens, so it must only ever be enabled by an explicit
// development flag, and every page it shows says so.
//
// It implements the authorization code flow with mandatory PKCE (S256),
// discovery, a JWKS endpoint and a userinfo endpoint, which is the subset the
// identity package needs from the real provider.
//
// # Mounting
//
// Handler serves the full request paths under the issuer's path, so mount it
// as it is, without http.StripPrefix. For the issuer
// http://127.0.0.1:8080/dev-idp:
//
//	mux.Handle("/dev-idp/", p.Handler())
//
// The endpoints are then /dev-idp/.well-known/openid-configuration,
// /dev-idp/authorize, /dev-idp/token, /dev-idp/userinfo and /dev-idp/jwks.
// Handling the prefix here keeps the paths the provider answers on and the
// URLs it advertises in discovery derived from one value, Config.Issuer.
//
// # No server-side state
//
// Authorization codes and access tokens are HMAC-sealed values that carry
// everything needed to redeem them, and the ID token signing key is supplied
// by the caller, so several copies of the server behind a load balancer
// agree on everything as long as they share Config.Key and Config.CodeSecret.
// The price is that a code can be redeemed more than once within its 60
// seconds; see codeClaims for why that is acceptable here.
//
// # Claims
//
// ID tokens and userinfo responses carry the citizen's identity as
// standard claims (name, birthdate, gender, phone_number, email, address)
// plus national_id, the 12-digit CCCD number. The real provider's claim name
// for the CCCD is a setting of the consuming side (the identity package), not
// something this package should be changed to match. All identity claims are
// released whatever the requested scope, as the national e-ID does.
package devidp

import (
	"crypto/rsa"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Citizen is a fictional person the provider can sign in.
type Citizen struct {
	Subject    string // stable OpenID Connect subject (sub)
	NationalID string // 12-digit CCCD number, sent as the national_id claim
	FullName   string // with Vietnamese diacritics
	BirthDate  string // YYYY-MM-DD
	Gender     string // "male" or "female"
	Phone      string // E.164, +84…
	Email      string // empty if the citizen has none
	Address    string // permanent address, post-July-2025 unit names
}

// Client is a registered relying party. Clients authenticate at the token
// endpoint with their secret (client_secret_basic or client_secret_post).
type Client struct {
	ID           string
	Secret       string
	RedirectURIs []string // matched exactly, including any query
}

// Config configures a Provider. See New for what is checked.
type Config struct {
	// Issuer is the absolute URL at which Handler is mounted, without a
	// trailing slash, e.g. http://127.0.0.1:8080/dev-idp. Relying parties
	// compare it byte for byte with the iss claim.
	Issuer string
	// Key signs ID tokens. Callers persist it so that server copies and
	// restarts keep publishing the same key (RSA, at least 2048 bits).
	Key *rsa.PrivateKey
	// CodeSecret authenticates authorization codes and access tokens; at
	// least 32 bytes, shared by all server copies.
	CodeSecret []byte
	// Clients are the relying parties allowed to use the provider.
	Clients []Client
	// Citizens are the identities offered on the sign-in page; nil means
	// TestCitizens().
	Citizens []Citizen
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Lifetimes. The code is short because it is meant to be redeemed at once by
// the relying party's callback; tokens are short because this provider has no
// refresh and demos simply sign in again.
const (
	codeTTL  = 60 * time.Second
	tokenTTL = 10 * time.Minute
)

//go:embed page.html
var pageFS embed.FS

// Provider is a development OpenID Connect provider. It is safe for
// concurrent use and holds no state that changes after New.
type Provider struct {
	issuer    string
	prefix    string // the issuer's path: "" or e.g. "/dev-idp"
	key       *rsa.PrivateKey
	jwk       jwk
	codeKey   []byte
	accessKey []byte
	clients   map[string]Client
	citizens  []Citizen
	bySubject map[string]Citizen
	now       func() time.Time
	pages     *template.Template
	crossSite *http.CrossOriginProtection
	handler   http.Handler
}

// New checks cfg and returns a Provider. All problems found are reported
// together, since a development setup is usually fixed in one go.
func New(cfg Config) (*Provider, error) {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("devidp: "+format, args...))
	}

	prefix, err := checkIssuer(cfg.Issuer)
	if err != nil {
		bad("issuer: %v", err)
	}
	switch {
	case cfg.Key == nil:
		bad("signing key is missing")
	case cfg.Key.N == nil || cfg.Key.N.BitLen() < 2048:
		bad("signing key must be RSA with at least 2048 bits")
	default:
		if err := cfg.Key.Validate(); err != nil {
			bad("signing key: %v", err)
		}
	}
	if len(cfg.CodeSecret) < 32 {
		bad("code secret must be at least 32 bytes, got %d", len(cfg.CodeSecret))
	}

	clients := make(map[string]Client, len(cfg.Clients))
	if len(cfg.Clients) == 0 {
		bad("at least one client is required")
	}
	for i, c := range cfg.Clients {
		if err := checkClient(c); err != nil {
			bad("client %d (%q): %v", i, c.ID, err)
			continue
		}
		if _, dup := clients[c.ID]; dup {
			bad("client %q is registered twice", c.ID)
			continue
		}
		c.RedirectURIs = append([]string(nil), c.RedirectURIs...)
		clients[c.ID] = c
	}

	citizens := cfg.Citizens
	if citizens == nil {
		citizens = TestCitizens()
	} else {
		citizens = append([]Citizen(nil), citizens...)
	}
	if len(citizens) == 0 {
		bad("the citizen list is empty, so nobody could sign in")
	}
	bySubject := make(map[string]Citizen, len(citizens))
	for i, c := range citizens {
		if err := checkCitizen(c); err != nil {
			bad("citizen %d (%q): %v", i, c.Subject, err)
			continue
		}
		if _, dup := bySubject[c.Subject]; dup {
			bad("citizen subject %q is used twice", c.Subject)
			continue
		}
		bySubject[c.Subject] = c
	}

	pages, err := template.ParseFS(pageFS, "page.html")
	if err != nil {
		bad("page template: %v", err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	p := &Provider{
		issuer:    cfg.Issuer,
		prefix:    prefix,
		key:       cfg.Key,
		jwk:       publicJWK(&cfg.Key.PublicKey),
		codeKey:   deriveKey(cfg.CodeSecret, "code"),
		accessKey: deriveKey(cfg.CodeSecret, "access-token"),
		clients:   clients,
		citizens:  citizens,
		bySubject: bySubject,
		now:       now,
		pages:     pages,
		crossSite: http.NewCrossOriginProtection(),
	}
	p.handler = p.routes()
	return p, nil
}

// Handler returns the provider's HTTP handler. It expects the full request
// path, issuer path included: mount it without http.StripPrefix.
func (p *Provider) Handler() http.Handler { return p.handler }

func (p *Provider) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+p.prefix+"/.well-known/openid-configuration", p.serveDiscovery)
	mux.HandleFunc("GET "+p.prefix+"/jwks", p.serveJWKS)
	mux.HandleFunc("GET "+p.prefix+"/authorize", p.serveAuthorize)
	mux.HandleFunc("POST "+p.prefix+"/authorize", p.serveAuthorize)
	mux.HandleFunc("POST "+p.prefix+"/token", p.serveToken)
	mux.HandleFunc("GET "+p.prefix+"/userinfo", p.serveUserInfo)
	mux.HandleFunc("POST "+p.prefix+"/userinfo", p.serveUserInfo)
	return mux
}

// checkIssuer returns the issuer's path. The path becomes part of ServeMux
// patterns, so it is limited to characters that have no meaning there.
func checkIssuer(issuer string) (string, error) {
	u, err := url.Parse(issuer)
	switch {
	case err != nil:
		return "", err
	case u.Scheme != "http" && u.Scheme != "https":
		return "", errors.New("must be an http or https URL")
	case u.Host == "":
		return "", errors.New("must have a host")
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return "", errors.New("must not have user information, a query or a fragment")
	case strings.HasSuffix(u.Path, "/"):
		return "", errors.New("must not end with a slash")
	}
	for _, r := range u.Path {
		if !(r == '/' || r == '-' || r == '_' || r == '.' || r == '~' ||
			'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return "", fmt.Errorf("path %q may only contain letters, digits and - _ . ~ /", u.Path)
		}
	}
	return u.Path, nil
}

func checkClient(c Client) error {
	if c.ID == "" || c.Secret == "" {
		return errors.New("ID and secret are required")
	}
	if len(c.RedirectURIs) == 0 {
		return errors.New("at least one redirect URI is required")
	}
	for _, raw := range c.RedirectURIs {
		u, err := url.Parse(raw)
		if err != nil {
			return fmt.Errorf("redirect URI %q: %v", raw, err)
		}
		// RFC 6749 §3.1.2: absolute, and no fragment.
		if !u.IsAbs() || u.Fragment != "" || strings.Contains(raw, "#") {
			return fmt.Errorf("redirect URI %q must be absolute and have no fragment", raw)
		}
	}
	return nil
}

// discovery is the OpenID Provider Metadata document (OpenID Connect
// Discovery 1.0 §3).
type discovery struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	AuthorizationResponseISSSupported bool     `json:"authorization_response_iss_parameter_supported"`
}

// supportedScopes are the scopes granted when asked for; others are ignored,
// as OpenID Connect Core §3.1.2.1 recommends. Identity claims do not depend
// on them (see the package comment).
func supportedScopes() []string {
	return []string{"openid", "profile", "email", "phone", "address"}
}

func (p *Provider) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, discovery{
		Issuer:                            p.issuer,
		AuthorizationEndpoint:             p.issuer + "/authorize",
		TokenEndpoint:                     p.issuer + "/token",
		UserinfoEndpoint:                  p.issuer + "/userinfo",
		JWKSURI:                           p.issuer + "/jwks",
		ResponseTypesSupported:            []string{"code"},
		ResponseModesSupported:            []string{"query"},
		GrantTypesSupported:               []string{"authorization_code"},
		SubjectTypesSupported:             []string{"public"},
		IDTokenSigningAlgValuesSupported:  []string{"RS256"},
		ScopesSupported:                   supportedScopes(),
		ClaimsSupported:                   claimsSupported(),
		CodeChallengeMethodsSupported:     []string{"S256"},
		TokenEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post"},
		AuthorizationResponseISSSupported: true,
	})
}

func (p *Provider) serveJWKS(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, struct {
		Keys []jwk `json:"keys"`
	}{[]jwk{p.jwk}})
}
