//! Evidence bundles.
//!
//! [`export`] writes one `.tar.gz` holding everything an auditor needs to
//! recompute a run: the run record (with the spec), every cell, every evidence
//! body, the audit log, the report, and a signed manifest of their hashes.
//!
//! [`verify`] works offline, trusting nothing in the bundle but the signing key:
//! it checks the manifest signature and every file hash, every evidence hash,
//! the audit chain and its signed Merkle checkpoints, that each cell is the one
//! its `cell_answered` entry committed to, that each stored answer is what the
//! recorded response body says (re-parsed, no network), and finally re-grades
//! and re-scores every cell and compares the result with the signed report,
//! byte for byte. The first problem found is named.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Read, Write};
use std::path::Path;

use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tb_audit::{AuditEntry, Checkpoint, Keypair, MerkleAccumulator, Seal, canonical_json, sha256_hex};
use tb_store::{CellRecord, RunRecord, Store, StoreError};

mod outputs;
pub use outputs::write_run_outputs;

pub const FORMAT: &str = "tenderbench-bundle/1";
/// The largest file a bundle may hold (a compressed bomb is refused).
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Report(#[from] tb_report::ReportError),
    #[error("cannot write the bundle {path}: {detail}")]
    Write { path: String, detail: String },
    #[error("cannot read the bundle {path}: {detail}")]
    Read { path: String, detail: String },
    /// Verification failed: `what` names the first problem found.
    #[error("VERIFY FAILED: {0}")]
    Invalid(String),
}

fn invalid(what: impl Into<String>) -> BundleError {
    BundleError::Invalid(what.into())
}

/// What the manifest lists: every file of the bundle with its SHA-256.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub run_id: String,
    pub public_key: Option<String>,
    pub files: BTreeMap<String, String>,
}

/// The payload of a `report_signed` audit entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportSignature {
    pub report_sha256: String,
    pub public_key: String,
    pub signature: String,
    /// On `report_regraded`: the report this one replaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_report_sha256: Option<String>,
}

/// The bytes a report signature covers: the report.json text itself.
pub fn sign_report(key: &Keypair, report_json: &str) -> ReportSignature {
    ReportSignature {
        report_sha256: sha256_hex(report_json.as_bytes()),
        public_key: key.public_hex(),
        signature: key.sign(report_json.as_bytes()),
        previous_report_sha256: None,
    }
}

/// Appends `report_signed` (or `report_regraded`, naming the report it
/// replaces) and a fresh signed checkpoint to a run's audit log.
pub async fn record_report_signature(
    store: &Store,
    run_id: &str,
    key: &Keypair,
    report_json: &str,
    previous_report_sha256: Option<String>,
) -> Result<ReportSignature, BundleError> {
    let mut sig = sign_report(key, report_json);
    sig.previous_report_sha256 = previous_report_sha256;
    let kind = if sig.previous_report_sha256.is_some() { "report_regraded" } else { "report_signed" };
    let mut chain = tb_audit::Chain::resume(run_id, store.audit_head(run_id).await?.as_ref());
    let now = tb_store::now_rfc3339();
    let signed = chain.append(kind, &sig, &now);
    let mut merkle = MerkleAccumulator::default();
    for h in store.audit_hashes(run_id).await? {
        merkle.push(&h);
    }
    merkle.push(&signed.hash);
    let upto = chain.len();
    let root = merkle.root();
    let cp = Checkpoint {
        upto,
        signature: Some(key.sign(&tb_audit::checkpoint_message(run_id, upto, &root))),
        merkle_root: root,
        public_key: Some(key.public_hex()),
    };
    let checkpoint = chain.append("checkpoint", &cp, &now);
    store.append_audit(&[signed, checkpoint]).await?;
    Ok(sig)
}

/// The hash of the newest signed report of a run, if any.
pub async fn last_signed_report(store: &Store, run_id: &str) -> Result<Option<String>, BundleError> {
    Ok(store
        .audit(run_id)
        .await?
        .iter()
        .rev()
        .find(|e| e.kind == "report_signed" || e.kind == "report_regraded")
        .and_then(|e| serde_json::from_str::<ReportSignature>(&e.payload).ok())
        .map(|s| s.report_sha256))
}

