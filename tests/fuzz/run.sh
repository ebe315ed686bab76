#!/usr/bin/env bash
# Builds the libFuzzer targets in src/api/fuzz with clang (ASan + UBSan) and
# runs each for a short while (KILN_FUZZ_SECONDS, default 20) from the seed
# corpus in tests/fuzz/corpus/<target>. Fails on any crash, leak, sanitizer
# report or timeout. Objects are cached in build/fuzz between runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
out=$root/build/fuzz
work=${KILN_TEST_WORK:-$root/tests/.work}/fuzz
seconds=${KILN_FUZZ_SECONDS:-20}
mkdir -p "$out/obj" "$work"
command -v clang++ >/dev/null || { echo "fuzz: clang++ not installed (scripts/deps.sh test)"; exit 1; }
cxx="clang++"
command -v ccache >/dev/null && cxx="ccache clang++"
flags=(-std=c++20 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
       -I"$root/src" -DKILN_VERSION='"fuzz"')

# The embedded service model, generated as the CMake build does.
model_cc=$out/service_model_data.cc
if [ ! -f "$model_cc" ] || [ "$root/src/api/model/imagebuilder-2019-12-02.json" -nt "$model_cc" ]; then
  cmake -DIN="$root/src/api/model/imagebuilder-2019-12-02.json" -DOUT="$model_cc" \
    -DSYMBOL=kiln_service_model_json -P "$root/src/api/embed_file.cmake"
fi

# Everything between the socket and the handlers, without the Beast server
# and without the handlers themselves.
srcs=("$model_cc")
# The front end only: the handlers (ops_*, resource_ops, ...) are not linked.
for f in api_service auth http_types metrics operation pattern response_cache router service_model validator; do
  srcs+=("$root/src/api/$f.cc")
done
for f in digest hash log sigv4 sigv4_canonical sigv4_verify status time; do srcs+=("$root/src/common/$f.cc"); done

objs=()
pids=()
for s in "${srcs[@]}"; do
  o=$out/obj/$(basename "$s" .cc).o
  objs+=("$o")
  if [ ! -f "$o" ] || [ "$s" -nt "$o" ] || [ -n "$(find "$root/src" -name '*.h' -newer "$o" -print -quit)" ]; then
    $cxx "${flags[@]}" -c "$s" -o "$o" &
    pids+=($!)
    if [ ${#pids[@]} -ge 2 ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
  fi
done
for p in "${pids[@]}"; do wait "$p"; done

libs=(-lyaml-cpp -lpcre2-8 -lssl -lcrypto -lpthread)
rc=0
for target in request sigv4; do
  $cxx "${flags[@]}" -fsanitize=fuzzer "$root/src/api/fuzz/fuzz_$target.cc" "${objs[@]}" "${libs[@]}" \
    -o "$out/fuzz_$target"
  corpus=$work/corpus_$target
  rm -rf "$corpus"; mkdir -p "$corpus"
  cp "$root/tests/fuzz/corpus/$target/"* "$corpus/"
  echo "fuzz: $target for ${seconds}s"
  if ! (cd "$work" && "$out/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 "$corpus" >"$work/$target.log" 2>&1); then
    echo "fuzz: $target FAILED"; tail -40 "$work/$target.log"; rc=1
  else
    grep -E "stat::number_of_executed_units|stat::new_units_added" "$work/$target.log" | sed "s/^/fuzz: $target /"
  fi
done
exit $rc
