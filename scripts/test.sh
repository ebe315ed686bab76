#!/usr/bin/env bash
# The README's test command: installs everything, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
scripts/build.sh
exec tests/run.sh
