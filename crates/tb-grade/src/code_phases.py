"""Two-phase grading of function-level code: the program under test never
holds anything that decides its verdict.

  plan   (no candidate code): runs the tests with a recorder in the entry
         point's place, so every call's arguments are known; each assert is
         kept going, so a failing one does not hide the calls after it.
         Prints `TB-PLAN {json}`: the arguments of every call, as plain data.
  answer (the candidate's code, in the harness): calls the entry point on
         each planned argument list and prints each result as plain data
         (`encode`); anything that is not plain data is a failure. The
         expected values never enter that sandbox.
  judge  (no candidate code): runs the tests again with a replayer in the
         entry point's place, which returns the recorded results; the tests'
         own assertions decide. Exit 0 passed, 2 an assertion failed, 4 the
         candidate raised where a test needed a value, 7 the tests called it
         with arguments the plan did not foresee (not splittable).

Plain data is JSON with tags for what JSON lacks (tuples, sets, dicts with
other keys, bytes, big integers, non-finite floats, complex numbers); types
are checked exactly, so a subclass of int whose `__eq__` is always true is
not plain data.
"""
import ast, copy, json, math, os, sys

MAX_DEPTH = 64


def encode(v, depth=0):
    if depth > MAX_DEPTH:
        raise TypeError("nested too deeply")
    t = type(v)
    if v is None or t is bool or t is str:
        return v
    if t is int:
        return v if abs(v) < 2 ** 53 else {"$int": str(v)}
    if t is float:
        return v if math.isfinite(v) else {"$float": repr(v)}
    if t is list:
        return [encode(x, depth + 1) for x in v]
    if t is tuple:
        return {"$tuple": [encode(x, depth + 1) for x in v]}
    if t is dict:
        return {"$dict": [[encode(k, depth + 1), encode(x, depth + 1)] for k, x in v.items()]}
    if t is set or t is frozenset:
        return {"$" + t.__name__: [encode(x, depth + 1) for x in v]}
    if t is bytes:
        return {"$bytes": v.hex()}
    if t is complex:
        return {"$complex": [encode(v.real), encode(v.imag)]}
    raise TypeError("not plain data: " + t.__name__)


def decode(v):
    if isinstance(v, list):
        return [decode(x) for x in v]
    if isinstance(v, dict):
        (tag, x), = v.items()
        if tag == "$int":
            return int(x)
        if tag == "$float":
            return float(x)
        if tag == "$tuple":
            return tuple(decode(i) for i in x)
        if tag == "$dict":
            return {decode(k): decode(i) for k, i in x}
        if tag == "$set":
            return set(decode(i) for i in x)
        if tag == "$frozenset":
            return frozenset(decode(i) for i in x)
        if tag == "$bytes":
            return bytes.fromhex(x)
        if tag == "$complex":
            return complex(decode(x[0]), decode(x[1]))
        raise ValueError("unknown tag " + tag)
    return v


def key(args, kwargs):
    return json.dumps([encode(list(args)), encode(dict(kwargs))], sort_keys=True)


class Hole:
    """What the recorder returns: anything done to it gives a Hole, every
    comparison holds, so the tests go on to their next call."""

    def __call__(self, *a, **k): return self
    def __getattr__(self, name): return self
    def __getitem__(self, k): return self
    def __iter__(self): return iter(())
    def __len__(self): return 0
    def __bool__(self): return True
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return True
    def __le__(self, other): return True
    def __gt__(self, other): return True
    def __ge__(self, other): return True
    def __hash__(self): return 0
    def __contains__(self, x): return True
    def __abs__(self): return self
    def __neg__(self): return self
    def __round__(self, n=None): return self
    def __float__(self): return 0.0
    def __int__(self): return 0
    def __index__(self): return 0
    def __str__(self): return ""
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = __call__
    __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = __pow__ = __rpow__ = __and__ = __or__ = __xor__ = __call__


class KeepGoing(ast.NodeTransformer):
    """Each assert in a try, so that one failing on a Hole hides no later call."""

    def visit_Assert(self, node):
        handler = ast.ExceptHandler(type=ast.Name(id="Exception", ctx=ast.Load()), name=None, body=[ast.Pass()])
        return ast.copy_location(ast.Try(body=[node], handlers=[handler], orelse=[], finalbody=[]), node)


def load(here):
    meta = json.load(open(os.path.join(here, "meta.json"), encoding="utf-8"))
    tests = open(os.path.join(here, "tests.py"), encoding="utf-8").read()
    return meta, tests


def plan(here):
    meta, tests = load(here)
    entry = meta.get("entry_point")
    if not entry:
        print("TB-PLAN-NO entry point")
        return 7
    calls = []

    def recorder(*args, **kwargs):
        calls.append([encode(list(copy.deepcopy(args))), encode(copy.deepcopy(kwargs))])
        return Hole()

    tree = KeepGoing().visit(ast.parse(tests))
    ast.fix_missing_locations(tree)
    namespace = {"__name__": "__tests__", entry: recorder}
    try:
        exec(compile(tree, "tests.py", "exec"), namespace)
    except BaseException as e:
        print("TB-PLAN-NO " + type(e).__name__ + ": " + str(e)[:200])
        return 7
    if not calls:
        print("TB-PLAN-NO the tests never call " + entry)
        return 7
    print("TB-PLAN " + json.dumps(calls))
    return 0


class Unforeseen(Exception):
    pass


def judge(here):
    meta, tests = load(here)
    entry = meta["entry_point"]
    planned = json.load(open(os.path.join(here, "plan.json"), encoding="utf-8"))
    results = json.load(open(os.path.join(here, "results.json"), encoding="utf-8"))
    if len(results) != len(planned):
        print("TB-JUDGE the answer returned %d results for %d calls" % (len(results), len(planned)))
        return 4
    table = {}
    for (args, kwargs), result in zip(planned, results):
        table.setdefault(json.dumps([args, kwargs], sort_keys=True), []).append(result)
    used = {}

    def replayer(*args, **kwargs):
        try:
            k = key(args, kwargs)
        except TypeError:
            raise Unforeseen("arguments that are not plain data")
        if k not in table:
            raise Unforeseen("a call the plan did not foresee")
        i = used.get(k, 0)
        used[k] = i + 1
        recorded = table[k][min(i, len(table[k]) - 1)]
        if "error" in recorded:
            name = recorded["error"]
            if name == "NotPlainData":
                raise AssertionError("the answer returned something that is not plain data: " + recorded.get("detail", ""))
            # The exception the answer raised, where it is a built-in one a test may expect.
            kind = getattr(__builtins__, name, None) if not isinstance(__builtins__, dict) else __builtins__.get(name)
            if isinstance(kind, type) and issubclass(kind, Exception):
                raise kind("raised by the answer")
            raise RuntimeError("the answer raised " + name)
        return decode(recorded["value"])

    namespace = {"__name__": "__tests__", entry: replayer}
    try:
        exec(compile(tests, "tests.py", "exec"), namespace)
    except Unforeseen as e:
        print("TB-JUDGE " + str(e))
        return 7
    except AssertionError:
        return 2
    except BaseException as e:
        sys.stderr.write("%s: %s\n" % (type(e).__name__, str(e)[:300]))
        return 4
    return 0


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    mode = sys.argv[1]
    sys.stdout.flush()
    code = plan(here) if mode == "plan" else judge(here)
    sys.stdout.flush()
    os._exit(code)
