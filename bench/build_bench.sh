#!/usr/bin/env bash
# Build time: `kiln build` of the example recipe (busybox parent, one build
# component with three ExecuteBash steps) against `buildah bud --isolation
# chroot` of the equivalent three-RUN Dockerfile on the same busybox base,
# alternating in the same run. Kiln is timed twice: its full default flow
# (build + test stage on a fresh instance + OCI layout output) and build only
# (imageTests disabled), which is what buildah does. The API path is timed
# too: CreateImage -> AVAILABLE on `kiln serve` (the same build and a test
# component, default workflows, through the AWS SDK: bench/api_build.mjs).
# Prints medians of RUNS (default 5) and ratios (target <= 1.0, aim 0.5).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
bin=${KILN_BIN:-$repo/build/bin}
runs=${RUNS:-5}
work=/tmp/kiln-buildbench-$$   # lowercase: buildah derives image names from it
rm -rf "$work"; mkdir -p "$work"
export KILN_DATA_DIR=$work/data
bah=(buildah --root "$work/containers" --runroot "$work/run" --storage-driver vfs)
cleanup() {
  "${bah[@]}" rm -a >/dev/null 2>&1 || true
  "${bah[@]}" rmi -af >/dev/null 2>&1 || true
  if findmnt -rn -o TARGET | grep -qF "$work"; then
    findmnt -rn -o TARGET | grep -F "$work" | sort -r | xargs -r -n1 umount -l
  fi
  rm -rf "$work"
}
serve_pid=
stop_serve() { [ -n "$serve_pid" ] && kill -TERM "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null; serve_pid=; }
trap 'stop_serve; cleanup' EXIT

cp -r examples/build "$work/example"; rm -rf "$work/example/out"
sed 's/enabled: true/enabled: false/' "$work/example/hello.yml" >"$work/example/hello-notest.yml"
# The same busybox root for buildah, as an OCI layout.
"$bin/kiln" image import busybox busybox:latest >/dev/null
"$bin/kiln" image export busybox:latest --output "$work/busybox-oci" --compression gzip >/dev/null
id=$("${bah[@]}" pull -q "oci:$work/busybox-oci:latest")
"${bah[@]}" tag "$id" localhost/kiln-busybox:latest
cat >"$work/Dockerfile" <<DOCKERFILE
FROM localhost/kiln-busybox:latest
RUN mkdir -p /usr/local/bin /etc/hello
RUN echo 'Hello from Kiln' > /etc/hello/greeting
RUN printf '#!/bin/sh\ncat /etc/hello/greeting\n' > /usr/local/bin/hello && chmod 0755 /usr/local/bin/hello
DOCKERFILE
# Warm both (base unpacked, binaries in page cache); not timed.
"$bin/kiln" build "$work/example/hello.yml" >/dev/null
"${bah[@]}" bud --isolation chroot -q -f "$work/Dockerfile" -t warm "$work" >/dev/null

# kiln serve with its own data dir, for the API path.
[ -d tests/node_modules/@aws-sdk/client-imagebuilder ] || (cd tests && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
export KILN_ACCESS_KEY_ID=AKIDBENCH KILN_SECRET_ACCESS_KEY=bench-secret
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$bin/kiln" serve --listen "127.0.0.1:$port" --data-dir "$work/serve" --max-builds 1 >"$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
api=(node "$repo/bench/api_build.mjs")
read -r recipe infra < <("${api[@]}" setup "http://127.0.0.1:$port")
api_run() { "${api[@]}" run "http://127.0.0.1:$port" "$recipe" "$infra"; }
api_run >/dev/null  # warm: busybox base image imported into the server's store

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
now() { date +%s.%N; }
tk=(); tn=(); tb=(); ta=()
for r in $(seq 1 "$runs"); do
  s=$(now); "$bin/kiln" build "$work/example/hello.yml" >/dev/null; e=$(now); tk+=("$(echo "$e - $s" | bc)")
  s=$(now); "$bin/kiln" build "$work/example/hello-notest.yml" >/dev/null; e=$(now); tn+=("$(echo "$e - $s" | bc)")
  s=$(now); "${bah[@]}" bud --isolation chroot -q -f "$work/Dockerfile" -t "hello$r" "$work" >/dev/null; e=$(now)
  tb+=("$(echo "$e - $s" | bc)")
  ta+=("$(api_run)")
done
mk=$(printf '%s\n' "${tk[@]}" | median)
mn=$(printf '%s\n' "${tn[@]}" | median)
mb=$(printf '%s\n' "${tb[@]}" | median)
ma=$(printf '%s\n' "${ta[@]}" | median)
echo "kiln build (build+test+output) median $mk s  runs: ${tk[*]}"
echo "kiln build (build only)        median $mn s  runs: ${tn[*]}"
echo "API CreateImage -> AVAILABLE   median $ma s  runs: ${ta[*]}"
echo "buildah bud --isolation chroot median $mb s  runs: ${tb[*]}"
echo "ratio kiln full / buildah:       $(echo "scale=2; $mk / $mb" | bc)"
echo "ratio kiln build-only / buildah: $(echo "scale=2; $mn / $mb" | bc)  (target <= 1.0, aim 0.5)"
echo "ratio API CreateImage->AVAILABLE / buildah: $(echo "scale=2; $ma / $mb" | bc)  (target <= 1.0, aim 0.5)"
