//! Escape attempts: each must be contained, and the host left as it was.
//! They need bubblewrap; where it cannot start they say so and are skipped,
//! except in CI (`TENDERBENCH_REQUIRE_SANDBOX`), where that is a failure.

use super::*;

fn sandbox(limits: Limits) -> Option<Sandbox> {
    match Sandbox::new(Isolation::Bubblewrap, limits, 2) {
        Ok(s) => Some(s),
        Err(e) if std::env::var_os("TENDERBENCH_REQUIRE_SANDBOX").is_none() => {
            eprintln!("SKIPPED: bubblewrap sandbox unavailable here ({e}); CI requires it");
            None
        }
        Err(e) => panic!("TENDERBENCH_REQUIRE_SANDBOX is set but {e}"),
    }
}

fn tight() -> Limits {
    Limits { cpu_seconds: 2, wall_ms: 5_000, memory_bytes: 256 << 20, ..Limits::default() }
}

fn run(sb: &Sandbox, program: &str) -> Execution {
    sb.run_python(&[("main.py", program.as_bytes())], "main.py").expect("sandbox runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Processes still alive under the sandbox's slot uids once the kernel has
/// had up to five seconds to tear its PID namespaces down: none may outlive its run.
fn leftover_processes(sb: &Sandbox) -> Vec<String> {
    use std::os::unix::fs::MetadataExt;
    let uids = sb.slot_uids();
    assert!(!uids.is_empty(), "tests run as root, so slots have uids");
    let scan = || -> Vec<String> {
        std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit()))
            .filter(|e| e.metadata().map(|m| uids.contains(&m.uid())).unwrap_or(false))
            .map(|e| std::fs::read_to_string(e.path().join("cmdline")).unwrap_or_default())
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = scan();
        if left.is_empty() || Instant::now() > deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_plain_program_runs_and_its_output_is_kept() {
    let Some(sb) = sandbox(Limits::default()) else { return };
    let e = run(&sb, "import sys\nprint('out')\nprint('err', file=sys.stderr)\nsys.exit(3)");
    assert_eq!(e.termination, Termination::Exited(3));
    assert_eq!(text(&e.stdout), "out\n");
    assert_eq!(text(&e.stderr), "err\n");
}

#[test]
fn no_network_not_even_the_hosts_loopback() {
    let Some(sb) = sandbox(tight()) else { return };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let e = run(
        &sb,
        &format!(
            "import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n    print('CONNECTED')\n\
             except OSError as e:\n    print('refused', e)\n"
        ),
    );
    assert!(!text(&e.stdout).contains("CONNECTED"), "{e:?}");
    assert!(text(&e.stdout).contains("refused"), "{e:?}");
    assert!(listener.accept().is_err(), "the host's listener was reached");
}

#[test]
fn nothing_outside_the_sandbox_can_be_written() {
    let Some(sb) = sandbox(tight()) else { return };
    let host_dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(host_dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let target = host_dir.path().join("escaped.txt");
    let e = run(
        &sb,
        &format!(
            "import os\nfor p in [{:?}, '/usr/escaped.txt', '/sandbox/escaped.txt', '/escaped.txt']:\n    try:\n        \
             open(p, 'w').write('x')\n        print('WROTE', p)\n    except OSError as e:\n        print('denied', p, e.errno)\n",
            target.to_string_lossy()
        ),
    );
    let out = text(&e.stdout);
    assert!(!target.exists(), "wrote into the host's file system: {out}");
    assert!(!Path::new("/usr/escaped.txt").exists());
    assert_eq!(out.matches("denied").count(), 4, "{out}");
}

#[test]
fn host_secrets_and_environment_are_invisible() {
    let Some(sb) = sandbox(tight()) else { return };
    let e = run(
        &sb,
        "import os, glob\nprint('ENV', dict(os.environ))\n\
         for p in ['/etc/shadow', '/etc/passwd', '/root/.bashrc']:\n    try:\n        open(p).read(); print('READ', p)\n    \
         except OSError as e:\n        print('denied', p)\n\
         for p in glob.glob('/proc/*/environ'):\n    try:\n        print('PROC', open(p, 'rb').read())\n    except OSError:\n        pass\n",
    );
    let out = text(&e.stdout);
    assert!(!out.contains("READ"), "{out}");
    // The test process's own environment (cargo sets these) must not show.
    let planted = env!("CARGO_MANIFEST_DIR");
    assert!(!out.contains(planted), "the host's environment leaked: {out}");
    assert!(out.contains("'PATH': '/usr/bin:/bin'"), "{out}");
}

#[test]
fn fork_bomb_is_contained_and_leaves_nothing_behind() {
    let Some(sb) = sandbox(tight()) else { return };
    let e = run(
        &sb,
        "import os\nn = 0\nwhile True:\n    try:\n        os.fork(); n += 1\n    except OSError:\n        pass\n",
    );
    assert!(matches!(e.termination, Termination::WallTimeout | Termination::Signalled(_)), "{e:?}");
    assert_eq!(leftover_processes(&sb), Vec::<String>::new());
}

#[test]
fn a_background_process_dies_with_the_run() {
    let Some(sb) = sandbox(tight()) else { return };
    let e = run(&sb, "import subprocess\nsubprocess.Popen(['sleep', '300'])\nprint('started')\n");
    assert_eq!(e.termination, Termination::Exited(0));
    assert_eq!(leftover_processes(&sb), Vec::<String>::new());
}

#[test]
fn memory_bomb_fails_inside_the_sandbox() {
    let Some(sb) = sandbox(tight()) else { return };
    let e = run(&sb, "x = []\nwhile True:\n    x.append(bytearray(16 << 20))\n");
    assert_ne!(e.termination, Termination::Exited(0));
    assert!(text(&e.stderr).contains("MemoryError"), "{e:?}");
}

/// Three children of 700 MiB each under one 1 GiB cap: where the host has a
/// writable memory cgroup the run as a whole is capped, so they cannot all
/// hold their memory; and shared memory is a capped tmpfs, not the host's RAM.
#[test]
fn one_memory_cap_for_the_whole_run_and_shared_memory_is_capped() {
    let limits = Limits { memory_bytes: 1 << 30, wall_ms: 20_000, cpu_seconds: 10, ..Limits::default() };
    let Some(sb) = sandbox(limits) else { return };
    let children = r#"
import os, sys, time
pids = []
for i in range(3):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            block = bytearray(700 << 20)
            for j in range(0, len(block), 4096):
                block[j] = 1
            os.write(w, b"y")
            time.sleep(3)
        except MemoryError:
            os.write(w, b"n")
        os._exit(0)
    os.close(w)
    pids.append((pid, r))
held = sum(1 for _, r in pids if os.read(r, 1) == b"y")
for pid, _ in pids:
    os.waitpid(pid, 0)
print("held", held)
"#;
    let e = run(&sb, children);
    let out = text(&e.stdout);
    eprintln!("memory cap: {}; three children: {:?} {out}", sb.memory_cap().describe(), e.termination);
    if *sb.memory_cap() != cgroup::MemoryCap::PerProcess {
        assert!(!out.contains("held 3"), "three 700 MiB children held 2.1 GiB under a 1 GiB cap: {out}");
    }
    // 2 GiB to /dev/shm: the tmpfs is full long before.
    let shm = "import os
n = 0
try:
    with open('/dev/shm/x', 'wb') as f:
        for _ in range(2048):
            f.write(b'\\0' * (1 << 20)); n += 1
except OSError as e:
    print('refused after', n, 'MiB')
else:
    print('wrote', n, 'MiB')
";
    let e = run(&sb, shm);
    let out = text(&e.stdout);
    assert!(out.contains("refused after") && !out.contains("wrote 2048"), "{out} {}", text(&e.stderr));
    let mib: u64 = out.split_whitespace().nth(2).and_then(|n| n.parse().ok()).unwrap_or(u64::MAX);
    assert!(mib <= Limits::default().tmpfs_bytes >> 20, "{out}");
}

#[test]
fn infinite_loop_hits_the_cpu_limit() {
    let Some(sb) = sandbox(Limits { cpu_seconds: 1, ..tight() }) else { return };
    let e = run(&sb, "while True:\n    pass\n");
    assert!(e.hit_cpu_limit() || e.termination == Termination::Signalled(SIGKILL), "{e:?}");
    assert!(e.wall_ms < 4_000.0, "{e:?}");
}

#[test]
fn sleeping_forever_hits_the_wall_clock() {
    let Some(sb) = sandbox(Limits { wall_ms: 500, ..tight() }) else { return };
    let e = run(&sb, "import time\ntime.sleep(60)\n");
    assert_eq!(e.termination, Termination::WallTimeout);
    assert!(e.wall_ms < 2_000.0, "{e:?}");
}

#[test]
fn a_gigabyte_of_output_is_cut_off() {
    let Some(sb) = sandbox(tight()) else { return };
    let e = run(&sb, "import sys\nchunk = 'x' * (1 << 20)\nfor _ in range(1024):\n    sys.stdout.write(chunk)\n");
    assert_eq!(e.termination, Termination::OutputLimit);
    assert_eq!(e.stdout.len(), sb.limits().output_bytes);
    assert!(e.wall_ms < 4_000.0, "{e:?}");
}

#[test]
fn big_files_are_refused() {
    let Some(sb) = sandbox(Limits { file_bytes: 1 << 20, ..tight() }) else { return };
    let e = run(
        &sb,
        "import signal\nsignal.signal(signal.SIGXFSZ, signal.SIG_IGN)\nopen('/tmp/big', 'wb').write(b'x' * (4 << 20))\n",
    );
    assert_ne!(e.termination, Termination::Exited(0));
    assert!(text(&e.stderr).contains("File too large"), "{e:?}");
}
