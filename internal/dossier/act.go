package dossier

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/errs"
)

// Input carries what an action needs besides the dossier.
type Input struct {
	Version       int       // the dossier version the actor saw (optimistic locking)
	Comment       string    // a note kept in the history
	Missing       []string  // supplement requests: everything missing, in one go
	Reason        string    // refusals, withdrawal, extension apology
	AssigneeID    int64     // assign
	NewDue        time.Time // extend
	Amount        int64     // request payment, in đồng
	Files         []FileRef // supplements, results
	Rating        string    // rate: satisfied, neutral, unsatisfied
	ReturnChannel string    // return: counter, post, online
	Consult       []string  // consult: codes of the agencies asked
	Question      string    // consult: what they are asked
	ConsultDays   int       // consult: working days they have to answer
	Answer        string    // answer_consultation: the opinion
}

// Ratings are the possible satisfaction ratings.
var Ratings = []string{"satisfied", "neutral", "unsatisfied"}

// reception actions are done at the receiving desk; the others at the
// processing agency.
var reception = []Action{Accept, RequestSupplementDesk, RejectAtDesk, Resubmit, SupplementReceived, MarkPaid, ReturnResult, Withdraw}

// Act takes action a on dossier id: checks that the action is allowed in
// the dossier's state and by the principal's role at the right agency,
// applies it, and records the event, the audit record and the applicant's
// notification in one transaction. A dossier changed by someone else since
// in.Version is a Conflict.
func (s *Service) Act(ctx context.Context, p *authz.Principal, id int64, a Action, in Input) (Dossier, error) {
	op := "dossier." + string(a)
	var out Dossier
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		d, err := getDossier(ctx, tx, `WHERE id = ?`+tx.Dialect().ForUpdate(), id)
		if errors.Is(err, errNone) {
			return errs.E(op, errs.NotFound, "dossier.not_found")
		}
		if err != nil {
			return errs.Wrap(op, err)
		}
		if err := s.authorizeAction(ctx, op, p, &d, a); err != nil {
			return err
		}
		if in.Version != d.Version {
			return errs.E(op, errs.Conflict, "dossier.stale")
		}
		if err := s.actOn(ctx, tx, op, p, &d, a, in); err != nil {
			return err
		}
		out = d
		return nil
	})
	return out, err
}

