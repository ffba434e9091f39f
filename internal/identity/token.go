package identity

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/errs"
)

// tokenPrefix marks Motcua API tokens so that secret scanners and people
// recognise one when it leaks into a log or a repository.
const tokenPrefix = "mct_"

// CreateToken issues an API token for the account with the username. The
// token is returned once; only its hash is stored. ttl 0 means no expiry.
func (s *Service) CreateToken(ctx context.Context, p *authz.Principal, username, name string, ttl time.Duration) (string, error) {
	const op = "identity.CreateToken"
	acc, _, err := s.loadAccount(ctx, s.db, `WHERE username = ?`, strings.ToLower(strings.TrimSpace(username)))
	if errors.Is(err, errNoAccount) {
		var v errs.Validation
		v.Add("username", "account.not_found")
		return "", v.Err(op)
	}
	if err != nil {
		return "", errs.Wrap(op, err)
	}
	home, err := s.agencies.ByIDs(ctx, []int64{acc.AgencyID})
	if err != nil {
		return "", errs.Wrap(op, err)
	}
	if err := authz.Authorize(op, p, authz.ManageAccounts, authz.Object{AgencyPath: home[acc.AgencyID].Path}); err != nil {
		return "", err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "api"
	}
	token, hash := newToken(tokenPrefix)
	now := s.now()
	var expires any
	if ttl > 0 {
		expires = db.T(now.Add(ttl))
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (token_hash, prefix, name, account_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			hash, token[:len(tokenPrefix)+6], name, acc.ID, db.T(now), expires); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Entry{Actor: p.Actor(), Action: "token.create", ObjectType: "account", ObjectID: acc.Username,
			Summary: map[string]any{"name": name, "prefix": token[:len(tokenPrefix)+6], "ttl_hours": ttl.Hours()}})
	})
	if err != nil {
		return "", errs.Wrap(op, err)
	}
	return token, nil
}

// TokenPrincipal returns the principal behind an API bearer token.
func (s *Service) TokenPrincipal(ctx context.Context, token string) (*authz.Principal, error) {
	const op = "identity.TokenPrincipal"
	if !strings.HasPrefix(token, tokenPrefix) {
		return authz.AnonymousPrincipal, errs.E(op, errs.Unauthenticated, "auth.bad_token")
	}
	var accountID int64
	var expires, revoked, lastUsed db.Time
	err := s.db.QueryRowContext(ctx, `SELECT account_id, expires_at, revoked_at, last_used_at FROM api_tokens WHERE token_hash = ?`, hashToken(token)).
		Scan(&accountID, &expires, &revoked, &lastUsed)
	if errors.Is(err, sql.ErrNoRows) {
		return authz.AnonymousPrincipal, errs.E(op, errs.Unauthenticated, "auth.bad_token")
	}
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	now := s.now()
	if !revoked.IsZero() || (!expires.IsZero() && !now.Before(expires.Time)) {
		return authz.AnonymousPrincipal, errs.E(op, errs.Unauthenticated, "auth.bad_token")
	}
	acc, _, err := s.loadAccount(ctx, s.db, `WHERE id = ?`, accountID)
	if err != nil || !acc.Active {
		return authz.AnonymousPrincipal, errs.E(op, errs.Unauthenticated, "auth.bad_token")
	}
	if now.Sub(lastUsed.Time) > touchEvery {
		if _, err := s.db.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ?`, db.T(now), hashToken(token)); err != nil {
			return nil, errs.Wrap(op, err)
		}
	}
	return s.principalFor(ctx, acc)
}
