package dossier

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/errs"
)

// Get returns a dossier with its files and history to its applicant or to
// the officials of its receiving or processing agency. The read of the
// applicant's personal data is audited, whoever reads it.
func (s *Service) Get(ctx context.Context, p *authz.Principal, id int64) (Dossier, error) {
	const op = "dossier.Get"
	if !p.Authenticated() {
		// Before any query, so that an anonymous caller cannot tell an
		// existing dossier from a missing one.
		return Dossier{}, errs.E(op, errs.Unauthenticated, "error.unauthenticated")
	}
	d, err := getDossier(ctx, s.db, `WHERE id = ?`, id)
	if errors.Is(err, errNone) {
		return d, errs.E(op, errs.NotFound, "dossier.not_found")
	}
	if err != nil {
		return d, errs.Wrap(op, err)
	}
	switch {
	case p.Kind == authz.Citizen && p.NationalID == d.Applicant.NationalID && d.Applicant.NationalID != "":
	case p.IsStaff() && s.mayRead(ctx, p, &d):
	case !p.Authenticated():
		return Dossier{}, errs.E(op, errs.Unauthenticated, "error.unauthenticated")
	default:
		// Not theirs: it does not exist for them.
		return Dossier{}, errs.E(op, errs.NotFound, "dossier.not_found")
	}
	if d.Files, err = listFiles(ctx, s.db, d.ID); err != nil {
		return d, errs.Wrap(op, err)
	}
	if d.Events, err = listEvents(ctx, s.db, d.ID); err != nil {
		return d, errs.Wrap(op, err)
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		return s.audit.Record(ctx, tx, audit.Entry{Actor: p.Actor(), Action: "dossier.read", ObjectType: "dossier",
			ObjectID: strconv.FormatInt(d.ID, 10), SubjectNationalID: d.Applicant.NationalID, PersonalRead: true})
	})
	return d, errs.Wrap(op, err)
}

