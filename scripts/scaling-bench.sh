#!/usr/bin/env bash
# Throughput of distributed runs: 1, 2 and 4 `tenderbench worker` processes
# against one simulated vendor with 50 ms latency, in two cases:
#   - the vendor's limit is not the bottleneck (concurrency 256): cells/s
#     should grow with the workers (each works WORKER_CONC cells at a time);
#   - it is (concurrency 4): cells/s should stay at 4 / 50 ms = 80/s.
#
#   scripts/scaling-bench.sh [--postgres URL] [--cases N] [--worker-concurrency C]
#
# Each run uses a fresh schema in the database at URL (default
# $TENDERBENCH_POSTGRES_URL or postgres://postgres@127.0.0.1:5432/test),
# dropped after. Throughput is cells over the span of their finish times
# (queueing and the reports apart). Everything shares this machine's cores.
set -euo pipefail
cd "$(dirname "$0")/.."
pg="${TENDERBENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
cases=2000
wconc=4
while [ $# -gt 0 ]; do
  case "$1" in
    --postgres) pg="$2"; shift 2 ;;
    --cases) cases="$2"; shift 2 ;;
    --worker-concurrency) wconc="$2"; shift 2 ;;
    *) echo "unknown option $1"; exit 2 ;;
  esac
done

cargo build --release -p tb-cli --quiet
bin="$PWD/target/release/tenderbench"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

awk -v n="$cases" 'BEGIN { for (i = 0; i < n; i++) printf "{\"id\": \"q%d\", \"prompt\": \"What is %d + %d?\", \"answer\": \"%d\"}\n", i, i, i, 2 * i }' > "$work/s.jsonl"
"$bin" mock-vendor --port 0 --profile fixed20ms --latency-ms 50 --suite "$work/s.jsonl" > "$work/mock.out" 2>&1 &
for _ in $(seq 100); do
  url=$(grep -o 'http://[0-9.:]*/v1' "$work/mock.out" || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "the mock vendor did not start"; cat "$work/mock.out"; exit 1; }

spec() { # VENDOR_CONCURRENCY
  cat > "$work/t.toml" <<TOML
[tender]
id = "SCALE"
title = "scaling"
buyer = "bench"
kind = "services"
price_weight = 0.3

[[suite]]
id = "s"
path = "s.jsonl"

[[criterion]]
id = "math"
suite = "s"
grader = "numeric"
weight = 1.0

[[vendor]]
name = "bench"
base_url = "$url"
model = "mock"
bid_price = 1
concurrency = $1
timeout_secs = 30
TOML
}

psql_() { psql "$pg" -qAtX -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning; $1"; }

printf "%-34s %8s %8s %10s %10s\n" "case" "workers" "cells" "seconds" "cells/s"
for limit in 256 4; do
  spec "$limit"
  for n in 1 2 4; do
    schema="scale_$$_${limit}_$n"
    psql_ "CREATE SCHEMA $schema"
    db="$pg?options=-csearch_path%3D$schema"
    (cd "$work" && "$bin" keygen --dir . >/dev/null 2>&1 || true)
    pids=()
    for w in $(seq "$n"); do
      "$bin" worker --db "$db" --concurrency "$wconc" > "$work/worker-$w.log" 2>&1 &
      pids+=($!)
    done
    (cd "$work" && "$bin" run t.toml --db "$db" --distributed --out out > /dev/null 2> "$work/run.err") \
      || { echo "run failed:"; tail -20 "$work/run.err"; exit 1; }
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
    read -r cells secs < <(psql "$db" -qAtX -F ' ' -c \
      "SELECT count(*), EXTRACT(EPOCH FROM max(finished_at::timestamptz) - min(finished_at::timestamptz)) FROM cells")
    label=$([ "$limit" = 256 ] && echo "vendor limit 256 (not binding)" || echo "vendor limit 4 (binding: 80/s)")
    printf "%-34s %8d %8d %10.2f %10.1f\n" "$label" "$n" "$cells" "$secs" "$(echo "$cells / $secs" | bc -l)"
    psql_ "DROP SCHEMA $schema CASCADE"
  done
done
echo "(each worker: --concurrency $wconc; simulated vendor: 50 ms an answer)"
