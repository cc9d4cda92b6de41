-- The staff console's site-wide queue of open handoff requests (issue 12): a request is open
-- until a member of staff marks it handled. Portable SQL: runs unchanged on SQLite and
-- PostgreSQL. 0 while open (never NULL: one bind type on both databases), else when it was
-- marked handled, on the server's clock.
ALTER TABLE handoffs ADD COLUMN handled_at BIGINT NOT NULL DEFAULT 0;
-- The queue: a site's open requests, newest first.
CREATE INDEX handoffs_open_by_site ON handoffs (site, handled_at, received_at);
