"""Runs each unittest test of the repository on its own and reports its own
result on the pipe given as the argument (see python_tests.py). unittest is
loaded, and its classes recorded, before any repository module."""
import json, os, sys, unittest, unittest.case, unittest.result, unittest.suite, unittest.loader

report = os.fdopen(int(sys.argv[1]), "w", encoding="utf-8")
WATCHED = (unittest.TestCase, unittest.TestResult, unittest.TestSuite, unittest.TestLoader,
           unittest.case.TestCase, unittest.result.TestResult)


def snapshot():
    return {(cls.__qualname__, name): value for cls in WATCHED for name, value in list(vars(cls).items())}


before = snapshot()
exit_before = (sys.exit, os._exit)
sys.path.insert(0, os.getcwd())
suite = unittest.TestLoader().discover("tests", top_level_dir=".")


def tests(s):
    for t in s:
        if isinstance(t, unittest.TestSuite):
            yield from tests(t)
        else:
            yield t


def same(a, b):
    if a.keys() != b.keys():
        return False
    return all(a[k] is b[k] for k in a)


for test in tests(suite):
    result = unittest.TestResult()
    try:
        test.run(result)
    except BaseException as e:  # a test that exits is a failed test
        result.errors.append((test, repr(e)))
    tampered = not same(snapshot(), before) or (sys.exit, os._exit) != exit_before
    problems = result.failures + result.errors + [(t, "skipped: " + r) for t, r in result.skipped]
    passed = result.testsRun == 1 and not problems and not result.unexpectedSuccesses
    detail = problems[0][1].strip().splitlines()[-1] if problems else ""
    report.write(json.dumps({"id": test.id(), "passed": passed, "tampered": tampered, "detail": detail}) + "\n")
    report.flush()
report.close()
