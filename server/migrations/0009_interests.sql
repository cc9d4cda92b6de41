-- The agent's interest model on the visitor's profile (issue 12): `interests_json` (there since
-- 0001, unused until now) holds its latest top as the agent sent it (the `interests` event), and
-- this column when, so a late retry never replaces a newer model and retention clears it by the
-- data category `interests`. Portable SQL: runs unchanged on SQLite and PostgreSQL.
ALTER TABLE visitors ADD COLUMN interests_updated_at BIGINT;
