#!/usr/bin/env bash
# Makes a Debian 12 (bookworm) minbase root filesystem in DIR with mmdebstrap,
# for recipes that say `parentImage: /path/to/DIR` (examples/build/debian.yml).
#
#   sudo examples/build/make-debian-base.sh DIR
#
# The packages come from the Debian mirror this machine's apt already uses
# (the first deb.debian.org-style URI in /etc/apt/sources.list*, else
# http://deb.debian.org/debian); set DEBIAN_MIRROR to choose another. The
# root's own /etc/apt/sources.list names the same mirror, so `apt-get` and
# UpdateOS inside the image use it too. DIR must not exist yet, or be empty.
set -euo pipefail
dir=${1:?usage: make-debian-base.sh DIR}
command -v mmdebstrap >/dev/null || { echo "make-debian-base.sh: mmdebstrap is needed (apt-get install mmdebstrap)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "make-debian-base.sh: run as root (mmdebstrap --mode=root)" >&2; exit 1; }
if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
  echo "make-debian-base.sh: $dir exists and is not empty" >&2; exit 1
fi

# The mirror: DEBIAN_MIRROR, else the first Debian archive URI apt uses here
# (one-line "deb URI suite" or deb822 "URIs:" form), security archives aside.
mirror=${DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    sed -nE -e 's/^deb( \[[^]]*\])? ([^ ]+) .*/\2/p' -e 's/^URIs: *([^ ]+).*/\1/p' |
    grep -E '/debian/?$' | grep -v security | head -1 || true)
  mirror=${mirror:-http://deb.debian.org/debian}
fi
mirror=${mirror%/}

# Fail early, and clearly, when the mirror cannot be reached.
if ! curl -sfI --max-time 20 "$mirror/dists/bookworm/InRelease" >/dev/null; then
  echo "make-debian-base.sh: the Debian mirror $mirror is unreachable (no $mirror/dists/bookworm/InRelease)" >&2
  exit 1
fi

echo "make-debian-base.sh: mmdebstrap minbase bookworm from $mirror into $dir"
mmdebstrap --quiet --variant=minbase --mode=root bookworm "$dir" "deb $mirror bookworm main"
