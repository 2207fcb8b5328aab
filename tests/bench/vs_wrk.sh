#!/usr/bin/env bash
# loadgen beside wrk, same box, same run: each client pinned to core 0, the server to core 1,
# same connections and duration, several alternating rounds; prints the median req/s of each
# and the ratio loadgen/wrk (goal: >= 1.0, the generator is never the bottleneck). Then the
# open model at a fixed 20k req/s (achieved rate and send lag), and loadgen's peak RSS when
# it holds 10,000 connections.
#   tests/bench/vs_wrk.sh [BUILD_DIR] [ROUNDS] [SECONDS] [CONNECTIONS]
set -euo pipefail
build=${1:-build/release}
rounds=${2:-5}
secs=${3:-5}
conns=${4:-50}
bin=$build/bin
command -v wrk >/dev/null || { echo "wrk missing: run scripts/setup" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "needs 2 cores (client and server on separate cores)" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

taskset -c 1 "$bin/test_server" --port 0 >"$work/server.out" &
server_pid=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/server.out" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/server.out")
url="http://127.0.0.1:$port"

cat >"$work/closed.yaml" <<YAML
name: vs_wrk
target: { base_url: "$url" }
load: { model: vus, vus: $conns, duration: ${secs}s }
requests: [ { get: /ok } ]
YAML

# Runs a command; prints the user+system CPU seconds it used (children included) and the
# server's CPU seconds over the same time (from /proc: utime + stime, in clock ticks).
tick=$(getconf CLK_TCK)
server_cpu() { awk -v t="$tick" '{print ($14 + $15) / t}' "/proc/$server_pid/stat"; }
measure() {
  local before after client
  before=$(server_cpu)
  client=$(python3 -c 'import resource,subprocess,sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(u.ru_utime + u.ru_stime)' "$@")
  after=$(server_cpu)
  echo "$client $(echo "$after - $before" | bc -l)"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

run_wrk() {
  read -r wcpu wsrv < <(measure taskset -c 0 sh -c "wrk -t1 -c$conns -d${secs}s $url/ok > $work/wrk.out")
  w=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")
  wn=$(awk '/requests in/ {print $1}' "$work/wrk.out")
}
run_loadgen() {
  read -r lcpu lsrv < <(measure taskset -c 0 "$bin/loadgen" run "$work/closed.yaml" -q --threads 1 -o "$work/out")
  read -r l ln < <(python3 -c "import json;r=json.load(open('$work/out/result.json'));print(r['throughput']['achieved_rps'], r['requests']['completed'])")
}

# Rounds alternate which client goes first (wrk, loadgen / loadgen, wrk ...), so a slow drift
# of the shared machine does not favour one. Each round's ratio compares neighbours in time.
# "server busy" is the server's share of its core while that client ran: near 100% for both
# means the server was the bottleneck, and the clients' req/s differ only by the machine's noise.
echo "server: test_server on core 1; clients on core 0; $conns connections, ${secs}s, $rounds rounds"
for f in wrk loadgen wrk_cpu loadgen_cpu ratio wrk_busy loadgen_busy wrk_util loadgen_util; do : >"$work/$f.txt"; done
for r in $(seq "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then run_wrk; run_loadgen; else run_loadgen; run_wrk; fi
  wus=$(echo "$wcpu * 1000000 / $wn" | bc -l); lus=$(echo "$lcpu * 1000000 / $ln" | bc -l)
  wb=$(echo "100 * $wsrv / $secs" | bc -l); lb=$(echo "100 * $lsrv / $secs" | bc -l)
  wu=$(echo "100 * $wcpu / $secs" | bc -l); lu=$(echo "100 * $lcpu / $secs" | bc -l)
  printf 'round %d: wrk %.0f req/s (%.2f us CPU/req, client %.0f%%, server busy %.0f%%), loadgen %.0f req/s (%.2f us CPU/req, client %.0f%%, server busy %.0f%%)\n' \
    "$r" "$w" "$wus" "$wu" "$wb" "$l" "$lus" "$lu" "$lb"
  echo "$w" >>"$work/wrk.txt"; echo "$l" >>"$work/loadgen.txt"
  echo "$wus" >>"$work/wrk_cpu.txt"; echo "$lus" >>"$work/loadgen_cpu.txt"
  echo "$wb" >>"$work/wrk_busy.txt"; echo "$lb" >>"$work/loadgen_busy.txt"
  echo "$wu" >>"$work/wrk_util.txt"; echo "$lu" >>"$work/loadgen_util.txt"
  echo "$l / $w" | bc -l >>"$work/ratio.txt"
done
mw=$(median <"$work/wrk.txt"); ml=$(median <"$work/loadgen.txt")
mwc=$(median <"$work/wrk_cpu.txt"); mlc=$(median <"$work/loadgen_cpu.txt")
printf 'median: wrk %.0f req/s, loadgen %.0f req/s, ratio loadgen/wrk %.3f (median of the rounds\x27 ratios %.3f)\n' \
  "$mw" "$ml" "$(echo "$ml / $mw" | bc -l)" "$(median <"$work/ratio.txt")"
printf 'median client CPU per request: wrk %.2f us, loadgen %.2f us (ratio wrk/loadgen %.3f)\n' "$mwc" "$mlc" "$(echo "$mwc / $mlc" | bc -l)"
printf 'median client core use: wrk %.0f%%, loadgen %.0f%%; server core busy: with wrk %.0f%%, with loadgen %.0f%%\n' \
  "$(median <"$work/wrk_util.txt")" "$(median <"$work/loadgen_util.txt")" "$(median <"$work/wrk_busy.txt")" "$(median <"$work/loadgen_busy.txt")"

cat >"$work/open.yaml" <<YAML
name: open_20k
target: { base_url: "$url" }
load: { rate: 20000, duration: ${secs}s, max_in_flight: 5000 }
requests: [ { get: /ok } ]
YAML
taskset -c 0 "$bin/loadgen" run "$work/open.yaml" -q --threads 1 -o "$work/open" >/dev/null
python3 - "$work/open/result.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t, a = r["throughput"]["target_rps"], r["throughput"]["achieved_rps"]
print(f"open model at 20k/s: target {t:.0f}/s achieved {a:.0f}/s ({100*(a-t)/t:+.2f}%), "
      f"dropped {r['requests']['dropped']}, send lag p50 {r['send_lag_ms']['p50']:.3f}ms p99 {r['send_lag_ms']['p99']:.3f}ms")
PY

cat >"$work/many.yaml" <<YAML
name: many_connections
target: { base_url: "$url" }
load: { model: vus, vus: 10000, duration: ${secs}s, think: 1s }
requests: [ { get: /ok } ]
YAML
taskset -c 0 "$bin/loadgen" run "$work/many.yaml" -q --threads 1 -o "$work/many" >/dev/null
python3 - "$work/many/result.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"10,000 connections: peak RSS {r['context']['peak_rss_bytes']/1048576:.1f} MiB, "
      f"{r['requests']['completed']} completed, {r['requests']['errors']} errors")
PY
