#!/usr/bin/env bash
# End-to-end build suite: each test file starts its own `kiln serve` with real
# builds (runc instances, the image store) and drives it with the official
# AWS SDK for JavaScript (tests/builds/harness.mjs). Needs root, runc,
# skopeo and umoci (scripts/deps.sh test). Builds nothing: run after the build.
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=${KILN_BIN:-$PWD/build/bin}
[ -x "$bin/kiln" ] || { echo "builds: $bin/kiln not built"; exit 1; }
[ -d tests/node_modules/@aws-sdk/client-imagebuilder ] || (cd tests && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
# Test files run one at a time: builds share the machine's two cores.
(cd tests && node --test --test-concurrency=1 --test-reporter=spec builds/)
