"""What the Rust, Java and JavaScript test drivers share: reading the
repository's sources for the test machinery, and the verdict line. Shipped
beside each driver into the sandbox; the drivers import it first thing."""
import json, os, re, sys


def undumpable():
    """Makes this process undumpable, so the programs it starts cannot reach
    its memory or output through /proc."""
    try:
        import ctypes
        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
    except Exception:
        pass


def strip_comments(source, strings=False):
    """The source without `/* */` and `//` comments (and, with `strings`,
    with string literals emptied: they name nothing that runs)."""
    source = re.sub(r"/\*.*?\*/", " ", source, flags=re.S)
    source = re.sub(r"(?<![:\\])//[^\n]*", " ", source)
    if strings:
        source = re.sub(r'"(?:\\.|[^"\\\n])*"', '""', source)
    return source


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def machinery(paths, work, patterns, strings=False):
    """Where the sources reach into the test machinery: `path:line: what (`match`)`."""
    findings = []
    for path in paths:
        code = strip_comments(read(path), strings)
        for pattern, what in patterns:
            m = re.search(pattern, code)
            if m:
                findings.append("%s:%d: %s (`%s`)" % (os.path.relpath(path, work), code.count("\n", 0, m.start()) + 1, what, m.group(0).strip()))
    return findings


def verdict(expected, results, problems, findings):
    """Prints what was missing or failed and the verdict line, then exits:
    passed only when every listed test reported its own pass and nothing
    reached into the machinery."""
    missing = [t for t in expected if t not in results]
    failed = [t for t in expected if results.get(t) is False]
    passed = bool(expected) and not missing and not failed and not problems and not findings
    for t in missing:
        print("NOT RUN: " + t)
    for t in failed:
        print("FAILED: " + t)
    for f in findings:
        print("TEST MACHINERY: " + f)
    print("%d of %d tests passed" % (sum(1 for t in expected if results.get(t) is True), len(expected)))
    print("TB-RESULT " + json.dumps({
        "passed": passed,
        "tests": [{"id": t, "passed": results.get(t) is True} for t in expected],
        "machinery": findings,
        "problems": problems,
    }))
    sys.exit(0 if passed else 1)
