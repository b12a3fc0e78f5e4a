-- A tender's page lists its runs newest first: without this index every
-- listing scanned all of tender_runs.
CREATE INDEX IF NOT EXISTS tender_runs_by_tender ON tender_runs (tender_id, created_at);
