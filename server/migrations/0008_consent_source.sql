-- How each purpose's decision was made (dialog, panel, gpc, tcf, api, default), for the staff
-- views' consent per purpose (issue 9). NULL on rows recorded before this column: unknown.
-- Portable SQL: runs unchanged on SQLite and PostgreSQL.
ALTER TABLE visitor_consent ADD COLUMN source TEXT;
