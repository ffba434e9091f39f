package report

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/errs"
)

// Definition is a periodic report: what it asks, for which periods, by
// when, and to whom it goes.
type Definition struct {
	ID           int64
	Code         string
	NameVI       string
	NameEN       string
	Indicators   []string // figures asked for (Metrics)
	PeriodKind   string   // Month, Quarter, Half, Year (ND 09/2019 periods)
	DeadlineDays int      // days after the period's end
	Recipient    agency.Agency
	Active       bool
}

// DefinitionInput is what an administrator sets on a definition.
type DefinitionInput struct {
	Code          string
	NameVI        string
	NameEN        string
	Indicators    []string
	PeriodKind    string
	DeadlineDays  int
	RecipientCode string
}

// Override replaces a pre-filled figure, with the reason.
type Override struct {
	Value int64  `json:"value"`
	Note  string `json:"note"`
}

// Instance is one agency's report for one period.
type Instance struct {
	ID        int64
	Def       Definition
	Agency    agency.Agency
	Period    Period
	Status    string // draft, signed
	Version   int
	Data      map[string]int64    // from the statistics, the sub-agencies' reports included
	Overrides map[string]Override // corrections, each explained
	Values    map[string]int64    // what the report says: the data, corrected; frozen at sign-off
	Due       calendar.Date
	Overdue   bool
	SignedAt  time.Time
	SignedBy  string
	Children  []ChildReport // the direct sub-agencies' reports
}

// ChildReport is where a sub-agency's report stands.
type ChildReport struct {
	Agency  agency.Agency
	Status  string // "", draft, signed
	Overdue bool
}

// Report statuses.
const (
	Draft  = "draft"
	Signed = "signed"
)

var codeRE = regexp.MustCompile(`^[A-Z0-9][A-Z0-9._-]{1,39}$`)

// CreateDefinition adds a periodic report; administrators of the
// recipient agency define what they collect.
func (s *Service) CreateDefinition(ctx context.Context, p *authz.Principal, in DefinitionInput) (Definition, error) {
	const op = "report.CreateDefinition"
	var v errs.Validation
	in.Code = strings.TrimSpace(in.Code)
	in.NameVI, in.NameEN = strings.TrimSpace(in.NameVI), strings.TrimSpace(in.NameEN)
	if !codeRE.MatchString(in.Code) {
		v.Add("code", "report.def.code")
	}
	if in.NameVI == "" {
		v.Add("name_vi", "field.required")
	}
	if len(in.Indicators) == 0 {
		v.Add("indicators", "field.required")
	}
	seen := map[string]bool{}
	for _, ind := range in.Indicators {
		if !slices.Contains(Metrics, ind) || seen[ind] {
			v.Add("indicators", "report.metric.unknown", ind)
		}
		seen[ind] = true
	}
	if !slices.Contains([]string{Month, Quarter, Half, Year}, in.PeriodKind) {
		v.Add("period_kind", "catalog.unknown_value", in.PeriodKind)
	}
	if in.DeadlineDays < 0 || in.DeadlineDays > 90 {
		v.Add("deadline_days", "report.def.deadline")
	}
	a, err := s.agencies.ByCode(ctx, in.RecipientCode)
	if err != nil {
		v.Add("recipient", "report.agency.unknown", in.RecipientCode)
	}
	if !v.OK() {
		if !authz.CanSomewhere(p, authz.ManageAgency) {
			return Definition{}, errs.E(op, errs.Forbidden, "error.forbidden")
		}
		return Definition{}, v.Err(op)
	}
	if err := authz.Authorize(op, p, authz.ManageAgency, authz.Object{AgencyPath: a.Path}); err != nil {
		return Definition{}, err
	}
	inds, _ := json.Marshal(in.Indicators)
	d := Definition{Code: in.Code, NameVI: in.NameVI, NameEN: in.NameEN, Indicators: in.Indicators, PeriodKind: in.PeriodKind,
		DeadlineDays: in.DeadlineDays, Recipient: a, Active: true}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO report_defs (code, name_vi, name_en, indicators, period_kind, deadline_days, recipient_agency_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, d.Code, d.NameVI, d.NameEN, string(inds), d.PeriodKind, d.DeadlineDays, a.ID,
			db.T(s.now())).Scan(&d.ID)
		if db.IsUniqueViolation(err) {
			return errs.E(op, errs.Conflict, "report.def.exists", d.Code)
		}
		if err != nil {
			return err
		}
		return s.record(ctx, tx, p, "report.define", "report_def", d.ID, map[string]any{"code": d.Code, "indicators": d.Indicators})
	})
	if err != nil {
		return Definition{}, errs.Wrap(op, err)
	}
	return d, nil
}

