package identity

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"time"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/errs"
)

// Citizen is a person known through the national e-ID.
type Citizen struct {
	ID         int64
	NationalID string // 12-digit CCCD number
	FullName   string
	BirthDate  string // YYYY-MM-DD
	Gender     string
	Phone      string
	Email      string
	Address    string
	Issuer     string
	Subject    string
	UpdatedAt  time.Time
}

func (c Citizen) principal() *authz.Principal {
	return &authz.Principal{Kind: authz.Citizen, ID: c.ID, Name: c.FullName, NationalID: c.NationalID}
}

// CitizenClaims are the identity provider's statements about a citizen.
type CitizenClaims struct {
	Issuer     string
	Subject    string
	NationalID string
	FullName   string
	BirthDate  string
	Gender     string
	Phone      string
	Email      string
	Address    string
}

var cccdRE = regexp.MustCompile(`^[0-9]{12}$`)

// ValidNationalID reports whether s has the shape of a 12-digit citizen
// identity card (CCCD) number.
func ValidNationalID(s string) bool { return cccdRE.MatchString(s) }

func (s *Service) loadCitizen(ctx context.Context, q db.Querier, where string, args ...any) (Citizen, time.Time, error) {
	var c Citizen
	var updated, validAfter db.Time
	err := q.QueryRowContext(ctx, `SELECT id, national_id, full_name, birth_date, gender, phone, email, address, oidc_issuer, oidc_subject,
		updated_at, sessions_valid_after FROM citizens `+where, args...).
		Scan(&c.ID, &c.NationalID, &c.FullName, &c.BirthDate, &c.Gender, &c.Phone, &c.Email, &c.Address, &c.Issuer, &c.Subject, &updated, &validAfter)
	c.UpdatedAt = updated.Time
	return c, validAfter.Time, err
}

// CitizenSignIn records (or refreshes) the citizen the identity provider
// vouched for and starts a session. The provider is the authority on the
// personal data, so every sign-in overwrites what was stored.
func (s *Service) CitizenSignIn(ctx context.Context, cl CitizenClaims, c Client) (string, *authz.Principal, error) {
	const op = "identity.CitizenSignIn"
	if !ValidNationalID(cl.NationalID) || cl.Subject == "" || cl.FullName == "" {
		return "", nil, errs.E(op, errs.Unauthenticated, "auth.citizen_claims")
	}
	now := s.now()
	var token string
	var p *authz.Principal
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO citizens (national_id, full_name, birth_date, gender, phone, email, address, oidc_issuer, oidc_subject, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (national_id) DO UPDATE SET full_name = excluded.full_name, birth_date = excluded.birth_date, gender = excluded.gender,
				phone = excluded.phone, email = excluded.email, address = excluded.address, oidc_issuer = excluded.oidc_issuer,
				oidc_subject = excluded.oidc_subject, updated_at = excluded.updated_at
			RETURNING id`,
			cl.NationalID, cl.FullName, cl.BirthDate, cl.Gender, cl.Phone, cl.Email, cl.Address, cl.Issuer, cl.Subject, db.T(now), db.T(now)).Scan(&id)
		if err != nil {
			return err
		}
		p = Citizen{ID: id, NationalID: cl.NationalID, FullName: cl.FullName}.principal()
		if token, err = s.newSession(ctx, tx, "citizen", id, c, now); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Entry{Actor: p.Actor(), Action: "auth.citizen_login", ObjectType: "citizen",
			ObjectID: cl.NationalID, SubjectNationalID: cl.NationalID, Summary: map[string]any{"issuer": cl.Issuer}})
	})
	if err != nil {
		return "", nil, errs.Wrap(op, err)
	}
	return token, p, nil
}

// CitizenProfile returns a citizen's stored personal data. Reading it is
// audited, whoever reads it, so the citizen can see who used their data.
func (s *Service) CitizenProfile(ctx context.Context, p *authz.Principal, nationalID string) (Citizen, error) {
	const op = "identity.CitizenProfile"
	if err := authz.Authorize(op, p, authz.ReadCitizen, authz.Object{OwnerNationalID: nationalID}); err != nil {
		return Citizen{}, err
	}
	var c Citizen
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		c, _, err = s.loadCitizen(ctx, tx, `WHERE national_id = ?`, nationalID)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(op, errs.NotFound, "citizen.not_found")
		}
		if err != nil {
			return errs.Wrap(op, err)
		}
		return s.audit.Record(ctx, tx, audit.Entry{Actor: p.Actor(), Action: "citizen.read", ObjectType: "citizen",
			ObjectID: nationalID, SubjectNationalID: nationalID, PersonalRead: true})
	})
	return c, err
}
