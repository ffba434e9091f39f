-- Dossiers: the one-stop process. Every change is an event with its time,
-- so that every report is a query over events, not a hand-kept counter.

ALTER TABLE agencies ADD COLUMN dossier_code_format TEXT NOT NULL DEFAULT 'A';
ALTER TABLE agencies ADD COLUMN dossier_code_owner TEXT NOT NULL DEFAULT '';

CREATE TABLE dossiers (
    id INTEGER PRIMARY KEY,
    code TEXT UNIQUE,
    procedure_code TEXT NOT NULL,
    procedure_version INTEGER NOT NULL,
    case_code TEXT NOT NULL,
    procedure_name TEXT NOT NULL,
    status TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('counter', 'post', 'online')),
    applicant_type TEXT NOT NULL,
    applicant_national_id TEXT NOT NULL DEFAULT '',
    applicant_name TEXT NOT NULL,
    applicant TEXT NOT NULL,
    form TEXT NOT NULL,
    receiving_agency_id BIGINT NOT NULL REFERENCES agencies (id),
    processing_agency_id BIGINT NOT NULL REFERENCES agencies (id),
    step INTEGER NOT NULL DEFAULT -1,
    assignee_id BIGINT REFERENCES accounts (id),
    last_handler_id BIGINT REFERENCES accounts (id),
    submitted_at BIGINT,
    received_at BIGINT,
    due_at BIGINT,
    original_due_at BIGINT,
    step_due_at BIGINT,
    extended BOOLEAN NOT NULL DEFAULT FALSE,
    paused_at BIGINT,
    finished_at BIGINT,
    returned_at BIGINT,
    timeliness TEXT NOT NULL DEFAULT '',
    result_kind TEXT NOT NULL DEFAULT '',
    flagged TEXT NOT NULL DEFAULT '',
    created_by_kind TEXT NOT NULL,
    created_by_id BIGINT NOT NULL,
    idempotency_key TEXT,
    request_hash TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (created_by_kind, created_by_id, idempotency_key)
);
CREATE INDEX dossiers_applicant ON dossiers (applicant_national_id, created_at);
CREATE INDEX dossiers_receiving ON dossiers (receiving_agency_id, status);
CREATE INDEX dossiers_processing ON dossiers (processing_agency_id, status);
CREATE INDEX dossiers_due ON dossiers (status, due_at);

CREATE TABLE dossier_files (
    id INTEGER PRIMARY KEY,
    dossier_id BIGINT NOT NULL REFERENCES dossiers (id),
    kind TEXT NOT NULL,
    component_code TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    digitized BOOLEAN NOT NULL DEFAULT FALSE,
    reused BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX dossier_files_dossier ON dossier_files (dossier_id);

CREATE TABLE dossier_events (
    id INTEGER PRIMARY KEY,
    dossier_id BIGINT NOT NULL REFERENCES dossiers (id),
    at BIGINT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id BIGINT NOT NULL DEFAULT 0,
    actor_name TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    from_status TEXT NOT NULL DEFAULT '',
    to_status TEXT NOT NULL DEFAULT '',
    step INTEGER NOT NULL DEFAULT -1,
    agency_id BIGINT,
    comment TEXT NOT NULL DEFAULT '',
    due_before BIGINT,
    due_after BIGINT,
    data TEXT NOT NULL DEFAULT ''
);
CREATE INDEX dossier_events_dossier ON dossier_events (dossier_id, id);
CREATE INDEX dossier_events_at ON dossier_events (at);

CREATE TABLE dossier_pauses (
    id INTEGER PRIMARY KEY,
    dossier_id BIGINT NOT NULL REFERENCES dossiers (id),
    kind TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX dossier_pauses_dossier ON dossier_pauses (dossier_id);

CREATE TABLE dossier_consultations (
    id INTEGER PRIMARY KEY,
    dossier_id BIGINT NOT NULL REFERENCES dossiers (id),
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    question TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    answered_at BIGINT,
    answer TEXT NOT NULL DEFAULT '',
    answered_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX dossier_consultations_dossier ON dossier_consultations (dossier_id);
CREATE INDEX dossier_consultations_agency ON dossier_consultations (agency_id, answered_at);

CREATE TABLE dossier_ratings (
    dossier_id BIGINT PRIMARY KEY REFERENCES dossiers (id),
    rating TEXT NOT NULL CHECK (rating IN ('satisfied', 'neutral', 'unsatisfied')),
    comment TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL
);

-- The last dossier number given out per agency and receiving day: an
-- atomic upsert allocates the next one, so numbers are never duplicated,
-- whichever server copy accepts.
CREATE TABLE dossier_code_seq (
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    day TEXT NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (agency_id, day)
);

-- The citizen's data store (kho dữ liệu): results and digitised documents,
-- reusable in later applications.
CREATE TABLE citizen_documents (
    id INTEGER PRIMARY KEY,
    national_id TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    component_code TEXT NOT NULL DEFAULT '',
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    source_dossier_id BIGINT REFERENCES dossiers (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX citizen_documents_owner ON citizen_documents (national_id, created_at);

-- Background jobs that must run on one server copy at a time hold a lease.
CREATE TABLE job_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
