#!/usr/bin/env bash
# Integration suite for builds: the real `kiln` and `kiln-toe` binaries build
# the example recipe end to end on runc, and the results are checked with
# independent tools (skopeo, umoci, debugfs, qemu-img). Failure paths must
# leave nothing behind: no mounts, containers, instance dirs or images.
# Needs root, runc, busybox-static, bash-static.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
bin=${KILN_BIN:-$root/build/bin}
work=${KILN_TEST_WORK:-$root/tests/.work}/engine
rm -rf "$work"; mkdir -p "$work"
data=$work/data
export KILN_DATA_DIR=$data

fails=0
pass() { echo "  ok   $1"; }
fail() { echo "  FAIL $1"; fails=$((fails+1)); }
check() {  # description command...
  local d=$1; shift
  if "$@" >"$work/last.out" 2>&1; then pass "$d"; else fail "$d"; sed 's/^/       /' "$work/last.out" | tail -20; fi
}
# Nothing of ours may be mounted or running, and no instance may remain.
check_clean() {
  local what=$1 leftovers
  leftovers=$(findmnt -rn -o TARGET | grep -F "$work" || true)
  leftovers+=$(runc --root "$data/runc" list -q 2>/dev/null || true)
  leftovers+=$(ls "$data/instances" 2>/dev/null || true)
  leftovers+=$(ls "$data/builds" 2>/dev/null || true)
  if [ -z "$leftovers" ]; then pass "nothing left behind: $what"; else fail "left behind after $what: $leftovers"; fi
}

for b in kiln kiln-toe kiln-init; do
  [ -x "$bin/$b" ] || { echo "engine suite: $bin/$b missing (build targets kiln kiln-toe kiln-init)"; exit 1; }
done
kiln=$bin/kiln

# --- the example recipe, copied so outputs land in the work dir ---------------
cp -r examples/build "$work/example"
rm -rf "$work/example/out"
echo "== build examples/build/hello.yml"
check "kiln build succeeds" "$kiln" build "$work/example/hello.yml"
cp "$work/last.out" "$work/hello.out"; sed 's/^/       /' "$work/hello.out"
check "progress names stages and steps" grep -q "ok   CreateOutputAMI" "$work/hello.out"
check_clean "successful build"
out=$work/example/out/hello-oci
check "skopeo reads the output layout" skopeo inspect "oci:$out:1.0.0"
check "image has two layers (busybox + build)" sh -c "skopeo inspect oci:$out:1.0.0 | jq -e '.Layers | length == 2'"
check "kiln image export --compression gzip" "$kiln" image export hello:1.0.0 --output "$work/gz" --compression gzip
check "umoci unpacks it" umoci unpack --image "$work/gz:1.0.0" "$work/bundle"
check "built file present with the recipe's parameter" grep -qx "Hello from Kiln" "$work/bundle/rootfs/etc/hello/greeting"
check "hello is executable" test -x "$work/bundle/rootfs/usr/local/bin/hello"
check "kiln's own paths are not in the image" test ! -e "$work/bundle/rootfs/opt/kiln"
check "toe work files are not in the image" sh -c "! ls $work/bundle/rootfs/tmp | grep -q ."
check "the image runs: kiln instance run" sh -c "\"$kiln\" instance run hello:1.0.0 -- hello | grep -qx 'Hello from Kiln'"
check_clean "instance run"

echo "== exports"
check "raw disk export" "$kiln" image export hello:1.0.0 --format raw --output "$work/disk.raw"
check "ext4 disk holds the greeting" sh -c "debugfs -R 'cat /etc/hello/greeting' $work/disk.raw 2>/dev/null | grep -qx 'Hello from Kiln'"
check "qcow2 export" "$kiln" image export hello:1.0.0 --format qcow2 --output "$work/disk.qcow2"
check "qemu-img sees qcow2" sh -c "qemu-img info $work/disk.qcow2 | grep -q 'file format: qcow2'"
check "oci-archive export" "$kiln" image export hello:1.0.0 --format oci-archive --output "$work/hello.tar"
check "skopeo reads the archive" skopeo inspect "oci-archive:$work/hello.tar:1.0.0"
check_clean "exports"

echo "== chained build on an oci: parent"
cat >"$work/example/child.yml" <<YAML
name: child
version: 2.0.0
parentImage: oci:$out:1.0.0
components:
  - path: components/child.yml
imageTests: {enabled: false}
YAML
cat >"$work/example/components/child.yml" <<'YAML'
name: child
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Replace
        action: ExecuteBash
        inputs:
          commands:
            - rm /etc/hello/greeting
            - rm -rf /etc/hello && mkdir /etc/hello && echo child > /etc/hello/other
YAML
check "build on an oci: parent" "$kiln" build "$work/example/child.yml"
check "export child" "$kiln" image export child:2.0.0 --output "$work/child" --compression gzip
check "umoci unpacks child" umoci unpack --image "$work/child:2.0.0" "$work/child-bundle"
check "deleted file is gone (whiteout)" test ! -e "$work/child-bundle/rootfs/etc/hello/greeting"
check "recreated dir has the new file (opaque dir)" grep -qx child "$work/child-bundle/rootfs/etc/hello/other"
check_clean "chained build"

echo "== components by managed name and ARN"
cat >"$work/example/managed.yml" <<YAML
name: managed
version: 1.0.0
parentImage: busybox
components:
  - name: hello-world-linux
  - path: components/hello-build.yml
