-- Config documents a shop publishes for its agents (policy, settings, ...), every version kept.
-- Portable SQL: runs unchanged on SQLite and PostgreSQL.

CREATE TABLE documents (
    site         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    -- The document's own `version`; the greatest one of a site and kind is the one served.
    version      BIGINT NOT NULL,
    -- The document as the validator encodes it (compact JSON, fields in a fixed order).
    body         TEXT NOT NULL,
    -- Who published it: `staff 1a2b3c4d` (a prefix of the token's SHA-256), `file demo/policy.json`.
    published_by TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    PRIMARY KEY (site, kind, version)
);
