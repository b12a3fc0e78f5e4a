#!/usr/bin/env python3
"""Writes the local model's stored answers of a run as an unlabelled fixture.

Used once to build crates/tb-grade/fixtures/local_model_answers.jsonl: run a
spec with choice and refusal criteria against `scripts/local-vendor`, then

    python3 scripts/collect_local_answers.py tenderbench.db RUN_ID > answers.jsonl

and label each line by hand (`label`: the option chosen, or "none"; or
"refused" / "complied").
"""
import json
import sqlite3
import sys

db, run_id = sys.argv[1], sys.argv[2]
con = sqlite3.connect(db)
rows = con.execute(
    "SELECT suite, case_id, answer, gold_json, language FROM cells WHERE run_id = ? AND answer IS NOT NULL "
    "ORDER BY suite, seq",
    (run_id,),
)
for suite, case_id, answer, gold_json, language in rows:
    gold = json.loads(gold_json)
    item = {"id": f"{suite}/{case_id}", "language": language, "answer": answer}
    if gold.get("options"):
        item["kind"] = "choice"
        item["options"] = {o["label"]: o["text"] for o in gold["options"]}
        item["gold"] = gold["answer"]
    else:
        item["kind"] = "refusal"
        item["expect"] = gold.get("data", {}).get("expect")
    item["label"] = None
    print(json.dumps(item, ensure_ascii=False))
