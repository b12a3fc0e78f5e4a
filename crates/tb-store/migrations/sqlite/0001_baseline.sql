-- The schema as of 2026-12 (tenderbench 0.1), for sqlite: the baseline every
-- later migration builds on. `IF NOT EXISTS` throughout, so a store made before
-- migrations were versioned adopts it unchanged. Never edit an applied
-- migration: its checksum is recorded in _sqlx_migrations; add a new file.
CREATE TABLE IF NOT EXISTS runs (
    id          TEXT PRIMARY KEY,
    tender_id   TEXT NOT NULL,
    spec_hash   TEXT NOT NULL,
    spec_json   TEXT NOT NULL,
    suites_json TEXT NOT NULL,
    simulated   INTEGER NOT NULL,
    status      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    finished_at TEXT,
    public_key  TEXT,
    blind_mapping  TEXT,
    blind_revealed INTEGER NOT NULL DEFAULT 0,
    order_seed     TEXT
);
CREATE TABLE IF NOT EXISTS evidence (
    sha256   TEXT PRIMARY KEY,
    size     INTEGER NOT NULL,
    encoding TEXT NOT NULL,
    body     BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS cells (
    run_id            TEXT NOT NULL REFERENCES runs(id),
    vendor            TEXT NOT NULL,
    suite             TEXT NOT NULL,
    case_id           TEXT NOT NULL,
    repeat            INTEGER NOT NULL,
    seq               INTEGER NOT NULL,
    cause             TEXT,
    detail            TEXT,
    answer            TEXT,
    finish_reason     TEXT,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    ttft_ms           REAL,
    latency_ms        REAL NOT NULL,
    attempts          INTEGER NOT NULL,
    gold_json         TEXT NOT NULL,
    subject           TEXT,
    language          TEXT,
    request_sha256    TEXT NOT NULL REFERENCES evidence(sha256),
    response_sha256   TEXT NOT NULL REFERENCES evidence(sha256),
    finished_at       TEXT NOT NULL,
    tool_calls        TEXT,
    verdicts          TEXT,
    timing            TEXT,
    PRIMARY KEY (run_id, vendor, suite, case_id, repeat)
);
CREATE TABLE IF NOT EXISTS audit (
    run_id    TEXT NOT NULL REFERENCES runs(id),
    seq       INTEGER NOT NULL,
    at        TEXT NOT NULL,
    kind      TEXT NOT NULL,
    payload   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE TABLE IF NOT EXISTS users (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL,
    vendor        TEXT,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_tokens (
    token_sha256 TEXT PRIMARY KEY,
    user_name    TEXT NOT NULL REFERENCES users(name),
    label        TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_sha256 TEXT PRIMARY KEY,
    user_name    TEXT NOT NULL REFERENCES users(name),
    csrf         TEXT NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tenders (
    id         TEXT PRIMARY KEY,
    title      TEXT NOT NULL,
    spec_toml  TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tender_files (
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    path      TEXT NOT NULL,
    content   BLOB NOT NULL,
    PRIMARY KEY (tender_id, path)
);
CREATE TABLE IF NOT EXISTS registrations (
    tender_id  TEXT NOT NULL REFERENCES tenders(id),
    vendor     TEXT NOT NULL,
    base_url   TEXT NOT NULL,
    model      TEXT NOT NULL,
    bid_price  REAL NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tender_id, vendor)
);
CREATE TABLE IF NOT EXISTS tender_runs (
    run_id       TEXT PRIMARY KEY,
    tender_id    TEXT NOT NULL REFERENCES tenders(id),
    kind         TEXT NOT NULL,
    vendor       TEXT,
    started_by   TEXT NOT NULL,
    options_json TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS queue (
    run_id        TEXT NOT NULL REFERENCES runs(id),
    vendor        TEXT NOT NULL,
    suite         TEXT NOT NULL,
    case_id       TEXT NOT NULL,
    repeat        INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    position      INTEGER NOT NULL,
    capability    TEXT NOT NULL,
    case_json     TEXT NOT NULL,
    state         TEXT NOT NULL,
    leased_by     TEXT,
    lease_expires INTEGER,
    attempts      INTEGER NOT NULL,
    PRIMARY KEY (run_id, vendor, suite, case_id, repeat)
);
CREATE INDEX IF NOT EXISTS queue_open ON queue (run_id, vendor, state, position);
CREATE TABLE IF NOT EXISTS vendor_slots (
    run_id  TEXT NOT NULL REFERENCES runs(id),
    vendor  TEXT NOT NULL,
    slot    INTEGER NOT NULL,
    holder  TEXT,
    expires INTEGER,
    PRIMARY KEY (run_id, vendor, slot)
);
CREATE TABLE IF NOT EXISTS vendor_pace (
    run_id      TEXT NOT NULL REFERENCES runs(id),
    vendor      TEXT NOT NULL,
    interval_us INTEGER NOT NULL,
    next_us     INTEGER NOT NULL,
    PRIMARY KEY (run_id, vendor)
);
CREATE TABLE IF NOT EXISTS workers (
    id           TEXT PRIMARY KEY,
    host         TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    capabilities TEXT NOT NULL,
    concurrency  INTEGER NOT NULL,
    started_at   TEXT NOT NULL,
    heartbeat_ms INTEGER NOT NULL,
    busy         INTEGER NOT NULL,
    done         INTEGER NOT NULL,
    current      TEXT
);
