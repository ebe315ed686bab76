#!/usr/bin/env bash
# Integration suite for registries: a real registry (Debian's docker-registry,
# distribution 2.8) on a free loopback port, images put there by skopeo,
# pulled, built on and pushed by the real `kiln`, and the results read back
# with skopeo and umoci. Refusals: plain http not marked insecure, a tampered
# blob and manifest in the registry's storage, an unknown tag.
# Needs root (the build), runc, busybox-static, docker-registry, skopeo, umoci.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
bin=${KILN_BIN:-$root/build/bin}
work=${KILN_TEST_WORK:-$root/tests/.work}/registry
rm -rf "$work"; mkdir -p "$work"
export KILN_DATA_DIR=$work/data
unset KILN_INSECURE_REGISTRIES KILN_REGISTRY_USERNAME KILN_REGISTRY_PASSWORD
kiln=$bin/kiln

fails=0
pass() { echo "  ok   $1"; }
fail() { echo "  FAIL $1"; fails=$((fails+1)); }
check() {  # description command...
  local d=$1; shift
  if "$@" >"$work/last.out" 2>&1; then pass "$d"; else fail "$d"; sed 's/^/       /' "$work/last.out" | tail -20; fi
}
check_fails() {  # description expected-text command...: must fail and say expected-text
  local d=$1 want=$2; shift 2
  if "$@" >"$work/last.out" 2>&1; then fail "$d (succeeded)"; sed 's/^/       /' "$work/last.out" | tail -5
  elif grep -qF -- "$want" "$work/last.out"; then pass "$d"; sed 's/^/       /' "$work/last.out" | tail -1
  else fail "$d (no '$want' in the error)"; sed 's/^/       /' "$work/last.out" | tail -5; fi
}

for b in kiln kiln-toe kiln-init; do
  [ -x "$bin/$b" ] || { echo "registry suite: $bin/$b missing (build targets kiln kiln-toe kiln-init)"; exit 1; }
done
for t in docker-registry skopeo umoci jq python3; do
  command -v "$t" >/dev/null || { echo "registry suite: $t not installed (scripts/deps.sh)"; exit 1; }
done

# --- a registry on a free loopback port, storage in the work dir ------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
reg=127.0.0.1:$port
storage=$work/registry-storage
cat >"$work/registry.yml" <<YAML
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: $storage}
  delete: {enabled: true}
http:
  addr: $reg
  secret: kiln-registry-suite
YAML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
reg_pid=$!
stop_registry() {
  kill "$reg_pid" 2>/dev/null && wait "$reg_pid" 2>/dev/null
  return 0
}
trap stop_registry EXIT
for _ in $(seq 1 50); do
  curl -fsS "http://$reg/v2/" >/dev/null 2>&1 && break
  sleep 0.1
done
check "docker-registry answers on $reg" curl -fsS "http://$reg/v2/"

echo "== skopeo puts busybox in the registry"
# (from another store, so the pulls below start with an empty one)
check "kiln exports busybox as an OCI layout" env KILN_DATA_DIR="$work/seed" sh -c "\"$kiln\" image import busybox bb:1 && \"$kiln\" image export bb:1 --output \"$work/bb\""
check "skopeo copies it to the registry" skopeo copy --dest-tls-verify=false "oci:$work/bb:1" "docker://$reg/kiln/busybox:1"

echo "== pull"
check_fails "plain http refused unless marked insecure" "KILN_INSECURE_REGISTRIES=$reg" "$kiln" image pull "$reg/kiln/busybox:1"
check "nothing stored by the refused pull" sh -c "! \"$kiln\" image list | grep -q busybox"
export KILN_INSECURE_REGISTRIES=$reg
check "kiln image pull" "$kiln" image pull "$reg/kiln/busybox:1"
cp "$work/last.out" "$work/pull1.out"
check "first pull downloads config and layer" grep -q "2 blobs downloaded" "$work/pull1.out"
check "pull again" "$kiln" image pull "docker://$reg/kiln/busybox:1"
cp "$work/last.out" "$work/pull2.out"
check "second pull downloads no blob" grep -q "0 blobs downloaded.*2 already in the store" "$work/pull2.out"
want=$(skopeo inspect --tls-verify=false "docker://$reg/kiln/busybox:1" | jq -r .Digest)
check "stored under the registry's manifest digest" sh -c "\"$kiln\" image inspect $reg/kiln/busybox:1 | jq -e '.manifestDigest == \"$want\"'"
check_fails "unknown tag names the reference" "$reg/kiln/busybox:nope: no such image" "$kiln" image pull "$reg/kiln/busybox:nope"
check_fails "unknown repository names the reference" "$reg/kiln/absent:1: no such image" "$kiln" image pull "$reg/kiln/absent:1"

echo "== kiln build on a registry parent"
mkdir -p "$work/recipe"
cat >"$work/recipe/child.yml" <<YAML
name: fromreg
version: 1.0.0
parentImage: $reg/kiln/busybox:1
components:
  - path: mark.yml
