#!/usr/bin/env bash
# UpdateOS for real: a Debian 12 minbase root made with mmdebstrap (from the
# Debian mirror this machine's apt uses) is the parent image of a
# `kiln build` whose component runs UpdateOS with apt-get inside the build
# instance, with the host network (recipe `network: true`).
#
# To know exactly what an upgrade must do, the suite adds three probe
# packages: version 1.0 is installed first, version 2.0 sits in a local
# file: repository that apt only learns about from `apt-get update`. The
# component then checks, inside the instance:
#   - exclude only (the guide's Linux example, awstoe.md T71): a -> 2.0,
#     b and c stay 1.0; the mirror's package lists were refreshed;
#   - include minus exclude: b -> 2.0, c stays 1.0;
#   - no inputs (update-linux-os, T4): c -> 2.0, nothing left to upgrade;
# and a test component checks the versions again from a fresh instance of
# the built image (the upgrade was captured in the snapshot).
#
# Needs root, runc, mmdebstrap and the Debian mirror (fails saying so when
# it is unreachable). Everything it makes (root filesystem, kiln data dir
# with images and instances) lives under its work folder and is removed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${KILN_BIN:-$root/build/bin}
work=${KILN_TEST_WORK:-$root/tests/.work}/updateos
kiln=$bin/kiln