/// Writes the bundle of `run_id` to `path`, signing its manifest with `key`.
/// `reveals` are the seal files of sealed suites, once they may be published.
pub async fn export(
    store: &Store,
    run_id: &str,
    key: &Keypair,
    reveals: &[Seal],
    path: &Path,
) -> Result<u64, BundleError> {
    let run = store.run(run_id).await?;
    if run.public_key.as_deref() != Some(key.public_hex().as_str()) {
        return Err(BundleError::Write {
            path: path.display().to_string(),
            detail: "the key is not the one this run was signed with".into(),
        });
    }
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    files.push(("run.json".into(), serde_json::to_vec_pretty(&run).expect("a run serializes")));
    let mut cells_text = Vec::new();
    let mut bodies: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    let mut cells = store.cells(run_id);
    while let Some(c) = cells.try_next().await? {
        for sha in [&c.request_sha256, &c.response_sha256] {
            if seen.insert(sha.clone()) {
                bodies.push(sha.clone());
            }
        }
        serde_json::to_writer(&mut cells_text, &c).expect("a cell serializes");
        cells_text.push(b'\n');
    }
    drop(cells);
    files.push(("cells.jsonl".into(), cells_text));
    for sha in bodies {
        let body =
            store.evidence(&sha).await?.ok_or_else(|| invalid(format!("evidence {sha} is missing from the store")))?;
        files.push((format!("evidence/{sha}"), body));
    }
    let mut audit_text = Vec::new();
    for e in store.audit(run_id).await? {
        serde_json::to_writer(&mut audit_text, &e).expect("an entry serializes");
        audit_text.push(b'\n');
    }
    files.push(("audit.jsonl".into(), audit_text));
    let report = tb_report::render_json(&tb_report::build(store, run_id).await?);
    files.push(("report.json".into(), report.into_bytes()));
    for seal in reveals {
        files.push((
            format!("reveal/{}.json", seal.commitment),
            serde_json::to_vec_pretty(seal).expect("a seal serializes"),
        ));
    }

    write_bundle(files, run_id, key, path)
}

/// Writes `files` as a bundle with a manifest of their hashes signed by `key`.
/// Returns the number of files written (manifest and signature included).
pub fn write_bundle(
    mut files: Vec<(String, Vec<u8>)>,
    run_id: &str,
    key: &Keypair,
    path: &Path,
) -> Result<u64, BundleError> {
    files.retain(|(name, _)| name != "manifest.json" && name != "manifest.sig");
    let manifest = Manifest {
        format: FORMAT.into(),
        run_id: run_id.into(),
        public_key: Some(key.public_hex()),
        files: files.iter().map(|(name, body)| (name.clone(), sha256_hex(body))).collect(),
    };
    let manifest_text = canonical_json(&manifest);
    files.push(("manifest.sig".into(), key.sign(manifest_text.as_bytes()).into_bytes()));
    files.push(("manifest.json".into(), manifest_text.into_bytes()));
    write_files(files, path)
}

/// Writes files into a `.tar.gz` as they are, manifest or not.
pub fn write_files(files: Vec<(String, Vec<u8>)>, path: &Path) -> Result<u64, BundleError> {
    let werr = |e: std::io::Error| BundleError::Write { path: path.display().to_string(), detail: e.to_string() };
    let file = std::fs::File::create(path).map_err(werr)?;
    let gz = flate2::write::GzEncoder::new(std::io::BufWriter::new(file), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let count = files.len() as u64;
    for (name, body) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_cksum();
        tar.append_data(&mut header, &name, body.as_slice()).map_err(werr)?;
    }
    tar.into_inner().map_err(werr)?.finish().map_err(werr)?.flush().map_err(werr)?;
    Ok(count)
}

/// Reads every file of a bundle into memory.
pub fn read_bundle(path: &Path) -> Result<BTreeMap<String, Vec<u8>>, BundleError> {
    let rerr = |d: String| BundleError::Read { path: path.display().to_string(), detail: d };
    let file = std::fs::File::open(path).map_err(|e| rerr(e.to_string()))?;
    // The buffered decoder takes from the reader only what the gzip stream holds: what follows stays to be checked.
    let mut tar = tar::Archive::new(flate2::bufread::GzDecoder::new(std::io::BufReader::new(file)));
    let mut files = BTreeMap::new();
    for entry in tar.entries().map_err(|e| rerr(e.to_string()))? {
        let entry = entry.map_err(|e| rerr(e.to_string()))?;
        let name = entry.path().map_err(|e| rerr(e.to_string()))?.to_string_lossy().into_owned();
        let mut body = Vec::new();
        entry.take(MAX_FILE_BYTES + 1).read_to_end(&mut body).map_err(|e| rerr(e.to_string()))?;
        if body.len() as u64 > MAX_FILE_BYTES {
            return Err(invalid(format!("{name} is larger than {MAX_FILE_BYTES} bytes")));
        }
        if files.insert(name.clone(), body).is_some() {
            return Err(invalid(format!("{name} appears twice in the bundle")));
        }
    }
    check_container(tar.into_inner())?;
    Ok(files)
}