// ByCode returns the id of the dossier with the code, for the pages that
// address dossiers by code; it says nothing about the dossier itself.
func (s *Service) ByCode(ctx context.Context, code string) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM dossiers WHERE code = ?`, NormaliseCode(code)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errs.E("dossier.ByCode", errs.NotFound, "dossier.not_found")
	}
	if err != nil {
		return 0, errs.Wrap("dossier.ByCode", err)
	}
	return id, nil
}

// Lookup answers the public lookup by code: procedure, status and dates,
// nothing personal. A malformed code is Invalid before any query.
func (s *Service) Lookup(ctx context.Context, code string) (Public, error) {
	const op = "dossier.Lookup"
	if _, _, ok := ParseCode(code); !ok {
		var v errs.Validation
		v.Add("code", "dossier.code.malformed")
		return Public{}, v.Err(op)
	}
	// Only the public columns: the lookup is anonymous and frequent, and
	// has no use for the applicant or the form (personal data, and JSON to
	// decode) that the whole row carries.
	var pub Public
	var received, due, finished, returned db.Time
	err := s.db.QueryRowContext(ctx, `SELECT code, procedure_code, procedure_name, status, received_at, due_at, finished_at, returned_at
		FROM dossiers WHERE code = ?`, NormaliseCode(code)).
		Scan(&pub.Code, &pub.ProcedureCode, &pub.ProcedureName, &pub.Status, &received, &due, &finished, &returned)
	if errors.Is(err, sql.ErrNoRows) {
		return Public{}, errs.E(op, errs.NotFound, "dossier.not_found")
	}
	if err != nil {
		return Public{}, errs.Wrap(op, err)
	}
	pub.External = pub.Status.External()
	pub.ReceivedAt, pub.DueAt, pub.FinishedAt, pub.ReturnedAt = received.Time, due.Time, finished.Time, returned.Time
	return pub, nil
}

// Mine lists the signed-in citizen's dossiers, newest first.
func (s *Service) Mine(ctx context.Context, p *authz.Principal) ([]Dossier, error) {
	const op = "dossier.Mine"
	if p.Kind != authz.Citizen {
		return nil, errs.E(op, errs.Unauthenticated, "error.unauthenticated")
	}
	ds, err := queryDossiers(ctx, s.db, `WHERE applicant_national_id = ? ORDER BY created_at DESC, id DESC LIMIT 200`, p.NationalID)
	return ds, errs.Wrap(op, err)
}

// Box is a tray of the inbox.
type Box string

// The trays.
const (
	BoxNew        Box = "new"         // submitted online, waiting for reception
	BoxInProgress Box = "in_progress" // in processing at a step of one of my roles
	BoxDueSoon    Box = "due_soon"    // due within one working day
	BoxOverdue    Box = "overdue"     // past the deadline
	BoxMine       Box = "mine"        // assigned to me
	BoxResults    Box = "results"     // results and refusals waiting to be returned
	BoxConsulted  Box = "consulted"   // other agencies' dossiers my agency is asked about
)

// Boxes lists the trays in display order.
var Boxes = []Box{BoxNew, BoxMine, BoxInProgress, BoxDueSoon, BoxOverdue, BoxResults, BoxConsulted}

// Inbox lists the dossiers of a tray for an official: those of the
// agencies their grants cover, newest deadlines first.
func (s *Service) Inbox(ctx context.Context, p *authz.Principal, box Box, limit int) ([]Dossier, error) {
	const op = "dossier.Inbox"
	if !p.IsStaff() {
		return nil, authz.Authorize(op, p, authz.ReadDossier, authz.Object{AgencyPath: "-"})
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}

	var args []any
	now := db.T(s.now())
	working := []authz.Role{authz.ReceptionOfficer, authz.Specialist, authz.UnitHead, authz.Leader}
	scope := func(col string, roles ...authz.Role) string {
		var parts []string
		for _, g := range p.Grants {
			for _, r := range roles {
				if g.Role != r {
					continue
				}
				if g.Subtree {
					parts = append(parts, `ag.path LIKE ?`)
					args = append(args, g.AgencyPath+"%")
				} else {
					parts = append(parts, `ag.path = ?`)
					args = append(args, g.AgencyPath)
				}
			}
		}
		if len(parts) == 0 {
			return "1 = 0"
		}
		return `d.` + col + ` IN (SELECT ag.id FROM agencies ag WHERE ` + strings.Join(parts, " OR ") + `)`
	}
	// Dossiers being processed are in the trays of the processing agency
	// and of the agency holding the current step (inter-agency processing).
	processing := func() string {
		return `(` + scope("processing_agency_id", working...) + ` OR ` + scope("step_agency_id", working...) + `)`
	}
	var where string
	switch box {
	case BoxNew:
		where = `d.status IN ('submitted') AND ` + scope("receiving_agency_id", authz.ReceptionOfficer)
	case BoxResults:
		where = `d.status IN ('result_ready', 'refused') AND ` + scope("receiving_agency_id", authz.ReceptionOfficer)
	case BoxConsulted:
		where = `d.status = 'consulting' AND d.id IN (SELECT c.dossier_id FROM dossier_consultations c WHERE c.answered_at IS NULL AND ` +
			strings.Replace(scope("agency_id", working...), "d.agency_id", "c.agency_id", 1) + `)`
	case BoxMine:
		where = `d.status IN ('processing', 'consulting', 'supplement', 'awaiting_payment') AND d.assignee_id = ?`
		args = append(args, p.ID)
	case BoxInProgress:
		where = `d.status IN ('processing', 'consulting', 'supplement', 'awaiting_payment') AND ` + processing()
	case BoxDueSoon:
		// Within one working day, on the platform's calendar (agencies'
		// own calendars differ by a few local days off at most).
		cal, err := s.calendars.Calendar(ctx, 0, nil)
		if err != nil {
			return nil, errs.Wrap(op, err)
		}
		soon := cal.AddWorkingHours(s.now(), cal.DayLength())
		where = `d.status IN ('processing', 'consulting') AND d.due_at > ? AND d.due_at <= ? AND ` + processing()
		args = append([]any{now, db.T(soon)}, args...)
	case BoxOverdue:
		// A paused dossier (supplement, payment) has its clock stopped: the
		// deadline is moved when it resumes, so it is not overdue meanwhile.
		where = `d.status IN ('processing', 'consulting') AND d.due_at < ? AND ` + processing()
		args = append([]any{now}, args...)
	default:
		var v errs.Validation
		v.Add("box", "catalog.unknown_value", string(box))
		return nil, v.Err(op)
	}
	rows, err := queryDossiers(ctx, s.db, `d WHERE `+where+` ORDER BY d.due_at, d.id LIMIT ?`, append(args, limit)...)
	return rows, errs.Wrap(op, err)
}

// Consultation is one agency's opinion asked on a dossier.
type Consultation struct {
	AgencyID    int64
	Question    string
	RequestedAt time.Time
	DueAt       time.Time
	AnsweredAt  time.Time
	Answer      string
	AnsweredBy  string
}

// Consultations lists the opinions asked on a dossier the principal may read.
func (s *Service) Consultations(ctx context.Context, p *authz.Principal, id int64) ([]Consultation, error) {
	const op = "dossier.Consultations"
	if _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT agency_id, question, requested_at, due_at, answered_at, answer, answered_by
		FROM dossier_consultations WHERE dossier_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	defer rows.Close()
	var out []Consultation
	for rows.Next() {
		var c Consultation
		var req, due, ans db.Time
		if err := rows.Scan(&c.AgencyID, &c.Question, &req, &due, &ans, &c.Answer, &c.AnsweredBy); err != nil {
			return nil, errs.Wrap(op, err)
		}
		c.RequestedAt, c.DueAt, c.AnsweredAt = req.Time, due.Time, ans.Time
		out = append(out, c)
	}
	return out, rows.Err()
}

// consulted lists the agencies asked for an opinion on a dossier (only
// those that have not answered yet, with open).
func (s *Service) consulted(ctx context.Context, dossierID int64, open bool) []int64 {
	q := `SELECT agency_id FROM dossier_consultations WHERE dossier_id = ?`
	if open {
		q += ` AND answered_at IS NULL`
	}
	return agencyIDs(ctx, s.db, q, dossierID)
}

func (s *Service) consultedTx(ctx context.Context, tx *db.Tx, dossierID int64) []int64 {
	return agencyIDs(ctx, tx, `SELECT agency_id FROM dossier_consultations WHERE dossier_id = ? AND answered_at IS NULL`, dossierID)
}

func agencyIDs(ctx context.Context, q db.Querier, query string, args ...any) []int64 {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if rows.Scan(&id) == nil {
			out = append(out, id)
		}
	}
	return out
}