pass=0; fail=0; failed=()
ok() { pass=$((pass+1)); echo "ok   $1"; }
bad() { fail=$((fail+1)); failed+=("$1"); echo "FAIL $1${2:+: $2}"; }
finish() {
  cleanup; trap - EXIT
  echo "updateos: $pass passed, $fail failed"
  [ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
  [ "$fail" -eq 0 ]
  exit
}

data=$work/data
cleanup() {
  if [ -d "$data" ]; then
    "$kiln" image --data-dir "$data" rm updateos-probe >/dev/null 2>&1
    "$kiln" instance --data-dir "$data" cleanup >/dev/null 2>&1
  fi
  # Nothing may stay mounted under the work folder before it is deleted.
  if grep -qF " $work/" /proc/self/mounts; then
    bad "cleanup" "mounts left under $work: $(grep -F " $work/" /proc/self/mounts | cut -d' ' -f2)"
  else
    rm -rf "$work" || bad "cleanup" "could not remove $work"
  fi
}
trap cleanup EXIT
rm -rf "$work"; mkdir -p "$work"

[ -x "$kiln" ] || { bad "setup" "kiln not built at $kiln"; finish; }
[ "$(id -u)" = 0 ] || { bad "setup" "needs root (runc, overlayfs, mmdebstrap --mode=root)"; finish; }
for p in mmdebstrap runc dpkg-deb dpkg-scanpackages curl; do
  command -v "$p" >/dev/null || { bad "setup" "$p is not installed (scripts/deps.sh test)"; finish; }
done

# ------------------------------------------------------------ parent image
rootfs=$work/rootfs
start=$SECONDS
source "$root/tests/lib/debian_root.sh"  # one mmdebstrap per test run, shared
if ! debian_root "$rootfs" 2>"$work/mmdebstrap.log"; then
  bad "debian base" "make-debian-base.sh failed"; sed 's/^/       /' "$work/mmdebstrap.log" | tail -20; finish
fi
ok "debian base: mmdebstrap minbase bookworm ($((SECONDS - start)) s)"
mirror=$(sed -n 's/^deb \([^ ]*\) bookworm main$/\1/p' "$rootfs/etc/apt/sources.list" | head -1)
# apt names list files after the URI: http://deb.debian.org/debian ->
# deb.debian.org_debian_dists_bookworm_...
lists_prefix=$(sed -e 's|^[a-z]*://||' -e 's|/*$||' -e 's|/|_|g' <<< "$mirror")_dists_bookworm_
# mmdebstrap leaves no package lists behind: any found later were fetched.
if ls "$rootfs/var/lib/apt/lists" | grep -q "^$lists_prefix"; then
  bad "debian base" "package lists already present; the refresh check would prove nothing"
fi

# ------------------------------------------------------------ probe packages
probe=$rootfs/srv/kiln-probe
mkdir -p "$probe/v1" "$probe/repo" "$work/debs"
make_deb() {  # name version outdir
  local d=$work/debs/$1-$2
  mkdir -p "$d/DEBIAN" "$d/usr/share/kiln-probe"
  echo "$2" > "$d/usr/share/kiln-probe/$1"
  cat > "$d/DEBIAN/control" <<CTL
Package: $1
Version: $2
Architecture: all
Maintainer: Kiln tests <kiln@localhost>
Description: UpdateOS probe package for Kiln's tests
CTL
  dpkg-deb --root-owner-group --build "$d" "$3/${1}_$2_all.deb" >/dev/null
}
for p in kiln-probe-a kiln-probe-b kiln-probe-c; do
  make_deb "$p" 1.0 "$probe/v1"
  make_deb "$p" 2.0 "$probe/repo"
done
(cd "$probe/repo" && dpkg-scanpackages --multiversion . > Packages 2>/dev/null)

# ------------------------------------------------------------ recipe
mkdir -p "$work/recipe"
cat > "$work/recipe/updateos.yml" <<'YAML'
name: UpdateOSProbe
description: UpdateOS with apt-get, checked against probe packages.
schemaVersion: 1.0
parameters:
  - ListsPrefix:
      type: string
      description: apt list file prefix of the Debian mirror.
phases:
  - name: build
    steps:
      - name: InstallOldProbes
        action: ExecuteBash
        inputs:
          commands:
            - dpkg -i /srv/kiln-probe/v1/*.deb
            - echo 'deb [trusted=yes] file:/srv/kiln-probe/repo ./' > /etc/apt/sources.list.d/kiln-probe.list
      - name: UpdateMyLinux
        action: UpdateOS
        onFailure: Abort
        maxAttempts: 3
        inputs:
          exclude:
            - kiln-probe-b
            - kiln-probe-c
      - name: CheckExclude
        action: ExecuteBash
        inputs:
          commands:
            - v() { dpkg-query -W -f='${Version}' "$1"; }
            - test "$(v kiln-probe-a)" = 2.0 && test "$(v kiln-probe-b)" = 1.0 && test "$(v kiln-probe-c)" = 1.0
            - ls /var/lib/apt/lists | grep -q '^{{ ListsPrefix }}'
      - name: UpdateSome
        action: UpdateOS
        inputs:
          include:
            - kiln-probe-b
            - kiln-probe-c
          exclude:
            - kiln-probe-c
      - name: CheckInclude
        action: ExecuteBash
        inputs:
          commands:
            - v() { dpkg-query -W -f='${Version}' "$1"; }
            - test "$(v kiln-probe-b)" = 2.0 && test "$(v kiln-probe-c)" = 1.0
      - name: UpdateOS
        action: UpdateOS
      - name: CheckEverything
        action: ExecuteBash
        inputs:
          commands:
            - test "$(dpkg-query -W -f='${Version}' kiln-probe-c)" = 2.0
            - test -z "$(apt-get -s upgrade | grep '^Inst ')"
  - name: test
    steps:
      - name: ProbesUpgraded
        action: ExecuteBash
        inputs:
          commands:
            - for p in a b c; do test "$(cat /usr/share/kiln-probe/kiln-probe-$p)" = 2.0 || exit 1; done
YAML
cat > "$work/recipe/recipe.yml" <<YAML
name: updateos-probe
version: 1.0.0
parentImage: $rootfs
network: true
components:
  - path: updateos.yml
    parameters:
      - name: ListsPrefix
        value: $lists_prefix
imageTests:
  enabled: true
YAML

start=$SECONDS
"$kiln" build --data-dir "$data" --verbose "$work/recipe/recipe.yml" >"$work/build.log" 2>&1
rc=$?
secs=$((SECONDS - start))
if [ "$rc" = 0 ]; then ok "kiln build with UpdateOS on the Debian base ($secs s)"; else
  bad "kiln build" "exit $rc after $secs s"
  tail -40 "$work/build.log" | sed 's/^/       /'
  grep -q "Could not resolve\|Temporary failure resolving\|Failed to fetch" "$work/build.log" &&
    echo "       apt could not reach $mirror from the build instance"
fi
check_log() {  # name pattern
  if grep -qE -- "$2" "$work/build.log"; then ok "$1"; else bad "$1" "build output lacks /$2/"; fi
}
check_log "UpdateOS chose apt-get" "UpdateOS: using apt-get"
check_log "apt-get update fetched the mirror's lists" "Get:[0-9]+ ${mirror%/} bookworm"
check_log "exclude: only kiln-probe-a upgraded" "Unpacking kiln-probe-a \(2\.0\) over \(1\.0\)"
check_log "include minus exclude: kiln-probe-b upgraded" "Unpacking kiln-probe-b \(2\.0\) over \(1\.0\)"
check_log "no inputs: everything else upgraded" "Unpacking kiln-probe-c \(2\.0\) over \(1\.0\)"
if [ "$(grep -c "Unpacking kiln-probe-. (2.0)" "$work/build.log")" = 3 ]; then ok "each probe upgraded exactly once"
else bad "each probe upgraded exactly once" "$(grep "Unpacking kiln-probe" "$work/build.log")"; fi
finish
