"""Runs an answer in C++, Go, Java, JavaScript or Rust against its task's
tests, inside the sandbox, and prints the verdict as its last line,
`TB-VERDICT {json}`.

The answer and the tests are one program in these languages (they cannot be
split as Python's are), so what would let the answer's code fake a pass is
closed instead:
  - this process makes itself undumpable first, so the programs it starts
    cannot reach its output or memory through /proc;
  - the answer's source is read for what ends the process or runs outside
    the tests (exits, aborts, constructors, shutdown hooks, a `TestMain`, a
    replaced assert, inline assembly): any one fails the run, named;
  - the tests' own entry point is wrapped so that a line with this run's
    token is printed only after every test returned, and the verdict needs
    both that line and a clean exit.

Steps (compile, run) are each a child process under the sandbox's limits;
the verdict says which step ended how.
"""
import json, os, re, subprocess, sys

try:
    import ctypes
    ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
except Exception:
    pass

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(os.getcwd(), "work")
OUTPUT_TAIL = 600
# Where `.ci/run` installs the npm packages HumanEval-X's JavaScript tasks use.
NODE_MODULES = "/usr/local/lib/tenderbench-node/node_modules"
# Each toolchain's programs, resolved on the host (the sandbox has no /etc/alternatives).
TOOLS = {}

# HumanEval-X's Go module: its tests use testify, vendored beside this file.
GO_MOD = """module humanEval

go 1.18

require (
\tgithub.com/go-openapi/inflect v0.19.0
\tgithub.com/stretchr/testify v1.8.0
)

require (
\tgithub.com/davecgh/go-spew v1.1.1 // indirect
\tgithub.com/pmezard/go-difflib v1.0.0 // indirect
\tgopkg.in/yaml.v3 v3.0.1 // indirect
)
"""


def verdict(outcome, detail="", how="", findings=()):
    sys.stdout.write("\nTB-VERDICT " + json.dumps({
        "outcome": outcome, "detail": detail[-OUTPUT_TAIL:], "read": how, "findings": list(findings),
    }) + "\n")
    sys.stdout.flush()
    os._exit(0)


