#!/usr/bin/env bash
# loadgen's HTTP/2 client beside h2load (nghttp2's own benchmark client), same box, same run:
# nginx (one worker) serving a small static file over h2 with TLS on core 1, each client on
# core 0 with one thread, the same 100 streams in flight (h2load -c 10 -m 10; loadgen 100 users
# over 10 connections of 10 streams), several alternating rounds. Prints each round's req/s
# and requests per client CPU-second, then the medians and the ratio loadgen/h2load of
# requests per CPU-second (goal: >= 0.9; nginx on its own core may cap req/s for both, so
# the efficiency is the figure that compares the clients).
#   tests/bench/vs_h2load.sh [BUILD_DIR] [ROUNDS] [SECONDS]
#   H2C=1 tests/bench/vs_h2load.sh ...   also compares over h2c (prior knowledge, no TLS)
set -euo pipefail
build=${1:-build/release}
rounds=${2:-5}
secs=${3:-5}
bin=$build/bin
nginx=/usr/sbin/nginx
for tool in h2load openssl taskset python3; do
  command -v "$tool" >/dev/null || { echo "$tool missing: run scripts/setup" >&2; exit 1; }
done
[ -x "$nginx" ] || { echo "nginx missing: run scripts/setup (nginx-light)" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "needs 2 cores (clients and server on separate cores)" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d)
nginx_pid=""
cleanup() {
  if [ -n "$nginx_pid" ]; then
    kill "$nginx_pid" 2>/dev/null || true  # SIGTERM: the master's fast shutdown, its worker with it
    wait "$nginx_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
tls_port=$(free_port)
h2c_port=$(free_port)

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/server.key" \
  -out "$work/server.pem" -days 1 -subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
mkdir -p "$work/www"
head -c 256 /dev/zero | tr '\0' 'x' >"$work/www/file"

# Every path under $work: nothing of the system's nginx (/etc/nginx, /var/lib/nginx, /run) is
# read or written. As root the worker would run as nobody, who cannot read the mktemp
# directory: it stays root then. keepalive_requests so high that no connection is rotated
# during a round (nginx 1.22 applies it to HTTP/2; h2load would not open another).
{
  [ "$(id -u)" -eq 0 ] && echo "user root;"
  cat <<NGINX
daemon off;
worker_processes 1;
pid $work/nginx.pid;
lock_file $work/nginx.lock;
error_log stderr warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/client_body;
  proxy_temp_path $work/proxy;
  fastcgi_temp_path $work/fastcgi;
  uwsgi_temp_path $work/uwsgi;
  scgi_temp_path $work/scgi;
  default_type text/plain;
  open_file_cache max=16;
  keepalive_requests 1000000000;
  root $work/www;
  server {
    listen 127.0.0.1:$tls_port ssl http2;
    ssl_certificate $work/server.pem;
    ssl_certificate_key $work/server.key;
  }
  server {
    listen 127.0.0.1:$h2c_port http2;
  }
}
NGINX
} >"$work/nginx.conf"

