-- Statistics (internal/report). Two tables kept in the same transaction as
-- every change of a dossier, so that any period's figures are a sum over a
-- few hundred thousand daily rows instead of a scan of millions of dossiers:
--
-- dossier_facts: what the statistics know of each received dossier (one row
-- per dossier), the "before" of the next change and the rows behind every
-- figure (drill-down lists).
-- stat_days: per local day, agency, procedure and officer, the counts that
-- add up over days (the field is the procedure's, in the key so that a
-- field never mixes with another's). Days are YYYYMMDD numbers in the platform's time zone.
-- open_delta and overdue_delta are changes of a state (+1 when a dossier
-- becomes open or overdue, -1 when it stops), so the state at the end of a
-- day is the sum of the deltas up to that day.
CREATE TABLE dossier_facts (
    dossier_id BIGINT PRIMARY KEY REFERENCES dossiers (id),
    agency_id BIGINT NOT NULL,
    procedure_code TEXT NOT NULL,
    field_code TEXT NOT NULL DEFAULT '',
    officer_id BIGINT NOT NULL DEFAULT 0,
    channel TEXT NOT NULL,
    online_full BOOLEAN NOT NULL DEFAULT FALSE,
    received_day INTEGER,
    closed_day INTEGER,
    outcome TEXT NOT NULL DEFAULT '',
    timeliness TEXT NOT NULL DEFAULT '',
    work_uwd INTEGER NOT NULL DEFAULT 0,
    legal_uwd INTEGER NOT NULL DEFAULT 0,
    electronic BOOLEAN NOT NULL DEFAULT FALSE,
    digitized BOOLEAN NOT NULL DEFAULT FALSE,
    reused BOOLEAN NOT NULL DEFAULT FALSE,
    with_fee BOOLEAN NOT NULL DEFAULT FALSE,
    paid_online BOOLEAN NOT NULL DEFAULT FALSE,
    returned_day INTEGER,
    rejected_day INTEGER,
    rating TEXT NOT NULL DEFAULT '',
    rated_day INTEGER,
    is_open BOOLEAN NOT NULL DEFAULT FALSE,
    paused BOOLEAN NOT NULL DEFAULT FALSE,
    due_at BIGINT
);
CREATE INDEX dossier_facts_received ON dossier_facts (received_day);
CREATE INDEX dossier_facts_closed ON dossier_facts (closed_day);
CREATE INDEX dossier_facts_returned ON dossier_facts (returned_day);
CREATE INDEX dossier_facts_rejected ON dossier_facts (rejected_day);
CREATE INDEX dossier_facts_rated ON dossier_facts (rated_day);
CREATE INDEX dossier_facts_open ON dossier_facts (is_open, due_at);

CREATE TABLE stat_days (
    day INTEGER NOT NULL,
    agency_id BIGINT NOT NULL,
    procedure_code TEXT NOT NULL,
    field_code TEXT NOT NULL,
    officer_id BIGINT NOT NULL,
    recv_counter INTEGER NOT NULL DEFAULT 0,
    recv_post INTEGER NOT NULL DEFAULT 0,
    recv_online_full INTEGER NOT NULL DEFAULT 0,
    recv_online_partial INTEGER NOT NULL DEFAULT 0,
    recv_digitized INTEGER NOT NULL DEFAULT 0,
    recv_reused INTEGER NOT NULL DEFAULT 0,
    recv_with_fee INTEGER NOT NULL DEFAULT 0,
    recv_paid_online INTEGER NOT NULL DEFAULT 0,
    res_early INTEGER NOT NULL DEFAULT 0,
    res_on_time INTEGER NOT NULL DEFAULT 0,
    res_late INTEGER NOT NULL DEFAULT 0,
    res_refusal INTEGER NOT NULL DEFAULT 0,
    res_electronic INTEGER NOT NULL DEFAULT 0,
    res_work_uwd INTEGER NOT NULL DEFAULT 0,
    res_legal_uwd INTEGER NOT NULL DEFAULT 0,
    withdrawn INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    returned INTEGER NOT NULL DEFAULT 0,
    rated_satisfied INTEGER NOT NULL DEFAULT 0,
    rated_neutral INTEGER NOT NULL DEFAULT 0,
    rated_unsatisfied INTEGER NOT NULL DEFAULT 0,
    open_delta INTEGER NOT NULL DEFAULT 0,
    overdue_delta INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, agency_id, procedure_code, field_code, officer_id)
) WITHOUT ROWID;

-- Periodic reports (ND 09/2019): what a report asks (its indicators, the
-- period kind, the deadline after the period's end, the agency that
-- receives it) and, per agency and period, the instance: pre-filled from
-- the statistics, figures corrected with an explanation, then signed off
-- by a leader, after which it no longer changes.
CREATE TABLE report_defs (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    indicators TEXT NOT NULL,
    period_kind TEXT NOT NULL CHECK (period_kind IN ('month', 'quarter', 'half', 'year')),
    deadline_days INTEGER NOT NULL,
    recipient_agency_id BIGINT NOT NULL REFERENCES agencies (id),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE report_instances (
    id INTEGER PRIMARY KEY,
    def_id BIGINT NOT NULL REFERENCES report_defs (id),
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    period TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'signed')),
    overrides TEXT NOT NULL DEFAULT '{}',
    signed_values TEXT NOT NULL DEFAULT '{}',
    due_day TEXT NOT NULL,
    signed_at BIGINT,
    signed_by TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (def_id, agency_id, period)
);
