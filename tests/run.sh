#!/usr/bin/env bash
# Runs every test: the GoogleTest unit tests (ctest) and each integration
# suite tests/<suite>/run.sh against real binaries and real servers that this
# script starts on loopback (see tests/lib/services.sh). Prints one closing
# line "N passed, N failed" counting suites, and exits non-zero on failure.
set -uo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."
root=$PWD
export KILN_BIN="$root/build/bin"
export KILN_TEST_WORK="$root/tests/.work"
rm -rf "$KILN_TEST_WORK"; mkdir -p "$KILN_TEST_WORK"

(cd tests && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || { echo "npm ci failed"; exit 1; }

# shellcheck source=tests/lib/services.sh
. tests/lib/services.sh
trap services_stop EXIT
services_start || { echo "could not start test services"; exit 1; }

passed=0; failed=0; failed_names=()
run_suite() {  # name command...
  local name=$1; shift
  echo "=== suite: $name"
  local start=$SECONDS
  if "$@"; then passed=$((passed+1)); echo "=== $name: PASS ($((SECONDS-start)) s)"
  else failed=$((failed+1)); failed_names+=("$name"); echo "=== $name: FAIL ($((SECONDS-start)) s)"; fi
}

run_suite unit ctest --test-dir build --output-on-failure -j"$(nproc)" -L unit
for s in tests/*/run.sh; do
  name=$(basename "$(dirname "$s")")
  [ "$name" = lib ] && continue
  run_suite "$name" bash "$s"
done

[ ${#failed_names[@]} -gt 0 ] && echo "failed suites: ${failed_names[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
