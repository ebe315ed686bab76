#!/usr/bin/env bash
# kiln-toe integration suite: every document in tests/toe/cases/ runs through
# the real build/bin/kiln-toe (and awstoe) binary and is checked against the
# behaviour the guide documents for it. Each case declares its expectations
# in "#@" comment lines at the top:
#   #@ args: <extra run flags>          (the document is passed with -d)
#   #@ exit: <code>                     expected exit code of `run` (default 0)
#   #@ status: <status>                 expected summary status
#   #@ console: <text>                  console.log contains this line (exact line)
#   #@ console-has: <text>              console.log contains this text
#   #@ stdout-has: <text>               the summary on stdout contains this text
#   #@ stderr-has: <text>               stderr contains this text
#   #@ validate-fails: <text>           `validate` fails naming <text>; nothing runs
#   #@ validate-only                    `validate` must pass; the document is not run
#   #@ setup: <shell>                   run in the case folder before
#   #@ check: <shell>                   must succeed after the run ($LOG = log folder)
#   #@ file: <name>                     copy cases/files/<name> into the case folder
#   #@ requires: <Module>               skip when this build lacks the module
#   #@ rerun                            run the same command a second time (reboot)
#   #@ env: NAME=value                  environment for the run
#   #@ needs: s3                        an S3 endpoint (s3rver) with the suite's
#                                       bucket @BUCKET@; AWS_* set for the run
#   #@ s3-put: <file> <key>             upload case-folder <file> to @BUCKET@/<key>
#   #@ needs: http                      a loopback web server; @WEB@ is its URL,
#                                       @WWW@ the folder it serves
# @CASE@, @BUCKET@, @WEB@ and @WWW@ in a document, a files/ document or a
# directive are replaced before the case runs.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${KILN_BIN:-$root/build/bin}
work=${KILN_TEST_WORK:-$root/tests/.work}/toe
rm -rf "$work"; mkdir -p "$work"
toe=$bin/kiln-toe
[ -x "$toe" ] || { echo "kiln-toe not built at $toe"; exit 1; }

pass=0; fail=0; skip=0; failed=()
cd "$root"

