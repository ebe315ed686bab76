#!/usr/bin/env bash
# Configures and builds Kiln into build/ (binaries in build/bin).
set -euo pipefail
cd "$(dirname "$0")/.."
type=${KILN_BUILD_TYPE:-Release}
# Paths relative to the checkout, so ccache hits across clones (CI builds a
# fresh clone in another folder).
export CCACHE_BASEDIR=$PWD
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$type" >/dev/null
fi
cmake --build build -j"$(nproc)"
