-- Contracts after the award (docs/contracts.md): the contract file as
-- written, and its probe records in order. The figures are recomputed from
-- these by tb-contract; nothing derived is stored.
CREATE TABLE IF NOT EXISTS contracts (
    id         TEXT PRIMARY KEY,
    vendor     TEXT NOT NULL,
    toml       TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS contract_probes (
    contract_id TEXT NOT NULL REFERENCES contracts(id),
    seq         INTEGER NOT NULL,
    day         TEXT NOT NULL,
    record      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (contract_id, seq)
);