imageTests: {enabled: false}
YAML
check "a Kiln-managed component by name builds" "$kiln" build "$work/example/managed.yml"
cp "$work/last.out" "$work/managed.out"
check "the managed component ran" grep -q "ok   ApplyBuildComponents *hello-world-linux" "$work/managed.out"
check_clean "managed-component build"
cat >"$work/example/unknown.yml" <<YAML
name: unknown
version: 1.0.0
parentImage: busybox
components:
  - name: no-such-component
YAML
"$kiln" build "$work/example/unknown.yml" >"$work/unknown.out" 2>&1; rc=$?
check "an unknown managed name exits 2" test "$rc" = 2
check "the error lists the managed components" grep -q "no Kiln-managed component 'no-such-component' (there are: .*hello-world-linux" "$work/unknown.out"
cat >"$work/example/arn.yml" <<YAML
name: byarn
version: 1.0.0
parentImage: busybox
components:
  - arn: arn:aws:imagebuilder:us-east-1:123456789012:component/x/1.0.0/1
YAML
env -u KILN_ENDPOINT "$kiln" build "$work/example/arn.yml" >"$work/arn.out" 2>&1; rc=$?
check "an ARN without KILN_ENDPOINT exits 2" test "$rc" = 2
check "the error says to set KILN_ENDPOINT" grep -q "KILN_ENDPOINT" "$work/arn.out"
check_clean "refused component references"

echo "== failures"
cat >"$work/example/broken.yml" <<YAML
name: broken
version: 1.0.0
parentImage: busybox
components:
  - path: components/broken.yml
YAML
cat >"$work/example/components/broken.yml" <<'YAML'
name: broken
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Fine
        action: ExecuteBash
        inputs:
          commands: [echo all good]
      - name: Breaks
        action: ExecuteBash
        inputs:
          commands:
            - echo about to fail
            - exit 7
YAML
"$kiln" build "$work/example/broken.yml" >"$work/broken.out" 2>&1
rc=$?
check "failing component fails the build (exit 1)" test "$rc" = 1
check "reason names the stage" grep -q "stage build" "$work/broken.out"
check "reason names the step" grep -q "step ApplyBuildComponents" "$work/broken.out"
check "reason names the component" grep -q "component broken.yml" "$work/broken.out"
check "reason quotes the step's output" grep -q "about to fail" "$work/broken.out"
check "reason names the failed step" grep -q "Breaks" "$work/broken.out"
check "failed image is not in the store" sh -c "! \"$kiln\" image list | grep -q broken"
check_clean "failed build"

cat >"$work/example/failtest.yml" <<YAML
name: failtest
version: 1.0.0
parentImage: busybox
components:
  - path: components/hello-build.yml
testComponents:
  - path: components/failing-test.yml
YAML
cat >"$work/example/components/failing-test.yml" <<'YAML'
name: failing-test
schemaVersion: 1.0
phases:
  - name: test
    steps:
      - name: Impossible
        action: ExecuteBash
        inputs:
          commands: [test -e /no/such/file]
YAML
"$kiln" build "$work/example/failtest.yml" >"$work/failtest.out" 2>&1
check "failing test fails the build" test $? = 1
check "reason names the test stage" grep -q "stage test" "$work/failtest.out"
check "image of a failed test is removed" sh -c "! \"$kiln\" image list | grep -q failtest"
check_clean "failed test"

printf 'name: bad\nversion: 1\nparentImage: busybox\ncomponents: [{path: components/hello-build.yml}]\n' >"$work/example/bad.yml"
"$kiln" build "$work/example/bad.yml" >"$work/bad.out" 2>&1
check "bad recipe exits 2" test $? = 2
check "bad recipe error names file and line" grep -q "bad.yml:2: version '1'" "$work/bad.out"

echo "== cancel (Ctrl-C)"
cat >"$work/example/slow.yml" <<YAML
name: slow
version: 1.0.0
parentImage: busybox
components:
  - path: components/slow.yml
YAML
cat >"$work/example/components/slow.yml" <<'YAML'
name: slow
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Sleep
        action: ExecuteBash
        inputs:
          commands: [sleep 120]
YAML
"$kiln" build "$work/example/slow.yml" >"$work/slow.out" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q LaunchBuildInstance "$work/slow.out" && break; sleep 0.1; done
sleep 1
kill -INT "$pid"; wait "$pid"
check "SIGINT fails the build (exit 1)" test $? = 1
check "reason says cancelled" grep -q "cancelled while running component slow.yml" "$work/slow.out"
check "no sleep survives" sh -c "! ps -eo args | grep -qx 'sleep 120'"
check_clean "cancelled build"

echo "== closed stdout"
"$kiln" image rm hello:1.0.0 >/dev/null
"$kiln" build "$work/example/hello.yml" | head -1 >/dev/null
check "a closed stdout does not stop the build" sh -c "\"$kiln\" image list | grep -q hello:1.0.0"
check_clean "build with closed stdout"

echo "== crash recovery"
"$kiln" instance run busybox -- sleep 300 &
pid=$!
for _ in $(seq 50); do [ -n "$(ls "$data/instances" 2>/dev/null)" ] && break; sleep 0.1; done
sleep 1
kill -9 "$pid"; wait "$pid" 2>/dev/null
check "kiln instance cleanup removes the orphan" sh -c "\"$kiln\" instance cleanup | grep -q '1 orphaned'"
check_clean "orphan cleanup"

# Leave nothing: unmount-check, then delete the work dir.
if [ -z "$(findmnt -rn -o TARGET | grep -F "$work")" ]; then rm -rf "$work"; fi
echo "engine suite: $fails failure(s)"
[ "$fails" -eq 0 ]
