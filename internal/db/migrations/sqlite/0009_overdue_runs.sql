-- Whether a dossier was overdue at the end of a past day, read from its
-- facts row instead of replaying its events: the last run of days it was
-- overdue before its latest change ([overdue_from, overdue_to), days) and
-- how many such runs it has had. What the current state projects (overdue
-- from the deadline's day on) follows from is_open, paused, due_at and
-- changed_at. NULL runs: not known (rows recorded before this column);
-- those dossiers are replayed from their events until the back-fill
-- (report.Service.BackfillOverdueRuns) has read them.
ALTER TABLE dossier_facts ADD COLUMN overdue_from INTEGER;
ALTER TABLE dossier_facts ADD COLUMN overdue_to INTEGER;
ALTER TABLE dossier_facts ADD COLUMN overdue_runs INTEGER;

-- The list of dossiers open at a past day reads the runs of those still
-- open from the index alone, as it does their state.
DROP INDEX dossier_facts_still_open;
CREATE INDEX dossier_facts_still_open ON dossier_facts (received_day, dossier_id, is_open, paused, due_at, changed_at, agency_id, overdue_from, overdue_to, overdue_runs)
    WHERE closed_day IS NULL;
