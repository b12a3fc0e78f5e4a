//! Runs untrusted programs — code written by a vendor's model — and reports how
//! they ended. This is the only crate in tenderbench that spawns processes.
//!
//! [`Isolation::Bubblewrap`] (the default) runs the program under `bwrap` in
//! fresh user, PID, network, IPC and UTS namespaces: no network at all (not
//! even the host's loopback), a read-only `/usr` and nothing else of the host's
//! file system (no `/etc`, no `/home`, no `/root`), a private size-capped
//! tmpfs, a cleared environment, and its own `/proc`, so neither the host's
//! processes nor their environments can be seen. Resource limits are rlimits
//! set by `prlimit` before `bwrap` starts: CPU seconds, address space, process
//! count, file size, open files; a wall clock is kept here. When running as
//! root, each concurrent slot drops to its own unprivileged uid (`setpriv`),
//! so the process limit counts only that slot's processes.
//!
//! When the PID namespace's first process dies, the kernel kills every process
//! in it, so nothing a program forks outlives its run. Standard output and
//! error are read here up to a cap; past it the pipe is closed and the program
//! killed.
//!
//! [`Isolation::RlimitOnly`] is the weaker mode for machines where bwrap
//! cannot start: the same rlimits and wall clock, a cleared environment and a
//! private working directory, but the program shares the host's network and
//! file system. It is never chosen silently: the caller asks for it by name,
//! and the report says so.

// The one crate that spawns processes (clippy.toml forbids it elsewhere).
#![allow(clippy::disallowed_methods)]

pub mod cgroup;
pub mod host;
mod rust_crates;

pub use rust_crates::{RustCrates, rust_crates};

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use wait_timeout::ChildExt;

/// How strongly a program is confined: a domain type (the spec and the
/// server's configuration name it too).
pub use tb_core::Isolation;

/// Resource limits of one program run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// CPU time; past it the kernel sends SIGXCPU, then SIGKILL.
    pub cpu_seconds: u64,
    /// Wall-clock time, milliseconds; past it the whole sandbox is killed.
    pub wall_ms: u64,
    /// Address space (RLIMIT_AS), bytes.
    pub memory_bytes: u64,
    /// Processes and threads the program may have at once.
    pub processes: u64,
    /// Largest file the program may write (RLIMIT_FSIZE), bytes.
    pub file_bytes: u64,
    /// Size of the private tmpfs at /tmp, bytes.
    pub tmpfs_bytes: u64,
    /// Standard output, and separately standard error, kept; more kills the program.
    pub output_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            cpu_seconds: 10,
            wall_ms: 15_000,
            memory_bytes: 1 << 30,
            processes: 32,
            file_bytes: 16 << 20,
            tmpfs_bytes: 64 << 20,
            output_bytes: 64 << 10,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// bwrap (or prlimit, setpriv, the interpreter) cannot run here.
    #[error("the sandbox cannot start: {0}")]
    Unavailable(String),
    #[error("sandbox i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// How a program run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "code")]
pub enum Termination {
    /// The program exited with this status.
    Exited(i32),
    /// A signal killed it (SIGXCPU or SIGKILL at the CPU limit, SIGSEGV, …).
    Signalled(i32),
    /// The wall clock ran out; the sandbox was killed.
    WallTimeout,
    /// It wrote more than the output cap; the sandbox was killed.
    OutputLimit,
}

pub const SIGXCPU: i32 = 24;
pub const SIGKILL: i32 = 9;

/// What a program run produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Execution {
    pub termination: Termination,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub wall_ms: f64,
}

impl Execution {
    /// True when the CPU limit, not the program, ended the run.
    pub fn hit_cpu_limit(&self) -> bool {
        matches!(self.termination, Termination::Signalled(SIGXCPU))
    }
}

/// A configured sandbox. Cheap to share; `slots` runs may proceed at once.
pub struct Sandbox {
    isolation: Isolation,
    limits: Limits,
    interpreter: PathBuf,
    /// The read-only directory the interpreter lives under, when not /usr.
    interpreter_prefix: Option<PathBuf>,
    bwrap: PathBuf,
    /// Free uids, one per slot, when running as root; otherwise the slot count.
    slots: Mutex<Vec<Option<u32>>>,
    freed: Condvar,
    /// One memory cap for a run's processes and tmpfs where the host allows it.
    memory_cap: cgroup::MemoryCap,
}

