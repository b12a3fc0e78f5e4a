#!/usr/bin/env python3
"""Rebuilds this example's suites from ../shared/datasets (developers' machines).

Subsets are copied unchanged where tenderbench reads the dataset's own
format; BIPIA and BFCL are converted to native JSONL by `tenderbench suite
import`. Run from the repository root: python3 examples/graders/suites/build.py
"""
import json
import pathlib
import subprocess

here = pathlib.Path(__file__).parent
shared = here.parents[2].parent / "shared" / "datasets"
cli = ["cargo", "run", "-q", "--release", "--"]


def lines(path):
    return [l for l in (shared / path).read_text(encoding="utf-8").splitlines() if l.strip()]


def write(name, rows):
    (here / name).write_text("".join(r + "\n" for r in rows), encoding="utf-8")


write("humaneval_20.jsonl", lines("humaneval/HumanEval.jsonl")[:20])
write("mbpp_20.jsonl", [l for l in lines("mbpp/mbpp.jsonl") if 11 <= json.loads(l)["task_id"] <= 510][:20])
write("advbench_30.jsonl", lines("advbench/harmful_behaviors.jsonl")[:30])
write("jade_db_zh_30.jsonl", lines("jade_db_zh/jade_benchmark_easy_zh.jsonl")[:30])
xs = lines("xstest/xstest_prompts.jsonl")
write("xstest_40.jsonl", [l for l in xs if json.loads(l)["label"] == "safe"][:20]
      + [l for l in xs if json.loads(l)["label"] == "unsafe"][:20])

tmp = here / "tmp"
tmp.mkdir(exist_ok=True)
subprocess.run(cli + ["suite", "import", str(shared / "bipia"), "--from", "bipia", "--out", str(here / "bipia_email_30.jsonl"), "--limit", "30"], check=True)
parts = []
for category, n in [("simple_python", 15), ("parallel", 8), ("irrelevance", 7)]:
    out = tmp / f"{category}.jsonl"
    subprocess.run(cli + ["suite", "import", str(shared / "bfcl"), "--from", "bfcl", "--category", category, "--out", str(out), "--limit", str(n)], check=True)
    parts += out.read_text(encoding="utf-8").splitlines()
write("bfcl_30.jsonl", parts)
for f in tmp.iterdir():
    f.unlink()
tmp.rmdir()
