#!/usr/bin/env bash
# Installs the Debian packages Kiln needs on a Debian 12 machine, as root.
#   scripts/deps.sh build   compiler, libraries, build tools
#   scripts/deps.sh run     what `kiln` needs at run time (runc, busybox, ...)
#   scripts/deps.sh test    everything the test suites and benchmarks drive
# Several groups may be given; with none, "build run". Idempotent and quiet
# when everything is already there.
set -euo pipefail

groups=("$@")
[ ${#groups[@]} -eq 0 ] && groups=(build run)

build_pkgs=(g++ cmake ninja-build ccache pkg-config make git ca-certificates
  libyaml-cpp-dev nlohmann-json3-dev libssl-dev libboost-dev libcli11-dev
  libsqlite3-dev libsimdjson-dev libarchive-dev libzstd-dev zlib1g-dev libpq-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev libpcre2-dev)
run_pkgs=(runc busybox-static bash-static util-linux mount iproute2 procps e2fsprogs
  tar zstd gzip coreutils findutils)
test_pkgs=(awscli skopeo umoci docker-registry curl python3 jq
  postgresql-15 nginx wrk hyperfine buildah mmdebstrap dpkg-dev qemu-utils psmisc clang
  libclang-rt-14-dev bc)  # libclang-rt: the libFuzzer and ASan runtimes the fuzz suite links

want=()
for g in "${groups[@]}"; do
  case "$g" in
    build) want+=("${build_pkgs[@]}") ;;
    run) want+=("${run_pkgs[@]}") ;;
    test) want+=("${build_pkgs[@]}" "${run_pkgs[@]}" "${test_pkgs[@]}") ;;
    *) echo "deps.sh: unknown group '$g' (build, run, test)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# Node.js >= 20 runs the AWS SDK conformance suite and the S3 test server.
need_node=0
for g in "${groups[@]}"; do [ "$g" = test ] && need_node=1; done
if [ $need_node = 1 ]; then
  if ! command -v node >/dev/null 2>&1; then missing+=(nodejs); fi
  if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/kiln-apt.log 2>&1 || {
    tail -30 /tmp/kiln-apt.log >&2; exit 1; }
fi

if [ $need_node = 1 ]; then
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -lt 20 ]; then
    echo "deps.sh: warning: Node.js $(node --version) is older than the AWS SDK's supported 20" >&2
  fi
fi
