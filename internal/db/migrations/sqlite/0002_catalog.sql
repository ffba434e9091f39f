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

-- One row per version. doc is the whole content (JSON) and never changes
-- once status leaves 'draft'; the other columns are copied out of it for
-- listing, filtering and search.
CREATE TABLE procedure_versions (
    id INTEGER PRIMARY KEY,
    procedure_id BIGINT NOT NULL REFERENCES procedures (id),
    number INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'superseded', 'withdrawn')),
    doc TEXT NOT NULL,
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

-- Full-text index over the current published versions only (rowid =
-- procedure_versions.id), fed with folded text, kept by the service.
CREATE VIRTUAL TABLE procedure_search USING fts5 (name, body, tokenize = 'ascii');

-- Filterable facts of each version: level, agency, applicant.
CREATE TABLE procedure_facets (
    version_id BIGINT NOT NULL REFERENCES procedure_versions (id),
    facet TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (version_id, facet, value)
);
CREATE INDEX procedure_facets_value ON procedure_facets (facet, value, version_id);