# What ends the process, or runs before or after the tests, per language.
MACHINERY = {
    "cpp": [
        (r"\b(?:std\s*::\s*)?(?:_?exit|_Exit|quick_exit|abort|at_quick_exit|atexit)\s*\(", "ends the process or registers an exit handler"),
        (r"__attribute__\s*\(\(\s*(?:constructor|destructor)", "registers a constructor"),
        (r"\b(?:asm|__asm__)\b", "uses inline assembly"),
        (r"\b(?:signal|sigaction|raise|kill|fork|execv?p?e?|system|popen|dup2?)\s*\(", "handles signals or starts processes"),
        (r"#\s*define\s+(?:main|assert|NDEBUG)\b|#\s*undef\s+(?:main|assert)\b", "redefines the tests' entry point or assert"),
        (r"\bint\s+main\s*\(", "defines main"),
    ],
    "java": [
        (r"\bSystem\s*\.\s*(?:exit|setOut|setErr|setSecurityManager)\b", "ends the process or replaces its output"),
        (r"\bRuntime\s*\.\s*getRuntime\s*\(\s*\)\s*\.\s*(?:exit|halt|addShutdownHook|exec)\b", "ends the process or starts one"),
        (r"\bProcessBuilder\b", "starts a process"),
        (r"\bstatic\s*\{", "runs a static initialiser"),
        (r"\bclass\s+(?:Main|TbRun)\b", "defines the tests' class"),
        (r"\bThread\s*\.\s*setDefaultUncaughtExceptionHandler\b", "replaces the uncaught-exception handler"),
    ],
    "js": [
        (r"\bprocess\s*(?:\.\s*|\[\s*['\"])(?:exit|abort|kill|reallyExit|on|once|emit|stdout|_rawDebug|binding)\b", "ends or hooks the process"),
        (r"\bconsole\s*(?:\.\s*|\[\s*['\"])assert\b\s*['\"]?\]?\s*=(?!=)", "replaces console.assert"),
        (r"\brequire\s*\(\s*['\"](?:node:)?(?:child_process|worker_threads|vm|cluster|inspector)['\"]", "starts a process, a thread or a context"),
        (r"\brequire\s*\(\s*['\"]assert['\"]\s*\)\s*\.\s*\w+\s*=(?!=)", "replaces an assert"),
        (r"\bdefineProperty\s*\(\s*(?:console|process|globalThis|global)\b", "redefines a global"),
    ],
    "go": [
        (r"\bos\s*\.\s*(?:Exit|Stdout|Stderr)\b", "ends the process or replaces its output"),
        (r"\"(?:syscall|unsafe|runtime|os/exec|os/signal|plugin)\"|\b(?:syscall|unsafe|runtime)\s*\.", "reaches below the language"),
        (r"\bfunc\s+(?:init|TestMain)\s*\(", "runs before the tests"),
        (r"\blog\s*\.\s*Fatal", "ends the process"),
    ],
    "rust": [
        (r"link_section", "places code in a link section"),
        (r"\.init_array|\.fini_array|\.ctors|\.dtors", "names a constructor section"),
        (r"#\s*\[\s*used", "keeps a static with #[used]"),
        (r"no_mangle|export_name", "exports an unmangled symbol"),
        (r"\b(?:global_)?asm!", "uses inline assembly"),
        (r"process\s*::\s*(?:exit|abort|Command)|\blibc\s*::|\b_exit\b", "ends the process or starts one"),
        (r"panic\s*::\s*(?:set_hook|take_hook|always_abort)", "replaces the panic hook"),
        (r"\bextern\s*\"C\"\s*\{", "declares foreign functions"),
        (r"\bfn\s+main\s*\(", "defines main"),
        (r"#\s*\[\s*test\s*\]|#\s*\[\s*cfg\s*\(\s*test", "defines tests"),
    ],
}


def strip_comments(code, language):
    code = re.sub(r"/\*.*?\*/", " ", code, flags=re.S)
    return re.sub(r"//[^\n]*", " ", code)


def machinery(code, language):
    found = []
    bare = strip_comments(code, language)
    for pattern, what in MACHINERY[language]:
        m = re.search(pattern, bare)
        if m:
            found.append("line %d: %s (`%s`)" % (bare.count("\n", 0, m.start()) + 1, what, m.group(0).strip()))
    return found


FENCE = re.compile(r"```[ \t]*([\w+#.-]*)[^\n]*\n(.*?)(?:```|\Z)", re.S)
TAGS = {
    "cpp": {"cpp", "c++", "cc", "cxx", "c", "h", "hpp"},
    "go": {"go", "golang"},
    "java": {"java"},
    "js": {"js", "javascript", "node", "nodejs", "jsx", "mjs"},
    "rust": {"rust", "rs"},
}


def extract(answer, language, entry):
    """The code in the answer, and how it was found: a fenced block in the
    task's language (the one defining the entry point, else the longest),
    else the answer as it stands (a completion model's bare continuation)."""
    blocks = [(tag.lower(), body) for tag, body in FENCE.findall(answer)]
    ours = [b for t, b in blocks if t in TAGS[language]] or [b for t, b in blocks if t == ""]
    if ours:
        defining = [b for b in ours if defines(b, language, entry)]
        if defining:
            return max(defining, key=len), "fenced_block_defining_entry_point"
        return max(ours, key=len), "fenced_block"
    if blocks:
        return None, "no_block_in_language"
    if not answer.strip():
        return None, "no_code"
    return answer, "unfenced_code"


