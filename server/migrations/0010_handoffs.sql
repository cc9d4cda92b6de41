-- Handoff requests (issue 12): a visitor asked to be called back or to continue in a store,
-- from the assistant. Staff list them live beside the cart. Portable SQL: runs unchanged on
-- SQLite and PostgreSQL. Erased with the visitor; kept by the cart's retention.
CREATE TABLE handoffs (
    -- The agent's event id: a retried event is stored once.
    event_id    TEXT PRIMARY KEY,
    site        TEXT NOT NULL,
    visitor_id  TEXT NOT NULL,
    -- `call` or `store`.
    kind        TEXT NOT NULL,
    -- '' when none was given (never NULL: one bind type on both databases).
    phone       TEXT NOT NULL,
    -- The cart code, kept only while the visitor's consent enables `staff_view`; '' otherwise.
    cart_code   TEXT NOT NULL,
    -- `[{"from": "visitor" | "assistant", "text": ...}]`, kept only with `assistant_memory`.
    transcript  TEXT NOT NULL,
    -- On the visitor's clock, like the other events; received_at on the server's.
    occurred_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL
);
-- The staff console's live list: a site's newest first.
CREATE INDEX handoffs_by_site ON handoffs (site, received_at);
-- Erasure, withdrawals and retention: a visitor's rows.
CREATE INDEX handoffs_by_visitor ON handoffs (visitor_id, occurred_at);