/// After the archive's end: the rest of the gzip stream holds only the tar
/// padding, ends where its trailer says (the CRC-32 and length checked), and
/// nothing follows it — no cut, no appended bytes, no second member.
fn check_container(mut gz: flate2::bufread::GzDecoder<std::io::BufReader<std::fs::File>>) -> Result<(), BundleError> {
    const PADDING_CAP: u64 = 1 << 20;
    let mut padding = Vec::new();
    let read = (&mut gz).take(PADDING_CAP + 1).read_to_end(&mut padding);
    match read {
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            return Err(invalid("the bundle is cut short: its gzip stream ends before its trailer"));
        }
        Err(e) => return Err(invalid(format!("the bundle's gzip stream is damaged: {e}"))),
        Ok(_) if padding.len() as u64 > PADDING_CAP || padding.iter().any(|b| *b != 0) => {
            return Err(invalid("the bundle holds data after the archive's end marker"));
        }
        Ok(_) => {}
    }
    let mut rest = gz.into_inner();
    let mut trailing = Vec::new();
    (&mut rest)
        .take(64)
        .read_to_end(&mut trailing)
        .map_err(|e| invalid(format!("reading past the gzip stream: {e}")))?;
    match trailing.as_slice() {
        [] => Ok(()),
        [0x1f, 0x8b, ..] => Err(invalid("the bundle has a second gzip member appended after its own")),
        _ => Err(invalid("the bundle has bytes appended after its gzip stream")),
    }
}

/// What a successful verification checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub run_id: String,
    pub fingerprint: String,
    pub cells: u64,
    pub evidence: u64,
    pub audit_entries: u64,
    pub checkpoints: u64,
    pub report_sha256: String,
    /// Sealed suites whose reveal the bundle lacks: everything else verified,
    /// but not that the suite used is the one committed to.
    pub unchecked_commitments: Vec<String>,
    /// Graders this build has at another version than the one that graded
    /// the bundle (`choice 2 → 3`), each of which read every answer of the
    /// bundle the same: the report recomputed identical but for the versions
    /// and their measured accuracy.
    pub grader_changes: Vec<String>,
}

fn text<'a>(files: &'a BTreeMap<String, Vec<u8>>, name: &str) -> Result<&'a str, BundleError> {
    let body = files.get(name).ok_or_else(|| invalid(format!("{name} is missing")))?;
    std::str::from_utf8(body).map_err(|_| invalid(format!("{name} is not UTF-8")))
}

fn lines<T: for<'de> Deserialize<'de>>(files: &BTreeMap<String, Vec<u8>>, name: &str) -> Result<Vec<T>, BundleError> {
    text(files, name)?
        .lines()
        .enumerate()
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| invalid(format!("{name} line {}: {e}", i + 1))))
        .collect()
}

/// Verifies a bundle offline. `expect_fingerprint`, when given, must match the
/// signing key (its published fingerprint): otherwise a bundle re-signed by
/// someone else would verify against its own key.
pub async fn verify(path: &Path, expect_fingerprint: Option<&str>) -> Result<Verified, BundleError> {
    let files = read_bundle(path)?;

    // 1. The manifest: signed, and naming every file with its hash.
    let signed = check_manifest(&files, expect_fingerprint)?;
    let public_key = signed.public_key;

    // 2. Evidence bodies are what their names say.
    let evidence = check_evidence(&files)?;

    // 3. The run, signed by the same key.
    let run = check_run(&files, &signed.manifest, &public_key)?;
    let spec = tb_report::spec_of(&run)?;

    // 3b. Revealed sealed suites: the suite the run used is the one committed to.
    let unchecked_commitments = check_reveals(&files, &run)?;

    // 4. The audit chain and its signed checkpoints.
    let audit: Vec<AuditEntry> = lines(&files, "audit.jsonl")?;
    tb_audit::verify_chain(&run.id, &audit).map_err(|e| invalid(e.to_string()))?;
    check_run_started(&audit, &run, &public_key)?;
    check_blind_mapping(&audit, &run)?;
    let checkpoints = check_checkpoints(&audit, &run.id, &public_key)?;

    // 5. Every cell is the one its audit entry committed to, and its answer is
    //    what the recorded response says.
    let cells: Vec<CellRecord> = lines(&files, "cells.jsonl")?;
    let committed = committed_cells(&audit)?;
    if committed.len() != cells.len() {
        return Err(invalid(format!(
            "cells.jsonl holds {} cells, the audit log records {} answers",
            cells.len(),
            committed.len()
        )));
    }
    for c in &cells {
        check_cell(c, &committed, &files, &run, &spec).await?;
    }

    // 6. Re-grade and re-score from the cells alone; compare with the report.
    let (report_sha256, grader_changes) = check_report(&files, &run, &cells, &audit, &public_key).await?;

    Ok(Verified {
        run_id: run.id,
        fingerprint: signed.fingerprint,
        cells: cells.len() as u64,
        evidence,
        audit_entries: audit.len() as u64,
        checkpoints,
        report_sha256,
        unchecked_commitments,
        grader_changes,
    })
}