func (s *Service) record(ctx context.Context, tx *db.Tx, p *authz.Principal, action, objType string, id int64, summary any) error {
	if s.audit == nil {
		return errors.New("report: no audit log")
	}
	return s.audit.Record(ctx, tx, audit.Entry{Actor: p.Actor(), Action: action, ObjectType: objType,
		ObjectID: strconv.FormatInt(id, 10), Summary: summary})
}

// Definitions lists the active periodic reports.
func (s *Service) Definitions(ctx context.Context) ([]Definition, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, code, name_vi, name_en, indicators, period_kind, deadline_days, recipient_agency_id, active
		FROM report_defs WHERE active ORDER BY code`)
	if err != nil {
		return nil, errs.Wrap("report.Definitions", err)
	}
	defer rows.Close()
	var out []Definition
	var recipients []int64
	for rows.Next() {
		var d Definition
		var inds string
		if err := rows.Scan(&d.ID, &d.Code, &d.NameVI, &d.NameEN, &inds, &d.PeriodKind, &d.DeadlineDays, &d.Recipient.ID, &d.Active); err != nil {
			return nil, errs.Wrap("report.Definitions", err)
		}
		json.Unmarshal([]byte(inds), &d.Indicators)
		out = append(out, d)
		recipients = append(recipients, d.Recipient.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap("report.Definitions", err)
	}
	ags, err := s.agencies.ByIDs(ctx, recipients)
	if err != nil {
		return nil, errs.Wrap("report.Definitions", err)
	}
	for i := range out {
		out[i].Recipient = ags[out[i].Recipient.ID]
	}
	return out, nil
}

func (s *Service) definition(ctx context.Context, op, code string) (Definition, error) {
	defs, err := s.Definitions(ctx)
	if err != nil {
		return Definition{}, err
	}
	for _, d := range defs {
		if d.Code == code {
			return d, nil
		}
	}
	return Definition{}, errs.E(op, errs.NotFound, "report.def.not_found", code)
}

// instanceRow is a stored instance.
type instanceRow struct {
	id, agency int64
	status     string
	overrides  map[string]Override
	signed     map[string]int64
	due        string
	signedAt   db.Time
	signedBy   string
	version    int
}

func (s *Service) instanceRows(ctx context.Context, q db.Querier, defID int64, period string) (map[int64]*instanceRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, agency_id, status, overrides, signed_values, due_day, signed_at, signed_by, version
		FROM report_instances WHERE def_id = ? AND period = ?`, defID, period)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]*instanceRow{}
	for rows.Next() {
		var r instanceRow
		var ov, sv string
		if err := rows.Scan(&r.id, &r.agency, &r.status, &ov, &sv, &r.due, &r.signedAt, &r.signedBy, &r.version); err != nil {
			return nil, err
		}
		json.Unmarshal([]byte(ov), &r.overrides)
		json.Unmarshal([]byte(sv), &r.signed)
		out[r.agency] = &r
	}
	return out, rows.Err()
}

