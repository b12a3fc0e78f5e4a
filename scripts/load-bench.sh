#!/usr/bin/env bash
# Load stages: how exactly they measure, and how much load they can offer.
#
#   scripts/load-bench.sh                    both parts
#   scripts/load-bench.sh accuracy [STREAMS] only the first, with STREAMS in flight (default 256)
#   scripts/load-bench.sh throughput         only the second and third
#
# 1. Accuracy: a simulated vendor (its own process) sends the first token at
#    50 ms and then one every 10 ms; a closed-loop stage holds 256 streams in
#    flight. Measured TTFT and ITL against the injected values, at p50 and p99.
#    Target: within 2 ms at p50 and 5 ms at p99.
# 2. Throughput: the same against a vendor that answers at once; the stage
#    holds 128 requests in flight for 10 s, and every answer is stored and
#    graded. Target: at least 5,000 requests/s. Beside it, wrk against the
#    same simulated vendor with the same request (the ceiling of that vendor
#    on this machine), and the client's CPU per request.
# 3. Headroom: an open loop offering 5,000 requests/s for 10 s to the same
#    vendor: achieved rate, the client's lag behind the schedule, and the
#    share of the two cores the client used (the rest was the vendor's).
set -euo pipefail
cd "$(dirname "$0")/.."
part=${1:-all}
streams=${2:-256}
cargo build --release -p tb-cli --quiet
bin="$PWD/target/release/tenderbench"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

awk 'BEGIN { for (i = 0; i < 200; i++) printf "{\"id\": \"q%d\", \"prompt\": \"What is %d + %d?\", \"answer\": \"%d\"}\n", i, i, i, 2 * i }' > "$work/s.jsonl"

start_mock() { # ARGS... -> sets url
  "$bin" mock-vendor --port 0 --suite "$work/s.jsonl" "$@" > "$work/mock.out" 2>&1 &
  mock_pid=$!
  for _ in $(seq 100); do
    url=$(grep -o 'http://[0-9.:]*/v1' "$work/mock.out" || true)
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  echo "mock vendor did not start:"; cat "$work/mock.out"; exit 1
}

spec() { # URL STAGE_TOML
  cat > "$work/load.toml" <<TOML
[tender]
id = "LOAD-BENCH"
title = "load benchmark"
buyer = "bench"
kind = "services"
price_weight = 0.3

[[suite]]
id = "s"
path = "$work/s.jsonl"

[[criterion]]
id = "math"
suite = "s"
grader = "numeric"
weight = 1.0

$2

[[vendor]]
name = "bench"
base_url = "$1"
model = "mock"
bid_price = 1
concurrency = 32
timeout_secs = 30
TOML
}

run_stage() { # LABEL
  python3 - "$1" "$bin" "$work" <<'PY'
import json, resource, subprocess, sys, time, glob
label, binary, work = sys.argv[1:]
t = time.monotonic()
p = subprocess.run([binary, "run", f"{work}/load.toml", "--db", f"{work}/{label}.db", "--out", f"{work}/{label}"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
if p.returncode != 0:
    sys.exit(f"run failed: {p.stderr[-2000:]}")
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
report = json.load(open(glob.glob(f"{work}/{label}/*/report.json")[0]))
v = report["stages"][0]["vendors"][0]
q = lambda t, k: v[t][k]["value"]
sent = v["requests"] + v["warmup_requests"] + 200
cpu = usage.ru_utime + usage.ru_stime
wall = time.monotonic() - t
print(json.dumps({"label": label, "wall_s": round(wall, 2), "requests_sent": sent,
                  "offered_rps": round(v["offered_rps"], 1),
                  "throughput_rps": round(v["throughput_rps"], 1), "availability": v["availability"],
                  "ttft_p50": q("ttft_ms", "p50"), "ttft_p99": q("ttft_ms", "p99"),
                  "itl_p50": q("itl_ms", "p50"), "itl_p99": q("itl_ms", "p99"),
                  "lag_p99": q("lag_ms", "p99"), "client_cpu_s": round(cpu, 2),
                  "client_cpu_us_per_request": round(cpu / sent * 1e6, 1),
                  "client_cores_used": round(cpu / wall, 2),
                  "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}))
PY
}

if [ "$part" = all ] || [ "$part" = accuracy ]; then
echo "== accuracy: TTFT 50 ms, then a token every 10 ms (16 tokens), $streams streams in flight"
start_mock --profile paced
spec "$url" "[[stage]]
id = \"streams\"
suite = \"s\"
concurrency = $streams
cases = $((streams * 40))
warmup_secs = 1"
run_stage accuracy | tee "$work/accuracy.json"
kill "$mock_pid"; wait "$mock_pid" 2>/dev/null || true
python3 - "$work/accuracy.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for name, truth in [("ttft", 50.0), ("itl", 10.0)]:
    for q, bound in [("p50", 2.0), ("p99", 5.0)]:
        err = r[f"{name}_{q}"] - truth
        print(f"  {name} {q}: measured {r[f'{name}_{q}']:.3f} ms, injected {truth} ms, error {err:+.3f} ms "
              f"({'within' if abs(err) <= bound else 'OUTSIDE'} ±{bound} ms)")
PY
fi

[ "$part" = all ] || [ "$part" = throughput ] || exit 0
# Let the page cache settle: a part's own writes must not disturb the next.
sync; sleep 2
echo "== throughput: a vendor that answers at once, 128 in flight for 10 s, every answer stored and graded"
start_mock --profile strong --latency-ms 0
spec "$url" '[[stage]]
id = "max"
suite = "s"
concurrency = 128
duration_secs = 10
warmup_secs = 1'
run_stage throughput | tee "$work/throughput.json"
body=$(python3 -c 'import json; print(json.dumps({"model": "mock", "messages": [{"role": "user", "content": "What is 7 + 7?"}], "temperature": 0, "max_tokens": 256, "stream": True, "stream_options": {"include_usage": True}}))')
cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "text/event-stream"
wrk.body = [[$body]]
LUA
echo "== wrk against the same simulated vendor: 1 thread, 128 connections, 10 s"
wrk -t1 -c128 -d10s -s "$work/post.lua" "$url/chat/completions" | tee "$work/wrk.out"
python3 - "$work/throughput.json" "$work/wrk.out" <<'PY'
import json, re, sys
r = json.load(open(sys.argv[1]))
wrk = float(re.search(r"Requests/sec:\s*([\d.]+)", open(sys.argv[2]).read()).group(1))
print(f"  tenderbench load stage: {r['throughput_rps']:.0f} answers/s (stored and graded), "
      f"{r['client_cpu_us_per_request']:.0f} µs client CPU a request; wrk: {wrk:.0f} requests/s; "
      f"ratio {r['throughput_rps'] / wrk:.2f}")
PY
sync; sleep 2
echo "== headroom: open loop, 5,000 requests/s offered for 10 s"
spec "$url" '[[stage]]
id = "open5000"
suite = "s"
rate = 5000.0
duration_secs = 10
warmup_secs = 1'
run_stage headroom | tee "$work/headroom.json"
python3 - "$work/headroom.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"  offered {r['offered_rps']:.0f}/s, answered {r['throughput_rps']:.0f}/s, availability {r['availability']}, "
      f"client lag p99 {r['lag_p99']:.2f} ms, client used {r['client_cores_used']:.2f} of 2 cores over the whole run")
PY