def signature(language, entry):
    e = re.escape(entry)
    return {
        "cpp": r"\b%s\s*\([^;{]*\)\s*(?:const\s*)?\{" % e,
        "go": r"\bfunc\s+%s\s*\(" % e,
        "java": r"\b%s\s*\([^;{]*\)\s*(?:throws[^{]*)?\{" % e,
        "js": r"(?:\b(?:const|let|var)\s+%s\s*=\s*(?:async\s*)?(?:\(|function\b|[\w$]+\s*=>)|\bfunction\s+%s\s*\()" % (e, e),
        "rust": r"\bfn\s+%s\s*(?:<[^>]*>)?\s*\(" % e,
    }[language]


def defines(code, language, entry):
    return bool(entry) and re.search(signature(language, entry), strip_comments(code, language)) is not None


def complete(meta, code):
    """The solution source: the prompt completed by a body, or, when the
    answer writes the whole function, the prompt's lines before the
    function (includes, imports, the class opening) and then the answer."""
    language, prompt, entry = meta["language"], meta["prompt"], meta["entry_point"]
    if not defines(code, language, entry):
        return prompt + code
    m = re.search(signature(language, entry), prompt)
    head = prompt[: prompt.rfind("\n", 0, m.start()) + 1] if m else ""
    if language == "java":
        # A whole class replaces the prompt's class; a method goes inside it.
        if re.search(r"\bclass\s+Solution\b", code):
            head = head[: head.find("class Solution")] if "class Solution" in head else head
            return head + code
        return head + code + "\n}\n"
    if language == "go":
        # The answer's own imports stand with the prompt's: Go refuses a duplicate.
        head = "" if re.search(r"^\s*import\b", code, re.M) else head
    if language == "rust" and re.search(r"^\s*use\s", code, re.M):
        head = ""
    if language == "cpp" and re.search(r"^\s*#\s*include", code, re.M):
        head = head if "using namespace" in head and "using namespace" not in code else ""
    return head + code


GO_IMPORT = re.compile(r"^import\s*(?:\(([^)]*)\)|(\"[^\"]+\"))", re.M)
# The packages HumanEval-X's Go evaluation adds when the code uses them.
GO_HELPERS = ["math", "strings", "fmt", "strconv", "time", "bytes", "regexp", "sort", "math/rand", "crypto/md5"]


def go_without_imports(code):
    return GO_IMPORT.sub("", code)


def go_imports(code, setup):
    """The solution's imports as HumanEval-X's evaluation makes them: its own
    and the helper packages it uses, less what the test file already imports,
    and only those it names (Go refuses an unused or repeated import)."""
    declared = []
    for block, single in GO_IMPORT.findall(code):
        declared += re.findall(r"\"([^\"]+)\"", block or single)
    body = strip_comments(go_without_imports(code), "go")
    wanted = [p for p in dict.fromkeys(declared + GO_HELPERS)
              if ('"%s"' % p) not in setup and re.search(r"\b%s\." % re.escape(p.split("/")[-1]), body)]
    return "import (\n%s)\n" % "".join('    "%s"\n' % p for p in wanted) if wanted else ""


