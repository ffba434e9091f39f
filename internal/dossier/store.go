package dossier

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/motcua/motcua/internal/db"
)

var errNone = errors.New("no such dossier")

const dossierCols = `id, COALESCE(code, ''), procedure_code, procedure_version, case_code, procedure_name, status, channel,
	applicant, form, receiving_agency_id, processing_agency_id, step, COALESCE(step_agency_id, 0), COALESCE(assignee_id, 0), COALESCE(last_handler_id, 0),
	submitted_at, received_at, due_at, original_due_at, step_due_at, extended, paused_at, finished_at, returned_at,
	timeliness, result_kind, version, created_at, updated_at`

func scanDossier(s interface{ Scan(...any) error }) (Dossier, error) {
	var d Dossier
	var applicant, form string
	var sub, rec, due, odue, sdue, paused, fin, ret, created, updated db.Time
	err := s.Scan(&d.ID, &d.Code, &d.ProcedureCode, &d.ProcedureVersion, &d.CaseCode, &d.ProcedureName, &d.Status, &d.Channel,
		&applicant, &form, &d.ReceivingAgency, &d.ProcessingAgency, &d.Step, &d.StepAgency, &d.AssigneeID, &d.LastHandlerID,
		&sub, &rec, &due, &odue, &sdue, &d.Extended, &paused, &fin, &ret, &d.Timeliness, &d.ResultKind, &d.Version, &created, &updated)
	if err != nil {
		return d, err
	}
	d.SubmittedAt, d.ReceivedAt, d.DueAt, d.OriginalDueAt, d.StepDueAt = sub.Time, rec.Time, due.Time, odue.Time, sdue.Time
	d.PausedAt, d.FinishedAt, d.ReturnedAt, d.CreatedAt, d.UpdatedAt = paused.Time, fin.Time, ret.Time, created.Time, updated.Time
	if err := json.Unmarshal([]byte(applicant), &d.Applicant); err != nil {
		return d, fmt.Errorf("dossier %d applicant: %w", d.ID, err)
	}
	if err := json.Unmarshal([]byte(form), &d.Form); err != nil {
		return d, fmt.Errorf("dossier %d form: %w", d.ID, err)
	}
	return d, nil
}

