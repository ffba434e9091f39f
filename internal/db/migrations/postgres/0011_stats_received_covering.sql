-- The lists of dossiers open at a past day read, for the dossiers closed
-- since, what tells whether each was overdue then. Carried in the index by
-- day of receipt, it comes from the index alone: a cold start read those
-- rows from the table one by one (seconds at 5 million dossiers while the
-- deadline watcher read the disk too); only the dossiers a page shows are
-- read from the tables now.
DROP INDEX dossier_facts_received_order;
CREATE INDEX dossier_facts_received_state ON dossier_facts (received_day, dossier_id, closed_day) INCLUDE (is_open, paused, due_at, changed_at, overdue_from, overdue_to, overdue_runs, agency_id);
