package devidp

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// identityClaims are the claims about the citizen, shared by the ID token
// and the userinfo response.
type identityClaims struct {
	Subject       string        `json:"sub"`
	Name          string        `json:"name"`
	BirthDate     string        `json:"birthdate,omitempty"`
	Gender        string        `json:"gender,omitempty"`
	PhoneNumber   string        `json:"phone_number,omitempty"`
	Email         string        `json:"email,omitempty"`
	EmailVerified bool          `json:"email_verified,omitempty"`
	NationalID    string        `json:"national_id"`
	Address       *addressClaim `json:"address,omitempty"`
}

// addressClaim is the OpenID Connect address claim (Core §5.1.1). Only the
// formatted form is given because Vietnamese addresses do not split
// cleanly into its street/locality/region parts.
type addressClaim struct {
	Formatted string `json:"formatted"`
}

type idTokenClaims struct {
	Issuer   string `json:"iss"`
	Audience string `json:"aud"`
	Expiry   int64  `json:"exp"`
	IssuedAt int64  `json:"iat"`
	AuthTime int64  `json:"auth_time"`
	Nonce    string `json:"nonce,omitempty"`
	AtHash   string `json:"at_hash"`
	identityClaims
}

// accessClaims are the content of an access token: enough for the userinfo
// endpoint of any server copy to answer without a lookup.
type accessClaims struct {
	ClientID string `json:"client_id"`
	Subject  string `json:"sub"`
	Scope    string `json:"scope"`
	Expiry   int64  `json:"exp"`
}

func claimsSupported() []string {
	return []string{
		"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash",
		"name", "birthdate", "gender", "phone_number", "email", "email_verified",
		"address", "national_id",
	}
}

func claimsFor(c Citizen) identityClaims {
	ic := identityClaims{
		Subject:       c.Subject,
		Name:          c.FullName,
		BirthDate:     c.BirthDate,
		Gender:        c.Gender,
		PhoneNumber:   c.Phone,
		Email:         c.Email,
		EmailVerified: c.Email != "", // the national e-ID only holds verified contacts
		NationalID:    c.NationalID,
	}
	if c.Address != "" {
		ic.Address = &addressClaim{Formatted: c.Address}
	}
	return ic
}

// tokenError is an error response of the token endpoint (RFC 6749 §5.2).
type tokenError struct {
	status      int
	code        string
	description string
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	IDToken     string `json:"id_token"`
	Scope       string `json:"scope"`
}