# taskset execs nginx: $! is the master's pid. Its worker inherits core 1.
taskset -c 1 "$nginx" -p "$work/" -c "$work/nginx.conf" -e stderr 2>"$work/nginx.err" &
nginx_pid=$!
for _ in $(seq 100); do
  [ "$(h2load -n 1 -c 1 "https://127.0.0.1:$tls_port/file" 2>/dev/null | awk '/^requests:/ {print $8}')" = 1 ] && break
  kill -0 "$nginx_pid" 2>/dev/null || { echo "nginx did not start:" >&2; cat "$work/nginx.err" >&2; exit 1; }
  sleep 0.05
done
worker_pid=$(cat "/proc/$nginx_pid/task/$nginx_pid/children")
worker_pid=${worker_pid%% *}
[ -n "$worker_pid" ] || { echo "nginx has no worker:" >&2; cat "$work/nginx.err" >&2; exit 1; }

scenario() {  # $1: base URL, $2: extra target lines
  cat <<YAML
name: vs_h2load
target:
  base_url: "$1"
  http: "2"
  max_streams: 10
$2
load: { model: vus, vus: 100, connections: 10, duration: ${secs}s }
requests: [ { get: /file } ]
YAML
}
scenario "https://127.0.0.1:$tls_port" "  tls: { verify: false }" >"$work/h2.yaml"
scenario "http://127.0.0.1:$h2c_port" "" >"$work/h2c.yaml"

# Runs a command; prints its exit code, the user+system CPU seconds it used (children
# included) and the nginx worker's CPU seconds over the same time (utime + stime in /proc).
tick=$(getconf CLK_TCK)
server_cpu() { awk -v t="$tick" '{print ($14 + $15) / t}' "/proc/$worker_pid/stat"; }
measure() {
  local before after client
  before=$(server_cpu)
  client=$(python3 -c 'import resource, subprocess, sys
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(rc, u.ru_utime + u.ru_stime)' "$@")
  after=$(server_cpu)
  echo "$client $(awk -v a="$after" -v b="$before" 'BEGIN {print a - b}')"
}
calc() { awk "BEGIN {print $*}"; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# Each sets: <tool>_rps (its own req/s figure), <tool>_n (requests answered), <tool>_cpu
# (client CPU seconds), <tool>_srv (server CPU seconds).
run_h2load() {  # $1: URL
  local rc
  read -r rc h2load_cpu h2load_srv < <(measure taskset -c 0 sh -c "h2load -c 10 -m 10 -D $secs '$1' >'$work/h2load.out' 2>&1")
  [ "$rc" -eq 0 ] || { echo "h2load failed (exit $rc):" >&2; cat "$work/h2load.out" >&2; exit 1; }
  h2load_rps=$(awk '/^finished in/ {print $4}' "$work/h2load.out")
  h2load_n=$(awk '/^requests:/ {print $8}' "$work/h2load.out")  # "N succeeded"
}
run_loadgen() {  # $1: scenario
  local rc
  rm -rf "$work/out"
  read -r rc loadgen_cpu loadgen_srv < <(measure taskset -c 0 sh -c "'$bin/loadgen' run '$1' -q -t 1 -o '$work/out' 2>'$work/loadgen.err'")
  [ "$rc" -eq 0 ] || { echo "loadgen failed (exit $rc):" >&2; cat "$work/loadgen.err" >&2; exit 1; }
  read -r loadgen_rps loadgen_n < <(python3 -c "import json; r = json.load(open('$work/out/result.json'))
print(r['throughput']['achieved_rps'], r['requests']['completed'])")
}

# Rounds alternate which client goes first (h2load, loadgen / loadgen, h2load ...), so a slow
# drift of the shared machine does not favour one; each round's ratio compares neighbours in
# time. "server busy" is nginx's share of its core while that client ran: near 100% for both
# means nginx capped the rate, and req/s say little; req per CPU-second still compares.
compare() {  # $1: label, $2: URL for h2load, $3: scenario for loadgen
  local label=$1 url=$2 yaml=$3 with_loadgen=1 f r
  if ! "$bin/loadgen" validate "$yaml" >"$work/validate.out" 2>&1; then
    echo "loadgen cannot run the $label scenario (yet): $(tail -n 3 "$work/validate.out")"
    echo "running h2load alone"
    with_loadgen=0
  fi
  echo "$label: nginx (1 worker) on core 1; clients on core 0, 1 thread, 10 connections x 10 streams, ${secs}s, $rounds rounds"
  for f in h_rps l_rps h_eff l_eff ratio h_busy l_busy; do : >"$work/$f.txt"; done
  for r in $(seq "$rounds"); do
    if [ "$with_loadgen" -eq 0 ]; then
      run_h2load "$url"
    elif [ $((r % 2)) -eq 1 ]; then
      run_h2load "$url"; run_loadgen "$yaml"
    else
      run_loadgen "$yaml"; run_h2load "$url"
    fi
    local he hb
    he=$(calc "$h2load_n / $h2load_cpu"); hb=$(calc "100 * $h2load_srv / $secs")
    echo "$h2load_rps" >>"$work/h_rps.txt"; echo "$he" >>"$work/h_eff.txt"; echo "$hb" >>"$work/h_busy.txt"
    if [ "$with_loadgen" -eq 0 ]; then
      printf 'round %d: h2load %.0f req/s (%.0f req/CPU-s, client %.0f%% of its core, server busy %.0f%%)\n' \
        "$r" "$h2load_rps" "$he" "$(calc "100 * $h2load_cpu / $secs")" "$hb"
      continue
    fi
    local le lb
    le=$(calc "$loadgen_n / $loadgen_cpu"); lb=$(calc "100 * $loadgen_srv / $secs")
    echo "$loadgen_rps" >>"$work/l_rps.txt"; echo "$le" >>"$work/l_eff.txt"; echo "$lb" >>"$work/l_busy.txt"
    calc "$le / $he" >>"$work/ratio.txt"
    printf 'round %d: h2load %.0f req/s (%.0f req/CPU-s, client %.0f%%, server busy %.0f%%), loadgen %.0f req/s (%.0f req/CPU-s, client %.0f%%, server busy %.0f%%)\n' \
      "$r" "$h2load_rps" "$he" "$(calc "100 * $h2load_cpu / $secs")" "$hb" \
      "$loadgen_rps" "$le" "$(calc "100 * $loadgen_cpu / $secs")" "$lb"
  done
  local mh mhe
  mh=$(median <"$work/h_rps.txt"); mhe=$(median <"$work/h_eff.txt")
  if [ "$with_loadgen" -eq 0 ]; then
    printf '%s median: h2load %.0f req/s, %.0f req/CPU-s, server busy %.0f%%\n' "$label" "$mh" "$mhe" \
      "$(median <"$work/h_busy.txt")"
    return
  fi
  local ml mle
  ml=$(median <"$work/l_rps.txt"); mle=$(median <"$work/l_eff.txt")
  printf '%s median: h2load %.0f req/s, loadgen %.0f req/s (ratio %.3f); server busy: with h2load %.0f%%, with loadgen %.0f%%\n' \
    "$label" "$mh" "$ml" "$(calc "$ml / $mh")" "$(median <"$work/h_busy.txt")" "$(median <"$work/l_busy.txt")"
  printf '%s median req per client CPU-second: h2load %.0f, loadgen %.0f; ratio loadgen/h2load %.3f (median of the rounds\x27 ratios %.3f; goal >= 0.9)\n' \
    "$label" "$mhe" "$mle" "$(calc "$mle / $mhe")" "$(median <"$work/ratio.txt")"
}

compare "h2 over TLS" "https://127.0.0.1:$tls_port/file" "$work/h2.yaml"
if [ "${H2C:-0}" = 1 ]; then
  compare "h2c" "http://127.0.0.1:$h2c_port/file" "$work/h2c.yaml"
fi
