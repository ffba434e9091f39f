package dossier

import (
	"context"
	"time"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/errs"
)

// StoredDocument is a document in a citizen's data store (kho quản lý dữ
// liệu điện tử của tổ chức, cá nhân): a result, or a component that was
// digitised when a dossier was received.
type StoredDocument struct {
	ID            int64
	Name          string
	Kind          string // result, component
	ComponentCode string
	SHA256        string
	Size          int64
	ContentType   string
	DossierID     int64
	CreatedAt     time.Time
}

// keep copies a dossier's files of the kinds into its applicant's store,
// once each (the same content for the same person is stored once).
func keep(ctx context.Context, tx *db.Tx, d *Dossier, kinds ...string) error {
	if d.Applicant.NationalID == "" {
		return nil
	}
	files, err := listFiles(ctx, tx, d.ID)
	if err != nil {
		return err
	}
	for _, f := range files {
		wanted := false
		for _, k := range kinds {
			wanted = wanted || (f.Kind == k && (k != "component" || f.Digitized))
		}
		if !wanted || f.Reused {
			continue
		}
		kind := f.Kind
		if kind != "result" {
			kind = "component"
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO citizen_documents (national_id, name, kind, component_code, sha256, size, content_type, source_dossier_id, created_at)
			SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM citizen_documents WHERE national_id = ? AND sha256 = ?)`,
			d.Applicant.NationalID, f.Name, kind, f.ComponentCode, f.SHA256, f.Size, f.ContentType, d.ID, db.T(f.CreatedAt),
			d.Applicant.NationalID, f.SHA256); err != nil {
			return err
		}
	}
	return nil
}

// DataStore lists a citizen's stored documents, newest first. Reading it
// is a read of personal data and is audited.
func (s *Service) DataStore(ctx context.Context, p *authz.Principal) ([]StoredDocument, error) {
	const op = "dossier.DataStore"
	if p.Kind != authz.Citizen {
		return nil, errs.E(op, errs.Unauthenticated, "error.unauthenticated")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, kind, component_code, sha256, size, content_type, COALESCE(source_dossier_id, 0), created_at
		FROM citizen_documents WHERE national_id = ? ORDER BY created_at DESC, id DESC`, p.NationalID)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	defer rows.Close()
	var out []StoredDocument
	for rows.Next() {
		var d StoredDocument
		var at db.Time
		if err := rows.Scan(&d.ID, &d.Name, &d.Kind, &d.ComponentCode, &d.SHA256, &d.Size, &d.ContentType, &d.DossierID, &at); err != nil {
			return nil, errs.Wrap(op, err)
		}
		d.CreatedAt = at.Time
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(op, err)
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		return s.audit.Record(ctx, tx, audit.Entry{Actor: p.Actor(), Action: "datastore.read", ObjectType: "citizen",
			ObjectID: p.NationalID, SubjectNationalID: p.NationalID, PersonalRead: true, Summary: map[string]any{"documents": len(out)}})
	})
	return out, errs.Wrap(op, err)
}

// StoredDocumentFile returns one of the citizen's stored documents, for download.
func (s *Service) StoredDocumentFile(ctx context.Context, p *authz.Principal, id int64) (StoredDocument, error) {
	docs, err := s.DataStore(ctx, p)
	if err != nil {
		return StoredDocument{}, err
	}
	for _, d := range docs {
		if d.ID == id {
			return d, nil
		}
	}
	return StoredDocument{}, errs.E("dossier.StoredDocumentFile", errs.NotFound, "dossier.file.missing")
}

// owns reports whether the document with the content is in the citizen's store.
func owns(ctx context.Context, q db.Querier, nationalID, sum string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM citizen_documents WHERE national_id = ? AND sha256 = ?`, nationalID, sum).Scan(&n)
	return n > 0, err
}
