package report

import (
	"context"
	"slices"
	"time"

	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/dossier"
)

// Tally is the Recorder for bulk loads (the generator of demonstration
// dossiers, imports): the same facts and the same differences of
// contributions, added up in memory and written once, instead of a
// transaction per change. Changes of one dossier must come in order.
type Tally struct {
	loc    *time.Location
	counts delta
	last   map[int64]fact
}

// NewTally returns an empty Tally counting days in loc.
func NewTally(loc *time.Location) *Tally {
	return &Tally{loc: loc, counts: delta{}, last: map[int64]fact{}}
}

// Change records the facts of a dossier after a change at time at.
func (t *Tally) Change(in dossier.Facts, at time.Time) {
	before, found := t.last[in.DossierID]
	after, d := change(before, found, in, at, t.loc)
	t.counts.add(d, 1)
	t.last[in.DossierID] = after
}

// WriteFacts writes the facts rows of the dossiers changed since the last
// call and forgets them; the counts stay until Flush.
func (t *Tally) WriteFacts(ctx context.Context, tx *db.Tx) error {
	ids := make([]int64, 0, len(t.last))
	for id := range t.last {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	stmt, err := tx.PrepareContext(ctx, saveFactSQL)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, id := range ids {
		f := t.last[id]
		if _, err := stmt.ExecContext(ctx, f.args()...); err != nil {
			return err
		}
	}
	clear(t.last)
	return nil
}

// Flush adds the counts to stat_days and empties the tally.
func (t *Tally) Flush(ctx context.Context, tx *db.Tx) error {
	keys := t.counts.keys()
	stmt, err := tx.PrepareContext(ctx, addCountsSQL)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, k := range keys {
		if _, err := stmt.ExecContext(ctx, countArgs(k, t.counts[k])...); err != nil {
			return err
		}
	}
	clear(t.counts)
	return nil
}
