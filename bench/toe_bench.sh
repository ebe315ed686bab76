#!/usr/bin/env bash
# kiln-toe benchmarks (figures go in docs/TOE.md):
#  1. per-step overhead: a 1,000-step document whose every step is
#     ExecuteBash `true`, against plain bash running the same 1,000 step
#     scripts (one `bash <script>` process per step, as kiln-toe does);
#     overhead per step = (kiln-toe - bash) / 1000.
#  2. `kiln-toe validate` of a 1,000-step document, beside `kiln-toe
#     --version` (the static binary's start-up alone) in the same run.
# Medians of several hyperfine runs, both peers measured in the same run.
# Usage: bench/toe_bench.sh [--validate-only] [kiln-toe binary]
#   (default build/bin/kiln-toe, a Release build from scripts/build.sh;
#   --validate-only skips the ~10-minute per-step benchmark)
set -euo pipefail
cd "$(dirname "$0")/.."
validate_only=
if [ "${1:-}" = --validate-only ]; then validate_only=1; shift; fi
toe=${1:-build/bin/kiln-toe}
runs=${TOE_BENCH_RUNS:-7}
steps=1000
command -v hyperfine >/dev/null || { echo "hyperfine is needed (scripts/deps.sh test)"; exit 1; }
[ -x "$toe" ] || { echo "no kiln-toe at $toe"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The document, and the same commands as one script file per step.
{
  echo "name: bench"
  echo "schemaVersion: 1.0"
  echo "phases:"
  echo "  - name: build"
  echo "    steps:"
  for i in $(seq 1 $steps); do
    printf '      - name: Step%d\n        action: ExecuteBash\n        inputs:\n          commands:\n            - "true"\n' "$i"
  done
} > "$work/doc.yml"
mkdir -p "$work/scripts"
for i in $(seq 1 $steps); do echo true > "$work/scripts/step$i.sh"; done
cat > "$work/plain.sh" <<SH
for i in \$(seq 1 $steps); do bash "$work/scripts/step\$i.sh" || exit 1; done
SH

# -N: no intermediate shell, so the figures are kiln-toe's own.
hyperfine --style basic -N --runs $((runs * 5)) --warmup 3 --export-json "$work/validate.json" \
  -n "kiln-toe validate: $steps steps" "$toe validate -d $work/doc.yml" \
  -n "kiln-toe --version (start-up only)" "$toe --version" >&2
if [ -n "$validate_only" ]; then
  python3 - "$work/validate.json" "$steps" <<'PY'
import json, sys
val, start = json.load(open(sys.argv[1]))["results"]
steps = int(sys.argv[2])
print(f"validate {steps} steps: {val['median'] * 1000:.1f} ms median wall (min {val['min'] * 1000:.1f}, "
      f"{len(val['times'])} runs), {(val['user'] + val['system']) * 1000:.1f} ms CPU (mean) (target < 50 ms)")
print(f"start-up alone (--version): {start['median'] * 1000:.1f} ms median wall")
PY
  exit 0
fi
hyperfine --style basic --runs "$runs" --warmup 1 --export-json "$work/run.json" \
  -n "bash: $steps step scripts" "bash $work/plain.sh" \
  -n "kiln-toe run: $steps steps" "$toe run -d $work/doc.yml -l $work/logs" >&2

# kiln-toe's own CPU time, apart from the bash processes it starts: less
# sensitive to a busy machine than wall-clock time.
cpu_line=$(grep -h "cpu: kiln-toe" "$work"/logs/TOE_*/application.log | tail -1)

python3 - "$work/run.json" "$work/validate.json" "$steps" "$cpu_line" <<'PY'
import json, sys
run = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
val, start = json.load(open(sys.argv[2]))["results"]
steps = int(sys.argv[3])
b = next(v for k, v in run.items() if k.startswith("bash"))
t = next(v for k, v in run.items() if k.startswith("kiln-toe"))
bash, toe = b["median"], t["median"]
# CPU time (user+system, children included; hyperfine reports means) is far
# less sensitive than wall time to other work on a shared machine.
cpu_bash = (b["user"] + b["system"]) / steps * 1000
cpu_toe = (t["user"] + t["system"]) / steps * 1000
print(f"CPU per step, bash alone:  {cpu_bash:.3f} ms")
print(f"CPU per step, kiln-toe:    {cpu_toe:.3f} ms   (difference {cpu_toe - cpu_bash:+.3f} ms)")
per_bash = bash / steps * 1000
per_toe = toe / steps * 1000
print(f"wall per step, bash alone: {per_bash:.3f} ms (median of runs, {steps} steps)")
print(f"wall per step, kiln-toe:   {per_toe:.3f} ms")
print(f"wall overhead per step:    {per_toe - per_bash:+.3f} ms   (target < 2 ms)")
print(f"kiln-toe / bash ratio:     {toe / bash:.2f}")
import re
m = re.search(r"user (\d+) ms, system (\d+) ms", sys.argv[4])
if m:
    own = int(m.group(1)) + int(m.group(2))
    print(f"kiln-toe own CPU per step: {own / steps:.3f} ms (user+system of kiln-toe itself, last run)")
print(f"validate {steps} steps:      {val['median'] * 1000:.1f} ms median wall, "
      f"{(val['user'] + val['system']) * 1000:.1f} ms CPU (mean) (target < 50 ms)")
print(f"start-up alone (--version):  {start['median'] * 1000:.1f} ms median wall")
PY
