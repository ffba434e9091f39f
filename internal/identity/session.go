package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// newToken returns a random bearer secret and the hash stored in its
// place: a database leak then reveals no usable session or API token.
func newToken(prefix string) (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// SessionPolicy bounds how long a session lives.
type SessionPolicy struct {
	Idle     time.Duration // ends after this long without a request
	Absolute time.Duration // ends this long after sign-in whatever happens
}

// DefaultSessionPolicy suits a working day at a counter.
var DefaultSessionPolicy = SessionPolicy{Idle: 2 * time.Hour, Absolute: 12 * time.Hour}

// Session describes a signed-in browser.
type Session struct {
	PrincipalKind string // "account" or "citizen"
	PrincipalID   int64
	CreatedAt     time.Time
	ExpiresAt     time.Time
}

type sessionKey struct{}

// WithSessionToken is used by the web edge to let services end the current session.
func WithSessionToken(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, sessionKey{}, token)
}