// serveToken is the token endpoint for the authorization code grant
// (RFC 6749 §4.1.3, RFC 7636 §4.5).
func (p *Provider) serveToken(w http.ResponseWriter, r *http.Request) {
	resp, terr := p.exchange(w, r)
	if terr != nil {
		if terr.status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="devidp"`)
		}
		writeJSON(w, terr.status, struct {
			Error       string `json:"error"`
			Description string `json:"error_description,omitempty"`
		}{terr.code, terr.description})
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (p *Provider) exchange(w http.ResponseWriter, r *http.Request) (*tokenResponse, *tokenError) {
	invalid := func(code, description string) *tokenError {
		return &tokenError{http.StatusBadRequest, code, description}
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return nil, invalid("invalid_request", "the body must be an application/x-www-form-urlencoded form")
	}
	form := r.PostForm
	for name, values := range form {
		if len(values) > 1 {
			return nil, invalid("invalid_request", "parameter "+name+" is repeated")
		}
	}
	client, terr := p.authenticateClient(r, form)
	if terr != nil {
		return nil, terr
	}
	switch form.Get("grant_type") {
	case "authorization_code":
	case "":
		return nil, invalid("invalid_request", "grant_type is required")
	default:
		return nil, invalid("unsupported_grant_type", "only authorization_code is supported")
	}
	code, verifier := form.Get("code"), form.Get("code_verifier")
	switch {
	case code == "":
		return nil, invalid("invalid_request", "code is required")
	case form.Get("redirect_uri") == "":
		return nil, invalid("invalid_request", "redirect_uri is required")
	case verifier == "":
		return nil, invalid("invalid_request", "code_verifier is required")
	case !isVerifier(verifier):
		return nil, invalid("invalid_request", "code_verifier must be 43 to 128 unreserved characters")
	}

	// Every failure below is invalid_grant with a distinct description: the
	// client learns which check failed, which is what a developer needs and
	// costs nothing in a provider without real users.
	var c codeClaims
	if err := unseal(p.codeKey, code, &c); err != nil {
		return nil, invalid("invalid_grant", "the code is not one this provider issued")
	}
	now := p.now()
	switch {
	case now.Unix() >= c.Expiry:
		return nil, invalid("invalid_grant", "the code has expired")
	case c.ClientID != client.ID:
		return nil, invalid("invalid_grant", "the code was issued to another client")
	case c.RedirectURI != form.Get("redirect_uri"):
		return nil, invalid("invalid_grant", "redirect_uri differs from the authorization request")
	case subtle.ConstantTimeCompare([]byte(s256(verifier)), []byte(c.CodeChallenge)) != 1:
		return nil, invalid("invalid_grant", "code_verifier does not match code_challenge")
	}
	citizen, ok := p.bySubject[c.Subject]
	if !ok {
		return nil, invalid("invalid_grant", "the citizen no longer exists")
	}

	access, err := seal(p.accessKey, accessClaims{
		ClientID: client.ID,
		Subject:  citizen.Subject,
		Scope:    c.Scope,
		Expiry:   now.Add(tokenTTL).Unix(),
	})
	if err != nil {
		return nil, &tokenError{http.StatusInternalServerError, "server_error", "could not issue an access token"}
	}
	idToken, err := signJWT(p.key, p.jwk.Kid, idTokenClaims{
		Issuer:         p.issuer,
		Audience:       client.ID,
		Expiry:         now.Add(tokenTTL).Unix(),
		IssuedAt:       now.Unix(),
		AuthTime:       c.AuthTime,
		Nonce:          c.Nonce,
		AtHash:         leftHalfHash(access),
		identityClaims: claimsFor(citizen),
	})
	if err != nil {
		return nil, &tokenError{http.StatusInternalServerError, "server_error", "could not sign the ID token"}
	}
	return &tokenResponse{
		AccessToken: access,
		TokenType:   "Bearer",
		ExpiresIn:   int64(tokenTTL.Seconds()),
		IDToken:     idToken,
		Scope:       c.Scope,
	}, nil
}

// authenticateClient accepts client_secret_basic or client_secret_post, but
// not both at once (RFC 6749 §2.3).
func (p *Provider) authenticateClient(r *http.Request, form url.Values) (Client, *tokenError) {
	unauthorized := &tokenError{http.StatusUnauthorized, "invalid_client", "client authentication failed"}
	id, secret, basic := r.BasicAuth()
	switch {
	case basic && form.Has("client_secret"):
		return Client{}, &tokenError{http.StatusBadRequest, "invalid_request", "use one client authentication method, not two"}
	case basic:
		// RFC 6749 §2.3.1 form-encodes both values before Basic encoding.
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			return Client{}, unauthorized
		}
		if form.Has("client_id") && form.Get("client_id") != id {
			return Client{}, &tokenError{http.StatusBadRequest, "invalid_request", "client_id differs from the authenticated client"}
		}
	case form.Has("client_secret"):
		id, secret = form.Get("client_id"), form.Get("client_secret")
	default:
		return Client{}, unauthorized
	}
	c, ok := p.clients[id]
	// Comparing digests keeps the comparison constant-time in the length too.
	want, got := sha256.Sum256([]byte(c.Secret)), sha256.Sum256([]byte(secret))
	if !ok || subtle.ConstantTimeCompare(want[:], got[:]) != 1 {
		return Client{}, unauthorized
	}
	return c, nil
}

// isVerifier checks the code_verifier syntax of RFC 7636 §4.1.
func isVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for _, r := range v {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' ||
			r == '-' || r == '.' || r == '_' || r == '~') {
			return false
		}
	}
	return true
}

// serveUserInfo is the userinfo endpoint (OpenID Connect Core §5.3), for
// GET and POST with the token in the Authorization header. It returns the identity claims of the ID token without the token-specific
// ones (iss, aud, exp, nonce…), as §5.3.2 describes.
func (p *Provider) serveUserInfo(w http.ResponseWriter, r *http.Request) {
	token := bearerToken(r)
	if token == "" {
		// RFC 6750 §3.1: no error code when no credentials were sent.
		w.Header().Set("WWW-Authenticate", `Bearer realm="devidp"`)
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var a accessClaims
	err := unseal(p.accessKey, token, &a)
	citizen, known := p.bySubject[a.Subject]
	if err != nil || p.now().Unix() >= a.Expiry || !known {
		// RFC 6750 §3: the error travels in the challenge.
		w.Header().Set("WWW-Authenticate", `Bearer realm="devidp", error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, struct {
			Error string `json:"error"`
		}{"invalid_token"})
		return
	}
	writeJSON(w, http.StatusOK, claimsFor(citizen))
}

// bearerToken reads the access token from the Authorization header
// (RFC 6750 §2.1), whose scheme is case-insensitive.
func bearerToken(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// writeJSON writes v with the headers every response of this provider
// needs: tokens and personal data must never be cached (RFC 6749 §5.1).
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "devidp: encoding failed", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	w.Write(body)
}
