#!/usr/bin/env bash
# Benchmarks `kiln serve` against nginx on loopback, in the same run:
#   GetComponent and ListComponents (SigV4-signed, over N components created
#   through the API), keep-alive, C connections, with wrk; nginx serves static
#   files of the same sizes as the two API responses.
# Reports requests/s, p50 and p99 latency and the ratio to nginx.
# Targets: >= 0.5x nginx throughput and p99 < 10 ms at 64 connections.
#
# Signed requests are precomputed (SigV4 is deterministic for a fixed
# X-Amz-Date; they stay valid for 15 minutes) and replayed by wrk.
# Environment: KILN_BIN (default build/bin), BENCH_COMPONENTS (1000),
# BENCH_CONNECTIONS (64), BENCH_SECONDS (10), BENCH_THREADS (2).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=${KILN_BIN:-$root/build/bin}
n=${BENCH_COMPONENTS:-1000}
conns=${BENCH_CONNECTIONS:-64}
secs=${BENCH_SECONDS:-10}
wthreads=${BENCH_THREADS:-2}
work=$(mktemp -d /tmp/kiln-bench.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
for t in wrk nginx node curl; do command -v $t >/dev/null || { echo "bench: $t not installed"; exit 1; }; done
[ -d tests/node_modules/@aws-sdk/client-imagebuilder ] || (cd tests && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$bin/../CMakeCache.txt" 2>/dev/null || echo unknown)
echo "bench: kiln at $bin/kiln (build type ${build_type:-unknown}), $(nproc) cores, $conns connections, ${secs}s per run"

# --- kiln serve
export AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=bench-secret
kport=$(free_port)
mkdir -p "$work/data"
KILN_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID KILN_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
  "$bin/kiln" serve --listen "127.0.0.1:$kport" --data-dir "$work/data" --log-level warn \
  >"$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$kport/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
export KILN_API_ENDPOINT="http://127.0.0.1:$kport"

# --- components
mode=full
arn=$(node bench/api_requests.mjs populate "$n" 2>"$work/populate.err") || {
  if grep -q NotImplementedException "$work/populate.err"; then
    mode=front
    arn="arn:aws:imagebuilder:us-east-1:123456789012:component/bench-component-0000/1.0.0/1"
    echo "bench: CreateComponent is not implemented in this build: measuring the API front only"
    echo "bench: (auth + routing + validation + 501 answer), not the GetComponent/ListComponents handlers"
  else
    cat "$work/populate.err"; exit 1
  fi
}
[ $mode = full ] && echo "bench: created $n components through the API"

# --- signed requests -> wrk scripts; response sizes
make_lua() {  # name op input-json
  node bench/api_requests.mjs sign "$2" "$3" >"$work/$1.json"
  python3 - "$work/$1.json" "$work/$1.lua" "$work/$1.curl" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
def lua(s): return '"' + s.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n') + '"'
with open(sys.argv[2], 'w') as f:
    f.write('wrk.method = %s\nwrk.path = %s\nwrk.body = %s\n' % (lua(r['method']), lua(r['path']), lua(r['body'] or '')))
    for k, v in r['headers'].items():
        if k.lower() in ('host', 'content-length'): continue
        f.write('wrk.headers[%s] = %s\n' % (lua(k), lua(str(v))))
with open(sys.argv[3], 'w') as f:
    f.write('%s\n%s\n' % (r['method'], r['path']))
    for k, v in r['headers'].items():
        if k.lower() not in ('content-length',): f.write('-H\n%s: %s\n' % (k, v))
    f.write('--data-binary\n%s\n' % (r['body'] or ''))
print(r.get('status'), r.get('error', ''))
PY
}
replay_size() {  # name -> bytes of the response body
  mapfile -t a <"$work/$1.curl"
  local method=${a[0]} path=${a[1]}
  curl -s -o "$work/$1.body" -w '%{http_code} %{size_download}\n' -X "$method" "${a[@]:2}" "$KILN_API_ENDPOINT$path"
}
echo "bench: GetComponent signed request -> $(make_lua get GetComponent "{\"componentBuildVersionArn\":\"$arn\"}")"
echo "bench: ListComponents signed request -> $(make_lua list ListComponents '{"maxResults":25}')"
read -r get_code get_size < <(replay_size get)
read -r list_code list_size < <(replay_size list)
echo "bench: replayed: GetComponent HTTP $get_code, $get_size bytes; ListComponents HTTP $list_code, $list_size bytes"

# --- nginx with static files of the same sizes
nport=$(free_port)
mkdir -p "$work/www" "$work/nginx"
head -c "$get_size" /dev/zero | tr '\0' 'x' >"$work/www/get.json"
head -c "$list_size" /dev/zero | tr '\0' 'x' >"$work/www/list.json"
cat >"$work/nginx/nginx.conf" <<NGINX
user root;
daemon off;
worker_processes $(nproc);
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 60s;
  default_type application/json;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server {
    listen 127.0.0.1:$nport;
    root $work/www;
  }
}
NGINX
nginx -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
pids+=($!)
for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$nport/get.json" >/dev/null 2>&1 && break; sleep 0.1; done

# --- runs
run_wrk() {  # label url [lua]
  local out=$work/wrk-$1.txt
  wrk -t"$wthreads" -c"$conns" -d"${secs}s" --latency ${3:+-s "$3"} "$2" >"$out" 2>&1
  local rps p50 p99 non2xx
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p50=$(awk '$1=="50%" {print $2}' "$out")
  p99=$(awk '$1=="99%" {print $2}' "$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$out")
  printf '%-28s %12s %10s %10s %10s\n' "$1" "$rps" "$p50" "$p99" "${non2xx:-0}"
  echo "$1 $rps" >>"$work/rps"
}
echo
printf '%-28s %12s %10s %10s %10s\n' target "req/s" p50 p99 non-2xx
run_wrk "kiln GetComponent" "$KILN_API_ENDPOINT" "$work/get.lua"
run_wrk "nginx static ($get_size B)" "http://127.0.0.1:$nport/get.json"
run_wrk "kiln ListComponents" "$KILN_API_ENDPOINT" "$work/list.lua"
run_wrk "nginx static ($list_size B)" "http://127.0.0.1:$nport/list.json"
echo
python3 - "$work/rps" "$mode" <<'PY'
import sys
rps = {}
for line in open(sys.argv[1]):
    name, v = line.rsplit(' ', 1)
    rps[name] = float(v)
names = list(rps)
for i in (0, 2):
    k, n = names[i], names[i + 1]
    print(f"ratio {k} / {n}: {rps[k] / rps[n]:.2f}x")
if sys.argv[2] != 'full':
    print("NOTE: no component handlers in this build; the kiln rows measure auth + routing + validation + a 501 answer")
PY