/// Base of the unprivileged uids that root-run sandboxes drop to. The process
/// limit counts per uid, so no two slots may share one: each process takes
/// its own block (by PID) and each slot the next uid in it.
const SLOT_UID_BASE: u32 = 200_000;
const SLOT_UIDS_PER_PROCESS: u32 = 256;

fn next_slot_uid() -> u32 {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let block = std::process::id() % 100_000;
    SLOT_UID_BASE + block * SLOT_UIDS_PER_PROCESS + NEXT.fetch_add(1, Ordering::Relaxed) % SLOT_UIDS_PER_PROCESS
}

impl Sandbox {
    /// A sandbox with `slots` concurrent runs, checked by running a trivial
    /// program in it: an error says why this machine cannot isolate code.
    pub fn new(isolation: Isolation, limits: Limits, slots: usize) -> Result<Self, SandboxError> {
        let interpreter = find_python()
            .ok_or_else(|| SandboxError::Unavailable("no python3 interpreter found in /usr/bin or PATH".into()))?;
        let interpreter_prefix = if interpreter.starts_with("/usr/") {
            None
        } else {
            // <prefix>/bin/python3 needs <prefix>/lib beside it.
            interpreter.parent().and_then(Path::parent).map(Path::to_path_buf)
        };
        let root = nix_uid_is_root();
        let slots = (0..slots.max(1)).map(|_| root.then(next_slot_uid)).collect();
        // TENDERBENCH_BWRAP names another bubblewrap binary (tests use it to
        // show what happens on a machine without one).
        let bwrap = match std::env::var_os("TENDERBENCH_BWRAP") {
            Some(p) => PathBuf::from(p),
            None => which("bwrap").unwrap_or_else(|| PathBuf::from("/usr/bin/bwrap")),
        };
        let sandbox = Sandbox {
            isolation,
            limits,
            interpreter,
            interpreter_prefix,
            bwrap,
            slots: Mutex::new(slots),
            freed: Condvar::new(),
            memory_cap: cgroup::MemoryCap::detect(),
        };
        for tool in ["prlimit", "setpriv"] {
            if which(tool).is_none() {
                return Err(SandboxError::Unavailable(format!("`{tool}` is not installed")));
            }
        }
        if isolation == Isolation::Bubblewrap && !sandbox.bwrap.is_file() {
            return Err(SandboxError::Unavailable(format!(
                "bubblewrap (`{}`) is not installed",
                sandbox.bwrap.display()
            )));
        }
        let probe = sandbox.run_python(&[("main.py", b"print('ok')")], "main.py")?;
        if probe.termination != Termination::Exited(0) || probe.stdout != b"ok\n" {
            return Err(SandboxError::Unavailable(format!(
                "a trivial program failed ({:?}): {}",
                probe.termination,
                String::from_utf8_lossy(&probe.stderr).trim()
            )));
        }
        Ok(sandbox)
    }

