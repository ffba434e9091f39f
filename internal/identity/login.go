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

// Client describes where a sign-in comes from.
type Client struct {
	IP        string
	UserAgent string
}

// Login checks an official's username and password. Failures are counted
// per account and per address; a locked key is refused before the password
// is even checked, with a RateLimited error whose message gives the time the
// lock ends. Every outcome is audited. On success it returns a new session
// token for the cookie.
func (s *Service) Login(ctx context.Context, username, password string, c Client) (string, *authz.Principal, error) {
	const op = "identity.Login"
	now := s.now()
	username = strings.ToLower(strings.TrimSpace(username))
	userKey, ipKey := "user:"+username, "ip:"+c.IP
	for _, k := range []string{userKey, ipKey} {
		until, err := lockedUntil(ctx, s.db, k, now)
		if err != nil {
			return "", nil, errs.Wrap(op, err)
		}
		if !until.IsZero() {
			return "", nil, errs.E(op, errs.RateLimited, "auth.locked", until)
		}
	}
	acc, hash, err := s.loadAccount(ctx, s.db, `WHERE username = ?`, username)
	if err != nil && !errors.Is(err, errNoAccount) {
		return "", nil, errs.Wrap(op, err)
	}
	ok := false
	if err == nil && acc.Kind == "official" && acc.Active && hash != "" {
		ok, err = CheckPassword(hash, password)
		if err != nil {
			return "", nil, errs.Wrap(op, err)
		}
	} else {
		CheckPassword(s.dummy, password)
	}
	if !ok {
		err := s.db.Tx(ctx, func(tx *db.Tx) error {
			if err := recordFailure(ctx, tx, userKey, s.cfg.AccountThrottle, now); err != nil {
				return err
			}
			if err := recordFailure(ctx, tx, ipKey, s.cfg.IPThrottle, now); err != nil {
				return err
			}
			return s.audit.Record(ctx, tx, audit.Entry{Actor: audit.Actor{Kind: "anonymous", Name: username},
				Action: "auth.login_failed", ObjectType: "account", ObjectID: username})
		})
		if err != nil {
			return "", nil, errs.Wrap(op, err)
		}
		return "", nil, errs.E(op, errs.Unauthenticated, "auth.bad_credentials")
	}
	p, err := s.principalFor(ctx, acc)
	if err != nil {
		return "", nil, errs.Wrap(op, err)
	}
	var token string
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := clearFailures(ctx, tx, userKey); err != nil {
			return err
		}
		var err error
		token, err = s.newSession(ctx, tx, "account", acc.ID, c, now)
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Entry{Actor: p.Actor(), Action: "auth.login", ObjectType: "account", ObjectID: acc.Username})
	})
	if err != nil {
		return "", nil, errs.Wrap(op, err)
	}
	return token, p, nil
}

func (s *Service) newSession(ctx context.Context, tx *db.Tx, kind string, id int64, c Client, now time.Time) (string, error) {
	token, hash := newToken("")
	ua := c.UserAgent
	if len(ua) > 300 {
		ua = ua[:300]
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, principal_kind, principal_id, created_at, last_seen_at, expires_at, ip, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, hash, kind, id, db.T(now), db.T(now), db.T(now.Add(s.cfg.Sessions.Absolute)), c.IP, ua)
	return token, err
}

// touchEvery limits how often a session's last-seen time is written: once a
// minute is precise enough for an idle timeout of hours and keeps page views
// from becoming database writes.
const touchEvery = time.Minute

