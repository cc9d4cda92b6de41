-- Campaign measurement (issue 10): one row per impression, click, dismissal, conversion or
-- holdout assignment an agent reported, kept under the measurement purpose like the visit's
-- events, for the campaigns report. Portable SQL: runs unchanged on SQLite and PostgreSQL.
CREATE TABLE campaign_events (
    -- The agent's event id: a retried event is stored once.
    event_id    TEXT PRIMARY KEY,
    site        TEXT NOT NULL,
    visitor_id  TEXT NOT NULL,
    campaign    TEXT NOT NULL,
    -- The variant shown; NULL for a campaign without variants and for the holdout.
    variant     TEXT,
    -- `treatment` or `holdout`, as the agent bucketed the visitor.
    bucket      TEXT NOT NULL,
    -- `impression`, `click`, `dismiss`, `conversion` or `holdout`.
    event       TEXT NOT NULL,
    -- The campaign's business value on a conversion; 0 on the other events (never NULL: a
    -- parameter bound NULL first and a number later trips PostgreSQL's prepared statements).
    value       DOUBLE PRECISION NOT NULL,
    -- On the visitor's clock, like the other events; received_at on the server's.
    occurred_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL
);
-- The report: a site's events in a time range, grouped by campaign.
CREATE INDEX campaign_events_by_site ON campaign_events (site, occurred_at, campaign);
-- Erasure, withdrawals and retention: a visitor's rows.
CREATE INDEX campaign_events_by_visitor ON campaign_events (visitor_id, occurred_at);
