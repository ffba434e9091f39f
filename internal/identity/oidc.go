package identity

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/errs"
)

// OIDCConfig configures citizen sign-in with an OpenID Connect provider
// (the national e-ID, or the development provider).
type OIDCConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURL  string
	// NationalIDClaim names the claim that carries the 12-digit CCCD
	// number; providers differ ("national_id" by default).
	NationalIDClaim string
	HTTPClient      *http.Client
}

// flowTTL bounds how long a citizen may spend at the provider.
const flowTTL = 10 * time.Minute

// CitizenLogin runs the authorization-code flow with PKCE. In-flight
// flows are stored in the database, so the callback may reach any server
// copy.
type CitizenLogin struct {
	svc *Service
	cfg OIDCConfig

	// The provider's discovery document is fetched on first use rather
	// than at start-up: the development provider is served by this very
	// process, which is not listening yet at start-up. A cached document
	// is no shared state: every copy fetches the same one.
	mu       sync.Mutex
	provider *oidc.Provider
}

// NewCitizenLogin returns a CitizenLogin for the configuration.
func (s *Service) NewCitizenLogin(cfg OIDCConfig) *CitizenLogin {
	if cfg.NationalIDClaim == "" {
		cfg.NationalIDClaim = "national_id"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	return &CitizenLogin{svc: s, cfg: cfg}
}

func (l *CitizenLogin) discover(ctx context.Context) (*oidc.Provider, *oauth2.Config, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.provider == nil {
		p, err := oidc.NewProvider(oidc.ClientContext(ctx, l.cfg.HTTPClient), l.cfg.Issuer)
		if err != nil {
			return nil, nil, fmt.Errorf("OpenID provider %s: %w", l.cfg.Issuer, err)
		}
		l.provider = p
	}
	return l.provider, &oauth2.Config{
		ClientID: l.cfg.ClientID, ClientSecret: l.cfg.ClientSecret, RedirectURL: l.cfg.RedirectURL,
		Endpoint: l.provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "profile", "email", "phone", "address"},
	}, nil
}

func randomString() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Begin starts a sign-in and returns the provider URL to send the browser to.
// returnTo is where to go afterwards (a local path, checked by the caller).
func (l *CitizenLogin) Begin(ctx context.Context, returnTo string) (string, error) {
	const op = "identity.CitizenLogin.Begin"
	_, oc, err := l.discover(ctx)
	if err != nil {
		return "", &errs.Error{Op: op, Kind: errs.Internal, Msg: errs.Msg{Key: "auth.provider_unavailable"}, Err: err}
	}
	state, nonce, verifier := randomString(), randomString(), oauth2.GenerateVerifier()
	if _, err := l.svc.db.ExecContext(ctx, `INSERT INTO oidc_flows (state_hash, verifier, nonce, return_to, expires_at) VALUES (?, ?, ?, ?, ?)`,
		hashToken(state), verifier, nonce, returnTo, db.T(l.svc.now().Add(flowTTL))); err != nil {
		return "", errs.Wrap(op, err)
	}
	return oc.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
}

// Finish completes a sign-in from the provider's callback parameters and
// returns a session token, the principal and where to go next.
func (l *CitizenLogin) Finish(ctx context.Context, state, code string, c Client) (string, *authz.Principal, string, error) {
	const op = "identity.CitizenLogin.Finish"
	fail := func(err error) (string, *authz.Principal, string, error) {
		return "", nil, "", &errs.Error{Op: op, Kind: errs.Unauthenticated, Msg: errs.Msg{Key: "auth.citizen_failed"}, Err: err}
	}
	var verifier, nonce, returnTo string
	var expires db.Time
	// The flow row is deleted as it is read: a state is good for one callback.
	err := l.svc.db.Tx(ctx, func(tx *db.Tx) error {
		err := tx.QueryRowContext(ctx, `DELETE FROM oidc_flows WHERE state_hash = ? RETURNING verifier, nonce, return_to, expires_at`, hashToken(state)).
			Scan(&verifier, &nonce, &returnTo, &expires)
		return err
	})
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !l.svc.now().Before(expires.Time)) {
		return fail(errors.New("unknown or expired state"))
	}
	if err != nil {
		return "", nil, "", errs.Wrap(op, err)
	}
	provider, oc, err := l.discover(ctx)
	if err != nil {
		return fail(err)
	}
	cctx := oidc.ClientContext(ctx, l.cfg.HTTPClient)
	tok, err := oc.Exchange(cctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return fail(fmt.Errorf("code exchange: %w", err))
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return fail(errors.New("no id_token in the token response"))
	}
	idt, err := provider.Verifier(&oidc.Config{ClientID: l.cfg.ClientID, Now: l.svc.cfg.Now}).Verify(cctx, raw)
	if err != nil {
		return fail(fmt.Errorf("id_token: %w", err))
	}
	if idt.Nonce != nonce {
		return fail(errors.New("id_token nonce does not match"))
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return fail(err)
	}
	str := func(k string) string { v, _ := claims[k].(string); return v }
	addr := ""
	if a, ok := claims["address"].(map[string]any); ok {
		addr, _ = a["formatted"].(string)
	}
	cl := CitizenClaims{Issuer: idt.Issuer, Subject: idt.Subject, NationalID: str(l.cfg.NationalIDClaim), FullName: str("name"),
		BirthDate: str("birthdate"), Gender: str("gender"), Phone: str("phone_number"), Email: str("email"), Address: addr}
	token, p, err := l.svc.CitizenSignIn(ctx, cl, c)
	if err != nil {
		return "", nil, "", err
	}
	return token, p, returnTo, nil
}
