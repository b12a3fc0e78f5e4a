"""Runs a Python task's tests so that the code under test cannot fake a pass.

This process never imports the repository's code. It
  1. reads every source file with Python's own parser and lists what reaches
     into the test machinery (unittest, the interpreter's frames and modules,
     process exits, raw file descriptors, dynamic code);
  2. lists the tests the test files define (module.Class.method);
  3. runs them in a child process (unit_child.py), which loads unittest
     before any repository module, runs each test on its own, checks after
     each one that unittest's classes are as they were, and reports each
     test's own result on a pipe of its own;
  4. passes only when every listed test reported a pass, once, untampered,
     and nothing reached into the machinery.
It makes itself undumpable first, so that nothing the child starts can
reach this process's output. The verdict is the last line, `TB-RESULT {json}`.
"""
import ast, json, os, shutil, subprocess, sys, threading

try:
    import ctypes
    ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
except Exception:
    pass

here = os.path.dirname(os.path.abspath(__file__))
work = os.path.join(os.getcwd(), "repo")
shutil.copytree(os.path.join(here, "repo"), work)

# Modules a fix has no business importing: the test framework, and what
# reaches into the interpreter, its frames or the process.
MACHINERY_MODULES = {"unittest", "ctypes", "gc", "inspect", "atexit", "builtins", "importlib", "pytest", "doctest", "signal", "faulthandler", "trace", "sys_monitoring"}
# Attributes that reach the test machinery or the interpreter's innards.
MACHINERY_ATTRS = {"TestCase", "TestResult", "TestSuite", "TestLoader", "TextTestRunner", "_getframe", "f_back", "f_globals", "f_locals", "f_builtins", "settrace", "setprofile", "modules", "_exit", "__builtins__", "__code__", "__globals__", "fdopen", "dup2", "kill", "addaudithook", "monitoring"}
DYNAMIC = {"exec", "eval", "compile", "__import__", "breakpoint"}


def machinery(path, source):
    found = []
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError:
        return found  # the tests will fail on it anyway
    guarded = set()
    for node in tree.body:
        # `if __name__ == "__main__":` only runs as a script, never under the tests.
        if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test):
            guarded.update(id(n) for n in ast.walk(node))
    top_level = set()
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            top_level.update(id(n) for n in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in guarded:
            continue
        line = getattr(node, "lineno", 0)
        what = None
        if isinstance(node, ast.Import):
            names = [a.name.split(".")[0] for a in node.names]
            bad = [n for n in names if n in MACHINERY_MODULES]
            if bad:
                what = "imports " + ", ".join(bad)
        elif isinstance(node, ast.ImportFrom):
            if (node.module or "").split(".")[0] in MACHINERY_MODULES:
                what = "imports from " + node.module
            elif any(a.name in MACHINERY_ATTRS for a in node.names):
                what = "imports " + ", ".join(a.name for a in node.names if a.name in MACHINERY_ATTRS)
        elif isinstance(node, ast.Attribute) and (node.attr in MACHINERY_ATTRS or node.attr.startswith("assert")):
            what = "uses ." + node.attr
        elif isinstance(node, ast.Attribute) and node.attr in ("write", "exit") and isinstance(node.value, ast.Name) and node.value.id == "os":
            what = "uses os." + node.attr
        elif isinstance(node, ast.Name) and node.id in DYNAMIC:
            what = "uses " + node.id + "()"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr"):
            target = node.args[0] if node.args else None
            if not (isinstance(target, ast.Name) and target.id in ("self", "cls")):
                what = node.func.id + "() on " + (ast.unparse(target) if target is not None else "?")
        elif id(node) in top_level and isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if name in ("exit", "quit", "sys.exit", "os.abort"):
                what = "calls " + name + " when imported"
        elif id(node) in top_level and isinstance(node, ast.Raise) and node.exc is not None and "SystemExit" in ast.unparse(node.exc):
            what = "raises SystemExit when imported"
        if what:
            found.append("%s:%d: %s" % (path, line, what))
    return found


def expected_tests(module, source):
    """module.Class.test_method for every TestCase subclass the file defines."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return [module + ".<syntax error>"]
    out = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and any("TestCase" in ast.unparse(b) for b in node.bases):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test"):
                    out.append("%s.%s.%s" % (module, node.name, item.name))
    return out


findings, expected = [], []
for root, dirs, files in os.walk(work):
    dirs.sort()
    for name in sorted(files):
        if not name.endswith(".py"):
            continue
        full = os.path.join(root, name)
        rel = os.path.relpath(full, work)
        with open(full, encoding="utf-8", errors="replace") as f:
            source = f.read()
        if rel.split(os.sep)[0] == "tests":
            if name.startswith("test"):
                expected += expected_tests(rel[:-3].replace(os.sep, "."), source)
        else:
            findings += machinery(rel, source)

read_end, write_end = os.pipe()
child = subprocess.Popen([sys.executable, "-I", "-B", os.path.join(here, "unit_child.py"), str(write_end)], cwd=work,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, pass_fds=(write_end,))
os.close(write_end)
reports = []
def collect():
    with os.fdopen(read_end, encoding="utf-8", errors="replace") as f:
        for line in f:
            if len(reports) < 10000:
                reports.append(line)
reader = threading.Thread(target=collect)
reader.start()
output = child.stdout.read().decode("utf-8", "replace")
code = child.wait()
reader.join()

results = {}
duplicated = []
for line in reports:
    try:
        r = json.loads(line)
        test_id, passed, tampered = str(r["id"]), r["passed"] is True, r.get("tampered") is True
    except Exception:
        duplicated.append("<unreadable report>")
        continue
    if test_id in results:
        duplicated.append(test_id)
    results[test_id] = {"passed": passed and not tampered, "tampered": tampered, "detail": str(r.get("detail", ""))[:300]}
missing = [t for t in expected if t not in results]
failed = sorted(t for t, r in results.items() if not r["passed"])
tampered = sorted(t for t, r in results.items() if r["tampered"])
passed = bool(expected) and not missing and not failed and not duplicated and not findings and code == 0

print(output.replace("TB-RESULT", "TB-RESULT(child)"))
for t in missing:
    print("NOT RUN: " + t)
for t in failed:
    print("FAILED: " + t + " " + results[t]["detail"])
for f in findings:
    print("TEST MACHINERY: " + f)
print("%d of %d tests passed" % (sum(1 for t in expected if results.get(t, {}).get("passed")), len(expected)))
print("TB-RESULT " + json.dumps({
    "passed": passed,
    "tests": [{"id": t, "passed": results.get(t, {}).get("passed", False)} for t in expected],
    "machinery": findings,
    "tampered": tampered,
    "duplicated": duplicated,
}))
sys.exit(0 if passed else 1)
