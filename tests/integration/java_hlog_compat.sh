#!/usr/bin/env bash
# Our .hlog must be read by the reference Java HdrHistogram (Debian's libhdrhistogram-java)
# and give exactly the percentile tables we compute ourselves.
# usage: java_hlog_compat.sh HLOG_FIXTURE_BINARY WORK_DIR
set -euo pipefail
fixture=$1
work=$2
. "$(dirname "$0")/java_hdr.sh"
mkdir -p "$work"
prefix=$work/compat
"$fixture" "$prefix"

# HistogramLogProcessor exits 0 even when it decodes nothing; treat any exception or a
# missing footer as failure.
java_table() {
  local out err
  out=$(mktemp) err=$(mktemp)
  java -cp "$jar" org.HdrHistogram.HistogramLogProcessor -i "$prefix.hlog" "$@" >"$out" 2>"$err" || true
  if grep -q Exception "$err" || ! grep -q 'Total count\|Infinity' "$out"; then
    echo "Java failed to decode $prefix.hlog ($*):" >&2
    cat "$err" >&2
    exit 1
  fi
  # The processor echoes the log's StartTime first; the table follows.
  grep -v '^#\[StartTime' "$out"
  rm -f "$out" "$err"
}

fail=0
check() {
  local name=$1 ours=$2
  shift 2
  if diff -u "$ours" <(java_table "$@") >"$work/$name.diff"; then
    echo "ok: $name ($(wc -l <"$ours") lines identical)"
  else
    echo "MISMATCH: $name"
    head -40 "$work/$name.diff"
    fail=1
  fi
}
check raw-values "$prefix.ratio1.txt" -outputValueUnitRatio 1
check milliseconds "$prefix.ms.txt"
check csv-microseconds "$prefix.csv" -outputValueUnitRatio 1000 -csv
check tagged "$prefix.tagged.txt" -tag service -outputValueUnitRatio 1000
exit $fail
