-- Consent receipts: every choice a visitor made, kept as the privacy officer's proof.
-- Portable SQL: runs unchanged on SQLite and PostgreSQL.

-- One row per receipt: who (an anonymous receipt id, the visitor id only when identifiers were
-- granted), which policy version, when, where, and how the choice was made.
CREATE TABLE consent_receipts (
    receipt     TEXT NOT NULL,
    at          BIGINT NOT NULL,
    site        TEXT NOT NULL,
    visitor_id  TEXT,
    policy      BIGINT NOT NULL,
    region      TEXT,
    source      TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    -- The same receipt sent twice (a retry) is stored once.
    PRIMARY KEY (receipt, at)
);
CREATE INDEX consent_receipts_by_site ON consent_receipts (site, at);

-- One row per receipt and purpose, so a new purpose needs no schema change.
CREATE TABLE consent_receipt_choices (
    receipt  TEXT NOT NULL,
    at       BIGINT NOT NULL,
    purpose  TEXT NOT NULL,
    decision TEXT NOT NULL,
    PRIMARY KEY (receipt, at, purpose)
);