// Open returns an agency's report for a period, creating the draft the
// first time it is opened. The figures are the agency's own dossiers plus
// what each sub-agency reports: its corrected figures if it made a
// report, else its statistics.
func (s *Service) Open(ctx context.Context, p *authz.Principal, defCode, agencyCode, periodName string) (Instance, error) {
	const op = "report.Open"
	def, err := s.definition(ctx, op, defCode)
	if err != nil {
		return Instance{}, err
	}
	period, err := ParsePeriod(periodName)
	if err != nil {
		return Instance{}, err
	}
	if strings.HasPrefix(period.Name, "c") || Current(def.PeriodKind, period.To).Name != period.Name {
		return Instance{}, errs.E(op, errs.Invalid, "report.period.kind")
	}
	a, err := s.agencies.ByCode(ctx, agencyCode)
	if err != nil {
		return Instance{}, errs.E(op, errs.Invalid, "report.agency.unknown", agencyCode)
	}
	if err := authz.Authorize(op, p, authz.ReadStats, authz.Object{AgencyPath: a.Path}); err != nil {
		return Instance{}, err
	}
	due := period.To.AddDays(def.DeadlineDays)
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM report_instances WHERE def_id = ? AND agency_id = ? AND period = ?`, def.ID, a.ID, period.Name).Scan(&id)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		now := db.T(s.now())
		err = tx.QueryRowContext(ctx, `INSERT INTO report_instances (def_id, agency_id, period, status, due_day, created_at, updated_at)
			VALUES (?, ?, ?, 'draft', ?, ?, ?) ON CONFLICT (def_id, agency_id, period) DO NOTHING RETURNING id`,
			def.ID, a.ID, period.Name, due.String(), now, now).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // opened at the same moment by someone else
		}
		if err != nil {
			return err
		}
		return s.record(ctx, tx, p, "report.open", "report_instance", id, map[string]any{"report": def.Code, "agency": a.Code.String(), "period": period.Name})
	})
	if err != nil {
		return Instance{}, errs.Wrap(op, err)
	}
	return s.instance(ctx, op, p, def, a, period)
}

// instance computes an instance's figures.
func (s *Service) instance(ctx context.Context, op string, p *authz.Principal, def Definition, a agency.Agency, period Period) (Instance, error) {
	stored, err := s.instanceRows(ctx, s.db, def.ID, period.Name)
	if err != nil {
		return Instance{}, errs.Wrap(op, err)
	}
	res, err := s.Stats(ctx, p, Query{Agency: a.Code.String(), Period: period, Group: ByAgency})
	if err != nil {
		return Instance{}, err
	}
	own := map[int64]Figures{}
	for _, r := range res.Rows {
		id, _ := strconv.ParseInt(r.Key, 10, 64)
		own[id] = r.Figures
	}
	children := map[int64][]agency.Agency{}
	for _, x := range res.Scope {
		children[x.ParentID] = append(children[x.ParentID], x)
	}
	today := s.Today()
	// values is an agency's figures before its own corrections (data)
	// and after (reported).
	var values func(id int64) (data, reported map[string]int64)
	values = func(id int64) (map[string]int64, map[string]int64) {
		data := map[string]int64{}
		for _, ind := range def.Indicators {
			v, _ := own[id].Value(ind)
			data[ind] = int64(v)
		}
		for _, c := range children[id] {
			_, rep := values(c.ID)
			for k, v := range rep {
				data[k] += v
			}
		}
		row := stored[id]
		if row == nil {
			return data, data
		}
		if row.status == Signed {
			return data, row.signed
		}
		rep := map[string]int64{}
		for k, v := range data {
			rep[k] = v
		}
		for k, o := range row.overrides {
			rep[k] = o.Value
		}
		return data, rep
	}
	in := Instance{Def: def, Agency: a, Period: period}
	in.Data, in.Values = values(a.ID)
	row := stored[a.ID]
	if row != nil {
		in.ID, in.Status, in.Version, in.Overrides = row.id, row.status, row.version, row.overrides
		in.Due, _ = calendar.ParseDate(row.due)
		in.SignedAt, in.SignedBy = row.signedAt.Time, row.signedBy
	} else {
		in.Due = period.To.AddDays(def.DeadlineDays)
	}
	if in.Overrides == nil {
		in.Overrides = map[string]Override{}
	}
	in.Overdue = in.Status != Signed && today.After(in.Due)
	for _, c := range children[a.ID] {
		cr := ChildReport{Agency: c}
		if r := stored[c.ID]; r != nil {
			cr.Status = r.status
		}
		cr.Overdue = cr.Status != Signed && today.After(period.To.AddDays(def.DeadlineDays))
		in.Children = append(in.Children, cr)
	}
	return in, nil
}

// Edit corrects figures of a draft report; each correction says why.
// A signed report does not change.
func (s *Service) Edit(ctx context.Context, p *authz.Principal, defCode, agencyCode, periodName string, version int, overrides map[string]Override) (Instance, error) {
	const op = "report.Edit"
	in, err := s.Open(ctx, p, defCode, agencyCode, periodName)
	if err != nil {
		return Instance{}, err
	}
	if err := authz.Authorize(op, p, authz.EditReport, authz.Object{AgencyPath: in.Agency.Path}); err != nil {
		return Instance{}, err
	}
	if in.Status == Signed {
		return Instance{}, errs.E(op, errs.Conflict, "report.signed")
	}
	var v errs.Validation
	clean := map[string]Override{}
	for k, o := range overrides {
		o.Note = strings.TrimSpace(o.Note)
		switch {
		case !slices.Contains(in.Def.Indicators, k):
			v.Add(k, "report.metric.unknown", k)
		case o.Value < 0:
			v.Add(k, "report.override.negative")
		case o.Note == "":
			v.Add(k, "report.override.note")
		default:
			clean[k] = o
		}
	}
	if !v.OK() {
		return Instance{}, v.Err(op)
	}
	b, _ := json.Marshal(clean)
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE report_instances SET overrides = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ? AND status = 'draft'`, string(b), db.T(s.now()), in.ID, version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(op, errs.Conflict, "report.stale")
		}
		return s.record(ctx, tx, p, "report.edit", "report_instance", in.ID, map[string]any{"overrides": clean})
	})
	if err != nil {
		return Instance{}, errs.Wrap(op, err)
	}
	return s.Open(ctx, p, defCode, agencyCode, periodName)
}

