#!/usr/bin/env bash
# The README's first command: installs, builds, and runs Kiln's main job with
# embedded defaults (no server to install first): kiln-toe validates and runs
# examples/hello-world.yml, then shows what the run left in its log folder.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build run
scripts/build.sh
echo
echo "== kiln-toe validate --documents examples/hello-world.yml"
build/bin/kiln-toe validate --documents examples/hello-world.yml
echo
echo "== kiln-toe run --documents examples/hello-world.yml --log-directory .kiln/logs"
mkdir -p .kiln/logs
id="demo-$(date -u +%Y%m%dT%H%M%SZ)"
build/bin/kiln-toe run --documents examples/hello-world.yml --log-directory .kiln/logs --execution-id "$id"
log=$(ls -d .kiln/logs/TOE_*_"$id")
echo
echo "== $log"
ls "$log"
echo
echo "== console.log (what the steps printed)"
cat "$log/console.log"
echo
echo "== step statuses (detailedoutput.json)"
python3 - "$log/detailedoutput.json" <<'PY' 2>/dev/null || grep -E '"(name|status)"' "$log/detailedoutput.json"
import json, sys
run = json.load(open(sys.argv[1]))
for doc in run["documents"]:
    for phase in doc["phases"]:
        for step in phase["steps"]:
            print(f'{phase["name"]:>9}.{step["name"]}: {step["status"]}  outputs={step["outputs"]}')
print("run:", run["status"])
PY

echo
echo "== kiln build examples/build/hello.yml (busybox base, build + test stages, OCI output)"
# Kiln's embedded store and image store live in .kiln/data; outputs land
# under examples/build/out (paths in the recipe are relative to it).
build/bin/kiln build --data-dir .kiln/data examples/build/hello.yml