/// A bundle's manifest, with the key that signed it.
struct SignedManifest {
    manifest: Manifest,
    public_key: String,
    fingerprint: String,
}

/// Step 1: the manifest is signed (by the expected key, if given) and lists exactly the files, hashes right.
fn check_manifest(
    files: &BTreeMap<String, Vec<u8>>,
    expect_fingerprint: Option<&str>,
) -> Result<SignedManifest, BundleError> {
    let manifest_text = text(files, "manifest.json")?;
    let manifest: Manifest = serde_json::from_str(manifest_text).map_err(|e| invalid(format!("manifest.json: {e}")))?;
    if manifest.format != FORMAT {
        return Err(invalid(format!("unknown bundle format {:?}", manifest.format)));
    }
    let public_key = manifest.public_key.clone().ok_or_else(|| invalid("the bundle is not signed"))?;
    let fingerprint = tb_audit::fingerprint(&public_key);
    if let Some(want) = expect_fingerprint
        && want != fingerprint
    {
        return Err(invalid(format!("signed by key {fingerprint}, not by the expected key {want}")));
    }
    let sig = text(files, "manifest.sig")?;
    tb_audit::verify_signature(&public_key, manifest_text.as_bytes(), sig.trim())
        .map_err(|e| invalid(format!("manifest.json: {e}")))?;
    for (name, sha) in &manifest.files {
        let body = files.get(name).ok_or_else(|| invalid(format!("{name} is listed in the manifest but missing")))?;
        if &sha256_hex(body) != sha {
            return Err(invalid(format!("{name} was changed after the bundle was signed (its hash differs)")));
        }
    }
    for name in files.keys() {
        if name != "manifest.json" && name != "manifest.sig" && !manifest.files.contains_key(name) {
            return Err(invalid(format!("{name} is not listed in the manifest")));
        }
    }
    Ok(SignedManifest { manifest, public_key, fingerprint })
}

/// Step 2: every evidence body hashes to its name; returns how many there are.
fn check_evidence(files: &BTreeMap<String, Vec<u8>>) -> Result<u64, BundleError> {
    let mut evidence = 0;
    for (name, body) in files {
        if let Some(sha) = name.strip_prefix("evidence/") {
            if sha256_hex(body) != sha {
                return Err(invalid(format!("evidence body {sha} does not hash to its name")));
            }
            evidence += 1;
        }
    }
    Ok(evidence)
}

/// Step 3: run.json is the manifest's run, recorded with the bundle's signing key.
fn check_run(
    files: &BTreeMap<String, Vec<u8>>,
    manifest: &Manifest,
    public_key: &str,
) -> Result<RunRecord, BundleError> {
    let run: RunRecord =
        serde_json::from_str(text(files, "run.json")?).map_err(|e| invalid(format!("run.json: {e}")))?;
    if run.id != manifest.run_id {
        return Err(invalid(format!("run.json is run {}, the manifest says {}", run.id, manifest.run_id)));
    }
    if run.public_key.as_deref() != Some(public_key) {
        return Err(invalid("run.json names another signing key than the bundle's"));
    }
    Ok(run)
}

/// Step 3b: each revealed seal matches the suite used; returns the sealed suites left unrevealed.
fn check_reveals(files: &BTreeMap<String, Vec<u8>>, run: &RunRecord) -> Result<Vec<String>, BundleError> {
    let suites: Vec<tb_core::SuiteRecord> =
        serde_json::from_str(&run.suites_json).map_err(|e| invalid(format!("run.json suites: {e}")))?;
    let mut revealed: Vec<String> = Vec::new();
    for (name, body) in files {
        let Some(commitment) = name.strip_prefix("reveal/").and_then(|n| n.strip_suffix(".json")) else { continue };
        let seal: Seal = serde_json::from_slice(body).map_err(|e| invalid(format!("{name}: {e}")))?;
        let suite = suites
            .iter()
            .find(|s| s.commitment.as_deref() == Some(commitment))
            .ok_or_else(|| invalid(format!("{name}: no suite of the run was sealed with this commitment")))?;
        if seal.commitment != commitment || !seal.matches(&suite.sha256) {
            return Err(invalid(format!(
                "sealed suite {}: the suite the run used (sha256 {}) is not the one committed to",
                suite.id, suite.sha256
            )));
        }
        revealed.push(suite.id.clone());
    }
    // A sealed suite whose reveal is not in the bundle: its commitment went unchecked, and verify says so.
    Ok(suites.iter().filter(|s| s.commitment.is_some() && !revealed.contains(&s.id)).map(|s| s.id.clone()).collect())
}

