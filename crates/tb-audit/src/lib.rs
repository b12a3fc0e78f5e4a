//! Integrity primitives, pure except for reading and writing key files.
//!
//! - [`sha256_hex`], [`compress`] / [`decompress`]: the content-addressed
//!   evidence store keeps every request and response body once, by its SHA-256,
//!   deflate-compressed.
//! - [`AuditEntry`], [`Chain`]: an append-only, hash-chained log. Each entry's
//!   hash covers the previous entry's hash, so editing, dropping or reordering
//!   any entry breaks every hash after it; [`verify_chain`] names the first break.
//! - [`merkle_root`]: periodic checkpoints hold the Merkle root of every entry
//!   hash so far, signed.
//! - [`Keypair`], [`verify_signature`]: Ed25519 keys (`tenderbench keygen`),
//!   signatures over reports, checkpoints and bundles.
//!
//! This crate knows no SQL, no vendor and no report layout.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit log of run {run_id}: entry {seq}: {problem}")]
    Chain { run_id: String, seq: u64, problem: String },
    #[error("signature check failed: {0}")]
    Signature(String),
    #[error("key file {path}: {problem}")]
    Key { path: PathBuf, problem: String },
    #[error("evidence body: {0}")]
    Evidence(String),
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Canonical JSON of a value: object keys sorted, no insignificant whitespace.
pub fn canonical_json<T: Serialize + ?Sized>(value: &T) -> String {
    let v = serde_json::to_value(value).expect("audit payloads always serialize");
    // serde_json's map is ordered by key (no `preserve_order`), so this is canonical.
    serde_json::to_string(&v).expect("a value always serializes")
}

/// Bodies below this size are stored as they are: deflating a sub-2 KiB chat
/// response saves a few hundred bytes for more CPU than the rest of the
/// request path (measured with `scripts/bench.sh`).
pub const COMPRESS_MIN_BYTES: usize = 2048;

/// How an evidence body is stored.
pub const IDENTITY: &str = "identity";
pub const DEFLATE: &str = "deflate";

/// Encodes a body for the evidence store: `(encoding, bytes)`.
pub fn encode_body(bytes: &[u8]) -> (&'static str, Vec<u8>) {
    if bytes.len() < COMPRESS_MIN_BYTES { (IDENTITY, bytes.to_vec()) } else { (DEFLATE, compress(bytes)) }
}

/// Decodes a stored body of `size` bytes.
pub fn decode_body(encoding: &str, stored: &[u8], size: usize) -> Result<Vec<u8>, AuditError> {
    let body = match encoding {
        IDENTITY => stored.to_vec(),
        DEFLATE => decompress(stored, size)?,
        other => return Err(AuditError::Evidence(format!("unknown encoding {other:?}"))),
    };
    if body.len() != size {
        return Err(AuditError::Evidence(format!("{} bytes where {size} were stored", body.len())));
    }
    Ok(body)
}

/// Deflate-compresses a body. The compressor's state (tens of kilobytes) is
/// kept per thread and reset between bodies, not allocated for each one.
pub fn compress(bytes: &[u8]) -> Vec<u8> {
    thread_local! {
        static COMPRESSOR: std::cell::RefCell<flate2::Compress> =
            std::cell::RefCell::new(flate2::Compress::new(flate2::Compression::fast(), false));
    }
    COMPRESSOR.with(|c| {
        let mut c = c.borrow_mut();
        c.reset();
        let mut out = Vec::with_capacity(bytes.len() / 2 + 64);
        loop {
            let consumed = c.total_in() as usize;
            let status = c
                .compress_vec(&bytes[consumed..], &mut out, flate2::FlushCompress::Finish)
                .expect("deflate into memory cannot fail");
            match status {
                flate2::Status::StreamEnd => return out,
                _ => out.reserve(out.capacity().max(64)),
            }
        }
    })
}

/// Inflates at most `limit` bytes: a compressed bomb is an error, not an allocation.
pub fn decompress(bytes: &[u8], limit: usize) -> Result<Vec<u8>, AuditError> {
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(bytes)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| AuditError::Evidence(format!("cannot inflate: {e}")))?;
    if out.len() > limit {
        return Err(AuditError::Evidence(format!("inflates past {limit} bytes")));
    }
    Ok(out)
}

