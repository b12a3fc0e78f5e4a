//! The answer journal. Every answered cell is appended here — to the page
//! cache, one `write` — before its request hands the vendor slot on; the
//! writer commits cells to the store in batches behind it. A killed process
//! (SIGKILL) loses nothing the kernel already holds, so when the run resumes
//! the journal's cells that the store lacks are committed first, and a kill
//! costs at most the requests in flight. Holding the slot until the commit
//! would give the same bound at a quarter more wall time (docs/reliability.md);
//! a `write` per cell costs microseconds. The journal is not synced: a power
//! loss or kernel crash may lose its unsynced tail, as it may the store's
//! last commits (`synchronous = NORMAL`).
//!
//! Frames: `len: u32 LE`, `crc32(body): u32 LE`, `body`. A frame cut short by
//! the kill, or whose checksum fails, ends the reading: what follows it was
//! never acknowledged to anyone.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tb_store::{CellRecord, Evidence};

use crate::writer::Finished;

/// An open journal of one run.
pub(crate) struct Journal {
    path: PathBuf,
    file: Mutex<File>,
}

/// What a resumed run found in its journal.
pub(crate) struct Replayed {
    pub(crate) cells: Vec<Finished>,
    /// A cut or damaged frame ended the reading (the kill came mid-write).
    pub(crate) torn: bool,
}

fn path_of(dir: &Path, run_id: &str) -> PathBuf {
    dir.join(format!("{run_id}.journal"))
}

impl Journal {
    /// Starts the journal of a new run `run_id` in `dir`.
    pub(crate) fn create(dir: &Path, run_id: &str) -> io::Result<Journal> {
        std::fs::create_dir_all(dir)?;
        let path = path_of(dir, run_id);
        let file = OpenOptions::new().create(true).write(true).truncate(true).open(&path)?;
        Ok(Journal { path, file: Mutex::new(file) })
    }

    /// Opens the journal of a resumed run, with the cells earlier
    /// invocations journaled. A cut or damaged tail is cut off, so that what
    /// this invocation appends can be read back.
    pub(crate) fn resume(dir: &Path, run_id: &str) -> io::Result<(Journal, Replayed)> {
        std::fs::create_dir_all(dir)?;
        let path = path_of(dir, run_id);
        let mut file = OpenOptions::new().create(true).read(true).append(true).open(&path)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        let (cells, valid) = read_frames(&bytes);
        let torn = valid < bytes.len();
        if torn {
            file.set_len(valid as u64)?;
        }
        Ok((Journal { path, file: Mutex::new(file) }, Replayed { cells, torn }))
    }

    /// Appends one answered cell in a single `write`.
    pub(crate) fn append(&self, finished: &Finished) -> io::Result<()> {
        let frame = encode(finished)?;
        self.file.lock().unwrap_or_else(|e| e.into_inner()).write_all(&frame)
    }

    /// Removes the journal: every cell it held is committed.
    /// Removes the journal: every cell it held is committed. Its folder
    /// goes too when no other run's journal is in it, so the output folder
    /// holds the runs' reports alone.
    pub(crate) fn remove(self) -> io::Result<()> {
        drop(self.file);
        match std::fs::remove_file(&self.path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        if let Some(dir) = self.path.parent() {
            // Fails, harmlessly, while another run's journal is there.
            let _ = std::fs::remove_dir(dir);
        }
        Ok(())
    }
}

/// The cells of whole, sound frames from the start, and the length they cover.
fn read_frames(bytes: &[u8]) -> (Vec<Finished>, usize) {
    let mut cells = Vec::new();
    let mut rest = bytes;
    let mut valid = 0;
    while let Some(f) = frame(&mut rest).and_then(decode) {
        cells.push(f);
        valid = bytes.len() - rest.len();
    }
    (cells, valid)
}

/// The next frame's body, when it is whole and its checksum holds.
fn frame<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = u32::from_le_bytes(rest.get(0..4)?.try_into().ok()?) as usize;
    let crc = u32::from_le_bytes(rest.get(4..8)?.try_into().ok()?);
    let body = rest.get(8..8 + len)?;
    if crc32fast::hash(body) != crc {
        return None;
    }
    *rest = &rest[8 + len..];
    Some(body)
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

fn take_bytes<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = u32::from_le_bytes(rest.get(0..4)?.try_into().ok()?) as usize;
    let b = rest.get(4..4 + len)?;
    *rest = &rest[4 + len..];
    Some(b)
}

