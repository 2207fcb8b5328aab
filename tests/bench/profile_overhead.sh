#!/usr/bin/env bash
# What profiling costs the target: refserver on core 1 under wrk's closed loop from core 0 (the
# same connections, the same duration), alternating rounds without and with
# `perf record -g -F FREQ -p PID` attached (as probes.profile runs it). Prints the median req/s
# of each, their ratio, and perf's own CPU per second and samples per second.
#   tests/bench/profile_overhead.sh [BUILD_DIR] [ROUNDS] [SECONDS] [FREQ] [CALL_GRAPH]
set -euo pipefail
build=${1:-build/release}
rounds=${2:-5}
secs=${3:-8}
freq=${4:-99}
call_graph=${5:-fp}
bin=$build/bin
command -v wrk >/dev/null || { echo "wrk missing: run scripts/setup" >&2; exit 1; }
command -v perf >/dev/null || { echo "perf missing: apt-get install linux-perf" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "needs 2 cores (client and server on separate cores)" >&2; exit 1; }

work=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

taskset -c 1 "$bin/refserver" --port 0 --db "$work/ref.sqlite3" --seed-rows 5000 >"$work/server.out" 2>&1 &
server_pid=$!
for _ in $(seq 200); do grep -q 'listening on' "$work/server.out" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/server.out" | head -1)
url="http://127.0.0.1:$port/api/items?limit=20"
curl -sf -o /dev/null "$url" || { echo "refserver did not answer $url" >&2; exit 1; }
graph_flag=(-g)
[ "$call_graph" = dwarf ] && graph_flag=(--call-graph dwarf)

tick=$(getconf CLK_TCK)
rps() { taskset -c 0 wrk -t1 -c16 -d"${secs}s" "$url" | awk '/Requests\/sec/ {print $2}'; }

plain=() profiled=() perf_cpu=() samples=()
for round in $(seq "$rounds"); do
  plain+=("$(rps)")
  taskset -c 0 perf record "${graph_flag[@]}" -F "$freq" -p "$server_pid" -o "$work/perf.data" -q 2>"$work/perf.err" &
  perf_pid=$!
  sleep 0.3
  profiled+=("$(rps)")
  cpu=$(awk -v t="$tick" '{print ($14 + $15) / t}' "/proc/$perf_pid/stat")
  kill -INT "$perf_pid"; wait "$perf_pid" || true
  perf_cpu+=("$(awk -v c="$cpu" -v s="$secs" 'BEGIN {printf "%.4f", c / (s + 0.3)}')")
  samples+=("$(perf script -i "$work/perf.data" -F tid 2>/dev/null | wc -l)")
  echo "round $round: plain ${plain[-1]} req/s, profiled ${profiled[-1]} req/s, perf ${perf_cpu[-1]} cores, ${samples[-1]} samples" >&2
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mp=$(median "${plain[@]}"); mq=$(median "${profiled[@]}")
echo "refserver /api/items, wrk -c16 ${secs}s x $rounds rounds, perf -F $freq ($call_graph):"
echo "  median without profiling: $mp req/s"
echo "  median with profiling:    $mq req/s"
awk -v a="$mp" -v b="$mq" 'BEGIN {printf "  ratio: %.3f (%.1f%% fewer requests)\n", b / a, (1 - b / a) * 100}'
echo "  perf's own CPU: median $(median "${perf_cpu[@]}") cores; samples per run: median $(median "${samples[@]}")"