/// A sealed suite's commitment: SHA-256 over a random salt and the suite
/// file's SHA-256. Published before bidding; the salt is revealed after
/// scoring, and anyone can recompute it.
pub fn seal_commitment(suite_sha256: &str, salt: &str) -> String {
    sha256_hex(format!("tenderbench-seal\n{salt}\n{suite_sha256}").as_bytes())
}

/// A fresh random salt (32 bytes, hex).
pub fn random_salt() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// What `tenderbench seal` keeps (secret until reveal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    pub suite_sha256: String,
    pub cases: u64,
    pub salt: String,
    pub commitment: String,
    /// A string planted in every line of the suite, so a leaked copy can be recognised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary: Option<String>,
}

impl Seal {
    /// Whether a suite with this hash is the one sealed.
    pub fn matches(&self, suite_sha256: &str) -> bool {
        self.suite_sha256 == suite_sha256 && seal_commitment(suite_sha256, &self.salt) == self.commitment
    }
}

/// Commitment of a run's case-order seed, logged when the run starts; the
/// seed itself is in the run record (and so in every bundle).
pub fn order_seed_commitment(seed: &str) -> String {
    sha256_hex(format!("tenderbench-order\n{seed}").as_bytes())
}

/// The order in which a vendor is sent a suite's `n` cases: a Fisher–Yates
/// shuffle whose i-th swap partner is SHA-256(seed ‖ vendor ‖ suite ‖ i) read
/// as a little-endian u64, modulo i + 1. Each vendor gets its own order, which
/// no one can choose (the seed is committed before the run) and anyone can
/// recompute.
pub fn case_order(seed: &str, vendor: &str, suite: &str, n: usize) -> Vec<u32> {
    let mut order: Vec<u32> = (0..n as u32).collect();
    for i in (1..n).rev() {
        let mut h = Sha256::new();
        for part in [seed.as_bytes(), vendor.as_bytes(), suite.as_bytes()] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part);
        }
        h.update((i as u64).to_le_bytes());
        let d = h.finalize();
        let draw = u64::from_le_bytes(d[..8].try_into().expect("8 bytes"));
        order.swap(i, (draw % (i as u64 + 1)) as usize);
    }
    order
}

/// The hash before the first entry of a chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry of a run's audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub run_id: String,
    /// 1-based, contiguous within a run.
    pub seq: u64,
    pub at: String,
    /// What happened: `run_started`, `cell_answered`, `checkpoint`, `report_signed`, ...
    pub kind: String,
    /// Canonical JSON of the details.
    pub payload: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an entry: SHA-256 over its length-prefixed fields and the previous hash.
