package devidp

import (
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
)

// b64 is the only encoding JOSE uses: base64url without padding (RFC 7515 §2).
var b64 = base64.RawURLEncoding

// jwk is the public half of the signing key as published at /jwks (RFC 7517).
type jwk struct {
	Kty string `json:"kty"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// publicJWK describes pub as a JWK whose kid is its RFC 7638 thumbprint, so
// every server copy holding the same key derives the same kid without
// configuration.
func publicJWK(pub *rsa.PublicKey) jwk {
	n := b64.EncodeToString(pub.N.Bytes())
	e := b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes())
	return jwk{Kty: "RSA", Use: "sig", Alg: "RS256", Kid: thumbprint(n, e), N: n, E: e}
}

// thumbprint is the RFC 7638 JWK thumbprint of an RSA key given its encoded
// members. The canonical JSON is written by hand because RFC 7638 fixes member
// order and forbids whitespace; base64url text never needs JSON escaping.
func thumbprint(n, e string) string {
	sum := sha256.Sum256([]byte(`{"e":"` + e + `","kty":"RSA","n":"` + n + `"}`))
	return b64.EncodeToString(sum[:])
}

// signJWT returns claims as a compact RS256 JWS (RFC 7515, RFC 7519).
func signJWT(key *rsa.PrivateKey, kid string, claims any) (string, error) {
	header, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}{"RS256", kid, "JWT"})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64.EncodeToString(header) + "." + b64.EncodeToString(payload)
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:])
	if err != nil {
		return "", err
	}
	return input + "." + b64.EncodeToString(sig), nil
}

// leftHalfHash is the at_hash construction of OpenID Connect Core §3.1.3.6
// for RS256: the left half of the SHA-256 of the token, base64url encoded.
func leftHalfHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return b64.EncodeToString(sum[:len(sum)/2])
}

// s256 is the PKCE S256 transform (RFC 7636 §4.2).
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return b64.EncodeToString(sum[:])
}

// deriveKey gives each kind of sealed token its own HMAC key, so that a value
// minted for one purpose (an authorization code) can never be accepted as
// another (an access token), even though both come from Config.CodeSecret.
func deriveKey(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("motcua/devidp/" + purpose + "/v1"))
	return m.Sum(nil)
}

var errBadToken = errors.New("devidp: malformed or forged token")

// seal encodes v as base64url(JSON) "." base64url(HMAC-SHA256). The payload
// is readable by whoever holds the token; it is authenticated, not secret,
// which is fine because it only repeats what the client already sent or will
// receive in the ID token.
func seal(key []byte, v any) (string, error) {
	payload, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	body := b64.EncodeToString(payload)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(body))
	return body + "." + b64.EncodeToString(m.Sum(nil)), nil
}

// unseal verifies a token made by seal with the same key and decodes its
// payload into v. It never decodes a payload whose MAC does not verify.
func unseal(key []byte, token string, v any) error {
	body, mac, ok := strings.Cut(token, ".")
	if !ok {
		return errBadToken
	}
	got, err := b64.DecodeString(mac)
	if err != nil {
		return errBadToken
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(body))
	if !hmac.Equal(got, m.Sum(nil)) {
		return errBadToken
	}
	payload, err := b64.DecodeString(body)
	if err != nil {
		return errBadToken
	}
	if err := json.Unmarshal(payload, v); err != nil {
		return errBadToken
	}
	return nil
}