// SessionPrincipal returns the principal of a session token, or an
// Unauthenticated error if the session does not exist, has expired, or was
// ended by "sign out everywhere", a password change or a deactivation.
func (s *Service) SessionPrincipal(ctx context.Context, token string) (*authz.Principal, error) {
	const op = "identity.SessionPrincipal"
	if token == "" {
		return authz.AnonymousPrincipal, errs.E(op, errs.Unauthenticated, "error.unauthenticated")
	}
	now := s.now()
	hash := hashToken(token)
	var kind string
	var id int64
	var created, seen, expires db.Time
	err := s.db.QueryRowContext(ctx, `SELECT principal_kind, principal_id, created_at, last_seen_at, expires_at FROM sessions WHERE token_hash = ?`, hash).
		Scan(&kind, &id, &created, &seen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return authz.AnonymousPrincipal, errs.E(op, errs.Unauthenticated, "auth.session_expired")
	}
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	if !now.Before(expires.Time) || now.Sub(seen.Time) > s.cfg.Sessions.Idle {
		s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, hash)
		return authz.AnonymousPrincipal, errs.E(op, errs.Unauthenticated, "auth.session_expired")
	}
	var p *authz.Principal
	var validAfter time.Time
	switch kind {
	case "account":
		acc, _, err := s.loadAccount(ctx, s.db, `WHERE id = ?`, id)
		if errors.Is(err, errNoAccount) || (err == nil && !acc.Active) {
			return authz.AnonymousPrincipal, errs.E(op, errs.Unauthenticated, "auth.session_expired")
		}
		if err != nil {
			return nil, errs.Wrap(op, err)
		}
		var va db.Time
		if err := s.db.QueryRowContext(ctx, `SELECT sessions_valid_after FROM accounts WHERE id = ?`, id).Scan(&va); err != nil {
			return nil, errs.Wrap(op, err)
		}
		validAfter = va.Time
		if p, err = s.principalFor(ctx, acc); err != nil {
			return nil, errs.Wrap(op, err)
		}
	case "citizen":
		c, va, err := s.loadCitizen(ctx, s.db, `WHERE id = ?`, id)
		if err != nil {
			return authz.AnonymousPrincipal, errs.E(op, errs.Unauthenticated, "auth.session_expired")
		}
		validAfter = va
		p = c.principal()
	}
	if p == nil || created.Before(validAfter) {
		return authz.AnonymousPrincipal, errs.E(op, errs.Unauthenticated, "auth.session_expired")
	}
	if now.Sub(seen.Time) > touchEvery {
		if _, err := s.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?`, db.T(now), hash); err != nil {
			return nil, errs.Wrap(op, err)
		}
	}
	return p, nil
}

// Logout ends one session.
func (s *Service) Logout(ctx context.Context, p *authz.Principal, token string) error {
	const op = "identity.Logout"
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, hashToken(token)); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Entry{Actor: p.Actor(), Action: "auth.logout", ObjectType: principalType(p), ObjectID: principalID(p)})
	})
	return errs.Wrap(op, err)
}

// LogoutEverywhere ends every session of the principal, on every device.
func (s *Service) LogoutEverywhere(ctx context.Context, p *authz.Principal) error {
	const op = "identity.LogoutEverywhere"
	if !p.Authenticated() {
		return errs.E(op, errs.Unauthenticated, "error.unauthenticated")
	}
	kind, table := "account", "accounts"
	if p.Kind == authz.Citizen {
		kind, table = "citizen", "citizens"
	}
	now := s.now()
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE principal_kind = ? AND principal_id = ?`, kind, p.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET sessions_valid_after = ? WHERE id = ?`, db.T(now), p.ID); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Entry{Actor: p.Actor(), Action: "auth.logout_everywhere", ObjectType: principalType(p), ObjectID: principalID(p)})
	})
	return errs.Wrap(op, err)
}

func principalType(p *authz.Principal) string {
	if p.Kind == authz.Citizen {
		return "citizen"
	}
	return "account"
}

func principalID(p *authz.Principal) string {
	if p.Kind == authz.Citizen {
		return p.NationalID
	}
	return p.Username
}

// PurgeExpired deletes expired sessions, sign-in flows and throttle rows.
func (s *Service) PurgeExpired(ctx context.Context) error {
	now := db.T(s.now())
	idle := db.T(s.now().Add(-s.cfg.Sessions.Idle))
	window := db.T(s.now().Add(-max(s.cfg.AccountThrottle.Window, s.cfg.IPThrottle.Window)))
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at < ?`, []any{now, idle}},
		{`DELETE FROM oidc_flows WHERE expires_at <= ?`, []any{now}},
		{`DELETE FROM login_throttle WHERE locked_until <= ? AND window_start < ?`, []any{now, window}},
	} {
		if _, err := s.db.ExecContext(ctx, q.sql, q.args...); err != nil {
			return errs.Wrap("identity.PurgeExpired", err)
		}
	}
	return nil
}
