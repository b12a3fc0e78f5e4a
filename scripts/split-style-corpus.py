#!/usr/bin/env python3
"""Splits a style-corpus file into a development and a test half, once.

Each line gets "split": "dev" or "test", drawn per language from a fixed
seed; a line that already has a split keeps it, so the halves never change
after they are drawn. Graders are tuned on "dev" only.
"""
import json
import random
import sys

for path in sys.argv[1:]:
    rows = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
    by_lang = {}
    for r in rows:
        if "split" not in r:
            by_lang.setdefault(r.get("lang", ""), []).append(r)
    for lang, group in sorted(by_lang.items()):
        rng = random.Random(f"tenderbench-styles-{path.rsplit('/', 1)[-1]}-{lang}")
        order = list(range(len(group)))
        rng.shuffle(order)
        for k, i in enumerate(order):
            group[i]["split"] = "dev" if k % 2 == 0 else "test"
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(path, {s: sum(r["split"] == s for r in rows) for s in ("dev", "test")})