// actOn applies an authorised action to d inside tx.
func (s *Service) actOn(ctx context.Context, tx *db.Tx, op string, p *authz.Principal, d *Dossier, a Action, in Input) error {
	to, ok := Allowed(a, d.Status)
	if !ok {
		return errs.E(op, errs.Conflict, "dossier.action.not_allowed")
	}
	ver, err := s.catalog.Published(ctx, d.ProcedureCode, d.ProcedureVersion)
	if err != nil {
		return errs.Wrap(op, err)
	}
	c, _ := CaseOf(ver, d.CaseCode)
	if c == nil {
		return errs.E(op, errs.Internal, "dossier.case.unknown")
	}
	ag, err := s.agencies.Get(ctx, d.ReceivingAgency)
	if err != nil {
		return errs.Wrap(op, err)
	}
	clock, err := s.clock(ctx, ag)
	if err != nil {
		return errs.Wrap(op, err)
	}
	now := s.now()
	from, fromVersion := d.Status, d.Version
	dueBefore := d.DueAt
	ev := Event{At: now, Action: string(a), From: from, Comment: strings.TrimSpace(in.Comment), Step: d.Step}
	ev.ActorKind, ev.ActorName = actor(p)
	x := &actx{s: s, ctx: ctx, tx: tx, op: op, p: p, d: d, c: c, ver: ver, clock: clock, now: now, in: in, ev: &ev, receiving: ag}
	notice, err := x.apply(a)
	if err != nil {
		return err
	}
	d.Status = to
	if x.status != "" {
		d.Status = x.status
	}
	ev.To, ev.DueBefore, ev.DueAfter = d.Status, dueBefore, d.DueAt
	if ev.DueBefore.Equal(ev.DueAfter) {
		ev.DueBefore, ev.DueAfter = time.Time{}, time.Time{}
	}
	ok, err = saveState(ctx, tx, d, fromVersion, now)
	if err != nil {
		return errs.Wrap(op, err)
	}
	if !ok {
		return errs.E(op, errs.Conflict, "dossier.stale")
	}
	if err := insertEvent(ctx, tx, d.ID, ev, d.ProcessingAgency); err != nil {
		return errs.Wrap(op, err)
	}
	if !dueBefore.Equal(d.DueAt) {
		// A new deadline: the watcher judges it afresh.
		if _, err := tx.ExecContext(ctx, `UPDATE dossiers SET flagged = '' WHERE id = ?`, d.ID); err != nil {
			return errs.Wrap(op, err)
		}
	}
	// Digitised documents and results go into the applicant's data store,
	// where later applications can reuse them.
	switch a {
	case Accept, SupplementReceived:
		err = keep(ctx, tx, d, "component", "supplement")
	case IssueResult:
		err = keep(ctx, tx, d, "result")
	}
	if err != nil {
		return errs.Wrap(op, err)
	}
	if s.documents != nil {
		files, err := s.documents.OnEvent(ctx, d, a, ev)
		if err != nil {
			return errs.Wrap(op, err)
		}
		for _, f := range files {
			f.CreatedAt = now
			if err := insertFile(ctx, tx, d.ID, f, ev.ActorName); err != nil {
				return errs.Wrap(op, err)
			}
		}
	}
	if err := x.recordFacts(a); err != nil {
		return errs.Wrap(op, err)
	}
	if notice != "" && s.notifier != nil {
		if err := s.notifier.Notify(ctx, tx, notice, d, x.noticeData); err != nil {
			return errs.Wrap(op, err)
		}
	}
	return s.audit.Record(ctx, tx, audit.Entry{Actor: p.Actor(), Action: "dossier." + string(a), ObjectType: "dossier",
		ObjectID: strconv.FormatInt(d.ID, 10), SubjectNationalID: d.Applicant.NationalID,
		Summary: map[string]any{"code": d.Code, "from": from, "to": d.Status, "comment": ev.Comment}})
}

// authorizeAction checks who may take a on d: the applicant for their own
// dossier, or an official holding a role of the action (and, for steps of
// the process, the role of the current step) at the receiving agency for
// desk actions or at the processing agency for the others.
func (s *Service) authorizeAction(ctx context.Context, op string, p *authz.Principal, d *Dossier, a Action) error {
	if p.Kind == authz.Citizen {
		if ByApplicant(a) && d.Applicant.NationalID == p.NationalID {
			return nil
		}
		if d.Applicant.NationalID != p.NationalID {
			return errs.E(op, errs.NotFound, "dossier.not_found")
		}
		return errs.E(op, errs.Forbidden, "error.forbidden")
	}
	if !p.IsStaff() {
		return authz.Authorize(op, p, authz.ReadDossier, authz.Object{AgencyPath: "-"})
	}
	agencies := []int64{d.ProcessingAgency}
	if d.StepAgency != 0 {
		agencies = append(agencies, d.StepAgency)
	}
	switch {
	case a == Answer:
		// The agencies asked give their opinion.
		agencies = s.consulted(ctx, d.ID, true)
	case slices.Contains(reception, a):
		agencies = []int64{d.ReceivingAgency}
	case a == IssueResult:
		// The result is issued at the last step, which templates give to
		// the desk that will return it: either agency's staff may issue.
		agencies = []int64{d.ProcessingAgency, d.ReceivingAgency}
	}
	for _, id := range agencies {
		ag, err := s.agencies.Get(ctx, id)
		if err != nil {
			return errs.Wrap(op, err)
		}
		for _, r := range Roles(a) {
			for _, g := range p.Grants {
				if g.Role == r && g.Covers(ag.Path) {
					return nil
				}
			}
		}
	}
	// Someone who may read the dossier learns why they may not act; others
	// do not learn that it exists.
	if s.mayRead(ctx, p, d) {
		return errs.E(op, errs.Forbidden, "dossier.role")
	}
	return errs.E(op, errs.NotFound, "dossier.not_found")
}