    pub fn isolation(&self) -> Isolation {
        self.isolation
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// How memory is capped on this host: one cap for a whole run (a cgroup), or per process.
    /// (Its folder of run cgroups is removed when the sandbox is dropped.)
    pub fn memory_cap(&self) -> &cgroup::MemoryCap {
        &self.memory_cap
    }

    #[cfg(test)]
    fn slot_uids(&self) -> Vec<u32> {
        self.slots.lock().unwrap().iter().flatten().copied().collect()
    }

    /// Writes `files` into a fresh read-only directory (`/sandbox` inside the
    /// sandbox) and runs `python3 -I <main>` there; the working directory is
    /// the private writable tmpfs. Blocks until the program ends or is killed.
    pub fn run_python(&self, files: &[(&str, &[u8])], main: &str) -> Result<Execution, SandboxError> {
        self.run_python_with(files, main, &[])
    }

    /// As [`Sandbox::run_python`], with arguments for the program.
    pub fn run_python_args(
        &self,
        files: &[(&str, &[u8])],
        main: &str,
        args: &[&str],
    ) -> Result<Execution, SandboxError> {
        self.run_files(files, main, &[], args)
    }

    /// As [`Sandbox::run_python`], where `files` may lie in subdirectories
    /// (`tests/test_fees.py`) and the host directories `read_only` (a
    /// toolchain, say) are visible inside at their own paths, read-only.
    /// A file name that is absolute or climbs out with `..` is an error.
    pub fn run_python_with(
        &self,
        files: &[(&str, &[u8])],
        main: &str,
        read_only: &[PathBuf],
    ) -> Result<Execution, SandboxError> {
        self.run_files(files, main, read_only, &[])
    }

    fn run_files(
        &self,
        files: &[(&str, &[u8])],
        main: &str,
        read_only: &[PathBuf],
        args: &[&str],
    ) -> Result<Execution, SandboxError> {
        let code_dir = tempfile::Builder::new().prefix("tb-sandbox-").tempdir()?;
        for (name, content) in files {
            let relative = Path::new(name);
            if relative.is_absolute() || relative.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
                return Err(SandboxError::Io(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("file name {name:?} must be a relative path without `..`"),
                )));
            }
            let path = code_dir.path().join(relative);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
                let mut dir = parent;
                while dir != code_dir.path() {
                    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))?;
                    dir = dir.parent().unwrap_or(code_dir.path());
                }
            }
            std::fs::write(&path, content)?;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))?;
        }
        std::fs::set_permissions(code_dir.path(), std::fs::Permissions::from_mode(0o755))?;
        let slot = self.acquire();
        let result = self.run_in_slot(slot, code_dir.path(), main, read_only, args);
        self.release(slot);
        result
    }

    /// The Rust toolchain's sysroot (`rustc --print sysroot`), to make it
    /// visible inside the sandbox for programs that compile Rust; `None`
    /// when no `rustc` runs here.
    ///
    /// A sandbox run as root drops to an unprivileged uid, which cannot pass
    /// a private home (rustup's `/root/.rustup`). Such a toolchain is
    /// mirrored once, by hard links where the file system allows (copies
    /// otherwise), into a world-readable directory under `/var/tmp` (not
    /// `/tmp`, which the sandbox replaces with its own): only what compiling needs (`bin/rustc`, the
    /// compiler's libraries, the host target's standard library and linker).
    pub fn rust_sysroot() -> Option<PathBuf> {
        let rustc = |arg: &str| -> Option<String> {
            let out = Command::new("rustc").arg(arg).args(["sysroot"]).stdin(Stdio::null()).output().ok()?;
            out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        };
        let sysroot = PathBuf::from(rustc("--print")?);
        if !sysroot.join("bin/rustc").is_file() {
            return None;
        }
        if world_traversable(&sysroot) {
            return Some(sysroot);
        }
        let version = Command::new(sysroot.join("bin/rustc")).arg("-vV").stdin(Stdio::null()).output().ok()?;
        let version = String::from_utf8_lossy(&version.stdout).into_owned();
        let host = version.lines().find_map(|l| l.strip_prefix("host: "))?.trim().to_string();
        let tag = version.lines().find_map(|l| l.strip_prefix("commit-hash: ")).unwrap_or("unknown").trim();
        let mirror = Path::new(MIRROR_BASE).join(format!("tenderbench-rust-{}-{host}", &tag[..tag.len().min(12)]));
        if mirror.join(".complete").is_file() {
            return Some(mirror);
        }
        let staging = mirror.with_extension(format!("tmp{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        let built = (|| -> std::io::Result<()> {
            mirror_tree(&sysroot.join("bin/rustc"), &staging.join("bin/rustc"))?;
            for entry in std::fs::read_dir(sysroot.join("lib"))? {
                let entry = entry?;
                if !entry.file_type()?.is_dir() {
                    mirror_tree(&entry.path(), &staging.join("lib").join(entry.file_name()))?;
                }
            }
            let target = Path::new("lib/rustlib").join(&host);
            mirror_tree(&sysroot.join(&target), &staging.join(&target))?;
            std::fs::write(staging.join(".complete"), b"")?;
            set_mode(&staging, 0o755)
        })();
        if built.is_err() {
            let _ = std::fs::remove_dir_all(&staging);
            return None;
        }
        // Another process may have finished the same mirror first; either is whole.
        if std::fs::rename(&staging, &mirror).is_err() {
            let _ = std::fs::remove_dir_all(&staging);
        }
        mirror.join(".complete").is_file().then_some(mirror)
    }

    fn acquire(&self) -> Option<u32> {
        let mut free = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(slot) = free.pop() {
                return slot;
            }
            free = self.freed.wait(free).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn release(&self, slot: Option<u32>) {
        self.slots.lock().unwrap_or_else(|e| e.into_inner()).push(slot);
        self.freed.notify_one();
    }

    fn command(
        &self,
        uid: Option<u32>,
        code_dir: &Path,
        work_dir: &Path,
        main: &str,
        read_only: &[PathBuf],
        args: &[&str],
    ) -> Command {
        let l = &self.limits;
        let mut cmd = Command::new("prlimit");
        cmd.env_clear().env("PATH", "/usr/bin:/bin:/usr/sbin:/sbin");
        cmd.arg(format!("--cpu={}", l.cpu_seconds))
            .arg(format!("--as={}", l.memory_bytes))
            .arg(format!("--fsize={}", l.file_bytes))
            .arg("--core=0")
            .arg("--nofile=256");
        // The process limit counts per uid and user namespace. Under bubblewrap
        // it is set inside the sandbox's fresh user namespace, where the count
        // starts at zero: set outside, it would also count the namespaces of
        // earlier runs, which the kernel frees only some time after they end
        // (measured: the eighth quick run in a row failed at a limit of 8).
        // Without a namespace it counts every process of the real uid, so a
        // sandbox sharing the user's uid gets that user's current count on top.
        match (self.isolation, uid) {
            (Isolation::Bubblewrap, _) => {}
            (Isolation::RlimitOnly, Some(_)) => {
                cmd.arg(format!("--nproc={}", l.processes));
            }
            (Isolation::RlimitOnly, None) => {
                cmd.arg(format!("--nproc={}", l.processes + processes_of_current_user()));
            }
        }
        cmd.arg("--");
        if let Some(uid) = uid {
            cmd.args(["setpriv", &format!("--reuid={uid}"), &format!("--regid={uid}"), "--clear-groups", "--"]);
        }
        let python = self.interpreter.to_string_lossy().into_owned();
        match self.isolation {
            Isolation::Bubblewrap => {
                cmd.arg(&self.bwrap)
                    .args(["--unshare-all", "--unshare-user", "--die-with-parent", "--new-session", "--disable-userns"])
                    .args(["--hostname", "sandbox"])
                    .args(["--ro-bind", "/usr", "/usr"])
                    .args(["--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64"])
                    .args(["--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin"]);
                for dir in self.interpreter_prefix.iter().chain(read_only) {
                    cmd.arg("--ro-bind").arg(dir).arg(dir);
                }
                cmd.args(["--proc", "/proc", "--dev", "/dev"])
                    .args(["--size", &l.tmpfs_bytes.to_string(), "--tmpfs", "/tmp"])
                    // Shared memory is a tmpfs of its own, capped like /tmp (bwrap's /dev has no cap).
                    .args(["--size", &l.tmpfs_bytes.to_string(), "--tmpfs", "/dev/shm"])
                    .arg("--ro-bind")
                    .arg(code_dir)
                    .arg("/sandbox")
                    .args(["--remount-ro", "/"])
                    .args(["--chdir", "/tmp", "--clearenv"])
                    .args(["--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp"])
                    .args(["--setenv", "LANG", "C.UTF-8", "--setenv", "PYTHONDONTWRITEBYTECODE", "1"])
                    .args(["--setenv", "PYTHONHASHSEED", "0"])
                    .args(["/usr/bin/prlimit", &format!("--nproc={}", l.processes), "--"])
                    .args([python.as_str(), "-I", &format!("/sandbox/{main}")])
                    .args(args);
            }
            Isolation::RlimitOnly => {
                cmd.args([python.as_str(), "-I"])
                    .arg(code_dir.join(main))
                    .args(args)
                    .current_dir(work_dir)
                    .env("HOME", work_dir)
                    .env("LANG", "C.UTF-8")
                    .env("PYTHONDONTWRITEBYTECODE", "1")
                    .env("PYTHONHASHSEED", "0");
            }
        }
        // Also a fresh process group, so a kill reaches whatever the program
        // forked in the rlimit-only mode (bubblewrap's PID namespace already does).
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).process_group(0);
        cmd
    }

    fn run_in_slot(
        &self,
        uid: Option<u32>,
        code_dir: &Path,
        main: &str,
        read_only: &[PathBuf],
        args: &[&str],
    ) -> Result<Execution, SandboxError> {
        let work_dir = tempfile::Builder::new().prefix("tb-sandbox-work-").tempdir()?;
        if uid.is_some() {
            // The rlimit-only mode writes here as the slot's uid.
            std::fs::set_permissions(work_dir.path(), std::fs::Permissions::from_mode(0o777))?;
        }
        let started = Instant::now();
        let mut cmd = self.command(uid, code_dir, work_dir.path(), main, read_only, args);
        let group = self.memory_cap.group(self.limits.memory_bytes);
        if let Some(group) = &group {
            cmd = entering(cmd, &group.procs());
        }
        let spawned = cmd.spawn().map_err(|e| SandboxError::Unavailable(format!("cannot start prlimit: {e}")));
        let result = spawned.and_then(|child| self.supervise(child, started));
        if let Some(group) = group {
            group.remove();
        }
        result
    }

    /// Waits for a started run within its wall clock and output caps.
    fn supervise(&self, mut child: Child, started: Instant) -> Result<Execution, SandboxError> {
        let overflow = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::channel();
        for (which, pipe) in [
            (0, child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>)),
            (1, child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>)),
        ] {
            let (tx, overflow, cap) = (tx.clone(), overflow.clone(), self.limits.output_bytes);
            if let Some(pipe) = pipe {
                std::thread::spawn(move || {
                    let _ = tx.send((which, read_capped(pipe, cap, &overflow)));
                });
            }
        }
        drop(tx);
        let wall = Duration::from_millis(self.limits.wall_ms);
        let termination = loop {
            let left = wall.saturating_sub(started.elapsed());
            if left.is_zero() {
                kill(&mut child);
                break Termination::WallTimeout;
            }
            if overflow.load(Ordering::Relaxed) {
                kill(&mut child);
                break Termination::OutputLimit;
            }
            match child.wait_timeout(left.min(Duration::from_millis(20)))? {
                Some(status) => match (status.code(), status.signal()) {
                    // bwrap's init reports a program killed by signal N as status 128 + N.
                    (Some(code), _) if code > 128 && self.isolation == Isolation::Bubblewrap => {
                        break Termination::Signalled(code - 128);
                    }
                    (Some(code), _) => break Termination::Exited(code),
                    (None, Some(sig)) => break Termination::Signalled(sig),
                    (None, None) => break Termination::Signalled(0),
                },
                None => continue,
            }
        };
        let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
        // Everything in the sandbox is dead by now, so the pipes close; the
        // timeout guards the rlimit-only mode, where a program may have left
        // its process group while holding them.
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let deadline = Instant::now() + Duration::from_secs(2);
        for _ in 0..2 {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok((0, out)) => stdout = out,
                Ok((_, out)) => stderr = out,
                Err(_) => break,
            }
        }
        let _ = child.wait();
        let termination = match termination {
            Termination::Exited(_) | Termination::Signalled(_) if overflow.load(Ordering::Relaxed) => {
                Termination::OutputLimit
            }
            t => t,
        };
        Ok(Execution { termination, stdout, stderr, wall_ms })
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.memory_cap.release();
    }
}

