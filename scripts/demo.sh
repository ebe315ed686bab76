#!/usr/bin/env bash
# The README's first command: installs, builds, and runs Kiln's main job with
# embedded defaults (no server to install first).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build run
scripts/build.sh
echo
echo "== kiln-toe validate examples/hello-world.yml"
build/bin/kiln-toe validate --documents examples/hello-world.yml
echo
echo "== kiln-toe run examples/hello-world.yml"
mkdir -p .kiln/logs
build/bin/kiln-toe run --documents examples/hello-world.yml --log-directory .kiln/logs