/// A frame: the cell as JSON, then each evidence body as stored (already
/// compressed where it pays), with its hash, size and encoding.
fn encode(f: &Finished) -> io::Result<Vec<u8>> {
    let cell = serde_json::to_vec(&f.cell).map_err(io::Error::other)?;
    let mut body = Vec::with_capacity(cell.len() + f.evidence.iter().map(|e| e.stored.len() + 96).sum::<usize>());
    put_bytes(&mut body, &cell);
    for e in &f.evidence {
        put_bytes(&mut body, e.sha256.as_bytes());
        body.extend_from_slice(&e.size.to_le_bytes());
        put_bytes(&mut body, e.encoding.as_bytes());
        put_bytes(&mut body, &e.stored);
    }
    let mut frame = Vec::with_capacity(body.len() + 8);
    frame.extend_from_slice(&(body.len() as u32).to_le_bytes());
    frame.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    frame.extend_from_slice(&body);
    Ok(frame)
}

fn decode(mut body: &[u8]) -> Option<Finished> {
    let rest = &mut body;
    let cell: CellRecord = serde_json::from_slice(take_bytes(rest)?).ok()?;
    let mut evidence = Vec::with_capacity(2);
    for _ in 0..2 {
        let sha256 = String::from_utf8(take_bytes(rest)?.to_vec()).ok()?;
        let size = u64::from_le_bytes(rest.get(0..8)?.try_into().ok()?);
        *rest = &rest[8..];
        // The encodings `tb_audit::encode_body` writes, as the static names the store takes.
        let encoding = match take_bytes(rest)? {
            b"identity" => "identity",
            b"deflate" => "deflate",
            _ => return None,
        };
        let stored = take_bytes(rest)?.to_vec();
        evidence.push(Evidence { sha256, size, encoding, stored });
    }
    let evidence: [Evidence; 2] = evidence.try_into().ok()?;
    rest.is_empty().then_some(Finished { cell, evidence })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finished(case: &str) -> Finished {
        let cell = CellRecord {
            run_id: "r".into(),
            vendor: "V".into(),
            suite: "s".into(),
            case_id: case.into(),
            repeat: 0,
            seq: 3,
            cause: None,
            detail: None,
            answer: Some("答案是 42".into()),
            finish_reason: Some("stop".into()),
            prompt_tokens: Some(10),
            completion_tokens: Some(2),
            ttft_ms: None,
            latency_ms: 12.5,
            attempts: 1,
            gold_json: "{}".into(),
            subject: None,
            language: Some("zh".into()),
            request_sha256: "a".repeat(64),
            response_sha256: "b".repeat(64),
            finished_at: "2026-12-06T00:00:00Z".into(),
            tool_calls: None,
            verdicts: None,
            timing: None,
        };
        let body = |b: &[u8]| crate::writer::evidence(b);
        Finished { cell, evidence: [body(b"{\"request\":1}"), body(&vec![b'x'; 5000])] }
    }

    #[test]
    fn cells_come_back_as_written_and_a_cut_tail_is_cut_off() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::create(dir.path(), "run-1").unwrap();
        for case in ["c1", "c2", "c3"] {
            j.append(&finished(case)).unwrap();
        }
        drop(j);
        let path = path_of(dir.path(), "run-1");
        let whole = std::fs::read(&path).unwrap();
        let (j, back) = Journal::resume(dir.path(), "run-1").unwrap();
        drop(j);
        assert!(!back.torn);
        assert_eq!(back.cells.len(), 3);
        assert_eq!(back.cells[1].cell, finished("c2").cell);
        assert_eq!(back.cells[2].evidence, finished("c3").evidence);

        // A kill in the middle of the third frame's write: two come back, the
        // cut frame is cut off, and what is appended next reads back.
        std::fs::write(&path, &whole[..whole.len() - 7]).unwrap();
        let (j, back) = Journal::resume(dir.path(), "run-1").unwrap();
        assert!(back.torn);
        assert_eq!(back.cells.len(), 2);
        j.append(&finished("c4")).unwrap();
        drop(j);
        let (j, back) = Journal::resume(dir.path(), "run-1").unwrap();
        assert!(!back.torn);
        let ids: Vec<_> = back.cells.iter().map(|f| f.cell.case_id.as_str()).collect();
        assert_eq!(ids, ["c1", "c2", "c4"]);
        // Every cell committed: nothing is left to replay.
        j.remove().unwrap();
        assert!(!path.exists());
        assert!(!dir.path().exists(), "the empty journal folder goes too");
        std::fs::create_dir_all(dir.path()).unwrap();

        // A flipped byte in the first frame: nothing after it is trusted.
        let mut flipped = whole.clone();
        flipped[20] ^= 1;
        std::fs::write(&path, &flipped).unwrap();
        let (_, back) = Journal::resume(dir.path(), "run-1").unwrap();
        assert!(back.torn && back.cells.is_empty());
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
    }
}
