package agency

import (
	"context"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/errs"
)

// SetCodeFormat chooses how an agency numbers the dossiers it receives:
// "A" (TT 01/2018, the default) or "B" (TT 04/2025, for nationally
// centralised systems), which needs the system owner's two digits. It is
// a deployment decision, so only the platform's operator or administrator
// makes it; the change applies to dossiers accepted afterwards.
func (s *Service) SetCodeFormat(ctx context.Context, p *authz.Principal, code, format, owner string) (Agency, error) {
	const op = "agency.SetCodeFormat"
	var v errs.Validation
	switch format {
	case "A":
		if owner != "" {
			v.Add("owner", "agency.code_owner.format_a")
		}
	case "B":
		if len(owner) != 2 || owner[0] < '0' || owner[0] > '9' || owner[1] < '0' || owner[1] > '9' {
			v.Add("owner", "agency.code_owner.invalid")
		}
	default:
		v.Add("format", "catalog.unknown_value", format)
	}
	if err := v.Err(op); err != nil {
		return Agency{}, err
	}
	var out Agency
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		a, err := s.byCodeIn(ctx, tx, code)
		if err != nil {
			return s.notFound(op, err)
		}
		// Authorised against the root: numbering is the platform's choice.
		if err := authz.Authorize(op, p, authz.ManageAgency, authz.Object{}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE agencies SET dossier_code_format = ?, dossier_code_owner = ?, version = version + 1, updated_at = ? WHERE id = ?`,
			format, owner, db.T(s.now()), a.ID); err != nil {
			return errs.Wrap(op, err)
		}
		if err := s.audit.Record(ctx, tx, audit.Entry{Actor: p.Actor(), Action: "agency.code_format", ObjectType: "agency", ObjectID: a.Code.String(),
			Summary: map[string]any{"format": []string{a.CodeFormat, format}, "owner": []string{a.CodeOwner, owner}}}); err != nil {
			return errs.Wrap(op, err)
		}
		a.CodeFormat, a.CodeOwner = format, owner
		a.Version++
		out = a
		return nil
	})
	return out, err
}
