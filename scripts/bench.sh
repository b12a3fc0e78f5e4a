#!/usr/bin/env bash
# Throughput, CPU and memory of a run against a simulated vendor.
#
#   scripts/bench.sh             20,000 cases, fixed 20 ms latency, concurrency 64
#   scripts/bench.sh --million   also stream a 1,000,000-case suite (takes minutes)
#   scripts/bench.sh --postgres URL
#                                the 20k run again on PostgreSQL (a fresh schema
#                                in the database at URL, dropped after), beside SQLite
#
# The simulated vendor runs as its own process so that the figures are the
# client's alone (the whole `tenderbench run`: suite check, requests, storage,
# grading, reports). Targets: wall within 10% of cases × latency ÷ concurrency,
# client CPU < 0.2 ms per request, peak RSS < 100 MB (20k) and < 200 MB (1M).
set -euo pipefail
cd "$(dirname "$0")/.."
million=0
postgres=""
[ "${1:-}" = "--million" ] && million=1
[ "${1:-}" = "--postgres" ] && postgres="${2:?--postgres needs a postgres:// URL}"

cargo build --release -p tb-cli --quiet
bin="$PWD/target/release/tenderbench"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

suite() { # N FILE
  awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "{\"id\": \"q%d\", \"prompt\": \"What is %d + %d?\", \"answer\": \"%d\"}\n", i, i, i, 2 * i }' > "$2"
}

start_mock() { # PROFILE [--suite FILE] -> sets url
  "$bin" mock-vendor --port 0 --profile "$@" > "$work/mock.out" 2>&1 &
  for _ in $(seq 100); do
    url=$(grep -o 'http://[0-9.:]*/v1' "$work/mock.out" || true)
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  echo "mock vendor did not start:"; cat "$work/mock.out"; exit 1
}

spec() { # SUITE CONCURRENCY URL
  cat > "$work/bench.toml" <<TOML
[tender]
id = "BENCH"
title = "benchmark"
buyer = "bench"
kind = "services"
price_weight = 0.3

[[suite]]
id = "s"
path = "$1"

[[criterion]]
id = "math"
suite = "s"
grader = "numeric"
weight = 1.0

[[vendor]]
name = "bench"
base_url = "$3"
model = "mock"
bid_price = 1
concurrency = $2
timeout_secs = 30
TOML
}

measure() { # LABEL CASES LATENCY_MS CONCURRENCY RSS_TARGET_MB
  python3 - "$@" "$bin" "$work" <<'PY'
import resource, subprocess, sys, time
label, cases, latency, conc, rss_target, binary, work = sys.argv[1:]
cases, latency, conc, rss_target = int(cases), float(latency), int(conc), float(rss_target)
t = time.monotonic()
p = subprocess.run([binary, "run", f"{work}/bench.toml", "--db", f"{work}/bench.db", "--out", f"{work}/out"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
wall = time.monotonic() - t
if p.returncode != 0:
    sys.exit(f"run failed: {p.stderr[-2000:]}")
import sqlite3
db = sqlite3.connect(f"{work}/bench.db")
created, finished = db.execute("SELECT created_at, finished_at FROM runs").fetchone()
mean_latency, = db.execute("SELECT avg(latency_ms) FROM cells").fetchone()
from datetime import datetime
ts = lambda s: datetime.fromisoformat(s[:26].rstrip("Z"))
run_phase = (ts(finished) - ts(created)).total_seconds()
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = ru.ru_utime + ru.ru_stime
rss_mb = ru.ru_maxrss / 1024
print(f"== {label}")
print(f"cases {cases}, latency {latency:.0f} ms, concurrency {conc}")
if latency > 0:
    ideal = cases * latency / 1000 / conc
    print(f"end-to-end wall {wall:.2f} s (start, suite check, all requests, reports), ideal {ideal:.2f} s, ratio {wall / ideal:.3f}")
    print(f"run phase {run_phase:.2f} s (first request to last cell stored), ratio to ideal {run_phase / ideal:.3f} (target <= 1.10)")
    adjusted = cases * mean_latency / 1000 / conc
    print(f"mean latency seen by the client {mean_latency:.2f} ms; run phase / (cases x that latency / concurrency) = {run_phase / adjusted:.3f}")
else:
    print(f"end-to-end wall {wall:.2f} s, run phase {run_phase:.2f} s, {cases / run_phase:.0f} cases/s")
print(f"client CPU {cpu:.2f} s = {cpu / cases * 1000:.3f} ms per request, everything included (target < 0.2)")
# The same run's reports rendered again alone: what the run spent beyond its requests.
run_id, = db.execute("SELECT id FROM runs").fetchone()
before = resource.getrusage(resource.RUSAGE_CHILDREN)
for fmt in ("json", "csv"):
    subprocess.run([binary, "report", run_id, "--format", fmt, "--db", f"{work}/bench.db"],
                   stdout=subprocess.DEVNULL, check=True)
after = resource.getrusage(resource.RUSAGE_CHILDREN)
reports = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
print(f"  of which reports (JSON and CSV rendered again alone) {reports:.2f} s; "
      f"request path {(cpu - reports) / cases * 1000:.3f} ms per request")
print(f"peak RSS {rss_mb:.1f} MB (target < {rss_target:.0f})")
PY
}

suite 20000 "$work/s20k.jsonl"
start_mock fixed20ms --suite "$work/s20k.jsonl"
spec "$work/s20k.jsonl" 64 "$url"
measure "20k cases against a fixed 20 ms vendor" 20000 20 64 100
kill %1; wait 2>/dev/null || true

if [ -n "$postgres" ]; then
  # The same 20k run with the store on SQLite and on PostgreSQL, one after
  # the other against one simulated vendor: end-to-end wall and client CPU.
  start_mock fixed20ms --suite "$work/s20k.jsonl"
  spec "$work/s20k.jsonl" 64 "$url"
  schema="tb_bench_$$"
  psql -q "$postgres" -c "CREATE SCHEMA $schema"
  sep='?'; case "$postgres" in *\?*) sep='&';; esac
  python3 - "$bin" "$work" "$postgres${sep}options=-csearch_path%3D$schema" <<'PY'
import resource, subprocess, sys, time
binary, work, pg = sys.argv[1:]
for label, db in (("sqlite", f"{work}/cmp.db"), ("postgres", pg)):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.monotonic()
    subprocess.run([binary, "run", f"{work}/bench.toml", "--db", db, "--out", f"{work}/out-{label}"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.monotonic() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    print(f"== store on {label}: 20000 cases, wall {wall:.2f} s, client CPU {cpu:.2f} s = {cpu / 20:.3f} ms per request")
PY
  PGOPTIONS="-c client_min_messages=warning" psql -q "$postgres" -c "DROP SCHEMA $schema CASCADE"
  kill %1; wait 2>/dev/null || true
fi

if [ $million = 1 ]; then
  suite 1000000 "$work/s1m.jsonl"
  start_mock fixed20ms --latency-ms 1
  spec "$work/s1m.jsonl" 128 "$url"
  rm -f "$work/bench.db"*
  measure "1M cases streamed (vendor at 1 ms)" 1000000 0 128 200
fi
