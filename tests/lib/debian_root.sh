# Sourced by suites that need a Debian 12 minbase root (tests/updateos,
# tests/builds/debian.test.mjs): makes it once per test run with
# examples/build/make-debian-base.sh under $KILN_TEST_WORK/cache (mmdebstrap
# takes one to two minutes) and gives each caller its own copy.
#   debian_root DEST     DEST must not exist; returns non-zero with the
#                        reason on stderr when the base cannot be made
debian_root() {
  local dest=$1 repo cache
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  cache=${KILN_TEST_WORK:-$repo/tests/.work}/cache
  mkdir -p "$cache"
  (
    flock 9
    if [ ! -f "$cache/debian-root.done" ]; then
      rm -rf "$cache/debian-root"
      "$repo/examples/build/make-debian-base.sh" "$cache/debian-root" >"$cache/debian-root.log" 2>&1 ||
        { tail -5 "$cache/debian-root.log" >&2; exit 1; }
      touch "$cache/debian-root.done"
    fi
  ) 9>"$cache/debian-root.lock" || return 1
  cp -a "$cache/debian-root" "$dest"
}