/// Where toolchains are mirrored for the sandbox's unprivileged uids.
const MIRROR_BASE: &str = "/var/tmp";

/// Whether every directory from `/` to `path` lets others pass (o+x).
fn world_traversable(path: &Path) -> bool {
    path.ancestors().all(|dir| std::fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o001 != 0))
}

fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

/// Recreates `from` at `to`: directories readable by all, symbolic links as
/// links, files hard-linked (or copied, then made readable by all).
fn mirror_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
        let mut dir = Some(parent);
        while let Some(d) = dir {
            if set_mode(d, 0o755).is_err() || d.join(".complete").exists() {
                break;
            }
            dir = d.parent().filter(|p| p.starts_with(MIRROR_BASE) && *p != Path::new(MIRROR_BASE));
        }
    }
    let meta = std::fs::symlink_metadata(from)?;
    if meta.file_type().is_symlink() {
        std::os::unix::fs::symlink(std::fs::read_link(from)?, to)
    } else if meta.is_dir() {
        std::fs::create_dir_all(to)?;
        set_mode(to, 0o755)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            mirror_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else if meta.permissions().mode() & 0o004 != 0 && std::fs::hard_link(from, to).is_ok() {
        Ok(())
    } else {
        std::fs::copy(from, to)?;
        set_mode(to, if meta.permissions().mode() & 0o111 != 0 { 0o755 } else { 0o644 })
    }
}

