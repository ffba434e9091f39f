-- Procedure catalogue: fields, procedures, immutable published versions.

CREATE TABLE fields (
    code TEXT PRIMARY KEY,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    folded TEXT NOT NULL DEFAULT ''
);

CREATE TABLE procedures (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    current_version_id BIGINT REFERENCES procedure_versions (id),
    draft_version_id BIGINT REFERENCES procedure_versions (id),
    withdrawn BOOLEAN NOT NULL DEFAULT FALSE,
    lock_version INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The catalogue's revision, bumped in the same transaction as every change
-- citizens can see (publish, withdraw, import), so that every server copy
-- knows when its in-memory search index is stale.
INSERT INTO settings (key, value, updated_at) VALUES ('catalog.rev', '0', 0);

-- One row per version: the columns copied out of the version's document
-- for listing, filtering and search. The document itself lives in
-- procedure_documents, so that scanning these rows never reads it.
CREATE TABLE procedure_versions (
    id INTEGER PRIMARY KEY,
    procedure_id BIGINT NOT NULL REFERENCES procedures (id),
    number INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'superseded', 'withdrawn')),
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    field_code TEXT NOT NULL REFERENCES fields (code),
    online_level TEXT NOT NULL,
    folded_name TEXT NOT NULL,
    folded_text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    published_at BIGINT,
    published_by TEXT NOT NULL DEFAULT '',
    UNIQUE (procedure_id, number)
);
CREATE INDEX procedure_versions_field ON procedure_versions (field_code);
CREATE INDEX procedure_versions_name ON procedure_versions (folded_name);

-- The whole content of a version (JSON), frozen once published.
CREATE TABLE procedure_documents (
    version_id BIGINT PRIMARY KEY REFERENCES procedure_versions (id),
    doc TEXT NOT NULL
);

-- Filterable facts of each version: level, agency, applicant.
CREATE TABLE procedure_facets (
    version_id BIGINT NOT NULL REFERENCES procedure_versions (id),
    facet TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (version_id, facet, value)
);
CREATE INDEX procedure_facets_value ON procedure_facets (facet, value, version_id);
