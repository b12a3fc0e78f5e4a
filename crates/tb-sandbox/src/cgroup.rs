//! One memory cap for a whole sandbox run: its processes, and what they
//! write to its tmpfs mounts (`/tmp`, `/dev/shm`), which the kernel charges
//! to the same memory cgroup. Without it the cap is per process
//! (RLIMIT_AS), and three children could each take the whole cap.
//!
//! A run gets a cgroup of its own under the first writable memory hierarchy:
//! cgroup v2 (`memory.max`, swap off with `memory.swap.max`) or v1
//! (`memory.limit_in_bytes`, and `memory.memsw.limit_in_bytes` where swap
//! accounting is on). The program enters it before it starts (a shell writes
//! its own pid to `cgroup.procs`, then execs the sandbox). Where neither is
//! writable (an unprivileged user without delegation), the cap stays per
//! process, the tmpfs mounts keep their own size caps, and
//! [`MemoryCap::PerProcess`] says so.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemoryCap {
    /// One cap for the run's processes and tmpfs, under this cgroup root.
    CgroupV2(PathBuf),
    CgroupV1(PathBuf),
    /// No writable memory cgroup here: each process is capped on its own.
    PerProcess,
}

impl MemoryCap {
    /// Finds a writable memory cgroup hierarchy, making this process's own folder in it.
    pub fn detect() -> MemoryCap {
        let base = format!("tenderbench-{}", std::process::id());
        let v2 = Path::new("/sys/fs/cgroup");
        if std::fs::read_to_string(v2.join("cgroup.controllers"))
            .is_ok_and(|c| c.split_whitespace().any(|x| x == "memory"))
        {
            let root = v2.join(&base);
            // Children of the root need the memory controller enabled for them.
            let _ = std::fs::write(v2.join("cgroup.subtree_control"), "+memory");
            if std::fs::create_dir_all(&root).is_ok() {
                let _ = std::fs::write(root.join("cgroup.subtree_control"), "+memory");
                if probe(&root, "memory.max") {
                    return MemoryCap::CgroupV2(root);
                }
                let _ = std::fs::remove_dir(&root);
            }
        }
        let v1 = Path::new("/sys/fs/cgroup/memory");
        let root = v1.join(&base);
        if v1.join("memory.limit_in_bytes").exists() && std::fs::create_dir_all(&root).is_ok() {
            if probe(&root, "memory.limit_in_bytes") {
                return MemoryCap::CgroupV1(root);
            }
            let _ = std::fs::remove_dir(&root);
        }
        MemoryCap::PerProcess
    }

    /// Removes this process's folder of run cgroups (empty once every run has ended).
    pub fn release(&self) {
        if let MemoryCap::CgroupV2(root) | MemoryCap::CgroupV1(root) = self {
            let _ = std::fs::remove_dir(root);
        }
    }

    /// How the report and the docs name it.
    pub fn describe(&self) -> &'static str {
        match self {
            MemoryCap::CgroupV2(_) => "cgroup v2: one cap for the run's processes and tmpfs",
            MemoryCap::CgroupV1(_) => "cgroup v1: one cap for the run's processes and tmpfs",
            MemoryCap::PerProcess => "per process (no writable memory cgroup on this host)",
        }
    }

    /// A cgroup for one run, capped at `bytes`; `None` where the cap is per process.
    pub fn group(&self, bytes: u64) -> Option<RunGroup> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let (root, v2) = match self {
            MemoryCap::CgroupV2(r) => (r, true),
            MemoryCap::CgroupV1(r) => (r, false),
            MemoryCap::PerProcess => return None,
        };
        let path = root.join(format!("run-{}", NEXT.fetch_add(1, Ordering::Relaxed)));
        // Another sandbox of this process may have removed the folder when it was dropped.
        if !root.is_dir() {
            std::fs::create_dir_all(root).ok()?;
            if v2 {
                let _ = std::fs::write(root.join("cgroup.subtree_control"), "+memory");
            }
        }
        std::fs::create_dir(&path).ok()?;
        let set = |file: &str, value: &str| std::fs::write(path.join(file), value).is_ok();
        let capped = if v2 {
            let ok = set("memory.max", &bytes.to_string());
            let _ = set("memory.swap.max", "0");
            ok
        } else {
            let ok = set("memory.limit_in_bytes", &bytes.to_string());
            // With swap accounting the cap covers swap too; the file exists only then.
            let _ = set("memory.memsw.limit_in_bytes", &bytes.to_string());
            ok
        };
        if !capped {
            let _ = std::fs::remove_dir(&path);
            return None;
        }
        Some(RunGroup { path })
    }
}

/// Whether a freshly made cgroup takes a limit (a read-only or undelegated one does not).
fn probe(root: &Path, limit_file: &str) -> bool {
    let test = root.join("probe");
    let ok =
        std::fs::create_dir(&test).is_ok() && std::fs::write(test.join(limit_file), (64u64 << 20).to_string()).is_ok();
    let _ = std::fs::remove_dir(&test);
    ok
}

/// One run's cgroup: entered by the program's first process, emptied and
/// removed when the run ends.
pub struct RunGroup {
    path: PathBuf,
}

impl RunGroup {
    /// The file the program's first process writes its pid to.
    pub fn procs(&self) -> PathBuf {
        self.path.join("cgroup.procs")
    }

    /// Kills whatever is still in the group (nothing, normally: the sandbox
    /// is dead by now), then removes it.
    pub fn remove(self) {
        for _ in 0..50 {
            let pids = std::fs::read_to_string(self.procs()).unwrap_or_default();
            let pids: Vec<i32> = pids.lines().filter_map(|l| l.trim().parse().ok()).collect();
            if pids.is_empty() {
                break;
            }
            for pid in pids {
                let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let _ = std::fs::remove_dir(&self.path);
    }
}
