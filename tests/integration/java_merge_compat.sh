#!/usr/bin/env bash
# The merged .hlog of a sharded run must give what the reference Java HdrHistogram (Debian's
# libhdrhistogram-java) gets by adding up the shards' own logs: the percentile tables of the
# whole run, for all requests, per name and for service time, character for character.
# usage: java_merge_compat.sh LOADGEN TEST_SERVER WORK_DIR
set -euo pipefail
loadgen=$1
server=$2
work=$3
. "$(dirname "$0")/java_hdr.sh"
rm -rf "$work" && mkdir -p "$work"
"$server" --port 0 --threads 2 >"$work/server.log" 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "listening on" "$work/server.log" && break; sleep 0.05; done
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/server.log")
cat >"$work/s.yaml" <<YAML
name: merge-compat
target: { base_url: "http://127.0.0.1:$port" }
load: { rate: 600, duration: 3s }
requests:
  - { name: fast, get: "/ok", weight: 2 }
  - { name: slow, get: "/delay?ms=3" }
YAML
start=$(( $(date +%s) + 2 ))
for i in 0 1 2; do
  "$loadgen" run "$work/s.yaml" --shard "$i/3" --start-at "$start" -t 1 -q -o "$work/shard-$i" >"$work/shard-$i.out" 2>&1 &
done
wait %2 %3 %4
"$loadgen" merge "$work/shard-0" "$work/shard-1" "$work/shard-2" -o "$work/merged" >"$work/merge.out"
# One file of every shard's intervals: Java adds them all up for its whole-run table.
cat "$work"/shard-*/latency.hlog >"$work/shards.hlog"

table() {  # log tag -> the .hgrm Java writes
  local log=$1 tag=$2 out err
  out=$work/java-$(basename "$(dirname "$log")")-${tag:-all}
  err=$out.err
  java -cp "$jar" org.HdrHistogram.HistogramLogProcessor -i "$log" ${tag:+-tag "$tag"} -o "$out" >/dev/null 2>"$err" || true
  if grep -q Exception "$err" || ! grep -q 'Total count' "$out.hgrm"; then
    echo "Java failed to read $log ${tag:+(tag $tag)}:" >&2
    cat "$err" >&2
    exit 1
  fi
  echo "$out.hgrm"
}

fail=0
for tag in "" service fast slow; do
  shards=$(table "$work/shards.hlog" "$tag")
  merged=$(table "$work/merged/latency.hlog" "$tag")
  if diff -u "$shards" "$merged" >"$work/${tag:-all}.diff"; then
    echo "ok: ${tag:-all requests}: $(grep 'Total count' "$merged" | tr -s ' ')"
  else
    echo "MISMATCH: ${tag:-all requests} (see $work/${tag:-all}.diff)"
    fail=1
  fi
done
exit $fail