pub fn entry_hash(run_id: &str, seq: u64, at: &str, kind: &str, payload: &str, prev_hash: &str) -> String {
    let mut h = Sha256::new();
    for part in [
        run_id.as_bytes(),
        &seq.to_le_bytes(),
        at.as_bytes(),
        kind.as_bytes(),
        payload.as_bytes(),
        prev_hash.as_bytes(),
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    hex::encode(h.finalize())
}

/// The head of a run's chain: appends entries that link to it.
#[derive(Debug, Clone)]
pub struct Chain {
    run_id: String,
    next_seq: u64,
    head: String,
}

impl Chain {
    pub fn new(run_id: &str) -> Chain {
        Chain { run_id: run_id.into(), next_seq: 1, head: GENESIS.into() }
    }

    /// Continues after `last`, the newest stored entry (or from the start).
    pub fn resume(run_id: &str, last: Option<&AuditEntry>) -> Chain {
        match last {
            Some(e) => Chain { run_id: run_id.into(), next_seq: e.seq + 1, head: e.hash.clone() },
            None => Chain::new(run_id),
        }
    }

    pub fn append<T: Serialize + ?Sized>(&mut self, kind: &str, payload: &T, at: &str) -> AuditEntry {
        self.append_canonical(kind, canonical_json(payload), at)
    }

    /// Appends a payload serialized from a struct whose fields are declared in
    /// sorted order (so serde's output is already canonical JSON): the hot path
    /// of one entry per cell skips building a map. Debug builds check the claim.
    pub fn append_sorted<T: Serialize>(&mut self, kind: &str, payload: &T, at: &str) -> AuditEntry {
        let text = serde_json::to_string(payload).expect("audit payloads always serialize");
        debug_assert_eq!(text, canonical_json(payload), "payload fields of {kind} are not in sorted order");
        self.append_canonical(kind, text, at)
    }

    fn append_canonical(&mut self, kind: &str, payload: String, at: &str) -> AuditEntry {
        let hash = entry_hash(&self.run_id, self.next_seq, at, kind, &payload, &self.head);
        let e = AuditEntry {
            run_id: self.run_id.clone(),
            seq: self.next_seq,
            at: at.into(),
            kind: kind.into(),
            payload,
            prev_hash: std::mem::replace(&mut self.head, hash.clone()),
            hash,
        };
        self.next_seq += 1;
        e
    }

    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// Entries appended so far (the seq of the newest).
    pub fn len(&self) -> u64 {
        self.next_seq - 1
    }

    pub fn is_empty(&self) -> bool {
        self.next_seq == 1
    }
}

/// Checks that `entries` (in order) form one unbroken chain for `run_id`.
pub fn verify_chain(run_id: &str, entries: &[AuditEntry]) -> Result<(), AuditError> {
    let mut prev = GENESIS.to_string();
    for (i, e) in entries.iter().enumerate() {
        let seq = i as u64 + 1;
        let fail = |problem: String| AuditError::Chain { run_id: run_id.into(), seq, problem };
        if e.run_id != run_id {
            return Err(fail(format!("belongs to run {:?}", e.run_id)));
        }
        if e.seq != seq {
            return Err(fail(format!("has seq {} where {seq} was expected (an entry was dropped or moved)", e.seq)));
        }
        if e.prev_hash != prev {
            return Err(fail("does not link to the entry before it (an entry was dropped, moved or edited)".into()));
        }
        let recomputed = entry_hash(&e.run_id, e.seq, &e.at, &e.kind, &e.payload, &e.prev_hash);
        if recomputed != e.hash {
            return Err(fail(format!("its content does not match its hash (kind {:?} was edited)", e.kind)));
        }
        prev = e.hash.clone();
    }
    Ok(())
}

/// Merkle root over hex hashes, computed incrementally in O(log n) memory, so
/// a run of a million cells can checkpoint as it goes. Leaves are
/// SHA-256(0x00 ‖ h) and nodes SHA-256(0x01 ‖ left ‖ right); complete subtrees
/// ("peaks") are kept, and the root bags them from the right. The root of
/// nothing is [`GENESIS`].
#[derive(Debug, Clone, Default)]
pub struct MerkleAccumulator {
    peaks: Vec<(u32, [u8; 32])>,
    leaves: u64,
}

fn node(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut d = Sha256::new();
    d.update([1u8]);
    d.update(left);
    d.update(right);
    d.finalize().into()
}

impl MerkleAccumulator {
    pub fn push(&mut self, hash_hex: &str) {
        let mut d = Sha256::new();
        d.update([0u8]);
        d.update(hash_hex.as_bytes());
        let mut cur: [u8; 32] = d.finalize().into();
        let mut height = 0;
        while let Some((h, top)) = self.peaks.last() {
            if *h != height {
                break;
            }
            cur = node(top, &cur);
            height += 1;
            self.peaks.pop();
        }
        self.peaks.push((height, cur));
        self.leaves += 1;
    }

    pub fn leaves(&self) -> u64 {
        self.leaves
    }

    pub fn root(&self) -> String {
        let mut peaks = self.peaks.iter().rev();
        let Some((_, last)) = peaks.next() else { return GENESIS.into() };
        hex::encode(peaks.fold(*last, |acc, (_, peak)| node(peak, &acc)))
    }
}

/// The Merkle root of `hashes` (see [`MerkleAccumulator`]).
pub fn merkle_root(hashes: &[String]) -> String {
    let mut acc = MerkleAccumulator::default();
    for h in hashes {
        acc.push(h);
    }
    acc.root()
}

/// The bytes a checkpoint signature covers.
pub fn checkpoint_message(run_id: &str, upto: u64, root: &str) -> Vec<u8> {
    format!("tenderbench-checkpoint\n{run_id}\n{upto}\n{root}").into_bytes()
}

/// The payload of a `checkpoint` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The seq of the last entry the root covers.
    pub upto: u64,
    pub merkle_root: String,
    /// Hex Ed25519 public key and signature over [`checkpoint_message`]; absent when the run had no key.
    pub public_key: Option<String>,
    pub signature: Option<String>,
}

