#!/usr/bin/env bash
# Benchmarks `kiln serve` against nginx on loopback, in the same run:
#   GetComponent and ListComponents (SigV4-signed by the AWS SDK, over N
#   components created through the API), keep-alive, C connections, wrk;
#   nginx serves static files of the same sizes as the two API responses.
# Each operation is measured twice:
#   - "cached": kiln serve as it runs by default (its response cache answers
#     repeated reads until the next write; see src/api/response_cache.h);
#   - "handler": kiln serve --response-cache-mb 0, every request runs the
#     operation against the store.
# The requests rotate: GetComponent over all N components, ListComponents
# over every page (maxResults 25, following nextToken). nginx gets the same
# request headers through the same wrk script, with its file's path.
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
echo "bench: kiln at $bin/kiln (build type ${build_type:-unknown}), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $conns connections, ${secs}s per run"

# --- kiln serve (started again with other flags on the same port and data,
# so the signed requests, whose Host header names the port, stay valid)
export AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=bench-secret
kport=$(free_port)
mkdir -p "$work/data"
kiln_pid=
start_kiln() {  # extra flags...
  KILN_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID KILN_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
    "$bin/kiln" serve --listen "127.0.0.1:$kport" --data-dir "$work/data" --log-level warn \
    --no-builds "$@" >>"$work/serve.log" 2>&1 &
  kiln_pid=$!
  pids+=($kiln_pid)
  for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$kport/healthz" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "bench: kiln serve did not start"; cat "$work/serve.log"; exit 1
}
stop_kiln() { kill -TERM "$kiln_pid"; wait "$kiln_pid" 2>/dev/null || true; }
start_kiln
export KILN_API_ENDPOINT="http://127.0.0.1:$kport"

# --- components
arn=$(node bench/api_requests.mjs populate "$n" 2>"$work/populate.err") || { cat "$work/populate.err"; exit 1; }
echo "bench: created $n components through the API"

# --- signed requests -> wrk scripts (a table of requests, taken in turn)
make_lua() {  # name sign-set-args...
  node bench/api_requests.mjs sign-set "$2" "$3" 2>/dev/null >"$work/$1.json"
  python3 - "$work/$1.json" "$work/$1" <<'PY'
import json, sys
reqs = json.load(open(sys.argv[1]))
out = sys.argv[2]
def lua(s): return '"' + s.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n') + '"'
def script(path, rows):
    # The same request bytes for kiln and nginx (nginx gets the static
    # file's path, GET, the same headers), so wrk's own cost is equal.
    with open(path, 'w') as f:
        f.write('local reqs = {\n')
        for method, target, body, headers in rows:
            hs = ', '.join('[%s] = %s' % (lua(k), lua(str(v))) for k, v in headers.items()
                           if k.lower() not in ('host', 'content-length'))
            f.write('  {%s, %s, %s, {%s}},\n' % (lua(method), lua(target), lua(body), hs))
        f.write('}\nlocal formatted, i = {}, 0\n'
                'function init(args)\n'
                '  for k, r in ipairs(reqs) do formatted[k] = wrk.format(r[1], r[2], r[4], r[3]) end\n'
                '  i = math.random(#formatted)\n'
                'end\n'
                'function request()\n  i = i % #formatted + 1\n  return formatted[i]\nend\n')
bad = [r for r in reqs if r.get('status') != 200]
script(out + '.lua', [(r['method'], r['path'], r['body'] or '', r['headers']) for r in reqs])
name = out.rsplit('/', 1)[1]
script(out + '.nginx.lua', [('GET', '/%s.json' % name, '', r['headers']) for r in reqs])
r = reqs[0]
with open(out + '.curl', 'w') as f:
    f.write('%s\n%s\n' % (r['method'], r['path']))
    for k, v in r['headers'].items():
        if k.lower() != 'content-length': f.write('-H\n%s: %s\n' % (k, v))
    f.write('--data-binary\n%s\n' % (r['body'] or ''))
print(len(reqs), 'requests,', len(bad), 'not 200', bad[0].get('error', '') if bad else '')
PY
}
echo "bench: GetComponent signed: $(make_lua get "$n" "$arn")"
echo "bench: ListComponents signed: $(make_lua list "$n" list)"
replay_size() {  # name -> bytes of the first request's response body
  mapfile -t a <"$work/$1.curl"
  local method=${a[0]} path=${a[1]}
  curl -s -o "$work/$1.body" -w '%{http_code} %{size_download}\n' -X "$method" "${a[@]:2}" "$KILN_API_ENDPOINT$path"
}
read -r get_code get_size < <(replay_size get)
read -r list_code list_size < <(replay_size list)
echo "bench: replayed: GetComponent HTTP $get_code, $get_size bytes; ListComponents HTTP $list_code, $list_size bytes"
[ "$get_code" = 200 ] && [ "$list_code" = 200 ] || { echo "bench: replay failed"; exit 1; }

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
  local out=$work/wrk-$(echo "$1" | tr -c 'a-zA-Z0-9' _).txt
  wrk -t"$wthreads" -c"$conns" -d"${secs}s" --latency ${3:+-s "$3"} "$2" >"$out" 2>&1
  local rps p50 p99 non2xx
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p50=$(awk '$1=="50%" {print $2}' "$out")
  p99=$(awk '$1=="99%" {print $2}' "$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$out")
  printf '%-34s %12s %10s %10s %10s\n' "$1" "$rps" "$p50" "$p99" "${non2xx:-0}"
  echo "$1|$rps" >>"$work/rps"
}
echo
printf '%-34s %12s %10s %10s %10s\n' target "req/s" p50 p99 non-2xx
run_wrk "kiln GetComponent, cached" "$KILN_API_ENDPOINT" "$work/get.lua"
run_wrk "nginx file, $get_size B" "http://127.0.0.1:$nport" "$work/get.nginx.lua"
run_wrk "kiln ListComponents, cached" "$KILN_API_ENDPOINT" "$work/list.lua"
run_wrk "nginx file, $list_size B" "http://127.0.0.1:$nport" "$work/list.nginx.lua"
stop_kiln
start_kiln --response-cache-mb 0
run_wrk "kiln GetComponent, handler" "$KILN_API_ENDPOINT" "$work/get.lua"
run_wrk "kiln ListComponents, handler" "$KILN_API_ENDPOINT" "$work/list.lua"
echo
python3 - "$work/rps" <<'PY'
import sys
rps = dict(line.rstrip('\n').split('|') for line in open(sys.argv[1]))
files = [k for k in rps if k.startswith('nginx')]
for op, peer in (('GetComponent', files[0]), ('ListComponents', files[1])):
    for mode in ('cached', 'handler'):
        k = f'kiln {op}, {mode}'
        print(f'throughput ratio {k} / {peer}: {float(rps[k]) / float(rps[peer]):.2f}x')
PY