// mayRead reports whether an official works at the receiving or the
// processing agency of d, at the agency of its current step, or at an
// agency consulted on it (or above one of them, with a sub-tree grant).
func (s *Service) mayRead(ctx context.Context, p *authz.Principal, d *Dossier) bool {
	ids := []int64{d.ReceivingAgency, d.ProcessingAgency}
	if d.StepAgency != 0 {
		ids = append(ids, d.StepAgency)
	}
	ids = append(ids, s.consulted(ctx, d.ID, false)...)
	for _, id := range ids {
		ag, err := s.agencies.Get(ctx, id)
		if err == nil && authz.Can(p, authz.ReadDossier, authz.Object{AgencyPath: ag.Path}) {
			return true
		}
	}
	return false
}

// actx is one action being applied.
type actx struct {
	s          *Service
	ctx        context.Context
	tx         *db.Tx
	op         string
	p          *authz.Principal
	d          *Dossier
	c          *catalog.Case
	ver        catalog.Version
	clock      Clock
	now        time.Time
	in         Input
	ev         *Event
	receiving  agency.Agency
	status     Status // overrides the transition's target
	noticeData map[string]any
}

func (x *actx) invalid(field, key string, args ...any) error {
	var v errs.Validation
	v.Add(field, key, args...)
	return v.Err(x.op)
}

// stepRole is the role of the current step of the process ("" when the
// dossier is past its last step).
func (x *actx) stepRole() authz.Role {
	if x.d.Step < 0 || x.d.Step >= len(x.c.Process) {
		return ""
	}
	return authz.Role(x.c.Process[x.d.Step].Role)
}

// holds reports whether the principal holds role r where the current step
// is done: the step's own unit when the process names one (another agency
// in inter-agency processing), else the processing agency.
func (x *actx) holds(r authz.Role) bool {
	id := x.d.ProcessingAgency
	if x.d.StepAgency != 0 {
		id = x.d.StepAgency
	}
	ag, err := x.s.agencies.Get(x.ctx, id)
	if err != nil {
		return false
	}
	for _, g := range x.p.Grants {
		if g.Role == r && g.Covers(ag.Path) {
			return true
		}
	}
	return false
}

// mayTake reports whether account id is an active official holding a
// processing role at the agency of the current step (or above it, with a
// sub-tree grant).
func (x *actx) mayTake(id int64) (bool, error) {
	agencyID := x.d.ProcessingAgency
	if x.d.StepAgency != 0 {
		agencyID = x.d.StepAgency
	}
	ag, err := x.s.agencies.Get(x.ctx, agencyID)
	if err != nil {
		return false, err
	}
	rows, err := x.tx.QueryContext(x.ctx, `SELECT r.role, a.path, r.subtree FROM account_roles r
		JOIN accounts ac ON ac.id = r.account_id JOIN agencies a ON a.id = r.agency_id
		WHERE r.account_id = ? AND ac.kind = 'official' AND ac.active`, id)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var g authz.Grant
		var role string
		if err := rows.Scan(&role, &g.AgencyPath, &g.Subtree); err != nil {
			return false, err
		}
		g.Role = authz.Role(role)
		switch g.Role {
		case authz.Specialist, authz.UnitHead, authz.Leader, authz.ReceptionOfficer:
			if g.Covers(ag.Path) {
				return true, rows.Err()
			}
		}
	}
	return false, rows.Err()
}

