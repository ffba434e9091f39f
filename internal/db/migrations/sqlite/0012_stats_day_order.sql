-- The lists behind the figures of closing, return, refusal at the desk and
-- rating go newest first: by that day, then number. Indexes on the day
-- alone made each engine sort the whole day at a page's edge and read
-- every row of it from the table to test the figure's condition
-- (outcome, timeliness, electronic result, rating): on a cold start at 5
-- million dossiers, seconds. With the number and those columns in the
-- index, a page reads the index backwards and stops.
DROP INDEX dossier_facts_closed;
DROP INDEX dossier_facts_returned;
DROP INDEX dossier_facts_rejected;
DROP INDEX dossier_facts_rated;
CREATE INDEX dossier_facts_closed ON dossier_facts (closed_day, dossier_id, outcome, timeliness, electronic, agency_id);
CREATE INDEX dossier_facts_returned ON dossier_facts (returned_day, dossier_id, agency_id);
CREATE INDEX dossier_facts_rejected ON dossier_facts (rejected_day, dossier_id, agency_id);
CREATE INDEX dossier_facts_rated ON dossier_facts (rated_day, dossier_id, rating, agency_id);
