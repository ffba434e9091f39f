package identity

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"

	"github.com/motcua/motcua/internal/db"
)

// Secret returns the platform's secret named name, creating n random bytes
// the first time. Secrets live in the database so that every server copy
// signs and verifies with the same keys.
func (s *Service) Secret(ctx context.Context, name string, n int) ([]byte, error) {
	return s.secret(ctx, name, func() ([]byte, error) {
		b := make([]byte, n)
		_, err := rand.Read(b)
		return b, err
	})
}

// SigningKey returns the RSA signing key named name, creating a 2048-bit
// key the first time.
func (s *Service) SigningKey(ctx context.Context, name string) (*rsa.PrivateKey, error) {
	b, err := s.secret(ctx, name, func() ([]byte, error) {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		return x509.MarshalPKCS8PrivateKey(k)
	})
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("secret %s is not an RSA key", name)
	}
	return rk, nil
}

// secret reads name, or stores gen's value if there is none yet. Two copies
// starting at once both generate, one insert wins, and both read the winner.
func (s *Service) secret(ctx context.Context, name string, gen func() ([]byte, error)) ([]byte, error) {
	var b []byte
	err := s.db.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&b)
	if err == nil {
		return b, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		// A failing read must not mint a new key that no other copy knows.
		return nil, fmt.Errorf("read secret %s: %w", name, err)
	}
	v, err := gen()
	if err != nil {
		return nil, err
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`,
		name, v, db.T(s.now())); err != nil {
		return nil, fmt.Errorf("store secret %s: %w", name, err)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&b); err != nil {
		return nil, fmt.Errorf("read secret %s: %w", name, err)
	}
	return b, nil
}
