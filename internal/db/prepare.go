package db

import (
	"context"
	"database/sql"
)

// PrepareContext prepares a statement in the transaction, for bulk loads
// that run the same statement thousands of times: parsing it once matters
// on SQLite, whose parser otherwise dominates such a load.
func (t *Tx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return t.tx.PrepareContext(ctx, rebind(t.dialect, query))
}
