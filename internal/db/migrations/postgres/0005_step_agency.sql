-- The agency that holds the current step of an inter-agency process (a
-- department of the province after a commune desk received the dossier).
-- Kept on the row so that inboxes find the dossier with one indexed query
-- instead of reading every process template. NULL when the step is done at
-- the processing agency.
ALTER TABLE dossiers ADD COLUMN step_agency_id BIGINT REFERENCES agencies (id);
CREATE INDEX dossiers_step_agency ON dossiers (step_agency_id, status) WHERE step_agency_id IS NOT NULL;