imageTests: {enabled: false}
YAML
cat >"$work/recipe/mark.yml" <<'YAML'
name: mark
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Mark
        action: ExecuteBash
        inputs:
          commands:
            - mkdir -p /etc/kiln-registry && echo built-on-registry-parent > /etc/kiln-registry/mark
YAML
check "kiln build with parentImage from the registry" "$kiln" build "$work/recipe/child.yml"
check "the build reused the pulled layers" sh -c "\"$kiln\" image inspect fromreg:1.0.0 | jq -e '.layers[0].digest' | grep -q \"\$(\"$kiln\" image inspect $reg/kiln/busybox:1 | jq -r '.layers[0].digest')\""

echo "== push"
check "kiln image push (gzip layers)" "$kiln" image push fromreg:1.0.0 "$reg/kiln/fromreg:1.0.0" --compression gzip
cp "$work/last.out" "$work/push1.out"
check "push uploaded the blobs" grep -q "3 blobs uploaded" "$work/push1.out"
check "push again uploads nothing" "$kiln" image push fromreg:1.0.0 "$reg/kiln/fromreg:1.0.0" --compression gzip
cp "$work/last.out" "$work/push2.out"
check "second push found every blob" grep -q "0 blobs uploaded.*3 already there" "$work/push2.out"
check "skopeo inspects the pushed image" sh -c "skopeo inspect --tls-verify=false docker://$reg/kiln/fromreg:1.0.0 | jq -e '.Layers | length == 2'"
check "skopeo copies it to an OCI layout" skopeo copy --src-tls-verify=false "docker://$reg/kiln/fromreg:1.0.0" "oci:$work/pushed:1.0.0"
check "umoci unpacks it" umoci unpack --image "$work/pushed:1.0.0" "$work/bundle"
check "the build's file is in the pushed image" grep -qx built-on-registry-parent "$work/bundle/rootfs/etc/kiln-registry/mark"
check "busybox is in the pushed image" test -x "$work/bundle/rootfs/bin/busybox"
check "push as stored (zstd)" "$kiln" image push fromreg:1.0.0 "$reg/kiln/fromreg:zstd"
check "a pull into an empty store gets the same image back" \
  env KILN_DATA_DIR="$work/data2" "$kiln" image pull "$reg/kiln/fromreg:zstd" copy:1
check "same manifest digest after the round trip" sh -c "[ \"\$(\"$kiln\" image inspect fromreg:1.0.0 | jq -r .manifestDigest)\" = \"\$(KILN_DATA_DIR=$work/data2 \"$kiln\" image inspect copy:1 | jq -r .manifestDigest)\" ]"

echo "== tampered registry storage"
blob_data() { echo "$storage/docker/registry/v2/blobs/sha256/${1:7:2}/${1:7}/data"; }
flip_byte() {  # file offset: changes one byte, same size
  python3 - "$1" "$2" <<'PY'
import sys
path, off = sys.argv[1], int(sys.argv[2])
data = bytearray(open(path, 'rb').read())
data[off] ^= 0x01
open(path, 'wb').write(data)
PY
}
layer=$(skopeo inspect --tls-verify=false "docker://$reg/kiln/fromreg:1.0.0" | jq -r '.Layers[1]')
check "registry stores the layer at the expected path" test -f "$(blob_data "$layer")"
flip_byte "$(blob_data "$layer")" 100
check_fails "tampered layer blob refused" "blob $layer: digest mismatch" \
  env KILN_DATA_DIR="$work/data3" "$kiln" image pull "$reg/kiln/fromreg:1.0.0" t:1
check "nothing stored from the tampered pull" sh -c "! KILN_DATA_DIR=$work/data3 \"$kiln\" image list | grep -q 't:1' && [ -z \"\$(ls $work/data3/images/tmp)\" ] && [ ! -e $work/data3/images/blobs/sha256/${layer:7} ]"
manifest=$(skopeo inspect --tls-verify=false "docker://$reg/kiln/busybox:1" | jq -r .Digest)
sed -i 's/"schemaVersion":2/"schemaVersion": 2/; t; s/"schemaVersion": 2/"schemaVersion":2/' "$(blob_data "$manifest")"
check_fails "tampered manifest refused" "manifest digest mismatch" \
  env KILN_DATA_DIR="$work/data3" "$kiln" image pull "$reg/kiln/busybox:1" t:2

echo "== cleanup"
stop_registry
trap - EXIT
check "registry process stopped" sh -c "! kill -0 $reg_pid 2>/dev/null"
findmnt -rn -o TARGET | grep -qF "$work" && fail "mounts left under $work" || pass "no mounts left"
[ "$fails" -eq 0 ] && rm -rf "$work"

echo "registry suite: $fails failure(s)"
[ "$fails" -eq 0 ]
