-- Catalogue feeds (issue 12): the feed a site's catalogue was published from, so that the
-- server reads it again on a schedule and publishes a new version when its products changed.
-- Portable SQL: runs unchanged on SQLite and PostgreSQL. A catalogue published with its
-- products listed removes the site's row.
CREATE TABLE catalogue_feeds (
    site       TEXT PRIMARY KEY,
    -- The https URL the catalogue document named.
    url        TEXT NOT NULL,
    -- When it was last read (the server's clock, ms).
    fetched_at BIGINT NOT NULL
);