/// Step 4: the audit log begins with a `run_started` matching run.json (spec hash, key, order seed).
fn check_run_started(audit: &[AuditEntry], run: &RunRecord, public_key: &str) -> Result<(), BundleError> {
    match audit.first() {
        Some(e) if e.kind == "run_started" => {
            let p: Value = serde_json::from_str(&e.payload).unwrap_or_default();
            if p["spec_hash"] != run.spec_hash.as_str() || p["public_key"] != public_key {
                return Err(invalid("the audit log's run_started entry does not match run.json (spec hash or key)"));
            }
            let seed = run.order_seed.as_deref().unwrap_or_default();
            if !p["order_seed_commitment"].is_null()
                && p["order_seed_commitment"] != tb_audit::order_seed_commitment(seed).as_str()
            {
                return Err(invalid("run.json's case-order seed is not the one committed when the run started"));
            }
            Ok(())
        }
        _ => Err(invalid("the audit log does not begin with run_started")),
    }
}

/// Step 4: a blind run's mapping is the one sealed at its start.
fn check_blind_mapping(audit: &[AuditEntry], run: &RunRecord) -> Result<(), BundleError> {
    if let Some(sealed) = audit.iter().find(|e| e.kind == "blind_mapping_sealed") {
        let p: Value = serde_json::from_str(&sealed.payload).unwrap_or_default();
        let mapping = run.blind_mapping.as_deref().unwrap_or_default();
        if p["commitment"] != sha256_hex(mapping.as_bytes()).as_str() {
            return Err(invalid("run.json's blind mapping is not the one sealed when the run started"));
        }
    }
    Ok(())
}

/// Step 4: every checkpoint is signed and the root of the entries before it, and one ends the log; counts them.
fn check_checkpoints(audit: &[AuditEntry], run_id: &str, public_key: &str) -> Result<u64, BundleError> {
    let mut merkle = MerkleAccumulator::default();
    let mut checkpoints = 0;
    let mut last_checkpoint = 0;
    for e in audit {
        if e.kind == "checkpoint" {
            let cp: Checkpoint =
                serde_json::from_str(&e.payload).map_err(|err| invalid(format!("audit entry {}: {err}", e.seq)))?;
            if cp.upto != merkle.leaves() || cp.merkle_root != merkle.root() {
                return Err(invalid(format!(
                    "audit entry {}: checkpoint root does not match the entries before it",
                    e.seq
                )));
            }
            let (Some(pk), Some(sig)) = (&cp.public_key, &cp.signature) else {
                return Err(invalid(format!("audit entry {}: checkpoint is not signed", e.seq)));
            };
            if pk != public_key {
                return Err(invalid(format!("audit entry {}: checkpoint signed by another key", e.seq)));
            }
            tb_audit::verify_signature(pk, &tb_audit::checkpoint_message(run_id, cp.upto, &cp.merkle_root), sig)
                .map_err(|err| invalid(format!("audit entry {}: checkpoint {err}", e.seq)))?;
            checkpoints += 1;
            last_checkpoint = e.seq;
        }
        merkle.push(&e.hash);
    }
    if last_checkpoint != audit.len() as u64 {
        return Err(invalid("the audit log does not end with a signed checkpoint (entries were appended after it)"));
    }
    Ok(checkpoints)
}

/// A cell's key: vendor, suite, case id and repeat.
type CellId = (String, String, String, u32);

/// Step 5: the `cell_answered` payloads of the audit log by cell, at most one each.
fn committed_cells(audit: &[AuditEntry]) -> Result<HashMap<CellId, Value>, BundleError> {
    let mut committed: HashMap<CellId, Value> = HashMap::new();
    for e in audit.iter().filter(|e| e.kind == "cell_answered") {
        let p: Value =
            serde_json::from_str(&e.payload).map_err(|err| invalid(format!("audit entry {}: {err}", e.seq)))?;
        let key = (
            p["vendor"].as_str().unwrap_or_default().to_string(),
            p["suite"].as_str().unwrap_or_default().to_string(),
            p["case_id"].as_str().unwrap_or_default().to_string(),
            p["repeat"].as_u64().unwrap_or(u64::MAX) as u32,
        );
        if committed.insert(key, p).is_some() {
            return Err(invalid(format!("audit entry {}: a second answer for the same cell", e.seq)));
        }
    }
    Ok(committed)
}

