package dossier

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/motcua/motcua/internal/db"
)

// genWriter writes generated rows with multi-row INSERTs: one statement
// per hundred rows instead of one per row, which is what makes millions
// of dossiers a matter of minutes on PostgreSQL.
type genWriter struct {
	tx            *db.Tx
	tables        []*genTable
	d, e, p, f, r *genTable
}

type genTable struct {
	head string
	cols int
	rows int
	args []any
	full *sql.Stmt // the statement of a full batch, parsed once per transaction
}

const genRows = 100

func newGenWriter(tx *db.Tx) *genWriter {
	w := &genWriter{tx: tx}
	t := func(table, cols string) *genTable {
		g := &genTable{head: `INSERT INTO ` + table + ` (` + cols + `) VALUES `, cols: strings.Count(cols, ",") + 1}
		w.tables = append(w.tables, g)
		return g
	}
	// Parents first: the foreign keys of the others point at dossiers.
	w.d = t("dossiers", `id, code, procedure_code, procedure_version, case_code, procedure_name, status, channel, applicant_type,
		applicant_national_id, applicant_name, applicant, form, receiving_agency_id, processing_agency_id, step, assignee_id,
		submitted_at, received_at, due_at, original_due_at, extended, paused_at, finished_at, returned_at, timeliness, result_kind,
		created_by_kind, created_by_id, version, created_at, updated_at`)
	w.e = t("dossier_events", `dossier_id, at, actor_kind, actor_name, action, from_status, to_status, step, agency_id, due_before, due_after, data`)
	w.p = t("dossier_pauses", `dossier_id, kind, started_at, ended_at, reason`)
	w.f = t("dossier_files", `dossier_id, kind, component_code, name, sha256, size, content_type, digitized, reused, created_at, created_by`)
	w.r = t("dossier_ratings", `dossier_id, rating, comment, at`)
	return w
}

func (w *genWriter) add(ctx context.Context, t *genTable, args ...any) error {
	t.args = append(t.args, args...)
	t.rows++
	// Full batches go out when the dossiers make one: their rows are then
	// written before the rows that point at them.
	if t == w.d && t.rows >= genRows {
		return w.flush(ctx, false)
	}
	return nil
}

// flush writes every table's full batches, parents first, with the
// statement prepared for a full batch; with final, the rest too.
func (w *genWriter) flush(ctx context.Context, final bool) error {
	for _, t := range w.tables {
		n := t.cols * genRows
		for t.rows >= genRows {
			if t.full == nil {
				var err error
				if t.full, err = w.tx.PrepareContext(ctx, t.statement(genRows)); err != nil {
					return err
				}
			}
			if _, err := t.full.ExecContext(ctx, t.args[:n]...); err != nil {
				return err
			}
			t.args = append(t.args[:0], t.args[n:]...)
			t.rows -= genRows
		}
		if final && t.rows > 0 {
			if _, err := w.tx.ExecContext(ctx, t.statement(t.rows), t.args...); err != nil {
				return err
			}
			t.rows, t.args = 0, t.args[:0]
		}
	}
	return nil
}

// statement is the INSERT of rows rows.
func (t *genTable) statement(rows int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", t.cols), ", ") + ")"
	return t.head + strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
}

// close releases the prepared statements.
func (w *genWriter) close() {
	for _, t := range w.tables {
		if t.full != nil {
			t.full.Close()
		}
	}
}

// dossier writes a generated dossier with its history.
func (w *genWriter) dossier(ctx context.Context, d *Dossier, evs []Event, pauses []genPause, rating genRating, rt genRoute) error {
	app, _ := json.Marshal(d.Applicant)
	var code, assignee any
	if d.Code != "" {
		code = d.Code
	}
	if d.AssigneeID != 0 {
		assignee = d.AssigneeID
	}
	if d.UpdatedAt.IsZero() {
		d.UpdatedAt = evs[len(evs)-1].At
	}
	if err := w.add(ctx, w.d, d.ID, code, d.ProcedureCode, d.ProcedureVersion, d.CaseCode, d.ProcedureName, d.Status, d.Channel,
		d.Applicant.Type, d.Applicant.NationalID, d.Applicant.FullName, string(app), "{}", d.ReceivingAgency, d.ProcessingAgency,
		d.Step, assignee, db.T(d.SubmittedAt), db.T(d.ReceivedAt), db.T(d.DueAt), db.T(d.OriginalDueAt), d.Extended, db.T(d.PausedAt),
		db.T(d.FinishedAt), db.T(d.ReturnedAt), d.Timeliness, d.ResultKind, "generated", 0, len(evs), db.T(d.CreatedAt), db.T(d.UpdatedAt)); err != nil {
		return err
	}
	for _, e := range evs {
		var data string
		if len(e.Data) > 0 {
			b, _ := json.Marshal(e.Data)
			data = string(b)
		}
		if err := w.add(ctx, w.e, d.ID, db.T(e.At), e.ActorKind, e.ActorName, e.Action, e.From, e.To, d.Step, d.ProcessingAgency,
			db.T(e.DueBefore), db.T(e.DueAfter), data); err != nil {
			return err
		}
	}
	for _, p := range pauses {
		if err := w.add(ctx, w.p, d.ID, p.kind, db.T(p.start), db.T(p.end), ""); err != nil {
			return err
		}
	}
	// One component per dossier stands for the set; its content is not
	// stored (the sums are of nothing), like a dossier whose files were
	// archived elsewhere.
	comp := "TK"
	if len(rt.c.Components) > 0 {
		comp = rt.c.Components[0].Code
	}
	if err := w.add(ctx, w.f, d.ID, "component", comp, "to-khai.pdf", genSum, 0, "application/pdf", genDigitized(d), genReused(d),
		db.T(d.CreatedAt), "generated"); err != nil {
		return err
	}
	if genElectronic(d) {
		if err := w.add(ctx, w.f, d.ID, "result", "", "ket-qua.pdf", genSum, 0, "application/pdf", false, false,
			db.T(d.FinishedAt), "generated"); err != nil {
			return err
		}
	}
	if rating.rating != "" {
		return w.add(ctx, w.r, d.ID, rating.rating, "", db.T(rating.at))
	}
	return nil
}

// genSum is the SHA-256 of nothing.
const genSum = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
