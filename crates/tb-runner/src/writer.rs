//! The one writer: cells committed in batches with their audit entries and
//! signed checkpoints, each cell's task told when it is durable.

use super::*;

/// How long the writer waits for more cells before committing a batch. Each
/// commit costs a round trip to SQLite's thread and a WAL write; lingering
/// briefly turns thousands of tiny commits a second into a hundred. A cell
/// waits at most this long between its answer and its commit, journaled
/// meanwhile (see `journal.rs`).
pub(crate) const WRITE_LINGER: Duration = Duration::from_millis(5);
pub(crate) const WRITE_BATCH: usize = 512;
/// Cases the suite reader hands over at a time.
pub(crate) const CASE_BATCH: usize = 64;

/// The payload of a `cell_answered` audit entry.
#[derive(serde::Serialize)]
pub(crate) struct CellAnswered<'a> {
    pub(crate) case_id: &'a str,
    pub(crate) cell_sha256: String,
    pub(crate) repeat: u32,
    pub(crate) request_sha256: &'a str,
    pub(crate) response_sha256: &'a str,
    pub(crate) suite: &'a str,
    pub(crate) vendor: &'a str,
}

impl<'a> CellAnswered<'a> {
    pub(crate) fn of(cell: &'a CellRecord) -> Self {
        CellAnswered {
            case_id: &cell.case_id,
            cell_sha256: cell.content_sha256(),
            repeat: cell.repeat,
            request_sha256: &cell.request_sha256,
            response_sha256: &cell.response_sha256,
            suite: &cell.suite,
            vendor: &cell.vendor,
        }
    }
}

/// A finished cell on its way to the writer, with its two evidence bodies.
pub(crate) struct Finished {
    pub(crate) cell: CellRecord,
    pub(crate) evidence: [Evidence; 2],
}

/// What the writer appends, in the order it arrives: a cell, or an audit
/// entry of its own (the end of a load stage), so that the chain stays one.
// Cells are nearly every message: boxing them would cost an allocation each.
#[allow(clippy::large_enum_variant)]
pub(crate) enum ToWriter {
    /// A finished cell.
    Cell(Finished),
    Entry {
        kind: &'static str,
        payload: serde_json::Value,
    },
}

/// The writer's end of the audit log: the chain head, the running Merkle
/// root and the key that signs checkpoints.
pub(crate) struct AuditWriter {
    pub(crate) chain: Chain,
    pub(crate) merkle: MerkleAccumulator,
    pub(crate) key: Option<Arc<Keypair>>,
}

impl AuditWriter {
    pub(crate) fn append<T: serde::Serialize + ?Sized>(&mut self, kind: &str, payload: &T) -> tb_audit::AuditEntry {
        let e = self.chain.append(kind, payload, &now_rfc3339());
        self.merkle.push(&e.hash);
        e
    }

    /// [`Chain::append_sorted`]: for payload structs whose fields are in sorted order.
    pub(crate) fn append_sorted<T: serde::Serialize>(&mut self, kind: &str, payload: &T) -> tb_audit::AuditEntry {
        let e = self.chain.append_sorted(kind, payload, &now_rfc3339());
        self.merkle.push(&e.hash);
        e
    }

    /// A checkpoint over every entry so far, signed when there is a key.
    pub(crate) fn checkpoint(&mut self) -> tb_audit::AuditEntry {
        let upto = self.chain.len();
        let merkle_root = self.merkle.root();
        let (public_key, signature) = match &self.key {
            Some(k) => {
                let msg = tb_audit::checkpoint_message(&run_id_of(&self.chain), upto, &merkle_root);
                (Some(k.public_hex()), Some(k.sign(&msg)))
            }
            None => (None, None),
        };
        self.append("checkpoint", &Checkpoint { upto, merkle_root, public_key, signature })
    }
}

pub(crate) fn run_id_of(chain: &Chain) -> String {
    chain.run_id().to_string()
}

/// Commits cells in batches: whatever arrives within [`WRITE_LINGER`] of the
/// first. Each cell's `cell_answered` audit entry, and a signed checkpoint every
/// [`CHECKPOINT_EVERY`] entries, go in the same transaction as the cell.
pub(crate) async fn write_cells(
    store: Store,
    mut rx: mpsc::Receiver<ToWriter>,
    mut log: AuditWriter,
    progress: Arc<dyn Progress>,
    shown: Arc<HashMap<String, String>>,
) -> Result<(u64, AuditWriter), RunError> {
    let mut stored = 0;
    let mut batch = Vec::with_capacity(WRITE_BATCH);
    while rx.recv_many(&mut batch, WRITE_BATCH).await > 0 {
        let deadline = tokio::time::Instant::now() + WRITE_LINGER;
        while batch.len() < WRITE_BATCH {
            let room = WRITE_BATCH - batch.len();
            match tokio::time::timeout_at(deadline, rx.recv_many(&mut batch, room)).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        let mut cells = Vec::with_capacity(batch.len());
        let mut evidence = Vec::with_capacity(batch.len() * 2);
        let mut entries = Vec::with_capacity(batch.len() + 1);
        for message in batch.drain(..) {
            match message {
                ToWriter::Cell(Finished { cell, evidence: bodies }) => {
                    entries.push(log.append_sorted("cell_answered", &CellAnswered::of(&cell)));
                    evidence.extend(bodies);
                    cells.push(cell);
                }
                ToWriter::Entry { kind, payload } => entries.push(log.append(kind, &payload)),
            }
            if log.chain.len().is_multiple_of(CHECKPOINT_EVERY) {
                entries.push(log.checkpoint());
            }
        }
        stored += store.insert_cells(&cells, &evidence, &entries).await?;
        for c in cells.iter().filter(|c| tb_core::load_stage_of(&c.suite).is_none()) {
            progress.cell_stored(shown.get(&c.vendor).unwrap_or(&c.vendor), c.cause.is_some());
            progress.cell_measured(c.latency_ms, c.cause.as_deref());
        }
    }
    Ok((stored, log))
}

/// One evidence body: hashed and encoded here, in the request task, so the
/// writer only chains and commits.
pub(crate) fn evidence(body: &[u8]) -> Evidence {
    let (encoding, stored) = tb_audit::encode_body(body);
    Evidence { sha256: tb_audit::sha256_hex(body), size: body.len() as u64, encoding, stored }
}
