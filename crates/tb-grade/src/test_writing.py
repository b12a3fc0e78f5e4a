"""Runs the unit tests a vendor wrote against the function they test and
against its seeded mutants, inside the sandbox; prints the verdict as the
last line, `TB-MUTATION {json}`.

The tests are the answer's Python blocks (or the whole answer): functions
named `test_*` and top-level asserts. They must pass on the reference
function; each mutant they fail on (an assert, an exception, or no end
within the time limit) is killed. Tests that read the function's source or
their own files could tell a mutant from the reference without testing
behaviour, so reflection and file access are refused (`forbidden_call`).
Each variant runs in a process of its own."""
import ast, json, os, re, subprocess, sys

try:
    import ctypes
    ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
except Exception:
    pass

HERE = os.path.dirname(os.path.abspath(__file__))
FENCE = re.compile(r"```[ \t]*([\w+#.-]*)[^\n]*\n(.*?)(?:```|\Z)", re.S)
PYTHON = {"", "python", "py", "python3"}
VARIANT_SECONDS = 2
MODULES = r"(?:inspect|dis|linecache|os|sys|io|pathlib|importlib|subprocess|ctypes|signal|shutil|builtins|gc|types|tokenize|ast)"
FORBIDDEN = [
    (r"\b(?:import|from)\s+%s\b|\b%s\s*\." % (MODULES, MODULES), "imports a module that reads code, files or the process"),
    (r"__code__|co_code|__globals__|__closure__|__module__|__wrapped__|__file__|__builtins__|__import__", "inspects a function's internals"),
    (r"\b(?:open|exec|eval|compile|globals|vars|getattr|setattr|delattr)\s*\(", "reads files or looks up code by name"),
]

RUNNER = r'''
import sys
ns = {"__name__": "__tested__"}
module, tests = sys.argv[1], sys.argv[2]
exec(compile(open(module).read(), "module.py", "exec"), ns)
try:
    exec(compile(open(tests).read(), "tests.py", "exec"), ns)
except AssertionError:
    sys.exit(1)
except Exception:
    sys.exit(1)
for name, fn in sorted(ns.items()):
    if name.startswith("test") and callable(fn):
        try:
            fn()
        except BaseException:
            sys.exit(1)
sys.exit(0)
'''


def say(outcome, **fields):
    fields["outcome"] = outcome
    sys.stdout.write("\nTB-MUTATION " + json.dumps(fields) + "\n")
    sys.stdout.flush()
    os._exit(0)


def tests_of(answer):
    blocks = [b for t, b in FENCE.findall(answer) if t.lower() in PYTHON]
    if blocks:
        return "\n".join(blocks)
    if "```" in answer or not answer.strip():
        return None
    # Unfenced: the answer is the tests only if it is Python as it stands (not prose).
    try:
        ast.parse(answer)
    except (SyntaxError, ValueError):
        return None
    return answer


def main():
    meta = json.load(open(os.path.join(HERE, "meta.json"), encoding="utf-8"))
    answer = open(os.path.join(HERE, "answer.txt"), encoding="utf-8", errors="replace").read()
    tests = tests_of(answer)
    if tests is None:
        say("no_code")
    try:
        tree = ast.parse(tests)
    except (SyntaxError, ValueError) as e:
        say("syntax_error", detail=str(e)[:300])
    bare = re.sub(r"#[^\n]*", " ", tests)
    found = ["%s (`%s`)" % (what, m.group(0)) for pattern, what in FORBIDDEN for m in [re.search(pattern, bare)] if m]
    if found:
        say("forbidden_call", detail="; ".join(found))
    has_tests = any(isinstance(n, ast.Assert) for n in ast.walk(tree)) or any(
        isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith("test") for n in tree.body)
    if not has_tests:
        say("no_tests")
    work = os.getcwd()
    with open(os.path.join(work, "tests.py"), "w", encoding="utf-8") as f:
        f.write(tests)
    with open(os.path.join(work, "runner.py"), "w", encoding="utf-8") as f:
        f.write(RUNNER)

    def fails(source):
        path = os.path.join(work, "module.py")
        with open(path, "w", encoding="utf-8") as f:
            f.write(source)
        try:
            r = subprocess.run([sys.executable, "-I", os.path.join(work, "runner.py"), path, os.path.join(work, "tests.py")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=VARIANT_SECONDS)
            return r.returncode != 0
        except subprocess.TimeoutExpired:
            return True

    if fails(meta["module"]):
        say("fails_on_reference")
    killed = [i for i, m in enumerate(meta["mutants"]) if fails(m)]
    say("scored", killed=killed, mutants=len(meta["mutants"]))


main()
