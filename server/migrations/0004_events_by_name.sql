-- Ingest reads a visitor's consent history on every batch; without this index that read scans
-- every event the visitor ever sent, so a long-lived visitor slowed every batch of theirs.
CREATE INDEX events_by_visitor_name ON events (visitor_id, name, occurred_at);
