#!/usr/bin/env bash
# Builds (Release) and runs the store scale benchmark: Get/List latency at
# 1k vs 100k component and image rows. Usage: bench/store_scale.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
# KILN_BENCH_BUILD: an existing Release build directory to reuse (e.g. build
# after scripts/build.sh) instead of configuring build-bench.
dir=${KILN_BENCH_BUILD:-build-bench}
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$dir" -j2 --target store_scale_bench
"$dir"/bench/store_scale_bench --rows "${1:-100000}"
