"""Compiles a Rust task's `src/lib.rs` as the crate `task`, then each
`tests/*.rs` against it as a test harness, and runs them, so that the code
under test cannot fake a pass:
  - the source files are read for what runs outside the tests or ends the
    process (link sections such as `.init_array`, `#[used]` statics,
    exported or unmangled symbols, inline assembly, process exits and
    aborts, panic hooks): listed, and any one fails the run;
  - each test file's `#[test]` functions are listed from its source, and
    each must be reported `ok` by name, with the harness's own summary.
This process makes itself undumpable first, so the test programs cannot
reach its output. The verdict is the last line, `TB-RESULT {json}`.
"""
import glob, os, re, shutil, subprocess, sys

# The interpreter runs isolated (no script directory on the path): the shared
# helper ships beside this driver.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tb_harness  # noqa: E402

tb_harness.undumpable()

rustc = "@RUSTC@"
linker = "-Clinker=@LINKER@"
here = os.path.dirname(os.path.abspath(__file__))
work = os.path.join(os.getcwd(), "repo")
shutil.copytree(os.path.join(here, "repo"), work)
out = os.path.join(os.getcwd(), "out")
os.makedirs(out)

MACHINERY = [
    (r"link_section", "places code in a link section"),
    (r"\.init_array|\.fini_array|\.ctors|\.dtors", "names a constructor section"),
    (r"#\s*\[\s*used", "keeps a static with #[used]"),
    (r"no_mangle|export_name", "exports an unmangled symbol"),
    (r"\b(?:global_)?asm!", "uses inline assembly"),
    (r"process\s*::\s*(?:exit|abort)|\blibc\s*::|\b_exit\b", "ends the process"),
    (r"panic\s*::\s*(?:set_hook|take_hook|always_abort)", "replaces the panic hook"),
    (r"#\s*\[\s*ctor|#\s*\[\s*dtor", "registers a constructor"),
    (r"\bextern\s*\"C\"\s*\{", "declares foreign functions"),
]


findings = tb_harness.machinery(sorted(glob.glob(os.path.join(work, "src", "**", "*.rs"), recursive=True)), work, MACHINERY)

results, expected, problems = {}, [], []


def run(cmd):
    r = subprocess.run(cmd, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    text = r.stdout.decode("utf-8", "replace")
    print(text.replace("TB-RESULT", "TB-RESULT(child)"))
    return r.returncode, text


code, _ = run([rustc, linker, "--edition", "2021", "--crate-type", "lib", "--crate-name", "task", "src/lib.rs", "-o", os.path.join(out, "libtask.rlib")])
if code:
    problems.append("src/lib.rs does not compile")
for test in sorted(glob.glob(os.path.join(work, "tests", "*.rs"))):
    if problems:
        break
    name = os.path.splitext(os.path.basename(test))[0]
    with open(test, encoding="utf-8", errors="replace") as f:
        listed = re.findall(r"#\s*\[\s*test\s*\][\s\S]*?\bfn\s+([A-Za-z_][A-Za-z0-9_]*)", tb_harness.strip_comments(f.read()))
    expected += ["%s::%s" % (name, t) for t in listed]
    exe = os.path.join(out, name)
    code, _ = run([rustc, linker, "--edition", "2021", "--test", test, "--extern", "task=" + os.path.join(out, "libtask.rlib"), "-L", out, "-o", exe])
    if code:
        problems.append("%s does not compile" % name)
        break
    code, text = run([exe, "--test-threads=1"])
    printed = dict(re.findall(r"^test (\S+) \.\.\. (\w+)$", text, flags=re.M))
    for t in listed:
        # A test inside a module prints with its path (`tests::t`).
        said = [o for p, o in printed.items() if p == t or p.endswith("::" + t)]
        if said:
            results["%s::%s" % (name, t)] = all(o == "ok" for o in said)
    summary = re.findall(r"^test result: (\w+)\. (\d+) passed; (\d+) failed", text, flags=re.M)
    if code or not summary or summary[-1][0] != "ok" or int(summary[-1][1]) < len(listed):
        problems.append("%s: the test harness did not report every test passed" % name)

tb_harness.verdict(expected, results, problems, findings)