/// An Ed25519 signing key.
pub struct Keypair {
    key: SigningKey,
}

pub const PRIVATE_KEY_FILE: &str = "tenderbench.key";
pub const PUBLIC_KEY_FILE: &str = "tenderbench.pub";

impl Keypair {
    pub fn generate() -> Keypair {
        Keypair { key: SigningKey::from_bytes(&rand::random::<[u8; 32]>()) }
    }

    /// Writes `tenderbench.key` (mode 0600) and `tenderbench.pub` into `dir`;
    /// refuses to overwrite either.
    pub fn generate_files(dir: &Path) -> Result<(Keypair, PathBuf), AuditError> {
        let kp = Keypair::generate();
        let private = dir.join(PRIVATE_KEY_FILE);
        let public = dir.join(PUBLIC_KEY_FILE);
        for p in [&private, &public] {
            if p.exists() {
                return Err(AuditError::Key { path: p.clone(), problem: "exists already; not overwritten".into() });
            }
        }
        let key_err = |path: &Path, e: std::io::Error| AuditError::Key { path: path.into(), problem: e.to_string() };
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = opts.open(&private).map_err(|e| key_err(&private, e))?;
        writeln!(f, "{}", hex::encode(kp.key.to_bytes())).map_err(|e| key_err(&private, e))?;
        let mut f = OpenOptions::new().write(true).create_new(true).open(&public).map_err(|e| key_err(&public, e))?;
        writeln!(f, "{}", kp.public_hex()).map_err(|e| key_err(&public, e))?;
        Ok((kp, private))
    }

    pub fn load(path: &Path) -> Result<Keypair, AuditError> {
        let fail = |problem: String| AuditError::Key { path: path.into(), problem };
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        let bytes = hex::decode(text.trim()).map_err(|_| fail("not a hex Ed25519 private key".into()))?;
        let seed: [u8; 32] = bytes.try_into().map_err(|_| fail("an Ed25519 private key has 32 bytes".into()))?;
        Ok(Keypair { key: SigningKey::from_bytes(&seed) })
    }

    pub fn public_hex(&self) -> String {
        hex::encode(self.key.verifying_key().to_bytes())
    }

    pub fn fingerprint(&self) -> String {
        fingerprint(&self.public_hex())
    }

    pub fn sign(&self, message: &[u8]) -> String {
        hex::encode(self.key.sign(message).to_bytes())
    }
}

/// First 16 hex digits of the SHA-256 of a hex public key: what people compare.
pub fn fingerprint(public_hex: &str) -> String {
    sha256_hex(public_hex.as_bytes())[..16].to_string()
}

