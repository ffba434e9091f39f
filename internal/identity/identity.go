// Package identity knows who is making a request: officials and system
// accounts (username and argon2id password, or an API token), citizens
// (OpenID Connect with the national e-ID), their sessions, and the roles
// officials hold at agencies. Decisions about what a principal may do are
// package authz's; this package builds the principal.
package identity

import (
	"context"
	"time"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/db"
)

// Agencies is what identity needs from the agency directory.
type Agencies interface {
	ByIDs(ctx context.Context, ids []int64) (map[int64]agency.Agency, error)
	ByCode(ctx context.Context, code string) (agency.Agency, error)
}

// Config tunes the service; zero fields take the defaults.
type Config struct {
	Password        PasswordParams
	Sessions        SessionPolicy
	AccountThrottle ThrottlePolicy
	IPThrottle      ThrottlePolicy
	Now             func() time.Time
}

// Service is the one way in to accounts, citizens, sessions and tokens.
type Service struct {
	db       *db.DB
	audit    *audit.Log
	agencies Agencies
	cfg      Config
	dummy    string // a hash to check against for unknown usernames
}

// NewService returns a Service.
func NewService(d *db.DB, log *audit.Log, agencies Agencies, cfg Config) *Service {
	if cfg.Password == (PasswordParams{}) {
		cfg.Password = DefaultPasswordParams
	}
	if cfg.Sessions == (SessionPolicy{}) {
		cfg.Sessions = DefaultSessionPolicy
	}
	if cfg.AccountThrottle == (ThrottlePolicy{}) {
		cfg.AccountThrottle = AccountThrottle
	}
	if cfg.IPThrottle == (ThrottlePolicy{}) {
		cfg.IPThrottle = IPThrottle
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	// Checking unknown usernames against a real hash makes "no such user"
	// take as long as "wrong password", so timing does not reveal accounts.
	dummy, _ := HashPassword("motcua-no-such-user", cfg.Password)
	return &Service{db: d, audit: log, agencies: agencies, cfg: cfg, dummy: dummy}
}

func (s *Service) now() time.Time { return s.cfg.Now() }