/// Step 5, one cell: the one committed to, its evidence present, its answer (and episode) replaying to it.
async fn check_cell(
    c: &CellRecord,
    committed: &HashMap<CellId, Value>,
    files: &BTreeMap<String, Vec<u8>>,
    run: &RunRecord,
    spec: &tb_spec::Spec,
) -> Result<(), BundleError> {
    let what = format!("cell {}/{}/{}#{}", c.vendor, c.suite, c.case_id, c.repeat);
    if c.run_id != run.id {
        return Err(invalid(format!("{what} belongs to another run")));
    }
    let p = committed
        .get(&(c.vendor.clone(), c.suite.clone(), c.case_id.clone(), c.repeat))
        .ok_or_else(|| invalid(format!("{what} has no cell_answered entry in the audit log")))?;
    if p["cell_sha256"] != c.content_sha256().as_str() {
        return Err(invalid(format!("{what} differs from what the audit log recorded (edited after the run)")));
    }
    if p["request_sha256"] != c.request_sha256.as_str() || p["response_sha256"] != c.response_sha256.as_str() {
        return Err(invalid(format!("{what}: its evidence hashes differ from the audit log's")));
    }
    for sha in [&c.request_sha256, &c.response_sha256] {
        if !files.contains_key(&format!("evidence/{sha}")) {
            return Err(invalid(format!("{what}: evidence body {sha} is missing")));
        }
    }
    let vendor = spec.vendors.iter().find(|v| v.name == c.vendor);
    let episode = spec.suite(&c.suite).is_some_and(|s| s.format == tb_suite::SuiteFormat::Agent);
    replay_cell(c, &files[&format!("evidence/{}", c.response_sha256)], vendor, episode)
        .await
        .map_err(|e| invalid(format!("{what}: {e}")))?;
    if episode {
        replay_episode(c, &files[&format!("evidence/{}", c.request_sha256)])
            .map_err(|e| invalid(format!("{what}: {e}")))?;
    }
    Ok(())
}

/// Step 6: report.json is the report recomputed from the cells, and the one last signed; returns its SHA-256.
async fn check_report(
    files: &BTreeMap<String, Vec<u8>>,
    run: &RunRecord,
    cells: &[CellRecord],
    audit: &[AuditEntry],
    public_key: &str,
) -> Result<(String, Vec<String>), BundleError> {
    let store = Store::open_memory().await?;
    store.create_run(run).await?;
    for chunk in cells.chunks(1000) {
        store.insert_cells_unchecked(chunk).await?;
    }
    // The committee's inputs (evaluator scores, price justifications) are audit entries.
    store.append_audit(audit).await?;
    let recomputed = tb_report::render_json(&tb_report::build(&store, &run.id).await?);
    store.close().await;
    let report = text(files, "report.json")?;
    let grader_changes = if recomputed == report { Vec::new() } else { newer_graders_only(report, &recomputed)? };
    let report_sha256 = sha256_hex(report.as_bytes());
    let signed = audit
        .iter()
        .rev()
        .find(|e| e.kind == "report_signed" || e.kind == "report_regraded")
        .ok_or_else(|| invalid("the audit log records no signed report"))?;
    let rs: ReportSignature =
        serde_json::from_str(&signed.payload).map_err(|e| invalid(format!("audit entry {}: {e}", signed.seq)))?;
    if rs.report_sha256 != report_sha256 {
        return Err(invalid(format!(
            "report.json is not the report signed in audit entry {} (hash {} there, {} here)",
            signed.seq, rs.report_sha256, report_sha256
        )));
    }
    tb_audit::verify_signature(public_key, report.as_bytes(), &rs.signature)
        .map_err(|e| invalid(format!("report.json: {e}")))?;
    Ok((report_sha256, grader_changes))
}