func getDossier(ctx context.Context, q db.Querier, where string, args ...any) (Dossier, error) {
	d, err := scanDossier(q.QueryRowContext(ctx, `SELECT `+dossierCols+` FROM dossiers `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return d, errNone
	}
	return d, err
}

func queryDossiers(ctx context.Context, q db.Querier, where string, args ...any) ([]Dossier, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+dossierCols+` FROM dossiers `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Dossier
	for rows.Next() {
		d, err := scanDossier(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func insertDossier(ctx context.Context, tx *db.Tx, d *Dossier, byKind string, byID int64, key, hash string) error {
	app, _ := json.Marshal(d.Applicant)
	form, _ := json.Marshal(d.Form)
	var keyArg any
	if key != "" {
		keyArg = key
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO dossiers (procedure_code, procedure_version, case_code, procedure_name, status, channel,
		applicant_type, applicant_national_id, applicant_name, applicant, form, receiving_agency_id, processing_agency_id, step,
		submitted_at, created_by_kind, created_by_id, idempotency_key, request_hash, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, -1, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`,
		d.ProcedureCode, d.ProcedureVersion, d.CaseCode, d.ProcedureName, d.Status, d.Channel,
		d.Applicant.Type, d.Applicant.NationalID, d.Applicant.FullName, string(app), string(form), d.ReceivingAgency, d.ProcessingAgency,
		db.T(d.SubmittedAt), byKind, byID, keyArg, hash, db.T(d.CreatedAt), db.T(d.CreatedAt)).Scan(&d.ID)
	if err == nil {
		d.Version, d.Step, d.UpdatedAt = 1, -1, d.CreatedAt
	}
	return err
}

// saveState writes the lifecycle columns of d if nobody changed the
// dossier since version from; it reports false on a lost race.
func saveState(ctx context.Context, tx *db.Tx, d *Dossier, from int, now time.Time) (bool, error) {
	var code, assignee, handler, stepAgency any
	if d.Code != "" {
		code = d.Code
	}
	if d.AssigneeID != 0 {
		assignee = d.AssigneeID
	}
	if d.LastHandlerID != 0 {
		handler = d.LastHandlerID
	}
	if d.StepAgency != 0 {
		stepAgency = d.StepAgency
	}
	form, _ := json.Marshal(d.Form)
	res, err := tx.ExecContext(ctx, `UPDATE dossiers SET code = ?, status = ?, processing_agency_id = ?, step = ?, step_agency_id = ?, assignee_id = ?, last_handler_id = ?,
		submitted_at = ?, received_at = ?, due_at = ?, original_due_at = ?, step_due_at = ?, extended = ?, paused_at = ?, finished_at = ?,
		returned_at = ?, timeliness = ?, result_kind = ?, form = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		code, d.Status, d.ProcessingAgency, d.Step, stepAgency, assignee, handler, db.T(d.SubmittedAt), db.T(d.ReceivedAt), db.T(d.DueAt), db.T(d.OriginalDueAt),
		db.T(d.StepDueAt), d.Extended, db.T(d.PausedAt), db.T(d.FinishedAt), db.T(d.ReturnedAt), d.Timeliness, d.ResultKind, string(form),
		db.T(now), d.ID, from)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return false, err
	}
	d.Version = from + 1
	d.UpdatedAt = now
	return true, nil
}

func insertEvent(ctx context.Context, tx *db.Tx, dossierID int64, e Event, agencyID int64) error {
	var data string
	if len(e.Data) > 0 {
		b, _ := json.Marshal(e.Data)
		data = string(b)
	}
	var ag any
	if agencyID != 0 {
		ag = agencyID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO dossier_events (dossier_id, at, actor_kind, actor_id, actor_name, action, from_status, to_status,
		step, agency_id, comment, due_before, due_after, data) VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		dossierID, db.T(e.At), e.ActorKind, e.ActorName, e.Action, e.From, e.To, e.Step, ag, e.Comment, db.T(e.DueBefore), db.T(e.DueAfter), data)
	return err
}

func listEvents(ctx context.Context, q db.Querier, dossierID int64) ([]Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, at, actor_kind, actor_name, action, from_status, to_status, step, comment, due_before, due_after, data
		FROM dossier_events WHERE dossier_id = ? ORDER BY id`, dossierID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at, before, after db.Time
		var data string
		if err := rows.Scan(&e.ID, &at, &e.ActorKind, &e.ActorName, &e.Action, &e.From, &e.To, &e.Step, &e.Comment, &before, &after, &data); err != nil {
			return nil, err
		}
		e.At, e.DueBefore, e.DueAfter = at.Time, before.Time, after.Time
		if data != "" {
			json.Unmarshal([]byte(data), &e.Data)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func insertFile(ctx context.Context, tx *db.Tx, dossierID int64, f File, by string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO dossier_files (dossier_id, kind, component_code, name, sha256, size, content_type, digitized, reused, created_at, created_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, dossierID, f.Kind, f.ComponentCode, f.Name, f.SHA256, f.Size, f.ContentType, f.Digitized, f.Reused, db.T(f.CreatedAt), by)
	return err
}

func listFiles(ctx context.Context, q db.Querier, dossierID int64) ([]File, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, kind, component_code, name, sha256, size, content_type, digitized, reused, created_at
		FROM dossier_files WHERE dossier_id = ? ORDER BY id`, dossierID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []File
	for rows.Next() {
		var f File
		var at db.Time
		if err := rows.Scan(&f.ID, &f.Kind, &f.ComponentCode, &f.Name, &f.SHA256, &f.Size, &f.ContentType, &f.Digitized, &f.Reused, &at); err != nil {
			return nil, err
		}
		f.CreatedAt = at.Time
		out = append(out, f)
	}
	return out, rows.Err()
}

// nextSeq allocates the next dossier number of an agency for a day. The
// upsert is atomic on both engines, so two acceptances never get the same
// number, whichever server copy runs them.
func nextSeq(ctx context.Context, tx *db.Tx, agencyID int64, day string) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `INSERT INTO dossier_code_seq (agency_id, day, last) VALUES (?, ?, 1)
		ON CONFLICT (agency_id, day) DO UPDATE SET last = dossier_code_seq.last + 1 RETURNING last`, agencyID, day).Scan(&n)
	return n, err
}

func openPause(ctx context.Context, tx *db.Tx, dossierID int64, kind, reason string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO dossier_pauses (dossier_id, kind, started_at, reason) VALUES (?, ?, ?, ?)`, dossierID, kind, db.T(at), reason)
	return err
}

func closePause(ctx context.Context, tx *db.Tx, dossierID int64, at time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE dossier_pauses SET ended_at = ? WHERE dossier_id = ? AND ended_at IS NULL`, db.T(at), dossierID)
	return err
}