/// Reads up to `cap` bytes; on more, flags the overflow and closes the pipe
/// (the writer then gets EPIPE) instead of reading a flood to its end.
fn read_capped(mut pipe: Box<dyn Read + Send>, cap: usize, overflow: &AtomicBool) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) | Err(_) => return kept,
            Ok(n) => {
                if kept.len() + n > cap {
                    kept.extend_from_slice(&buf[..cap - kept.len()]);
                    overflow.store(true, Ordering::Relaxed);
                    return kept;
                }
                kept.extend_from_slice(&buf[..n]);
            }
        }
    }
}

/// The same command, run by a shell that first moves itself into a cgroup
/// (writing its pid to `procs`), then becomes the command: everything the
/// program starts is in the cgroup from its first instruction.
fn entering(cmd: Command, procs: &Path) -> Command {
    let mut wrapped = Command::new("/bin/sh");
    wrapped.env_clear();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            wrapped.env(k, v);
        }
    }
    // The shell exports its working directory as PWD: it must name nothing of the host.
    wrapped.current_dir(cmd.get_current_dir().unwrap_or(Path::new("/")));
    wrapped
        .arg("-c")
        .arg("echo $$ > \"$0\" && unset PWD OLDPWD && exec \"$@\"")
        .arg(procs)
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    wrapped
}