// Sign signs a report off: a leader of the agency freezes its figures.
func (s *Service) Sign(ctx context.Context, p *authz.Principal, defCode, agencyCode, periodName string, version int) (Instance, error) {
	const op = "report.Sign"
	in, err := s.Open(ctx, p, defCode, agencyCode, periodName)
	if err == nil {
		err = authz.Authorize(op, p, authz.SignReport, authz.Object{AgencyPath: in.Agency.Path})
	}
	if errs.KindOf(err) == errs.Forbidden {
		// Whoever may not sign learns why in words, not as a bare refusal.
		return Instance{}, errs.E(op, errs.Forbidden, "reports.sign.forbidden")
	}
	if err != nil {
		return Instance{}, err
	}
	if in.Status == Signed {
		return Instance{}, errs.E(op, errs.Conflict, "report.signed")
	}
	b, _ := json.Marshal(in.Values)
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE report_instances SET status = 'signed', signed_values = ?, signed_at = ?, signed_by = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND version = ? AND status = 'draft'`,
			string(b), db.T(s.now()), p.Name, db.T(s.now()), in.ID, version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(op, errs.Conflict, "report.stale")
		}
		return s.record(ctx, tx, p, "report.sign", "report_instance", in.ID, map[string]any{"values": in.Values})
	})
	if err != nil {
		return Instance{}, errs.Wrap(op, err)
	}
	return s.Open(ctx, p, defCode, agencyCode, periodName)
}
