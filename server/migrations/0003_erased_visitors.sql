-- Tombstones: visitor ids erased lately, so a late batch from an erased identity is refused
-- instead of bringing the profile back. Only the SHA-256 of the id is kept, and only for the
-- retention period (--tombstone-days); the retention job and every erasure forget older ones.

CREATE TABLE erased_visitors (
    visitor_hash TEXT PRIMARY KEY,
    erased_at    BIGINT NOT NULL
);
CREATE INDEX erased_visitors_by_time ON erased_visitors (erased_at);