// moveTo puts the dossier at step i with that step's own deadline.
func (x *actx) moveTo(i int) {
	x.d.Step = i
	x.d.AssigneeID = 0
	x.d.StepAgency = 0
	if i < len(x.c.Process) {
		dur := x.c.Process[i].Duration
		x.d.StepDueAt = x.clock.Cal.AddWorkingHours(x.now, time.Duration(dur.Hours())*time.Hour)
		switch unit := x.c.Process[i].Unit; {
		case unit != "":
			// Publication checked that the unit exists; one removed since
			// leaves the step with the processing agency.
			if a, err := x.s.agencies.ByCode(x.ctx, unit); err == nil && a.ID != x.d.ProcessingAgency {
				x.d.StepAgency = a.ID
			}
		case authz.Role(x.c.Process[i].Role) == authz.ReceptionOfficer && x.d.ReceivingAgency != x.d.ProcessingAgency:
			// A reception step without a unit is done at the desk that
			// received the dossier (returning the result, most often).
			x.d.StepAgency = x.d.ReceivingAgency
		}
	} else {
		x.d.StepDueAt = time.Time{}
	}
}

// finish records the end of processing and how it stood against the deadline.
func (x *actx) finish(kind string) {
	x.d.FinishedAt = x.now
	x.d.ResultKind = kind
	// A withdrawal stops processing without a result: the on-time rate
	// counts results only.
	if kind != "stop" && !x.d.DueAt.IsZero() {
		x.d.Timeliness = x.clock.Judge(x.now, x.d.DueAt)
	}
}

// attach stores the files of an action on the dossier.
func (x *actx) attach(kind string) error {
	for _, f := range x.in.Files {
		size, err := x.s.blobs.Size(x.ctx, f.SHA256)
		if err != nil {
			return x.invalid("files", "dossier.file.missing")
		}
		file := File{Kind: kind, ComponentCode: f.ComponentCode, Name: f.Name, SHA256: f.SHA256, Size: size, ContentType: f.ContentType,
			Digitized: f.Digitized, Reused: f.Reused, CreatedAt: x.now}
		if err := insertFile(x.ctx, x.tx, x.d.ID, file, x.p.Name); err != nil {
			return errs.Wrap(x.op, err)
		}
	}
	return nil
}