pub fn verify_signature(public_hex: &str, message: &[u8], signature_hex: &str) -> Result<(), AuditError> {
    let bad = |s: &str| AuditError::Signature(s.to_string());
    let pk: [u8; 32] =
        hex::decode(public_hex).ok().and_then(|b| b.try_into().ok()).ok_or_else(|| bad("malformed public key"))?;
    let sig: [u8; 64] =
        hex::decode(signature_hex).ok().and_then(|b| b.try_into().ok()).ok_or_else(|| bad("malformed signature"))?;
    let key = VerifyingKey::from_bytes(&pk).map_err(|_| bad("invalid public key"))?;
    key.verify(message, &Signature::from_bytes(&sig)).map_err(|_| bad("the signature does not match the content"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: usize) -> Vec<AuditEntry> {
        let mut c = Chain::new("r");
        (0..n).map(|i| c.append("cell_answered", &serde_json::json!({"i": i}), "2026-01-01T00:00:00Z")).collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        verify_chain("r", &chain(5)).unwrap();
        verify_chain("r", &[]).unwrap();
    }

    #[test]
    fn every_kind_of_tampering_is_named() {
        let good = chain(5);
        let mut edited = good.clone();
        edited[2].payload = "{\"i\":99}".into();
        assert!(verify_chain("r", &edited).unwrap_err().to_string().contains("entry 3: its content does not match"));
        let mut dropped = good.clone();
        dropped.remove(1);
        assert!(verify_chain("r", &dropped).unwrap_err().to_string().contains("entry 2"));
        let mut swapped = good.clone();
        swapped.swap(1, 3);
        assert!(verify_chain("r", &swapped).is_err());
        // Re-hashing an edited entry does not help: the next one no longer links.
        let mut rehashed = good.clone();
        rehashed[2].payload = "{\"i\":99}".into();
        let e = &rehashed[2];
        rehashed[2].hash = entry_hash(&e.run_id, e.seq, &e.at, &e.kind, &e.payload, &e.prev_hash);
        assert!(verify_chain("r", &rehashed).unwrap_err().to_string().contains("entry 4: does not link"));
        let mut other = good.clone();
        other[0].run_id = "s".into();
        assert!(verify_chain("r", &other).is_err());
    }

    #[test]
    fn resumed_chain_continues_the_same_log() {
        let mut all = chain(3);
        let mut c = Chain::resume("r", all.last());
        all.push(c.append("run_resumed", &serde_json::json!({}), "t"));
        verify_chain("r", &all).unwrap();
        assert_eq!(c.len(), 4);
    }

    #[test]
    fn case_order_is_a_permutation_fixed_by_seed_vendor_and_suite() {
        let a = case_order("s", "A", "q", 1000);
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, (0..1000).collect::<Vec<u32>>());
        assert_eq!(a, case_order("s", "A", "q", 1000));
        assert_ne!(a, case_order("s", "B", "q", 1000), "each vendor has its own order");
        assert_ne!(a, case_order("t", "A", "q", 1000));
        assert_ne!(a, (0..1000).collect::<Vec<u32>>());
        assert_eq!(case_order("s", "A", "q", 0), Vec::<u32>::new());
    }

    #[test]
    fn merkle_root_depends_on_every_leaf_and_order() {
        let hs: Vec<String> = chain(5).into_iter().map(|e| e.hash).collect();
        let root = merkle_root(&hs);
        let mut changed = hs.clone();
        changed.swap(0, 1);
        assert_ne!(merkle_root(&changed), root);
        assert_ne!(merkle_root(&hs[..4]), root);
        assert_eq!(merkle_root(&hs), root);
    }

    #[test]
    fn signatures_and_key_files() {
        let dir = tempfile::tempdir().unwrap();
        let (kp, path) = Keypair::generate_files(dir.path()).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(Keypair::generate_files(dir.path()).is_err(), "refuses to overwrite");
        let loaded = Keypair::load(&path).unwrap();
        assert_eq!(loaded.public_hex(), kp.public_hex());
        let sig = kp.sign(b"report");
        verify_signature(&kp.public_hex(), b"report", &sig).unwrap();
        assert!(verify_signature(&kp.public_hex(), b"repOrt", &sig).is_err());
        assert!(verify_signature(&Keypair::generate().public_hex(), b"report", &sig).is_err());
        assert_eq!(kp.fingerprint().len(), 16);
    }

    #[test]
    fn compression_round_trip_and_bomb_limit() {
        let body = "data: {\"choices\": []}\n".repeat(100);
        let z = compress(body.as_bytes());
        assert!(z.len() < body.len() / 4, "large bodies are compressed");
        assert_eq!(decompress(&z, 1 << 20).unwrap(), body.as_bytes());
        assert!(decompress(&z, 10).is_err());
        let (enc, stored) = encode_body(b"{}");
        assert_eq!((enc, stored.as_slice()), (IDENTITY, b"{}".as_slice()), "small bodies are stored as they are");
        let (enc, stored) = encode_body(body.as_bytes());
        assert_eq!(enc, DEFLATE);
        assert_eq!(decode_body(enc, &stored, body.len()).unwrap(), body.as_bytes());
        assert!(decode_body(enc, &stored, body.len() - 1).is_err(), "a wrong size is an error");
        assert!(decode_body("zstd", &stored, body.len()).is_err());
    }
}
