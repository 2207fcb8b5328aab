#!/usr/bin/env bash
# Time and peak memory of `loadgen merge` by shards x seconds (README "Performance"): synthetic
# shard logs (tests/bench/shard_log_fixture: 5 names, 100 latencies per name, shard and second),
# merged with /usr/bin/time. Nothing is sent anywhere.
#   tests/bench/merge_scaling.sh [BUILD_DIR] ["SHARDSxSECONDS ..."]
set -euo pipefail
build=${1:-build/release}
cases=${2:-"4x900 16x900 4x3600 16x3600"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf "| shards x seconds | shard logs | merge time | peak RSS |\n|---|---:|---:|---:|\n"
for c in $cases; do
  shards=${c%x*} seconds=${c#*x}
  rm -rf "$work/run"
  "$build/bin/shard_log_fixture" "$work/run" "$shards" "$seconds"
  size=$(du -sm "$work/run" | cut -f1)
  /usr/bin/time -f "%e %M" -o "$work/time" "$build/bin/loadgen" merge "$work"/run/shard-* -o "$work/run/merged" >/dev/null
  read -r secs kb <"$work/time"
  printf "| %s x %s | %s MB | %.1f s | %d MiB |\n" "$shards" "$seconds" "$size" "$secs" "$((kb / 1024))"
done