/// A report that differs from its recomputation only in the versions of
/// graders this build has since improved, and in those graders' measured
/// accuracy, was still recomputed: every grade, score and rank is the same.
/// An auditor's archive outlives the build that wrote it, so this passes,
/// naming the changes; any other difference is a failed verification.
fn newer_graders_only(report: &str, recomputed: &str) -> Result<Vec<String>, BundleError> {
    let differs =
        || invalid(format!("report.json differs from the recomputed report: {}", first_difference(report, recomputed)));
    let (Ok(mut was), Ok(mut now)) = (serde_json::from_str::<Value>(report), serde_json::from_str::<Value>(recomputed))
    else {
        return Err(differs());
    };
    let versions = |v: &Value| v["grader_versions"].as_object().cloned().unwrap_or_default();
    let (old, new) = (versions(&was), versions(&now));
    let changes: Vec<String> = old
        .iter()
        .filter(|(grader, v)| new.get(*grader) != Some(*v))
        .map(|(grader, v)| format!("{grader} {v} → {}", new.get(grader).unwrap_or(&Value::Null)))
        .collect();
    if changes.is_empty() || old.keys().ne(new.keys()) {
        return Err(differs());
    }
    // What a newer grader carries with it: its version, its measured accuracy,
    // and the refusal detector's error computed from that accuracy.
    for v in [&mut was, &mut now] {
        if let Some(o) = v.as_object_mut() {
            o.remove("grader_versions");
            o.remove("grader_validation");
        }
        strip_detector(v);
    }
    if was != now {
        return Err(differs());
    }
    Ok(changes)
}

/// Removes every `detector` object (the refusal detector's error beside a
/// rate, computed from its measured accuracy) from a report's JSON.
fn strip_detector(v: &mut Value) {
    match v {
        Value::Object(o) => {
            o.remove("detector");
            o.values_mut().for_each(strip_detector);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_detector),
        _ => {}
    }
}

/// An agent episode's final state must be what its recorded calls give when
/// made again on a fresh environment (see `tb_agent::episode::replay_state`).
fn replay_episode(c: &CellRecord, transcript: &[u8]) -> Result<(), String> {
    let Some(verdicts) = c.verdicts.as_deref() else { return Ok(()) };
    let verdicts: Value = serde_json::from_str(verdicts).map_err(|e| format!("its verdict: {e}"))?;
    let Some(verdict) = verdicts.as_object().and_then(|m| m.values().next()) else { return Ok(()) };
    if verdict["black_box"] == true {
        return Ok(());
    }
    let gold: tb_core::Gold = serde_json::from_str(&c.gold_json).map_err(|e| format!("its gold data: {e}"))?;
    let task: tb_agent::Task = serde_json::from_value(gold.data).map_err(|e| format!("its task: {e}"))?;
    let transcript: Value = serde_json::from_slice(transcript).map_err(|e| format!("its transcript: {e}"))?;
    match tb_agent::episode::replay_state(&task, &transcript)? {
        Some(state) if verdict["state_sha256"] != state.as_str() => {
            Err("the recorded tool calls, made again, leave another state than the verdict says".into())
        }
        _ => Ok(()),
    }
}

/// The stored answer (or body-derived failure) must be what the recorded body
/// says. An agent episode's body is its last turn's, and its tokens are all
/// its turns' (the verdict's sums).
async fn replay_cell(
    c: &CellRecord,
    body: &[u8],
    vendor: Option<&tb_spec::VendorSpec>,
    episode: bool,
) -> Result<(), String> {
    let vendor = vendor.ok_or("its vendor is not in the spec")?;
    let replayed = tb_vendor::replay(body, vendor.stream, vendor.agent_api.as_ref()).await;
    match (&c.cause, replayed) {
        (None, Ok(a)) => {
            let usage = if episode {
                let verdicts: Value =
                    c.verdicts.as_deref().and_then(|v| serde_json::from_str(v).ok()).unwrap_or_default();
                let verdict = verdicts.as_object().and_then(|m| m.values().next()).cloned().unwrap_or_default();
                (verdict["prompt_tokens"].as_u64(), verdict["completion_tokens"].as_u64())
            } else {
                (a.usage.map(|u| u.prompt_tokens), a.usage.map(|u| u.completion_tokens))
            };
            let tool_calls = a.tool_calls.map(|t| t.to_string());
            if Some(&a.text) != c.answer.as_ref()
                || a.finish_reason != c.finish_reason
                || usage != (c.prompt_tokens, c.completion_tokens)
                || tool_calls != c.tool_calls
            {
                return Err("the stored answer is not what the recorded response says".into());
            }
            Ok(())
        }
        (None, Err(f)) => Err(format!("stored as answered, but the recorded response does not parse: {}", f.detail)),
        (Some(cause), result) => {
            let from_body = ["invalid_response", "truncated_stream"];
            match result {
                Err(f) if from_body.contains(&cause.as_str()) && f.cause.code() != cause => {
                    Err(format!("stored as {cause}, the recorded response says {}", f.cause.code()))
                }
                Ok(_) if from_body.contains(&cause.as_str()) => {
                    Err(format!("stored as {cause}, but the recorded response is a complete answer"))
                }
                _ => Ok(()),
            }
        }
    }
}

