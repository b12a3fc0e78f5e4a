-- Probes the server schedules itself (docs/contracts.md, "Probes the server
-- schedules"): the tender on this server whose spec and suites are the
-- contract's POC, and each scheduled probe from the moment it is claimed,
-- so a restarted server follows or resumes the run instead of starting
-- another, and never probes a contract twice on one day. And the signed
-- report of the acceptance run (验收) with its signature, judged on every read.
ALTER TABLE contracts ADD COLUMN tender_id TEXT;
ALTER TABLE contracts ADD COLUMN acceptance_report TEXT;
ALTER TABLE contracts ADD COLUMN acceptance_signature TEXT;

CREATE TABLE IF NOT EXISTS contract_probe_runs (
    contract_id TEXT NOT NULL REFERENCES contracts(id),
    day         TEXT NOT NULL,
    run_id      TEXT,
    status      TEXT NOT NULL,
    detail      TEXT,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (contract_id, day)
);