fn kill(child: &mut Child) {
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let _ = nix::sys::signal::killpg(pid, nix::sys::signal::Signal::SIGKILL);
    let _ = child.kill();
}

fn nix_uid_is_root() -> bool {
    // The owner of our own /proc entry is our effective uid, read without libc.
    std::fs::metadata("/proc/self").map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0).unwrap_or(false)
}

fn processes_of_current_user() -> u64 {
    use std::os::unix::fs::MetadataExt;
    let Ok(me) = std::fs::metadata("/proc/self").map(|m| m.uid()) else { return 0 };
    std::fs::read_dir("/proc")
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit()))
                .filter_map(|e| std::fs::read_dir(e.path().join("task")).ok().map(|t| (e, t.count() as u64)))
                .filter(|(e, _)| e.metadata().map(|m| m.uid() == me).unwrap_or(false))
                .map(|(_, threads)| threads)
                .sum()
        })
        .unwrap_or(0)
}

fn which(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join(tool))
        .find(|p| p.is_file())
}

/// The system's python3 (under /usr, the part of the host the sandbox shows),
/// else the first on PATH.
fn find_python() -> Option<PathBuf> {
    let system = PathBuf::from("/usr/bin/python3");
    if system.is_file() {
        return Some(system);
    }
    which("python3").and_then(|p| p.canonicalize().ok())
}

#[cfg(test)]
mod tests;
