package dossier

import (
	"context"
	"time"

	"github.com/motcua/motcua/internal/db"
)

// The reads the statistics make of dossiers (internal/report): package
// functions on a db.Querier, without authorisation or audit, which are
// the caller's (the register book audits every dossier it shows).

// Summary is a dossier without personal data, as the lists behind the
// statistics show it.
type Summary struct {
	ID            int64
	Code          string
	ProcedureCode string
	ProcedureName string
	Status        Status
	Channel       string
	ReceivedAt    time.Time
	DueAt         time.Time
	FinishedAt    time.Time
	Timeliness    string
}

// Summaries reads the dossiers ids, in the order of ids (unknown ids are
// left out).
func Summaries(ctx context.Context, q db.Querier, ids []int64) ([]Summary, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	marks, args := db.In(ids)
	rows, err := q.QueryContext(ctx, `SELECT id, COALESCE(code, ''), procedure_code, procedure_name, status, channel,
		received_at, due_at, finished_at, timeliness FROM dossiers WHERE id IN (`+marks+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := map[int64]Summary{}
	for rows.Next() {
		var it Summary
		var rec, due, fin db.Time
		if err := rows.Scan(&it.ID, &it.Code, &it.ProcedureCode, &it.ProcedureName, &it.Status, &it.Channel, &rec, &due, &fin, &it.Timeliness); err != nil {
			return nil, err
		}
		it.ReceivedAt, it.DueAt, it.FinishedAt = rec.Time, due.Time, fin.Time
		byID[it.ID] = it
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Summary, 0, len(ids))
	for _, id := range ids {
		if it, ok := byID[id]; ok {
			out = append(out, it)
		}
	}
	return out, nil
}

// ReceivedBy returns the dossiers agency received in [from, to), in the
// order received, from the offset-th (limit 0: all), and how many it
// received in all. They hold personal data: the caller audits the read.
func ReceivedBy(ctx context.Context, q db.Querier, agencyID int64, from, to time.Time, offset, limit int) ([]Dossier, int, error) {
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM dossiers WHERE receiving_agency_id = ? AND received_at >= ? AND received_at < ?`,
		agencyID, db.T(from), db.T(to)).Scan(&total); err != nil {
		return nil, 0, err
	}
	page := ""
	args := []any{agencyID, db.T(from), db.T(to)}
	if limit > 0 {
		page = ` LIMIT ? OFFSET ?`
		args = append(args, limit, offset)
	}
	ds, err := queryDossiers(ctx, q, `WHERE receiving_agency_id = ? AND received_at >= ? AND received_at < ? ORDER BY received_at, id`+page, args...)
	return ds, total, err
}
