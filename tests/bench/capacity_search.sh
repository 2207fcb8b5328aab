#!/usr/bin/env bash
# Trials and wall time a capacity search needs to converge, against test_server's /serial
# (one request at a time, 4 ms each: exactly 250 requests/s), for a few precisions, beside
# Nighthawk's adaptive defaults (10 s trials, bisect to 1%). Loopback only; every run bounded.
#   tests/bench/capacity_search.sh [BUILD_DIR]      (default build/release)
set -euo pipefail
build=${1:-build/release}
loadgen=$build/bin/loadgen
server=$build/bin/test_server
work=$(mktemp -d)
trap 'kill $server_pid 2>/dev/null || true; rm -rf "$work"' EXIT

"$server" --port 0 >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do grep -q "listening on" "$work/server.log" && break; sleep 0.1; done
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/server.log")

run() {  # label step precision confirm
  cat >"$work/s.yaml" <<YAML
name: bench
target: { base_url: "http://127.0.0.1:$port" }
load:
  search: { from: 25, max: 10000, step: $2, precision: $3, confirm: $4, cooldown: 500ms }
requests: [ { get: "/serial?ms=4", timeout: 10s } ]
slo: [ "http.p99 < 20ms" ]
YAML
  "$loadgen" run "$work/s.yaml" -q -o "$work/out" -t 1 >/dev/null || true
  python3 - "$work/out/result.json" "$1" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["capacity"]
trials = c["trials"]
print(f"| {sys.argv[2]} | {len(trials)} | {sum(t['duration_s'] for t in trials):.0f} s | {c['total_s']:.0f} s | "
      f"{c['max_rate']} | {c['first_failing_rate']} |")
PY
}

echo "| search | trials | load time | wall time | found (true: 250/s) | first failing |"
echo "|---|---:|---:|---:|---:|---:|"
run "2 s trials, precision 20%" 2s 20% 4s
run "2 s trials, precision 10%" 2s 10% 4s
run "2 s trials, precision 5%" 2s 5% 4s
run "2 s trials, precision 1%" 2s 1% 4s
run "Nighthawk's defaults: 10 s trials, 1% (and a 10 s confirm)" 10s 1% 10s
