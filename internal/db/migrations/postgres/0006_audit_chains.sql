-- The audit log's one hash chain becomes sixteen (decision 0007). One head
-- row locked by every audited write serialised all of them on PostgreSQL;
-- each chain now has its own head, and a record goes to the chain of its
-- object (audit.ChainOf), so writes about different objects rarely wait for
-- each other while every object's history stays in one ordered chain.
--
-- The records written so far stay as they are, hashes included: they become
-- chain 0, positions 1…n, and the old head becomes chain 0's head. seq stays
-- the record's number across all chains (ordering, display, references);
-- it now comes from a sequence and may have gaps where a transaction rolled
-- back, so completeness is checked per chain, by chain_seq.
CREATE TABLE audit_chains (
    chain INTEGER PRIMARY KEY CHECK (chain >= 0),
    seq BIGINT NOT NULL,  -- chain_seq of the chain's last record (0: empty)
    hash TEXT NOT NULL    -- its hash ('' when empty)
);
INSERT INTO audit_chains (chain, seq, hash) SELECT 0, seq, hash FROM audit_head;
INSERT INTO audit_chains (chain, seq, hash) VALUES
    (1, 0, ''), (2, 0, ''), (3, 0, ''), (4, 0, ''), (5, 0, ''), (6, 0, ''), (7, 0, ''), (8, 0, ''),
    (9, 0, ''), (10, 0, ''), (11, 0, ''), (12, 0, ''), (13, 0, ''), (14, 0, ''), (15, 0, '');
DROP TABLE audit_head;

ALTER TABLE audit_log ADD COLUMN chain INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit_log ADD COLUMN chain_seq BIGINT NOT NULL DEFAULT 0;
UPDATE audit_log SET chain_seq = seq;
ALTER TABLE audit_log ALTER COLUMN chain DROP DEFAULT, ALTER COLUMN chain_seq DROP DEFAULT;
CREATE UNIQUE INDEX audit_log_chain ON audit_log (chain, chain_seq);

CREATE SEQUENCE audit_log_seq OWNED BY audit_log.seq;
SELECT setval('audit_log_seq', (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), false);
