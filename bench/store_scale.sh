#!/usr/bin/env bash
# Builds (Release) and runs the store scale benchmark: Get/List latency at
# 1k vs 100k component and image rows. Usage: bench/store_scale.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j2 --target store_scale_bench
build-bench/bench/store_scale_bench --rows "${1:-100000}"
