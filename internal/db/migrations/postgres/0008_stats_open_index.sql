-- The lists of dossiers open at a past day (carried over, in progress,
-- overdue) read, for the dossiers received in a window before that day,
-- whether they closed after it: from the index alone.
CREATE INDEX dossier_facts_received_closed ON dossier_facts (received_day, closed_day, dossier_id);
DROP INDEX dossier_facts_received;

-- When each dossier's facts last changed: a dossier open at a past day and
-- unchanged since has the same state now as then, so whether it was
-- overdue then needs no replay of its events. Known rows start from the
-- dossier's last update, which is when its facts were last recorded.
ALTER TABLE dossier_facts ADD COLUMN changed_at BIGINT;
UPDATE dossier_facts SET changed_at = (SELECT d.updated_at FROM dossiers d WHERE d.id = dossier_facts.dossier_id);

-- The dossiers still open, by day of receipt, with what tells whether
-- one was overdue at a past day: read from the index alone.
CREATE INDEX dossier_facts_still_open ON dossier_facts (received_day) INCLUDE (dossier_id, is_open, paused, due_at, changed_at, agency_id)
    WHERE closed_day IS NULL;
