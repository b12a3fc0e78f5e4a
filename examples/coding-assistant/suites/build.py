#!/usr/bin/env python3
"""Rebuilds this example's suites from ../shared/datasets (developers' machines).

Subsets are copied unchanged (tenderbench reads the datasets' own formats),
spread over the tasks by a fixed stride. Tasks whose upstream reference
solution does not pass are left out (see docs/graders.md: JavaScript/112
and Go/95 have wrong reference solutions; some tasks need third-party
packages: Rust's rand, regex and md5, Node's js-md5).
Run from the repository root: python3 examples/coding-assistant/suites/build.py
"""
import json
import pathlib

here = pathlib.Path(__file__).parent
shared = here.parents[2].parent / "shared" / "datasets"
UPSTREAM_BROKEN = {"JavaScript/112", "JavaScript/162", "Go/95", "Rust/38", "Rust/53", "Rust/91", "Rust/162"}


def lines(path):
    return [l for l in (shared / path).read_text(encoding="utf-8").splitlines() if l.strip()]


def spread(rows, n):
    step = max(1, len(rows) // n)
    return rows[::step][:n]


def write(name, rows):
    (here / name).write_text("".join(r + "\n" for r in rows), encoding="utf-8")


write("fim_single_line_16.jsonl", spread(lines("humaneval_infilling/HumanEval-SingleLineInfilling.jsonl"), 16))
write("fim_multi_line_12.jsonl", spread(lines("humaneval_infilling/HumanEval-MultiLineInfilling.jsonl"), 12))
for lang, n in [("java", 8), ("js", 8), ("go", 6), ("cpp", 8), ("python", 8), ("rust", 6)]:
    rows = [l for l in lines(f"humaneval_x/humaneval_{lang}.jsonl") if json.loads(l)["task_id"] not in UPSTREAM_BROKEN]
    write(f"humaneval_x_{lang}_{n}.jsonl", spread(rows, n))
