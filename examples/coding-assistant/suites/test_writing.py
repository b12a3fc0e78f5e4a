#!/usr/bin/env python3
"""Writes test_writing_8.jsonl: write unit tests for a HumanEval function.

Each case's function is a HumanEval task's prompt and reference solution
(the every-grader example's subset, ../../graders/suites/humaneval_20.jsonl,
MIT); its mutants are one-token changes of the solution that HumanEval's own
tests kill (so none is equivalent to the function), up to five a task (tasks with fewer than two are left out). The
strong answer the simulated vendor gives is HumanEval's tests themselves.
Run: python3 examples/coding-assistant/suites/test_writing.py
"""
import json
import pathlib
import subprocess
import sys

here = pathlib.Path(__file__).parent
source = here.parents[1] / "graders" / "suites" / "humaneval_20.jsonl"
EDITS = [(" == ", " != "), (" != ", " == "), (" <= ", " < "), (" >= ", " > "), (" < ", " <= "), (" > ", " >= "),
         (" + ", " - "), (" - ", " + "), ("True", "False"), ("False", "True"), (" 0", " 1"), (" 1", " 2"), ("+=", "-=")]


def killed(module, test, entry):
    program = module + "\n" + test + "\ncheck(%s)\n" % entry
    try:
        return subprocess.run([sys.executable, "-c", program], capture_output=True, timeout=3).returncode != 0
    except subprocess.TimeoutExpired:
        return True


rows = []
for line in source.read_text(encoding="utf-8").splitlines():
    if len(rows) == 8:
        break
    task = json.loads(line)
    module = task["prompt"] + task["canonical_solution"]
    entry, solution, test = task["entry_point"], task["canonical_solution"], task["test"]
    mutants = []
    for old, new in EDITS:
        start = 0
        while len(mutants) < 5 and (at := solution.find(old, start)) >= 0:
            start = at + len(old)
            mutant = task["prompt"] + solution[:at] + new + solution[at + len(old):]
            if mutant not in mutants and killed(mutant, test, entry):
                mutants.append(mutant)
    if len(mutants) < 2:
        continue  # too few killable one-token changes to score tests on
    prompt = ("Write unit tests for the Python function below: functions named test_* with plain assert "
              "statements, calling `%s` directly (it is already defined; do not import it). Reply with the "
              "tests in one ```python block.\n\n```python\n%s```" % (entry, module))
    rows.append(json.dumps({
        "id": task["task_id"].replace("HumanEval/", "tests-for-"),
        "prompt": prompt,
        "language": "en",
        "data": {"module": module, "mutants": mutants, "threshold": 0.8,
                 "solution": test + "\n\ndef test_reference():\n    check(%s)\n" % entry},
    }, ensure_ascii=False))
(here / "test_writing_8.jsonl").write_text("".join(r + "\n" for r in rows), encoding="utf-8")
print([len(json.loads(r)["data"]["mutants"]) for r in rows])
