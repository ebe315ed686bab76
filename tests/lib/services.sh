# Sourced by tests/run.sh: starts the servers the integration suites use, on
# loopback, and stops exactly the processes it started (by PID).
#   S3 (s3rver)          KILN_TEST_S3_ENDPOINT   bucket names are free to create
# Suites read the exported variables; they never assume a server is running.

KILN_SERVICE_PIDS=()

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_port() {  # port seconds
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

services_start() {
  local dir=$KILN_TEST_WORK/services
  mkdir -p "$dir/s3"
  local port; port=$(free_port)
  # s3rver runs in node; start it directly (no npx wrapper) so the PID we
  # keep is the server's own.
  node tests/node_modules/s3rver/bin/s3rver.js --address 127.0.0.1 --port "$port" \
    --directory "$dir/s3" --silent >"$dir/s3rver.log" 2>&1 &
  KILN_SERVICE_PIDS+=($!)
  wait_port "$port" 20 || { cat "$dir/s3rver.log"; return 1; }
  export KILN_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
  # s3rver accepts any signature made with these well-known test keys.
  export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
  echo "services: s3rver at $KILN_TEST_S3_ENDPOINT"
}

services_stop() {
  local pid
  for pid in "${KILN_SERVICE_PIDS[@]}"; do
    pkill -TERM -P "$pid" 2>/dev/null
    kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${KILN_SERVICE_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  KILN_SERVICE_PIDS=()
}
