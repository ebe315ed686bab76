#!/usr/bin/env bash
# API conformance suite: starts build/bin/kiln serve on a free loopback port
# with a temporary data dir and two accounts, runs the node tests
# (node --test tests/api/, files *.test.mjs) and the awscli smoke test,
# then stops the server by PID and checks it shut down cleanly.
# Builds nothing: run after the build.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
bin=${KILN_BIN:-$root/build/bin}
work=${KILN_TEST_WORK:-$root/tests/.work}/api
rm -rf "$work"; mkdir -p "$work/data"
[ -x "$bin/kiln" ] || { echo "api: $bin/kiln not built"; exit 1; }
[ -d tests/node_modules/@aws-sdk/client-imagebuilder ] || (cd tests && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

export KILN_TEST_ACCESS_KEY_ID=AKIDKILNTEST1 KILN_TEST_SECRET_ACCESS_KEY=kiln-test-secret-1 KILN_TEST_ACCOUNT_ID=111122223333
export KILN_TEST_ACCESS_KEY_ID_2=AKIDKILNTEST2 KILN_TEST_SECRET_ACCESS_KEY_2=kiln-test-secret-2 KILN_TEST_ACCOUNT_ID_2=444455556666
# Account 2 comes from the config file, account 1 from the environment.
cat >"$work/config.yaml" <<YAML
accounts:
  - id: "$KILN_TEST_ACCOUNT_ID_2"
    accessKeys:
      - accessKeyId: $KILN_TEST_ACCESS_KEY_ID_2
        secretAccessKey: $KILN_TEST_SECRET_ACCESS_KEY_2
YAML

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
KILN_ACCESS_KEY_ID=$KILN_TEST_ACCESS_KEY_ID KILN_SECRET_ACCESS_KEY=$KILN_TEST_SECRET_ACCESS_KEY \
KILN_ACCOUNT_ID=$KILN_TEST_ACCOUNT_ID AWS_ENDPOINT_URL_S3=${KILN_TEST_S3_ENDPOINT:-} \
  "$bin/kiln" serve --no-builds --listen "127.0.0.1:$port" --data-dir "$work/data" --config "$work/config.yaml" \
  >"$work/serve.log" 2>&1 &
pid=$!
stop_server() { kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
trap stop_server EXIT

for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { echo "api: kiln serve exited:"; cat "$work/serve.log"; exit 1; }
  sleep 0.1
done
export KILN_API_ENDPOINT="http://127.0.0.1:$port"

rc=0
(cd tests && node --test --test-reporter=spec api/) || rc=1
bash tests/api/awscli_smoke.sh || rc=1

# Graceful stop: on SIGTERM an idle keep-alive connection is closed, a
# request whose body is still arriving is finished and answered (with
# Connection: close), and the process ends promptly with status 0.
exec 3<>"/dev/tcp/127.0.0.1/$port"   # idle keep-alive connection
printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' >&3
exec 4<>"/dev/tcp/127.0.0.1/$port"   # request in flight
printf 'POST /ListComponents HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n' >&4
sleep 0.3
kill -TERM "$pid"
start=$SECONDS
sleep 0.3
printf '{}' >&4
inflight=$(timeout 5 cat <&4 | tr -d '\r')
[ -n "${KILN_TEST_VERBOSE:-}" ] && echo "$inflight"
wait "$pid"; status=$?
trap - EXIT
exec 3>&- 4>&-
if ! grep -q '^HTTP/1.1 403' <<<"$inflight" || ! grep -qi '^connection: close' <<<"$inflight"; then
  echo "api: the request in flight at SIGTERM was not answered and closed: $inflight"
  rc=1
fi
if [ "$status" -ne 0 ] || [ $((SECONDS - start)) -gt 5 ]; then
  echo "api: kiln serve did not stop cleanly on SIGTERM (status $status, $((SECONDS - start)) s)"
  rc=1
else
  echo "api: kiln serve stopped cleanly on SIGTERM, answering the request in flight"
fi
[ $rc -ne 0 ] && { echo "--- serve.log (last 30 lines)"; tail -30 "$work/serve.log"; }
exit $rc
