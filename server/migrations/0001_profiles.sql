-- Concierge backend schema, version 1. Portable SQL: runs unchanged on SQLite and PostgreSQL.

CREATE TABLE visitors (
    visitor_id        TEXT PRIMARY KEY,
    site              TEXT NOT NULL,
    -- SHA-256 of the secret only the visitor's agent holds; it authorises export and erasure.
    secret_hash       TEXT NOT NULL,
    cart_code         TEXT UNIQUE,
    consent_storage   TEXT NOT NULL,
    consent_analytics TEXT NOT NULL,
    consent_at        BIGINT,
    cart_json         TEXT,
    cart_updated_at   BIGINT,
    interests_json    TEXT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);

CREATE TABLE events (
    event_id    TEXT PRIMARY KEY,
    visitor_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX events_by_visitor ON events (visitor_id, occurred_at);

-- One row per accepted batch, so a retried batch is recognised and answered the same way.
CREATE TABLE batches (
    batch_key   TEXT PRIMARY KEY,
    visitor_id  TEXT NOT NULL,
    accepted    BIGINT NOT NULL,
    duplicates  BIGINT NOT NULL,
    refused     BIGINT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX batches_by_visitor ON batches (visitor_id);

CREATE TABLE intents (
    intent_id  TEXT PRIMARY KEY,
    visitor_id TEXT NOT NULL,
    products   TEXT NOT NULL,
    note       TEXT NOT NULL,
    channel    TEXT NOT NULL,
    advisor_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX intents_by_visitor ON intents (visitor_id, created_at);

-- Failed staff authentications, for rate limiting across every server process.
CREATE TABLE auth_failures (
    client    TEXT NOT NULL,
    failed_at BIGINT NOT NULL
);
CREATE INDEX auth_failures_by_client ON auth_failures (client, failed_at);