# Servers some cases need, started at most once and stopped on exit: s3rver
# (unless tests/run.sh already runs one) and python3's http.server.
www=$work/www; mkdir -p "$www"
web=; web_pid=; bucket=kiln-toe-cases-$$; s3_ready=
cleanup() {
  [ -n "$web_pid" ] && kill "$web_pid" 2>/dev/null && wait "$web_pid" 2>/dev/null
  declare -F services_stop >/dev/null && services_stop
}
trap cleanup EXIT
need_http() {
  [ -n "$web" ] && return 0
  local port; port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  python3 -m http.server "$port" --bind 127.0.0.1 --directory "$www" >"$work/http.log" 2>&1 &
  web_pid=$!
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  web=http://127.0.0.1:$port
}
s3_curl() {  # method path [curl args...]: a SigV4-signed request to the S3 endpoint
  local method=$1 path=$2; shift 2
  curl -sf -X "$method" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" --aws-sigv4 "aws:amz:${AWS_REGION:-us-east-1}:s3" -u "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    "$KILN_TEST_S3_ENDPOINT/$path" "$@"
}
need_s3() {
  [ -n "$s3_ready" ] && return 0
  if [ -z "${KILN_TEST_S3_ENDPOINT:-}" ]; then
    # Run on its own: start s3rver the way tests/run.sh does.
    KILN_TEST_WORK=$work
    . "$root/tests/lib/services.sh"
    services_start >/dev/null || { echo "could not start s3rver (cd tests && npm ci)"; return 1; }
  fi
  export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-S3RVER} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-S3RVER}
  export AWS_REGION=${AWS_REGION:-us-east-1} AWS_ENDPOINT_URL_S3=$KILN_TEST_S3_ENDPOINT
  s3_curl PUT "$bucket" -o /dev/null || { echo "could not create bucket $bucket at $KILN_TEST_S3_ENDPOINT"; return 1; }
  s3_ready=1
}
# The "#@" directives of one case, read once, placeholders replaced:
# D[key] holds the values of `#@ key: value` lines joined by newlines, and
# 1 for flag lines (`#@ rerun`). Each case runs in its own background
# subshell; inside it everything avoids forks where bash can (a fork costs
# ~10 ms on the development VM, and the suite runs ~150 cases).
declare -A D
slurp() { TEXT=; IFS= read -r -d '' TEXT < "$1"; return 0; }  # file -> $TEXT, no fork
subst() {  # text case-dir case-name -> $SUBST, the case placeholders replaced
  local t=$1
  t=${t//@CASE@/$2}; t=${t//@BUCKET@/$bucket}; t=${t//@WEB@/$web/$3}; t=${t//@WWW@/$www/$3}
  SUBST=$t
}
load_case() {  # file case-dir case-name
  D=()
  local line key val
  slurp "$1"
  while IFS= read -r line; do
    [[ $line == '#@ '* ]] || continue
    line=${line#'#@ '}
    if [[ $line =~ ^([a-z0-9-]+):\ ?(.*)$ ]]; then key=${BASH_REMATCH[1]}; val=${BASH_REMATCH[2]}
    else key=$line; val=1; fi
    subst "$val" "$2" "$3"
    if [[ -v D[$key] ]]; then D[$key]+=$'\n'"$SUBST"; else D[$key]=$SUBST; fi
  done <<< "$TEXT"
}
has_line() { [[ $'\n'$1$'\n' == *$'\n'"$2"$'\n'* ]]; }  # text line

# Runs one case (in a subshell of its own); prints its report ("ok",
# "SKIP" or "FAIL" first).
run_case() {
  local src=$1 name dir doc rc expect_exit log t
  name=${src##*/}; name=${name%.yml}
  dir=$work/$name; mkdir -p "$dir/logs" "$www/$name"
  doc=${src##*/}
  cd "$dir" || return
  load_case "$src" "$dir" "$name"
  local problems=() need f
  while read -r need; do
    case $need in
      "") ;;
      s3) [ -n "$s3_ready" ] || problems+=("no S3 endpoint for this case") ;;
      http) [ -n "$web" ] || problems+=("no web server for this case") ;;
      *) problems+=("unknown need: $need") ;;
    esac
  done <<< "${D[needs]:-}"
  slurp "$src"; subst "$TEXT" "$dir" "$name"; printf '%s' "$SUBST" > "$doc"
  while read -r f; do
    [ -z "$f" ] && continue
    slurp "$here/cases/files/$f"; subst "$TEXT" "$dir" "$name"; printf '%s' "$SUBST" > "$f"
  done <<< "${D[file]:-}"
  local m
  while read -r m; do
    [ -z "$m" ] && continue
    "$toe" validate -d "$doc" >/dev/null 2>requires.err
    slurp requires.err
    if [[ $TEXT == *"'$m' is not implemented in this build"* ]]; then
      echo "SKIP $name (this build has no $m module)"; return
    fi
  done <<< "${D[requires]:-}"
  while read -r s; do [ -n "$s" ] && eval "$s" >/dev/null 2>&1; done <<< "${D[setup]:-}"
  local file key
  while read -r file key; do
    [ -z "$file" ] && continue
    s3_curl PUT "$bucket/$key" -T "$file" -o /dev/null || problems+=("could not upload $file to s3://$bucket/$key")
  done <<< "${D[s3-put]:-}"

  if [ -n "${D[validate-fails]:-}" ]; then
    "$toe" validate -d "$doc" >validate.out 2>validate.err; rc=$?
    [ "$rc" = 1 ] || problems+=("validate exit $rc, want 1")
    slurp validate.err
    while read -r t; do
      [[ $TEXT == *"$t"* ]] || problems+=("validate stderr lacks: $t")
    done <<< "${D[validate-fails]}"
    # A failing document must not run either.
    "$toe" run -d "$doc" -l "$dir/logs" >run.out 2>run.err; rc=$?
    [ "$rc" = 1 ] || problems+=("run of an invalid document exited $rc, want 1")
    local left=("$dir"/logs/*)
    [ -e "${left[0]}" ] && problems+=("run of an invalid document created a log folder")
  elif [ -n "${D[validate-only]:-}" ]; then
    "$toe" validate -d "$doc" >validate.out 2>validate.err || { slurp validate.err; problems+=("validate failed: $TEXT"); }
  else
    local args=${D[args]:-}; args=${args//$'\n'/ }
    local envs=() e
    while read -r e; do [ -n "$e" ] && envs+=("$e"); done <<< "${D[env]:-}"
    local cmd="env ${envs[*]} \"$toe\" run -d \"$doc\" -l \"$dir/logs\" $args"
    eval "$cmd" >run.out 2>run.err; rc=$?
    if [ -n "${D[rerun]:-}" ]; then
      [ "$rc" = 194 ] || problems+=("first run exited $rc, want 194 (reboot)")
      eval "$cmd" >run.out 2>>run.err; rc=$?
    fi
    expect_exit=${D[exit]:-0}
    [ "$rc" = "$expect_exit" ] || problems+=("exit $rc, want $expect_exit")
    log=("$dir"/logs/TOE_*); log=${log[0]}
    local out err console=
    slurp run.out; out=$TEXT
    slurp run.err; err=$TEXT
    [ -f "$log/console.log" ] && { slurp "$log/console.log"; console=${TEXT%$'\n'}; }
    if [ -n "${D[status]:-}" ]; then
      [[ $out == *"\"status\": \"${D[status]}\""* ]] || problems+=("summary status is not ${D[status]}")
    fi
    while read -r t; do [ -z "$t" ] && continue
      has_line "$console" "$t" || problems+=("console.log lacks line: $t")
    done <<< "${D[console]:-}"
    while read -r t; do [ -z "$t" ] && continue
      [[ $console == *"$t"* ]] || problems+=("console.log lacks: $t")
    done <<< "${D[console-has]:-}"
    while read -r t; do [ -z "$t" ] && continue
      [[ $out == *"$t"* ]] || problems+=("stdout lacks: $t")
    done <<< "${D[stdout-has]:-}"
    while read -r t; do [ -z "$t" ] && continue
      [[ $err == *"$t"* ]] || problems+=("stderr lacks: $t")
    done <<< "${D[stderr-has]:-}"
    while read -r c; do [ -z "$c" ] && continue
      (LOG=$log; eval "$c") >>check.out 2>&1 || problems+=("check failed: $c")
    done <<< "${D[check]:-}"
  fi
  if [ ${#problems[@]} -eq 0 ]; then
    echo "ok   $name"
  else
    echo "FAIL $name"
    for p in "${problems[@]}"; do echo "       $p"; done
    echo "       (files in $dir)"
  fi
}

# Servers first (once, here, not in the parallel cases), then the cases,
# as many at a time as there are CPUs; reports are printed in file order.
cases=("$here"/cases/*.yml)
if grep -q '^#@ needs: s3' "${cases[@]}"; then need_s3 || echo "cases that need S3 will fail"; fi
if grep -q '^#@ needs: http' "${cases[@]}"; then need_http; fi
# (Wait for the cases' PIDs only: the servers are background jobs too.)
max_jobs=$(nproc); case_pids=()
for c in "${cases[@]}"; do
  run_case "$c" > "$work/$(basename "$c" .yml).report" 2>&1 &
  case_pids+=($!)
  if [ ${#case_pids[@]} -ge "$max_jobs" ]; then
    wait "${case_pids[0]}"; case_pids=("${case_pids[@]:1}")
  fi
done
for p in "${case_pids[@]}"; do wait "$p"; done
for c in "${cases[@]}"; do
  r=$work/$(basename "$c" .yml).report
  cat "$r"
  case $(head -c 4 "$r") in
    "ok  ") pass=$((pass + 1)) ;;
    SKIP) skip=$((skip + 1)) ;;
    *) fail=$((fail + 1)); failed+=("$(basename "$c" .yml)") ;;
  esac
done

# Command-line behaviour that is not tied to one document.
cli_check() {  # name expected-exit stderr-text command...
  local name=$1 want=$2 text=$3; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" = "$want" ] && { [ -z "$text" ] || grep -qF -- "$text" <<< "$out"; }; then
    pass=$((pass+1)); echo "ok   cli: $name"
  else
    fail=$((fail+1)); failed+=("cli: $name"); echo "FAIL cli: $name (exit $rc, want $want; output: ${out:0:300})"
  fi
}
hello=$root/examples/hello-world.yml
cd "$work"
cli_check "version" 0 "kiln-toe" "$toe" --version
cli_check "short version" 0 "kiln-toe" "$toe" -v
cli_check "help" 0 "run" "$toe" --help
cli_check "no subcommand" 1 "" "$toe"
cli_check "unknown subcommand" 1 "" "$toe" frobnicate
cli_check "validate without documents" 1 "kiln-toe: --documents is required" "$toe" validate
cli_check "unknown flag" 1 "--bogus" "$toe" run --bogus
cli_check "run without documents" 1 "--documents or --config" "$toe" run
cli_check "config with documents" 1 "--documents cannot be combined with --config" "$toe" run -c /dev/null -d "$hello"
cli_check "empty parameter value" 1 "ntp-server=" "$toe" run -d "$hello" --parameters ntp-server= -l "$work"
cli_check "unknown phase" 1 "no document has a phase named 'bulid'" "$toe" run -d "$hello" -p bulid -l "$work"
cli_check "missing document" 1 "nope.yml" "$toe" validate -d nope.yml
# (S3 documents against s3rver are in tests/toe-modules/run.sh; here an
# unreachable loopback endpoint must fail naming the document.)
cli_check "s3 document, unreachable endpoint" 1 "s3://bucket/doc.yml" \
  env AWS_ENDPOINT_URL_S3=http://127.0.0.1:9 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y "$toe" validate -d s3://bucket/doc.yml
cli_check "component ARN without KILN_ENDPOINT" 1 "component ARNs need a Kiln server: set KILN_ENDPOINT" \
  env -u KILN_ENDPOINT "$toe" validate -d arn:aws:imagebuilder:us-west-2:123456789012:component/my-example-component/2021.12.02/1
cli_check "cloudwatch flags" 1 "CloudWatch Logs streaming" "$toe" run -d "$hello" --cw-log-group g -l "$work"
cli_check "cloudwatch flags ignored" 0 "warning: CloudWatch" "$toe" run -d "$hello" --cw-log-group=g --cw-ignore-failures -l "$work/cw"
cli_check "awstoe name" 0 "" "$bin/awstoe" run --documents="$hello" --phases=build --execution-id=awstoe-name --log-directory="$work/awstoe"
cli_check "log folder name" 0 "" test -d "$(ls -d "$work"/awstoe/TOE_*_UTC-0_awstoe-name)"
cli_check "validate two documents, one bad" 1 "unknown action module" "$toe" validate -d "$hello,$here/cases/bad-unknown-module.yml"

# The guide's run configuration (T72): two documents, per-document and global parameters.
mkdir -p "$work/config"
cat > "$work/config/sampledoc.yaml" <<'YAML'
schemaVersion: 1.0
parameters:
  - dayofweek: {type: string}
  - project: {type: string, default: none}
phases:
  - name: build
    steps:
      - name: Day
        action: ExecuteBash
        inputs: {commands: ["echo build {{ dayofweek }} {{ project }}"]}
  - name: test
    steps:
      - name: Day
        action: ExecuteBash
        inputs: {commands: ["echo test {{ dayofweek }} {{ project }}"]}
YAML
cat > "$work/config/conversation-intro.yaml" <<'YAML'
schemaVersion: 1.0
parameters:
  - greeting: {type: string}
  - project: {type: string}
phases:
  - name: build
    steps:
      - name: Greet
        action: ExecuteBash
        inputs: {commands: ["echo '{{ greeting }} ({{ project }})'"]}
YAML
cat > "$work/config/run.json" <<JSON
{
  "documents": [
    {"path": "$work/config/sampledoc.yaml", "parameters": [{"name": "dayofweek", "value": "Monday"}]},
    {"path": "$work/config/conversation-intro.yaml", "parameters": [{"name": "greeting", "value": "Hello, HAL."}]}
  ],
  "phases": "build,test",
  "parameters": [{"name": "project", "value": "examples"}],
  "executionId": "config-run",
  "logDirectory": "$work/config/logs"
}
JSON
cli_check "run config (T72)" 0 "" "$toe" run --config "$work/config/run.json"
cli_check "run config console" 0 "" diff <(printf 'build Monday examples\ntest Monday examples\nHello, HAL. (examples)\n') \
  "$(ls -d "$work"/config/logs/TOE_*_config-run)/console.log"
cli_check "run config: command line beats config" 0 "" "$toe" run --config "$work/config/run.json" --phases test --execution-id cli-wins
cli_check "run config: command line phases" 0 "" diff <(printf 'test Monday examples\n') \
  "$(ls -d "$work"/config/logs/TOE_*_cli-wins)/console.log"

# SIGTERM stops the running step's whole process group and the run.
mkdir -p "$work/cancel"
cat > "$work/cancel/slow.yml" <<'YAML'
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Slow
        action: ExecuteBash
        inputs:
          commands:
            - sleep 300 &
            - echo $! > child.pid
            - sleep 300
      - name: Never
        action: ExecuteBash
        inputs: {commands: ["touch never"]}
YAML
(cd "$work/cancel" && exec "$toe" run -d slow.yml -l logs >out 2>err) &
runner=$!
for _ in $(seq 100); do [ -s "$work/cancel/child.pid" ] && break; sleep 0.1; done
sleep 0.3
kill -TERM "$runner"
wait "$runner"; rc=$?
child=$(cat "$work/cancel/child.pid" 2>/dev/null)
alive() {  # a killed grandchild may linger as a zombie until init reaps it
  local st; st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
for _ in $(seq 20); do alive "$child" || break; sleep 0.1; done
if [ "$rc" = 1 ] && [ -n "$child" ] && ! alive "$child" && [ ! -e "$work/cancel/never" ] &&
   grep -q "cancelled" "$work/cancel/out"; then
  pass=$((pass+1)); echo "ok   cli: SIGTERM stops the step's processes and the run"
else
  fail=$((fail+1)); failed+=("cli: SIGTERM"); echo "FAIL cli: SIGTERM (exit $rc, child $child alive: $(alive "$child" && echo yes || echo no))"
  [ -n "$child" ] && kill "$child" 2>/dev/null
fi

# Component ARNs from a Kiln server (KILN_ENDPOINT): a stand-in GetComponent
# endpoint on a free loopback port serves a document.
arn=arn:aws:imagebuilder:us-west-2:123456789012:component/hello/1.0.0/1
if grep -q "no HTTP client" <<< "$(KILN_ENDPOINT=http://127.0.0.1:9 "$toe" validate -d "$arn" 2>&1)"; then
  echo "SKIP cli: component ARN from KILN_ENDPOINT (this build has no HTTP client)"; skip=$((skip+1))
else
  mkdir -p "$work/arn"
  python3 - "$work/arn/port" "$hello" <<'PY' &
import http.server, json, sys, urllib.parse
doc = open(sys.argv[2]).read()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        signed = self.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256")
        if u.path == "/GetComponent" and signed and q.get("componentBuildVersionArn", [""])[0].endswith("/hello/1.0.0/1"):
            body, code = json.dumps({"requestId": "1", "component": {"data": doc}}).encode(), 200
        else:
            body, code = b'{"message": "not found"}', 404
        self.send_response(code); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.handle_request(); s.handle_request()
PY
  server=$!
  for _ in $(seq 50); do [ -s "$work/arn/port" ] && break; sleep 0.1; done
  ep=http://127.0.0.1:$(cat "$work/arn/port")
  creds=(AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=secret AWS_REGION=us-west-2 KILN_ENDPOINT=$ep)
  cli_check "component ARN from KILN_ENDPOINT" 0 "" env "${creds[@]}" "$toe" run -d "$arn" -p build -l "$work/arn/logs"
  cli_check "unknown component ARN" 1 "HTTP 404" env "${creds[@]}" "$toe" validate -d "${arn%/1}/2"
  kill "$server" 2>/dev/null; wait "$server" 2>/dev/null
fi

echo "toe: $pass passed, $fail failed, $skip skipped"
[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
[ "$fail" -eq 0 ]