/// The JSON path of the first difference between two JSON texts.
fn first_difference(a: &str, b: &str) -> String {
    fn walk(a: &Value, b: &Value, path: String) -> Option<String> {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for (k, v) in x {
                    match y.get(k) {
                        Some(w) => {
                            if let Some(p) = walk(v, w, format!("{path}.{k}")) {
                                return Some(p);
                            }
                        }
                        None => return Some(format!("{path}.{k} (only in the bundle)")),
                    }
                }
                y.keys().find(|k| !x.contains_key(*k)).map(|k| format!("{path}.{k} (only when recomputed)"))
            }
            (Value::Array(x), Value::Array(y)) => {
                for (i, (v, w)) in x.iter().zip(y).enumerate() {
                    if let Some(p) = walk(v, w, format!("{path}[{i}]")) {
                        return Some(p);
                    }
                }
                (x.len() != y.len()).then(|| format!("{path} (length {} vs {})", x.len(), y.len()))
            }
            _ => (a != b).then(|| format!("{path}: {a} in the bundle, {b} recomputed")),
        }
    }
    match (serde_json::from_str::<Value>(a), serde_json::from_str::<Value>(b)) {
        (Ok(x), Ok(y)) => walk(&x, &y, "$".into()).unwrap_or_else(|| "formatting only".into()),
        _ => "report.json is not valid JSON".into(),
    }
}

#[cfg(test)]
mod container_tests {
    use std::path::PathBuf;

    use super::*;

    fn bundle(dir: &Path) -> (PathBuf, Vec<u8>) {
        let path = dir.join("b.tar.gz");
        let files = vec![("manifest.json".to_string(), b"{}".to_vec()), ("report.json".to_string(), vec![b'x'; 5000])];
        write_files(files, &path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        (path, bytes)
    }

    fn refused(path: &Path, bytes: &[u8]) -> String {
        std::fs::write(path, bytes).unwrap();
        match read_bundle(path) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("accepted a bundle of {} bytes", bytes.len()),
        }
    }

    #[test]
    fn the_container_is_evidence_too() {
        let dir = tempfile::tempdir().unwrap();
        let (path, whole) = bundle(dir.path());
        assert_eq!(read_bundle(&path).unwrap().len(), 2);
        // Cut by 1…32 bytes: the trailer (CRC, length) or the stream is missing.
        for cut in 1..=32 {
            let e = refused(&path, &whole[..whole.len() - cut]);
            let named = ["cut short", "damaged", "incomplete", "unexpected", "corrupt"];
            assert!(named.iter().any(|n| e.contains(n)), "cut {cut}: {e}");
        }
        // Bytes appended, a gzip member appended, a second whole archive appended.
        assert!(refused(&path, &[whole.as_slice(), b"extra"].concat()).contains("appended"));
        let (_, other) = {
            let d2 = tempfile::tempdir().unwrap();
            bundle(d2.path())
        };
        let e = refused(&path, &[whole.as_slice(), other.as_slice()].concat());
        assert!(e.contains("second gzip member"), "{e}");
        let mut member = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut member, b"hidden.txt").unwrap();
        let e = refused(&path, &[whole.as_slice(), member.finish().unwrap().as_slice()].concat());
        assert!(e.contains("second gzip member"), "{e}");
        // A flipped byte in the CRC.
        let mut flipped = whole.clone();
        let at = flipped.len() - 6;
        flipped[at] ^= 0xff;
        let e = refused(&path, &flipped);
        assert!(e.contains("damaged") || e.contains("corrupt") || e.contains("invalid"), "{e}");
    }
}

#[cfg(test)]
mod newer_grader_tests {
    use super::newer_graders_only;

    fn report(version: u32, n: u32, score: f64, sensitivity: f64) -> String {
        serde_json::json!({
            "grader_versions": { "choice": version, "refusal": 2 },
            "grader_validation": { "refusal": { "n": n } },
            "vendors": [{ "total_score": score, "criteria": [{ "detector": { "sensitivity": sensitivity } }] }],
        })
        .to_string()
    }

    #[test]
    fn only_a_newer_graders_version_and_accuracy_may_differ() {
        let changes = newer_graders_only(&report(2, 407, 81.5, 0.8), &report(3, 486, 81.5, 0.87)).unwrap();
        assert_eq!(changes, vec!["choice 2 → 3"]);
        // A score that differs is a failed verification, whatever the versions.
        let e = newer_graders_only(&report(2, 407, 81.5, 0.8), &report(3, 407, 80.0, 0.8)).unwrap_err();
        assert!(e.to_string().contains("differs from the recomputed report"), "{e}");
        // Accuracy figures that differ without a version that differs: not explained.
        assert!(newer_graders_only(&report(2, 407, 81.5, 0.8), &report(2, 486, 81.5, 0.8)).is_err());
    }
}
