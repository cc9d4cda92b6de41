-- Consent per purpose of the site's policy (issue 9): one row per visitor and purpose, so a new
-- purpose needs no schema change. The two columns of visitors (consent_storage,
-- consent_analytics) stay as what personalization and measurement decided, for the staff
-- views, until those read this table. Portable SQL: runs unchanged on SQLite and PostgreSQL.
CREATE TABLE visitor_consent (
    visitor_id TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    decision   TEXT NOT NULL,
    -- The policy version the choice was made under, and its time stamp on the visitor's clock.
    policy     BIGINT NOT NULL,
    decided_at BIGINT NOT NULL,
    PRIMARY KEY (visitor_id, purpose)
);