def run(cmd, env=None):
    r = subprocess.run(cmd, cwd=WORK, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


def write(name, text):
    path = os.path.join(WORK, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def memory_word(text):
    return re.search(r"bad_alloc|OutOfMemoryError|out of memory|Cannot allocate memory|memory allocation of", text) is not None


def ran(rc, out, err, token, failed_test, how):
    """The run step's outcome: passed only with a clean exit and the token last."""
    if rc == 0:
        if out.rstrip().endswith(token):
            verdict("passed", how=how)
        verdict("exited_early", err or out, how)
    text = out + err
    if memory_word(text):
        verdict("memory_limit", text, how)
    if rc < 0 and -rc in (9, 24):
        verdict("timeout", text, how)
    if failed_test(rc, text):
        verdict("wrong_answer", text, how)
    if rc < 0:
        verdict("crashed", "signal %d\n%s" % (-rc, text), how)
    verdict("runtime_error", text, how)


def main():
    meta = json.load(open(os.path.join(HERE, "meta.json"), encoding="utf-8"))
    answer = open(os.path.join(HERE, "answer.txt"), encoding="utf-8", errors="replace").read()
    language, token = meta["language"], meta["token"]
    TOOLS.update(meta.get("tools") or {})
    code, how = extract(answer, language, meta["entry_point"])
    if code is None:
        verdict("no_code", how=how)
    found = machinery(code, language)
    if found:
        verdict("forbidden_call", "\n".join(found), how, found)
    solution = complete(meta, code)
    os.makedirs(WORK)
    tests = meta["tests"]
    if language == "cpp":
        wrapped = ("%s\n#define main tb_tests_main\n%s\n#undef main\n#include <cstdio>\n"
                   "int main() { tb_tests_main(); std::printf(\"\\n%%s\\n\", %s); std::fflush(stdout); return 0; }\n"
                   % (solution, tests, json.dumps(token)))
        write("main.cpp", wrapped)
        # HumanEval-X links OpenSSL's libcrypto for its MD5 task.
        crypto = ["-lcrypto"] if "openssl/" in wrapped else []
        rc, out, err = run([TOOLS["g++"], "-std=c++17", "-O0", "-w", "-o", "/tmp/tb_main", "main.cpp"] + crypto)
        if rc:
            verdict("syntax_error", err or out, how)
        rc, out, err = run(["/tmp/tb_main"])
        ran(rc, out, err, token, lambda rc, t: rc == -6 and "Assertion" in t, how)
    elif language == "java":
        write("Main.java", solution + "\n" + tests)
        write("TbRun.java", "public class TbRun { public static void main(String[] a) throws Throwable {"
              " Main.main(a); System.out.flush(); System.out.println(\"\\n\" + %s); System.out.flush(); } }\n" % json.dumps(token))
        jvm = ["-Xss8m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:CompressedClassSpaceSize=64m",
               "-XX:ReservedCodeCacheSize=48m", "-XX:MaxMetaspaceSize=128m", "-XX:CICompilerCount=1", "-Xshare:auto"]
        # The address-space limit counts what a JVM reserves, not what it uses:
        # small reservations, and few malloc arenas (64 MB each otherwise).
        env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "MALLOC_ARENA_MAX": "2"}
        rc, out, err = run([TOOLS["javac"], "-nowarn", "-encoding", "UTF-8"] + ["-J" + f for f in jvm] +
                           ["-d", "/tmp/classes", "Main.java", "TbRun.java"], env)
        if rc:
            verdict("syntax_error", err or out, how)
        rc, out, err = run([TOOLS["java"]] + jvm + ["-cp", "/tmp/classes", "TbRun"], env)
        ran(rc, out, err, token, lambda rc, t: "AssertionError" in t, how)
    elif language == "js":
        prelude = ("'use strict';\nconst __tbAssert = require('assert');\n"
                   "Object.defineProperty(console, 'assert', { value: (ok, ...why) => { if (!ok) throw new __tbAssert.AssertionError({ message: why.join(' ') || 'console.assert failed' }); }, writable: false, configurable: false });\n")
        # Non-strict code (a sloppy-mode answer) must still run: the prelude is a module of its own.
        write("prelude.js", prelude)
        write("main.js", "require('./prelude.js');\n" + solution + "\n" + tests +
              "\n;require('fs').writeSync(1, '\\n' + %s + '\\n');\n" % json.dumps(token))
        rc, out, err = run([TOOLS["node"], "--check", "main.js"])
        if rc:
            verdict("syntax_error", err or out, how)
        # The npm packages HumanEval-X's JavaScript tasks require (js-md5), where installed.
        env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "NODE_PATH": NODE_MODULES}
        rc, out, err = run([TOOLS["node"], "--max-old-space-size=256", "--stack-size=4000", "main.js"], env)
        ran(rc, out, err, token, lambda rc, t: "AssertionError" in t, how)
    elif language == "go":
        write("go.mod", GO_MOD)
        import tarfile
        with tarfile.open(os.path.join(HERE, "go-vendor.tar.gz")) as t:
            t.extractall(WORK, filter="data") if hasattr(tarfile, "data_filter") else t.extractall(WORK)
        setup = meta.get("test_setup", "")
        write("main_test.go", setup + "\n" + go_imports(solution, setup) + "\n" + go_without_imports(solution) + "\n" + tests)
        write("tb_main_test.go", "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\t\"testing\"\n)\n\n"
              "func TestMain(m *testing.M) {\n\tcode := m.Run()\n\tif code == 0 {\n\t\tfmt.Printf(\"\\n%%s\\n\", %s)\n\t}\n\tos.Exit(code)\n}\n"
              % json.dumps(token))
        env = {"PATH": "/usr/bin:/bin:/usr/lib/go/bin", "HOME": "/tmp", "GOCACHE": "/tmp/gocache", "GOPATH": "/tmp/gopath",
               "GOFLAGS": "-mod=vendor", "GOPROXY": "off", "GOTOOLCHAIN": "local", "GO111MODULE": "on",
               "GOMAXPROCS": "2", "GOTELEMETRY": "off"}
        rc, out, err = run([TOOLS["go"], "test", "-c", "-vet=off", "-o", "/tmp/tb_test", "."], env)
        if rc:
            verdict("syntax_error", err or out, how)
        rc, out, err = run(["/tmp/tb_test", "-test.count=1"], {"GOMAXPROCS": "2", "HOME": "/tmp"})
        ran(rc, out, err, token, lambda rc, t: "--- FAIL" in t, how)
    elif language == "rust":
        rustc, linker = TOOLS["rustc"], TOOLS["linker"]
        write("main.rs", "#![allow(unused, deprecated)]\nfn main() {}\n" + solution + "\n" + tests +
              "\n#[cfg(test)]\nmod zzzz_tenderbench {\n    #[test]\n    fn every_test_returned() {\n"
              "        println!(\"\\n{}\", %s);\n    }\n}\n" % json.dumps(token))
        # The crates HumanEval-X's Rust tasks use, where built (`--extern`); without
        # them, their `use` lines go (only four tasks call them).
        crates = [(k[len("crate:"):], v) for k, v in sorted(TOOLS.items()) if k.startswith("crate:")]
        linking = []
        for name, rlib in crates:
            linking += ["--extern", "%s=%s" % (name, rlib)]
        if crates:
            linking += ["-L", "dependency=" + TOOLS["rust_deps"]]
        else:
            with open(os.path.join(WORK, "main.rs"), encoding="utf-8") as f:
                source = f.read()
            with open(os.path.join(WORK, "main.rs"), "w", encoding="utf-8") as f:
                f.write(re.sub(r"^[ \t]*use[ \t]+(?:rand|regex|md5)\b[^\n]*\n", "", source, flags=re.M))
        rc, out, err = run([rustc, "-Clinker=" + linker, "--edition", "2021", "--test", "-A", "warnings",
                            "-o", "/tmp/tb_test", "main.rs"] + linking)
        if rc:
            verdict("syntax_error", err or out, how)
        rc, out, err = run(["/tmp/tb_test", "--test-threads=1", "--nocapture"])
        if rc == 0 and not re.search(r"^test result: ok\.", out, re.M):
            verdict("exited_early", out + err, how)
        # The token test runs last (tests run in name order on one thread); it prints its token
        # and then the harness's summary, so the token is checked on its own line.
        if rc == 0 and ("\n" + token + "\n") in out:
            verdict("passed", how=how)
        ran(rc, out, err, token, lambda rc, t: rc == 101 and "panicked" in t, how)
    else:
        verdict("sandbox_error", "no runner for language %r" % language)


main()