func cleanList(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// apply makes the action's changes to the dossier and returns the topic
// of the applicant's notification, if any.
func (x *actx) apply(a Action) (string, error) {
	d := x.d
	switch a {
	case Accept:
		return "accepted", x.accept()
	case RequestSupplementDesk, RequestSupplement:
		missing := cleanList(x.in.Missing)
		if len(missing) == 0 {
			return "", x.invalid("missing", "dossier.missing.required")
		}
		x.ev.Data = map[string]any{"missing": missing}
		if a == RequestSupplement {
			if x.clock.SupplementLate(d.ReceivedAt, x.now) {
				x.ev.Data["late"] = true
			}
			d.PausedAt = x.now
			if err := openPause(x.ctx, x.tx, d.ID, "supplement", strings.Join(missing, "; "), x.now); err != nil {
				return "", errs.Wrap(x.op, err)
			}
		}
		x.noticeData = map[string]any{"missing": missing}
		return "supplement_requested", nil
	case RejectAtDesk, Refuse:
		if strings.TrimSpace(x.in.Reason) == "" {
			return "", x.invalid("reason", "field.required")
		}
		x.ev.Data = map[string]any{"reason": strings.TrimSpace(x.in.Reason)}
		x.noticeData = map[string]any{"reason": strings.TrimSpace(x.in.Reason)}
		if a == Refuse {
			x.finish("refusal")
		}
		return "refused", nil
	case Resubmit:
		if err := x.attach("supplement"); err != nil {
			return "", err
		}
		d.SubmittedAt = x.now
		return "", nil
	case Assign:
		if x.in.AssigneeID <= 0 {
			return "", x.invalid("assignee", "field.required")
		}
		// Only an active official who works where the dossier now is (the
		// agency of its current step) may be given it: anyone else would
		// see the applicant's data in their tray.
		ok, err := x.mayTake(x.in.AssigneeID)
		if err != nil {
			return "", errs.Wrap(x.op, err)
		}
		if !ok {
			return "", x.invalid("assignee", "dossier.assign.not_here")
		}
		d.AssigneeID = x.in.AssigneeID
		x.ev.Data = map[string]any{"assignee": x.in.AssigneeID}
		return "", nil
	case Claim:
		if !x.holds(x.stepRole()) {
			return "", errs.E(x.op, errs.Forbidden, "dossier.step.role", string(x.stepRole()))
		}
		d.AssigneeID = x.p.ID
		x.ev.Data = map[string]any{"assignee": x.p.ID}
		return "", nil
	case Forward, Approve, Sign:
		role := x.stepRole()
		// Approval and signature have their own actions, so that signing
		// before the approval is an error, not a forward.
		ok := map[Action]bool{
			Forward: role != "" && role != authz.UnitHead && role != authz.Leader,
			Approve: role == authz.UnitHead,
			Sign:    role == authz.Leader,
		}[a]
		if !ok {
			return "", errs.E(x.op, errs.Conflict, "dossier.step.out_of_order")
		}
		if !x.holds(role) {
			return "", errs.E(x.op, errs.Forbidden, "dossier.step.role", string(role))
		}
		d.LastHandlerID = x.p.ID
		x.moveTo(d.Step + 1)
		return "", nil
	case SendBack:
		if d.Step <= 1 {
			return "", errs.E(x.op, errs.Conflict, "dossier.step.first")
		}
		if !x.holds(x.stepRole()) {
			return "", errs.E(x.op, errs.Forbidden, "dossier.step.role", string(x.stepRole()))
		}
		back := d.LastHandlerID
		x.moveTo(d.Step - 1)
		d.AssigneeID = back
		return "", nil
	case SupplementReceived:
		if err := x.attach("supplement"); err != nil {
			return "", err
		}
		if err := closePause(x.ctx, x.tx, d.ID, x.now); err != nil {
			return "", errs.Wrap(x.op, err)
		}
		// ND 61/2018: the processing time restarts in full from the day the
		// complete dossier comes back.
		d.DueAt = x.clock.Due(x.now, x.c.Time)
		d.OriginalDueAt = d.DueAt
		d.Extended = false
		d.PausedAt = time.Time{}
		x.ev.Data = map[string]any{"restart": true}
		return "", nil
	case Consult:
		return "", x.consult()
	case Answer:
		return "", x.answer()
	case RequestPayment:
		if x.in.Amount <= 0 {
			return "", x.invalid("amount", "dossier.amount.positive")
		}
		d.PausedAt = x.now
		if err := openPause(x.ctx, x.tx, d.ID, "payment", strconv.FormatInt(x.in.Amount, 10), x.now); err != nil {
			return "", errs.Wrap(x.op, err)
		}
		x.ev.Data = map[string]any{"amount": x.in.Amount}
		x.noticeData = map[string]any{"amount": x.in.Amount}
		return "payment_requested", nil
	case MarkPaid:
		if err := closePause(x.ctx, x.tx, d.ID, x.now); err != nil {
			return "", errs.Wrap(x.op, err)
		}
		d.DueAt = x.clock.Resume(d.DueAt, d.PausedAt, x.now)
		d.PausedAt = time.Time{}
		return "", nil
	case Extend:
		switch {
		case d.Extended:
			return "", errs.E(x.op, errs.Conflict, "dossier.extend.once")
		case !x.clock.CanExtend(x.now, d.DueAt):
			return "", errs.E(x.op, errs.Conflict, "dossier.extend.too_late")
		case strings.TrimSpace(x.in.Reason) == "":
			return "", x.invalid("reason", "field.required")
		case !x.in.NewDue.After(d.DueAt):
			return "", x.invalid("new_due", "dossier.extend.not_later")
		}
		newDue := x.in.NewDue
		if !x.clock.Cal.IsWorkingTime(newDue) {
			// A date without a working time means the end of that working day.
			day := calendar.DateIn(newDue, x.clock.Cal.Location())
			if !x.clock.Cal.IsWorkingDay(day) {
				return "", x.invalid("new_due", "dossier.extend.not_working_day")
			}
			hours := x.clock.Cal.Hours()
			newDue = day.In(x.clock.Cal.Location()).Add(hours[len(hours)-1].End)
		}
		if !newDue.After(d.DueAt) {
			// An evening on the deadline's own day is the end of that day:
			// the one extension would be spent without moving anything.
			return "", x.invalid("new_due", "dossier.extend.not_later")
		}
		d.DueAt = newDue
		d.Extended = true
		x.ev.Data = map[string]any{"reason": strings.TrimSpace(x.in.Reason)}
		x.noticeData = map[string]any{"reason": strings.TrimSpace(x.in.Reason), "new_due": newDue}
		return "extended", nil
	case IssueResult:
		last := len(x.c.Process) - 1
		if d.Step < last || (d.Step == last && (x.stepRole() == authz.UnitHead || x.stepRole() == authz.Leader)) {
			return "", errs.E(x.op, errs.Conflict, "dossier.step.out_of_order")
		}
		if err := x.attach("result"); err != nil {
			return "", err
		}
		x.finish("result")
		return "result_ready", nil
	case Withdraw:
		if strings.TrimSpace(x.in.Reason) == "" && x.p.Kind != authz.Citizen {
			return "", x.invalid("reason", "field.required")
		}
		x.ev.Data = map[string]any{"reason": strings.TrimSpace(x.in.Reason)}
		if err := closePause(x.ctx, x.tx, d.ID, x.now); err != nil {
			return "", errs.Wrap(x.op, err)
		}
		d.PausedAt = time.Time{}
		x.finish("stop")
		return "withdrawn", nil
	case ReturnResult:
		if !slices.Contains(catalog.Channels, x.in.ReturnChannel) {
			return "", x.invalid("return_channel", "catalog.unknown_value", x.in.ReturnChannel)
		}
		d.ReturnedAt = x.now
		x.ev.Data = map[string]any{"channel": x.in.ReturnChannel}
		return "", nil
	case Rate:
		if !slices.Contains(Ratings, x.in.Rating) {
			return "", x.invalid("rating", "catalog.unknown_value", x.in.Rating)
		}
		_, err := x.tx.ExecContext(x.ctx, `INSERT INTO dossier_ratings (dossier_id, rating, comment, at) VALUES (?, ?, ?, ?)`,
			d.ID, x.in.Rating, strings.TrimSpace(x.in.Comment), db.T(x.now))
		if db.IsUniqueViolation(err) {
			return "", errs.E(x.op, errs.Conflict, "dossier.rate.once")
		}
		if err != nil {
			return "", errs.Wrap(x.op, err)
		}
		x.ev.Data = map[string]any{"rating": x.in.Rating}
		return "", nil
	}
	return "", errs.E(x.op, errs.Conflict, "dossier.action.not_allowed")
}

// accept receives the dossier: its code, its appointment date counted on the
// receiving agency's calendar, and the first processing step.
func (x *actx) accept() error {
	d := x.d
	format, owner := FormatA, ""
	if x.receiving.CodeFormat == string(FormatB) {
		format, owner = FormatB, x.receiving.CodeOwner
	}
	loc := x.clock.Cal.Location()
	day := x.now.In(loc)
	seq, err := nextSeq(x.ctx, x.tx, x.receiving.ID, day.Format("2006-01-02"))
	if err != nil {
		return errs.Wrap(x.op, err)
	}
	rtl := x.receiving.Code.LegacyForm()
	if format == FormatA && rtl == "" {
		// A code with no QCVN 102 form cannot make a format A number.
		format, owner = FormatB, "00"
	}
	code, err := FormatCode(format, rtl, x.receiving.Code.String(), owner, day, seq)
	if err != nil {
		return errs.Wrap(x.op, err)
	}
	d.Code = code
	d.ReceivedAt = x.now
	d.DueAt = x.clock.Due(x.now, x.c.Time)
	d.OriginalDueAt = d.DueAt
	proc, err := x.s.processingAgency(x.ctx, x.ver.Doc, x.receiving)
	if err != nil {
		return errs.Wrap(x.op, err)
	}
	d.ProcessingAgency = proc.ID
	// The first step of the template is the reception itself.
	d.LastHandlerID = x.p.ID
	x.moveTo(min(1, len(x.c.Process)))
	x.ev.Data = map[string]any{"code": code}
	x.noticeData = map[string]any{}
	return nil
}

// consult asks other agencies for their opinion, each with its own
// deadline; the dossier waits until all have answered.
func (x *actx) consult() error {
	codes := cleanList(x.in.Consult)
	if len(codes) == 0 {
		return x.invalid("consult", "dossier.consult.agencies")
	}
	if strings.TrimSpace(x.in.Question) == "" {
		return x.invalid("question", "field.required")
	}
	days := x.in.ConsultDays
	if days <= 0 || days > 30 {
		return x.invalid("consult_days", "dossier.consult.days")
	}
	due := x.clock.Cal.AddWorkingDays(x.now, days)
	for _, code := range codes {
		a, err := x.s.agencies.ByCode(x.ctx, code)
		if err != nil {
			return x.invalid("consult", "catalog.agency.unknown", code)
		}
		if a.ID == x.d.ProcessingAgency {
			return x.invalid("consult", "dossier.consult.self")
		}
		if _, err := x.tx.ExecContext(x.ctx, `INSERT INTO dossier_consultations (dossier_id, agency_id, question, requested_at, due_at) VALUES (?, ?, ?, ?, ?)`,
			x.d.ID, a.ID, strings.TrimSpace(x.in.Question), db.T(x.now), db.T(due)); err != nil {
			return errs.Wrap(x.op, err)
		}
	}
	x.ev.Data = map[string]any{"consult": codes, "question": strings.TrimSpace(x.in.Question), "consult_due": due}
	return nil
}

// answer records the opinion of one consulted agency; when the last one
// answers, processing resumes.
func (x *actx) answer() error {
	if strings.TrimSpace(x.in.Answer) == "" {
		return x.invalid("answer", "field.required")
	}
	var mine []int64
	for _, id := range x.s.consulted(x.ctx, x.d.ID, true) {
		ag, err := x.s.agencies.Get(x.ctx, id)
		if err == nil && authz.Can(x.p, authz.ReadDossier, authz.Object{AgencyPath: ag.Path}) {
			mine = append(mine, id)
		}
	}
	if len(mine) == 0 {
		return errs.E(x.op, errs.Forbidden, "dossier.role")
	}
	res, err := x.tx.ExecContext(x.ctx, `UPDATE dossier_consultations SET answered_at = ?, answer = ?, answered_by = ?
		WHERE dossier_id = ? AND agency_id = ? AND answered_at IS NULL`, db.T(x.now), strings.TrimSpace(x.in.Answer), x.p.Name, x.d.ID, mine[0])
	if err != nil {
		return errs.Wrap(x.op, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(x.op, errs.Conflict, "dossier.stale")
	}
	x.ev.Data = map[string]any{"answer": strings.TrimSpace(x.in.Answer), "agency": mine[0]}
	if len(x.s.consultedTx(x.ctx, x.tx, x.d.ID)) == 0 {
		x.status = Processing
	}
	return nil
}
