#!/usr/bin/env bash
# Peak RSS of loadgen by request names, threads and connections (the figures of README's
# "Memory"): a scenario of N names at 2,000 req/s for 5 s against test_server, and a closed
# model of 10,000 users (one connection each). Loopback only; every run bounded.
#   tests/bench/memory_scaling.sh [LOADGEN] [TEST_SERVER]   (default build/release/bin/...)
set -euo pipefail
loadgen=${1:-build/release/bin/loadgen}
server=${2:-build/release/bin/test_server}
work=$(mktemp -d)
trap 'kill $server_pid 2>/dev/null || true; rm -rf "$work"' EXIT
"$server" --port 0 --threads 2 >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do grep -q "listening on" "$work/server.log" && break; sleep 0.1; done
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/server.log")

names_scenario() {  # names
  {
    echo "name: mem"
    echo "target: { base_url: \"http://127.0.0.1:$port\" }"
    echo "load: { rate: 2000, duration: 5s }"
    echo "requests:"
    for i in $(seq "$1"); do echo "  - { name: r$i, get: \"/ok?n=$i\" }"; done
  } >"$work/s.yaml"
}

peak() {  # threads -> "N MiB"
  /usr/bin/time -f "%M" -o "$work/rss" "$loadgen" run "$work/s.yaml" -q -o "$work/out" -t "$1" >"$work/run.log" 2>&1 || { echo "status $?: $(tail -3 "$work/run.log")" >&2; }
  echo "$(( $(cat "$work/rss") / 1024 )) MiB"
}

names_scenario 50
printf "| 50 names, threads | 1 | 2 | 4 | 8 |\n|---|---:|---:|---:|---:|\n| peak RSS "
for t in 1 2 4 8; do printf "| %s " "$(peak $t)"; done
echo "|"
names_scenario 1
echo "1 name, 2 threads: $(peak 2)"
cat >"$work/s.yaml" <<YAML
name: conns
target: { base_url: "http://127.0.0.1:$port" }
load: { model: vus, vus: 10000, duration: 5s, think: 1s }
requests: [ { get: /ok } ]
YAML
ulimit -n 65536 2>/dev/null || true
echo "10,000 users (connections), 2 threads: $(peak 2)"
